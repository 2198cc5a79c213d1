"""Readiness: how ready each judgement area is on a day, and why.

`assess()` reads the library with a few aggregate queries (evidence by area and kind,
theme coverage, open actions, latest figures, open challenges, self-evaluations) and
applies the rules to what they return: per area a rating, the findings behind it, and
the counts a director asks about. Nothing is read one item at a time, so a library of
100,000 items is assessed in a fraction of a second.

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
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from evidence import actions as action_rules
from evidence import catalog, grades, measures, vocab
from evidence.dates import format_day, format_when
from readiness.rules import Rules
from readiness.rules import load as load_rules

RAGS = ("red", "amber", "green")
REFERENCES = ("evidence", "actions", "measures", "challenges", "areas")
TITLE_CLIP = 80


@dataclass
class Scope:
    """One area being assessed and the areas whose records count toward it."""

    area: dict[str, Any]
    own: dict[int, str | None]  # the area (None) and the areas mapped into it, and how
    evidence: set[int]  # `own` for the area and each of its sub-areas
    fed_by: list[dict[str, Any]]
    broadest: set[int] = field(default_factory=set)  # of `own`, those whose parent is not
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
    day = action_rules.as_of_day(as_of)
    words = vocab.Vocabulary(conn)
    framework = words.framework(framework)
    rules = rules or load_rules(conn)
    scopes = _scopes(conn, words, framework)
    reader = _Reader(conn, day, _months_before(day, rules.current_months), scopes)
    graded = {
        area["code"]: area
        for area in grades.grade_table(conn, as_of=day.isoformat(), framework=framework)["areas"]
    }
    kind_names = dict(conn.execute("SELECT slug, name FROM kinds").fetchall())
    results = []
    for index, scope in enumerate(scopes):

        def applies(check: str, scope: Scope = scope) -> bool:
            """A check is made where the rules make it, for the area or one mapped into it."""
            settings = rules.checks.get(check)
            if settings is None:
                return False
            return "areas" not in settings or bool(settings["areas"] & scope.own.keys())

        area = _Assessment(index, scope, rules, day, reader, kind_names, applies)
        results.append(area.result(graded.get(scope.area["code"])))
    _roll_up(results, scopes, rules)
    for result in results:
        result["checks"].sort(key=lambda check: RAGS.index(check["rag"]))
        result["findings"] = [check["finding"] for check in result["checks"]]
        worst = result["checks"][0]["rag"] if result["checks"] else "green"
        result["rag"] = worst
    for result in results:
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
    same = vocab.equal_areas(conn)
    into = vocab.mapped_into(conn)

    def own(area_id: int) -> dict[int, str | None]:
        found: dict[int, str | None] = {area_id: None}
        for other in sorted(same.get(area_id, ())):
            found.setdefault(other, "equal")
        for other, relationship in into.get(area_id, ()):
            found.setdefault(other, relationship)
        return found

    scopes = []
    for area in (a for a in words.areas if a["framework"] == framework):
        mine = own(area["id"])
        family = vocab.area_family(conn, [area["id"]])
        evidence: set[int] = set()
        for member in family:
            evidence |= set(own(member))
        fed_by = [
            {
                "framework": by_id[other]["framework"],
                "framework_name": short[by_id[other]["framework"]],
                "code": by_id[other]["code"],
                "name": by_id[other]["name"],
                "relationship": relationship,
            }
            for other, relationship in mine.items()
            if by_id[other]["framework"] != framework
        ]
        broadest = {other for other in mine if by_id[other]["parent_id"] not in mine}
        scopes.append(
            Scope(area=area, own=mine, evidence=evidence, fed_by=fed_by, broadest=broadest)
        )
    for scope in scopes:
        scope.sub_areas = [
            other.area for other in scopes if other.area["parent_id"] == scope.area["id"]
        ]
    return scopes


def _months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (31 Mar less one month is 28 Feb)."""
    import calendar

    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


class _Reader:
    """The aggregate queries, each run once for every area, their rows kept by area."""

    def __init__(
        self, conn: sqlite3.Connection, day: dt.date, cutoff: dt.date, scopes: list[Scope]
    ) -> None:
        self.conn = conn
        self.params = {
            "day": day.isoformat(),
            "cutoff": cutoff.isoformat(),
            "own_feed": json.dumps(
                [[index, tag] for index, scope in enumerate(scopes) for tag in scope.own]
            ),
        }
        self.evidence = self._evidence(scopes)
        self.themes = [dict(row) for row in conn.execute(_ALL_THEMES_SQL)]
        self.covered_themes = {row["theme_id"] for row in self._rows(_THEMES_SQL)}
        self.actions = self._by_area(_ACTIONS_SQL)
        self.measures = self._by_area(_MEASURES_SQL)
        self.challenges = self._by_area(_CHALLENGES_SQL)
        self.self_evaluations = self._by_area(_SELF_EVALUATIONS_SQL)

    def _rows(self, sql: str, **params: Any) -> list[sqlite3.Row]:
        sql = sql.format(date_end=catalog.DATE_END_SQL)
        return self.conn.execute(sql, {**self.params, **params}).fetchall()

    def _evidence(self, scopes: list[Scope]) -> dict[int, list[dict[str, Any]]]:
        """Per area, a row for each kind, assurance and currency: how many items, and the
        newest item's details."""
        feeds: dict[int, set[int]] = {}
        for index, scope in enumerate(scopes):
            for tag in scope.evidence:
                feeds.setdefault(tag, set()).add(index)
        groups: dict[tuple, dict[str, Any]] = {}
        for row in self._rows(_EVIDENCE_SQL):
            areas: set[int] = set()
            for tag in (row["tags"] or "").split(","):
                areas |= feeds.get(int(tag), set()) if tag else set()
            for area in areas:
                key = (area, row["kind"], row["assurance"], row["current"])
                group = groups.setdefault(key, {"items": 0, "newest_key": ""})
                group["items"] += row["items"]
                group["newest_key"] = max(group["newest_key"], row["newest_key"])
        ids = sorted({int(group["newest_key"][10:]) for group in groups.values()})
        details = {row["id"]: dict(row) for row in self._rows(_NEWEST_SQL, ids=json.dumps(ids))}
        by_area: dict[int, list[dict[str, Any]]] = {}
        for (area, kind, assurance, current), group in sorted(groups.items()):
            newest = details[int(group["newest_key"][10:])]
            by_area.setdefault(area, []).append(
                {**newest, **group, "kind": kind, "assurance": assurance, "current": current}
            )
        return by_area

    def _by_area(self, sql: str) -> dict[int, list[dict[str, Any]]]:
        grouped: dict[int, list[dict[str, Any]]] = {}
        for row in self._rows(sql):
            grouped.setdefault(row["area"], []).append(dict(row))
        return grouped


_FEED = """
    {name}(area, tag) AS (
        SELECT value ->> 0, value ->> 1 FROM json_each(:{name})
    )
"""
# Per set of tagged areas, kind, assurance and currency: how many items, and the newest
# (by stored date, then id). Grouping by the whole set of an item's areas, not by each
# area, reads every item once and counts it once toward each area it feeds, even when it
# is tagged to two areas of one scope (2 and 2.1).
_EVIDENCE_SQL = """
    SELECT tags, kind, assurance,
           assurance = 'verified' AND date_end >= :cutoff
               AND (review_by IS NULL OR review_by >= :day) AS current,
           count(*) AS items, max(date || printf('%012d', id)) AS newest_key
    FROM (
        SELECT (SELECT group_concat(area_id) FROM evidence_areas
                WHERE evidence_id = evidence.id) AS tags,
               id, kind, assurance, date, review_by, {date_end} AS date_end
        FROM evidence WHERE status = 'current'
    )
    WHERE date_end <= :day
    GROUP BY tags, kind, assurance, current
"""
_NEWEST_SQL = """
    SELECT id, title, date, date_precision, date_qualifier, review_by, {date_end} AS date_end
    FROM evidence WHERE id IN (SELECT value FROM json_each(:ids))
"""
_ALL_THEMES_SQL = """
    SELECT themes.id, themes.area_id, themes.slug, themes.name
    FROM themes JOIN areas ON areas.id = themes.area_id
    ORDER BY areas.position, themes.position
"""
# Themes with current evidence. Only items dated since a year before the cutoff can be
# current (a year-dated item runs to the year's end), so the date index bounds the scan.
_THEMES_SQL = """
    SELECT DISTINCT evidence_themes.theme_id
    FROM evidence JOIN evidence_themes ON evidence_themes.evidence_id = evidence.id
    WHERE evidence.date >= date(:cutoff, '-1 year') AND evidence.date <= :day
      AND evidence.status = 'current' AND evidence.assurance = 'verified'
      AND {date_end} BETWEEN :cutoff AND :day
      AND (evidence.review_by IS NULL OR evidence.review_by >= :day)
"""
# Each action agreed by the day, of a source not withdrawn, as it stood on the day.
_ACTIONS_SQL = (
    "WITH"
    + _FEED.format(name="own_feed")
    + """,
    state AS (
        SELECT actions.id, actions.ref, actions.source_id,
               evidence.title AS source_title, evidence.kind AS source_kind,
               (SELECT status FROM action_updates AS u
                WHERE u.action_id = actions.id AND u.on_date <= :day AND u.status IS NOT NULL
                ORDER BY u.on_date DESC, u.id DESC LIMIT 1) AS status,
               (SELECT due_on FROM action_updates AS u
                WHERE u.action_id = actions.id AND u.on_date <= :day AND u.due_changed
                ORDER BY u.on_date DESC, u.id DESC LIMIT 1) AS due_on
        FROM actions JOIN evidence ON evidence.id = actions.source_id
        WHERE actions.agreed_on <= :day AND evidence.status = 'current'
    )
    SELECT DISTINCT own_feed.area, state.*
    FROM state JOIN action_areas ON action_areas.action_id = state.id
    JOIN own_feed ON own_feed.tag = action_areas.area_id
    WHERE state.status != 'closed'
    ORDER BY state.due_on, state.id
"""
)
# Each measure of the area with its latest figure reported by the day (a revision
# reported later does not yet apply) and the month of that figure.
_MEASURES_SQL = (
    "WITH"
    + _FEED.format(name="own_feed")
    + """,
    current AS (
        SELECT measure, period, value, assurance, revision_reason, reported_on,
               row_number() OVER (
                   PARTITION BY measure, period ORDER BY reported_on DESC, id DESC) AS newest
        FROM readings WHERE reported_on <= :day
    ),
    latest AS (
        SELECT measure, max(period) AS period, value, assurance, revision_reason, reported_on
        FROM current WHERE newest = 1 AND value IS NOT NULL GROUP BY measure
    )
    SELECT own_feed.area, measures.code, measures.name, measures.unit, measures.better,
           measures.floor, measures.target, measures.context,
           latest.period, latest.value, latest.assurance, latest.revision_reason,
           latest.reported_on, replaced.value AS replaced_value
    FROM measures JOIN own_feed ON own_feed.tag = measures.area_id
    LEFT JOIN latest ON latest.measure = measures.code
    LEFT JOIN current AS replaced ON replaced.measure = latest.measure
        AND replaced.period = latest.period AND replaced.newest = 2
    ORDER BY measures.context, measures.code
"""
)
_CHALLENGES_SQL = (
    "WITH"
    + _FEED.format(name="own_feed")
    + """
    SELECT own_feed.area, challenges.id, challenges.measure, challenges.period,
           challenges.question, challenges.raised_on, challenges.raised_by,
           measures.name AS measure_name
    FROM challenges JOIN measures ON measures.code = challenges.measure
    JOIN own_feed ON own_feed.tag = measures.area_id
    WHERE measures.context = 0 AND challenges.raised_on <= :day
      AND (challenges.resolved_on IS NULL OR challenges.resolved_on > :day)
    ORDER BY challenges.raised_on, challenges.id
"""
)
_SELF_EVALUATIONS_SQL = (
    "WITH"
    + _FEED.format(name="own_feed")
    + """
    SELECT own_feed.area, self_evaluations.area_id, max(on_date || printf('%012d',
           self_evaluations.id)) AS newest_key, self_evaluations.id, self_evaluations.grade,
           self_evaluations.on_date, self_evaluations.created_by AS by,
           frameworks.short_name AS framework_name, areas.code AS area_code
    FROM self_evaluations JOIN own_feed ON own_feed.tag = self_evaluations.area_id
    JOIN areas ON areas.id = self_evaluations.area_id
    JOIN frameworks ON frameworks.slug = areas.framework
    WHERE self_evaluations.on_date <= :day
    GROUP BY own_feed.area, self_evaluations.area_id
"""
)


class _Assessment:
    """The checks of one area, each adding a finding with its rating."""

    def __init__(
        self,
        index: int,
        scope: Scope,
        rules: Rules,
        day: dt.date,
        reader: _Reader,
        kind_names: dict[str, str],
        applies,
    ) -> None:
        self.scope = scope
        self.rules = rules
        self.day = day
        self.cutoff = _months_before(day, rules.current_months)
        self.kind_names = kind_names
        self.applies = applies
        self.evidence = reader.evidence.get(index, [])
        self.actions = reader.actions.get(index, [])
        self.measures = reader.measures.get(index, [])
        self.challenges = reader.challenges.get(index, [])
        self.self_evaluations = reader.self_evaluations.get(index, [])
        self.covered_themes = reader.covered_themes
        self.themes = [t for t in reader.themes if t["area_id"] in scope.own]
        self.checks: list[dict[str, Any]] = []

    def result(self, grade: dict[str, Any] | None) -> dict[str, Any]:
        area = self.scope.area
        for check, method in (
            ("verified-evidence", self.verified_evidence),
            *((name, self.recent_kind) for name in self.rules.recent_kind_checks()),
            ("self-evaluation", self.self_evaluation),
            ("overdue-actions", self.overdue_actions),
            ("measures", self.rated_measures),
            ("open-challenges", self.open_challenges),
            ("theme-coverage", self.theme_coverage),
        ):
            if self.applies(check):
                method(check, self.rules.checks[check])
        return {
            "code": area["code"],
            "slug": area["slug"],
            "name": area["name"],
            "parent": None,  # set by _roll_up
            "rag": None,
            "findings": [],
            "checks": self.checks,
            "evidence": self.evidence_counts(),
            "actions": {
                "open": len(self.actions),
                "overdue": sum(1 for action in self.actions if self._overdue_days(action)),
            },
            "measures": self.measure_counts(),
            "open_challenges": len(self.challenges),
            "themes": self.theme_counts(),
            "grade": _grade(grade),
            "self_evaluation": self._latest_self_evaluation(),
            "fed_by": self.scope.fed_by,
            "sub_areas": [sub["code"] for sub in self.scope.sub_areas],
        }

    def add(self, check: str, rag: str, finding: str, **refs: list) -> None:
        self.checks.append(_check(check, rag, finding, **refs))

    # Evidence

    def _newest(self, kinds: list[str] | None = None) -> dict[str, Any] | None:
        rows = [
            row
            for row in self.evidence
            if row["assurance"] == "verified" and (kinds is None or row["kind"] in kinds)
        ]
        return max(rows, key=lambda row: row["newest_key"], default=None)

    def verified_evidence(self, check: str, settings: dict[str, Any]) -> None:
        newest = self._newest()
        current = sum(row["items"] for row in self.evidence if row["current"])
        months = self.rules.current_months
        if newest is None:
            self.add(check, "red", f"no verified evidence{self._claimed(None)}")
            return
        red_cutoff = _months_before(self.day, settings["red_after_months"])
        ref = {"evidence": [newest["id"]]}
        if current:
            noun = "item" if current == 1 else "items"
            latest = self._newest_current()
            self.add(
                check,
                "green",
                f"{current} current verified {noun}, the newest {_item(latest)}, {_when(latest)}",
                evidence=[latest["id"]],
            )
        elif newest["date_end"] < red_cutoff.isoformat():
            self.add(
                check,
                "red",
                f"no verified evidence within {settings['red_after_months']} months: the"
                f" newest is {_item(newest)}, {_when(newest)}{self._claimed(None)}",
                **ref,
            )
        elif newest["date_end"] < self.cutoff.isoformat():
            self.add(
                check,
                settings["rating"],
                f"no verified evidence within {months} months: the newest is {_item(newest)},"
                f" {_when(newest)}{self._claimed(None)}",
                **ref,
            )
        else:
            self.add(
                check,
                settings["rating"],
                f"no current verified evidence: the newest, {_item(newest)} of"
                f" {_when(newest)}, was due for review by {format_day(newest['review_by'])}",
                **ref,
            )

    def _claimed(self, kinds: list[str] | None, window: str | None = None) -> str:
        """A note of the newest claim that would count, were it verified."""
        window = window or self.cutoff.isoformat()
        claimed = max(
            (
                row
                for row in self.evidence
                if row["assurance"] == "claimed"
                and (kinds is None or row["kind"] in kinds)
                and row["date_end"] >= window
            ),
            key=lambda row: row["newest_key"],
            default=None,
        )
        if claimed is None:
            return ""
        return f"; {_item(claimed)} of {_when(claimed)} is claimed, not yet verified"

    def _newest_current(self) -> dict[str, Any]:
        return max((row for row in self.evidence if row["current"]), key=lambda r: r["newest_key"])

    def recent_kind(self, check: str, settings: dict[str, Any]) -> None:
        kinds = settings["kinds"]
        what = " or ".join(_lower(self.kind_names[kind]) for kind in kinds)
        newest = self._newest(kinds)
        window = _months_before(self.day, settings["within_months"]).isoformat()
        if newest is None:
            self.add(
                check, settings["rating"], f"no {what} on record{self._claimed(kinds, window)}"
            )
        elif newest["date_end"] < window:
            self.add(
                check,
                settings["rating"],
                f"no {what} since {_when(newest)}: {_item(newest)}{self._claimed(kinds, window)}",
                evidence=[newest["id"]],
            )
        else:
            self.add(
                check,
                "green",
                f"{what} within {settings['within_months']} months: {_item(newest)},"
                f" {_when(newest)}",
                evidence=[newest["id"]],
            )

    def evidence_counts(self) -> dict[str, Any]:
        by_kind: dict[str, dict[str, Any]] = {}
        for row in self.evidence:
            counts = by_kind.setdefault(
                row["kind"],
                {"kind": row["kind"], "name": self.kind_names[row["kind"]], "current": 0,
                 "stale": 0, "claimed": 0},
            )  # fmt: skip
            if row["assurance"] == "claimed":
                counts["claimed"] += row["items"]
            elif row["current"]:
                counts["current"] += row["items"]
            else:
                counts["stale"] += row["items"]
        kinds = sorted(by_kind.values(), key=lambda counts: counts["kind"])
        return {
            "current": sum(counts["current"] for counts in kinds),
            "stale": sum(counts["stale"] for counts in kinds),
            "claimed": sum(counts["claimed"] for counts in kinds),
            "by_kind": kinds,
        }

    # Self-evaluation

    def _latest_self_evaluation(self) -> dict[str, Any] | None:
        # The area's own, else one of an area mapped as equal to it, else one of the
        # broadest areas mapped into it, newest first: ILACS 2023 children in care reads
        # SIF 2's, not SIF 2.1's, and ILACS 2018's children in care and care leavers
        # reads SIF 2's, not that of its sub-area 2.1 or 2.2.
        def rank(row: dict[str, Any]) -> int:
            relationship = self.scope.own[row["area_id"]]
            if relationship in (None, "equal"):
                return 0 if relationship is None else 1
            return 2 if row["area_id"] in self.scope.broadest else 3

        newest_first = sorted(self.self_evaluations, key=lambda r: r["newest_key"], reverse=True)
        row = min(newest_first, key=rank, default=None)
        if row is None:
            return None
        return {
            "id": row["id"],
            "grade": row["grade"],
            "grade_name": grades.GRADE_NAMES[row["grade"]],
            "on_date": row["on_date"],
            "on_display": format_day(row["on_date"]),
            "by": row["by"],
            "written_for": None
            if row["area_id"] == self.scope.area["id"]
            else f"{row['framework_name']} {row['area_code']}",
        }

    def self_evaluation(self, check: str, settings: dict[str, Any]) -> None:
        latest = self._latest_self_evaluation()
        if latest is None:
            self.add(check, settings["none"], "no self-evaluation")
            return
        whose = f" (of {latest['written_for']})" if latest["written_for"] else ""
        said = (
            f"self-evaluation{whose} '{latest['grade_name']}', {latest['on_display']}"
            f" by {latest['by']}"
        )
        months = settings["within_months"]
        if latest["on_date"] < _months_before(self.day, months).isoformat():
            self.add(
                check,
                settings["rating"],
                f"{said}: not updated for more than {months} months",
            )
        else:
            self.add(check, "green", said)

    # Actions

    def _overdue_days(self, action: dict[str, Any]) -> int:
        due = dt.date.fromisoformat(action["due_on"]) if action["due_on"] else None
        if not action_rules.is_overdue(action["status"], due, self.day):
            return 0
        return (self.day - due).days

    def overdue_actions(self, check: str, settings: dict[str, Any]) -> None:
        overdue = [(action, self._overdue_days(action)) for action in self.actions]
        overdue = [(action, days) for action, days in overdue if days]
        for action, days in overdue:
            rag = "red" if days > settings["red_after_days"] else settings["rating"]
            name = f"action {action['ref']}" if action["ref"] else f"action (id {action['id']})"
            source = _clip(action["source_title"])
            self.add(
                check,
                rag,
                f"{name} of '{source}' overdue since {format_day(action['due_on'])}"
                f" ({days} {'day' if days == 1 else 'days'})",
                actions=[action["id"]],
                evidence=[action["source_id"]],
            )
        if not overdue:
            count = len(self.actions)
            self.add(
                check,
                "green",
                f"no overdue actions; {count} open" if count else "no open actions",
                actions=[action["id"] for action in self.actions],
            )

    # Measures

    def _figure_stale(self, measure: dict[str, Any], settings: dict[str, Any]) -> bool:
        if measure["period"] is None:
            return True
        gap = measures.months_between(measure["period"], measures.period_of(self.day))
        return gap > settings["no_figure_months"]

    def rated_measures(self, check: str, settings: dict[str, Any]) -> None:
        on_target = []
        for measure in self.measures:
            if measure["context"]:
                continue
            name, code = measure["name"], [measure["code"]]
            value = measure["value"]
            state = measures.status(measure, value)
            if state in ("floor-breached", "target-missed"):
                rag = settings["past_floor" if state == "floor-breached" else "short_of_target"]
                self.add(
                    check,
                    rag,
                    f"{name}: {measures.format_value(measure, value)} in"
                    f" {measures.month_name(measure['period'])}"
                    f"{measures.position(measure, value)}{_figure_notes(measure)}",
                    measures=code,
                )
            elif state == "on-target":
                on_target.append(measure)
            if self._figure_stale(measure, settings):
                since = (
                    f"no figure since {measures.month_name(measure['period'])}"
                    if measure["period"]
                    else "no figure recorded"
                )
                self.add(check, settings["no_figure"], f"{name}: {since}", measures=code)
        if on_target:
            listed = "; ".join(
                f"{m['name']} ({measures.format_value(m, m['value'])}"
                + (", claimed, not yet checked)" if m["assurance"] == "claimed" else ")")
                for m in on_target
            )
            noun = "measure" if len(on_target) == 1 else "measures"
            self.add(
                check,
                "green",
                f"{len(on_target)} {noun} within floor and target: {listed}",
                measures=[m["code"] for m in on_target],
            )

    def measure_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(
            ("rated", "on_target", "short_of_target", "past_floor", "no_recent_figure",
             "context"), 0,
        )  # fmt: skip
        settings = self.rules.checks.get("measures") or {"no_figure_months": 3}
        for measure in self.measures:
            if measure["context"]:
                counts["context"] += 1
                continue
            counts["rated"] += 1
            state = measures.status(measure, measure["value"])
            key = {
                "floor-breached": "past_floor",
                "target-missed": "short_of_target",
                "on-target": "on_target",
            }.get(state)
            if key:
                counts[key] += 1
            if self._figure_stale(measure, settings):
                counts["no_recent_figure"] += 1
        return counts

    def open_challenges(self, check: str, settings: dict[str, Any]) -> None:
        for challenge in self.challenges:
            self.add(
                check,
                settings["rating"],
                f"open data challenge to {challenge['measure_name']},"
                f" {measures.month_name(challenge['period'])}: '{challenge['question']}'"
                f" (raised {format_day(challenge['raised_on'])} by {challenge['raised_by']})",
                measures=[challenge["measure"]],
                challenges=[challenge["id"]],
            )

    # Themes

    def theme_counts(self) -> dict[str, Any]:
        uncovered = [t for t in self.themes if t["id"] not in self.covered_themes]
        return {
            "total": len(self.themes),
            "covered": len(self.themes) - len(uncovered),
            "uncovered": [{"slug": t["slug"], "name": t["name"]} for t in uncovered],
        }

    def theme_coverage(self, check: str, settings: dict[str, Any]) -> None:
        counts = self.theme_counts()
        total = counts["total"]
        if not total:
            return
        covered = counts["covered"]
        share = covered / total
        finding = f"{covered} of {total} themes have current evidence"
        if counts["uncovered"]:
            finding += "; none for: " + "; ".join(t["name"] for t in counts["uncovered"])
        rag = settings["rating"] if share < settings["below_share"] else "green"
        self.add(check, rag, finding)


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
                    or (other.own.keys() & left_out)
                ):
                    continue
                _add_rolled(
                    by_code[scope.area["code"]], by_code[other.area["code"]], summed, "area"
                )


def _add_rolled(parent: dict, child: dict, rags: dict[str, str], noun: str) -> None:
    rag = rags[child["code"]]
    if rag == "green":
        return
    finding = f"{noun} {child['code']}, {_lower(child['name'])}, is {rag}"
    parent["checks"].append(_check("roll-up", rag, finding, areas=[child["code"]]))


def _check(check: str, rag: str, finding: str, **refs: list) -> dict[str, Any]:
    """A finding with its rating and the records it names, by kind, always all listed."""
    named = {kind: list(refs.pop(kind, ())) for kind in REFERENCES}
    if refs:
        raise TypeError(f"unknown references: {sorted(refs)}")
    return {"check": check, "rag": rag, "finding": finding, **named}


def _figure_notes(measure: dict[str, Any]) -> str:
    """What a reader must know of a figure: that it replaced another, or is unchecked."""
    notes = ""
    if measure["revision_reason"]:
        was = measure["replaced_value"]
        old = measures.format_value(measure, was) if was is not None else "no number"
        notes += (
            f" (revised from {old} on {format_day(measure['reported_on'])}:"
            f" {measure['revision_reason']})"
        )
    if measure["assurance"] == "claimed":
        notes += " (claimed, not yet checked)"
    return notes


def _worst(rags) -> str:
    rags = list(rags)
    return min(rags, key=RAGS.index) if rags else "green"


def _grade(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if not row or not row.get("grade"):
        return None
    return {
        "grade": row["grade"],
        "grade_name": row["grade_name"],
        "date": row["date"],
        "date_display": row["date_display"],
        "source_id": row["source_id"],
        "given_under": row["given_under"],
    }


def _item(row: dict[str, Any]) -> str:
    return f"item {row['id']} '{_clip(row['title'])}'"


def _when(row: dict[str, Any]) -> str:
    return format_when(row["date"], row["date_precision"], row["date_qualifier"])


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CLIP else text[: TITLE_CLIP - 1].rstrip() + "…"


def _lower(name: str) -> str:
    """A name inside a sentence: `Audit` -> `audit`, `Child story` -> `child story`;
    `DfE review` and `LSCB minutes` keep their capitals."""
    first, _, rest = name.partition(" ")
    if first[:1].isupper() and first[1:].islower():
        first = first.lower()
    return f"{first} {rest}" if rest else first
