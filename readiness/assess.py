"""Readiness: how ready each judgement area is on a day, and why.

`assess()` reads the library with a few aggregate queries (`queries`), makes each area's
checks (`checks`) by the rules (`rules`), and rolls sub-areas up into their parents and
the areas into overall effectiveness: per area a rating, the findings behind it, worst
first, and the counts a director asks about. Nothing is read one item at a time, so a
library of 100,000 items is assessed in a fraction of a second.

What counts toward an area (`Scope`):
- evidence tagged to the area or its sub-areas, or to an area of another framework
  mapped into one of them (equal, subset or intersecting): SIF 2.2 counts toward ILACS
  care leavers;
- actions, measures, challenges and self-evaluations of the area itself and of the areas
  mapped into it (a parent area takes its sub-areas' ratings by the roll-up instead, so
  their findings are not repeated).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from evidence import grades, vocab
from evidence.dates import as_of_day
from readiness.checks import AreaChecks, finding_of, lower_name, months_before
from readiness.queries import Reader
from readiness.rules import Rules
from readiness.rules import load as load_rules

RAGS = ("red", "amber", "green")


@dataclass
class Scope:
    """One area being assessed and the areas whose records count toward it."""

    area: dict[str, Any]
    own: dict[int, str | None]  # the area (None) and the areas mapped into it, and how
    evidence: set[int]  # `own` for the area and each of its sub-areas
    fed_by: list[dict[str, Any]]
    broadest: set[int]  # those of `own` whose parent area is not also in `own`
    sub_areas: list[dict[str, Any]] = field(default_factory=list)


def assess(
    conn: sqlite3.Connection,
    *,
    as_of: str | None = None,
    framework: str | None = None,
    rules: Rules | None = None,
) -> dict[str, Any]:
    """Every area of the framework as of the end of `as_of` (default today): its rating,
    the findings behind it, worst first, and its counts."""
    day = as_of_day(as_of)
    words = vocab.Vocabulary(conn)
    framework = words.framework(framework)
    rules = rules or load_rules(conn)
    scopes = _scopes(conn, words, framework)
    reader = Reader(
        conn,
        day,
        months_before(day, rules.current_months),
        # Assessed for today, whatever is logged counts: nothing can be dated later.
        whole_library=day >= dt.date.today(),
        evidence_feed={index: scope.evidence for index, scope in enumerate(scopes)},
        own_feed={index: set(scope.own) for index, scope in enumerate(scopes)},
    )
    graded = {
        area["code"]: area
        for area in grades.grade_table(conn, as_of=day.isoformat(), framework=framework)["areas"]
    }
    kind_names = dict(conn.execute("SELECT slug, name FROM kinds").fetchall())
    day_one = None
    if "day-one" in rules.checks:
        from readiness import dayone

        day_one = dayone.assess(conn, rules.day_one or dayone.load(conn), day)
    results = []
    for index, scope in enumerate(scopes):
        checks = AreaChecks(index, scope, rules, day, reader, kind_names, day_one)
        checks.run()
        results.append(checks.result(graded.get(scope.area["code"])))
    _roll_up(results, scopes, rules)
    for result in results:
        result["checks"].sort(key=lambda check: RAGS.index(check["rag"]))
        result["findings"] = [check["finding"] for check in result["checks"]]
        result["rag"] = _worst(check["rag"] for check in result["checks"])
        result["as_of"], result["framework"] = day.isoformat(), framework
    return {
        "as_of": day.isoformat(),
        "framework": framework,
        "framework_name": conn.execute(
            "SELECT short_name FROM frameworks WHERE slug = ?", [framework]
        ).fetchone()[0],
        "rules": rules.source,
        "current_months": rules.current_months,
        "areas": results,
    }


def _scopes(conn: sqlite3.Connection, words: vocab.Vocabulary, framework: str) -> list[Scope]:
    """The framework's areas in order, each with what counts toward it."""
    by_id = {area["id"]: area for area in words.areas}
    short = dict(conn.execute("SELECT slug, short_name FROM frameworks").fetchall())
    same, into = vocab.equal_areas(conn), vocab.mapped_into(conn)
    scopes = []
    for area in (a for a in words.areas if a["framework"] == framework):
        own = vocab.area_sources(area["id"], same, into)
        evidence = set(vocab.area_scope(conn, [area["id"]]))  # as `evidence list --area`
        fed_by = [
            {
                "framework": by_id[other]["framework"],
                "framework_name": short[by_id[other]["framework"]],
                "code": by_id[other]["code"],
                "name": by_id[other]["name"],
                "relationship": relationship,
            }
            for other, relationship in own.items()
            if by_id[other]["framework"] != framework
        ]
        broadest = {other for other in own if by_id[other]["parent_id"] not in own}
        scopes.append(Scope(area, own, evidence, fed_by, broadest))
    for scope in scopes:
        scope.sub_areas = [
            other.area for other in scopes if other.area["parent_id"] == scope.area["id"]
        ]
    return scopes


def _roll_up(results: list[dict[str, Any]], scopes: list[Scope], rules: Rules) -> None:
    """A parent area is rated no better than its sub-areas, and overall effectiveness no
    better than the top-level areas it sums up (each with its sub-areas rolled up)."""
    by_code = {result["code"]: result for result in results}
    for scope in scopes:
        for sub in scope.sub_areas:
            by_code[sub["code"]]["parent"] = scope.area["code"]
    settings = rules.checks.get("roll-up")
    if not settings:
        return

    def rags() -> dict[str, str]:
        return {code: _worst(c["rag"] for c in r["checks"]) for code, r in by_code.items()}

    if settings["sub_areas"]:
        own = rags()
        for scope in scopes:
            for sub in scope.sub_areas:
                _add_rolled(by_code[scope.area["code"]], by_code[sub["code"]], own, "sub-area")
    if settings["overall"]:
        summed = rags()
        left_out = settings.get("overall_leaves_out", set())
        for scope in (s for s in scopes if s.area["slug"] == "overall"):
            for other in scopes:
                if (
                    other is scope
                    or other.area["parent_id"] is not None
                    or other.own.keys() & left_out
                ):
                    continue
                _add_rolled(
                    by_code[scope.area["code"]], by_code[other.area["code"]], summed, "area"
                )


def _add_rolled(parent: dict, child: dict, rags: dict[str, str], noun: str) -> None:
    rag = rags[child["code"]]
    if rag == "green":
        return
    finding = f"{noun} {child['code']}, {lower_name(child['name'])}, is {rag}"
    parent["checks"].append(finding_of("roll-up", rag, finding, areas=[child["code"]]))


def _worst(rags) -> str:
    rags = list(rags)
    return min(rags, key=RAGS.index) if rags else "green"
