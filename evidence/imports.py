"""Importing many items at once from CSV, JSON, YAML or Excel: all of them, or none.

Rows have the fields of `evidence add` (and of `evidence export`, so an export imports
back). Every row is checked before anything is written, and every bad row is reported
with its number (data rows from 1, the header not counted), column and value. A row whose
`ref` is already in the library updates that item instead of adding another, so running
the same import twice is safe.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db import now, transaction, trial
from evidence import catalog, readers, vocab
from evidence.dates import parse_day
from evidence.errors import EvidenceError, InvalidValue, Refused
from evidence.fields import check_actor, one_line

ADD_FIELDS = (
    "kind",
    "title",
    "date",
    "areas",
    "themes",
    "summary",
    "precision",
    "owner",
    "source",
    "ref",
    "link",
    "marking",
    "review_by",
    "claimed",
    "framework",
)
KEPT_FIELDS = (
    "assurance",
    "verified_by",
    "verified_at",
    "verified_on",
    "status",
    "withdrawn_reason",
    "created_at",
    "created_by",
    "files",
    "id",
)
ALIASES = {"area": "areas", "theme": "themes", "file": "files", "qualifier": "precision"}
LIST_FIELDS = ("areas", "themes", "files")
# Which column a field named in an error comes from.
COLUMN_OF = {
    "area": "areas",
    "theme": "themes",
    "file": "files",
    "by": "created_by",
    "reason": "withdrawn_reason",
}
CACHE_KIB = 512 * 1024
# Kept as typed, spaces around them too; every other cell is stripped.
AS_TYPED = ("title", "summary")


class ImportRejected(EvidenceError):
    """Some rows are wrong: nothing was imported."""

    def __init__(self, path: Path, problems: list[str], bad_rows: int, rows: int) -> None:
        lines = [
            f"{bad_rows} of {rows} rows in {path.name} cannot be imported, so nothing was:",
            *(f"  {problem}" for problem in problems),
        ]
        super().__init__("\n".join(lines))


@dataclass
class Report:
    rows: int = 0
    added: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    encoding: str = "utf-8"
    # Child stories and voice items that may name someone: (row, evidence id, the words).
    doubtful: list[tuple[int, int, list[str]]] = field(default_factory=list)


def import_file(
    conn: sqlite3.Connection,
    path: str | Path,
    *,
    by: str,
    dry_run: bool = False,
    today: dt.date | None = None,
    rows: tuple[list[tuple[int, dict[str, Any]]], str] | None = None,
) -> Report:
    """Add or update every row of `path` in one transaction, or none if any row is bad.

    Each row is checked by the same code as `evidence add` and `evidence edit`, and the
    problems of every bad row are gathered before all is rolled back.
    With `dry_run` the whole import runs and is then rolled back, so its report says
    exactly what an import would do. `rows` is what `read_items(path)` returned, if the
    caller has read the file already.
    """
    path = Path(path)
    rows, encoding = rows or read_items(path)
    from evidence.files import max_bytes

    max_bytes()  # a bad EVIDENCE_MAX_FILE_MB is one error, not one per row
    words = vocab.Vocabulary(conn)
    known = {
        row["ref"]: row
        for row in conn.execute("SELECT id, ref, status FROM evidence WHERE ref IS NOT NULL")
    }
    context = _Context(words, today or dt.date.today(), path.parent, by, now(), dry_run, known)
    report = Report(rows=len(rows), encoding=encoding)
    names = _check_columns([row for _, row in rows])
    # A large import touches many pages once: keep them in memory until the commit rather
    # than spilling them to the write-ahead log one by one.
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    problems: list[str] = []
    bad_rows = 0
    additions: list[tuple[int, catalog.Item]] = []
    updated: list[tuple[int, int]] = []
    with trial(conn, by=by, at=context.stamp, keep=not dry_run):
        for number, raw in rows:
            try:
                # An update writes at once, in a savepoint; an addition is only checked
                # here and written with the others in batches below.
                outcome, result = _apply(conn, _clean(raw, names), number, context)
                if outcome == "added":
                    additions.append((number, result))
                else:
                    getattr(report, outcome).append(result)
                    if outcome == "updated":
                        updated.append((number, result))
            except InvalidValue as error:
                column = COLUMN_OF.get(error.field, error.field)
                problems.append(f"row {number}, column {column}: {error}")
                bad_rows += 1
            except Refused as error:
                problems.append(f"row {number}: {error}")
                bad_rows += 1
        if problems:
            raise ImportRejected(path, problems, bad_rows, len(rows))
        report.added = catalog.insert_items(
            conn, [item for _, item in additions], by=by, stamp=context.stamp
        )
        report.doubtful = _doubtful(conn, additions, report.added, updated)
    return report


def _doubtful(
    conn: sqlite3.Connection,
    additions: list[tuple[int, catalog.Item]],
    added: list[int],
    updated: list[tuple[int, int]],
) -> list[tuple[int, int, list[str]]]:
    """The child stories and voice items imported that may name someone."""
    from evidence import privacy

    doubtful = []
    for (number, item), evidence_id in zip(additions, added, strict=True):
        words = privacy.item_findings(item.row)
        if words:
            doubtful.append((number, evidence_id, words))
    for number, evidence_id in updated:
        record = catalog.get_evidence(conn, evidence_id)
        words = [] if record["cleared_for_print_by"] else privacy.item_findings(record)
        if words:
            doubtful.append((number, evidence_id, words))
    return sorted(doubtful)


@dataclass
class _Context:
    words: vocab.Vocabulary
    today: dt.date
    folder: Path
    by: str
    stamp: str
    dry_run: bool
    known: dict[str, sqlite3.Row]
    refs: dict[str, int] = field(default_factory=dict)


def _apply(
    conn: sqlite3.Connection, row: dict[str, Any], number: int, context: _Context
) -> tuple[str, int]:
    """Check one row and write it if it updates an item: ("updated" | "unchanged", id), or
    ("added", the checked item) for the caller to insert."""
    ref = row.get("ref")
    if ref:
        if ref in context.refs:
            raise InvalidValue(
                "ref", ref, f"appears twice in the file (rows {context.refs[ref]} and {number})."
            )
        context.refs[ref] = number
    # A dry run stores them too, so its report is exact; the rollback removes them.
    files = [_file(conn, entry, context.folder) for entry in row.get("files") or ()]
    status = row.get("status") or "current"
    if status not in ("current", "withdrawn"):
        raise InvalidValue("status", status, "must be current or withdrawn.")
    reason = row.get("withdrawn_reason")
    if status == "withdrawn" and not reason:
        raise InvalidValue("withdrawn_reason", "", "is empty: a withdrawn item needs its reason.")
    assurance = row.get("assurance")
    if assurance not in (None, "claimed", "verified"):
        raise InvalidValue("assurance", assurance, "must be claimed or verified.")
    claimed = assurance == "claimed" or readers.flag(row.get("claimed"), "claimed")
    fields = {name: row[name] for name in ADD_FIELDS if name in row and name != "claimed"}
    existing = context.known.get(ref) if ref else None

    if existing is None:
        for required in ("kind", "title", "date", "areas"):
            if not row.get(required):
                raise InvalidValue(required, "", "is empty: every item needs one.")
        item = catalog.prepare_item(
            context.words,
            today=context.today,
            claimed=claimed,
            **{name: value for name, value in fields.items() if value is not None},
        )
        if not claimed and row.get("verified_by"):
            item.row.update(
                verified_by=check_actor(row["verified_by"], "verified_by"),
                verified_at=_stamp(row.get("verified_at"), "verified_at", context),
                verified_on=_verified_on(row.get("verified_on"), item.row["date"], context),
            )
        if status == "withdrawn":
            item.row.update(
                status="withdrawn",
                withdrawn_reason=one_line(reason, "withdrawn_reason", 1000),
            )
        if row.get("created_by"):
            item.row["created_by"] = check_actor(row["created_by"], "created_by")
        if row.get("created_at"):
            item.row["created_at"] = _stamp(row["created_at"], "created_at", context)
        item.files = files
        return "added", item

    evidence_id = existing["id"]
    if existing["status"] != "current":
        if status == existing["status"]:
            return "unchanged", evidence_id  # withdrawn here and in the file: nothing to do
        raise Refused(
            f"ref '{ref}' is evidence {evidence_id}, which is {existing['status']};"
            " an import cannot bring it back."
        )
    with transaction(conn, by=context.by, at=context.stamp):  # the whole row, or none of it
        # A column present but empty clears that field; a column the file lacks is left alone.
        changes = {name: ("" if value is None else value) for name, value in fields.items()}
        if "themes" in changes and not changes["themes"]:
            changes["themes"] = [""]
        if changes.get("precision") == "":
            changes["precision"] = "exact"
        if changes.get("marking") == "":
            del changes["marking"]  # an empty cell never lowers an item's marking
        # A file that still says "claimed" does not undo a verification made since: the
        # import changes assurance only to record that a claimed item was verified.
        changed = bool(
            catalog.edit_evidence(
                conn,
                evidence_id,
                by=context.by,
                today=context.today,
                files=files,
                words=context.words,
                **changes,
            )
        )
        if (
            assurance == "verified"
            and catalog.get_evidence(conn, evidence_id)["assurance"] == "claimed"
        ):
            catalog.verify_evidence(
                conn,
                evidence_id,
                by=context.by,
                on=row.get("verified_on") or None,
                today=context.today,
            )
            changed = True
        if status == "withdrawn":
            catalog.withdraw_evidence(conn, evidence_id, reason=reason, by=context.by)
            changed = True
        return ("updated" if changed else "unchanged"), evidence_id


def read_items(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], str]:
    """The import file's rows and its encoding, as `readers.read_rows` reads them: a
    sheet whose header names one field twice (area and areas) is refused."""
    return readers.read_rows(path, field_of=_field_name)


def _field_name(key: Any) -> str:
    name = str(key).strip().lower()
    return ALIASES.get(name, name)


def _check_columns(rows: list[dict[str, Any]]) -> dict[Any, str]:
    """The field each column holds; refuses a column that is no field, or a field given
    twice under two names (areas and area)."""
    shapes = list(dict.fromkeys(tuple(row) for row in rows))  # a sheet's rows share one
    for keys in shapes:
        given: dict[str, Any] = {}
        for key in keys:
            name = _field_name(key)
            if name in given:
                raise InvalidValue(
                    "column", key, f"gives the same field as '{given[name]}': keep one of them."
                )
            given[name] = key
    names = {key: _field_name(key) for keys in shapes for key in keys}
    for key, name in names.items():
        if name not in ADD_FIELDS + KEPT_FIELDS:
            raise InvalidValue(
                "column",
                key,
                "is not a field of evidence. Fields: " + ", ".join(ADD_FIELDS + KEPT_FIELDS) + ".",
            )
    return names


def _clean(raw: dict[str, Any], names: dict[Any, str]) -> dict[str, Any]:
    """One row's cells as add's fields: names normalised, blanks None, lists split, every
    value text (a number or date typed into a cell is read as the text it shows)."""
    row: dict[str, Any] = {}
    for key, value in raw.items():
        name = names[key]
        if name in LIST_FIELDS:
            if isinstance(value, str):
                value = [part.strip() for part in value.split(";") if part.strip()]
            elif value is None:
                value = []
            elif not isinstance(value, list):
                value = [value]
            value = [
                entry
                if name == "files" and isinstance(entry, dict)
                else readers.cell_text(entry, name)
                for entry in value
            ]
            value = [entry for entry in value if entry not in (None, "")]
        else:
            value = readers.cell_text(
                value, name, strip=name not in AS_TYPED, yes_no=name == "claimed"
            )
        if value == "":
            value = None
        row[name] = value
    return row


_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def _stamp(value: Any, name: str, context: _Context) -> str:
    """A recorded time from an export: UTC to the second, and not in the future."""
    if value is None:
        return context.stamp
    if not _STAMP.fullmatch(value):
        raise InvalidValue(name, value, "must be a UTC time such as 2026-03-01T09:30:00Z.")
    try:
        dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise InvalidValue(name, value, "is not a real time.") from None
    if value > context.stamp:
        raise InvalidValue(name, value, "is in the future.")
    return value


def _verified_on(value: Any, date: str, context: _Context) -> str | None:
    """The day a claim in the file was checked: a full date, not before the item's own
    date, not in the future; none for an item logged as verified."""
    if value in (None, ""):
        return None
    day = parse_day(str(value), "verified_on")
    if day > context.today:
        raise InvalidValue("verified_on", value, "is in the future.")
    if day.isoformat() < date:
        raise InvalidValue("verified_on", value, f"is before the item's own date ({date}).")
    return day.isoformat()


def _file(conn: sqlite3.Connection, entry: Any, folder: Path):
    """A file named by the row: a path relative to the import file, or an exported
    {name, sha256}. An exported file is linked from the library's own store when it holds
    those bytes already; else it is read from a `files/` store beside the import file (a
    backup's), or by its name beside the import file, and must match its SHA-256."""
    from evidence.files import blob_path, examine, stored

    if not isinstance(entry, dict):
        return examine(_inside(folder, entry))
    name = readers.cell_text(entry.get("name"), "file")
    sha256 = readers.cell_text(entry.get("sha256"), "file")
    if sha256:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise InvalidValue("file", sha256, "is not a SHA-256 (64 hexadecimal digits).")
        kept = stored(conn, sha256, name or sha256[:12])
        if kept is not None:
            return kept
        beside = blob_path(folder / "files", sha256)
        if beside.is_file():
            incoming = examine(beside, name=name)
        else:
            incoming = examine(_inside(folder, name))
        if incoming.sha256 != sha256:
            raise InvalidValue(
                "file",
                name,
                f"beside the import file does not match its SHA-256 ({sha256[:12]}...).",
            )
        return incoming
    return examine(_inside(folder, name))


def _inside(folder: Path, name: str | None) -> Path:
    """The file `name` in the import file's folder or below it, and nowhere else."""
    if not name:
        raise InvalidValue("file", "", "is empty: name a file beside the import file.")
    if "\x00" in name:
        raise InvalidValue("file", name, "is not a file name (it holds a NUL character).")
    path = folder / name
    if not path.resolve().is_relative_to(folder.resolve()):
        raise InvalidValue(
            "file", name, "is outside the import file's folder: files must sit beside it."
        )
    return path
