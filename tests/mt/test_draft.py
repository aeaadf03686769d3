"""`workflow draft` against a real LibreTranslate-compatible server on 127.0.0.1, driven by deep-translator."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ITEM, copy_sample, run_cli
from libre_server import LibreServer, free_port_url

from workflow.lock import project_lock
from workflow.mt.drafting import MACHINE_DRAFT, draft, protect, split_for_engine, unprotect
from workflow.mt.engines import PseudoEngine, engine_code
from workflow.po.reader import read_po
from workflow.po.writer import serialize
from workflow.settings import SITE_CATALOG, load_settings

LOCALE = "it"
KEY = "local-test-key-7f3a"


def _project(tmp_path: Path, url: str, **draft_settings: object) -> Path:
    copy_sample(tmp_path)
    settings = tmp_path / "workflow.toml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace('engine = "pseudo"', 'engine = "libre"')
    text = text.replace('url = "http://127.0.0.1:5000/"', f'url = "{url}"')
    for key, value in {"backoff": 0.01, "backoff_max": 0.05, **draft_settings}.items():
        if key == "max_chars":
            text += f"max_chars = {value}\n"  # the last table is [draft.libre]
        elif re.search(rf"^{key} = ", text, re.MULTILINE):
            text = re.sub(rf"^{key} = .*$", f"{key} = {value}", text, count=1, flags=re.MULTILINE)
        else:
            text = text.replace("[draft]\n", f"[draft]\n{key} = {value}\n", 1)
    settings.write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture()
def server() -> LibreServer:
    with LibreServer() as running:
        yield running


@pytest.fixture(autouse=True)
def libre_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRE_API_KEY", KEY)


def _pass(project: Path, **kwargs: object):
    return draft(load_settings(project), LOCALE, sleep=lambda seconds: None, **kwargs)


def _entries(project: Path, catalog: str = ITEM) -> dict[str, object]:
    return {e.msgid: e for e in read_po(project / "locales" / LOCALE / f"{catalog}.po").entries}


def test_a_pass_fills_every_unit_as_a_machine_draft_and_a_rerun_sends_nothing(tmp_path: Path,
                                                                             server: LibreServer) -> None:
    project = _project(tmp_path, server.url)
    report = _pass(project)
    needed = report.needed
    assert report.from_engine == needed - report.from_memory and not report.rejected
    assert server.behaviour.requests == report.requests == needed  # one request per distinct text
    assert set(server.behaviour.keys) == {KEY}
    for catalog in (ITEM, SITE_CATALOG):
        for entry in _entries(project, catalog).values():
            if entry.msgid:
                assert entry.msgstr.startswith(f"[{LOCALE}] ") and entry.fuzzy
                assert entry.translator_comments[-1].startswith(f"{MACHINE_DRAFT} libre ")
    subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(project / "locales" / LOCALE / f"{ITEM}.po")],
                   check=shutil.which("msgfmt") is not None)
    again = _pass(project)
    assert again.needed == 0 and server.behaviour.requests == needed
    refreshed = _pass(project, refresh=True)
    assert refreshed.from_cache == needed and server.behaviour.requests == needed  # the cache answers


def test_placeholders_survive_and_dates_stay_placeholders(tmp_path: Path, server: LibreServer) -> None:
    project = _project(tmp_path, server.url)
    _pass(project)
    entry = _entries(project)["The opening session of the OSCE Month of Borders, Vienna, <date1/>."]
    assert entry.msgstr == f"[{LOCALE}] The opening session of the OSCE Month of Borders, Vienna, <date1/>."
    assert not any("<date1/>" in text or "<a1>" in text for text in server.behaviour.texts)  # protected


def test_translation_memory_comes_first_and_identical_text_is_sent_once(tmp_path: Path,
                                                                        server: LibreServer) -> None:
    project = _project(tmp_path, server.url)
    lead = ("The OSCE Month of Borders was launched in September with a series of high-level events to mark "
            "20 years since the adoption of the OSCE Border Security and Management Concept (BSM Concept) by "
            "the OSCE Ministerial Council in Ljubljana, Slovenia in 2005.")
    po = project / "locales" / LOCALE / f"{ITEM}.po"
    catalog = read_po(po)
    po.write_bytes(serialize(replace(catalog, entries=tuple(
        replace(e, msgstr="Il Mese delle frontiere dell’OSCE è stato avviato a settembre.") if e.msgid == lead else e
        for e in catalog.entries))))
    for name in ("second-item", "third-item"):
        (project / "source" / f"{name}.html").write_text(
            f'<html><head><title>{name}</title></head><body><p>{lead}</p><p>A sentence shared by two new items.'
            "</p></body></html>", encoding="utf-8")
    assert run_cli(project, "extract").returncode == 0
    report = _pass(project)
    assert report.from_memory == 1  # the lead (one distinct unit, in both new items)
    assert _entries(project, "third-item")[lead].msgstr.startswith("Il Mese delle frontiere")
    assert server.behaviour.texts.count("A sentence shared by two new items.") == 1
    second = _entries(project, "second-item")
    assert second[lead].msgstr.startswith("Il Mese delle frontiere") and not second[lead].fuzzy
    assert second[lead].translator_comments == (f"translation memory: {ITEM}",)
    assert second["A sentence shared by two new items."].fuzzy


def test_human_translations_are_never_overwritten(tmp_path: Path, server: LibreServer) -> None:
    project = _project(tmp_path, server.url)
    po = project / "locales" / LOCALE / f"{ITEM}.po"
    catalog = read_po(po)
    human = {catalog.entries[0].msgid: "Titolo rivisto", catalog.entries[1].msgid: "Bozza umana"}
    entries = [replace(e, msgstr=human[e.msgid]) if e.msgid in human else e for e in catalog.entries]
    entries[1] = entries[1].with_fuzzy(True)  # a translator's own fuzzy entry
    po.write_bytes(serialize(replace(catalog, entries=tuple(entries))))
    _pass(project)
    _pass(project, refresh=True)
    after = _entries(project)
    assert after[catalog.entries[0].msgid].msgstr == "Titolo rivisto"
    assert after[catalog.entries[1].msgid].msgstr == "Bozza umana"


@pytest.mark.parametrize("failure", ["fail_429", "fail_500"])
def test_transient_failures_are_retried(failure: str, tmp_path: Path, server: LibreServer) -> None:
    project = _project(tmp_path, server.url, concurrency=1)
    setattr(server.behaviour, failure, 3)
    report = _pass(project, items=(ITEM,))
    assert not report.rejected
    assert report.requests == report.from_engine + 3
    assert server.behaviour.requests == report.requests


def test_a_stalled_request_times_out_and_is_retried(tmp_path: Path, server: LibreServer) -> None:
    project = _project(tmp_path, server.url, timeout=0.3, concurrency=1)
    server.behaviour.stall, server.behaviour.stall_seconds = 1, 3.0
    started = time.monotonic()
    report = _pass(project, items=(ITEM,))
    assert time.monotonic() - started < 2.5  # the stalled request was abandoned after 0.3 s
    assert not report.rejected and report.requests == report.from_engine + 1


def test_refused_connections_open_the_breaker(tmp_path: Path) -> None:
    project = _project(tmp_path, free_port_url(), retries=1, breaker=3, concurrency=1, batch_size=5)
    before = (project / "locales" / LOCALE / f"{ITEM}.po").read_bytes()
    result = run_cli(project, "draft", "--locale", LOCALE, "--item", ITEM)
    assert result.returncode == 4
    assert "stopped: the engine failed for 3 units in a row (connection refused or dropped)" in result.stderr
    assert (project / "locales" / LOCALE / f"{ITEM}.po").read_bytes() == before
    assert KEY not in result.stdout + result.stderr


def test_mangled_placeholders_get_another_protection_then_a_rejection(tmp_path: Path,
                                                                      server: LibreServer) -> None:
    project = _project(tmp_path, server.url)
    server.behaviour.mangle = "first"
    report = _pass(project, items=(ITEM,))
    assert not report.rejected
    assert _entries(project)["The opening session of the OSCE Month of Borders, Vienna, <date1/>."].msgstr.endswith(
        "Vienna, <date1/>.")
    project2 = _project(tmp_path / "second", server.url)
    server.behaviour.mangle = "all"
    report = _pass(project2, items=(ITEM,))
    with_placeholders = [e for e in _entries(project2).values() if "<" in e.msgid]
    assert {r.msgid for r in report.rejected} == {e.msgid for e in with_placeholders}
    assert all("placeholders" in r.reason for r in report.rejected)
    assert all(e.msgstr == "" for e in with_placeholders)


def test_dry_run_sends_nothing(tmp_path: Path, server: LibreServer) -> None:
    project = _project(tmp_path, server.url)
    before = (project / "locales" / LOCALE / f"{ITEM}.po").read_bytes()
    result = run_cli(project, "draft", "--locale", LOCALE, "--dry-run")
    assert result.returncode == 0
    assert "would receive 121 units" in result.stdout and "characters" in result.stdout
    assert server.behaviour.requests == 0
    assert (project / "locales" / LOCALE / f"{ITEM}.po").read_bytes() == before


def test_long_units_are_split_at_sentence_boundaries(tmp_path: Path, server: LibreServer) -> None:
    project = _project(tmp_path, server.url, max_chars=120)
    _pass(project, items=(ITEM,))
    assert max(len(text) for text in server.behaviour.texts) <= 120
    speakers = next(e for m, e in _entries(project).items() if m.startswith("Speakers included <a1>"))
    assert "<a1>Matti Sarasmaa</a1>" in speakers.msgstr and "<em1>" in speakers.msgstr


def _would_receive(project: Path) -> int:
    dry = run_cli(project, "draft", "--locale", LOCALE, "--dry-run")
    return int(re.search(r"would receive (\d+) units", dry.stdout).group(1))


def test_character_budget_stops_the_pass(tmp_path: Path, server: LibreServer) -> None:
    project = _project(tmp_path, server.url)
    to_send = _would_receive(project)
    result = run_cli(project, "draft", "--locale", LOCALE, "--max-chars", "300")
    assert result.returncode == 4 and "character budget" in result.stderr
    assert sum(len(t) for t in server.behaviour.texts) <= 320
    # Every unit is accounted for: those never sent are counted, and the next pass sends them.
    summary = re.search(r"(\d+) from the engine, (\d+) rejected, (\d+) not sent \(the pass stopped\)", result.stdout)
    assert summary is not None, result.stdout
    engine, rejected, not_sent = (int(summary.group(n)) for n in (1, 2, 3))
    assert engine > 0 and not_sent > 0
    assert engine + rejected + not_sent == to_send
    assert _would_receive(project) == rejected + not_sent


def test_a_pass_while_another_command_writes_stops_naming_the_holder(tmp_path: Path, server: LibreServer) -> None:
    project = _project(tmp_path, server.url)
    with project_lock(project, "workflow extract"):
        result = run_cli(project, "draft", "--locale", LOCALE)
    assert result.returncode == 5
    assert f"pid {os.getpid()}, workflow extract, since " in result.stderr and "--wait" in result.stderr
    assert server.behaviour.requests == 0


def test_refused_key_is_never_shown(tmp_path: Path, server: LibreServer) -> None:
    project = _project(tmp_path, server.url, breaker=2, retries=0)
    server.behaviour.status = 403
    result = run_cli(project, "draft", "--locale", LOCALE, "--item", ITEM)
    assert KEY not in result.stdout + result.stderr
    # The pass stops at the first refusal: only the units already in flight were sent.
    assert result.returncode == 4
    assert "stopped: the engine refused the key (401/403)" in result.stderr
    assert "not sent (the pass stopped)" in result.stdout
    for path in (project / ".workflow").rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes()


def test_sigkill_mid_pass_loses_nothing_and_a_rerun_finishes(tmp_path: Path, server: LibreServer) -> None:
    # Written every 20 answers, killed 0.3 s (about 12 answers) after the first write: some answers are
    # cached but not yet in the catalogs when the process dies.
    project = _project(tmp_path, server.url, concurrency=2, batch_size=20)
    po = project / "locales" / LOCALE / f"{ITEM}.po"
    catalog = read_po(po)
    human = {e.msgid: f"Traduzione umana {i}" for i, e in enumerate(catalog.entries[:3])}
    po.write_bytes(serialize(replace(catalog, entries=tuple(
        replace(e, msgstr=human[e.msgid]) if e.msgid in human else e for e in catalog.entries))))
    server.behaviour.latency = 0.05
    env = dict(os.environ, LIBRE_API_KEY=KEY)
    process = subprocess.Popen([sys.executable, "-m", "workflow", "--root", str(project), "draft", "--locale", LOCALE],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    site = project / "locales" / LOCALE / f"{SITE_CATALOG}.po"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and MACHINE_DRAFT not in site.read_text(encoding="utf-8") \
            + po.read_text(encoding="utf-8"):
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    partial = [read_po(path) for path in (project / "locales" / LOCALE).glob("*.po")]  # every file parses
    drafted = sum(1 for c in partial for e in c.entries if e.fuzzy)
    total = sum(1 for c in partial for e in c.entries if e.msgid)
    assert 0 < drafted < total - 3
    assert all(_entries(project)[m].msgstr == t for m, t in human.items())
    sent_before = server.behaviour.requests
    server.behaviour.latency = 0
    report = _pass(project)
    assert report.from_cache >= 1  # answers that arrived before the kill were cached
    assert all(e.msgstr for c in (read_po(p) for p in (project / "locales" / LOCALE).glob("*.po"))
               for e in c.entries if e.msgid)
    assert all(_entries(project)[m].msgstr == t for m, t in human.items())
    assert server.behaviour.requests - sent_before == report.from_engine
    # Nothing answered before the kill is asked again; only the requests in flight at the kill may be.
    assert server.behaviour.requests <= total + 2 * 2
    assert _pass(project).needed == 0


def test_engine_codes_and_protection_helpers() -> None:
    assert engine_code("google", "he") == "iw"
    assert engine_code("google", "zh-Hans") == "zh-CN"
    assert engine_code("libre", "uk") == "uk" and engine_code("libre", "kk") == "kk"
    assert engine_code("libre", "sr-Latn") == "sr"
    text = "See <a1>the report</a1> of <date1/>."
    for style in (0, 1):
        protected, tokens = protect(text, style)
        assert "<" not in protected
        assert unprotect(protected, tokens, style) == text
        assert unprotect(protected.replace("1", "", 1), tokens, style) is None
    pieces = split_for_engine("One sentence here. Another sentence there. A third one.", 25)
    assert pieces == ["One sentence here. ", "Another sentence there. ", "A third one."]


def test_pseudo_engines_work_offline(tmp_path: Path) -> None:
    copy_sample(tmp_path)
    assert run_cli(tmp_path, "draft", "--locale", "he", "--engine", "pseudo-rtl").returncode == 0
    entry = _entries_for(tmp_path, "he")["Issued on:"]
    assert entry.msgstr.startswith("\u202e[") and entry.fuzzy
    assert PseudoEngine().translate("Border management") != "Border management"


def _entries_for(project: Path, locale: str) -> dict[str, object]:
    return {e.msgid: e for e in read_po(project / "locales" / locale / f"{SITE_CATALOG}.po").entries}


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise(tmp_path: Path) -> None:
    import pty

    copy_sample(tmp_path)
    plain = run_cli(tmp_path, "draft", "--locale", "tr", "--engine", "pseudo")
    assert plain.returncode == 0
    assert "draft: 121/121 units" in plain.stderr and "units/s, ETA" in plain.stderr and "\r" not in plain.stderr
    assert "121 from the engine, 0 rejected" in plain.stdout and "characters sent in 121 requests" in plain.stdout
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "workflow", "--root", str(tmp_path), "draft", "--locale", "kk",
                                "--engine", "pseudo"], stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    process.wait()
    os.close(leader)
    assert process.returncode == 0
    assert b"\r[" in seen and b"########################] 121/121 units" in seen


# Engines that misbehave: (server knobs, draft settings, exit status, a line the report must hold). Every case
# leaves the human translations as they were and never writes what it rejected.
ENGINE_FAULTS = {
    "a JSON list": ({"shape": "list"}, {}, 4, r"engine refused: the answer is not a translation"),
    "a JSON string": ({"shape": "string"}, {}, 4, r"the answer is not a translation"),
    "null texts": ({"shape": "null"}, {}, 4, r"engine refused: (empty translation|the answer is not a translation)"),
    "not JSON": ({"shape": "not-json"}, {}, 4, r"the answer is not a translation"),
    "no translatedText": ({"shape": "no-key"}, {}, 4, r"the answer is not a translation \(KeyError\)"),
    "NUL in the text": ({"shape": "nul"}, {}, 4, r"the answer holds a character no page can: U\+0000"),
    "a control in the text": ({"shape": "control"}, {}, 4, r"a character no page can: U\+0007"),
    "401": ({"status": 401}, {}, 4, r"stopped: the engine refused the key \(ERR_KEY_INVALID\)"),
    "403": ({"status": 403}, {}, 4, r"stopped: the engine refused the key"),
    "dropped mid-answer, then fine": ({"disconnect": 3}, {"concurrency": 1}, 0, r"0 rejected"),
    "dropped mid-answer every time": ({"disconnect": 10_000}, {"retries": 1, "breaker": 2, "concurrency": 1}, 4,
                                      r"stopped: the engine failed for 2 units in a row \(connection dropped"),
    "trickled answers": ({"trickle": 0.4}, {"timeout": 1, "retries": 0, "breaker": 2, "concurrency": 1}, 4,
                         r"no complete answer within 1 s"),
}


@pytest.mark.parametrize("name", ENGINE_FAULTS)
def test_misbehaving_engines_are_reported_and_never_written(name: str, tmp_path: Path, server: LibreServer) -> None:
    knobs, draft_settings, status, expected = ENGINE_FAULTS[name]
    project = _project(tmp_path, server.url, **{"breaker": 3, "batch_size": 2, **draft_settings})
    for knob, value in knobs.items():
        setattr(server.behaviour, knob, value)
    path = project / "locales" / LOCALE / f"{ITEM}.po"
    before = {e.key: e.msgstr for e in read_po(path).entries if e.msgstr}
    started = time.monotonic()
    result = run_cli(project, "draft", "--locale", LOCALE, "--item", ITEM)
    assert time.monotonic() - started < 30
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.returncode == status, result.stdout + result.stderr
    assert re.search(expected, result.stdout + result.stderr), result.stdout + result.stderr
    after = {e.key: e for e in read_po(path).entries}
    assert all(after[key].msgstr == msgstr for key, msgstr in before.items())
    for entry in after.values():
        assert "\0" not in entry.msgstr and "\x07" not in entry.msgstr
        if entry.msgstr and entry.key not in before:
            assert entry.msgstr.startswith(f"[{LOCALE}]") and not entry.msgstr.startswith("[\"")
    if status == 4 and "refused the key" in expected:
        assert server.behaviour.requests <= 8 + 1  # at most the first window went out


def test_a_keyless_local_server_needs_no_key(tmp_path: Path, server: LibreServer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIBRE_API_KEY")
    project = _project(tmp_path, server.url)
    result = run_cli(project, "draft", "--locale", LOCALE, "--item", ITEM, "--engine", "libre")
    assert result.returncode == 0, result.stderr
    assert server.behaviour.requests > 0 and set(server.behaviour.keys) == {""}


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.4, 0.6, 0.8, 1.0, 1.3, 1.7])
def test_extract_during_a_draft_waits_its_turn_and_loses_no_draft(delay: float, tmp_path: Path,
                                                                 server: LibreServer) -> None:
    project = _project(tmp_path, server.url, concurrency=2, batch_size=4)
    server.behaviour.latency = 0.1
    env = {**os.environ, "LIBRE_API_KEY": KEY}
    # --wait: on a loaded machine the first extract may start before the draft takes the lock.
    drafting = subprocess.Popen([sys.executable, "-m", "workflow", "--root", str(project), "draft", "--locale",
                                 LOCALE, "--item", ITEM, "--wait"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env)
    time.sleep(delay)
    refused = run_cli(project, "extract")
    waited = run_cli(project, "extract", "--wait")
    out, err = drafting.communicate(timeout=60)
    assert drafting.returncode == 0, err
    if refused.returncode != 0:  # the draft held the lock: one line naming it, nothing touched
        assert refused.returncode == 5 and "workflow draft" in refused.stderr and "--wait" in refused.stderr
    assert waited.returncode == 0, waited.stderr
    drafted = int(re.search(r"(\d+) from the engine", out).group(1))
    entries = [e for e in read_po(project / "locales" / LOCALE / f"{ITEM}.po").entries if not e.obsolete]
    machine = [e for e in entries if any(c.startswith(MACHINE_DRAFT) for c in e.translator_comments)]
    assert drafted > 0 and len(machine) == drafted
    assert all(e.msgstr.startswith(f"[{LOCALE}]") for e in machine)
