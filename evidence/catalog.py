"""The catalogue: logging, finding, correcting and withdrawing evidence.

Every function takes the connection first, validates everything before it writes, writes
in one transaction, and returns plain data. Nothing here prints or exits.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from db import transaction
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

TITLE_MAX = 300
TEXT_MAX = 20_000
MARKINGS = ("official", "official-sensitive")
# Columns a person may change with `evidence edit`, beside areas and themes.
EDITABLE = (
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
)


def now() -> str:
    """The time of a change, in UTC, to the second."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_evidence(
    conn: sqlite3.Connection,
    *,
    kind: str,
    title: str,
    date: str,
    areas: Sequence[str],
    by: str,
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
    today: dt.date | None = None,
) -> int:
    """Log one piece of evidence and return its id."""
    by = _actor(by)
    # Checked in the order a person types them: kind, title, date, areas, themes.
    kind = vocab.resolve_kind(conn, kind)
    title = _title(title)
    when = parse_past_when(date, today or dt.date.today())
    qualifier = parse_qualifier(precision)
    if not areas:
        raise InvalidValue("area", "", "is missing: tag the evidence with at least one area.")
    framework = vocab.resolve_framework(conn, framework)
    area_rows = vocab.resolve_areas(conn, areas, framework)
    theme_rows = vocab.resolve_themes(conn, themes, area_rows)
    row = {
        "kind": kind,
        "title": title,
        "summary": _text(summary, "summary"),
        "date": when.start.isoformat(),
        "date_precision": when.precision,
        "date_qualifier": None if qualifier == EXACT else qualifier,
        "owner": _text(owner, "owner", 200),
        "source": _text(source, "source", 200),
        "ref": _text(ref, "ref", 100),
        "link": _link(link),
        "marking": _marking(marking),
        "review_by": parse_day(review_by, "review_by").isoformat() if review_by else None,
    }
    stamp = now()
    row.update(
        assurance="claimed" if claimed else "verified",
        verified_by=None if claimed else by,
        verified_at=None if claimed else stamp,
        created_at=stamp,
        created_by=by,
        updated_at=stamp,
        updated_by=by,
    )
    with transaction(conn):
        _check_ref_free(conn, row["ref"])
        columns = ", ".join(row)
        marks = ", ".join("?" * len(row))
        evidence_id = conn.execute(
            f"INSERT INTO evidence ({columns}) VALUES ({marks})", list(row.values())
        ).lastrowid
        _link_tags(conn, evidence_id, area_rows, theme_rows)
    return evidence_id


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
    today: dt.date | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Change the fields given (None leaves a field alone; "" clears an optional one).

    `areas` and `themes` replace the item's tags. Returns each changed field with its old
    and new value; nothing is written when nothing changes.
    """
    by = _actor(by)
    current = get_evidence(conn, evidence_id)
    if current["status"] != "current":
        raise Refused(f"evidence {evidence_id} is {current['status']}; it cannot be edited.")
    wanted: dict[str, Any] = {}
    if kind is not None:
        wanted["kind"] = vocab.resolve_kind(conn, kind)
    if title is not None:
        wanted["title"] = _title(title)
    if date is not None:
        when = parse_past_when(date, today or dt.date.today())
        wanted.update(date=when.start.isoformat(), date_precision=when.precision)
    qualifier = parse_qualifier(precision)
    if qualifier is not None:
        wanted["date_qualifier"] = None if qualifier == EXACT else qualifier
    for field, value, limit in (
        ("summary", summary, TEXT_MAX),
        ("owner", owner, 200),
        ("source", source, 200),
        ("ref", ref, 100),
    ):
        if value is not None:
            wanted[field] = _text(value, field, limit)
    if link is not None:
        wanted["link"] = _link(link)
    if marking is not None:
        wanted["marking"] = _marking(marking)
    if review_by is not None:
        wanted["review_by"] = parse_day(review_by, "review_by").isoformat() if review_by else None
    if claimed and current["assurance"] != "claimed":
        wanted.update(assurance="claimed", verified_by=None, verified_at=None)

    area_rows = None
    if areas is not None:
        if not areas:
            raise InvalidValue("area", "", "is missing: an item keeps at least one area.")
        area_rows = vocab.resolve_areas(conn, areas, vocab.resolve_framework(conn, framework))
    theme_rows = None
    if themes is not None or area_rows is not None:
        # New areas must still fit the item's themes, and new themes its areas.
        area_rows = area_rows or _area_rows(conn, evidence_id)
        theme_rows = vocab.resolve_themes(
            conn, current["themes"] if themes is None else themes, area_rows
        )

    changed = {
        field: (current[field], value)
        for field, value in wanted.items()
        if current[field] != value
    }
    if area_rows is not None:
        new_codes = [area["code"] for area in area_rows]
        if sorted(new_codes) != sorted(current["areas"]):
            changed["areas"] = (current["areas"], new_codes)
    if theme_rows is not None:
        new_slugs = [theme["slug"] for theme in theme_rows]
        if sorted(new_slugs) != sorted(current["themes"]):
            changed["themes"] = (current["themes"], new_slugs)
    if not changed:
        return {}

    columns = {field: wanted[field] for field in changed if field in wanted}
    with transaction(conn):
        if "ref" in changed:
            _check_ref_free(conn, columns["ref"], evidence_id)
        # The evidence row is touched first, so tag changes are credited to this person.
        _update(conn, evidence_id, columns, by)
        for tag, table in (("themes", "evidence_themes"), ("areas", "evidence_areas")):
            if tag in changed:
                conn.execute(f"DELETE FROM {table} WHERE evidence_id = ?", [evidence_id])
        _link_tags(
            conn,
            evidence_id,
            area_rows if "areas" in changed else (),
            theme_rows if "themes" in changed else (),
        )
    return changed


def withdraw_evidence(conn: sqlite3.Connection, evidence_id: int, *, reason: str, by: str) -> None:
    """Hide an item from the library without deleting it."""
    by = _actor(by)
    reason = _required_text(reason, "reason")
    current = get_evidence(conn, evidence_id)
    if current["status"] != "current":
        raise Refused(f"evidence {evidence_id} is already {current['status']}.")
    with transaction(conn):
        _update(conn, evidence_id, {"status": "withdrawn", "withdrawn_reason": reason}, by)


def verify_evidence(conn: sqlite3.Connection, evidence_id: int, *, by: str) -> dict[str, Any]:
    """Record that someone checked a claimed item; returns the verified record."""
    by = _actor(by)
    current = get_evidence(conn, evidence_id)
    if current["status"] != "current":
        raise Refused(f"evidence {evidence_id} is {current['status']}; it cannot be verified.")
    if current["assurance"] == "verified":
        raise Refused(
            f"evidence {evidence_id} is already verified"
            f" (by {current['verified_by']} at {current['verified_at']})."
        )
    stamp = now()
    with transaction(conn):
        _update(
            conn,
            evidence_id,
            {"assurance": "verified", "verified_by": by, "verified_at": stamp},
            by,
            stamp,
        )
    return get_evidence(conn, evidence_id)


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
           ORDER BY areas.position, themes.position)) AS themes_json
FROM evidence
"""


def get_evidence(conn: sqlite3.Connection, evidence_id: int) -> dict[str, Any]:
    """One item, whatever its status; NotFound if there is no such id."""
    row = conn.execute(_SELECT + " WHERE evidence.id = ?", [evidence_id]).fetchone()
    if row is None:
        raise NotFound("evidence", evidence_id)
    return _record(row)


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

    An area includes its sub-areas. `since` and `until` take dates at any precision and
    include the whole period (`--until 2017-01` runs to 31 Jan 2017). `as_of` keeps what
    the council could have shown on that day: evidence dated on or before it.
    """
    where: list[str] = []
    params: list[Any] = []
    if areas:
        area_rows = vocab.resolve_areas(conn, areas, vocab.resolve_framework(conn, framework))
        family = vocab.area_family(conn, [area["id"] for area in area_rows])
        where.append(
            "EXISTS (SELECT 1 FROM evidence_areas WHERE evidence_id = evidence.id"
            f" AND area_id IN ({', '.join('?' * len(family))}))"
        )
        params += family
    if kinds:
        slugs = [vocab.resolve_kind(conn, kind) for kind in kinds]
        where.append(f"kind IN ({', '.join('?' * len(slugs))})")
        params += slugs
    for field, value, bound, op in (
        ("since", since, "start", ">="),
        ("until", until, "end", "<="),
        ("as_of", as_of, "end", "<="),
    ):
        if value:
            when = parse_when(value, field)
            where.append(f"date {op} ?")
            params.append(getattr(when, bound).isoformat())
    if search is not None:
        where.append("evidence.id IN (SELECT rowid FROM evidence_fts WHERE evidence_fts MATCH ?)")
        params.append(fts_query(search))
    if not include_withdrawn:
        where.append("status = 'current'")
    sql = _SELECT
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY date DESC, id DESC"
    if limit is not None:
        if limit < 1:
            raise InvalidValue("limit", limit, "must be 1 or more.")
        sql += f" LIMIT {int(limit)}"
    return [_record(row) for row in conn.execute(sql, params)]


def history(conn: sqlite3.Connection, evidence_id: int) -> list[dict[str, Any]]:
    """Every recorded change to an item and its tags, oldest first, each with who and when.

    A tag change is folded into the change of the item it was made with.
    """
    get_evidence(conn, evidence_id)
    rows = conn.execute(
        """
        SELECT changes.*, areas.code AS area_code, themes.slug AS theme_slug
        FROM changes
        LEFT JOIN areas ON changes.table_name = 'evidence_areas'
            AND areas.id = json_extract(coalesce(changes.new, changes.old), '$.area_id')
        LEFT JOIN themes ON changes.table_name = 'evidence_themes'
            AND themes.id = json_extract(coalesce(changes.new, changes.old), '$.theme_id')
        WHERE changes.row_id = ?
            AND changes.table_name IN ('evidence', 'evidence_areas', 'evidence_themes')
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
                        and field not in ("updated_at", "updated_by")
                    },
                    "tags": {"added": [], "removed": []},
                }
            )
            continue
        tag = row["area_code"] if row["table_name"] == "evidence_areas" else row["theme_slug"]
        label = f"area {tag}" if row["table_name"] == "evidence_areas" else f"theme {tag}"
        bucket = "added" if row["action"] == "insert" else "removed"
        if events:
            events[-1]["tags"][bucket].append(label)
    return events


def fts_query(text: str) -> str:
    """Each word as a quoted term, all required: punctuation never breaks the search."""
    words = text.split()
    if not words:
        raise InvalidValue("search", text, "is empty: give a word to search for.")
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
    record["files"] = []
    return record


def _area_rows(conn: sqlite3.Connection, evidence_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT areas.id, areas.framework, areas.code, areas.slug, areas.name, areas.parent_id"
        " FROM evidence_areas JOIN areas ON areas.id = evidence_areas.area_id"
        " WHERE evidence_areas.evidence_id = ? ORDER BY areas.position",
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


def _update(
    conn: sqlite3.Connection,
    evidence_id: int,
    columns: dict[str, Any],
    by: str,
    stamp: str | None = None,
) -> None:
    columns = {**columns, "updated_at": stamp or now(), "updated_by": by}
    assignments = ", ".join(f"{column} = ?" for column in columns)
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


def _actor(value: str) -> str:
    return _required_text(value, "by", 200)


def _title(value: str) -> str:
    if not value.strip():
        raise InvalidValue("title", value, "is empty: give the evidence a title.")
    if len(value) > TITLE_MAX:
        raise InvalidValue(
            "title", _clip(value), f"is {len(value)} characters long; the limit is {TITLE_MAX}."
        )
    if any(ord(char) < 32 for char in value):
        raise InvalidValue("title", _clip(value), "must be one line, with no control characters.")
    return value


def _text(value: str | None, field: str, limit: int = TEXT_MAX) -> str | None:
    """Optional free text: empty means none; stored exactly as given otherwise."""
    if value is None or not value.strip():
        return None
    if len(value) > limit:
        raise InvalidValue(
            field, _clip(value), f"is {len(value)} characters long; the limit is {limit}."
        )
    return value


def _required_text(value: str | None, field: str, limit: int = TEXT_MAX) -> str:
    text = _text(value, field, limit)
    if text is None:
        raise InvalidValue(field, value or "", f"is empty: give a {field}.")
    return text


def _link(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if not value.lower().startswith(("https://", "http://")) or any(c.isspace() for c in value):
        raise InvalidValue("link", value, "must be a web address starting https:// or http://.")
    return value


def _marking(value: str | None) -> str:
    if value is None:
        return "official"
    slug = vocab.normalise(value)
    if slug not in MARKINGS:
        raise UnknownValue("marking", value, MARKINGS)
    return slug


def _clip(value: str, length: int = 40) -> str:
    return value if len(value) <= length else value[: length - 1] + "…"
