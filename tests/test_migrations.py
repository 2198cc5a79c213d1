import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from db.migrations import migration_names
from evidence.library import open_library

EXPECTED_COLUMNS = {
    "frameworks": {
        "slug": "TEXT",
        "name": "TEXT",
        "short_name": "TEXT",
        "in_force": "TEXT",
        "position": "INTEGER",
    },
    "areas": {
        "id": "INTEGER",
        "framework": "TEXT",
        "code": "TEXT",
        "slug": "TEXT",
        "name": "TEXT",
        "parent_id": "INTEGER",
        "position": "INTEGER",
    },
    "themes": {
        "id": "INTEGER",
        "area_id": "INTEGER",
        "slug": "TEXT",
        "name": "TEXT",
        "position": "INTEGER",
    },
    "area_mappings": {
        "id": "INTEGER",
        "from_area_id": "INTEGER",
        "to_framework": "TEXT",
        "to_area_id": "INTEGER",
        "relationship": "TEXT",
        "note": "TEXT",
    },
    "kinds": {"slug": "TEXT", "name": "TEXT", "description": "TEXT", "position": "INTEGER"},
    "evidence": {
        "id": "INTEGER",
        "kind": "TEXT",
        "title": "TEXT",
        "summary": "TEXT",
        "date": "TEXT",
        "date_precision": "TEXT",
        "date_qualifier": "TEXT",
        "owner": "TEXT",
        "source": "TEXT",
        "ref": "TEXT",
        "link": "TEXT",
        "marking": "TEXT",
        "review_by": "TEXT",
        "status": "TEXT",
        "withdrawn_reason": "TEXT",
        "assurance": "TEXT",
        "verified_by": "TEXT",
        "verified_at": "TEXT",
        "verified_on": "TEXT",
        "cleared_for_print_by": "TEXT",
        "cleared_for_print_on": "TEXT",
        "created_at": "TEXT",
        "created_by": "TEXT",
        "updated_at": "TEXT",
        "updated_by": "TEXT",
        "revision": "INTEGER",
    },
    "evidence_areas": {"evidence_id": "INTEGER", "area_id": "INTEGER"},
    "evidence_themes": {"evidence_id": "INTEGER", "theme_id": "INTEGER"},
    "changes": {
        "id": "INTEGER",
        "table_name": "TEXT",
        "row_id": "INTEGER",
        "action": "TEXT",
        "old": "TEXT",
        "new": "TEXT",
        "changed_at": "TEXT",
        "changed_by": "TEXT",
    },
    "settings": {"key": "TEXT", "value": "TEXT"},
    "current_writer": {"id": "INTEGER", "actor": "TEXT", "at": "TEXT"},
    "files": {
        "sha256": "TEXT",
        "size": "INTEGER",
        "media_type": "TEXT",
        "text": "TEXT",
        "problem": "TEXT",
        "stored_at": "TEXT",
    },
    "evidence_files": {"evidence_id": "INTEGER", "sha256": "TEXT", "name": "TEXT"},
    "purges": {
        "evidence_id": "INTEGER",
        "purged_at": "TEXT",
        "purged_by": "TEXT",
        "reason": "TEXT",
        "files": "TEXT",
    },
    "erasures": {
        "id": "INTEGER",
        "table_name": "TEXT",
        "row_id": "INTEGER",
        "places": "INTEGER",
        "files": "INTEGER",
        "unfinished": "TEXT",
        "erased_at": "TEXT",
        "erased_by": "TEXT",
        "reason": "TEXT",
    },
    "packs": {
        "id": "INTEGER",
        "reference": "TEXT",
        "sha256": "TEXT",
        "pages": "INTEGER",
        "path": "TEXT",
        "marking": "TEXT",
        "options": "TEXT",
        "created_at": "TEXT",
        "created_by": "TEXT",
    },
}


def columns(conn, table):
    return {row[1]: row[2] for row in conn.execute(f"PRAGMA table_info({table})")}


def test_a_blank_database_migrates_to_the_documented_columns(conn):
    for table, expected in EXPECTED_COLUMNS.items():
        assert columns(conn, table) == expected, table


def test_every_migration_is_recorded_once(conn):
    applied = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'evidence' ORDER BY id"
        )
    ]
    assert applied == migration_names()
    assert applied[:4] == [
        "m001_create_catalogue",
        "m001b_bring_a_first_release_library_level",  # nothing to do in a new library
        "m002_attach_files",
        "m003_record_purges",
    ]


def test_opening_again_applies_nothing_and_keeps_data(library_path, cli):
    evidence_id = cli.add(title="Kept")
    conn = open_library(library_path)
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(
        migration_names()
    )
    assert (
        conn.execute("SELECT title FROM evidence WHERE id = ?", [evidence_id]).fetchone()[0]
        == "Kept"
    )


def test_the_connection_runs_with_wal_foreign_keys_and_a_busy_timeout(conn):
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_open_db_creates_missing_folders(tmp_path):
    path = tmp_path / "a" / "b" / "evidence.db"
    open_library(path).close()
    assert path.exists()


def test_audit_and_search_triggers_exist(conn):
    triggers = {
        row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    assert {
        "evidence_audit_insert",
        "evidence_audit_update",
        "evidence_areas_audit_insert",
        "evidence_areas_audit_delete",
        "evidence_themes_audit_insert",
        "evidence_themes_audit_delete",
        "evidence_search_insert",
        "evidence_search_update",
        "evidence_files_audit_insert",
        "evidence_files_audit_delete",
        "evidence_search_file_added",
        "evidence_search_file_removed",
        "evidence_search_file_text",
    } <= triggers
    # Migration 10 dropped the older per-table search indexes and their triggers.
    assert not {"evidence_ai", "evidence_ad", "evidence_au", "files_ai", "files_au"} & triggers


def test_the_audit_trail_records_old_and_new_values_with_who_and_when(cli, conn):
    evidence_id = cli.add(title="First title")
    cli("edit", evidence_id, "--title", "Second title", "--by", "Sam Manager")
    insert, update = conn.execute(
        "SELECT action, old, new, changed_at, changed_by FROM changes"
        " WHERE table_name = 'evidence' AND row_id = ? ORDER BY id",
        [evidence_id],
    ).fetchall()
    assert insert["action"] == "insert" and insert["old"] is None
    assert '"title":"First title"' in insert["new"] and insert["changed_by"] == "tester"
    assert update["action"] == "update" and update["changed_by"] == "Sam Manager"
    assert '"title":"First title"' in update["old"] and '"title":"Second title"' in update["new"]
    assert update["changed_at"].endswith("Z")


def test_writes_from_outside_the_cli_are_audited_too(conn):
    """A row written by another tool (sqlite-utils, Datasette) still lands in `changes`."""
    conn.execute(
        "INSERT INTO evidence (kind, title, date, date_precision, created_at, created_by,"
        " updated_at, updated_by) VALUES ('audit', 'Outside', '2017-01-01', 'day',"
        " '2017-01-02T10:00:00Z', 'analyst', '2017-01-02T10:00:00Z', 'analyst')"
    )
    conn.commit()
    row = conn.execute("SELECT action, changed_by FROM changes").fetchone()
    assert tuple(row) == ("insert", "analyst")


def test_the_database_refuses_what_the_code_would_refuse(conn):
    """CHECK constraints back up the validation for writers other than the CLI."""
    for column, value in (
        ("marking", "secret"),
        ("status", "deleted"),
        ("date_precision", "week"),
        ("title", "   "),
    ):
        row = {
            "kind": "audit",
            "title": "T",
            "date": "2017-01-01",
            "date_precision": "day",
            column: value,
        }
        try:
            conn.execute(
                f"INSERT INTO evidence ({', '.join(row)}, created_at, created_by, updated_at,"
                f" updated_by) VALUES ({', '.join('?' * len(row))}, 'x', 'x', 'x', 'x')",
                list(row.values()),
            )
        except sqlite3.IntegrityError:
            continue
        raise AssertionError(f"{column}={value!r} was accepted")


def test_opening_an_up_to_date_library_does_not_import_sqlite_utils_or_yaml(library_path):
    open_library(library_path).close()
    code = (
        "import sys; from evidence.library import open_library; open_library(sys.argv[1]).close();"
        "print(sorted(m for m in ('sqlite_utils', 'yaml') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(library_path)], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_a_library_made_before_actions_gains_them_and_keeps_its_evidence(tmp_path, cli):
    """A library from before the actions migration is brought up to date on opening."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    from db.migrations import MIGRATION_SET, MIGRATIONS

    path = tmp_path / "old" / "evidence.db"
    path.parent.mkdir()
    database = Database(path)
    older = Migrations(MIGRATION_SET)
    for migration in MIGRATIONS[:3]:
        older()(migration)
    older.apply(database)
    database.conn.close()
    assert "actions" not in {
        r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")
    }
    source = cli.add("scr", "Child F", "2017-03-09", ("1",), "--db", path)
    cli("action", "add", source, "--text", "Share concerns", "--on", "2017-03-20", "--db", path)
    assert [a["text"] for a in cli.json("action", "list", "--db", path)] == ["Share concerns"]


FIRST_RELEASE = Path(__file__).with_name("first_release.sql")


def schema(path: Path) -> list[tuple[str, str, str]]:
    """Every table, index, trigger and view of the library at `path`, its SQL with the
    spacing SQLite keeps from how it was written (or altered) taken out."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master"
            " WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        ).fetchall()
    finally:
        conn.close()
    return [(kind, name, _unspaced(sql or "")) for kind, name, sql in rows]


def _unspaced(sql: str) -> str:
    return re.sub(r"\s*([(),;])\s*", r"\1", re.sub(r"\s+", " ", sql)).strip()


def test_a_library_the_first_release_made_ends_with_the_schema_of_a_new_one(tmp_path):
    first = tmp_path / "first" / "evidence.db"
    first.parent.mkdir()
    conn = sqlite3.connect(first)
    conn.executescript(FIRST_RELEASE.read_text(encoding="utf-8"))
    conn.close()
    open_library(first).close()
    new = tmp_path / "new" / "evidence.db"
    open_library(new).close()
    assert schema(first) == schema(new)
    conn = sqlite3.connect(first)
    applied = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    conn.close()
    assert sorted(applied) == sorted(migration_names())
