"""Performance measures: monthly figures over time, their revisions and challenges, and
what they say in plain words.

A measure has a direction (higher or lower is better), and may have a floor (the worst
acceptable figure) and a target, both read in that direction: for a lower-is-better
measure, a figure above the floor is the breach. A context measure (another council's
figure, a headcount) is shown but never rated.

A reading is the figure for a month as reported on a day; it may have no number, only a
note ("lower than expected"). A revision is a new reading for the same month that names
the one it replaces and why; the old one stays. As of a day, each month's figure is the
latest reading reported by then, so a revision reported later does not yet apply.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sqlite3
from pathlib import Path
from typing import Any

from db import now, transaction
from evidence import catalog, vocab
from evidence.dates import MONTHS, as_of_day, format_day, parse_day
from evidence.errors import InvalidValue, NotFound, Refused, UnknownValue
from evidence.fields import check_actor, free_text, one_line

UNITS = ("percent", "count", "rate", "days")
DIRECTIONS = ("higher", "lower")
CAUSES = ("reporting-error", "late-entry", "recording-error", "genuine")
CAUSE_NAMES = {
    "reporting-error": "a reporting error",
    "late-entry": "late data entry",
    "recording-error": "a recording error",
    "genuine": "genuine performance",
}
DEFINITIONS = Path(__file__).with_name("measures.yml")
# Figures usually arrive in the month after; one more month of delay is still normal.
EXPECTED_LAG_MONTHS = 2
SPARKS = "▁▂▃▄▅▆▇█"


# Definitions


def define_measure(
    conn: sqlite3.Connection,
    code: str,
    *,
    by: str,
    name: str | None = None,
    unit: str | None = None,
    better: str | None = None,
    floor: Any = None,
    target: Any = None,
    area: str | None = None,
    context: bool | None = None,
    description: str | None = None,
    framework: str | None = None,
) -> str:
    """Add a measure, or change the parts of its definition given (None keeps a part; ""
    clears a floor, target or area); returns "added", "updated" or "unchanged"."""
    by = check_actor(by)
    one_line(code, "code", 200)  # text SQLite can hold: no stray bytes
    code = vocab.normalise(code or "")
    current = conn.execute(
        "SELECT measures.*, areas.code AS area FROM measures"
        " LEFT JOIN areas ON areas.id = measures.area_id WHERE measures.code = ?",
        [code],
    ).fetchone()
    given = {
        "name": name,
        "unit": unit,
        "better": better,
        "floor": floor,
        "target": target,
        "context": context,
        "description": description,
    }
    if current is not None:
        given = {key: (current[key] if value is None else value) for key, value in given.items()}
        if area is None and current["area_id"] is not None:
            area = current["area"]
    row = _definition(code, **given)
    if area:
        words = vocab.Vocabulary(conn)
        (area_row,) = words.areas_of([area], words.framework(framework))
        row["area_id"] = area_row["id"]
    else:
        row["area_id"] = None
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        if current is None:
            conn.execute(
                "INSERT INTO measures (code, name, unit, better, floor, target, area_id,"
                " context, description, created_at, created_by, updated_at, updated_by)"
                " VALUES (:code, :name, :unit, :better, :floor, :target, :area_id, :context,"
                " :description, :stamp, :by, :stamp, :by)",
                {**row, "stamp": stamp, "by": by},
            )
            return "added"
        changed = {key: value for key, value in row.items() if current[key] != value}
        if not changed:
            return "unchanged"
        if (
            "unit" in changed
            and conn.execute("SELECT 1 FROM readings WHERE measure = ?", [row["code"]]).fetchone()
        ):
            raise Refused(
                f"measure {row['code']} has readings in {current['unit']}; its unit cannot"
                " change. Define a new measure instead."
            )
        assignments = ", ".join(f"{key} = :{key}" for key in changed)
        conn.execute(
            f"UPDATE measures SET {assignments}, updated_at = :stamp, updated_by = :by,"
            " revision = revision + 1 WHERE code = :code",
            {**changed, "code": row["code"], "stamp": stamp, "by": by},
        )
        return "updated"


def define_from_file(conn: sqlite3.Connection, path: str | Path, *, by: str) -> dict[str, int]:
    """Define every measure in a YAML file (a `measures:` list); all of them, or none."""
    from evidence.readers import read_yaml_file

    path = Path(path)
    data = read_yaml_file(path, "from_file")
    entries = data.get("measures") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InvalidValue("from_file", path, "must hold a `measures:` list.")
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    with transaction(conn, by=by):
        for number, entry in enumerate(entries, 1):
            fields = {key: entry.get(key) for key in ("name", "unit", "better", "floor",
                                                      "target", "area", "description")}  # fmt: skip
            try:
                outcome = define_measure(
                    conn,
                    str(entry.get("code") or ""),
                    context=bool(entry.get("context")),
                    by=by,
                    **{key: value for key, value in fields.items() if value is not None},
                )
            except InvalidValue as error:
                raise InvalidValue(error.field, error.value, f"{error.problem} (measure {number} in"
                                   f" {path.name})") from None  # fmt: skip
            counts[outcome] += 1
    return counts


def get_measure(conn: sqlite3.Connection, code: str) -> dict[str, Any]:
    one_line(code, "measure", 200)  # text SQLite can hold: no stray bytes
    row = conn.execute(
        "SELECT measures.*, areas.code AS area FROM measures"
        " LEFT JOIN areas ON areas.id = measures.area_id WHERE measures.code = ?",
        [vocab.normalise(code)],
    ).fetchone()
    if row is None:
        known = [r[0] for r in conn.execute("SELECT code FROM measures ORDER BY code")]
        raise UnknownValue("measure", code, known or ["(none defined yet)"])
    measure = dict(row)
    measure["context"] = bool(measure["context"])
    return measure


def _definition(code: str, **fields: Any) -> dict[str, Any]:
    code = vocab.normalise(code or "")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", code):
        raise InvalidValue(
            "code", code, "must be a short name of letters, digits and hyphens, like cp-visits."
        )
    name = one_line(fields["name"] or "", "name", 200, required=True)
    if not fields["unit"]:
        raise InvalidValue("unit", "", "is missing: give percent, count, rate or days.")
    if not fields["better"]:
        raise InvalidValue("better", "", "is missing: give higher or lower.")
    unit = vocab.one_of("unit", fields["unit"], UNITS)
    better = vocab.one_of("better", fields["better"], DIRECTIONS)
    row = {
        "code": code,
        "name": name,
        "unit": unit,
        "better": better,
        "context": int(bool(fields["context"])),
        "description": free_text(fields["description"], "description", 2000),
    }
    for key in ("floor", "target"):
        value = fields[key]
        row[key] = None if value in (None, "") else _number(value, key, unit)
    if None not in (row["floor"], row["target"]) and _worse(better, row["target"], row["floor"]):
        raise InvalidValue(
            "target",
            fields["target"],
            f"is worse than the floor ({fields['floor']}) for a {better}-is-better measure.",
        )
    return row


# Readings


def record_reading(
    conn: sqlite3.Connection,
    code: str,
    period: str,
    value: Any = None,
    *,
    by: str,
    numerator: Any = None,
    denominator: Any = None,
    note: str | None = None,
    reported_on: str | None = None,
    source_id: int | None = None,
    claimed: bool = False,
    revises: bool = False,
    reason: str | None = None,
    today: dt.date | None = None,
) -> int:
    """Record the figure for a month; returns the reading's id.

    A month that has a reading already takes a new one only as a revision (`revises`,
    with its `reason`): the new figure becomes current and the old one stays.
    """
    by = check_actor(by)
    today = today or dt.date.today()
    measure = get_measure(conn, code)
    month = parse_period(period)
    numbers = _figures(measure, value, numerator, denominator)
    note = free_text(note, "note", 2000)
    if numbers["value"] is None and note is None:
        raise InvalidValue(
            "value", "", "is missing: give the figure, --numerator and --denominator, or a --note."
        )
    reported = parse_day(reported_on, "reported_on") if reported_on else today
    if reported > today:
        raise InvalidValue("reported_on", reported_on, f"is in the future (today is {today}).")
    if reported.isoformat()[:7] < month:
        raise InvalidValue(
            "reported_on",
            reported.isoformat(),
            f"is before {month_name(month)} began: a month's figure is reported once it has begun.",
        )
    reason = one_line(reason, "reason", 500)
    if revises and not reason:
        raise InvalidValue("reason", reason or "", "is empty: say why the figure was revised.")
    if reason and not revises:
        raise InvalidValue("reason", reason, "is only for a revision: add --revises.")
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        if source_id is not None:
            source = catalog.get_evidence(conn, source_id)
            if source["status"] != "current":
                raise Refused(
                    f"evidence {source_id} is {source['status']}; it cannot be a source."
                )
        latest = conn.execute(
            "SELECT * FROM readings WHERE measure = ? AND period = ?"
            " ORDER BY reported_on DESC, id DESC LIMIT 1",
            [measure["code"], month],
        ).fetchone()
        if latest is not None and not revises:
            raise Refused(
                f"{measure['code']} already has a figure for {month_name(month)}"
                f" ({describe_reading(measure, latest)}, reported"
                f" {format_day(latest['reported_on'])}). To correct it, give --revises and"
                " --reason."
            )
        if latest is None and revises:
            raise Refused(
                f"{measure['code']} has no figure for {month_name(month)} to revise: record it"
                " without --revises."
            )
        if latest is not None and reported.isoformat() < latest["reported_on"]:
            raise InvalidValue(
                "reported_on",
                reported.isoformat(),
                f"is before the figure it revises was reported ({latest['reported_on']}).",
            )
        return conn.execute(
            "INSERT INTO readings (measure, period, value, numerator, denominator, note,"
            " reported_on, source_id, assurance, revises, revision_reason, created_at,"
            " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                measure["code"],
                month,
                numbers["value"],
                numbers["numerator"],
                numbers["denominator"],
                note,
                reported.isoformat(),
                source_id,
                "claimed" if claimed else "verified",
                latest["id"] if revises else None,
                reason,
                stamp,
                by,
            ],
        ).lastrowid


def parse_period(value: Any, field: str = "period") -> str:
    """A month: `2017-02`, `Feb 2017`, `February 2017` or `Feb-17`, as `2017-02`."""
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value).strip()
    match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", text)
    if match:
        year, month = int(match[1]), int(match[2])
    else:
        match = re.fullmatch(r"([A-Za-z]+)[ -](\d{2}|\d{4})", text)
        if not match or match[1].lower() not in MONTH_WORDS:
            raise InvalidValue(field, value, "is not a month: use 2017-02 or Feb 2017.")
        month = MONTH_WORDS[match[1].lower()]
        year = int(match[2]) + (2000 if len(match[2]) == 2 else 0)
    if not (1 <= month <= 12 and 1900 <= year <= 2999):
        raise InvalidValue(field, value, "is not a month: use 2017-02 or Feb 2017.")
    return f"{year:04d}-{month:02d}"


FULL_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december")  # fmt: skip
# A month as a heading may name it: in full, by its three letters, or as Sept.
MONTH_WORDS = {
    word: number
    for number, full in enumerate(FULL_MONTHS, 1)
    for word in (full, full[:3], *(["sept"] if number == 9 else []))
}


def month_name(period: str) -> str:
    return f"{MONTHS[int(period[5:7]) - 1]} {period[:4]}"


def _figures(measure: dict, value: Any, numerator: Any, denominator: Any) -> dict[str, Any]:
    unit = measure["unit"]
    figures = {
        "value": None if value in (None, "") else _number(value, "value", unit),
        "numerator": None if numerator in (None, "") else _number(numerator, "numerator"),
        "denominator": None if denominator in (None, "") else _number(denominator, "denominator"),
    }
    if (figures["numerator"] is None) != (figures["denominator"] is None):
        missing = "denominator" if figures["denominator"] is None else "numerator"
        raise InvalidValue(missing, "", "is missing: give --numerator and --denominator both.")
    if figures["denominator"] is not None:
        if figures["denominator"] <= 0:
            raise InvalidValue("denominator", denominator, "must be above 0.")
        if figures["numerator"] > figures["denominator"]:
            raise InvalidValue(
                "numerator",
                numerator,
                f"is larger than its denominator ({denominator}).",
            )
        if unit == "percent":
            worked = 100 * figures["numerator"] / figures["denominator"]
            if figures["value"] is None:
                figures["value"] = round(worked, 1)
            elif abs(worked - figures["value"]) > 0.5:
                raise InvalidValue(
                    "value",
                    value,
                    f"does not match {numerator}/{denominator} ({worked:.1f}%).",
                )
        elif figures["value"] is None:
            raise InvalidValue(
                "value", "", f"is missing: a {unit} is not worked out from a ratio."
            )
    return figures


def _number(value: Any, field: str, unit: str | None = None) -> float:
    """A figure as typed: `87`, `86.7`, `87%`, `1,234`; checked against its unit."""
    if isinstance(value, bool):
        raise InvalidValue(field, value, "is not a number.")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "")
        if unit == "percent" or unit is None:
            text = text.removesuffix("%").strip()
        try:
            number = float(text)
        except ValueError:
            raise InvalidValue(field, value, "is not a number.") from None
    if not math.isfinite(number):
        raise InvalidValue(field, value, "is not a number.")
    if number < 0:
        raise InvalidValue(field, value, "cannot be below 0.")
    if unit == "percent" and number > 100:
        raise InvalidValue(field, value, "is a percentage above 100.")
    return number


# Reading the series


def measure_detail(
    conn: sqlite3.Connection, code: str, *, as_of: str | None = None
) -> dict[str, Any]:
    """A measure as of the end of `as_of` (default today): its series, month by month with
    every reading, its challenges, its status and its commentary."""
    measure = get_measure(conn, code)
    day = _as_of(as_of)
    readings = [
        dict(row)
        for row in conn.execute(
            "SELECT * FROM readings WHERE measure = ? AND reported_on <= ?"
            " ORDER BY period, reported_on, id",
            [measure["code"], day.isoformat()],
        )
    ]
    months: dict[str, dict[str, Any]] = {}
    for reading in readings:
        month = months.setdefault(reading["period"], {"period": reading["period"], "readings": []})
        month["readings"].append(reading)
    series = []
    for month in months.values():
        current = month["readings"][-1]
        series.append(
            {
                "period": month["period"],
                "value": current["value"],
                "note": current["note"],
                "reported_on": current["reported_on"],
                "assurance": current["assurance"],
                "numerator": current["numerator"],
                "denominator": current["denominator"],
                "source_id": current["source_id"],
                "current": current["id"],
                "revisions": [
                    {
                        "value": reading["value"],
                        "note": reading["note"],
                        "reported_on": reading["reported_on"],
                        "replaced_on": later["reported_on"],
                        "reason": later["revision_reason"],
                    }
                    for reading, later in zip(
                        month["readings"], month["readings"][1:], strict=False
                    )
                ],
            }
        )
    challenges = challenge_rows(conn, code=measure["code"], as_of=day.isoformat())
    measure["as_of"] = day.isoformat()
    measure["series"] = series
    measure["challenges"] = challenges
    latest = next((m for m in reversed(series) if m["value"] is not None), None)
    measure["latest"] = latest
    stale = latest is not None and months_between(latest["period"], period_of(day)) > (
        EXPECTED_LAG_MONTHS
    )
    measure["status"] = status(measure, latest["value"] if latest else None)
    measure["stale"] = stale  # the latest figure is older than figures take to arrive
    measure["commentary"] = commentary(measure, series, challenges, day)
    from evidence import comparison

    compared = comparison.compare(conn, measure, day.isoformat())
    # DfE's annual figures for the council and its comparators, newest year first.
    measure["published"] = compared.pop("years") if compared else []
    measure["published_about"] = compared
    return measure


def list_measures(conn: sqlite3.Connection, *, as_of: str | None = None) -> list[dict[str, Any]]:
    """Every measure as of the end of `as_of`, with its latest figure, status and what it
    says in plain words."""
    codes = [row[0] for row in conn.execute("SELECT code FROM measures ORDER BY context, code")]
    return [measure_detail(conn, code, as_of=as_of) for code in codes]


def status(measure: dict[str, Any], value: float | None) -> str:
    """How the latest figure stands, read in the measure's direction: floor-breached,
    target-missed, on-target, no-thresholds; or context, or no-figure."""
    if measure["context"]:
        return "context"
    if value is None:
        return "no-figure"
    if measure["floor"] is not None and _worse(measure["better"], value, measure["floor"]):
        return "floor-breached"
    if measure["target"] is not None and _worse(measure["better"], value, measure["target"]):
        return "target-missed"
    if measure["floor"] is None and measure["target"] is None:
        return "no-thresholds"
    return "on-target"


def _worse(better: str, value: float, threshold: float) -> bool:
    return value < threshold if better == "higher" else value > threshold


def format_value(measure: dict[str, Any], value: float | None) -> str:
    """A figure as people read it (96%, 86.7%, 45 days, 1,234), with as many decimals as
    it takes never to look equal to a floor or target it is not equal to."""
    if value is None:
        return "no figure"
    thresholds = [t for t in (measure.get("floor"), measure.get("target")) if t is not None]
    places = 0 if float(value).is_integer() else 1
    while places < 4 and any(
        t != value and round(t, places) == round(value, places) for t in thresholds
    ):
        places += 1
    text = f"{value:,.{places}f}"
    return {"percent": f"{text}%", "days": f"{text} days"}.get(measure["unit"], text)


def describe_reading(measure: dict[str, Any], reading: Any) -> str:
    if reading["value"] is None:
        return f'no number: "{reading["note"]}"'
    return format_value(measure, reading["value"])


def calendar_values(series: list[dict[str, Any]], months: int | None = None) -> list:
    """The figures month by month from the first to the last (or the last `months`), a
    month with no figure as None."""
    if not series:
        return []
    by_month = {month["period"]: month["value"] for month in series}
    period, first = series[-1]["period"], series[0]["period"]
    values = []
    while period >= first and (months is None or len(values) < months):
        values.append(by_month.get(period))
        period = _previous(period)
    return list(reversed(values))


def sparkline(values: list[float | None]) -> str:
    """A small line of bars, one a month; a month with no number is a space."""
    numbers = [v for v in values if v is not None]
    if not numbers:
        return ""
    low, high = min(numbers), max(numbers)
    span = (high - low) or 1
    return "".join(
        " " if v is None else SPARKS[min(7, int((v - low) / span * 7 + 0.5))] for v in values
    )


# Plain words


def commentary(
    measure: dict[str, Any],
    series: list[dict[str, Any]],
    challenges: list[dict[str, Any]],
    day: dt.date,
) -> list[str]:
    """The sentences a director would write about the measure as of `day`, each computed
    from the stored readings. Runs of months count calendar months: a month with no
    figure breaks a run, and is named."""
    if not series:
        return ["no figure recorded yet"]
    sentences: list[str] = []
    figures = [month for month in series if month["value"] is not None]
    last = series[-1]
    if last["value"] is None:
        sentences.append(f'no number for {month_name(last["period"])}: "{last["note"]}"')
    if figures:
        sentences.append(_headline(measure, figures[-1]))
        if not measure["context"]:
            sentences += _runs(measure, series)
        stale = months_between(figures[-1]["period"], period_of(day))
        if stale > EXPECTED_LAG_MONTHS:
            sentences.append(f"no figure since {month_name(figures[-1]['period'])}")
        missing = _gaps(series, figures[-1]["period"])
        if missing:
            sentences.append("no figure for " + _and(missing))
    for challenge in challenges:
        if challenge["open"]:
            sentences.append(
                f"the {month_name(challenge['period'])} figure is challenged"
                f' ("{challenge["question"]}", raised {format_day(challenge["raised_on"])})'
            )
        elif (
            challenge["cause"] == "late-entry"
            and figures
            and challenge["period"] == figures[-1]["period"]
        ):
            sentences.append(
                f"the {month_name(challenge['period'])} figure was late data entry: the team"
                " should be challenged again"
            )
    return sentences


def _headline(measure: dict[str, Any], month: dict[str, Any]) -> str:
    value = month["value"]
    text = f"{format_value(measure, value)} in {month_name(month['period'])}"
    if measure["context"]:
        text += " (context, not rated)"
    else:
        text += position(measure, value)
    if month["revisions"]:
        last = month["revisions"][-1]
        old = format_value(measure, last["value"]) if last["value"] is not None else "no number"
        text += f" (revised from {old} on {format_day(last['replaced_on'])}: {last['reason']})"
    if month["assurance"] == "claimed":
        text += " (claimed, not yet checked)"
    return text


def position(measure: dict[str, Any], value: float) -> str:
    """Where a figure stands against the floor and target, in words that hold whichever
    way is better: below a floor that is the worst acceptable, or above it."""
    floor, target, better = measure["floor"], measure["target"], measure["better"]
    lower = "" if better == "higher" else " (lower is better)"
    if floor is not None and _worse(better, value, floor):
        side = "below" if better == "higher" else "above"
        return f", {side} the {_threshold(measure, floor)} floor{lower}"
    if floor is not None and value == floor:
        floor_part = f"at the {_threshold(measure, floor)} floor"
    elif floor is not None:
        good_side = "above" if better == "higher" else "better than"
        floor_part = f"{good_side} the {_threshold(measure, floor)} floor"
    else:
        floor_part = ""
    if target is not None and _worse(better, value, target):
        joined = f"{floor_part} but " if floor_part else ""
        return f", {joined}short of the {_threshold(measure, target)} target"
    if target is not None:
        return f", meeting the {_threshold(measure, target)} target"
    return f", {floor_part}" if floor_part else ""


def _threshold(measure: dict[str, Any], value: float) -> str:
    return format_value(measure, value)


def _runs(measure: dict[str, Any], series: list[dict[str, Any]]) -> list[str]:
    """Floor breaches and target misses that are new, or have lasted months: counted over
    calendar months, where a month without a figure ends a run."""
    by_month = {month["period"]: month["value"] for month in series}
    latest = next(m["period"] for m in reversed(series) if m["value"] is not None)
    first = series[0]["period"]
    sentences = []
    for kind, threshold in (("floor", measure["floor"]), ("target", measure["target"])):
        if threshold is None:
            continue

        def missed(value: float | None, threshold: float = threshold) -> bool:
            return value is not None and _worse(measure["better"], value, threshold)

        if not missed(by_month[latest]):
            continue
        if (
            kind == "target"
            and measure["floor"] is not None
            and missed(by_month[latest], measure["floor"])
        ):
            continue  # below the floor says more
        run, month = 0, latest
        while month >= first and missed(by_month.get(month)):
            run += 1
            month = _previous(month)
        if kind == "floor":
            side = "below" if measure["better"] == "higher" else "above"
            name = f"the {_threshold(measure, threshold)} floor"
        else:
            side, name = ("below" if measure["better"] == "higher" else "short of"), "target"
        if run >= 2 and month < first:
            sentences.append(f"{side} {name} in every month on record ({run} months)")
        elif run >= 2:
            sentences.append(f"{side} {name} for the {_ordinal(run)} month running")
        else:
            earlier = [m for m in series if m["period"] < latest and m["value"] is not None]
            before = [m["period"] for m in earlier if missed(m["value"])]
            if earlier and missed(earlier[-1]["value"]):  # a gap between two misses
                sentences.append(
                    f"{side} {name} again after no figure for {month_name(_previous(latest))}"
                )
            elif before:
                sentences.append(
                    f"{side} {name} for the first time since {month_name(before[-1])}"
                )
            elif sum(value is not None for value in by_month.values()) > 1:
                sentences.append(f"{side} {name} for the first time on record")
    return sentences


def _gaps(series: list[dict[str, Any]], latest: str) -> list[str]:
    """Months of the last year up to the latest figure with no figure, or only words."""
    have = {month["period"] for month in series if month["value"] is not None}
    first = series[0]["period"]
    gaps, month = [], latest
    for _ in range(12):
        month = _previous(month)
        if month < first:
            break
        if month not in have:
            gaps.append(month_name(month))
    return list(reversed(gaps))


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _previous(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def _ordinal(number: int) -> str:
    words = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth", "eleventh", "twelfth"]  # fmt: skip
    if number <= len(words):
        return words[number - 1]
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(earlier: str, later: str) -> int:
    return (int(later[:4]) - int(earlier[:4])) * 12 + int(later[5:7]) - int(earlier[5:7])


def _as_of(as_of: str | None) -> dt.date:
    return as_of_day(as_of)


# Challenges


def raise_challenge(
    conn: sqlite3.Connection,
    code: str,
    period: str,
    *,
    question: str,
    by: str,
    on: str | None = None,
    today: dt.date | None = None,
) -> int:
    """Question a month's figure; returns the challenge's id."""
    by = check_actor(by)
    today = today or dt.date.today()
    measure = get_measure(conn, code)
    month = parse_period(period)
    question = one_line(question, "question", 500, required=True)
    day = _event_day(on, today)
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        reading = conn.execute(
            "SELECT 1 FROM readings WHERE measure = ? AND period = ? AND reported_on <= ?",
            [measure["code"], month, day.isoformat()],
        ).fetchone()
        if reading is None:
            raise Refused(
                f"{measure['code']} had no figure for {month_name(month)} on"
                f" {format_day(day.isoformat())} to challenge."
            )
        return conn.execute(
            "INSERT INTO challenges (measure, period, question, raised_on, raised_by,"
            " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [measure["code"], month, question, day.isoformat(), by, stamp, by],
        ).lastrowid


def resolve_challenge(
    conn: sqlite3.Connection,
    challenge_id: int,
    *,
    cause: str,
    answer: str,
    by: str,
    on: str | None = None,
    today: dt.date | None = None,
) -> None:
    """Record what a challenge found: its cause and the answer."""
    by = check_actor(by)
    today = today or dt.date.today()
    slug = vocab.one_of("cause", cause, CAUSES)
    answer = free_text(answer, "answer", 2000)
    if not answer:
        raise InvalidValue("answer", "", "is empty: say what the challenge found.")
    day = _event_day(on, today)
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        row = None
        if 0 < challenge_id < 2**63:
            row = conn.execute("SELECT * FROM challenges WHERE id = ?", [challenge_id]).fetchone()
        if row is None:
            raise NotFound("challenge", challenge_id)
        if row["resolved_on"]:
            raise Refused(
                f"challenge {challenge_id} was resolved already, on"
                f" {format_day(row['resolved_on'])} by {row['resolved_by']}:"
                f" {CAUSE_NAMES[row['cause']]}."
            )
        if day.isoformat() < row["raised_on"]:
            raise InvalidValue(
                "on", on, f"is before the challenge was raised ({row['raised_on']})."
            )
        conn.execute(
            "UPDATE challenges SET cause = ?, answer = ?, resolved_on = ?, resolved_by = ?"
            " WHERE id = ?",
            [slug, answer, day.isoformat(), by, challenge_id],
        )


def challenge_rows(
    conn: sqlite3.Connection,
    *,
    code: str | None = None,
    as_of: str | None = None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """Challenges raised by the end of `as_of`, each open or resolved as it stood then."""
    day = _as_of(as_of).isoformat()
    where = ["raised_on <= :day"]
    if code is not None:
        where.append("measure = :code")
    rows = []
    for row in conn.execute(
        f"SELECT * FROM challenges WHERE {' AND '.join(where)} ORDER BY raised_on, id",
        {"day": day, "code": code},
    ):
        challenge = dict(row)
        resolved = challenge["resolved_on"] is not None and challenge["resolved_on"] <= day
        if not resolved:
            for key in ("cause", "answer", "resolved_on", "resolved_by"):
                challenge[key] = None
        challenge["open"] = not resolved
        challenge["period_name"] = month_name(challenge["period"])
        if open_only and not challenge["open"]:
            continue
        rows.append(challenge)
    return rows


def _event_day(on: str | None, today: dt.date) -> dt.date:
    if on is None:
        return today
    day = parse_day(on, "on")
    if day > today:
        raise InvalidValue("on", on, f"is in the future (today is {today.isoformat()}).")
    return day
