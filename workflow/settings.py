"""Project settings from `workflow.toml` (or `[tool.workflow]` in `pyproject.toml`) at the content root."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from workflow.errors import WorkflowError
from workflow.naming import CountryNaming
from workflow.schema import (DRAFT, ENGINE, ENGINES, LAYOUT, PO, PROJECT, PUBLISHING, SECTIONS, SOURCE,
                             SettingsChecker, check_country_names, check_protected, check_slots)

ITEM_ID_RE = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
MIN_SIMILARITY = 0.75  # the default of [draft] min_similarity

# The catalog of the site layout; it cannot clash with an item id, which never starts with "_".
SITE_CATALOG = "_site"


@dataclass(frozen=True, slots=True)
class Settings:
    """What a project declares: locales, segmentation, names, where files live."""

    root: Path
    name: str = "News"
    source_locale: str = "en"
    target_locales: tuple[str, ...] = ()
    segmentation: str = "sentence"
    bugs_address: str = ""
    team_address: str = ""
    # Country names: [country_names.<locale>] first, then the naming profile (OSCE unless naming = "cldr"),
    # then CLDR.
    names: CountryNaming = field(default_factory=CountryNaming)
    extra_abbreviations: tuple[str, ...] = ()
    # Publishing: machine drafts (fuzzy entries) are shown only when allowed, with a notice on the page.
    allow_drafts: bool = False
    min_translated: float = 0.8     # share of an item's words that must be translated to publish it
    base_url: str = ""              # absolute URL of output/, for hreflang links and the sitemap
    settings_bytes: bytes = b""     # the settings file as read, so builds notice any change
    draft: dict[str, object] = field(default_factory=dict)  # the [draft] table: engine and its settings
    # What items keep as they are besides what is never prose (code, script, …): tag names and .classes.
    protected: tuple[str, ...] = ("pre",)
    translate_other_languages: bool = False  # True: text marked lang="fr" in an English item is translated too
    slot_selectors: tuple[tuple[str, str], ...] = ()  # layout slot → CSS selector finding it on an item
    require_slots: bool = False   # True: an item that fills no slot of the layout is refused
    wrap: str = "0.22"            # [po] wrap: the gettext version whose line breaking catalogs follow

    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def templates_dir(self) -> Path:
        return self.locales_dir / "templates"

    @property
    def layout_path(self) -> Path:
        """The site layout: chrome shared by every page, translated once in the site catalog."""
        return self.source_dir / "_layout.html"

    def chosen_locales(self, requested: tuple[str, ...] = (), with_source: bool = False) -> tuple[str, ...]:
        """The locales a command works on: the requested ones (checked) or all of them."""
        allowed = (self.source_locale, *self.target_locales) if with_source else self.target_locales
        for locale in requested:
            if locale not in allowed:
                kind = "project" if with_source else "target"
                raise WorkflowError(self.root / "workflow.toml", None, f"{locale!r} is not a {kind} locale",
                                    "pick one of " + ", ".join(allowed) + " or add it to target_locales")
        return tuple(requested) or allowed

    @property
    def min_similarity(self) -> float:
        """[draft] min_similarity: how alike a memory match (draft) or a moved unit (import) must be."""
        return float(self.draft.get("min_similarity", MIN_SIMILARITY))  # type: ignore[arg-type]

    def po_path(self, locale: str, item: str) -> Path:
        return self.locales_dir / locale / f"{item}.po"

    def pot_path(self, item: str) -> Path:
        return self.templates_dir / f"{item}.pot"


def _read(path: Path) -> tuple[dict, SettingsChecker]:
    """The settings table of `path` (a BOM is fine; bytes that are not UTF-8 are named) and its checker."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise WorkflowError(path, None, "is a folder, not a settings file",
                            "rename the folder and write the settings in a file of that name") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise WorkflowError(path, line, f"not UTF-8 (byte 0x{raw[exc.start]:02x})",
                            "save the file as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise WorkflowError(path, line, f"invalid TOML ({exc})", "fix the syntax; see the README's settings example") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("workflow", {}) if isinstance(tool, dict) else {}
        return (table if isinstance(table, dict) else {}), SettingsChecker(path, text, "tool.workflow.")
    return data, SettingsChecker(path, text)


def _settings_file(root: Path) -> Path:
    for name in ("workflow.toml", "pyproject.toml"):
        if (root / name).exists():
            return root / name
    raise WorkflowError(root, None, "no workflow.toml or pyproject.toml here",
                        "run the command in the content root or pass --root DIR")


def load_settings(root: Path) -> Settings:
    """Read and check the whole settings file; anything unknown, mistyped or inconsistent is an error that
    names the file, the line and the key."""
    root = root.resolve()
    path = _settings_file(root)
    data, checker = _read(path)
    # [project] holds the project's keys; a file without it may give them at the top.
    flat = "project" not in data
    checker.known("", data, (*SECTIONS, *PROJECT) if flat else SECTIONS, "the settings")
    project = checker.values("" if flat else "project",
                             {k: v for k, v in data.items() if k in PROJECT} if flat else checker.table(data, "project"),
                             PROJECT)
    publishing = checker.values("publishing", checker.table(data, "publishing"), PUBLISHING)
    source_table = checker.values("source", checker.table(data, "source"), SOURCE)
    layout_table = checker.table(data, "layout")
    checker.known("layout", layout_table, (*LAYOUT, "slots"), "[layout]")
    layout = checker.values("layout", {k: v for k, v in layout_table.items() if k != "slots"}, LAYOUT)
    po = checker.values("po", checker.table(data, "po"), PO)
    source = str(project.get("source_locale", "en"))
    targets: tuple[str, ...] = project.get("target_locales", ())  # type: ignore[assignment]
    if source in targets:
        raise checker.fail("" if flat else "project", "target_locales",
                           f"the source locale {source} is among the target locales",
                           f"remove {source} from target_locales: the source is published as it is")
    return Settings(
        root=root,
        name=str(project.get("name", root.name)),
        source_locale=source,
        target_locales=targets,
        segmentation=str(project.get("segmentation", "sentence")),
        bugs_address=str(project.get("bugs_address", "")),
        team_address=str(project.get("team_address", "")),
        names=CountryNaming(str(project.get("naming", "osce")),
                            check_country_names(checker, checker.table(data, "country_names"))),
        extra_abbreviations=tuple(project.get("abbreviations", ())),  # type: ignore[arg-type]
        allow_drafts=bool(publishing.get("allow_drafts", False)),
        min_translated=float(publishing.get("min_translated", 0.8)),  # type: ignore[arg-type]
        base_url=str(publishing.get("base_url", "")),
        settings_bytes=path.read_bytes(),
        draft=_draft_table(checker, checker.table(data, "draft")),
        protected=check_protected(checker, source_table.get("protected", ["pre"])),  # type: ignore[arg-type]
        translate_other_languages=bool(source_table.get("translate_other_languages", False)),
        slot_selectors=check_slots(checker, checker.table(layout_table, "slots")),
        require_slots=bool(layout.get("require_slots", False)),
        wrap=str(po.get("wrap", "0.22")),
    )


def _draft_table(checker: SettingsChecker, table: dict[str, object]) -> dict[str, object]:
    """[draft] and its [draft.<engine>] tables, checked."""
    checker.known("draft", table, (*DRAFT, *ENGINES), "[draft]")
    result = checker.values("draft", {k: v for k, v in table.items() if k in DRAFT}, DRAFT)
    for engine in ENGINES:
        if engine in table:
            options = table[engine]
            if not isinstance(options, dict):
                raise checker.fail("draft", engine, f"draft.{engine} must be a table",
                                   f"write [draft.{engine}] followed by its keys")
            result[engine] = checker.values(f"draft.{engine}", options, ENGINE)
    return result


def check_item_id(item: str, path: Path | str | None = None) -> str:
    """Refuse item ids that could escape the project folders or break URLs."""
    if not ITEM_ID_RE.match(item) or ".." in item:
        raise WorkflowError(path or item, None, f"invalid item id {item!r}",
                            "name source files with lowercase letters, digits, '.', '_' or '-' "
                            "(no '..', '/' or spaces), e.g. source/month-of-borders.html")
    return item


def relative(path: Path, root: Path) -> str:
    """`path` relative to the content root (root is already resolved), in POSIX form for references."""
    # String work, not PurePath.relative_to: it is asked for every item, and pathlib's version is slow.
    text, base = os.fspath(path), os.fspath(root)
    if text == base:
        return "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if text.startswith(prefix):
        text = text[len(prefix):]
    return text.replace(os.sep, "/") if os.sep != "/" else text
