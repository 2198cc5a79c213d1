"""Importing many items at once from CSV, JSON, YAML or Excel: all of them, or none.

Rows have the fields of `evidence add` (and of `evidence export`, so an export imports
back). Every row is checked before anything is written, and every bad row is reported
with its number (data rows from 1, the header not counted), column and value. A row whose
`ref` is already in the library updates that item instead of adding another, so running
the same import twice is safe.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db import now, transaction, trial
from evidence import catalog, vocab
from evidence.dates import parse_day
from evidence.errors import EvidenceError, InvalidValue, Refused

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
FORMATS = {".csv": "CSV", ".json": "JSON", ".yml": "YAML", ".yaml": "YAML", ".xlsx": "Excel"}


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
    exactly what an import would do. `rows` is what `read_rows(path)` returned, if the
    caller has read the file already.
    """
    path = Path(path)
    rows, encoding = rows or read_rows(path)
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
    claimed = assurance == "claimed" or _flag(row.get("claimed"))
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
                verified_by=catalog.check_actor(row["verified_by"], "verified_by"),
                verified_at=_stamp(row.get("verified_at"), "verified_at", context),
                verified_on=_verified_on(row.get("verified_on"), item.row["date"], context),
            )
        if status == "withdrawn":
            item.row.update(
                status="withdrawn",
                withdrawn_reason=catalog.one_line(reason, "withdrawn_reason", 1000),
            )
        if row.get("created_by"):
            item.row["created_by"] = catalog.check_actor(row["created_by"], "created_by")
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
                entry if name == "files" and isinstance(entry, dict) else cell_text(entry, name)
                for entry in value
            ]
            value = [entry for entry in value if entry not in (None, "")]
        else:
            value = cell_text(value, name)
        if value == "":
            value = None
        row[name] = value
    return row


def cell_text(value: Any, name: str) -> str | bool | None:
    """A single value as text; a yes/no field may also be true or false."""
    if type(value) is str:  # nearly every cell: first, and quick
        if "\r" in value:  # Windows line ends inside a quoted CSV cell are line ends
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return value if name in ("title", "summary") else value.strip()
    if value is None:
        return None
    if isinstance(value, bool):
        if name == "claimed":
            return value
        raise InvalidValue(name, value, "must be text, not true or false.")
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # more digits than Python will turn into text
            raise InvalidValue(name, "(a number)", "is too long a number.") from None
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValue(name, value, "is not a number that can be written down.")
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, str):
        return cell_text(str(value), name)
    raise InvalidValue(name, _shown(value), "must be text.")


def _shown(value: Any) -> str:
    """A value that is not text, described without spelling it all out (a YAML file of a
    few hundred bytes can hold a list of millions, or one that contains itself)."""
    if isinstance(value, list):
        return f"(a list of {len(value)})"
    if isinstance(value, dict):
        return f"(a mapping of {len(value)})"
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


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


def _flag(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("yes", "true", "1", "y"):
        return True
    if text in ("no", "false", "0", "n", ""):
        return False
    raise InvalidValue("claimed", value, "must be yes or no.")


def _file(conn: sqlite3.Connection, entry: Any, folder: Path):
    """A file named by the row: a path relative to the import file, or an exported
    {name, sha256}. An exported file is linked from the library's own store when it holds
    those bytes already; else it is read from a `files/` store beside the import file (a
    backup's), or by its name beside the import file, and must match its SHA-256."""
    from evidence.files import blob_path, examine, stored

    if not isinstance(entry, dict):
        return examine(_inside(folder, entry))
    name, sha256 = cell_text(entry.get("name"), "file"), cell_text(entry.get("sha256"), "file")
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


# Reading the file


def read_rows(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], str]:
    """The file's rows, each with its number (data rows from 1, the header not counted;
    blank rows are skipped but keep their number), and the text encoding it was read in."""
    if not path.is_file():
        if path.is_dir():
            problem = "is a folder"
        elif path.exists():
            problem = "is not a regular file (a device or a pipe)"
        else:
            problem = "does not exist"
        raise InvalidValue("file", path, f"{problem}: give the file to import.")
    from evidence.files import max_bytes, size_text

    if path.stat().st_size > max_bytes():
        raise InvalidValue(
            "file",
            path,
            f"is {size_text(path.stat().st_size)}; the limit is {size_text(max_bytes())}"
            " (EVIDENCE_MAX_FILE_MB).",
        )
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InvalidValue("file", path, "is not CSV, JSON, YAML or Excel (.xlsx).")
    if kind == "Excel":
        return _table_rows(path, excel_lines(path)), "xlsx"
    text, encoding = _text(path)
    if kind == "CSV":
        import csv
        import io

        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            lines = list(reader)
        except csv.Error as error:
            # Most often a quote opened and never closed, which would swallow every row
            # after it into one cell.
            raise InvalidValue(
                "file", path, f"is not valid CSV: {error} (line {reader.line_num})."
            ) from None
        return _table_rows(path, lines), encoding
    try:
        if kind == "JSON":
            import json

            data = json.loads(text)
        else:
            data = _load_yaml(text)
    except RecursionError:
        raise InvalidValue("file", path, f"is not valid {kind} (nested too deeply).") from None
    except ValueError as error:  # json.JSONDecodeError
        raise InvalidValue("file", path, f"is not valid {kind} ({error}).") from None
    except Exception as error:  # noqa: BLE001 - yaml's errors share no ValueError base
        raise InvalidValue("file", path, f"is not valid {kind} ({yaml_problem(error)}).") from None
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise InvalidValue("file", path, f"must hold a {kind} list of items.")
    return list(enumerate(data, 1)), encoding


def yaml_problem(error: Exception) -> str:
    """A YAML error in one line: where, and what."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return problem


def read_yaml_file(path: Path, field: str, limit: int = 10 * 1024 * 1024) -> Any:
    """A YAML file of settings or definitions, with YAML's own types (numbers are
    numbers): any problem reading it is an InvalidValue naming the file."""
    import yaml

    regular_file(path, field, limit)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise InvalidValue(field, path, "is not valid YAML (nested too deeply).") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InvalidValue(
            field, path, f"cannot be read as YAML ({yaml_problem(error)})."
        ) from None


def regular_file(path: Path, field: str, limit: int) -> None:
    """Refuse what is not an ordinary file of at most `limit` bytes (a folder, a pipe, a
    device), before reading it."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InvalidValue(field, path, "does not exist.") from None
    except OSError as error:
        raise InvalidValue(field, path, f"cannot be read ({error.strerror}).") from None
    if path.is_dir():
        raise InvalidValue(field, path, "is a folder: give the file.")
    if not path.is_file():
        raise InvalidValue(field, path, "is not a regular file (a device or a pipe).")
    if info.st_size > limit:
        raise InvalidValue(field, path, f"is {info.st_size:,} bytes; the limit is {limit:,}.")


def _load_yaml(text: str) -> Any:
    """YAML with every value read as the text typed: `ref: 0012` stays "0012" (not the
    octal 10), `1:30` stays "1:30" and `on` stays "on"; only an empty value or `null`
    means none."""
    import yaml

    class TextLoader(yaml.SafeLoader):
        pass

    kept = ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")  # and `<<: *defaults`
    TextLoader.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag in kept]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return yaml.load(text, Loader=TextLoader)  # a SafeLoader that resolves only these


def _table_rows(path: Path, lines: list[list[Any]]) -> list[tuple[int, dict[str, Any]]]:
    """A sheet's lines as rows keyed by the header's column names."""
    if not lines:
        return []
    header = [str(cell).strip() if cell is not None else "" for cell in lines[0]]
    seen: dict[str, str] = {}
    for name in header:
        if name:
            field = _field_name(name)
            if field in seen:
                raise InvalidValue(
                    "column", name, f"appears twice in the header (as '{seen[field]}' too)."
                )
            seen[field] = name
    rows = []
    width = len(header)
    named = all(header)
    for number, line in enumerate(lines[1:], 1):
        if (not line or _blank(line[0])) and all(_blank(cell) for cell in line):
            continue  # an empty line, or one of only commas
        if named and len(line) == width:  # the usual row: one cell per named column
            rows.append((number, dict(zip(header, line, strict=True))))
            continue
        extra = [cell for cell in line[len(header) :] if not _blank(cell)]
        if extra:
            raise Refused(
                f"row {number} of {path.name} has {len(line)} cells;"
                f" the header has {len(header)} columns."
            )
        row = {}
        for position, name in enumerate(header):
            cell = line[position] if position < len(line) else None
            if name:
                row[name] = cell
            elif not _blank(cell):
                raise Refused(
                    f"row {number} of {path.name} has a value in column {position + 1},"
                    " which has no name in the header."
                )
        rows.append((number, row))
    return rows


def _blank(cell: Any) -> bool:
    return cell is None or (type(cell) is str and (not cell or cell.isspace()))


def _text(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    head = data[:4096]
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(head) >= 2 and (not any(head[1::2]) or not any(head[0::2]))
    )
    if utf16:
        raise InvalidValue(
            "file", path, "is UTF-16 text (Excel's 'Unicode Text'): save it as CSV UTF-8."
        )
    if b"\x00" in data:
        raise InvalidValue(
            "file",
            path,
            f"holds a NUL byte at position {data.index(0)}: it is not a text file.",
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as error:
        utf8_problem = error
    where = f"byte 0x{data[utf8_problem.start]:02x} at position {utf8_problem.start}"
    # Excel's "CSV (Comma delimited)" saves Windows-1252 on English Windows; take it when
    # every byte is a Windows-1252 character and none of the text is UTF-8 beside it (a
    # file that mixes the two would be misread either way).
    if _UTF8_SEQUENCE.search(data):
        raise InvalidValue(
            "file",
            path,
            f"mixes UTF-8 with another encoding ({where} is not UTF-8): save it as CSV UTF-8.",
        )
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise InvalidValue(
            "file",
            path,
            f"is neither UTF-8 nor Windows-1252 text ({where}): save it as CSV UTF-8.",
        ) from None


# A multi-byte UTF-8 character: a lead byte and its continuation bytes.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def excel_lines(path: Path, read: Callable[[Any], Any] | None = None) -> list[list[Any]]:
    """The first sheet's rows: each cell's value, or what `read` makes of the cell. The
    one way a workbook is opened, for items and for figures alike.

    Every row the sheet holds is read, whatever size it declares: a sheet that says it
    spans A1:D2 over five rows has five. A workbook is a ZIP of XML parts, so a file of a
    few hundred kilobytes can unpack to gigabytes: one that would unpack to more than
    XLSX_UNPACKED_MAX is refused before any of it is unpacked, and so is one whose sheet
    spreads over more than XLSX_CELLS_MAX cells as it is read.
    """
    from openpyxl import load_workbook

    with path.open("rb") as handle:
        _check_unpacked(path, handle)
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # read to the last row there is, not as declared
                return _sheet_lines(path, sheet, read)
            finally:
                workbook.close()
        except InvalidValue:
            raise
        except Exception as error:  # noqa: BLE001 - a damaged workbook fails in many ways
            raise InvalidValue(
                "file",
                path,
                f"cannot be read as an Excel workbook ({type(error).__name__}: {error}).",
            ) from None


# What a workbook may unpack to. Real ones are far smaller: a sheet of 20,000 items is
# about 5 MB of XML, packed 10 to 30 times.
XLSX_UNPACKED_MAX = 50 * 1024 * 1024
# Unpacked to packed, for a part over 1 MB: past it, a part is a ZIP bomb, not a sheet.
XLSX_RATIO_MAX = 100
# The list of a ZIP's parts is read whole before anything else (a few hundred bytes of
# memory for each): 1 MB lists some thousands of parts; a workbook has tens.
XLSX_DIRECTORY_MAX = 1024 * 1024
# Cells of the first sheet as it is read, each row counting at least one: a few bytes of
# XML can place a cell at column XFD (every row then 16,384 cells wide), or at row
# 2,000,000,000.
XLSX_CELLS_MAX = 1_000_000


def _check_unpacked(path: Path, handle: Any) -> None:
    """Refuse a workbook that would unpack to more than XLSX_UNPACKED_MAX, or holds a
    part packed past XLSX_RATIO_MAX, from its ZIP directory alone (which zipfile holds
    each part to: it never unpacks more than a part's stated size)."""
    import zipfile

    from evidence.files import size_text

    limit = size_text(XLSX_UNPACKED_MAX)
    directory = _zip_directory_size(handle)
    if directory is not None and directory > XLSX_DIRECTORY_MAX:
        raise InvalidValue(
            "file",
            path,
            f"lists more parts than any workbook has (a directory of {size_text(directory)};"
            f" the limit is {size_text(XLSX_DIRECTORY_MAX)}): it was not opened.",
        )
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise InvalidValue(
            "file", path, f"cannot be read as an Excel workbook (not a ZIP: {error})."
        ) from None
    unpacked = sum(part.file_size for part in parts)
    if unpacked > XLSX_UNPACKED_MAX:
        raise InvalidValue(
            "file",
            path,
            f"would unpack to {size_text(unpacked)}; a workbook is read only up to {limit}"
            " unpacked: save it as CSV, or split it.",
        )
    for part in parts:
        if part.file_size > 1024 * 1024 and part.file_size > XLSX_RATIO_MAX * part.compress_size:
            raise InvalidValue(
                "file",
                path,
                f"holds a part ({part.filename}) packed more than {XLSX_RATIO_MAX} times,"
                f" as no workbook is (its limit is {limit} unpacked): it was not opened.",
            )
    handle.seek(0)


def _zip_directory_size(handle: Any) -> int | None:
    """The size of a ZIP's directory, as its end record states it (the way zipfile
    finds it); None if there is no end record, which zipfile then reports. A ZIP64
    directory counts as too big: no workbook within the limits needs one."""
    record = b"PK\x05\x06"
    handle.seek(0, 2)
    end = handle.tell()
    handle.seek(max(0, end - 22 - 65535))
    tail = handle.read()
    if tail[-22:-18] == record and tail[-2:] == b"\0\0":
        at = len(tail) - 22
    else:
        at = tail.rfind(record)
        if at < 0 or len(tail) - at < 22:
            return None
    if at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":  # a ZIP64 end locator
        return XLSX_DIRECTORY_MAX + 1
    return int.from_bytes(tail[at + 12 : at + 16], "little")


def _sheet_lines(path: Path, sheet: Any, read: Callable[[Any], Any] | None) -> list[list[Any]]:
    lines: list[list[Any]] = []
    cells = 0
    for line in sheet.iter_rows(values_only=read is None):
        cells += max(1, len(line))
        if cells > XLSX_CELLS_MAX:
            raise InvalidValue(
                "file",
                path,
                f"spreads over more than {XLSX_CELLS_MAX:,} cells (row {len(lines) + 1} and"
                " the rows and columns before it, empty ones too): keep only what is to be"
                " imported, or save it as CSV.",
            )
        lines.append(list(line) if read is None else [read(cell) for cell in line])
    return lines
