"""Reading files of rows and cells: CSV, JSON, YAML or Excel, and YAML files of settings.

Nothing here knows what the rows are: imports of evidence, of the action tracker and of
figures, measures, readiness rules and self-evaluations read their files with these and
give what they read its meaning. Every problem is an InvalidValue (or a Refused) naming the
file, and where in it; openpyxl and yaml are imported only by the functions that read
those formats, keeping them off commands that never do.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evidence.errors import InvalidValue, Refused

FORMATS = {".csv": "CSV", ".json": "JSON", ".yml": "YAML", ".yaml": "YAML", ".xlsx": "Excel"}


# Files of rows


def read_rows(
    path: Path, field_of: Callable[[str], str] = str.lower
) -> tuple[list[tuple[int, dict[str, Any]]], str]:
    """The file's rows, each with its number (data rows from 1, the header not counted;
    blank rows are skipped but keep their number), and the text encoding it was read in.

    Refuses what is not a regular file, a file over EVIDENCE_MAX_FILE_MB, one that is not
    CSV, JSON, YAML or Excel (.xlsx) or not valid as its kind, text that is neither UTF-8
    nor Windows-1252, a JSON or YAML file that is not a list of mappings (or `items:`
    holding one), and in a CSV or Excel sheet: two headings that `field_of` reads as the
    same field (by default, one heading given twice in any case), and a row with a value
    beyond the header's columns or under a column with no heading.
    """
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
        return _table_rows(path, excel_lines(path), field_of), "xlsx"
    text, encoding = read_text(path)
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
        return _table_rows(path, lines, field_of), encoding
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


def _table_rows(
    path: Path, lines: list[list[Any]], field_of: Callable[[str], str]
) -> list[tuple[int, dict[str, Any]]]:
    """A sheet's lines as rows keyed by the header's column names."""
    if not lines:
        return []
    header = [str(cell).strip() if cell is not None else "" for cell in lines[0]]
    seen: dict[str, str] = {}
    for name in header:
        if name:
            field = field_of(name)
            if field in seen:
                raise InvalidValue(
                    "column", name, f"appears twice in the header (as '{seen[field]}' too)."
                )
            seen[field] = name
    rows = []
    width = len(header)
    named = all(header)
    for number, line in enumerate(lines[1:], 1):
        if (not line or blank(line[0])) and all(blank(cell) for cell in line):
            continue  # an empty line, or one of only commas
        if named and len(line) == width:  # the usual row: one cell per named column
            rows.append((number, dict(zip(header, line, strict=True))))
            continue
        extra = [cell for cell in line[len(header) :] if not blank(cell)]
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
            elif not blank(cell):
                raise Refused(
                    f"row {number} of {path.name} has a value in column {position + 1},"
                    " which has no name in the header."
                )
        rows.append((number, row))
    return rows


def blank(cell: Any) -> bool:
    """Whether a cell is empty: nothing, or only spaces."""
    return cell is None or (type(cell) is str and (not cell or cell.isspace()))


def read_text(path: Path) -> tuple[str, str]:
    """A text file's text, and the encoding it was read in: UTF-8 (with or without a byte
    order mark), or Windows-1252 as Excel saves CSV on English Windows.

    Refuses UTF-16 text, a NUL byte (a file that is not text), UTF-8 mixed with another
    encoding, and bytes that are neither encoding.
    """
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


# Excel workbooks


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


# Cells


def cell_text(
    value: Any, name: str, *, strip: bool = True, yes_no: bool = False
) -> str | bool | None:
    """A single value of column `name` as text, spaces around it removed if `strip`; in
    a `yes_no` column it may also be true or false. A number or date is the text it shows.

    Refuses true or false in any other column, a number that is infinite, not a number or
    too long to write, and a list, mapping or anything else that is not one value.
    """
    if type(value) is str:  # nearly every cell: first, and quick
        if "\r" in value:  # Windows line ends inside a quoted CSV cell are line ends
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return value.strip() if strip else value
    if value is None:
        return None
    if isinstance(value, bool):
        if yes_no:
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
        return cell_text(str(value), name, strip=strip, yes_no=yes_no)
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


def flag(value: Any, field: str) -> bool:
    """A yes/no value of column `field`: yes, true, 1 or y is yes; no, false, 0, n or
    empty is no (in any case, spaces around ignored). Refuses anything else."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("yes", "true", "1", "y"):
        return True
    if text in ("no", "false", "0", "n", ""):
        return False
    raise InvalidValue(field, value, "must be yes or no.")


# Files of settings


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
