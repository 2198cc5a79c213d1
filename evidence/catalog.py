"""The catalogue: logging, finding, correcting and withdrawing evidence.

Every function takes the connection first, validates everything before it writes, writes
in one transaction, and returns plain data. Nothing here prints or exits.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from db import for_rows, now, set_aside, transaction
from db.derived import AREA_EVIDENCE_OF_SQL, SEARCH_TEXT_SQL
from evidence import vocab
from evidence.dates import (
    EXACT,
    format_when,
    parse_day,
    parse_past_when,
    parse_qualifier,
    parse_when,
)
from evidence.errors import InvalidValue, NotFound, Refused, UnknownValue
from evidence.fields import TITLE_MAX, check_actor, check_encoding, free_text, one_line, web_link

if TYPE_CHECKING:
    from evidence.files import Incoming

# The last day of an item's stated date: a month-dated item runs to the month's end.
DATE_END_SQL = (
    "(CASE date_precision WHEN 'year' THEN date(date, '+1 year', '-1 day')"
    " WHEN 'month' THEN date(date, '+1 month', '-1 day') ELSE date END)"
)
# The earliest and latest days an item's date could be, its qualifier included.
EARLIEST_SQL = "(CASE date_qualifier WHEN 'on-or-before' THEN '0000-01-01' ELSE date END)"
LATEST_SQL = f"(CASE date_qualifier WHEN 'on-or-after' THEN '9999-12-31' ELSE {DATE_END_SQL} END)"
MARKINGS = ("official", "official-sensitive")


@dataclass
class Item:
    """A checked item ready to insert: its evidence row, tags and files."""

    row: dict[str, Any]
    areas: list[dict]
    themes: list[dict]
    files: Sequence[Incoming] = ()


def add_evidence(
    conn: sqlite3.Connection,
    *,
    by: str,
    files: Sequence[Incoming] = (),
    today: dt.date | None = None,
    day_one: DayOneTags | None = None,
    **fields: Any,
) -> int:
    """Log one piece of evidence and return its id.

    `fields` are those of `prepare_item`; `files` are examined beforehand
    (`evidence.files.examine`) and attached with the item; `day_one` tags it with the
    day-one list's entries it satisfies (`day_one_tags`).
    """
    by = check_actor(by)
    item = prepare_item(vocab.Vocabulary(conn), today=today or dt.date.today(), **fields)
    item.files = files
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        _check_ref_free(conn, item.row["ref"])
        evidence_id = insert_item(conn, item, by=by, stamp=stamp)
        if day_one is not None:
            _set_day_one(conn, evidence_id, [], day_one.slugs)
        return evidence_id


@dataclass(frozen=True)
class DayOneTags:
    """The day-one list's entries an item satisfies, checked against the list's slugs."""

    slugs: tuple[str, ...]


def day_one_tags(given: Sequence[str], valid: Sequence[str], source: str) -> DayOneTags:
    """The slugs given (`--day-one`), each checked against those of the day-one list read
    from `source`; an empty value is left out, so `[""]` tags with none."""
    slugs: list[str] = []
    for value in given:
        if not value.strip():
            continue
        check_encoding(value, "day_one")
        slug = vocab.normalise(value)
        if slug not in valid:
            raise UnknownValue(
                "day-one entry", value, valid, where=f" on the day-one list {source}"
            )
        if slug not in slugs:
            slugs.append(slug)
    return DayOneTags(tuple(slugs))


def _day_one_of(conn: sqlite3.Connection, evidence_id: int) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT slug FROM evidence_day_one WHERE evidence_id = ? ORDER BY slug", [evidence_id]
        )
    ]


def _set_day_one(
    conn: sqlite3.Connection, evidence_id: int, old: Sequence[str], new: Sequence[str]
) -> None:
    """Replace an item's day-one tags, inside the caller's transaction: each one taken off
    or added is recorded in the change history by the table's triggers."""
    conn.executemany(
        "DELETE FROM evidence_day_one WHERE evidence_id = ? AND slug = ?",
        [(evidence_id, slug) for slug in old if slug not in new],
    )
    conn.executemany(
        "INSERT INTO evidence_day_one (evidence_id, slug) VALUES (?, ?)",
        [(evidence_id, slug) for slug in new if slug not in old],
    )


def prepare_item(
    words: vocab.Vocabulary,
    *,
    kind: str,
    title: str,
    date: str,
    areas: Sequence[str],
    today: dt.date,
    framework: str | None = None,
    themes: Sequence[str] = (),
    summary: str | None = None,
    precision: str | None = None,
    owner: str | None = None,
    source: str | None = None,
    ref: str | None = None,
    link: str | None = None,
    marking: str | None = None,
    review_by: str | None = None,
    claimed: bool = False,
) -> Item:
    """Check every field of a new item, in the order a person types them; writes nothing."""
    kind = words.kind(kind)
    title = _title(title)
    when = parse_past_when(date, today)
    qualifier = parse_qualifier(precision)
    if not [area for area in areas if area.strip()]:
        raise InvalidValue("area", "", "is missing: tag the evidence with at least one area.")
    area_rows = words.areas_of(areas, words.framework(framework))
    theme_rows = words.themes_of([theme for theme in themes if theme.strip()], area_rows)
    row = {
        "kind": kind,
        "title": title,
        "summary": free_text(summary, "summary"),
        "date": when.start.isoformat(),
        "date_precision": when.precision,
        "date_qualifier": None if qualifier == EXACT else qualifier,
        "owner": one_line(owner, "owner", 200),
        "source": one_line(source, "source", 200),
        "ref": one_line(ref, "ref", 100),
        "link": web_link(link),
        "marking": _marking(marking),
        "review_by": parse_day(review_by, "review_by").isoformat() if review_by else None,
        "assurance": "claimed" if claimed else "verified",
    }
    return Item(row, area_rows, theme_rows)


# From this many items, insert_items audits, indexes and files them under their areas
# with one statement each, rather than a trigger per row.
BULK = 200
# The indexes on the columns the web UI facets by (migration 9).
_FACET_INDEXES = ("evidence_kind", "evidence_marking", "evidence_assurance", "evidence_status")
# What a bulk insert does itself, in one statement each, rather than row by row.
_BULK_TRIGGERS = (
    "evidence_audit_insert",
    "evidence_search_insert",
    "evidence_areas_audit_insert",
    "area_evidence_tagged",
)
_TAG = "INSERT INTO evidence_areas (evidence_id, area_id) VALUES (?, ?)"
# Every column an inserted evidence row sets; the rest keep their defaults.
_INSERTED = (
    "id",
    "kind",
    "title",
    "summary",
    "date",
    "date_precision",
    "date_qualifier",
    "owner",
    "source",
    "ref",
    "link",
    "marking",
    "review_by",
    "status",
    "withdrawn_reason",
    "assurance",
    "verified_by",
    "verified_at",
    "verified_on",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
)


def insert_item(conn: sqlite3.Connection, item: Item, *, by: str, stamp: str) -> int:
    """Write a prepared item inside the caller's transaction; returns its id."""
    return insert_items(conn, [item], by=by, stamp=stamp)[0]


def insert_items(
    conn: sqlite3.Connection, items: Sequence[Item], *, by: str, stamp: str
) -> list[int]:
    """Write prepared items in batches, inside the caller's transaction; returns their ids.

    A verified item with no `verified_by` is verified by `by`; a row may carry its own
    `created_by` and `created_at` (an import keeps them); `updated_*` are always `by`. Ids
    are given here, under the write lock, so the rows and their tags go in as batches.
    """
    (first_id,) = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM evidence").fetchone()
    values = []
    for offset, item in enumerate(items):
        row = {
            "created_at": stamp,
            "created_by": by,
            "status": "current",
            **item.row,
            "id": first_id + offset,
            "updated_at": stamp,
            "updated_by": by,
        }
        if row["assurance"] == "verified" and not row.get("verified_by"):
            row.update(verified_by=by, verified_at=stamp)
        values.append([row.get(column) for column in _INSERTED])
    insert = (
        f"INSERT INTO evidence ({', '.join(_INSERTED)}) VALUES ({', '.join('?' * len(_INSERTED))})"
    )
    ids = [first_id + offset for offset in range(len(items))]
    tags = [
        (evidence_id, area["id"])
        for evidence_id, item in zip(ids, items, strict=True)
        for area in item.areas
    ]
    if len(values) < BULK:
        conn.executemany(insert, values)
        conn.executemany(_TAG, tags)
        return _finish_items(conn, ids, items)
    # A batch is audited, indexed for search and put under its areas in one statement
    # each, a third of the time the per-row triggers take; the audit by its triggers' own
    # SQL. A batch at least as large as the library has its facet indexes made afresh at
    # the end, which is quicker than adding to them row by row. All are put back inside
    # the caller's transaction, so no other writer ever misses them.
    (existing,) = conn.execute("SELECT count(*) FROM evidence").fetchone()
    rebuilt = _FACET_INDEXES if len(values) >= existing else ()
    with set_aside(conn, *_BULK_TRIGGERS, *rebuilt) as saved:
        # Each does what its trigger would have done, if the library has the trigger.
        conn.executemany(insert, values)
        if "evidence_audit_insert" in saved:
            for_rows(conn, saved["evidence_audit_insert"], "NEW.id >= ?", [first_id])
        if "evidence_search_insert" in saved:
            conn.execute(
                "INSERT INTO evidence_search (rowid, title, summary, files) "
                + SEARCH_TEXT_SQL.replace("evidence.id = {item}", "evidence.id >= ?"),
                [first_id],
            )
        conn.executemany(_TAG, tags)
        if "evidence_areas_audit_insert" in saved:
            for_rows(
                conn, saved["evidence_areas_audit_insert"], "NEW.evidence_id >= ?", [first_id]
            )
        if "area_evidence_tagged" in saved:
            conn.execute(
                AREA_EVIDENCE_OF_SQL.format(which="evidence_areas.evidence_id >= ?"), [first_id]
            )
    return _finish_items(conn, ids, items)


def _finish_items(conn: sqlite3.Connection, ids: list[int], items: Sequence[Item]) -> list[int]:
    """Tag the written items with their themes and attach their files."""
    conn.executemany(
        "INSERT INTO evidence_themes (evidence_id, theme_id) VALUES (?, ?)",
        [
            (evidence_id, theme["id"])
            for evidence_id, item in zip(ids, items, strict=True)
            for theme in item.themes
        ],
    )
    for evidence_id, item in zip(ids, items, strict=True):
        _attach_files(conn, evidence_id, item.files)
    return ids


def edit_evidence(
    conn: sqlite3.Connection,
    evidence_id: int,
    *,
    by: str,
    framework: str | None = None,
    areas: Sequence[str] | None = None,
    themes: Sequence[str] | None = None,
    kind: str | None = None,
    title: str | None = None,
    date: str | None = None,
    precision: str | None = None,
    summary: str | None = None,
    owner: str | None = None,
    source: str | None = None,
    ref: str | None = None,
    link: str | None = None,
    marking: str | None = None,
    review_by: str | None = None,
    claimed: bool = False,
    cleared_for_print: bool = False,
    files: Sequence[Incoming] = (),
    today: dt.date | None = None,
    words: vocab.Vocabulary | None = None,
    day_one: DayOneTags | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Change the fields given (None leaves a field alone; "" clears an optional one).

    `cleared_for_print` records that `by` read the item and judged it safe to print
    although the privacy check doubted it; a later change of its title or summary, or a
    file attached to it, withdraws that clearance.

    `areas` and `themes` replace the item's tags (`themes=[""]` clears them); `files`
    (examined by `evidence.files.examine`) are attached beside those it has; `day_one`
    (`day_one_tags`) replaces its day-one tags (none clears them). A new date
    replaces the old one with its precision, and drops the old qualifier unless `precision`
    is given again. Returns each changed field with its old and new value; nothing is
    written when nothing changes. `words` is the library's vocabulary, if the caller (an
    import, editing many items) has read it already.
    """
    by = check_actor(by)
    words = words or vocab.Vocabulary(conn)
    wanted: dict[str, Any] = {}
    if kind is not None:
        wanted["kind"] = words.kind(kind)
    if title is not None:
        wanted["title"] = _title(title)
    if date is not None:
        when = parse_past_when(date, today or dt.date.today())
        wanted.update(date=when.start.isoformat(), date_precision=when.precision)
    qualifier = parse_qualifier(precision)
    if qualifier is not None:
        wanted["date_qualifier"] = None if qualifier == EXACT else qualifier
    if summary is not None:
        wanted["summary"] = free_text(summary, "summary")
    for field, value, limit in (("owner", owner, 200), ("source", source, 200), ("ref", ref, 100)):
        if value is not None:
            wanted[field] = one_line(value, field, limit)
    if link is not None:
        wanted["link"] = web_link(link)
    if marking is not None:
        wanted["marking"] = _marking(marking)
    if review_by is not None:
        wanted["review_by"] = parse_day(review_by, "review_by").isoformat() if review_by else None
    framework = words.framework(framework)
    new_areas = None
    if areas is not None:
        if not [area for area in areas if area.strip()]:
            raise InvalidValue("area", "", "is missing: an item keeps at least one area.")
        new_areas = words.areas_of(areas, framework)

    stamp = now()
    with transaction(conn, by=by, at=stamp):  # read, check and write under one lock
        current = get_evidence(conn, evidence_id)
        if current["status"] != "current":
            raise Refused(f"evidence {evidence_id} is {current['status']}; it cannot be edited.")
        if claimed and current["assurance"] != "claimed":
            wanted.update(
                assurance="claimed", verified_by=None, verified_at=None, verified_on=None
            )
        new_date = {
            field: wanted.get(field, current[field]) for field in ("date", "date_precision")
        }
        if qualifier is None and new_date != {f: current[f] for f in new_date}:
            wanted["date_qualifier"] = None  # a corrected date drops the old "about"
        old_areas = _area_rows(conn, evidence_id)
        area_rows = new_areas or old_areas
        old_themes = _theme_rows(conn, evidence_id)
        theme_rows = None
        if themes is not None or new_areas is not None:
            # New areas must still fit the item's themes, and new themes its areas.
            slugs = (
                [t["slug"] for t in old_themes]
                if themes is None
                else [t for t in themes if t.strip()]
            )
            theme_rows = words.themes_of(slugs, area_rows, keeping=themes is None)

        changed = {
            field: (current[field], value)
            for field, value in wanted.items()
            if current[field] != value
        }
        tags = {
            "areas": _tag_change(old_areas, new_areas, area_label),
            "themes": _tag_change(old_themes, theme_rows, lambda theme: theme["slug"]),
        }
        for name, (before, after, added, removed) in tags.items():
            if added or removed:
                changed[name] = (before, after)
        old_day_one = _day_one_of(conn, evidence_id)
        if day_one is not None and set(day_one.slugs) != set(old_day_one):
            changed["day_one"] = (old_day_one, sorted(day_one.slugs))
        old_files = {file["sha256"] for file in current["files"]}
        new_files = [file for file in files if file.sha256 not in old_files]
        if new_files:
            names = [file["name"] for file in current["files"]]
            changed["files"] = (names, names + [file.name for file in new_files])
        cleared = (current["cleared_for_print_by"], current["cleared_for_print_on"])
        if cleared_for_print:
            day = (today or dt.date.today()).isoformat()
            if cleared[0] is None or changed.keys() & {"title", "summary", "files"}:
                wanted.update(cleared_for_print_by=by, cleared_for_print_on=day)
                changed["cleared_for_print_by"] = (cleared[0], by)
        elif cleared[0] is not None and changed.keys() & {"title", "summary", "files"}:
            wanted.update(cleared_for_print_by=None, cleared_for_print_on=None)
            changed["cleared_for_print_by"] = (cleared[0], None)
        if not changed:
            return {}
        if "ref" in changed:
            _check_ref_free(conn, wanted["ref"], evidence_id)
        # The evidence row is touched first, so tag changes are credited to this person.
        columns = {f: wanted[f] for f in changed if f in wanted}
        if "cleared_for_print_by" in changed:
            columns["cleared_for_print_on"] = wanted["cleared_for_print_on"]
        update_row(conn, evidence_id, columns, by, stamp)
        for table, column, (_, _, added, removed) in (
            ("evidence_areas", "area_id", tags["areas"]),
            ("evidence_themes", "theme_id", tags["themes"]),
        ):
            conn.executemany(
                f"DELETE FROM {table} WHERE evidence_id = ? AND {column} = ?",
                [(evidence_id, row["id"]) for row in removed],
            )
            conn.executemany(
                f"INSERT INTO {table} (evidence_id, {column}) VALUES (?, ?)",
                [(evidence_id, row["id"]) for row in added],
            )
        if "day_one" in changed:
            _set_day_one(conn, evidence_id, old_day_one, changed["day_one"][1])
        _attach_files(conn, evidence_id, new_files)
    return changed


def withdraw_evidence(conn: sqlite3.Connection, evidence_id: int, *, reason: str, by: str) -> None:
    """Hide an item from the library without deleting it."""
    by = check_actor(by)
    reason = one_line(reason, "reason", 1000, required=True)
    with transaction(conn, by=by):
        current = get_evidence(conn, evidence_id)
        if current["status"] != "current":
            raise Refused(f"evidence {evidence_id} is already {current['status']}.")
        update_row(conn, evidence_id, {"status": "withdrawn", "withdrawn_reason": reason}, by)


def verify_evidence(
    conn: sqlite3.Connection,
    evidence_id: int,
    *,
    by: str,
    on: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Record that someone checked a claimed item `on` a day (default today); returns the
    verified record. Until that day the item reads as the claim it was."""
    by = check_actor(by)
    today = today or dt.date.today()
    day = parse_day(on, "on") if on is not None else today
    if day > today:
        raise InvalidValue("on", on, f"is in the future (today is {today.isoformat()}).")
    with transaction(conn, by=by):
        current = get_evidence(conn, evidence_id)
        if current["status"] != "current":
            raise Refused(f"evidence {evidence_id} is {current['status']}; it cannot be verified.")
        if current["assurance"] == "verified":
            raise Refused(
                f"evidence {evidence_id} is already verified"
                f" (by {current['verified_by']} at {current['verified_at']})."
            )
        if day.isoformat() < current["date"]:
            raise InvalidValue(
                "on", on, f"is before the item's own date ({current['date_display']})."
            )
        stamp = now()
        columns = {
            "assurance": "verified",
            "verified_by": by,
            "verified_at": stamp,
            "verified_on": day.isoformat(),
        }
        update_row(conn, evidence_id, columns, by, stamp)
    return get_evidence(conn, evidence_id)


def area_label(area: Any) -> str:
    """An area as people write it: its code, with the framework unless it is the default."""
    if area["framework"] == vocab.DEFAULT_FRAMEWORK:
        return area["code"]
    return f"{area['framework']}:{area['code']}"


def _tag_change(old: Sequence[Any], new: Sequence[Any] | None, label) -> tuple:
    """(old labels, new labels, rows added, rows removed) for a replacement of tags."""
    if new is None:
        return [label(row) for row in old], None, [], []
    old_ids = {row["id"] for row in old}
    new_ids = {row["id"] for row in new}
    added = [row for row in new if row["id"] not in old_ids]
    removed = [row for row in old if row["id"] not in new_ids]
    return [label(row) for row in old], [label(row) for row in new], added, removed


# Reading


_SELECT = """
SELECT evidence.*,
    (SELECT name FROM kinds WHERE kinds.slug = evidence.kind) AS kind_name,
    (SELECT json_group_array(json_object('framework', framework, 'code', code, 'slug', slug,
                                          'name', name))
     FROM (SELECT areas.framework, areas.code, areas.slug, areas.name
           FROM evidence_areas JOIN areas ON areas.id = evidence_areas.area_id
           JOIN frameworks ON frameworks.slug = areas.framework
           WHERE evidence_areas.evidence_id = evidence.id
           ORDER BY frameworks.position, areas.position)) AS areas_json,
    (SELECT json_group_array(slug)
     FROM (SELECT themes.slug FROM evidence_themes
           JOIN themes ON themes.id = evidence_themes.theme_id
           JOIN areas ON areas.id = themes.area_id
           WHERE evidence_themes.evidence_id = evidence.id
           ORDER BY areas.position, themes.position)) AS themes_json,
    (SELECT json_group_array(json_object('name', name, 'sha256', sha256, 'size', size,
                                          'media_type', media_type, 'problem', problem))
     FROM (SELECT evidence_files.name, files.sha256, files.size, files.media_type,
                  files.problem
           FROM evidence_files JOIN files ON files.sha256 = evidence_files.sha256
           WHERE evidence_files.evidence_id = evidence.id
           ORDER BY evidence_files.rowid)) AS files_json,
    (SELECT json_object('at', purged_at, 'by', purged_by, 'reason', reason)
     FROM purges WHERE purges.evidence_id = evidence.id) AS purge_json
FROM evidence
"""


def get_evidence(conn: sqlite3.Connection, evidence_id: int) -> dict[str, Any]:
    """One item, whatever its status; NotFound if there is no such id."""
    if not 0 < evidence_id < 2**63:  # beyond SQLite's integers, so certainly absent
        raise NotFound("evidence", evidence_id)
    row = conn.execute(_SELECT + " WHERE evidence.id = ?", [evidence_id]).fetchone()
    if row is None:
        raise NotFound("evidence", evidence_id)
    record = _record(row)
    record["day_one"] = _day_one_of(conn, evidence_id)
    return record


def list_evidence(
    conn: sqlite3.Connection,
    *,
    areas: Sequence[str] = (),
    framework: str | None = None,
    kinds: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    as_of: str | None = None,
    search: str | None = None,
    include_withdrawn: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Evidence matching every filter given, newest first.

    An area includes its sub-areas and the areas of other frameworks mapped into it
    (`vocab.area_scope`): ILACS care leavers includes SIF 2.2. `since` and `until` take
    dates at any precision, each meaning its whole period (`until="2017-01"` runs to 31
    Jan 2017), and keep every item whose date could fall in the range: "2017" is both
    since 2017-06 and until 2017-01, and "on or before 13 Feb 2017" is until 2017-01.
    `as_of` keeps items whose stated date is over by that day: an item dated Jan 2017
    counts from 31 Jan 2017.
    """
    where: list[str] = []
    params: list[Any] = []
    words = vocab.Vocabulary(conn)
    framework = words.framework(framework)
    if areas:
        area_rows = words.areas_of(areas, framework)
        scope = vocab.area_scope(conn, [area["id"] for area in area_rows])
        where.append(
            "EXISTS (SELECT 1 FROM evidence_areas WHERE evidence_id = evidence.id"
            f" AND area_id IN ({', '.join('?' * len(scope))}))"
        )
        params += scope
    if kinds:
        slugs = [words.kind(kind) for kind in kinds]
        where.append(f"kind IN ({', '.join('?' * len(slugs))})")
        params += slugs
    for field, value, column, op in (
        ("since", since, LATEST_SQL, ">="),
        ("until", until, EARLIEST_SQL, "<="),
        ("as_of", as_of, DATE_END_SQL, "<="),
    ):
        if value is not None:
            bound = parse_when(value, field)
            where.append(f"{column} {op} ?")
            params.append((bound.start if field == "since" else bound.end).isoformat())
    if search is not None:
        # Words in the title and summary, or in an attached file's name or text.
        where.append(
            "evidence.id IN (SELECT rowid FROM evidence_search WHERE evidence_search MATCH ?)"
        )
        params.append(fts_query(search))
    if not include_withdrawn:
        where.append("status = 'current'")
    sql = _SELECT
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY date DESC, id DESC"
    if limit is not None:
        if not 0 < limit < 2**63:
            raise InvalidValue("limit", limit, "must be a whole number from 1.")
        sql += f" LIMIT {int(limit)}"
    records = [_record(row) for row in conn.execute(sql, params)]
    if as_of is not None:
        for record in records:
            as_it_stood(record, parse_when(as_of, "as_of").end)
    return records


def as_it_stood(record: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """An item as it stood at the end of `day`: a claim verified later was still a claim."""
    if record["verified_on"] and record["verified_on"] > day.isoformat():
        record.update(assurance="claimed", verified_by=None, verified_at=None, verified_on=None)
    return record


# Assurance at the end of :day, in SQL.
ASSURANCE_AS_OF_SQL = (
    "(CASE WHEN evidence.verified_on > :day THEN 'claimed' ELSE evidence.assurance END)"
)


def history(conn: sqlite3.Connection, evidence_id: int) -> list[dict[str, Any]]:
    """Every recorded change to an item and its tags, oldest first, each with who and when.

    A tag change is folded into the change of the item it was made with.
    """
    get_evidence(conn, evidence_id)
    rows = conn.execute(
        """
        SELECT changes.*, areas.framework AS area_framework, areas.code AS area_code,
               themes.slug AS theme_slug,
               json_extract(coalesce(changes.new, changes.old), '$.name') AS file_name,
               json_extract(coalesce(changes.new, changes.old), '$.slug') AS day_one_slug
        FROM changes
        LEFT JOIN areas ON changes.table_name = 'evidence_areas'
            AND areas.id = json_extract(coalesce(changes.new, changes.old), '$.area_id')
        LEFT JOIN themes ON changes.table_name = 'evidence_themes'
            AND themes.id = json_extract(coalesce(changes.new, changes.old), '$.theme_id')
        WHERE changes.row_id = ?
            AND changes.table_name IN ('evidence', 'evidence_areas', 'evidence_themes',
                                       'evidence_files', 'evidence_day_one')
        ORDER BY changes.id
        """,
        [evidence_id],
    ).fetchall()
    events: list[dict[str, Any]] = []
    for row in rows:
        if row["table_name"] == "evidence":
            old = json.loads(row["old"]) if row["old"] else {}
            new = json.loads(row["new"]) if row["new"] else {}
            events.append(
                {
                    "action": row["action"],
                    "at": row["changed_at"],
                    "by": row["changed_by"],
                    "changes": {
                        field: [old.get(field), new[field]]
                        for field in new
                        if row["action"] == "update"
                        and old.get(field) != new[field]
                        and field not in ("updated_at", "updated_by", "revision")
                    },
                    "tags": {"added": [], "removed": []},
                }
            )
            continue
        if row["table_name"] == "evidence_areas":
            area = {"framework": row["area_framework"], "code": row["area_code"]}
            label = "area " + area_label(area)
        elif row["table_name"] == "evidence_files":
            label = f"file {row['file_name']}" if row["file_name"] else "a file"
        elif row["table_name"] == "evidence_day_one":
            label = f"day-one entry {row['day_one_slug']}"
        else:
            label = f"theme {row['theme_slug']}"
        # A tag change joins the change of the item made in the same command; one made
        # by another tool stands on its own.
        last = events[-1] if events else None
        if not (
            last
            and row["changed_by"]
            and (last["by"], last["at"]) == (row["changed_by"], row["changed_at"])
        ):
            last = {
                "action": "tags",
                "at": row["changed_at"],
                "by": row["changed_by"],
                "changes": {},
                "tags": {"added": [], "removed": []},
            }
            events.append(last)
        last["tags"]["added" if row["action"] == "insert" else "removed"].append(label)
    return events


def fts_query(text: str) -> str:
    """Each word as a quoted term, all required: punctuation never breaks the search."""
    words = text.split()
    if not words:
        raise InvalidValue("search", text, "is empty: give a word to search for.")
    check_encoding(text, "search")
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def display_date(record: dict[str, Any]) -> str:
    return format_when(record["date"], record["date_precision"], record["date_qualifier"])


# Helpers


def _record(row: sqlite3.Row) -> dict[str, Any]:
    record = dict(row)
    details = json.loads(record.pop("areas_json"))
    record["areas"] = [area["code"] for area in details]
    record["area_details"] = details
    record["themes"] = json.loads(record.pop("themes_json"))
    record["date_display"] = display_date(record)
    record["files"] = json.loads(record.pop("files_json"))
    purge = record.pop("purge_json")
    record["purge"] = json.loads(purge) if purge else None
    return record


def _area_rows(conn: sqlite3.Connection, evidence_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT areas.id, areas.framework, areas.code, areas.slug, areas.name, areas.parent_id"
        " FROM evidence_areas JOIN areas ON areas.id = evidence_areas.area_id"
        " WHERE evidence_areas.evidence_id = ? ORDER BY areas.position",
        [evidence_id],
    ).fetchall()


def _attach_files(conn: sqlite3.Connection, evidence_id: int, files: Sequence[Incoming]) -> None:
    # Imported only when an item has files, keeping it off the everyday `evidence add`.
    if not files:
        return
    from evidence.files import attach

    for file in files:
        attach(conn, evidence_id, file)


def _theme_rows(conn: sqlite3.Connection, evidence_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT themes.id, themes.slug FROM evidence_themes"
        " JOIN themes ON themes.id = evidence_themes.theme_id"
        " JOIN areas ON areas.id = themes.area_id"
        " WHERE evidence_themes.evidence_id = ? ORDER BY areas.position, themes.position",
        [evidence_id],
    ).fetchall()


def _link_tags(
    conn: sqlite3.Connection,
    evidence_id: int,
    areas: Iterable[sqlite3.Row],
    themes: Iterable[sqlite3.Row] | None,
) -> None:
    conn.executemany(
        "INSERT INTO evidence_areas (evidence_id, area_id) VALUES (?, ?)",
        [(evidence_id, area["id"]) for area in areas],
    )
    conn.executemany(
        "INSERT INTO evidence_themes (evidence_id, theme_id) VALUES (?, ?)",
        [(evidence_id, theme["id"]) for theme in themes or ()],
    )


def update_row(
    conn: sqlite3.Connection,
    evidence_id: int,
    columns: dict[str, Any],
    by: str,
    stamp: str | None = None,
) -> None:
    columns = {**columns, "updated_at": stamp or now(), "updated_by": by}
    assignments = ", ".join(f"{column} = ?" for column in columns) + ", revision = revision + 1"
    conn.execute(
        f"UPDATE evidence SET {assignments} WHERE id = ?", [*columns.values(), evidence_id]
    )


def _check_ref_free(conn: sqlite3.Connection, ref: str | None, evidence_id: int = 0) -> None:
    if ref is None:
        return
    row = conn.execute(
        "SELECT id FROM evidence WHERE ref = ? AND id != ?", [ref, evidence_id]
    ).fetchone()
    if row:
        raise Refused(f"ref '{ref}' is already used by evidence {row[0]}.")


def _title(value: str) -> str:
    if not value.strip():
        raise InvalidValue("title", value, "is empty: give the evidence a title.")
    return one_line(value, "title", TITLE_MAX)


def _marking(value: str | None) -> str:
    if value is None:
        return "official"
    return vocab.one_of("marking", value, MARKINGS)


def setting(conn: sqlite3.Connection, key: str) -> str | None:
    """One of the library's settings (the council's name), or None if it is not set."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_setting(conn: sqlite3.Connection, key: str, value: str, *, by: str) -> None:
    """Set one of the library's settings (the council's name)."""
    check_actor(by)
    text = one_line(value, key, 200, required=True)
    with transaction(conn, by=by):
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, text],
        )
