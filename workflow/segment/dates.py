"""Unambiguous English date expressions in running text, and the precision each one carries."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import NamedTuple

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
_MONTH = "|".join(MONTHS)
# Longest forms first, so "15 September 2025" is not read as "15 September" followed by a year.
# A space, a no-break space (`12&nbsp;March`) or a narrow no-break space: editors keep dates on one line so.
_SP = "[ \u00a0\u202f]"
_DATE_RE = re.compile(
    rf"(?<![\w–-])(?:"
    rf"(?P<d1>\d{{1,2}}){_SP}(?P<m1>{_MONTH}){_SP}(?P<y1>\d{{4}})"
    rf"|(?P<m2>{_MONTH}){_SP}(?P<d2>\d{{1,2}}),{_SP}(?P<y2>\d{{4}})"
    rf"|(?P<d3>\d{{1,2}}){_SP}(?P<m3>{_MONTH})"
    rf"|(?P<m4>{_MONTH}){_SP}(?P<y4>\d{{4}})"
    rf")(?![\w–-])"
)


def may_mention_date(text: str) -> bool:
    """Most text has no date: a month name must appear before the full pattern is worth running.

    Substring tests find it several times faster than an alternation of the twelve names."""
    return ("ber" in text or "uary" in text or "March" in text or "April" in text or "May" in text
            or "June" in text or "July" in text or "August" in text)


_tuple_new = tuple.__new__  # builds a named tuple without its keyword handling

DAY_MONTH = "day-month"
DAY_MONTH_YEAR = "day-month-year"
MONTH_YEAR = "month-year"
DATE_TIME = "date-time"  # a <time datetime> with a time of day (and perhaps a zone): the value is kept whole
_DATE_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")


class DateMention(NamedTuple):
    """A date found in text: where it is, what it says and how precise the source was (a named tuple:
    text is searched for dates piece by piece, and a tuple is quick to build)."""

    start: int
    end: int
    text: str
    value: dt.date
    precision: str

    @property
    def iso(self) -> str:
        if self.precision == MONTH_YEAR:
            return self.value.strftime("%Y-%m")
        return self.value.isoformat()


def _date_matches(text: str) -> list[re.Match[str]]:
    """What `_DATE_RE.finditer(text)` finds, trying the pattern only where a date can start.

    Every date contains a month name, starting at the name or two or three characters before it
    ("5 May", "15 May"), so only those places are tried, in order, as the scan would reach them.
    The pattern's look-behind still sees the text before each place.
    """
    places = []
    for name in MONTHS:
        at = text.find(name)
        while at != -1:
            places.append(at)
            at = text.find(name, at + 1)
    matches = []
    position = 0
    for at in sorted(places):
        for start in (at - 3, at - 2, at):
            if start >= position:
                match = _DATE_RE.match(text, start)
                if match is not None:
                    matches.append(match)
                    position = match.end()
                    break
    return matches


def dates_in(text: str, item_year: int | None) -> list[DateMention]:
    """Dates in `text`; a bare day and month takes the item's year and is skipped when there is none."""
    found: list[DateMention] = []
    if not may_mention_date(text):
        return found
    for match in _date_matches(text):
        d1, m1, y1, m2, d2, y2, d3, m3, m4, y4 = match.groups()  # the pattern's groups in order
        if d1:
            day, month, year, precision = d1, m1, y1, DAY_MONTH_YEAR
        elif m2:
            day, month, year, precision = d2, m2, y2, DAY_MONTH_YEAR
        elif d3:
            day, month, year, precision = d3, m3, item_year, DAY_MONTH
        else:
            day, month, year, precision = "1", m4, y4, MONTH_YEAR
        if year is None:
            continue
        try:
            value = dt.date(int(year), MONTHS.index(month) + 1, int(day))
        except ValueError:
            continue  # "31 September" is not a date; leave the text for the translator
        start, end = match.span()
        found.append(_tuple_new(DateMention, (start, end, match.group(), value, precision)))
    return found


def precision_of_datetime(value: str) -> str | None:
    """Precision of a `<time datetime>` value: 2025-09-15 → day-month-year, 2025-09 → month-year, --09-15 →
    day-month, 2025-09-15T10:00+02:00 → date-time; None for what is not a real date (weeks, durations,
    30 February, …), which then stays text as the source has it."""
    if _DATE_TIME_RE.fullmatch(value) and _valid(lambda: dt.datetime.fromisoformat(value.replace("Z", "+00:00"))):
        return DATE_TIME
    if re.match(r"\d{4}-\d{2}-\d{2}(?:[T ]|$)", value) and _valid(lambda: dt.date.fromisoformat(value[:10])):
        return DAY_MONTH_YEAR
    if re.fullmatch(r"\d{4}-\d{2}", value) and 1 <= int(value[5:]) <= 12:
        return MONTH_YEAR
    if re.fullmatch(r"--\d{2}-\d{2}", value) and _valid(lambda: dt.date(2000, int(value[2:4]), int(value[5:]))):
        return DAY_MONTH  # (2000: a leap year, so --02-29 is a date)
    return None


def _valid(make: Callable[[], object]) -> bool:
    try:
        make()
    except ValueError:
        return False
    return True
