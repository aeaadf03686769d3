#!/usr/bin/env python3
"""Set-up and entry points for a fresh machine with only Python.

    python3 run.py main    # create or reuse .venv, install, run the main job on the sample content (extract, build, bundle)
    python3 run.py test    # create or reuse .venv, install test needs (GNU gettext, Chromium, OmegaT), run every test
    python3 run.py bench         # install Translate Toolkit beside us; time extract against html2po
    python3 run.py bench-build   # time build against po2html, and an incremental rebuild
    python3 run.py bench-draft   # time a draft pass against deep-translator's translate_batch
    python3 run.py bench-scale   # how extract and build grow with the number of items, against Translate Toolkit

Each command creates .venv on first use and reinstalls only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


def ensure_venv(extras: str) -> None:
    """Create .venv and install the package with `extras` unless the same install is already there."""
    if not PYTHON.exists():
        say(f"creating {VENV.relative_to(ROOT)}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not (stamp.exists() and stamp.read_text() == digest):
        target = f".[{extras}]" if extras else "."
        say(f"installing {target} into .venv")
        subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-e", target], cwd=ROOT, check=True)
        stamp.write_text(digest)
    # Byte-compile the package, as pip does for a regular install but not for an editable one. Where the
    # environment stops Python from caching bytecode (PYTHONDONTWRITEBYTECODE), every command would otherwise
    # compile every module again before doing any work. Only changed modules are compiled.
    subprocess.run([str(PYTHON), "-m", "compileall", "-q", str(ROOT / "workflow")], check=True)


def ensure_debian_package(package: str, commands: tuple[str, ...], purpose: str) -> None:
    """Install a Debian package the tests need when its commands are missing and we are root with apt-get."""
    if all(shutil.which(command) for command in commands):
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"installing {package} with apt-get ({purpose})")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for attempt in range(3):  # a mirror hiccup should not fail the whole run
            updated = subprocess.run(["apt-get", "update", "-qq"], env=env).returncode == 0
            if updated and subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env,
                                          stdout=subprocess.DEVNULL).returncode == 0:
                return
            time.sleep(5 * (attempt + 1))
        say(f"could not install {package}; the tests that need it ({purpose}) will say so")
        return
    say(f"{package} is not installed and cannot be installed here (needs root and apt-get); "
        f"the tests that need it ({purpose}) will be skipped")


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "main"
    rest = argv[1:]
    if command == "main":
        ensure_venv("")
        code = subprocess.run([str(BIN / "workflow"), "--root", str(ROOT), "run", *rest]).returncode
        if code == 0:
            say(f"pages: {ROOT / 'output'}/<locale>/<item>.html (open output/fr/index.html); "
                f"catalogs: {ROOT / 'locales'}")
        return code
    if command == "test":
        ensure_venv("test")
        ensure_debian_package("gettext", ("msgcat", "msgmerge", "msgfmt"), "comparisons with GNU gettext")
        ensure_debian_package("chromium", ("chromium",), "pages rendered in a browser")
        ensure_debian_package("omegat", ("omegat",), "the round trip through a real CAT tool")
        code = subprocess.run([str(PYTHON), "-m", "pytest", "-q", *rest], cwd=ROOT).returncode
        if code == 5:
            say("pytest collected no tests")
            return 1
        return code
    if command in ("bench", "bench-build", "bench-draft", "bench-scale"):
        ensure_venv("bench")
        script = {"bench": "bench_extract.py", "bench-build": "bench_build.py", "bench-draft": "bench_draft.py",
                  "bench-scale": "bench_scale.py"}[command]
        return subprocess.run([str(PYTHON), str(ROOT / "bench" / script), *rest], cwd=ROOT).returncode
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
