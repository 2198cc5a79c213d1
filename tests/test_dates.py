import datetime as dt

import pytest

from evidence.dates import format_when, parse_past_when, parse_when
from evidence.errors import InvalidValue


@pytest.mark.parametrize(
    ("text", "stored", "precision"),
    [
        ("2017-01-17", "2017-01-17", "day"),
        ("2017-01", "2017-01-01", "month"),
        ("2016", "2016-01-01", "year"),
        ("2016-02-29", "2016-02-29", "day"),
    ],
)
def test_dates_keep_their_precision_and_store_the_first_day(text, stored, precision):
    when = parse_when(text)
    assert (when.start.isoformat(), when.precision) == (stored, precision)


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("2017-02", "2017-02-28"),
        ("2016-02", "2016-02-29"),
        ("2016", "2016-12-31"),
        ("2017-01-17", "2017-01-17"),
    ],
)
def test_a_date_runs_to_the_end_of_its_period(text, end):
    assert parse_when(text).end.isoformat() == end


@pytest.mark.parametrize(
    ("date", "precision", "qualifier", "shown"),
    [
        ("2017-01-17", "day", None, "17 Jan 2017"),
        ("2017-01-01", "month", None, "Jan 2017"),
        ("2016-01-01", "year", None, "2016"),
        ("2016-04-01", "month", "approximate", "about Apr 2016"),
        ("2017-02-13", "day", "on-or-before", "on or before 13 Feb 2017"),
        ("2016-01-01", "year", "approximate", "about 2016"),
        ("2017-09-01", "month", "on-or-after", "on or after Sep 2017"),
    ],
)
def test_dates_are_shown_at_their_precision(date, precision, qualifier, shown):
    assert format_when(date, precision, qualifier) == shown


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2017-02-30", "is not a real date"),
        ("2017-13", "is not a real date"),
        ("17/01/2017", "is not a date"),
        ("yesterday", "is not a date"),
        ("2017-1-5", "is not a date"),
        ("", "is not a date"),
    ],
)
def test_bad_dates_are_named_in_the_error(text, problem):
    with pytest.raises(InvalidValue) as error:
        parse_when(text)
    assert str(error.value).startswith(f"date '{text}' {problem}")


def test_an_evidence_date_cannot_be_in_the_future():
    today = dt.date(2017, 3, 15)
    assert parse_past_when("2017-03", today).start == dt.date(2017, 3, 1)
    with pytest.raises(InvalidValue, match="is in the future"):
        parse_past_when("2017-03-16", today)
    with pytest.raises(InvalidValue, match="is in the future"):
        parse_past_when("2018", today)
