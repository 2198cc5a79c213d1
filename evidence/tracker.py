"""The action tracker as councils share it: CSV or Excel out, and back in.

One row per action, grouped by source, with the columns a tracker has (source, ref,
action, lead agency, owner, agreed, due, status, RAG, latest note, evidence of
completion). An import reads the same columns, by their heading or field name, and is
all or nothing like `evidence import`: every bad row is named, and one bad row writes
nothing. A row whose source and ref are already an action updates it as of the day its
status is dated, so importing the same tracker again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from db import now, transaction, trial
from evidence import actions, readers, vocab
from evidence.dates import parse_day
from evidence.errors import EvidenceError, InvalidValue
from evidence.exports import FORMULA_PREFIXES, write_file, write_text_file
from evidence.fields import check_actor, one_line

FORMATS = ("csv", "xlsx")
# Field, and its heading in a shared tracker.
COLUMNS = (
    ("source", "Source"),
    ("source_title", "Source title"),
    ("ref", "Ref"),
    ("text", "Action"),
    ("agency", "Lead agency"),
    ("owner", "Owner"),
    ("areas", "Areas"),
    ("agreed_on", "Agreed"),
    ("due_on", "Due"),
    ("status", "Status"),
    ("status_on", "Status since"),
    ("rag", "RAG"),
    ("note", "Latest note"),
    ("evidence", "Evidence of completion"),
)
# Columns an export writes that an import reads past: they are worked out, not given.
DERIVED = ("source_title", "rag")


def heading_key(heading: str) -> str:
    """`Rec No.`, `rec_no` and `REC-NO` alike: `rec-no`."""
    return "-".join(re.findall(r"[a-z0-9]+", heading.lower()))


# Headings councils' own trackers use, beside the ones an export writes.
_BY_HEADING = {
    heading_key(name): field for field, heading in COLUMNS for name in (heading, field)
} | {
    heading_key(name): field
    for field, names in {
        "ref": ("Rec No", "Rec", "Recommendation number", "Ref No", "Reference", "No", "Number"),
        "text": ("Recommendation", "Action text", "Action required", "Description"),
        "agency": ("Agency", "Lead organisation", "Organisation"),
        "owner": ("Action owner", "Lead officer", "Responsible officer", "Lead", "Owner role"),
        "agreed_on": ("Date agreed", "Agreed on", "Start date"),
        "due_on": ("Due date", "Target date", "Deadline", "Completion date due"),
        "status": ("Progress status", "Current status"),
        "status_on": ("Status date", "Last updated", "Updated"),
        "rag": ("RAG rating", "RAG status", "Rating"),
        "note": ("Progress", "Comments", "Comment", "Update", "Latest update", "Progress update"),
        "evidence": ("Completion evidence", "Evidence"),
        "areas": ("Area", "Judgement area", "Judgement areas"),
    }.items()
    for name in names
}
RAG_FILLS = {"red": "F4B6B6", "amber": "FBE3A6", "green": "C6E8C6"}


# Export


def export_row(action: dict[str, Any], source_refs: dict[int, str | None]) -> dict[str, Any]:
    note = action["latest_note"]
    return {
        "source": source_refs.get(action["source_id"]) or str(action["source_id"]),
        "source_title": action["source_title"],
        "ref": action["ref"],
        "text": action["text"],
        "agency": action["agency"],
        "owner": action["owner"],
        "areas": ";".join(action["areas"]),
        "agreed_on": action["agreed_on"],
        "due_on": action["due_on"],
        "status": action["status"],
        "status_on": action["status_on"],
        "rag": action["rag"] or "closed",
        "note": note["note"] if note else None,
        "evidence": ";".join(
            source_refs.get(evidence_id) or str(evidence_id) for evidence_id in action["evidence"]
        ),
    }


def rows_for(conn: sqlite3.Connection, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    refs = {row[0]: row[1] for row in conn.execute("SELECT id, ref FROM evidence")}
    return [export_row(action, refs) for action in found]


def write_csv(rows: list[dict[str, Any]], out: IO[str]) -> None:
    """CSV with the tracker's headings; text a spreadsheet would run as a formula is
    neutralised with a leading apostrophe (which an import takes off again)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([heading for _, heading in COLUMNS])
    for row in rows:
        writer.writerow([_neutral(row[field]) for field, _ in COLUMNS])


def write(rows: list[dict[str, Any]], path: Path, kind: str, *, work: Path | None = None) -> None:
    """Write the tracker to `path` whole, or not at all, by way of a temporary file in the
    command's `work` folder (see evidence.disk)."""
    if kind == "csv":
        write_text_file(path, lambda out: write_csv(rows, out), work=work)
    else:
        write_file(path, lambda temporary: write_xlsx(rows, temporary), work=work)


def write_xlsx(rows: list[dict[str, Any]], path: Path) -> None:
    """An Excel tracker: headings frozen and filterable, dates as dates, RAG coloured,
    every text cell stored as text (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Actions"
    sheet.append([heading for _, heading in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    dates = {"agreed_on", "due_on", "status_on"}
    for row in rows:
        values = []
        for field, _ in COLUMNS:
            value = row[field]
            if field in dates and value:
                value = dt.date.fromisoformat(value)
            values.append(value)
        sheet.append(values)
        line = sheet.max_row
        for column, (field, _) in enumerate(COLUMNS, 1):
            cell = sheet.cell(line, column)
            if isinstance(cell.value, str):
                cell.data_type = "s"  # "=1+1" stays text: openpyxl would make it a formula
            if field in dates and cell.value:
                cell.number_format = "dd mmm yyyy"
            if field == "text":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if field == "rag" and row["rag"] in RAG_FILLS:
                cell.fill = PatternFill("solid", fgColor=RAG_FILLS[row["rag"]])
    widths = {"text": 60, "source_title": 30, "note": 40, "owner": 20, "agency": 18}
    for column, (field, heading) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(column)].width = widths.get(
            field, max(10, len(heading) + 2)
        )
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    workbook.save(path)


def _neutral(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value


# Import


@dataclass
class Report:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


class TrackerRejected(EvidenceError):
    def __init__(self, path: Path, problems: list[str], bad_rows: int, rows: int) -> None:
        lines = [
            f"{bad_rows} of {rows} rows in {path.name} cannot be imported, so nothing was:",
            *(f"  {problem}" for problem in problems),
        ]
        super().__init__("\n".join(lines))


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The file's rows with their numbers (data rows from 1), keyed by field."""
    rows, _ = readers.read_rows(Path(path))
    named = []
    for number, row in rows:
        fields: dict[str, Any] = {}
        for key, value in row.items():
            field = _BY_HEADING.get(heading_key(str(key)))
            if field is None:
                raise InvalidValue(
                    "column",
                    key,
                    "is not a column of the tracker. Columns: "
                    + ", ".join(heading for _, heading in COLUMNS)
                    + ".",
                )
            if field in fields:
                raise InvalidValue("column", key, "gives a field another column gives too.")
            fields[field] = value
        named.append((number, fields))
    return named


def import_actions(
    conn: sqlite3.Connection,
    path: Path,
    rows: list[tuple[int, dict[str, Any]]],
    *,
    by: str,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> Report:
    """Add or update every row's action in one transaction, or none if any row is bad."""
    by = check_actor(by)
    today = today or dt.date.today()
    report = Report()
    problems: list[str] = []
    bad_rows = 0
    seen: dict[tuple[int, str], int] = {}
    with trial(conn, by=by, at=now(), keep=not dry_run):
        for number, raw in rows:
            try:
                with transaction(conn, by=by):  # the row, or none of it
                    outcome = _import_row(conn, _clean(raw), number, seen, by, today)
                setattr(report, outcome, getattr(report, outcome) + 1)
            except InvalidValue as error:
                problems.append(f"row {number}, column {_column(error.field)}: {error}")
                bad_rows += 1
            except EvidenceError as error:
                problems.append(f"row {number}: {error}")
                bad_rows += 1
        if problems:
            raise TrackerRejected(path, problems, bad_rows, len(rows))
    return report


def _column(field: str) -> str:
    return {"on": "status_on", "due": "due_on", "area": "areas"}.get(field, field)


def _clean(raw: dict[str, Any]) -> dict[str, Any]:
    row = {}
    for field, value in raw.items():
        value = readers.cell_text(value, field)
        if isinstance(value, str):
            if value[:1] == "'" and value[1:2] in FORMULA_PREFIXES:
                value = value[1:]  # an exported cell's neutralising apostrophe
            if field not in ("text", "note"):
                value = value.strip()
        row[field] = value if value != "" else None
    return row


def _import_row(
    conn: sqlite3.Connection,
    row: dict[str, Any],
    number: int,
    seen: dict[tuple[int, str], int],
    by: str,
    today: dt.date,
) -> str:
    source_id = _source_id(conn, row.get("source"))
    ref = row.get("ref")
    if not ref:
        raise InvalidValue(
            "ref",
            "",
            "is empty: each action needs its reference, so a re-run"
            " updates it rather than adding it again.",
        )
    if (source_id, ref) in seen:
        raise InvalidValue(
            "ref",
            ref,
            f"appears twice for this source (rows {seen[source_id, ref]} and {number}).",
        )
    seen[source_id, ref] = number
    if row.get("due_on") and vocab.normalise(row["due_on"]) == "not-set":
        row["due_on"] = None
    for field in ("agreed_on", "due_on", "status_on"):
        if row.get(field):
            row[field] = _day(row[field], field)
    status = actions.parse_status(row["status"]) if row.get("status") else None
    status_on = row.get("status_on")
    evidence_ids = [
        _evidence_id(conn, value)
        for value in (row.get("evidence") or "").split(";")
        if value.strip()
    ]
    existing = conn.execute(
        "SELECT id, agreed_on FROM actions WHERE source_id = ? AND ref = ?", [source_id, ref]
    ).fetchone()
    if existing is None:
        if not row.get("agreed_on"):
            raise InvalidValue("agreed_on", "", "is empty: give the day the action was agreed.")
        areas = [a.strip() for a in (row.get("areas") or "").split(";") if a.strip()]
        try:
            action_id = actions.add_action(
                conn,
                source_id,
                text=row.get("text") or "",
                ref=ref,
                agency=row.get("agency"),
                owner=row.get("owner"),
                on=row["agreed_on"],
                due=row.get("due_on"),
                areas=areas,
                by=by,
                today=today,
            )
        except InvalidValue as error:
            if error.field != "on":
                raise
            raise InvalidValue("agreed_on", error.value, error.problem) from None
        if status not in (None, "not-started") or row.get("note") or evidence_ids:
            _record(
                conn, action_id, status, None, row.get("note"), evidence_ids, status_on, by, today
            )
        return "added"

    action_id = existing["id"]
    if row.get("agreed_on") and row["agreed_on"] != existing["agreed_on"]:
        raise InvalidValue(
            "agreed_on",
            row["agreed_on"],
            f"differs from action {action_id}'s ({existing['agreed_on']}): an import does not"
            " move the day an action was agreed.",
        )
    changed = _edit_fields(conn, action_id, row, by)
    # Compared with the action as it stands now: the tracker says how things are.
    state = actions.get_action(conn, action_id)
    new_status = status if status is not None and status != state["status"] else None
    due = None
    if "due_on" in row and row["due_on"] != state["due_on"]:
        due = row["due_on"] or ""
    latest = state["latest_note"]
    note = row.get("note")
    if note is not None and latest is not None and latest["note"] == note:
        note = None
    linked = [e for e in evidence_ids if e not in state["evidence"]]
    if new_status or due is not None or note or linked:
        # A change is dated by the tracker's "Status since" only when that was changed
        # too; otherwise it is news as of today, never slipped into the past.
        day = status_on if status_on and status_on != state["status_on"] else None
        _record(conn, action_id, new_status, due, note, linked, day, by, today)
        changed = True
    return "updated" if changed else "unchanged"


def _record(conn, action_id, status, due, note, evidence_ids, status_on, by, today) -> None:
    """One update with what changed; one more per further evidence item linked."""
    first = evidence_ids[0] if evidence_ids else None
    actions.update_action(
        conn,
        action_id,
        status=status,
        due=due,
        note=note,
        evidence_id=first,
        on=status_on,
        by=by,
        today=today,
    )
    for evidence_id in evidence_ids[1:]:
        actions.update_action(
            conn, action_id, evidence_id=evidence_id, on=status_on, by=by, today=today
        )


def _edit_fields(conn: sqlite3.Connection, action_id: int, row: dict[str, Any], by: str) -> bool:
    """Text, agency and owner as the tracker has them now; True if any changed."""
    current = conn.execute(
        "SELECT text, agency, owner FROM actions WHERE id = ?", [action_id]
    ).fetchone()
    wanted = {}
    if "text" in row and row["text"] and row["text"] != current["text"]:
        wanted["text"] = actions.action_text(row["text"])
    for field in ("agency", "owner"):
        if field in row and row[field] != current[field]:
            wanted[field] = one_line(row[field], field, 200)
    if not wanted:
        return False
    stamp = now()
    assignments = ", ".join(f"{field} = ?" for field in wanted)
    conn.execute(
        f"UPDATE actions SET {assignments}, updated_at = ?, updated_by = ?,"
        " revision = revision + 1 WHERE id = ?",
        [*wanted.values(), stamp, by, action_id],
    )
    return True


_UK_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def _day(value: str, field: str) -> str:
    """A day as a tracker holds it: 2017-03-31, or 31/03/2017 as UK spreadsheets write it."""
    match = _UK_DAY.fullmatch(value)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            raise InvalidValue(field, value, "is not a real date.") from None
    return parse_day(value, field).isoformat()


def _source_id(conn: sqlite3.Connection, value: str | None) -> int:
    """The source item named by its ref (DEMO-040) or its id (40)."""
    if not value:
        raise InvalidValue("source", "", "is empty: give the evidence id or ref of the source.")
    return _evidence_id(conn, value, "source")


def _evidence_id(conn: sqlite3.Connection, value: str, field: str = "evidence") -> int:
    """An item of evidence named by its ref or its id."""
    value = value.strip()
    row = conn.execute("SELECT id FROM evidence WHERE ref = ?", [value]).fetchone()
    if row is None and value.isdigit():
        row = conn.execute("SELECT id FROM evidence WHERE id = ?", [int(value)]).fetchone()
    if row is None:
        raise InvalidValue(field, value, "is not the id or ref of any evidence.")
    return row[0]
