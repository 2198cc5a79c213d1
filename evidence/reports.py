"""Logging a published Ofsted report whole: the item with the PDF attached, every
judgement as a grade and every recommendation as an action, in one transaction.

`evidence.ofsted` reads the report; this module decides whether it may be logged (not
already in the library, and of the library's own council unless another's is wanted)
and writes it. Recommendations become actions agreed on the report's date, with no due
date and no owner, so none is overdue until someone sets one (`evidence action edit`).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass, replace
from typing import Any

from db import now, transaction
from evidence import catalog, grades
from evidence.dates import format_day, parse_day
from evidence.errors import InvalidValue, Refused
from evidence.fields import check_actor
from evidence.files import Incoming
from evidence.ofsted import FRAMEWORK_NAMES, Pages, Report

# Words a council's name is written with or without: "Birmingham City Council" is
# "Birmingham", and so is "Birmingham Children's Trust".
_COUNCIL_WORDS = re.compile(
    r"\b(?:(?:london|royal|metropolitan)\s+borough\s+of|city\s+and\s+county\s+of|city\s+of|"
    r"county\s+of|borough\s+of|council\s+of\s+the|city|county|borough|metropolitan|district|"
    r"council|children['’]?s\s+trust|children['’]?s\s+services|the|of|and)\b"
)


@dataclass
class Reading:
    """A report read, ready to log: what it says, and its file."""

    report: Report
    pages: Pages
    file: Incoming


def council_key(name: str) -> str:
    """A council's name as compared: case, punctuation and the words around it dropped."""
    words = _COUNCIL_WORDS.sub(" ", name.lower().replace("&", " and "))
    return " ".join(re.sub(r"[^\w\s]", " ", words).split())


def refusal(
    conn: sqlite3.Connection | None,
    reading: Reading,
    *,
    other_council: bool,
    published: dt.date | None,
    earlier: list[Reading] = (),
) -> str | None:
    """Why this report may not be logged, or None: the problem, as the end of a sentence
    that begins with the file."""
    report = reading.report
    if published and report.published and published != report.published:
        return (
            f"prints its publication date, {format_day(report.published.isoformat())}, which"
            f" --published {published.isoformat()} contradicts."
        )
    ended = format_day(report.end.isoformat())
    if published and published < report.end:
        return (
            f"was inspected until {ended}: --published {published.isoformat()} is before its"
            " fieldwork ended."
        )
    today = dt.date.today()
    if report.end > today:
        return f"gives its last day of fieldwork as {ended}, which is in the future."
    if report.published and report.published > today:
        return (
            f"prints its publication date, {format_day(report.published.isoformat())}, which is"
            " in the future."
        )
    for other in earlier:
        if _same(other, reading.file.sha256, report):
            return f"is the same report as {other.report.file}, read above."
    if conn is None:  # a dry run with no library
        return None
    found = already_logged(conn, reading.file.sha256, report)
    if found is not None:
        return f"is already in the library as evidence {found}."
    ours = catalog.setting(conn, "council")
    if ours and council_key(ours) != council_key(report.council) and not other_council:
        return (
            f"is a report on {report.council}, not {ours}: add --other-council to log it as"
            " another council's (the item alone, without grades or actions)."
        )
    return None


def sort_out(
    conn: sqlite3.Connection | None,
    readings: list[Reading | None],
    *,
    other_council: bool,
    published: dt.date | None,
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """Each report read (None: one that could not be), checked against the library (if
    there is one) and the reports before it. Returns an entry for each, with `already`
    saying why it is left alone, if it is; and each refusal, by the report's position, as
    an error line says it."""
    if other_council and not (conn is not None and catalog.setting(conn, "council")):
        # Without the council's own name, every report would be logged as its own, grades
        # and all: the very thing --other-council asks not to be done.
        raise Refused(
            "--other-council needs the library's own council to tell another's from: set it"
            " with `evidence settings --council NAME`."
        )
    done: list[dict[str, Any]] = []
    problems: dict[int, str] = {}
    earlier: list[Reading] = []
    for index, reading in enumerate(readings):
        if reading is None:
            continue
        problem = refusal(
            conn, reading, other_council=other_council, published=published, earlier=earlier
        )
        already = problem is not None and problem.startswith(("is already", "is the same"))
        if problem and not already:
            problems[index] = str(InvalidValue("file", reading.report.file, problem))
        earlier.append(reading)
        done.append({"reading": reading, "already": problem if already else None})
    return done, problems


def log_readings(
    conn: sqlite3.Connection,
    done: list[dict[str, Any]],
    *,
    by: str,
    published: dt.date | None,
    other_council: bool,
) -> None:
    """Log every report not already in the library, all in one transaction; each entry
    gets its item's id and its actions' ids."""
    with transaction(conn, by=by):
        for entry in done:
            if entry["already"] is None:
                entry.update(
                    log_reading(
                        conn,
                        entry["reading"],
                        by=by,
                        published=published,
                        other_council=other_council,
                    )
                )


def _same(other: Reading, sha256: str, report: Report) -> bool:
    return other.file.sha256 == sha256 or (
        council_key(other.report.council) == council_key(report.council)
        and (other.report.start, other.report.end) == (report.start, report.end)
    )


def already_logged(conn: sqlite3.Connection, sha256: str, report: Report) -> int | None:
    """The current item that already holds this report: its file, or a reading of the
    same council's inspection on the same dates."""
    row = conn.execute(
        """
        SELECT evidence.id FROM evidence_files JOIN evidence ON evidence.id = evidence_id
        WHERE evidence_files.sha256 = ? AND evidence.status = 'current'
        ORDER BY evidence.id LIMIT 1
        """,
        [sha256],
    ).fetchone()
    if row:
        return row[0]
    for evidence_id, council in conn.execute(
        """
        SELECT report_readings.evidence_id, report_readings.council
        FROM report_readings JOIN evidence ON evidence.id = report_readings.evidence_id
        WHERE inspection_start = ? AND inspection_end = ? AND evidence.status = 'current'
        ORDER BY report_readings.evidence_id
        """,
        [report.start.isoformat(), report.end.isoformat()],
    ):
        if council_key(council) == council_key(report.council):
            return evidence_id
    return None


def is_other_council(conn: sqlite3.Connection | None, report: Report) -> bool:
    if conn is None:
        return False
    ours = catalog.setting(conn, "council")
    return bool(ours) and council_key(ours) != council_key(report.council)


_INSPECTIONS = {
    "inspection": "inspection",
    "re-inspection": "re-inspection",
    "standard": "standard inspection",
    "short": "short inspection",
}


def title(report: Report) -> str:
    """The item's title: "Ofsted ILACS 2023 standard inspection of Birmingham City
    Council: overall good"."""
    overall = grades.GRADE_NAMES[report.grades["overall"]]
    return (
        f"Ofsted {FRAMEWORK_NAMES[report.framework]} {_INSPECTIONS[report.inspection]} of"
        f" {report.council}: overall {overall}"
    )


def item_day(report: Report, published: dt.date | None) -> dt.date:
    """The item's date: the day the report was published, where it or --published says,
    otherwise the last day of fieldwork."""
    return report.published or published or report.end


def log_reading(
    conn: sqlite3.Connection,
    reading: Reading,
    *,
    by: str,
    published: dt.date | None = None,
    other_council: bool = False,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Write one report, inside the caller's transaction (or its own): the item, its
    grades and its actions, unless it is another council's; returns the item's id and its
    actions' ids."""
    by = check_actor(by)
    report = reading.report
    today = today or dt.date.today()
    day = item_day(report, published)
    others = is_other_council(conn, report)
    fieldwork = f"{format_day(report.start.isoformat())} to {format_day(report.end.isoformat())}"
    printed = f", published {format_day(report.published.isoformat())}" if report.published else ""
    summary = (
        f"Ofsted's report of its {FRAMEWORK_NAMES[report.framework]}"
        f" {_INSPECTIONS[report.inspection]} of {report.council}'s children's services,"
        f" fieldwork {fieldwork}{printed}. Read from the PDF by evidence report:"
        f" {len(report.grades)} judgements and {len(report.recommendations)} recommendations"
        + (", not logged as grades or actions: it is another council's report." if others else ".")
    )
    file = reading.file
    if file.text is None:
        file = replace(file, text=reading.pages.all_text())
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        evidence_id = catalog.add_evidence(
            conn,
            kind="inspection-report",
            title=title(report),
            date=day.isoformat(),
            areas=list(report.grades),
            framework=report.framework,
            summary=summary,
            source=report.council if others else "Ofsted",
            files=[file],
            by=by,
            today=today,
        )
        conn.execute(
            "INSERT INTO report_readings (evidence_id, sha256, council, framework, inspection,"
            " lscb_review, inspection_start, inspection_end, published, other_council,"
            " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                evidence_id,
                file.sha256,
                report.council,
                report.framework,
                report.inspection,
                None if report.lscb_review is None else int(report.lscb_review),
                report.start.isoformat(),
                report.end.isoformat(),
                report.published.isoformat() if report.published else None,
                int(others),
                stamp,
                by,
            ],
        )
        action_ids = []
        inspection_id = None
        if not others:
            from evidence import actions, inspections

            # The inspection whose days hold the fieldwork, if the library kept its week.
            inspection_id = inspections.link_report(
                conn, evidence_id, report.start, report.end, by=by, stamp=stamp
            )

            for code, grade in report.grades.items():
                grades.record_grade(
                    conn, evidence_id, area=code, grade=grade, by=by, framework=report.framework
                )
            for position, recommendation in enumerate(report.recommendations, start=1):
                action_ids.append(
                    actions.add_action(
                        conn,
                        evidence_id,
                        text=recommendation.text,
                        ref=recommendation.number or str(position),
                        areas=[recommendation.area],
                        framework=report.framework,
                        on=day.isoformat(),
                        by=by,
                        today=today,
                    )
                )
    return {
        "item": evidence_id,
        "actions": action_ids,
        "other_council": others,
        "inspection": inspection_id,
    }


def parse_published(value: str | None) -> dt.date | None:
    return parse_day(value, "published") if value else None
