"""Evidence dates: ISO text at day, month or year precision, with an optional qualifier.

A month or year is stored as its first day, so sorting by the stored date works; the
precision and qualifier are kept beside it and shape how the date is shown.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import NamedTuple

from evidence.errors import InvalidValue, UnknownValue

QUALIFIERS = {
    "approximate": "about",
    "on-or-before": "on or before",
    "on-or-after": "on or after",
}
# `--precision exact` clears a qualifier when editing.
EXACT = "exact"

# Fixed English names: calendar.month_abbr follows the locale, and the pack must not.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_PATTERNS = (
    (re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"), "day"),
    (re.compile(r"([0-9]{4})-([0-9]{2})"), "month"),
    (re.compile(r"([0-9]{4})"), "year"),
)


class When(NamedTuple):
    """A date as given: its first day and how precisely it is known."""

    start: dt.date
    precision: str

    @property
    def end(self) -> dt.date:
        """The last day the date could mean (`2017-02` runs to 28 Feb 2017)."""
        if self.precision == "year":
            return self.start.replace(month=12, day=31)
        if self.precision == "month":
            last = calendar.monthrange(self.start.year, self.start.month)[1]
            return self.start.replace(day=last)
        return self.start


def parse_when(value: str, field: str = "date") -> When:
    """Read `2017-01-17`, `2017-01` or `2016`; anything else is an InvalidValue."""
    text = value.strip()
    for pattern, precision in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            parts = [int(part) for part in match.groups()] + [1] * (3 - len(match.groups()))
            try:
                return When(dt.date(*parts), precision)
            except ValueError:
                raise InvalidValue(field, value, "is not a real date.") from None
    raise InvalidValue(
        field, value, "is not a date: use 2017-01-17, 2017-01 (a month) or 2017 (a year)."
    )


def parse_day(value: str, field: str) -> dt.date:
    """A date that must be a single day, such as a review-by date."""
    when = parse_when(value, field)
    if when.precision != "day":
        raise InvalidValue(field, value, "must be a full date, such as 2017-06-30.")
    return when.start


def parse_past_when(value: str, today: dt.date, field: str = "date") -> When:
    """An evidence date: it cannot start after today."""
    when = parse_when(value, field)
    if when.start > today:
        raise InvalidValue(field, value, f"is in the future (today is {today.isoformat()}).")
    return when


def parse_qualifier(value: str | None) -> str | None:
    """`--precision`: approximate, on-or-before, on-or-after, or exact (none)."""
    if value is None:
        return None
    slug = value.strip().lower().replace(" ", "-").replace("_", "-")
    if slug in QUALIFIERS or slug == EXACT:
        return slug
    raise UnknownValue("precision", value, [*QUALIFIERS, EXACT])


def as_of_day(as_of: str | None) -> dt.date:
    """The last day of the period given (`2017-04` is 30 Apr 2017); today when none is."""
    return parse_when(as_of, "as_of").end if as_of is not None else dt.date.today()


def format_when(date: str, precision: str, qualifier: str | None = None) -> str:
    """ "17 Jan 2017", "Jan 2017", "2016", "about Apr 2016", "on or before 13 Feb 2017"."""
    day = dt.date.fromisoformat(date)
    if precision == "year":
        text = str(day.year)
    elif precision == "month":
        text = f"{MONTHS[day.month - 1]} {day.year}"
    else:
        text = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{QUALIFIERS[qualifier]} {text}" if qualifier else text


def format_day(date: str | None) -> str:
    return format_when(date, "day") if date else ""
