"""Sentence boundaries in news text: rules tuned on news English, never inside an open inline element."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words that end with a period without ending the sentence. Case matters: "No." is an abbreviation,
# "no." at a sentence end is not. Dotted initialisms (U.S., e.g., H.E., J.) are handled by a rule below.
ABBREVIATIONS = frozenset("""
Amb. Ambs. approx. Approx. No. Nos. no. Art. Arts. art. Mr. Mrs. Ms. Dr. Prof. St. Jr. Sr. Mt. vs. cf. ca.
Gen. Lt. Col. Capt. Maj. Sgt. Cmdr. Adm. Rep. Sen. Gov. Pres. Hon. Rev. Ltd. Inc. Co. Corp. Dept. Fig. Figs.
Vol. Vols. pp. p. para. paras. Para. ch. Ch. Jan. Feb. Mar. Apr. Jun. Jul. Aug. Sep. Sept. Oct. Nov. Dec.
est. Est. min. max. Min. Max. Ref. ref. Nr. nr. Av. Ave. Blvd. Rd. Sq. Gov't. Int'l. Assn. Bros. Mme. Mlle.
Messrs. Esq. Excl. Incl. incl. excl. approx vs
""".split())

# End of a sentence: terminal punctuation, closing quotes or brackets, then space.
_END_RE = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
_INITIALISM_RE = re.compile(r"(?:[A-Za-z]\.)+$")


def _is_abbreviation(word: str, extra: frozenset[str]) -> bool:
    word = word.rsplit(">", 1)[-1].lstrip("([\"'“‘«")
    return word in ABBREVIATIONS or word in extra or bool(_INITIALISM_RE.fullmatch(word))


def _opens_sentence(char: str) -> bool:
    """True when a sentence can start with this character."""
    # "<" opens a placeholder such as <a1>; a sentence may start with a link or a date.
    return char.isupper() or char.isdigit() or char in "\"'“‘«([¿¡<"


# Terminal punctuation that closes a text: inside an element, a sentence may end right before the element does.
_TERMINAL = ".!?…"
_CLOSERS = "\"'”’»)]"


def may_end_sentence(text: str) -> bool:
    """Cheap test: could a sentence end inside this text at all?"""
    return _END_RE.search(text) is not None


def ends_with_terminal(text: str) -> bool:
    """True when the text ends with terminal punctuation (and closing quotes): before a closing element,
    a sentence may end there."""
    last = text.rstrip(_CLOSERS)[-1:]
    return last != "" and last in _TERMINAL


def _cut_after(text: str, punctuation: int, gap_start: int, span_end: int,
               extra_abbreviations: frozenset[str]) -> int | None:
    """Where the next sentence starts when the punctuation at `punctuation` ends one and whitespace follows
    from `gap_start` (within the span), or None when it does not end a sentence."""
    gap_end = gap_start
    length = len(text)
    while gap_end < length and text[gap_end].isspace():
        gap_end += 1
    # The gap ends at a character that is not a space (or at the end): it alone says whether a sentence
    # can start there.
    if gap_end == gap_start or gap_end > span_end or gap_end == length or not _opens_sentence(text[gap_end]):
        return None
    if text[punctuation] == ".":
        # Look back a short window only: no abbreviation is longer, and a long paragraph stays linear.
        # The word before the period: what follows the last space in the window (the window ends
        # with the period, which is not a space).
        word = text[max(0, punctuation - 40): punctuation + 1].rsplit(None, 1)[-1]
        if _is_abbreviation(word, extra_abbreviations):
            return None
    return gap_end


def boundaries(text: str, allowed: Iterable[tuple[int, int]],
               extra_abbreviations: frozenset[str] = frozenset(),
               after_closing: Iterable[tuple[int, int, int]] = ()) -> list[tuple[int, int]]:
    """Split points in `text` as (end of sentence, start of next) pairs, only within `allowed` spans.

    `allowed` lists the (start, end) spans of plain text at nesting depth zero, so no sentence ends inside
    an open inline element or a placeholder tag. `after_closing` lists (end of the text inside, start, end)
    of the spans that follow inline elements closing there: a sentence that ends inside such an element
    ("<strong1>Vienna, 12 May.</strong1> The OSCE …") ends after it.
    """
    cuts = []
    for span_start, span_end in allowed:
        for match in _END_RE.finditer(text, span_start, span_end):
            gap_end = _cut_after(text, match.start(), match.end(), span_end, extra_abbreviations)
            if gap_end is not None:
                cuts.append((match.end(), gap_end))
    for inner_end, span_start, span_end in after_closing:
        end = inner_end
        while end > 0 and text[end - 1] in _CLOSERS:
            end -= 1
        if end == 0 or text[end - 1] not in _TERMINAL:
            continue
        punctuation = end - 1
        while punctuation > 0 and text[punctuation - 1] in _TERMINAL:
            punctuation -= 1  # the first of several marks ("?!", "...") is where the sentence ends
        gap_end = _cut_after(text, punctuation, span_start, span_end, extra_abbreviations)
        if gap_end is not None:
            cuts.append((span_start, gap_end))
    return sorted(cuts)
