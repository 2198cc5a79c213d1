"""A measure against its comparators: the figures DfE publishes each year for the
council itself, its statistical neighbours, its region and England.

A published figure is an annual figure for its stated period (the year to 31 March, or a
census day) and is never merged with the council's own monthly series: it is shown beside
it. As of a day, a figure is the latest published by then, and a figure a later release
revised shows what it was. A figure published as a letter (c, x, z, u, low, k) has no
number: it is kept out of averages and ranks, and its letter is reported, so an average
always says how many neighbours it is of.
"""

from __future__ import annotations

import sqlite3
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from evidence.published import LETTERS

KEYS = ("ours", "england", "region")
ROUNDS_TO_ZERO = ("low", "k")


def compare(
    conn: sqlite3.Connection, measure: dict[str, Any], day: str, *, latest: bool = False
) -> dict[str, Any] | None:
    """What was published for `measure` by the end of `day` (ISO), year by year, newest
    first, against the council (`published.our_code`) and its neighbours in the
    latest statistical neighbour model; None when nothing was published. With `latest`,
    the years down to the newest with the council's own figure, and no further."""
    rows = conn.execute(
        "SELECT f.id, f.year, f.level, f.code, f.name, f.region_code, f.value, f.letter,"
        " f.published_on, f.revises, i.period, i.source, i.file"
        " FROM published_figures AS f JOIN published_imports AS i ON i.id = f.import_id"
        " WHERE f.measure = ? AND f.published_on <= ? ORDER BY f.published_on, f.id",
        [measure["code"], day],
    ).fetchall()
    if not rows:
        return None
    current: dict[tuple[str, str], Any] = {}
    history: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        key = (row[1], row[3])
        if key in current:
            history.setdefault(key, []).append(current[key])
        current[key] = row
    by_year: dict[str, list[Any]] = {}
    for (year, _), row in current.items():
        by_year.setdefault(year, []).append(row)
    last = rows[-1]
    ours, neighbours, model = _council(conn, day[:4])
    better = measure["better"]
    entries = []
    for year in sorted(by_year, reverse=True):
        ours_row = current.get((year, ours["code"])) if ours else None
        region_code = ours_row[5] if ours_row else None
        england_row = next((row for row in by_year[year] if row[2] == "england"), None)
        region_row = current.get((year, region_code)) if region_code else None
        if region_row is not None and region_row[2] != "region":
            region_row = None
        entry: dict[str, Any] = {
            "year": year,
            "ours": _number(ours_row),
            "england": _number(england_row),
            "region": _number(region_row),
            "region_name": region_row[4] if region_row else None,
        }
        flags: dict[str, Any] = {
            key: row[7] for key, row in zip(KEYS, (ours_row, england_row, region_row), strict=True)
            if row is not None and row[7]
        }  # fmt: skip
        near_values, near_letters, absent = [], {}, []
        for near in neighbours:
            row = current.get((year, near["code"]))
            if row is None:
                absent.append(near["name"])
            elif row[7]:
                near_letters[near["code"]] = row[7]
            else:
                near_values.append(row[6])
        if near_letters:
            flags["neighbours"] = near_letters
        entry["neighbours_average"] = _average(near_values)
        entry["neighbours_min"] = min(near_values) if near_values else None
        entry["neighbours_max"] = max(near_values) if near_values else None
        entry["neighbours_count"] = len(near_values)
        entry["neighbours_not_published"] = [
            {"code": code, "name": _name(neighbours, code), "letter": letter}
            for code, letter in near_letters.items()
        ]
        entry["neighbours_absent"] = absent
        mine = entry["ours"]
        # Ranks count a figure that rounds to zero (low, k) as the smallest there is.
        zeros = [0.0 for letter in near_letters.values() if letter in ROUNDS_TO_ZERO]
        if mine is None and flags.get("ours") in ROUNDS_TO_ZERO:
            mine = 0.0
        group = [mine, *near_values, *zeros] if mine is not None else [*near_values, *zeros]
        rated = not measure["context"]  # a context measure is compared, never ranked
        entry["rank"] = (
            rank(mine, group, better) if rated and mine is not None and neighbours else None
        )
        entry["of"] = len(group) if rated and neighbours else None
        councils = [
            0.0 if row[7] in ROUNDS_TO_ZERO else row[6]
            for row in by_year[year]
            if row[2] == "council" and (row[6] is not None or row[7] in ROUNDS_TO_ZERO)
        ]
        entry["councils_rank"] = (
            rank(mine, councils, better) if rated and mine is not None else None
        )
        entry["councils_of"] = len(councils) if rated else None
        entry["flags"] = flags
        entry["published_on"] = max(
            row[8] for row in (ours_row, england_row, region_row) if row is not None
        ) if any((ours_row, england_row, region_row)) else None  # fmt: skip
        entry["revisions"] = [
            revision
            for key, row in zip(KEYS, (ours_row, england_row, region_row), strict=True)
            if row is not None
            for revision in _revisions(key, [*history.get((year, row[3]), []), row])
        ]
        # Each place's own figure that year: us, each neighbour nearest first, the region
        # and England; a place with no row in the file is `absent`.
        entry["places"] = [
            _place("us", ours["code"], ours["name"], ours_row) if ours else None,
            *(_place("neighbour", near["code"], near["name"], current.get((year, near["code"])),
                     nearness=(rank, near["closeness"]))
              for rank, near in enumerate(neighbours, start=1)),
            _place("region", region_row[3], region_row[4], region_row) if region_row else None,
            _place("england", england_row[3], england_row[4], england_row)
            if england_row else None,
        ]  # fmt: skip
        entry["places"] = [place for place in entry["places"] if place is not None]
        entries.append(entry)
        if latest and ours_row is not None and ours_row[6] is not None:
            break
    return {
        "council": {"code": ours["code"], "name": ours["name"]} if ours else None,
        "neighbours": neighbours,
        "model": model,
        "period": last[10],
        "source": last[11],
        "file": last[12],
        "years": entries,
    }


def _council(conn: sqlite3.Connection, year: str) -> tuple[dict | None, list[dict], str | None]:
    """The council (code and name) and its neighbours in the latest model of `year` or
    before (a model made later is not used for a view of an earlier day)."""
    from evidence import published
    from evidence.errors import EvidenceError

    code = published.our_code(conn)
    if code is None:
        return None, [], None
    try:
        found = published.neighbours_of(conn, code, by_year=year)
    except EvidenceError:
        row = conn.execute(
            "SELECT name FROM published_figures WHERE code = ? ORDER BY published_on DESC,"
            " id DESC LIMIT 1",
            [code],
        ).fetchone()
        return {"code": code, "name": row[0] if row else code}, [], None
    near = [{"code": n["code"], "name": n["name"], "closeness": n["closeness"]}
            for n in found["neighbours"]]  # fmt: skip
    return found["council"], near, found["year"]


def _place(kind: str, code: str, name: str, row: Any, nearness=None) -> dict[str, Any]:
    return {
        "kind": kind,
        "code": code,
        "name": row[4] if row is not None and kind in ("region", "england") else name,
        "value": None if row is None else row[6],
        "letter": None if row is None else row[7],
        "absent": row is None,
        "nearness": nearness,
    }


def _revisions(key: str, rows: list[Any]) -> list[dict[str, Any]]:
    """The figures a place's year had before its current one, each with the day it was
    replaced."""
    return [
        {"of": key, "value": old[6], "letter": old[7], "published_on": old[8],
         "replaced_on": new[8]}
        for old, new in zip(rows, rows[1:], strict=False)
    ]  # fmt: skip


def _number(row: Any) -> float | None:
    return None if row is None else row[6]


def _name(neighbours: list[dict], code: str) -> str:
    return next((near["name"] for near in neighbours if near["code"] == code), code)


def _average(values: list[float]) -> float | None:
    """The mean, exact in decimal, to one more decimal place than the figures have (the
    average of 22.8 and 22.5 is 22.65, never 22.649999)."""
    if not values:
        return None
    exact = [Decimal(repr(value)) for value in values]
    places = max(-min(v.as_tuple().exponent, 0) for v in exact) + 1
    mean = sum(exact) / len(exact)
    return float(mean.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def rank(value: float, values: list[float], better: str) -> int:
    """1 is the best in the measure's direction; equal figures share a rank."""
    if better == "higher":
        return 1 + sum(1 for other in values if other > value)
    return 1 + sum(1 for other in values if other < value)


# Plain words


def figure_text(measure: dict[str, Any], value: float | None, letter: str | None = None) -> str:
    """A published figure as printed: its own decimals (22.65%), or its letter in words."""
    if value is None:
        return f"not published ({letter})" if letter else "not published"
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return {"percent": f"{text}%", "days": f"{text} days"}.get(measure["unit"], text)


def spread(measure: dict[str, Any], entry: dict[str, Any]) -> str | None:
    """The neighbours' lowest and highest figures (15.8%–41%), or None without any."""
    if entry["neighbours_min"] is None:
        return None
    return (
        f"{figure_text(measure, entry['neighbours_min'])}–"
        f"{figure_text(measure, entry['neighbours_max'])}"
    )


def letter_words(letter: str) -> str:
    return LETTERS.get(letter, letter)


def sentence(measure: dict[str, Any], entry: dict[str, Any]) -> str:
    """One year's comparison in words, read in the measure's direction: "2025: 21.7%,
    better than the statistical neighbours' average (22.65%, of 10 neighbours), the South
    East (28.4%) and England (22.6%); 6th of 11 with our neighbours (lower is better)"."""
    year, mine = entry["year"], entry["ours"]
    if mine is None:
        letter = entry["flags"].get("ours")
        text = f"{year}: our figure was {figure_text(measure, None, letter)}"
        if letter:
            text += f": {letter_words(letter)}"
    else:
        text = f"{year}: {figure_text(measure, mine)}"
    others = []
    if entry["neighbours_average"] is not None:
        others.append(
            (entry["neighbours_average"], "the statistical neighbours' average"
             f" ({figure_text(measure, entry['neighbours_average'])},"
             f" {_of(entry['neighbours_count'])})")
        )  # fmt: skip
    if entry["region"] is not None:
        others.append(
            (entry["region"], f"{place(entry['region_name'])}"
             f" ({figure_text(measure, entry['region'])})")
        )  # fmt: skip
    if entry["england"] is not None:
        others.append((entry["england"], f"England ({figure_text(measure, entry['england'])})"))
    if mine is None:
        if others:
            text += "; " + ", ".join(name for _, name in others)
        return text
    groups: dict[str, list[str]] = {}
    for value, name in others:
        if value == mine:
            side = "the same as"
        elif measure["context"]:  # compared, never rated
            side = "higher than" if mine > value else "lower than"
        else:
            ahead = mine > value if measure["better"] == "higher" else mine < value
            side = "better than" if ahead else "worse than"
        groups.setdefault(side, []).append(name)
    text += "".join(f", {side} {_and(names)}" for side, names in groups.items())
    if measure["context"]:
        return text + " (context, not rated)"
    if entry["rank"] is not None:
        text += f"; {_ordinal(entry['rank'])} of {entry['of']} with our neighbours"
    if measure["better"] == "lower" and others:
        text += " (lower is better)"
    return text


def place(name: str | None) -> str:
    """A region as a sentence names it: the South East, London."""
    if not name:
        return "the region"
    first = name.split()[0].lower()
    return f"the {name}" if first in {"north", "south", "east", "west"} else name


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _of(count: int) -> str:
    return f"of {count} neighbour{'s' if count != 1 else ''}"


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def notes(measure: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    """What a reader must know about one year's figures: letters, neighbours missing
    from the file, and revisions."""
    found = []
    for near in entry["neighbours_not_published"]:
        if near["letter"] in ROUNDS_TO_ZERO:
            what = f"rounds to zero ({near['letter']}), but is not zero"
        else:
            what = f"was not published ({near['letter']}: {letter_words(near['letter'])})"
        found.append(
            f"{near['name']}'s {entry['year']} figure {what}: the average is"
            f" {_of(entry['neighbours_count'])}"
        )
    if entry["neighbours_absent"]:
        names = entry["neighbours_absent"]
        found.append(
            f"{', '.join(names)} {'has' if len(names) == 1 else 'have'} no {entry['year']}"
            f" figure in the published file: the average is {_of(entry['neighbours_count'])}"
        )
    if entry["england"] is None and not entry["flags"].get("england"):
        found.append(f"England has no {entry['year']} figure in the published file")
    for key in ("england", "region"):
        letter = entry["flags"].get(key)
        if letter:
            who = "England" if key == "england" else place(entry["region_name"])
            found.append(
                f"{who}'s {entry['year']} figure was not published ({letter}:"
                f" {letter_words(letter)})"
            )
    for old in entry["revisions"]:
        who = {"ours": "our", "england": "England's"}.get(
            old["of"], f"{place(entry['region_name'])}'s"
        )
        found.append(
            f"{who} {entry['year']} figure was revised from"
            f" {figure_text(measure, old['value'], old['letter'])} (published"
            f" {old['published_on']}) on {old['replaced_on']}"
        )
    return found


def about(compared: dict[str, Any]) -> str:
    """Where the figures come from and what period they cover."""
    period = compared["period"] or "period not stated"
    text = f"Published annual figures, {period} (source: {compared['source']}; {compared['file']})"
    if compared["neighbours"]:
        text += f"; statistical neighbours from the {compared['model']} model"
    return text + ". Shown beside our monthly figures, never merged with them."
