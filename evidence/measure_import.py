"""Importing figures from a performance report: CSV or Excel, long or wide, all or none.

Long: one row per measure and month (columns measure, period, value, and optionally
numerator, denominator, note, reported_on, source, claimed). Wide: one row per measure
and one column per month, as a performance report sheet looks; title rows above the
header (merged or not) and blank rows are skipped. Every bad cell is named (C7), with its
measure and month, and one bad cell imports nothing.

A figure the file gives for a month that already has the same figure changes nothing, so
an import can run again; a different figure is refused: a revision needs its reason
(`evidence measure record ... --revises --reason`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db import trial
from evidence import measures, readers, vocab
from evidence.errors import EvidenceError, InvalidValue, Refused

LONG_COLUMNS = {
    "measure": "measure",
    "code": "measure",
    "indicator": "measure",
    "period": "period",
    "month": "period",
    "value": "value",
    "figure": "value",
    "numerator": "numerator",
    "denominator": "denominator",
    "note": "note",
    "reported-on": "reported_on",
    "reported": "reported_on",
    "source": "source",
    "claimed": "claimed",
}


@dataclass
class Report:
    shape: str
    added: int = 0
    unchanged: int = 0


class ImportRejected(EvidenceError):
    def __init__(self, path: Path, problems: list[str]) -> None:
        lines = [
            (
                f"{len(problems)} cell{'s' if len(problems) != 1 else ''} in {path.name} cannot be"
                " imported, so nothing was:"
            ),
            *(f"  {problem}" for problem in problems),
        ]
        super().__init__("\n".join(lines))


@dataclass
class Cell:
    ref: str  # "C7": the figure's cell
    measure: Any
    period: Any
    fields: dict[str, Any]
    refs: dict[str, str] | None = None  # each field's own cell, in a long sheet

    def at(self, field: str) -> str:
        return (self.refs or {}).get(field, self.ref)


def import_figures(
    conn: sqlite3.Connection,
    path: str | Path,
    *,
    by: str,
    reported_on: str | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> Report:
    """Record every figure in the file, in one transaction, or none if any cell is bad."""
    path = Path(path)
    today = today or dt.date.today()
    lines = read_lines(path)
    shape, cells = _cells(path, lines)
    report = Report(shape)
    problems: list[str] = []
    codes = {row[0]: row[0] for row in conn.execute("SELECT code FROM measures")}
    codes |= {
        vocab.normalise(row[1]): row[0] for row in conn.execute("SELECT code, name FROM measures")
    }
    seen: dict[tuple[str, str], str] = {}
    with trial(conn, by=by, keep=not dry_run):
        for cell in cells:
            where = f"cell {cell.ref}"
            try:
                code = codes.get(vocab.normalise(str(cell.measure or "")))
                if code is None:
                    where = f"cell {cell.at('measure')}"
                    raise InvalidValue("measure", cell.measure or "", "is not a defined measure.")
                where = f"cell {cell.at('period')}"
                month = measures.parse_period(cell.period)
                where = f"cell {cell.ref} ({code}, {measures.month_name(month)})"
                if (code, month) in seen:
                    raise Refused(
                        f"the file gives {code} for {measures.month_name(month)} twice"
                        f" (cells {seen[code, month]} and {cell.ref})."
                    )
                seen[code, month] = cell.ref
                outcome = _record(conn, code, month, cell, reported_on, by, today)
                setattr(report, outcome, getattr(report, outcome) + 1)
            except InvalidValue as error:
                if error.field in ("numerator", "denominator", "note", "reported_on",
                                   "source", "claimed"):  # fmt: skip
                    where = where.replace(cell.ref, cell.at(error.field), 1)
                problems.append(f"{where}: {error}")
            except Refused as error:
                problems.append(f"{where}: {error}")
        if problems:
            raise ImportRejected(path, problems)
    return report


def _record(
    conn: sqlite3.Connection,
    code: str,
    month: str,
    cell: Cell,
    reported_on: str | None,
    by: str,
    today: dt.date,
) -> str:
    fields = cell.fields
    current = conn.execute(
        "SELECT * FROM readings WHERE measure = ? AND period = ? ORDER BY reported_on DESC, id"
        " DESC LIMIT 1",
        [code, month],
    ).fetchone()
    measure = measures.get_measure(conn, code)
    if current is not None:
        shown = fields.get("value")
        if isinstance(shown, ShownAsPercent) and measure["unit"] == "percent":
            shown = round(shown * 100, 6)
        figures = measures._figures(
            measure, shown, fields.get("numerator"), fields.get("denominator")
        )
        value = figures["value"]
        same = (
            value is not None
            and current["value"] is not None
            and abs(value - current["value"]) < 1e-9
        ) or (value is None and fields.get("note") == current["note"])
        if same:
            return "unchanged"
        raise Refused(
            f"{code} already has {measures.describe_reading(measure, current)} for"
            f" {measures.month_name(month)}; a different figure is a revision: record it with"
            " `evidence measure record --revises --reason`."
        )
    day = fields.get("reported_on") or reported_on or _month_after(month, today)
    source = fields.get("source")
    value = fields.get("value")
    if isinstance(value, ShownAsPercent) and measure["unit"] == "percent":
        value = round(value * 100, 6)  # Excel keeps 91% as 0.91
    measures.record_reading(
        conn,
        code,
        month,
        value,
        numerator=fields.get("numerator"),
        denominator=fields.get("denominator"),
        note=fields.get("note"),
        reported_on=day,
        source_id=_source_id(conn, source) if source else None,
        claimed=readers.flag(fields.get("claimed"), "claimed"),
        by=by,
        today=today,
    )
    return "added"


def _month_after(month: str, today: dt.date) -> str:
    """When a month's figure is taken as reported, if the file does not say: the first
    day of the next month (today, if that is still to come)."""
    year, number = int(month[:4]), int(month[5:7])
    first = dt.date(year + number // 12, number % 12 + 1, 1)
    return min(first, today).isoformat()


def _source_id(conn: sqlite3.Connection, value: Any) -> int:
    text = str(value).strip()
    row = conn.execute("SELECT id FROM evidence WHERE ref = ?", [text]).fetchone()
    if row is None and text.isdigit():
        row = conn.execute("SELECT id FROM evidence WHERE id = ?", [int(text)]).fetchone()
    if row is None:
        raise InvalidValue("source", value, "is not the id or ref of any evidence.")
    return row[0]


# Reading the sheet


def read_lines(path: Path) -> list[list[Any]]:
    """The file's rows as lists of cells (CSV text, or Excel values)."""
    if not path.is_file():
        problem = "is a folder" if path.is_dir() else "does not exist"
        raise InvalidValue("file", path, f"{problem}: give the file to import.")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _excel_lines(path)
    if suffix != ".csv":
        raise InvalidValue("file", path, "is not CSV or Excel (.xlsx).")
    import csv
    import io

    text, _ = readers.read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return list(reader)
    except csv.Error as error:
        raise InvalidValue(
            "file", path, f"is not valid CSV: {error} (line {reader.line_num})."
        ) from None


class ShownAsPercent(float):
    """A number Excel shows as a percentage: 0.91 shown as 91%."""


def _excel_lines(path: Path) -> list[list[Any]]:
    """The first sheet's values, a number formatted as a percentage marked as such."""
    return readers.excel_lines(path, read=_shown)


def _shown(cell: Any) -> Any:
    value = cell.value
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and "%" in (getattr(cell, "number_format", "") or "")
    ):
        return ShownAsPercent(value)
    return value


MEASURE_HEADINGS = ("measure", "code", "indicator", "measure-name", "kpi")


def _cells(path: Path, lines: list[list[Any]]) -> tuple[str, list[Cell]]:
    """The figures the sheet holds, each with its cell reference."""
    for number, line in enumerate(lines):
        months = {i: _month(cell) for i, cell in enumerate(line)}
        months = {i: month for i, month in months.items() if month}
        names = {
            i: LONG_COLUMNS.get(vocab.normalise(str(cell)))
            for i, cell in enumerate(line)
            if cell is not None
        }
        names = {i: name for i, name in names.items() if name}
        headed = any(
            isinstance(cell, str) and vocab.normalise(cell) in MEASURE_HEADINGS for cell in line
        )
        if len(months) >= 2 or (months and headed):
            return "wide", _wide(lines, number, months)
        if {"measure", "period"} <= set(names.values()):
            return "long", _long(path, lines, number, names)
    raise InvalidValue(
        "file",
        path,
        "has no header: give columns measure, period and value (long), or a measure column"
        " and one column per month (wide).",
    )


def _wide(lines: list[list[Any]], header: int, months: dict[int, str]) -> list[Cell]:
    measure_column = min(i for i in range(len(lines[header]) + 1) if i not in months)
    cells = []
    for number in range(header + 1, len(lines)):
        line = lines[number]
        if all(readers.blank(cell) for cell in line):
            continue
        measure = line[measure_column] if measure_column < len(line) else None
        for column, month in months.items():
            value = line[column] if column < len(line) else None
            if readers.blank(value):
                continue
            cells.append(Cell(_ref(column, number), measure, month, {"value": _text(value)}))
    return cells


def _long(path: Path, lines: list[list[Any]], header: int, names: dict[int, str]) -> list[Cell]:
    cells = []
    value_column = next((i for i, name in names.items() if name == "value"), None)
    for number in range(header + 1, len(lines)):
        line = lines[number]
        if all(readers.blank(cell) for cell in line):
            continue
        fields, refs = {}, {}
        for i, name in names.items():
            if i < len(line) and not readers.blank(line[i]):
                fields[name] = line[i] if name == "period" else _text(line[i])
                refs[name] = _ref(i, number)
        ref = _ref(value_column if value_column is not None else 0, number)
        cells.append(
            Cell(ref, fields.pop("measure", None), fields.pop("period", ""), fields, refs)
        )
    return cells


def _month(cell: Any) -> str | None:
    if isinstance(cell, dt.date):
        return measures.parse_period(cell)
    if not isinstance(cell, str) or not cell.strip():
        return None
    try:
        return measures.parse_period(cell)
    except InvalidValue:
        return None


def _text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _ref(column: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column + 1)}{row + 1}"
