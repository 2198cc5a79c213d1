"""The statistics database: a small SQLite file of figures about the library, for the
web UI's home page and dashboard.

The dashboard's charts run their SQL in the reader's browser, so whoever sees them must be
allowed SQL on the database they query. They query this file, not the library: a manager
or a viewer sees charts without being able to run any SQL on the evidence itself. It is
rebuilt from the library by `evidence serve` when it starts and whenever the library
changes, inside one transaction, so a page never reads it half-built.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import zlib
from pathlib import Path
from typing import Any

from evidence import disk
from evidence.dates import as_of_day, format_day

SCHEMA = """
CREATE TABLE IF NOT EXISTS about (
    key TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE IF NOT EXISTS readiness (
    position INTEGER PRIMARY KEY,
    framework TEXT NOT NULL,
    area_code TEXT NOT NULL,
    area TEXT NOT NULL,
    area_slug TEXT NOT NULL,
    parent_code TEXT,
    rating TEXT NOT NULL,
    findings INTEGER NOT NULL,
    first_finding TEXT,
    all_findings TEXT,
    current_items INTEGER NOT NULL,
    stale_items INTEGER NOT NULL,
    claimed_items INTEGER NOT NULL,
    open_actions INTEGER NOT NULL,
    overdue_actions INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    items INTEGER NOT NULL,
    verified INTEGER NOT NULL,
    claimed INTEGER NOT NULL,
    open_actions INTEGER NOT NULL,
    overdue_actions INTEGER NOT NULL,
    floors_breached INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence_per_month (
    month TEXT NOT NULL,
    area_code TEXT NOT NULL,
    area TEXT NOT NULL,
    items INTEGER NOT NULL,
    PRIMARY KEY (month, area_code)
);
CREATE TABLE IF NOT EXISTS latest_figures (
    measure TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    area_code TEXT,
    unit TEXT NOT NULL,
    period TEXT,
    value REAL,
    floor REAL,
    target REAL,
    standing TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS actions_by_status (
    status TEXT PRIMARY KEY,
    actions INTEGER NOT NULL,
    overdue INTEGER NOT NULL
);
"""
MONTHS_CHARTED = 24
STANDINGS = {
    "floor-breached": "floor breached",
    "target-missed": "target missed",
    "on-target": "on target",
    "no-thresholds": "no floor or target",
    "context": "context only",
    "no-figure": "no figure",
}
RATING_ORDER = {"red": 0, "amber": 1, "green": 2}


def build(
    conn: sqlite3.Connection, path: Path, *, as_of: str | None = None, built_from: str = ""
) -> dict[str, Any]:
    """Rebuild the statistics file at `path` from the library open on `conn`, as things
    stood at the end of `as_of` (default today); `built_from` says which state of the
    library it was (evidence.web.WebState.library_signature). Returns what the page banner
    shows."""
    from evidence import actions, catalog, measures
    from readiness.assess import assess

    day = as_of_day(as_of)
    found = assess(conn, as_of=day.isoformat())
    figures = measures.list_measures(conn, as_of=day.isoformat())
    tracked = actions.list_actions(conn, as_of=day.isoformat())
    about = {
        "as_of": day.isoformat(),
        "as_of_shown": format_day(day.isoformat()),
        "today": day >= dt.date.today(),
        "council": catalog.setting(conn, "council"),
        "framework": found["framework"],
        "framework_name": found["framework_name"],
        "marking": marking(conn),
        "built_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "built_from": built_from,
    }
    readiness_rows = [
        {
            "position": position,
            "framework": found["framework"],
            "area_code": area["code"],
            "area": area["name"],
            "area_slug": area["slug"],
            "parent_code": area["parent"],
            "rating": area["rag"],
            "findings": len(area["findings"]),
            "first_finding": area["findings"][0] if area["findings"] else None,
            "all_findings": "\n".join(area["findings"]),
            "current_items": area["evidence"]["current"],
            "stale_items": area["evidence"]["stale"],
            "claimed_items": area["evidence"]["claimed"],
            "open_actions": area["actions"]["open"],
            "overdue_actions": area["actions"]["overdue"],
        }
        for position, area in enumerate(found["areas"])
    ]
    statuses: dict[str, list[int]] = {}
    for action in tracked:
        counts = statuses.setdefault(action["status"], [0, 0])
        counts[0] += 1
        counts[1] += bool(action["overdue"])
    latest = [
        {
            "measure": measure["code"],
            "name": measure["name"],
            "area_code": measure["area"],
            "unit": measure["unit"],
            "period": (measure["latest"] or {}).get("period"),
            "value": (measure["latest"] or {}).get("value"),
            "floor": measure["floor"],
            "target": measure["target"],
            "standing": STANDINGS[measure["status"]],
        }
        for measure in figures
    ]
    totals = _totals(conn, day, tracked, latest)
    per_month = _per_month(conn, day, found["framework"])

    disk.private_folder(path.parent)
    # Readable by its owner only, like the library it quotes; before SQLite opens it, so
    # its logs take the same mode. A file made by an earlier version is tightened.
    disk.create_private(path)
    for end in ("", "-wal", "-shm"):
        disk.tighten(f"{path}{end}")
    out = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        out.execute("PRAGMA journal_mode = WAL")
        _match_schema(out)
        out.execute("BEGIN IMMEDIATE")
        for table in ("about", "readiness", "totals", "evidence_per_month", "latest_figures",
                      "actions_by_status"):  # fmt: skip
            out.execute(f"DELETE FROM {table}")
        out.executemany(
            "INSERT INTO about (key, value) VALUES (?, ?)",
            [(key, None if value is None else str(value)) for key, value in about.items()],
        )
        _insert(out, "readiness", readiness_rows)
        _insert(out, "totals", [{"id": 1, **totals}])
        _insert(out, "evidence_per_month", per_month)
        _insert(out, "latest_figures", latest)
        _insert(
            out,
            "actions_by_status",
            [
                {"status": status, "actions": counts[0], "overdue": counts[1]}
                for status, counts in sorted(statuses.items())
            ],
        )
        out.execute("COMMIT")
    except BaseException:
        if out.in_transaction:
            out.execute("ROLLBACK")
        raise
    finally:
        out.close()
    return about


def _match_schema(out: sqlite3.Connection) -> None:
    """The statistics are made again from the library each time, so a file made by an
    earlier version, with other tables or columns, is emptied and made to this SCHEMA;
    its `user_version` records which."""
    version = zlib.crc32(SCHEMA.encode()) & 0x7FFFFFFF
    if out.execute("PRAGMA user_version").fetchone()[0] == version:
        return
    tables = out.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    drops = "".join(f'DROP TABLE "{table}";\n' for (table,) in tables)
    out.executescript(
        f"BEGIN IMMEDIATE;\n{drops}{SCHEMA}\nPRAGMA user_version = {version};\nCOMMIT;"
    )


def _insert(out: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    out.executemany(
        f"INSERT INTO {table} ({', '.join(columns)})"
        f" VALUES ({', '.join(':' + column for column in columns)})",
        rows,
    )


def marking(conn: sqlite3.Connection) -> str:
    """The highest marking of anything the web UI shows: withdrawn items included."""
    sensitive = conn.execute(
        "SELECT 1 FROM evidence WHERE marking = 'official-sensitive' AND status != 'purged'"
        " LIMIT 1"
    ).fetchone()
    return "OFFICIAL-SENSITIVE" if sensitive else "OFFICIAL"


def _totals(
    conn: sqlite3.Connection, day: dt.date, tracked: list[dict], latest: list[dict]
) -> dict[str, int]:
    from evidence.catalog import ASSURANCE_AS_OF_SQL

    items, verified = conn.execute(
        f"SELECT count(*), coalesce(sum({ASSURANCE_AS_OF_SQL} = 'verified'), 0)"
        " FROM evidence WHERE status = 'current' AND date <= :day",
        {"day": day.isoformat()},
    ).fetchone()
    return {
        "items": items,
        "verified": verified,
        "claimed": items - verified,
        "open_actions": sum(action["status"] != "closed" for action in tracked),
        "overdue_actions": sum(bool(action["overdue"]) for action in tracked),
        "floors_breached": sum(row["standing"] == "floor breached" for row in latest),
    }


def _per_month(conn: sqlite3.Connection, day: dt.date, framework: str) -> list[dict[str, Any]]:
    """Items by the month of their date, over the two years to `day`, under each top-level
    area of the framework (an item of a sub-area counts under its parent area)."""
    first = dt.date(day.year - MONTHS_CHARTED // 12, day.month, 1)
    rows = conn.execute(
        """
        SELECT substr(item.date, 1, 7) AS month, areas.code AS area_code,
               areas.name AS area, count(*) AS items
        FROM evidence_by_area AS item
        JOIN areas ON areas.framework = item.framework AND areas.code = item.area_code
        WHERE item.framework = :framework AND areas.parent_id IS NULL
          AND item.date >= :first AND item.date <= :day
        GROUP BY month, areas.id
        ORDER BY month, areas.position
        """,
        {"framework": framework, "first": first.isoformat(), "day": day.isoformat()},
    ).fetchall()
    return [dict(row) for row in rows]
