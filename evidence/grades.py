"""What inspections judged, and what the council says of itself.

A grade belongs to the inspection report that gave it, and takes that report's date. The
latest grade of an area on a day comes from the newest report, dated by then, that graded
that area: a newer report that did not grade an area leaves the older grade standing,
shown with its own date and report. A self-evaluation is the council's own dated view of
an area, a grade and its reasons in Markdown; each new one is added beside the old.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from db import now, transaction
from evidence import catalog, vocab
from evidence.dates import as_of_day, format_day, format_when, parse_day
from evidence.errors import InvalidValue, Refused
from evidence.fields import check_actor, free_text

GRADES = ("outstanding", "good", "requires-improvement", "inadequate")
GRADE_NAMES = {
    "outstanding": "outstanding",
    "good": "good",
    "requires-improvement": "requires improvement",
    "inadequate": "inadequate",
}
# The SIF's full name for the third grade.
ALIASES = {"requires-improvement-to-be-good": "requires-improvement"}
GRADING_KINDS = ("inspection-report",)
SELF_EVALUATION_MAX = 100_000


def parse_grade(value: str) -> str:
    return vocab.one_of("grade", value, GRADES, ALIASES)


def record_grade(
    conn: sqlite3.Connection,
    source_id: int,
    *,
    area: str,
    grade: str,
    by: str,
    framework: str | None = None,
) -> int:
    """Record the grade an inspection report gave an area; returns its id."""
    by = check_actor(by)
    grade = parse_grade(grade)
    words = vocab.Vocabulary(conn)
    (area_row,) = words.areas_of([area], words.framework(framework))
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        source = catalog.get_evidence(conn, source_id)
        if source["status"] != "current":
            raise Refused(f"evidence {source_id} is {source['status']}; it cannot grade an area.")
        if source["kind"] not in GRADING_KINDS:
            kind = source["kind_name"].lower()
            article = "an" if kind[:1] in "aeiou" else "a"
            raise Refused(
                f"evidence {source_id} is {article} {kind}; grades come from inspection reports."
            )
        existing = conn.execute(
            "SELECT grade, created_by, created_at FROM grades WHERE source_id = ? AND area_id = ?",
            [source_id, area_row["id"]],
        ).fetchone()
        if existing:
            raise InvalidValue(
                "area",
                area,
                f"is already graded {GRADE_NAMES[existing['grade']]} by evidence {source_id}"
                f" (recorded by {existing['created_by']} on"
                f" {format_day(existing['created_at'][:10])}).",
            )
        return conn.execute(
            "INSERT INTO grades (source_id, area_id, grade, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?)",
            [source_id, area_row["id"], grade, stamp, by],
        ).lastrowid


def grade_table(
    conn: sqlite3.Connection,
    *,
    as_of: str | None = None,
    framework: str | None = None,
    history: bool = False,
) -> dict[str, Any]:
    """Each area of the framework with its latest grade as of the end of `as_of` (default
    today), or with `history` every grade, oldest first.

    An area's grades include those given under another framework to an area mapped as
    equal to it (SIF overall effectiveness and ILACS overall effectiveness), each saying
    which framework it was given under. Reports of the latest date are "latest"; any
    other grade is shown as an earlier report's, with its own date and report.
    """
    words = vocab.Vocabulary(conn)
    framework = words.framework(framework)
    day = as_of_day(as_of)
    grades = [
        dict(row)
        for row in conn.execute(
            f"""
            SELECT grades.area_id, grades.grade, grades.source_id, areas.framework,
                   areas.code AS area_code, frameworks.short_name AS framework_name,
                   evidence.title AS source_title, evidence.date, evidence.date_precision
            FROM grades JOIN evidence ON evidence.id = grades.source_id
            JOIN areas ON areas.id = grades.area_id
            JOIN frameworks ON frameworks.slug = areas.framework
            WHERE evidence.status = 'current' AND {catalog.DATE_END_SQL} <= ?
            ORDER BY evidence.date, grades.source_id
            """,
            [day.isoformat()],
        )
    ]
    same = vocab.equal_areas(conn)
    own = [area for area in words.areas if area["framework"] == framework]
    counted = {other for area in own for other in same.get(area["id"], {area["id"]})}
    relevant = [g for g in grades if g["area_id"] in counted]
    latest_date = relevant[-1]["date"] if relevant else None
    reports: dict[int, dict[str, Any]] = {}
    for g in relevant:
        reports.setdefault(
            g["source_id"],
            {
                "source_id": g["source_id"],
                "title": g["source_title"],
                "date": g["date"],
                "date_display": format_when(g["date"], g["date_precision"]),
                "latest": g["date"] == latest_date,
            },
        )
    areas = []
    for area in own:
        family = same.get(area["id"], {area["id"]})
        given = [_grade(g, framework, latest_date) for g in relevant if g["area_id"] in family]
        entry = {
            "code": area["code"],
            "slug": area["slug"],
            "name": area["name"],
            "framework": framework,
        }
        if history:
            entry["grades"] = given
        else:
            entry.update(given[-1] if given else _no_grade())
        areas.append(entry)
    newer = [
        {
            "source_id": g["source_id"],
            "title": g["source_title"],
            "date": g["date"],
            "framework": g["framework"],
        }
        for g in grades
        if g["area_id"] not in counted and (latest_date is None or g["date"] > latest_date)
    ]
    return {
        "as_of": day.isoformat(),
        "framework": framework,
        "reports": sorted(reports.values(), key=lambda r: (r["date"], r["source_id"])),
        "latest_report": next((r for r in reports.values() if r["latest"]), None),
        "newer_elsewhere": list({g["source_id"]: g for g in newer}.values()),
        "areas": areas,
    }


def _grade(row: dict, framework: str, latest_date: str | None) -> dict[str, Any]:
    return {
        "grade": row["grade"],
        "grade_name": GRADE_NAMES[row["grade"]],
        "date": row["date"],
        "date_display": format_when(row["date"], row["date_precision"]),
        "source_id": row["source_id"],
        "source_title": row["source_title"],
        "from_latest_report": row["date"] == latest_date,
        "given_under": None if row["framework"] == framework else row["framework_name"],
    }


def _no_grade() -> dict[str, Any]:
    return dict.fromkeys(
        (
            "grade",
            "grade_name",
            "date",
            "date_display",
            "source_id",
            "source_title",
            "given_under",
        ),
        None,
    ) | {"from_latest_report": False}


# Self-evaluation


def set_self_evaluation(
    conn: sqlite3.Connection,
    area: str,
    *,
    grade: str,
    text: str,
    by: str,
    on: str | None = None,
    framework: str | None = None,
    today: dt.date | None = None,
) -> int:
    """Record the council's view of an area on the day `on` (default today); returns its id.
    Earlier views are kept."""
    by = check_actor(by)
    today = today or dt.date.today()
    grade = parse_grade(grade)
    if text is None or not text.strip():
        raise InvalidValue("text", text or "", "is empty: say why the area merits its grade.")
    text = free_text(text, "text", SELF_EVALUATION_MAX)
    day = parse_day(on, "on") if on else today
    if day > today:
        raise InvalidValue("on", on, f"is in the future (today is {today.isoformat()}).")
    words = vocab.Vocabulary(conn)
    (area_row,) = words.areas_of([area], words.framework(framework))
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        return conn.execute(
            "INSERT INTO self_evaluations (area_id, grade, text, on_date, created_at,"
            " created_by) VALUES (?, ?, ?, ?, ?, ?)",
            [area_row["id"], grade, text, day.isoformat(), stamp, by],
        ).lastrowid


def read_text_file(path: str | Path) -> str:
    """A self-evaluation's Markdown file: UTF-8 text, not empty."""
    from evidence.readers import regular_file

    path = Path(path)
    # Missing, a folder, a pipe or too big for SELF_EVALUATION_MAX characters: refused here.
    regular_file(path, "text_file", SELF_EVALUATION_MAX * 4)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidValue("text_file", path, f"cannot be read ({error.strerror}).") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidValue(
            "text_file",
            path,
            f"is not UTF-8 text (byte 0x{data[error.start]:02x} at position {error.start}):"
            " save it as UTF-8.",
        ) from None
    if not text.strip():
        raise InvalidValue("text_file", path, "is empty.")
    return text.replace("\r\n", "\n")


def self_evaluations(
    conn: sqlite3.Connection,
    area: str | None = None,
    *,
    as_of: str | None = None,
    history: bool = False,
    framework: str | None = None,
) -> list[dict[str, Any]]:
    """The latest self-evaluation of each area (or of `area`) dated by the end of `as_of`,
    in the framework's order; with `history`, every one, oldest first within an area."""
    words = vocab.Vocabulary(conn)
    framework = words.framework(framework)
    day = as_of_day(as_of)
    params: list[Any] = [framework, day.isoformat()]
    only = ""
    if area is not None:
        (area_row,) = words.areas_of([area], framework)
        only = " AND areas.id = ?"
        params.append(area_row["id"])
    rows = [
        dict(row)
        for row in conn.execute(
            f"""
            SELECT self_evaluations.id, areas.code AS area, areas.slug AS area_slug,
                   areas.name AS area_name, areas.framework, self_evaluations.grade,
                   self_evaluations.text, self_evaluations.on_date,
                   self_evaluations.created_by AS by, self_evaluations.created_at
            FROM self_evaluations JOIN areas ON areas.id = self_evaluations.area_id
            WHERE areas.framework = ? AND self_evaluations.on_date <= ?{only}
            ORDER BY areas.position, self_evaluations.on_date, self_evaluations.id
            """,
            params,
        )
    ]
    for row in rows:
        row["grade_name"] = GRADE_NAMES[row["grade"]]
        row["on_display"] = format_day(row["on_date"])
    if history:
        return rows
    latest: dict[str, dict] = {}
    for row in rows:
        latest[row["area"]] = row  # rows are oldest first: the last one wins
    return list(latest.values())
