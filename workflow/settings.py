"""Project settings from `workflow.toml` (or `[tool.workflow]` in `pyproject.toml`) at the content root."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale, UnknownLocaleError

from workflow.errors import WorkflowError

ITEM_ID_RE = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
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
    # country_names[locale][ISO code] = name used instead of CLDR's (e.g. VA "Holy See" in OSCE usage).
    country_names: dict[str, dict[str, str]] = field(default_factory=dict)
    extra_abbreviations: tuple[str, ...] = ()
    # Publishing: machine drafts (fuzzy entries) are shown only when allowed, with a notice on the page.
    allow_drafts: bool = False
    min_translated: float = 0.8     # share of an item's words that must be translated to publish it
    base_url: str = ""              # absolute URL of output/, for hreflang links and the sitemap
    settings_bytes: bytes = b""     # the settings file as read, so builds notice any change
    draft: dict[str, object] = field(default_factory=dict)  # the [draft] table: engine and its settings

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

    def po_path(self, locale: str, item: str) -> Path:
        return self.locales_dir / locale / f"{item}.po"

    def pot_path(self, item: str) -> Path:
        return self.templates_dir / f"{item}.pot"


def _table(path: Path) -> tuple[dict, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise WorkflowError(path, line, f"invalid TOML ({exc})", "fix the syntax; see the README's settings example") from None
    if path.name == "pyproject.toml":
        return data.get("tool", {}).get("workflow", {}), "[tool.workflow]"
    return data, ""


def check_locale(tag: str, path: Path | str) -> str:
    """Validate a BCP 47 tag against CLDR and return it unchanged."""
    try:
        Locale.parse(tag, sep="-")
    except (ValueError, UnknownLocaleError):
        raise WorkflowError(path, None, f"unknown locale {tag!r}",
                            "use a BCP 47 tag that CLDR knows, such as fr, sr-Latn or pt-BR") from None
    return tag


def load_settings(root: Path) -> Settings:
    """Read the project settings; a missing or bad value names the file and the key."""
    root = root.resolve()
    path = root / "workflow.toml"
    if not path.exists():
        path = root / "pyproject.toml"
        if not path.exists():
            raise WorkflowError(root, None, "no workflow.toml or pyproject.toml here",
                                "run the command in the content root or pass --root DIR")
    data, section = _table(path)
    project = data.get("project", data)
    source = check_locale(str(project.get("source_locale", "en")), path)
    targets = project.get("target_locales", [])
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise WorkflowError(path, None, f"{section}target_locales must be a list of locale tags",
                            'write target_locales = ["fr", "de", "sr-Latn"]')
    targets = tuple(check_locale(t, path) for t in targets)
    segmentation = str(project.get("segmentation", "sentence"))
    if segmentation not in ("sentence", "block"):
        raise WorkflowError(path, None, f"segmentation = {segmentation!r} is not supported",
                            'use "sentence" or "block"')
    names = data.get("country_names", {})
    if not isinstance(names, dict) or not all(isinstance(v, dict) for v in names.values()):
        raise WorkflowError(path, None, "country_names must be tables per locale",
                            '[country_names.en] VA = "Holy See"')
    return Settings(
        root=root,
        name=str(project.get("name", root.name)),
        source_locale=source,
        target_locales=targets,
        segmentation=segmentation,
        bugs_address=str(project.get("bugs_address", "")),
        team_address=str(project.get("team_address", "")),
        country_names={str(k): {str(c).upper(): str(n) for c, n in v.items()} for k, v in names.items()},
        extra_abbreviations=tuple(str(a) for a in project.get("abbreviations", [])),
        allow_drafts=_bool(data.get("publishing", {}).get("allow_drafts", False), path, "publishing.allow_drafts"),
        min_translated=_share(data.get("publishing", {}).get("min_translated", 0.8), path),
        base_url=_base_url(data.get("publishing", {}).get("base_url", ""), path),
        settings_bytes=path.read_bytes(),
        draft=dict(data.get("draft", {})) if isinstance(data.get("draft", {}), dict) else {},
    )


def _base_url(value: object, path: Path) -> str:
    """The absolute http(s) URL of output/, or "" for relative links; it goes into every page and the sitemap."""
    url = str(value).rstrip("/")
    if url and not re.fullmatch(r"https?://[^\s\x00-\x1f\x7f]+", url):
        raise WorkflowError(path, None, f"publishing.base_url {url!r} is not an absolute http(s) URL",
                            'write base_url = "https://www.example.org/news" (no spaces), or leave it out')
    return url


def _bool(value: object, path: Path, key: str) -> bool:
    if not isinstance(value, bool):
        raise WorkflowError(path, None, f"{key} must be true or false", f"write {key.split('.')[-1]} = false")
    return value


def _share(value: object, path: Path) -> float:
    if not isinstance(value, (int, float)) or not 0 <= float(value) <= 1:
        raise WorkflowError(path, None, "publishing.min_translated must be a number from 0 to 1",
                            "write min_translated = 0.8 for 80% of the words")
    return float(value)


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
