"""The day-one list: what a council hands the inspectors when the call comes, read from
`day-one.yml` (or a council's copy), and how the library stands against it on a day.

An entry is satisfied by the newest current, verified item dated by the day that is
tagged with its slug (`evidence add|edit --day-one SLUG`), or of one of its kinds (and,
where the entry says, tagged with one of its areas or themes); the self-evaluation entry
by the newest self-evaluation. It is current when that is no older than the entry's
`within_months`, stale when older, and missing when there is none.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence import vocab
from evidence.dates import format_day
from evidence.errors import InvalidValue

SHIPPED = Path(__file__).with_name("day-one.yml")
SHIPPED_NAME = "readiness/day-one.yml"
_DUE = re.compile(r"(notification|on-site)(?:\s*\+\s*(\d{1,2}))?\s+(\d{1,2}):(\d{2})")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
KEYS = {"slug", "name", "kinds", "areas", "themes", "self_evaluation", "within_months", "due"}


@dataclass
class Entry:
    slug: str
    name: str
    within_months: int
    due_from: str  # notification or on-site
    due_days: int
    due_time: tuple[int, int]
    kinds: list[str] = field(default_factory=list)
    area_ids: list[int] = field(default_factory=list)
    theme_ids: list[int] = field(default_factory=list)
    self_evaluation: bool = False

    def due_at(self, notified_at: dt.datetime, on_site: dt.date) -> dt.datetime:
        """When it is due, for an inspection notified then and on site from that day."""
        from evidence.uktime import at_uk, uk_day

        start = uk_day(notified_at) if self.due_from == "notification" else on_site
        due = at_uk(start + dt.timedelta(days=self.due_days), *self.due_time)
        # A call after the hour (or on site the day of the call): the next day at that hour.
        while due <= notified_at:
            start += dt.timedelta(days=1)
            due = at_uk(start + dt.timedelta(days=self.due_days), *self.due_time)
        return due

    @property
    def due_words(self) -> str:
        """When it is due, in words: "17:00 on the day of notification", "12:00, 1 day
        after the first day on site"."""
        hour, minute = self.due_time
        when = (
            "the day of notification"
            if self.due_from == "notification"
            else "the first day on site"
        )
        if self.due_days:
            days = f"{self.due_days} day{'' if self.due_days == 1 else 's'}"
            return f"{hour:02d}:{minute:02d}, {days} after {when}"
        return f"{hour:02d}:{minute:02d} on {when}"
        later = f" {self.due_days} days after" if self.due_days else ""
        return (
            f"{hour:02d}:{minute:02d}{later} on {when}"
            if not later
            else f"{hour:02d}:{minute:02d},{later} {when}"
        )


@dataclass
class DayOneList:
    source: str
    entries: list[Entry]

    def slugs(self) -> list[str]:
        return [entry.slug for entry in self.entries]

    def requests(
        self, conn: sqlite3.Connection, notified_at: dt.datetime, on_site: dt.date
    ) -> list[dict[str, Any]]:
        """The list as an inspection's first requests (`requests_for`)."""
        return requests_for(conn, self, notified_at, on_site)


def load(conn: sqlite3.Connection, path: str | Path | None = None) -> DayOneList:
    """The shipped list, or a council's own: every value checked, a bad one an error
    naming the file, the entry and the value."""
    from evidence.readers import read_yaml_file

    name = str(path) if path is not None else SHIPPED_NAME
    data = read_yaml_file(
        Path(path) if path is not None else SHIPPED, "day-one list", limit=1024 * 1024
    )
    words = vocab.Vocabulary(conn)

    def problem(where: str, value: Any, message: str) -> InvalidValue:
        return InvalidValue(f"day-one list {name}, {where}", value, message)

    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise InvalidValue("day-one list", name, "must hold `entries:`, a list of documents.")
    for key in data:
        if key not in ("framework", "entries"):
            raise problem(str(key), key, "is not a setting: give framework and entries.")
    try:
        framework = words.framework(data.get("framework"))
    except InvalidValue as error:
        raise problem("framework", error.value, error.problem) from None
    entries: list[Entry] = []
    for number, raw in enumerate(data["entries"], start=1):
        if not isinstance(raw, dict):
            raise problem(f"entry {number}", raw, "must be a mapping (slug, name, due, ...).")
        slug = str(raw.get("slug") or "")
        where = f"entry {slug or number}"
        if not _SLUG.fullmatch(slug) or len(slug) > 60:
            raise problem(where, slug, "is not a slug: give lower-case words joined by -.")
        if slug in [entry.slug for entry in entries]:
            raise problem(where, slug, "is listed twice.")
        for key in raw:
            if key not in KEYS:
                raise problem(
                    f"{where}, {key}", key, f"is not a setting: give {', '.join(sorted(KEYS))}."
                )
        title = raw.get("name")
        if not isinstance(title, str) or not title.strip() or len(title) > 300:
            raise problem(f"{where}, name", title, "must name the document.")
        months = raw.get("within_months")
        if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 120:
            raise problem(
                f"{where}, within_months", months, "must be a number of months, 1 to 120."
            )
        due = _DUE.fullmatch(str(raw.get("due") or "").strip())
        if not due or int(due.group(3)) > 23 or int(due.group(4)) > 59:
            raise problem(
                f"{where}, due",
                raw.get("due"),
                'must be such as "notification 17:00" or "on-site 09:00".',
            )
        kinds = _strings(raw.get("kinds"), f"{where}, kinds", problem)
        for kind in kinds:
            try:
                words.kind(kind)
            except InvalidValue as error:
                raise problem(f"{where}, kinds", kind, error.problem) from None
        try:
            area_rows = words.areas_of(
                _strings(raw.get("areas"), f"{where}, areas", problem), framework
            )
        except InvalidValue as error:
            raise problem(f"{where}, areas", error.value, error.problem) from None
        themes = _strings(raw.get("themes"), f"{where}, themes", problem)
        try:
            theme_rows = words.themes_of(
                themes, area_rows or [a for a in words.areas if a["framework"] == framework]
            )
        except InvalidValue as error:
            raise problem(f"{where}, themes", error.value, error.problem) from None
        self_evaluation = raw.get("self_evaluation", False)
        if not isinstance(self_evaluation, bool):
            raise problem(f"{where}, self_evaluation", self_evaluation, "must be true or false.")
        entries.append(
            Entry(
                slug=slug,
                name=" ".join(title.split()),
                within_months=months,
                due_from=due.group(1),
                due_days=int(due.group(2) or 0),
                due_time=(int(due.group(3)), int(due.group(4))),
                kinds=[vocab.normalise(kind) for kind in kinds],
                area_ids=[area["id"] for area in area_rows],
                theme_ids=[theme["id"] for theme in theme_rows],
                self_evaluation=self_evaluation,
            )
        )
    if not entries:
        raise InvalidValue("day-one list", name, "has no entries.")
    return DayOneList(name, entries)


def requests_for(
    conn: sqlite3.Connection,
    day_one: DayOneList,
    notified_at: dt.datetime,
    on_site: dt.date,
) -> list[dict[str, Any]]:
    """The list as an inspection's first requests (`inspections.start_inspection`): each
    entry as the library stood on the day of the call, due as the list says."""
    from evidence.uktime import uk_day

    return [
        {
            **found,
            "due_at": entry.due_at(notified_at, on_site),
            "proposed_id": found["item"]["id"] if found["item"] else None,
        }
        for entry, found in zip(
            day_one.entries, assess(conn, day_one, uk_day(notified_at)), strict=True
        )
    ]


def _strings(value: Any, where: str, problem) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise problem(where, value, "must be a list of words.")
    return value


def assess(conn: sqlite3.Connection, day_one: DayOneList, day: dt.date) -> list[dict[str, Any]]:
    """Each entry as the library stands at the end of `day`: its state (current, stale or
    missing) and the item (or self-evaluation) that would be handed over."""
    from readiness.checks import months_before

    found = []
    for entry in day_one.entries:
        since = months_before(day, entry.within_months).isoformat()
        if entry.self_evaluation:
            row = conn.execute(
                "SELECT max(on_date) FROM self_evaluations WHERE on_date <= ?", [day.isoformat()]
            ).fetchone()
            newest = row[0]
            item = None
            dated = newest
        else:
            item = _newest(conn, entry, day)
            dated = item["date"] if item else None
        state = "missing" if dated is None else "current" if dated >= since else "stale"
        found.append(
            {
                "slug": entry.slug,
                "name": entry.name,
                "state": state,
                "item": item,
                "dated": dated,
                "dated_display": format_day(dated) if dated else None,
                "within_months": entry.within_months,
                "self_evaluation": entry.self_evaluation,
                "due": entry.due_words,
            }
        )
    return found


def _newest(conn: sqlite3.Connection, entry: Entry, day: dt.date) -> dict[str, Any] | None:
    """The newest current, verified item dated by `day` that satisfies the entry: the
    newer of the newest tagged with it and the newest of its kinds (in its areas and
    themes), each found through its own index rather than one scan for either."""
    from evidence.catalog import DATE_END_SQL

    columns = "evidence.id, title, date, date_precision, date_qualifier, kind"
    shown = f"status = 'current' AND assurance = 'verified' AND {DATE_END_SQL} <= ?"
    found = [
        conn.execute(
            f"SELECT {columns} FROM evidence_day_one AS t JOIN evidence ON evidence.id ="
            f" t.evidence_id WHERE t.slug = ? AND {shown} ORDER BY date DESC, evidence.id DESC"
            " LIMIT 1",
            [entry.slug, day.isoformat()],
        ).fetchone()
    ]
    if entry.kinds:
        way = f"evidence.kind IN ({', '.join('?' * len(entry.kinds))})"
        params: list[Any] = list(entry.kinds)
        if entry.area_ids:
            way += (
                " AND EXISTS (SELECT 1 FROM evidence_areas a WHERE a.evidence_id = evidence.id"
                f" AND a.area_id IN ({', '.join('?' * len(entry.area_ids))}))"
            )
            params += entry.area_ids
        if entry.theme_ids:
            way += (
                " AND EXISTS (SELECT 1 FROM evidence_themes h WHERE h.evidence_id = evidence.id"
                f" AND h.theme_id IN ({', '.join('?' * len(entry.theme_ids))}))"
            )
            params += entry.theme_ids
        found.append(
            conn.execute(
                f"SELECT {columns} FROM evidence WHERE {way} AND {shown}"
                " ORDER BY date DESC, evidence.id DESC LIMIT 1",
                [*params, day.isoformat()],
            ).fetchone()
        )
    rows = [row for row in found if row is not None]
    if not rows:
        return None
    return dict(max(rows, key=lambda row: (row["date"], row["id"])))


def summary(assessed: list[dict[str, Any]]) -> tuple[str, str]:
    """The readiness finding: its rating and its words, such as "day-one list: 9 of 12
    current; missing: ...; stale: ...", each stale document with the item that would be
    handed over and its date."""
    from readiness.checks import lower_name

    current = [a for a in assessed if a["state"] == "current"]
    words = f"day-one list: {len(current)} of {len(assessed)} current"
    for state in ("missing", "stale"):
        names = [
            lower_name(a["name"]) + (f" ({_newest_words(a)})" if state == "stale" else "")
            for a in assessed
            if a["state"] == state
        ]
        if names:
            words += f"; {state}: {'; '.join(names)}"
    rag = "green" if len(current) == len(assessed) else "amber"
    return rag, words


def _newest_words(found: dict[str, Any]) -> str:
    """What a stale entry has: "item 67, 16 Jan 2018, older than 2 months"."""
    from evidence.catalog import display_date

    months = f"older than {found['within_months']} months"
    if found["item"] is None:
        return f"self-evaluation of {found['dated_display']}, {months}"
    item = found["item"]
    return f"item {item['id']}, {display_date(item)}, {months}"
