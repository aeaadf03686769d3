"""`workflow bundle` and `workflow verify`: deterministic ZIP archives of built pages, with a manifest.

The same inputs give a byte-identical archive: members are sorted, their dates come from SOURCE_DATE_EPOCH
(or the 1980 epoch of the ZIP format), their permissions are fixed, and the manifest is written with sorted
keys. Member names are relative and normalized: no "..", no absolute paths, no links.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import posixpath
import stat
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from workflow import __version__
from workflow.errors import WorkflowError
from workflow.fsio import is_temp_name, write_atomic
from workflow.publish.item_files import FILES
from workflow.lock import writes_project
from workflow.publish.decisions import saved_decisions
from workflow.settings import Settings

MANIFEST = "manifest.json"
_ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True, slots=True)
class BundleReport:
    path: str
    files: int
    sha256: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    path: str
    files: int
    problems: tuple[str, ...]


def build_time() -> dt.datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def source_revision(settings: Settings) -> str:
    """The git commit of the content when it is a clean checkout, else a digest of the sources and catalogs."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=settings.root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "source", "locales", "workflow.toml"],
                               cwd=settings.root, capture_output=True, text=True, check=True).stdout.strip()
        if head and not dirty:
            return f"git:{head}"
    except (OSError, subprocess.CalledProcessError):
        pass
    digest = hashlib.sha256()
    for folder in (settings.source_dir, settings.locales_dir):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else ():
            digest.update(path.relative_to(settings.root).as_posix().encode() + b"\0" + path.read_bytes())
    return f"sha256:{digest.hexdigest()}"


def safe_member(name: str) -> bool:
    """A member name that cannot escape the folder it is unpacked into."""
    return (bool(name) and not name.startswith("/") and "\\" not in name and ":" not in name.split("/")[0]
            and posixpath.normpath(name) == name and not any(part in ("..", ".", "") for part in name.split("/")))


@writes_project
def bundle(settings: Settings, locales: tuple[str, ...] = (), items: tuple[str, ...] = (),
           name: str = "news") -> BundleReport:
    """Pack the built pages of the chosen locales and items, their assets, indexes, sitemap and manifest."""
    output = settings.root / "output"
    decisions = saved_decisions(settings)
    if decisions is None:
        raise WorkflowError(output, None, "nothing has been built yet", "run `workflow build` first")
    chosen = settings.chosen_locales(locales, with_source=True)
    if not name or not safe_member(name) or "/" in name:
        raise WorkflowError(None, None, f"invalid bundle name {name!r}", "use letters, digits, '.', '_' or '-'")
    files: dict[str, bytes] = {}
    manifest_items: dict[str, dict[str, object]] = {}
    for (item, locale), decision in sorted(decisions.items()):
        if locale not in chosen or (items and item not in items) or not decision.published:
            continue
        page = output / locale / f"{item}.html"
        if not page.exists():
            continue
        files[f"{locale}/{item}.html"] = page.read_bytes()
        entry = manifest_items.setdefault(item, {"date": decision.date, "locales": {}})
        entry["locales"][locale] = {  # type: ignore[index]
            "title": decision.title, "completeness": round(decision.share, 4),
            "machine_drafts": decision.drafts, "path": f"{locale}/{item}.html"}
    if not files:
        raise WorkflowError(output, None, "no published page for the chosen locales and items",
                            "run `workflow build` and check its report for held-back pages")
    for locale in chosen:
        index = output / locale / "index.html"
        if index.exists():
            files[f"{locale}/index.html"] = index.read_bytes()
    for extra in (output / "sitemap.xml", *sorted(output.glob("sitemap-*.xml"))):  # a large site's are numbered
        if extra.exists():
            files[extra.name] = extra.read_bytes()
    for folder in (output / "assets", output / FILES):  # the site's assets and the items' own files
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file() and not path.is_symlink() and not is_temp_name(path.name):
                files[path.relative_to(output).as_posix()] = path.read_bytes()
    moment = build_time()
    manifest = {
        "tool": f"newsroom-workflow {__version__}",
        "source_revision": source_revision(settings),
        "built_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locales": [locale for locale in chosen],
        "items": manifest_items,
        "files": {member: hashlib.sha256(data).hexdigest() for member, data in sorted(files.items())},
    }
    files[MANIFEST] = (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
    stamp = max(moment, _ZIP_EPOCH).timetuple()[:6]
    target = output / "bundles" / f"{name}.zip"
    packed = io.BytesIO()  # the members are in memory already; the archive is written atomically, like any file
    with zipfile.ZipFile(packed, "w") as archive:
        for member in sorted(files):
            if not safe_member(member):
                raise WorkflowError(output / member, None, "unsafe name for a bundle member",
                                    "rename the file: relative, no '..'")
            info = zipfile.ZipInfo(member, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, files[member], compresslevel=9)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, packed.getvalue())
    digest = hashlib.sha256(packed.getvalue()).hexdigest()
    return BundleReport(target.relative_to(settings.root).as_posix(), len(files), digest)


def _listed_files(archive: zipfile.ZipFile) -> dict[str, str] | None:
    """The manifest's member → SHA-256 table, or None when the manifest is not one."""
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (ValueError, zipfile.BadZipFile, OSError):  # (a damaged member fails its CRC check on reading)
        return None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return None
    return files


def verify(path: Path) -> VerifyReport:
    """Check an archive against its manifest: every file present and unchanged, nothing extra, safe names."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise WorkflowError(path, None, "no such file", "give the path of a bundle (output/bundles/NAME.zip)") from None
    except (OSError, zipfile.BadZipFile) as exc:
        raise WorkflowError(path, None, f"not a readable ZIP archive ({exc})",
                            "rebuild it with `workflow bundle`") from None
    with archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        for info in infos:
            if not safe_member(info.filename):
                problems.append(f"{info.filename}: unsafe member name")
            if stat.S_ISLNK(info.external_attr >> 16):
                problems.append(f"{info.filename}: a link, which bundles never contain")
        if MANIFEST not in names:
            return VerifyReport(str(path), len(names), (*problems, f"{MANIFEST} is missing"))
        expected = _listed_files(archive)
        if expected is None:
            return VerifyReport(str(path), len(names), (*problems, f"{MANIFEST} is not a manifest (not JSON with "
                                                                   "a files table of SHA-256 digests)"))
        for member, digest in sorted(expected.items()):
            if member not in names:
                problems.append(f"{member}: listed in the manifest but missing")
            elif hashlib.sha256(archive.read(member)).hexdigest() != digest:
                problems.append(f"{member}: changed (SHA-256 differs from the manifest)")
        for member in names:
            if member != MANIFEST and member not in expected:
                problems.append(f"{member}: not in the manifest")
        if len(set(names)) != len(names):
            problems.append("a member name appears twice")
    return VerifyReport(str(path), len(names), tuple(problems))
