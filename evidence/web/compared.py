"""A measure compared with its statistical neighbours (`/-/measures/{code}/compared`):
what DfE published for the council year by year, beside its neighbours' average, lowest
and highest, its rank among them, its region and England, as `evidence measure show`
prints it; then the latest year's figure for each neighbour by name, best first, so that
a director can see who the neighbours are.

The figures are read with `evidence.comparison.compare`, as published by the day the web
UI serves (`evidence serve --as-of`, or today), on one of Datasette's read-only
connections. A visitor must be allowed to see every table the page reads.

Everything shown from the library is text: escaped by the template, cut to a length, and
with any character that would hide or reorder text shown as its code point, `[U+202E]`
(`inspection.plain`). Council and region names come from files another body publishes,
and are shown with their codes, which the importer checks. A code in the address that is
not a measure's is answered 404, without repeating it.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from typing import Any

from datasette.utils.asgi import Forbidden, NotFound, Response

from evidence import comparison
from evidence.dates import as_of_day, format_day
from evidence.published import LETTERS
from evidence.web import ensure_can_view
from evidence.web.inspection import plain

ROUTE = r"^/-/measures/(?P<code>[^/]+)/compared$"
# A measure's code as `evidence measure define` takes it: anything else is no measure's.
CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
# The tables the page reads: a visitor must be allowed to see each. (The council's code is
# read from the settings, which only analysts may browse: the page shows the council's
# name, which every page's banner shows already, never the settings themselves.)
TABLES = ("measures", "published_imports", "published_figures", "neighbour_models", "neighbours")
NAME_MAX = 200  # a measure's name, a council's or a region's
TEXT_MAX = 2_000  # a sentence or a note, which names places
MISSING = "No measure has that code: the measures are listed under Performance measures."
IMPORT = "evidence published import FILE"
SET_CODE = "evidence settings --council-code 869"
IMPORT_MODEL = "evidence neighbours import FILE"


def path(code: str) -> str:
    return f"/-/measures/{code}/compared"


async def compared_page(datasette, request):
    if request.method not in ("GET", "HEAD"):
        response = Response.text("Refused: this page is only read (GET).\n", status=405)
        response.headers["Allow"] = "GET, HEAD"
        return response
    await ensure_can_view(datasette, request.actor, TABLES)
    code = request.url_vars["code"]  # as typed, still %-escaped
    if not CODE.fullmatch(code):
        raise NotFound(MISSING)
    state = datasette.evidence_library
    day = as_of_day(state.as_of)
    page = await datasette.get_database("evidence").execute_fn(
        functools.partial(read_compared, code=code, day=day.isoformat())
    )
    if page is None:
        raise NotFound(MISSING)
    page["as_of"] = format_day(day.isoformat()) if state.as_of else None
    page["measure_url"] = datasette.urls.row("evidence", "measures", str(page["measure_id"]))
    page["table_url"] = datasette.urls.table("evidence", "measures")
    return Response.html(
        await datasette.render_template("compared.html", {"page": page}, request=request)
    )


async def may_view(datasette, actor) -> bool:
    """Whether `actor` may see the page (and so be offered links to it)."""
    try:
        await ensure_can_view(datasette, actor, TABLES)
    except Forbidden:
        return False
    return True


def with_links(datasette, request, view_name: str, shown: dict[str, Any]):
    """The template variables of a measure's page (`compared_url`) or of the measures' and
    latest figures' tables (`compared_links`, each measure with published figures), for a
    visitor who may see the page."""

    async def inner():
        if request is None or not await may_view(datasette, request.actor):
            return shown
        library = datasette.get_database("evidence")
        if view_name == "row":
            pks = (request.url_vars or {}).get("pks", "")
            found = (
                await library.execute("SELECT code FROM measures WHERE id = ?", [int(pks)])
                if re.fullmatch(r"[0-9]{1,18}", pks)
                else None
            )
            code = found.rows[0]["code"] if found and found.rows else None
            if isinstance(code, str) and CODE.fullmatch(code):
                return {**shown, "compared_url": path(code)}
            return shown
        found = await library.execute(
            "SELECT code, name FROM measures WHERE code IN (SELECT measure FROM published_imports)"
            " ORDER BY name"
        )
        links = [
            {"url": path(row["code"]), "name": plain(row["name"], NAME_MAX)}
            for row in found.rows
            if isinstance(row["code"], str) and CODE.fullmatch(row["code"])
        ]
        return {**shown, "compared_links": links}

    return inner


def read_compared(conn: sqlite3.Connection, *, code: str, day: str) -> dict[str, Any] | None:
    """What the page shows of the measure `code` as published by the end of `day` (ISO):
    plain dicts of text, in the order shown; None if there is no such measure."""
    from evidence import measures
    from evidence.errors import EvidenceError

    try:
        measure = measures.get_measure(conn, code)
    except EvidenceError:
        return None
    compared = comparison.compare(conn, measure, day)
    page: dict[str, Any] = {
        "code": measure["code"],
        "measure_id": measure["id"],
        "name": plain(measure["name"], NAME_MAX),
        "direction": f"{measure['better']} is better",
        "unit": measure["unit"],
        "setup": _setup(conn, compared),
        "published": compared is not None,
        "import_command": IMPORT,
    }
    if compared is None:
        return page
    entries = compared["years"]
    latest = entries[0]
    council = compared["council"]
    page["council"] = (
        {"name": plain(council["name"], NAME_MAX), "code": council["code"]} if council else None
    )
    page["about"] = plain(comparison.about(compared), TEXT_MAX)
    # Without the council's code the council has no figure to put into words.
    page["lead"] = plain(comparison.sentence(measure, latest) + ".", TEXT_MAX) if council else None
    page["has_neighbours"] = bool(compared["neighbours"])
    regions = {entry["region_name"] for entry in entries if entry["region_name"]}
    region = regions.pop() if len(regions) == 1 else None
    page["region_heading"] = plain(region, NAME_MAX) if region else "Region"
    page["region_words"] = plain(comparison.place(region), NAME_MAX)
    page["years"] = [_year(measure, entry, bool(compared["neighbours"])) for entry in entries]
    page["notes"] = [
        plain(f"{note[0].upper()}{note[1:]}.", TEXT_MAX)
        for entry in entries
        for note in comparison.notes(measure, entry)
    ]
    page["latest"] = _latest(measure, latest)
    shown = {cell["letter"] for year in page["years"] for cell in _cells(year) if cell["letter"]}
    shown |= {near["letter"] for year in page["years"] for near in year["not_published"]}
    shown |= {row["letter"] for row in page["latest"]["rows"] if row["letter"]}
    page["letters"] = [(letter, meaning) for letter, meaning in LETTERS.items() if letter in shown]
    page["latest_year"] = latest["year"]
    return page


def _setup(conn: sqlite3.Connection, compared: dict[str, Any] | None) -> list[dict[str, str]]:
    """What the library lacks for a comparison with the neighbours, and the command that
    gives it."""
    from evidence import published

    code = published.our_code(conn)
    if code is None:
        return [
            {
                "text": "The library does not know which council it is, so it cannot pick out"
                " our figure or our statistical neighbours. Give the council's three-digit"
                " code (869 is West Berkshire) with",
                "command": SET_CODE,
            }
        ]
    model = conn.execute(
        "SELECT year FROM neighbour_models ORDER BY year DESC, id DESC LIMIT 1"
    ).fetchone()
    if model is None:
        return [
            {
                "text": "No statistical neighbour model is in the library, so our figure is"
                " compared with the region and England only. Import DfE's model"
                " (sn_model_2025_wide.csv) with",
                "command": IMPORT_MODEL,
            }
        ]
    if compared is not None and not compared["neighbours"]:
        return [
            {
                "text": f"The {model[0]} statistical neighbour model has no council {code}, the"
                " library's council code: check it with",
                "command": "evidence settings",
            }
        ]
    return []


def _cell(measure: dict[str, Any], entry: dict[str, Any], key: str) -> dict[str, Any]:
    """One figure of a year's row (ours, the region's or England's): its text, the letter
    published in its place, and what it was before a later release revised it."""
    letter = entry["flags"].get(key)
    return {
        "text": comparison.figure_text(measure, entry[key], letter),
        "missing": entry[key] is None,
        "letter": letter,
        "revisions": [
            f"revised from {comparison.figure_text(measure, old['value'], old['letter'])},"
            f" published {old['published_on']}, on {old['replaced_on']}"
            for old in entry["revisions"]
            if old["of"] == key
        ],
    }


def _cells(year: dict[str, Any]) -> list[dict[str, Any]]:
    return [year["ours"], year["region"], year["england"]]


def _year(measure: dict[str, Any], entry: dict[str, Any], neighbours: bool) -> dict[str, Any]:
    figure = functools.partial(comparison.figure_text, measure)
    average = entry["neighbours_average"]
    return {
        "year": entry["year"],
        "ours": _cell(measure, entry, "ours"),
        "region": _cell(measure, entry, "region"),
        "england": _cell(measure, entry, "england"),
        "average": figure(average) if average is not None else None,
        "count": entry["neighbours_count"] if neighbours else None,
        "not_published": [
            {
                "name": plain(near["name"], NAME_MAX),
                "code": near["code"],
                "letter": near["letter"],
                "text": figure(None, near["letter"]),
            }
            for near in entry["neighbours_not_published"]
        ],  # fmt: skip
        "absent": [plain(name, NAME_MAX) for name in entry["neighbours_absent"]],
        "spread": comparison.spread(measure, entry),
        "rank": f"{entry['rank']} of {entry['of']}" if entry["rank"] is not None else None,
        "councils_rank": (
            f"{entry['councils_rank']} of {entry['councils_of']}"
            if entry["councils_rank"] is not None
            else None
        ),
    }


def _latest(measure: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """The latest year's figure for the council, each neighbour, the region and England,
    best first in the measure's direction: the council and its neighbours with a number
    ranked as `compare` ranks them (equal figures share a place), the region and England
    among them unranked, then those published as a letter, then those with no figure."""
    rows = [
        {**place, "name": plain(place["name"], NAME_MAX), "nearness": _nearness(place["nearness"])}
        for place in entry["places"]
    ]
    ranked = [row["value"] for row in rows if row["kind"] in ("us", "neighbour")
              and row["value"] is not None]  # fmt: skip
    higher = measure["better"] == "higher"
    for row in rows:
        value = row["value"]
        row["figure"] = comparison.figure_text(measure, value, row["letter"])
        if row["absent"]:
            row["figure"] = "no figure in the published file"
        row["position"] = (
            comparison.rank(value, ranked, measure["better"])
            if value is not None and row["kind"] in ("us", "neighbour")
            else None
        )
    rows.sort(
        key=lambda row: (
            row["absent"],
            row["value"] is None,
            -(row["value"] or 0) if higher else (row["value"] or 0),
            row["kind"] in ("region", "england"),  # after a council with the same figure
            row["nearness"]["rank"] if row["nearness"] else 0,
        )
    )
    return {"year": entry["year"], "rows": rows, "of": len(ranked)}


def _nearness(near: tuple[int, str | None] | None) -> dict[str, Any] | None:
    if near is None:
        return None
    rank, how = near
    return {"rank": rank, "closeness": plain(how, NAME_MAX) if how else None}
