"""What readiness reads: a few aggregate queries, each run once for every area.

Each query takes the areas being assessed as a small JSON "feed" of (area, tagged area)
pairs and returns its rows keyed by area. Evidence, the bulk of a library, is grouped
by each item's whole set of areas in one pass, then shared out among the areas those
feed, so every item is read once and counted once per area, even when it is tagged to
two areas of one scope (2 and 2.1).

As of a past day an item counts once its stated date is over (an item dated Jan 2017
from 31 Jan 2017), as `evidence list --as-of` has it; assessed for today, every item in
the library counts. An item is *current* when it was verified by the day, its earliest
possible date is within the window and its review-by date has not passed.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from evidence.catalog import ASSURANCE_AS_OF_SQL, DATE_END_SQL, EARLIEST_SQL, LATEST_SQL


@dataclass
class Evidence:
    """One area's evidence, by kind, assurance as of the day and whether its review-by
    date has passed: how many items, how many current, the latest day any of them could
    be dated (`latest_end`), and the keys of two items: the one that could be the newest
    (`latest_key`, by its latest possible date) and the one certainly newest
    (`proven_key`, by its earliest possible date), with the details of each. Keys are a
    date and an id as text, which is enough to pick the same item every time."""

    groups: list[dict[str, Any]] = field(default_factory=list)
    details: dict[int, dict[str, Any]] = field(default_factory=dict)

    def select(
        self, *, assurance: str = "verified", kinds: list[str] | None = None
    ) -> list[dict[str, Any]]:
        return [
            group
            for group in self.groups
            if group["assurance"] == assurance and (kinds is None or group["kind"] in kinds)
        ]

    def newest(self, groups: list[dict[str, Any]], key: str = "latest_key") -> dict | None:
        """The item of the groups that could be the newest, or with `proven_key` the one
        whose earliest possible date is latest."""
        best = max((group[key] for group in groups), default=None)
        return self.details[_id_of(best)] if best else None


def _id_of(key: str) -> int:
    return int(key[10:])  # after the ten characters of the date


class Reader:
    """Every query's rows for the areas assessed, read once."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        day: dt.date,
        cutoff: dt.date,
        *,
        whole_library: bool,
        evidence_feed: dict[int, set[int]],
        own_feed: dict[int, set[int]],
    ) -> None:
        self.conn = conn
        self.params = {
            "day": day.isoformat(),
            "cutoff": cutoff.isoformat(),
            "shown_until": "9999-12-31" if whole_library else day.isoformat(),
            "own_feed": json.dumps([[a, tag] for a, tags in own_feed.items() for tag in tags]),
        }
        self.evidence = self._evidence(evidence_feed)
        self.themes = [dict(row) for row in conn.execute(_ALL_THEMES_SQL)]
        self.covered_themes = {row["theme_id"] for row in self._rows(_THEMES_SQL)}
        self.actions = self._by_area(_ACTIONS_SQL)
        self.measures = self._by_area(_MEASURES_SQL)
        self._published: dict[str, dict[str, Any] | None] = {}
        self.challenges = self._by_area(_CHALLENGES_SQL)
        self.self_evaluations = self._by_area(_SELF_EVALUATIONS_SQL)

    def _rows(self, sql: str, **params: Any) -> list[sqlite3.Row]:
        sql = sql.format(
            date_end=DATE_END_SQL,
            earliest=EARLIEST_SQL,
            latest=LATEST_SQL,
            assurance=ASSURANCE_AS_OF_SQL,
        )
        return self.conn.execute(sql, {**self.params, **params}).fetchall()

    def published(self, measure: dict[str, Any]) -> dict[str, Any] | None:
        """What DfE published for a measure by the day, against the council's neighbours,
        region and England (`evidence.comparison.compare`); read once per measure."""
        from evidence import comparison

        code = measure["code"]
        if code not in self._published:
            self._published[code] = comparison.compare(
                self.conn, measure, self.params["day"], latest=True
            )
        return self._published[code]

    def _by_area(self, sql: str) -> dict[int, list[dict[str, Any]]]:
        grouped: dict[int, list[dict[str, Any]]] = {}
        for row in self._rows(sql):
            grouped.setdefault(row["area"], []).append(dict(row))
        return grouped

    def _evidence(self, feed: dict[int, set[int]]) -> dict[int, Evidence]:
        feeds: dict[int, set[int]] = {}
        for area, tags in feed.items():
            for tag in tags:
                feeds.setdefault(tag, set()).add(area)
        groups: dict[tuple, dict[str, Any]] = {}
        for row in self._rows(_EVIDENCE_SQL):
            areas: set[int] = set()
            for tag in (row["tags"] or "").split(","):
                areas |= feeds.get(int(tag), set()) if tag else set()
            for area in areas:
                key = (area, row["kind"], row["assurance"], row["past_review"])
                group = groups.setdefault(
                    key,
                    {"kind": row["kind"], "assurance": row["assurance"],
                     "past_review": bool(row["past_review"]), "items": 0, "current": 0,
                     "latest_key": "", "proven_key": "", "latest_end": ""},
                )  # fmt: skip
                group["items"] += row["items"]
                group["current"] += row["current"]
                for name in ("latest_key", "proven_key", "latest_end"):
                    group[name] = max(group[name], row[name])
        ids = {_id_of(g[key]) for g in groups.values() for key in ("latest_key", "proven_key")}
        details = {
            row["id"]: dict(row) for row in self._rows(_DETAILS_SQL, ids=json.dumps(sorted(ids)))
        }
        by_area: dict[int, Evidence] = {}
        for (area, *_), group in sorted(groups.items()):
            by_area.setdefault(area, Evidence(details=details)).groups.append(group)
        return by_area


_FEED = """
    {name}(area, tag) AS (
        SELECT value ->> 0, value ->> 1 FROM json_each(:{name})
    )
"""
_EVIDENCE_SQL = """
    SELECT tags, kind, assurance, past_review, count(*) AS items,
           sum(earliest >= :cutoff) AS current,
           max(latest || id) AS latest_key,
           max(earliest || id) AS proven_key,
           max(latest) AS latest_end
    FROM (
        SELECT (SELECT group_concat(area_id) FROM evidence_areas
                WHERE evidence_id = evidence.id) AS tags,
               id, kind, date, {assurance} AS assurance,
               coalesce(review_by < :day, 0) AS past_review,
               {earliest} AS earliest, {latest} AS latest, {date_end} AS date_end
        FROM evidence WHERE status = 'current'
    )
    WHERE date_end <= :shown_until
    GROUP BY tags, kind, assurance, past_review
"""
_DETAILS_SQL = """
    SELECT id, title, date, date_precision, date_qualifier, review_by,
           {latest} AS latest, {earliest} AS earliest
    FROM evidence WHERE id IN (SELECT value FROM json_each(:ids))
"""
_ALL_THEMES_SQL = """
    SELECT themes.id, themes.area_id, themes.slug, themes.name
    FROM themes JOIN areas ON areas.id = themes.area_id
    ORDER BY areas.position, themes.position
"""
# Themes with current evidence. One pass over the items, each looked up in the themes'
# own index, beats both the date index and reading every theme tag first.
_THEMES_SQL = """
    SELECT DISTINCT evidence_themes.theme_id
    FROM evidence CROSS JOIN evidence_themes ON evidence_themes.evidence_id = evidence.id
    WHERE +evidence.date >= :cutoff AND evidence.status = 'current'
      AND evidence.date_qualifier IS NOT 'on-or-before'
      AND {assurance} = 'verified'
      AND {date_end} <= :shown_until
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
# reported later does not yet apply), the figure it replaced, and the latest month
# known only in words.
_MEASURES_SQL = (
    "WITH"
    + _FEED.format(name="own_feed")
    + """,
    current AS (
        SELECT measure, period, value, note, assurance, revision_reason, reported_on,
               row_number() OVER (
                   PARTITION BY measure, period ORDER BY reported_on DESC, id DESC) AS newest
        FROM readings WHERE reported_on <= :day
    ),
    latest AS (
        SELECT measure, max(period) AS period, value, assurance, revision_reason, reported_on
        FROM current WHERE newest = 1 AND value IS NOT NULL GROUP BY measure
    ),
    words AS (
        SELECT measure, max(period) AS period, note
        FROM current WHERE newest = 1 AND value IS NULL GROUP BY measure
    )
    SELECT own_feed.area, measures.code, measures.name, measures.unit, measures.better,
           measures.floor, measures.target, measures.context,
           latest.period, latest.value, latest.assurance, latest.revision_reason,
           latest.reported_on, replaced.value AS replaced_value,
           words.period AS words_period, words.note AS words_note
    FROM measures JOIN own_feed ON own_feed.tag = measures.area_id
    LEFT JOIN latest ON latest.measure = measures.code
    LEFT JOIN current AS replaced ON replaced.measure = latest.measure
        AND replaced.period = latest.period AND replaced.newest = 2
    LEFT JOIN words ON words.measure = measures.code
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
