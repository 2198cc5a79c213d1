"""Times as people in an English council read them: UK local time (Europe/London, summer
time included), entered and shown that way, stored in UTC.

A time the clocks skip when they go forward does not exist and is refused; a time they
pass twice when they go back is ambiguous and must carry its offset ("2026-10-25 01:30
+01:00"). A day given for `--as-of` means the end of that day in the UK.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from zoneinfo import ZoneInfo

from evidence.errors import InvalidValue

UK = ZoneInfo("Europe/London")
# The years a time may fall in: a stored time has four digits of year, and the last day
# of 9999 has no end in UTC to work out.
YEARS = (1900, 9998)
STORED = "%Y-%m-%dT%H:%M:%SZ"
_STORED = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")
_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)


def parse_time(value: str, field: str) -> dt.datetime:
    """A time typed in UK local time ("2026-03-02 17:00", or with an offset), as an aware
    UTC datetime."""
    text = (value or "").strip()
    found = _TIME.fullmatch(text)
    if not found:
        raise InvalidValue(
            field, value, 'is not a time: give the day and UK time, such as "2026-03-02 17:00".'
        )
    day, hour, minute, second, offset = found.groups()
    try:
        naive = dt.datetime.combine(
            dt.date.fromisoformat(day), dt.time(int(hour), int(minute), int(second or 0))
        )
    except ValueError:
        raise InvalidValue(field, value, "is not a time that exists.") from None
    check_year(naive.date(), field, value)
    if offset:
        zone = dt.UTC if offset.upper() == "Z" else _offset(offset, field, value)
        moment = naive.replace(tzinfo=zone)
        local = moment.astimezone(UK)
        if local.replace(tzinfo=None) != naive and offset.upper() != "Z":
            raise InvalidValue(
                field,
                value,
                f"has an offset the UK does not use on that day (it was {_offset_text(local)}).",
            )
        return moment.astimezone(dt.UTC)
    first, second_ = naive.replace(tzinfo=UK, fold=0), naive.replace(tzinfo=UK, fold=1)
    if first.utcoffset() != second_.utcoffset():
        if _round_trips(first) or _round_trips(second_):
            raise InvalidValue(
                field,
                value,
                "happens twice in the UK, as the clocks go back: add the offset,"
                f' "{text} +01:00" (summer time) or "{text} +00:00".',
            )
        raise InvalidValue(
            field, value, "does not exist in the UK: the clocks go forward an hour then."
        )
    return first.astimezone(dt.UTC)


def _round_trips(moment: dt.datetime) -> bool:
    back = moment.astimezone(dt.UTC).astimezone(UK)
    return back.replace(tzinfo=None) == moment.replace(tzinfo=None)


def _offset(text: str, field: str, value: str) -> dt.timezone:
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 14 or minutes > 59:
        raise InvalidValue(field, value, "has an offset that is not one.")
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _offset_text(moment: dt.datetime) -> str:
    seconds = int(moment.utcoffset().total_seconds())
    return f"+{seconds // 3600:02d}:00"


def stored(moment: dt.datetime) -> str:
    """A time as the library stores it: UTC, to the second."""
    return moment.astimezone(dt.UTC).strftime(STORED)


def read_stored(text: str) -> dt.datetime:
    """A time as stored (STORED), read: a tenth of the time strptime() takes, which
    counts on a page of 2,000 requests."""
    found = _STORED.fullmatch(text)
    if not found:
        raise ValueError(f"time data {text!r} does not match format {STORED!r}")
    return dt.datetime(*map(int, found.groups()), tzinfo=dt.UTC)


def shown(text_or_moment: str | dt.datetime | None) -> str:
    """A stored time as people in the UK read it: "2 Mar 2026 17:00", "28 Oct 2026 01:30
    BST" where the clocks make it ambiguous."""
    if text_or_moment is None:
        return ""
    if isinstance(text_or_moment, str):
        return _shown_stored(text_or_moment)
    return _shown(text_or_moment)


@functools.lru_cache(maxsize=16384)
def _shown_stored(text: str) -> str:
    """shown() of a stored time, kept: a page of an inspection shows the same times on
    every visit."""
    return _shown(read_stored(text))


def _shown(moment: dt.datetime) -> str:
    local = moment.astimezone(UK)
    words = f"{local.day} {local:%b %Y %H:%M}"
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() != local.utcoffset():
        words += f" {local.tzname()}"
    return words


def check_year(day: dt.date, field: str, value: str) -> None:
    """Refuse a day outside the years the library keeps times for (YEARS)."""
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise InvalidValue(
            field, value, f"is not in a year the library keeps ({YEARS[0]} to {YEARS[1]})."
        )


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of a UK day, in UTC: what `--as-of D` means."""
    start_next = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=UK)
    return start_next.astimezone(dt.UTC) - dt.timedelta(seconds=1)


def parse_moment(value: str | None, field: str) -> dt.datetime:
    """`--as-of` or `--at`: a time, or a day meaning its end in the UK; now if None."""
    if value is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidValue(field, value, "is not a day that exists.") from None
        check_year(day, field, value)
        return end_of_day(day)
    return parse_time(text, field)


def uk_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(UK).date()


def at_uk(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """A wall-clock time on a UK day, in UTC (the first, if the clocks pass it twice)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UK).astimezone(dt.UTC)
