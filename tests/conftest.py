"""Shared fixtures: the repository, the real corpora, GNU gettext, and throwaway copies of the project."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
DATA = Path(__file__).resolve().parent / "data"
ITEM = "month-of-borders-2025"


def corpus_files(folder: str, pattern: str) -> list[Path]:
    """Files of a real corpus, or an empty list when ../shared/corpus is not there."""
    base = CORPUS / folder
    return sorted(base.glob(pattern)) if base.is_dir() else []


def need_corpus(folder: str) -> None:
    if not (CORPUS / folder).is_dir():
        pytest.skip(f"real corpus {CORPUS / folder} is not present")


@pytest.fixture(scope="session")
def gettext_tools() -> None:
    """GNU gettext must be there in CI (the test command installs it); elsewhere its absence skips."""
    if all(shutil.which(tool) for tool in ("msgcat", "msgmerge", "msgfmt")):
        return
    if os.environ.get("CI"):
        pytest.fail("GNU gettext (msgcat, msgmerge, msgfmt) is missing; `python3 run.py test` installs it")
    pytest.skip("GNU gettext is not installed")


def msgcat(path: Path, tool: str = "msgcat") -> bytes:
    return subprocess.run([tool, "-w", "79", str(path)], capture_output=True, check=True).stdout


@functools.lru_cache(maxsize=None)
def wrap_of(tool: str = "msgcat") -> str:
    """The writer's `[po] wrap` mode that matches this msgcat: "0.23" from gettext 0.23 on, else "0.22"."""
    first = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    version = tuple(int(part) for part in first.rsplit(" ", 1)[-1].split(".")[:2])
    return "0.23" if version >= (0, 23) else "0.22"


def other_msgcats() -> list[str]:
    """msgcat programs of other gettext versions named in WORKFLOW_TEST_MSGCAT (paths joined by os.pathsep),
    for comparisons beside the installed one (a gettext 0.23 on a machine that has 0.21, say)."""
    return [tool for tool in os.environ.get("WORKFLOW_TEST_MSGCAT", "").split(os.pathsep) if tool]


def copy_sample(folder: Path, catalogs: bool = True, every_item: bool = False,
                locales: tuple[str, ...] | None = None) -> Path:
    """A copy of the sample project in `folder`: settings, sources and (with `catalogs`) the real catalogs of
    `locales` (all by default). Only the first item, ITEM, unless `every_item`: most tests count its pages."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "workflow.toml", folder / "workflow.toml")
    others = {path.stem for path in (ROOT / "source").glob("*.html")} - {ITEM, "_layout"} if not every_item else set()

    def left_out(_: str, names: list[str]) -> set[str]:
        return {name for name in names if name.rsplit(".", 1)[0] in others or name.removesuffix("-data") in others}

    shutil.copytree(ROOT / "source", folder / "source", ignore=left_out)
    if catalogs:
        for path in sorted((ROOT / "locales").iterdir()):
            if locales is None or path.name in locales or path.name == "templates":
                shutil.copytree(path, folder / "locales" / path.name, ignore=left_out)
    return folder


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the sample project (settings and source, no catalogs yet)."""
    return copy_sample(tmp_path, catalogs=False)


@pytest.fixture()
def read_ahead_asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files that extract and build ask to read ahead (see `parallel.iterate_items`), in order; the
    reading ahead itself still happens."""
    from workflow import fsio, parallel

    asked: list[str] = []

    def read_ahead(paths: Iterable[str]) -> None:
        paths = list(paths)
        asked.extend(paths)
        fsio.read_ahead(paths)

    monkeypatch.setattr(parallel, "read_ahead", read_ahead)
    return asked


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command line, as a user would."""
    return subprocess.run([sys.executable, "-m", "workflow", "--root", str(root), *args],
                          capture_output=True, text=True, cwd=root)
