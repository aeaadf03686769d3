"""Cutting a run's tokens into sentences: the whitespace around and between them stays in the page."""

from __future__ import annotations

import re

from workflow.segment.records import Placeholder, Segment, Token, collapse_whitespace, text_token
from workflow.segment.sentences import boundaries, ends_with_terminal, may_end_sentence

_tuple_new = tuple.__new__


def split_run(tokens: list[Token], line: int, verbatim: bool, sentences: bool,
              abbreviations: frozenset[str]) -> list[str | Segment]:
    """Cut the run into sentences; whitespace around and between them stays in the page."""
    groups: list[list[Token]] = [tokens]
    if sentences and not verbatim and _may_split(tokens):
        joined, allowed, after_closing, offsets = _flatten(tokens)
        cuts = boundaries(joined, allowed, abbreviations, after_closing)
        if cuts:
            groups = _cut_groups(tokens, offsets, cuts)
    pieces: list[str | Segment] = []
    last = len(groups) - 1
    for number, group in enumerate(groups):
        leading, core, trailing = _strip_group(group)
        if leading:
            pieces.append(leading)
        if core:
            pieces.append(_segment(core, line, verbatim))
        if trailing:
            pieces.append(trailing)
        if number < last:  # placeholder tokens have no text
            line += "".join([t.text for t in group]).count("\n")
    return pieces


def _may_split(tokens: list[Token]) -> bool:
    """Cheap test: could a sentence end in this run, inside a text or where an inline element closes?"""
    previous_kind = previous_text = ""
    for kind, text, _ in tokens:
        if kind == "text":
            if may_end_sentence(text):
                return True
        elif kind == "close" and previous_kind == "text" and ends_with_terminal(previous_text):
            return True
        previous_kind, previous_text = kind, text
    return False


def _flatten(tokens: list[Token]) -> tuple[str, list[tuple[int, int]], list[tuple[int, int, int]], list[int]]:
    """The run as one string (placeholders as "<p>"), its depth-0 text spans, those of them that follow
    inline elements closing right after text (with where that text ends), and each token's offset."""
    parts: list[str] = []
    allowed: list[tuple[int, int]] = []
    after_closing: list[tuple[int, int, int]] = []
    offsets: list[int] = []
    position = 0
    depth = 0
    closing_from: int | None = None  # where the text before a row of closing placeholders ends
    previous = ""
    for kind, text, _ in tokens:
        offsets.append(position)
        if kind == "text":
            if depth == 0:
                allowed.append((position, position + len(text)))
                if closing_from is not None:
                    after_closing.append((closing_from, position, position + len(text)))
            closing_from = None
        else:
            text = "<p>"
            if kind == "close":
                if previous == "text":
                    closing_from = position
                depth -= 1
            else:
                closing_from = None
                depth += 1 if kind == "open" else 0
        previous = kind
        parts.append(text)
        position += len(text)
    return "".join(parts), allowed, after_closing, offsets


def _cut_groups(tokens: list[Token], offsets: list[int], cuts: list[tuple[int, int]]) -> list[list[Token]]:
    """The run's tokens as one group per sentence; the whitespace between two sentences opens the next group
    (its leading whitespace, which stays in the page)."""
    current: list[Token] = []
    groups = [current]
    cut_index, cut_count = 0, len(cuts)
    for token, offset in zip(tokens, offsets):
        if cut_index == cut_count or token.kind != "text":
            current.append(token)
            continue
        text = token.text
        position = 0
        while cut_index < cut_count and offset + position <= cuts[cut_index][0] <= offset + len(text):
            end, gap_end = cuts[cut_index]
            local_end, local_gap = end - offset, gap_end - offset
            if local_end > position:
                current.append(text_token(text[position:local_end]))
            current = []
            groups.append(current)
            if local_gap > local_end:
                current.append(text_token(text[local_end:local_gap]))
            position = local_gap
            cut_index += 1
        if position < len(text):
            current.append(text_token(text[position:]))
    return groups


def _strip_group(group: list[Token]) -> tuple[str, list[Token], str]:
    """Split leading and trailing whitespace off a token group."""
    if not group:
        return "", group, ""
    first, final = group[0], group[-1]
    if (first.kind != "text" or (first.text and not first.text[0].isspace())) \
            and (final.kind != "text" or (final.text and not final.text[-1].isspace())):
        return "", group, ""  # the usual case: nothing to move
    tokens = list(group)
    leading = trailing = ""
    while tokens and tokens[0].kind == "text" and not tokens[0].text.strip():
        leading += tokens.pop(0).text
    while tokens and tokens[-1].kind == "text" and not tokens[-1].text.strip():
        trailing = tokens.pop().text + trailing
    if tokens and tokens[0].kind == "text":
        text = tokens[0].text
        stripped = text.lstrip()
        leading += text[: len(text) - len(stripped)]
        tokens[0] = text_token(stripped)
    if tokens and tokens[-1].kind == "text":
        text = tokens[-1].text
        stripped = text.rstrip()
        trailing = text[len(stripped):] + trailing
        tokens[-1] = text_token(stripped)
    return leading, tokens, trailing


def _segment(tokens: list[Token], line: int, verbatim: bool) -> Segment:
    """Number the placeholders within the segment and write its msgid."""
    counters: dict[str, int] = {}
    assigned: dict[Placeholder, str] = {}
    names: dict[str, Placeholder] = {}
    parts: list[str] = []
    letters = False  # whether any text has a letter: a segment of only placeholders and digits is not a unit
    for kind, text, placeholder in tokens:
        if kind == "text":
            parts.append(text)
            letters = letters or has_letter(text)
            continue
        assert placeholder is not None
        name = assigned.get(placeholder)  # placeholders hash by identity
        if name is None:
            base = placeholder.base
            number = counters[base] = counters.get(base, 0) + 1
            name = assigned[placeholder] = f"{base}{number}"
            names[name] = placeholder
        parts.append(f"<{name}>" if kind == "open" else f"</{name}>" if kind == "close" else f"<{name}/>")
    msgid = "".join(parts)
    if not verbatim:  # placeholders hold no whitespace, so the whole msgid can be collapsed at once
        msgid = collapse_whitespace(msgid)
    return _tuple_new(Segment, (msgid, tuple(tokens), names, line, verbatim, letters))


_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")


def has_letter(text: str) -> bool:
    if text.isascii():
        return _ASCII_LETTER_RE.search(text) is not None
    return any(c.isalpha() for c in text)
