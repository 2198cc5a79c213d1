"""Reading what the Department for Education publishes: one Explore Education Statistics
CSV file (a figure for England, each region and each council, year by year), and the
statistical neighbour model (each council's ten nearest councils).

The readers follow the conventions the published files share, never one file's layout:
columns are found by name in any order; a byte-order mark is allowed; `time_period` is a
reporting year (2025) or an academic year (202425, shown 2024/25); `geographic_level` says
whether a row is England's, a region's or a council's; a value may be a letter rather than
a number, and is kept as its letter, never read as 0. Nothing here writes: the command
that imports a file stores what these return.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from evidence.errors import EvidenceError, InvalidValue

# The letters DfE publishes in place of a number, and what each means. None is zero.
LETTERS = {
    "c": "not published, to protect confidentiality",
    "x": "not available",
    "z": "not applicable",
    "u": "not published: too unreliable",
    "low": "rounds to zero, but is not zero",
    "k": "rounds to zero, but is not zero",
}
LEVELS = {"national": "england", "regional": "region", "local authority": "council"}
NEEDED = ("time_period", "geographic_level")
NEIGHBOURS = 10
MAX_ROWS = 2_000_000
MAX_BYTES = 1024 * 1024 * 1024  # DfE's largest files by local authority are a few hundred MB
MAX_LINE = 1024 * 1024
MAX_COLUMNS = 1_000
NAME_MAX = 200


@dataclass(frozen=True)
class Figure:
    """One published figure: a year, a place (England, a region or a council), and its
    value, or the letter published in its place."""

    year: str
    level: str  # england, region or council
    code: str  # E92000001, E12000008, or a council's old three-digit code (869)
    name: str
    value: float | None
    letter: str | None
    region_code: str | None = None
    new_code: str | None = None  # a council's E-code (E06000037)


@dataclass(frozen=True)
class Published:
    """The figures of one value column of one file, with the filters that picked them."""

    path: Path
    column: str
    where: tuple[tuple[str, str], ...]
    figures: tuple[Figure, ...]

    def years(self) -> list[str]:
        return sorted({figure.year for figure in self.figures}, reverse=True)

    def of(self, code: str, year: str) -> Figure | None:
        for figure in self.figures:
            if figure.code == code and figure.year == year:
                return figure
        return None


def read_published(
    path: str | Path, value: str, where: Mapping[str, str] | None = None
) -> Published:
    """The `value` column of the file at `path`, for each year and place, in the rows
    whose columns hold what `where` says (`{"breakdown": "Accommodation considered
    suitable"}`). Refuses a file without the columns every published file has, a value
    column it does not have (naming the closest), a filter that matches no row, a value
    that is neither a number nor one of DfE's letters, and two rows for one place and year
    (the filters are not enough to pick one)."""
    path = Path(path)
    with _rows(path) as (header, rows):
        return _read(path, header, rows, value, where)


def _read(path: Path, header: list[str], rows, value: str, where) -> Published:
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    for needed in NEEDED:
        if needed not in columns:
            raise InvalidValue(
                "file",
                path,
                f"has no {needed} column: it is not a file as Explore Education Statistics"
                " publishes them.",
            )
    column = _column(path, header, columns, value, "--value")
    if column.lower() in (*NEEDED, "time_identifier") or column.lower().endswith(
        ("_code", "_name")
    ):
        raise InvalidValue(
            "--value", value, "names a place or a time, not a figure: give the column of the"
            " figure.",
        )  # fmt: skip
    if column.lower().endswith("_count"):
        raise InvalidValue(
            "--value",
            value,
            "is a count: a total, which grows with a council's size and cannot be set beside"
            " another council's, the region's or England's. Give the column of the rate or"
            " percentage instead.",
        )
    filters = tuple(
        (_column(path, header, columns, name, "--where"), wanted.strip())
        for name, wanted in (where or {}).items()
    )
    figures: dict[tuple[str, str], Figure] = {}
    seen: dict[tuple[str, str], tuple[int, dict[str, str]]] = {}
    matched = 0
    for number, row in rows:
        cells = {name: row[index].strip() if index < len(row) else "" for name, index in
                 columns.items()}  # fmt: skip
        if any(cells[name.lower()] != wanted for name, wanted in filters):
            continue
        matched += 1
        level = LEVELS.get(cells["geographic_level"].lower())
        if level is None:  # a local authority district, a parliamentary constituency...
            continue
        if not cells[column.lower()]:  # no figure at all: the place has none that year
            continue
        figure = _figure(path, number, cells, level, column)
        key = (figure.year, figure.code)
        if key in figures:
            line, first = seen[key]
            differ = [
                f"{header[index].strip()} ({first[name]!r} or {cells[name]!r})"
                for name, index in columns.items()
                if first[name] != cells[name] and not _numeric(first[name])
            ]
            if not differ:
                raise InvalidValue(
                    "file", path, f"gives {figure.name}'s {figure.year} {column} twice (rows"
                    f" {line} and {number}).",
                )  # fmt: skip
            raise InvalidValue(
                "file",
                path,
                f"has more than one {column} for {figure.name} in {figure.year}: its rows"
                f" differ in {', '.join(differ[:3])}. Pick one with --where COLUMN=VALUE.",
            )
        figures[key] = figure
        seen[key] = (number, cells)
    if filters and not matched:
        shown = " and ".join(f"{name}={wanted}" for name, wanted in filters)
        raise InvalidValue("--where", shown, f"matches no row of {path.name}.")
    if not figures:
        raise InvalidValue(
            "file", path, f"has no {column} for England, a region or a council (its rows are"
            " of other places, or empty).",
        )  # fmt: skip
    return Published(path, column, filters, tuple(figures.values()))


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"-?[0-9][0-9,]*(\.[0-9]+)?", text)) or text.lower() in LETTERS


@contextmanager
def _rows(path: Path) -> Iterator[tuple[list[str], Iterator[tuple[int, list[str]]]]]:
    """The file's header and its rows (each with its line number), read as they are
    used: a file of any size takes the memory of one line. Refuses what is not an
    ordinary file, one over MAX_BYTES, a line over MAX_LINE characters or a row of
    more cells than the header has columns."""
    from evidence.readers import regular_file

    regular_file(path, "file", MAX_BYTES)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(_lines(path, handle))
            header = next(reader, None)
            if not header or not any(cell.strip() for cell in header):
                raise InvalidValue("file", path, "is empty.")
            if len(header) > MAX_COLUMNS:
                raise InvalidValue(
                    "file", path, f"has {len(header):,} columns; the limit is {MAX_COLUMNS:,}."
                )

            def rows() -> Iterator[tuple[int, list[str]]]:
                count = 0
                for row in reader:
                    if len(row) > len(header):
                        raise InvalidValue(
                            "file", path, f"row {reader.line_num} has {len(row)} cells, more"
                            f" than the {len(header)} columns its header names.",
                        )  # fmt: skip
                    count += 1
                    if count > MAX_ROWS:
                        raise InvalidValue(
                            "file", path, f"has more than {MAX_ROWS:,} rows: it is not one figure."
                        )
                    if any(cell.strip() for cell in row):
                        yield reader.line_num, row

            yield header, rows()
    except UnicodeDecodeError:
        raise InvalidValue("file", path, "is not text in UTF-8, as DfE publishes.") from None
    except csv.Error as error:
        raise InvalidValue("file", path, f"is not CSV that can be read ({error}).") from None
    except OSError as error:
        raise InvalidValue("file", path, f"cannot be read ({error.strerror}).") from None


def _lines(path: Path, handle) -> Iterator[str]:
    """The file's lines, refusing one too long to be a row of published figures."""
    while True:
        line = handle.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE and not line.endswith("\n"):
            raise InvalidValue(
                "file", path, f"has a line over {MAX_LINE:,} characters: it is not a CSV of"
                " published figures.",
            )  # fmt: skip
        yield line


def _column(path: Path, header: list[str], columns: dict[str, int], name: str, field: str) -> str:
    """A column by its name, in any case; an error listing the file's columns, the
    closest to `name` first."""
    import difflib

    found = columns.get(name.strip().lower())
    if found is not None:
        return header[found].strip()
    names = [column.strip() for column in header]
    ranked = sorted(
        names,
        key=lambda column: -difflib.SequenceMatcher(None, name.lower(), column.lower()).ratio(),
    )
    raise InvalidValue(
        field, name, f"is not a column of {path.name}. Its columns, closest first: "
        + ", ".join(ranked) + ".",
    )  # fmt: skip


def _figure(path: Path, number: int, cells: dict[str, str], level: str, column: str) -> Figure:
    year = _year(path, number, cells["time_period"])
    if level == "england":
        code, name = (
            cells.get("country_code") or "E92000001",
            cells.get("country_name") or "England",
        )
    elif level == "region":
        code, name = cells.get("region_code", ""), cells.get("region_name", "")
    else:
        code, name = cells.get("old_la_code", ""), cells.get("la_name", "")
    if not code:
        raise InvalidValue("file", path, f"row {number} is a {level}'s and names no code for it.")
    if len(code) > 40 or not re.fullmatch(r"[A-Za-z0-9 /,&-]+", code, re.ASCII):
        raise InvalidValue(  # DfE's codes: E92000001, 869, and "940 / 941" for a merger
            f"{level} code", code[:40], f"on row {number} of {path.name} is not a code DfE uses."
        )
    name = _name(name, "name", number, path)
    for field in ("region_code", "new_la_code"):
        other = cells.get(field, "")
        if other and not re.fullmatch(r"[A-Za-z0-9 /,&-]{1,40}", other, re.ASCII):
            raise InvalidValue(
                field, other[:40], f"on row {number} of {path.name} is not a code DfE uses."
            )
    value, letter = _value(path, number, cells[column.lower()], column)
    return Figure(
        year=year,
        level=level,
        code=code,
        name=name or code,
        value=value,
        letter=letter,
        region_code=cells.get("region_code") or None,
        new_code=cells.get("new_la_code") or None,
    )


def _year(path: Path, number: int, text: str) -> str:
    """2025 (a reporting or financial year, by its end) or 202425 (an academic year,
    shown 2024/25)."""
    if re.fullmatch(r"(19|20)[0-9]{2}", text):
        return text
    found = re.fullmatch(r"((?:19|20)[0-9]{2})([0-9]{2})", text)
    if found and (int(found.group(1)) + 1) % 100 == int(found.group(2)):
        return f"{found.group(1)}/{found.group(2)}"
    raise InvalidValue(
        "time_period", text, f"on row {number} of {path.name} is not a year (2025 or 202425)."
    )


def _value(path: Path, number: int, text: str, column: str) -> tuple[float | None, str | None]:
    """A number, or the letter published in its place."""
    import math

    letter = text.lower()
    if letter in LETTERS:
        return None, letter
    # Digits as DfE writes them: 21.7, -3, 1,234 or 1,234.5; never a decimal comma (41,0)
    # nor digits of other scripts.
    if re.fullmatch(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?", text, re.ASCII):
        value = float(text.replace(",", ""))
    else:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidValue(
            column,
            text,
            f"on row {number} of {path.name} is neither a number nor one of the letters DfE"
            f" publishes ({', '.join(LETTERS)}).",
        )
    return value, None


# The statistical neighbour model


@dataclass(frozen=True)
class Neighbour:
    code: str  # the old three-digit code
    closeness: str  # as the model says it: Very close, Close, Somewhat close


@dataclass(frozen=True)
class Model:
    """A statistical neighbour model: each council's nearest councils, nearest first."""

    path: Path
    year: str | None
    names: dict[str, str]
    neighbours: dict[str, tuple[Neighbour, ...]]


def read_neighbours(path: str | Path, year: str | None = None) -> Model:
    """The model in the file at `path` (wide: a row a council, `SN_1` to `SN_10` its
    neighbours' old codes, `SN_1P`... how close each is), of `year`, or the year in the
    file's name (sn_model_2025_wide.csv)."""
    path = Path(path)
    with _rows(path) as (header, rows):
        return _read_model(path, header, rows, year)


def _read_model(path: Path, header: list[str], rows, year: str | None) -> Model:
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    for needed in ("old_la_code", "sn_1"):
        if needed not in columns:
            raise InvalidValue(
                "file",
                path,
                f"has no {needed} column: it is not a statistical neighbour model in its"
                " wide form (old_la_code, la_name, SN_1 ... SN_10).",
            )
    if year is None:
        found = re.search(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])", path.name)
        year = found.group(1) if found else None
    names: dict[str, str] = {}
    neighbours: dict[str, tuple[Neighbour, ...]] = {}
    for number, row in rows:
        cells = {name: row[index].strip() if index < len(row) else "" for name, index in
                 columns.items()}  # fmt: skip
        code = cells["old_la_code"]
        if not re.fullmatch(r"[0-9]{3}", code):
            raise InvalidValue(
                "old_la_code", code, f"on row {number} of {path.name} is not a three-digit code."
            )
        if code in neighbours:
            raise InvalidValue(
                "old_la_code", code, f"is given twice in {path.name} (row {number})."
            )
        names[code] = _name(cells.get("la_name"), "la_name", number, path) or code
        near: list[Neighbour] = []
        for rank in range(1, NEIGHBOURS + 1):
            other = cells.get(f"sn_{rank}", "")
            if not other:
                continue
            if not re.fullmatch(r"[0-9]{3}", other) or other == code:
                raise InvalidValue(
                    f"SN_{rank}", other, f"on row {number} of {path.name} is not another"
                    " council's three-digit code.",
                )  # fmt: skip
            if any(earlier.code == other for earlier in near):
                raise InvalidValue(
                    f"SN_{rank}", other, f"on row {number} of {path.name} is given twice"
                    f" among {code}'s neighbours.",
                )  # fmt: skip
            closeness = _name(cells.get(f"sn_{rank}p"), f"SN_{rank}P", number, path)
            near.append(Neighbour(other, closeness or ""))
        neighbours[code] = tuple(near)
    return Model(path, year, names, neighbours)


def _name(text: str | None, field: str, number: int, path: Path) -> str | None:
    """A place's name (or a closeness) as the file gives it: one line of plain text,
    with no control character or mark that reorders text, of at most NAME_MAX."""
    from evidence.fields import file_name

    if not text:
        return None
    try:
        file_name(text)  # one line, no controls, no marks that set the direction of text
    except InvalidValue as error:
        raise InvalidValue(field, error.value, f"on row {number} of {path.name}"
                           f" {error.problem}") from None  # fmt: skip
    if len(text) > NAME_MAX:
        raise InvalidValue(field, text[:40] + "…", f"on row {number} of {path.name} is"
                           f" {len(text)} characters long; the limit is {NAME_MAX}.")  # fmt: skip
    return text


# The council's codes, and its neighbours in the library


def council_code(value: str) -> tuple[str, str]:
    """`evidence settings --council-code`: the setting a code is kept under, and the code:
    a council's old three-digit code (869) or its E-code (E06000037)."""
    text = value.strip()
    if re.fullmatch(r"[0-9]{3}", text):
        return "council_code", text
    if re.fullmatch(r"[Ee][0-9]{8}", text):
        return "council_new_code", text.upper()
    raise InvalidValue(
        "--council-code",
        value,
        "must be the council's three-digit code, such as 869, or its E-code, such as"
        " E06000037 (both are in DfE's files: old_la_code and new_la_code).",
    )


def our_code(conn) -> str | None:
    """The library's own council by its three-digit code: as set, or found from its
    E-code in the published figures (new_la_code); None when neither tells."""
    from evidence import catalog

    code = catalog.setting(conn, "council_code")
    if code is not None:
        return code
    new = catalog.setting(conn, "council_new_code")
    if new is None:
        return None
    row = conn.execute(
        "SELECT code FROM published_figures WHERE new_code = ? AND level = 'council'"
        " ORDER BY published_on DESC, id DESC LIMIT 1",
        [new],
    ).fetchone()
    return row[0] if row else None


def import_neighbours(conn, path: str | Path, *, by: str, year: str | None = None) -> dict:
    """Keep the statistical neighbour model in the file at `path`; a file imported before
    (by its SHA-256) changes nothing. Returns the model's id, year, councils and whether
    it was imported already."""
    import hashlib

    from evidence.fields import check_actor

    by = check_actor(by)
    if year is not None and not re.fullmatch(r"(19|20)[0-9]{2}", year.strip()):
        raise InvalidValue("--year", year, "must be the model's year, such as 2025.")
    model = read_neighbours(path, year.strip() if year else None)
    if model.year is None:
        raise InvalidValue(
            "--year",
            "",
            f"is needed: {model.path.name} does not say the model's year in its name.",
        )
    return store_model(conn, model, hashlib.sha256(model.path.read_bytes()).hexdigest(), by=by)


def store_model(conn, model: Model, digest: str, *, by: str) -> dict:
    """Keep `model`, whose source has the SHA-256 `digest`, once."""
    from db import now, transaction

    stamp = now()
    with transaction(conn, by=by, at=stamp):
        earlier = conn.execute(
            "SELECT id, year FROM neighbour_models WHERE sha256 = ?", [digest]
        ).fetchone()
        if earlier is not None:
            return {"id": earlier[0], "year": earlier[1], "councils": len(model.neighbours),
                    "already": True}  # fmt: skip
        model_id = conn.execute(
            "INSERT INTO neighbour_models (year, file, sha256, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?)",
            [model.year, model.path.name, digest, stamp, by],
        ).lastrowid
        conn.executemany(
            "INSERT INTO neighbours (model_id, council, council_name, rank, neighbour, closeness)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (model_id, code, model.names[code], rank, near.code, near.closeness or None)
                for code, nearest in model.neighbours.items()
                for rank, near in enumerate(nearest, start=1)
            ],
        )
    return {"id": model_id, "year": model.year, "councils": len(model.neighbours),
            "already": False}  # fmt: skip


def neighbours_of(conn, code: str, *, by_year: str | None = None) -> dict:
    """The council's neighbours in the latest model (by year, then the last imported; of
    `by_year` or before, for a view as of a day then), nearest first, each with its name:
    {"year", "file", "council", "neighbours": [...]}; an error if no model is imported
    or the model does not have the council."""
    from evidence.errors import Refused

    model = conn.execute(
        "SELECT id, year, file FROM neighbour_models WHERE year <= ?"
        " ORDER BY year DESC, id DESC LIMIT 1",
        [by_year or "9999"],
    ).fetchone()
    if model is None:
        raise Refused(
            "no statistical neighbour model is in the library: import DfE's with `evidence"
            " neighbours import FILE`."
        )
    rows = conn.execute(
        """
        SELECT near.rank, near.neighbour, near.closeness, near.council_name,
               coalesce(named.council_name, near.neighbour) AS name
        FROM neighbours AS near
        LEFT JOIN (SELECT DISTINCT council, council_name FROM neighbours WHERE model_id = :id)
            AS named ON named.council = near.neighbour
        WHERE near.model_id = :id AND near.council = :code ORDER BY near.rank
        """,
        {"id": model[0], "code": code},
    ).fetchall()
    if not rows:
        raise InvalidValue(
            "council code", code, f"is not a council of the {model[1]} model ({model[2]})."
        )
    return {
        "year": model[1],
        "file": model[2],
        "council": {"code": code, "name": rows[0][3]},
        "neighbours": [
            {"rank": rank, "code": near, "name": name, "closeness": closeness}
            for rank, near, closeness, _, name in rows
        ],
    }


# Published figures in the library

SOURCE = "DfE"


def import_published(
    conn,
    path: str | Path,
    *,
    measure: str,
    value: str,
    by: str,
    where: Mapping[str, str] | None = None,
    published_on: str | None = None,
    period: str | None = None,
    source: str | None = None,
    today=None,
) -> dict:
    """Keep the figures of the `value` column of the published file at `path` as
    `measure`'s comparators: England, every region and every council, each year. See
    `store_published` for what is kept and what is refused."""
    import hashlib

    found = read_published(path, value, where)
    return store_published(
        conn,
        found.figures,
        measure=measure,
        file=found.path.name,
        sha256=hashlib.sha256(found.path.read_bytes()).hexdigest(),
        value_column=found.column,
        filters=dict(found.where),
        published_on=published_on,
        period=period,
        source=source,
        by=by,
        today=today,
    )


def store_published(
    conn,
    figures: tuple[Figure, ...] | list[Figure],
    *,
    measure: str,
    file: str,
    sha256: str,
    value_column: str,
    filters: Mapping[str, str],
    by: str,
    published_on: str | None = None,
    period: str | None = None,
    source: str | None = None,
    today=None,
) -> dict:
    """Keep `figures` for `measure`, published on `published_on` (default today).

    The same file read the same way again changes nothing. A figure already held is left
    alone; one that differs is kept as a revision of the old, which stays (a revision
    cannot be published before what it revises). All of it, or nothing. Refuses a file
    without the library's own council (`evidence settings --council-code`). Returns what
    was added and revised, and the council's neighbours the file has no figure for."""
    import datetime as dt
    import json

    from db import now, transaction
    from evidence import catalog, measures
    from evidence.dates import parse_day
    from evidence.fields import check_actor, one_line

    by = check_actor(by)
    today = today or dt.date.today()
    day = parse_day(published_on, "--published-on") if published_on else today
    if day > today:
        raise InvalidValue("--published-on", published_on, f"is in the future (today is {today}).")
    period = one_line(period, "period", 100)
    source = one_line(source, "source", 200) or SOURCE
    _nothing_personal(file=file, period=period, source=source)
    shown_filters = json.dumps(dict(sorted(filters.items())), ensure_ascii=False)
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        measured = measures.get_measure(conn, measure)
        code = measured["code"]
        if measured["unit"] == "percent":
            wrong = next((f for f in figures if f.value is not None
                          and not 0 <= f.value <= 100), None)  # fmt: skip
            if wrong is not None:
                raise InvalidValue(
                    value_column,
                    f"{wrong.value:g}",
                    f"for {wrong.name} in {wrong.year} is not a percentage, and {code} is"
                    " measured in percent: give the column of the percentage.",
                )
        councils = {figure.code for figure in figures if figure.level == "council"}
        # Our council: as set, found by its E-code in what is held, or else in this file.
        ours, new = our_code(conn), catalog.setting(conn, "council_new_code")
        if ours is None and new is not None:
            ours = next((f.code for f in figures if f.level == "council" and f.new_code == new),
                        None)  # fmt: skip
        if (ours or new) is not None and ours not in councils:
            raise InvalidValue(
                "council code",
                ours or new,
                f"is not a council of {file} (for {value_column}): check `evidence settings"
                " --council-code`, or that the file is DfE's figures by local authority.",
            )
        report = {
            "measure": code,
            "file": file,
            "years": sorted({figure.year for figure in figures}, reverse=True),
            "added": 0,
            "revised": 0,
            "unchanged": 0,
            "already": False,
            "missing_neighbours": _missing_neighbours(conn, ours, councils),
        }
        imported = conn.execute(
            "SELECT published_on FROM published_imports WHERE measure = ? AND sha256 = ?"
            " AND value_column = ? AND filters = ?",
            [code, sha256, value_column, shown_filters],
        ).fetchone()
        if imported is not None:
            if published_on and day.isoformat() != imported[0]:
                raise InvalidValue(
                    "--published-on",
                    published_on,
                    f"differs from the day {file} was imported as published ({imported[0]}):"
                    " figures held keep the day they were imported with.",
                )
            report["already"] = True
            return report
        held = {
            (year, place): (figure_id, number, letter, on)
            for figure_id, year, place, number, letter, on in conn.execute(
                "SELECT id, year, code, value, letter, published_on"
                " FROM current_published_figures WHERE measure = ?",
                [code],
            )
        }
        newest_held = max((year for year, _ in held), default=None)
        newest_here = max(figure.year[:4] for figure in figures)
        rows = []
        for figure in figures:
            earlier = held.get((figure.year, figure.code))
            revises = None
            if earlier is not None:
                if (earlier[1], earlier[2]) == (figure.value, figure.letter):
                    report["unchanged"] += 1
                    continue
                if newest_held is not None and newest_here < newest_held[:4]:
                    raise InvalidValue(
                        "file",
                        file,
                        f"is an earlier release than the figures held for {code}: its latest"
                        f" year is {newest_here}, and the library holds {newest_held}. It would"
                        f" change {figure.name}'s {figure.year} figure back.",
                    )
                if day.isoformat() < earlier[3]:
                    raise InvalidValue(
                        "--published-on",
                        day.isoformat(),
                        f"is before {figure.name}'s {figure.year} figure that {file} would"
                        f" revise was published ({earlier[3]}).",
                    )
                revises = earlier[0]
                report["revised"] += 1
            else:
                report["added"] += 1
            rows.append(
                [code, figure.year, figure.level, figure.code, figure.name, figure.region_code,
                 figure.new_code, figure.value, figure.letter, day.isoformat(), revises]
            )  # fmt: skip
        if not rows:
            return report
        import_id = conn.execute(
            "INSERT INTO published_imports (measure, file, sha256, value_column, filters,"
            " period, source, published_on, figures, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [code, file, sha256, value_column, shown_filters, period, source,
             day.isoformat(), len(rows), stamp, by],
        ).lastrowid  # fmt: skip
        conn.executemany(
            "INSERT INTO published_figures (import_id, measure, year, level, code, name,"
            " region_code, new_code, value, letter, published_on, revises)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[import_id, *row] for row in rows],
        )
    return report


def _nothing_personal(**texts: str | None) -> None:
    """Refuse a file name, period or source that looks like a child's details (a date of
    birth, a postcode, an NHS number): each is printed in packs, and a figure's words are
    never erased."""
    from evidence import privacy

    for field, text in texts.items():
        found = privacy.findings(text, file_name=field == "file", names=False) if text else []
        if found:
            raise InvalidValue(
                field,
                text,
                f"may identify a child ({', '.join(found)}): it would be printed beside the"
                " figures. Rename the file, or give other words.",
            )


def _missing_neighbours(conn, ours: str | None, councils: set[str]) -> list[dict]:
    """The council's neighbours (in the latest model) that have no figure in a file."""
    if ours is None:
        return []
    try:
        found = neighbours_of(conn, ours)
    except EvidenceError:  # no model, or the model lacks the council
        return []
    return [near for near in found["neighbours"] if near["code"] not in councils]


# A council's usual set of published files


SETTINGS = "published.yml"


@dataclass(frozen=True)
class Source:
    """One measure's published file, as the settings file describes it."""

    measure: str
    pattern: str
    value: str
    where: dict[str, str]
    period: str | None
    source: str | None


def read_settings(path: str | Path) -> list[Source]:
    """The settings file (`published.yml`): for each measure, the file name pattern
    (`c1_children_in_need_*.csv`), the value column, any filters, and the period the
    figures cover ("year to 31 March")."""
    from evidence.readers import read_yaml_file

    path = Path(path)
    data = read_yaml_file(path, "--settings", limit=1024 * 1024)
    entries = (data or {}).get("measures") if isinstance(data, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise InvalidValue(
            "--settings", path, "has no `measures:` mapping each measure to its file."
        )
    sources = []

    def text(value, where: str, *, required: bool = False) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise InvalidValue(where, "…", f"in {path.name} must be text.")
        from evidence.fields import one_line

        return one_line(str(value), where, 200, required=True)

    for measure, entry in entries.items():
        where_ = f"measures.{text(measure, 'measures')}"
        if not isinstance(entry, dict) or not entry.get("file") or not entry.get("value"):
            raise InvalidValue(where_, "…", f"in {path.name} needs `file` and `value`.")
        pattern = text(entry["file"], f"{where_}.file", required=True)
        if "/" in pattern or "\\" in pattern or pattern.startswith("."):
            raise InvalidValue(
                f"{where_}.file", pattern, "must be a file's name in the folder, not a path."
            )
        where = entry.get("where") or {}
        if not isinstance(where, dict):
            raise InvalidValue(f"{where_}.where", "…", "must map columns to values.")
        sources.append(
            Source(
                measure=str(measure),
                pattern=pattern,
                value=text(entry["value"], f"{where_}.value", required=True),
                where={
                    text(k, f"{where_}.where", required=True): text(
                        v, f"{where_}.where.{k}", required=True
                    )
                    for k, v in where.items()
                },
                period=text(entry.get("period"), f"{where_}.period"),
                source=text(entry.get("source"), f"{where_}.source"),
            )
        )
    return sources


def import_folder(
    conn,
    folder: str | Path,
    *,
    by: str,
    settings: str | Path | None = None,
    published_on: str | None = None,
    today=None,
) -> list[dict]:
    """Import each measure's file in `folder`, as the settings file says (the folder's
    own `published.yml`, else `settings`, else the one shipped with the library): all of
    them, or none. A measure whose file is not in the folder is reported, not refused;
    a pattern matching two files is refused."""
    import hashlib

    from db import transaction

    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidValue("FOLDER", folder, "is not a folder.")
    if settings is None:
        own = folder / SETTINGS
        settings = own if own.is_file() else Path(__file__).with_name(SETTINGS)
    sources = read_settings(settings)
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    plans = []
    for source in sources:
        matched = [p for p in files if _matches(p.name, source.pattern)]
        if len(matched) > 1:
            raise InvalidValue(
                f"measures.{source.measure}.file",
                source.pattern,
                f"matches {len(matched)} files in {folder} ("
                + ", ".join(p.name for p in matched)
                + "): keep one, or make the pattern narrower.",
            )
        found = read_published(matched[0], source.value, source.where) if matched else None
        plans.append((source, found))
    if not any(found for _, found in plans):
        raise InvalidValue(
            "FOLDER",
            folder,
            f"holds no file that {Path(settings).name} names ("
            + ", ".join(source.pattern for source in sources)
            + ").",
        )
    reports = []
    with transaction(conn, by=by):
        for source, found in plans:
            if found is None:
                reports.append({"measure": source.measure, "file": None,
                                "pattern": source.pattern})  # fmt: skip
                continue
            reports.append(
                store_published(
                    conn,
                    found.figures,
                    measure=source.measure,
                    file=found.path.name,
                    sha256=hashlib.sha256(found.path.read_bytes()).hexdigest(),
                    value_column=found.column,
                    filters=dict(found.where),
                    published_on=published_on,
                    period=source.period,
                    source=source.source,
                    by=by,
                    today=today,
                )
            )
    return reports


def _matches(name: str, pattern: str) -> bool:
    import fnmatch

    return fnmatch.fnmatch(name.lower(), pattern.lower())


def import_file(
    conn,
    path: str | Path,
    *,
    by: str,
    measure: str | None = None,
    value: str | None = None,
    where: Mapping[str, str] | None = None,
    period: str | None = None,
    settings: str | Path | None = None,
    published_on: str | None = None,
) -> list[dict]:
    """One file: as `measure` and `value` say (with the period and source the settings
    give that measure, unless `period` is given), or for each measure whose file pattern
    the settings match to its name. All of it, or nothing."""
    from db import transaction

    path = Path(path)
    known = sources_for(path, settings)
    if measure or value:
        if not (measure and value):
            missing, given = ("--value", "--measure") if measure else ("--measure", "--value")
            raise InvalidValue(missing, "", f"is needed with {given}.")
        same = next((s for s in known if s.measure == measure.strip()), None)
        known = [Source(measure=measure, pattern=path.name, value=value, where=dict(where or {}),
                        period=period or (same.period if same else None),
                        source=same.source if same else None)]  # fmt: skip
    elif not known:
        raise InvalidValue(
            "--measure",
            "",
            f"is needed: {path.name} matches no file of the settings"
            f" ({settings or SETTINGS}); give --measure and --value.",
        )
    with transaction(conn, by=by):
        return [
            import_published(
                conn, path, measure=source.measure, value=source.value, where=source.where,
                period=source.period, source=source.source, published_on=published_on, by=by,
            )
            for source in known
        ]  # fmt: skip


def list_imports(conn) -> list[dict]:
    """Each import that added or revised figures, by measure, with its years."""
    return [
        dict(row)
        for row in conn.execute(
            "SELECT i.id, i.measure, i.file, i.value_column, i.filters, i.period, i.source,"
            " i.published_on, i.figures, min(f.year) AS first_year, max(f.year) AS last_year,"
            " i.created_at, i.created_by FROM published_imports AS i"
            " JOIN published_figures AS f ON f.import_id = i.id"
            " GROUP BY i.id ORDER BY i.measure, i.published_on, i.id"
        )
    ]


def sources_for(path: str | Path, settings: str | Path | None = None) -> list[Source]:
    """The settings' entries whose file pattern the file's name matches (a workforce
    file may feed several measures)."""
    path = Path(path)
    settings = Path(settings) if settings else Path(__file__).with_name(SETTINGS)
    return [s for s in read_settings(settings) if _matches(path.name, s.pattern)]


def parse_where(values: list[str] | None) -> dict[str, str]:
    """`--where COLUMN=VALUE`, repeated, as a mapping."""
    where: dict[str, str] = {}
    for text in values or ():
        name, sep, wanted = text.partition("=")
        if not sep or not name.strip():
            raise InvalidValue("--where", text, "must be COLUMN=VALUE, such as breakdown=Total.")
        if name.strip().lower() in {key.lower() for key in where}:
            raise InvalidValue("--where", text, f"gives {name.strip()} twice.")
        where[name.strip()] = wanted.strip()
    return where
