"""Unambiguous English date expressions in running text, and the precision each one carries."""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
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


# ---------------------------------------------------------------------------------------- dates written out

# A translation may write a date in its own words instead of <date1/>, to inflect it ("в сентябре 2025 г.",
# "we wrześniu 2025", "syyskuussa 2025", "12. septembrī"). It stands only while it says what the source says:
# the day and the year as numbers, the month in a form CLDR knows for the locale or a word that starts with
# the month's stem (what its format and stand-alone forms share: "wrze" for wrzesień/września → wrześniu).

def date_written_problem(text: str, value: str, precision: str, locale: str) -> str | None:
    """Why `text` does not write out the date `value` (at `precision`) in `locale`, or None when it does."""
    if precision == DATE_TIME:
        return "a date with a time of day cannot be written out; keep its placeholder"
    parts = value.lstrip("-").split("-")
    if precision == DAY_MONTH:
        year, month, day = None, int(parts[-2]), int(parts[-1])
    elif precision == MONTH_YEAR:
        year, month, day = int(parts[0]), int(parts[1]), None
    else:
        year, month, day = int(parts[0]), int(parts[1]), int(parts[2])
    numbers = {int(found) for found in re.findall(r"\d+", _ascii_digits(text))}
    missing = []
    if day is not None and day not in numbers:
        missing.append(f"the day {day}")
    if year is not None and year not in numbers:
        missing.append(f"the year {year}")
    if not _mentions_month(text, month, locale):
        missing.append(f"the month {MONTHS[month - 1]}")
    if not missing:
        return None
    shown = "-".join(part for part in (str(year) if year else "", f"{month:02d}", f"{day:02d}" if day else "") if part)
    return (f"the date written out does not say the source's date {shown} ({', '.join(missing)} missing); "
            "write the placeholder, or the date as the source has it now")


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text)


def _mentions_month(text: str, month: int, locale: str) -> bool:
    folded = text.casefold()
    words = re.findall(r"\w+", folded)
    return any(any(word.startswith(stem) for word in words) for stem in _month_stems(locale, month))


@lru_cache(maxsize=256)
def _month_stems(locale: str, month: int) -> tuple[str, ...]:
    """The beginnings a word naming `month` in `locale` may have: every wide and abbreviated form, and the
    stem the wide format and stand-alone forms share (at least three letters)."""
    from babel import Locale

    data = Locale.parse(locale, sep="-").months
    forms = {str(data[context][width][month]).casefold().rstrip(".")
             for context in ("format", "stand-alone") for width in ("wide", "abbreviated")
             if month in data.get(context, {}).get(width, {})}
    wide = [str(data[context]["wide"][month]).casefold() for context in ("format", "stand-alone")
            if month in data.get(context, {}).get("wide", {})]
    stems = set(form for form in forms if len(form) >= 3)
    if len(wide) == 2:
        shared = os.path.commonprefix(wide)
        if len(shared) >= 3:
            stems.add(shared)
    return tuple(sorted(stems))
