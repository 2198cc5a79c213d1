"""`evidence check`: is the library sound? The database, its links, every stored file and
the accounts file of the web UI.

A file is stored before the row that records it is committed, so a command killed in
between (an import, say) leaves a file no row records. That is not damage: `leftovers`
names such files, and removes them for `evidence check --repair`.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

from db import BUSY_TIMEOUT_SECONDS
from evidence import disk
from evidence.errors import LibraryBusy
from evidence.files import CHUNK, PARTIAL, SHA256, blob_path, files_folder


@dataclass(frozen=True)
class Leftover:
    """A file a killed command stored in the files folder and never recorded."""

    path: Path
    size: int


def check(conn: sqlite3.Connection) -> tuple[list[str], dict[str, int]]:
    """Every problem found, as sentences, and the counts of what was checked (`accounts`
    is 1 when the library has an accounts file, which is checked too)."""
    database = disk.database_file(conn)
    accounts = check_accounts(database)
    try:
        problems, counts = _check(conn)
    except sqlite3.DatabaseError as error:  # too damaged to read on
        problems = [f"database: {row[0]}" for row in _integrity(conn) if row[0] != "ok"]
        problems, counts = problems or [f"database: {error}"], {"items": 0, "files": 0}
    return problems + (accounts or []), {**counts, "accounts": int(accounts is not None)}


def check_accounts(library: Path) -> list[str] | None:
    """The problems of the library's accounts file, which holds the web UI's logins
    beside it; None if it has none. Read only: a check changes nothing."""
    from db import connect_read_only
    from evidence.accounts import accounts_path

    path = accounts_path(library)
    if not path.exists():
        return None
    label = f"accounts file {path}"
    try:
        conn = connect_read_only(path)
        try:
            problems = [
                f"{label}: {row[0]}"
                for row in conn.execute("PRAGMA integrity_check")
                if row[0] != "ok"
            ]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return [f"{label}: {error}"]
    if "accounts" not in tables:
        problems.append(f"{label}: holds no accounts; it is not an accounts file")
    return problems


def _integrity(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    try:
        return conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        return [(str(error),)]


def _check(conn: sqlite3.Connection) -> tuple[list[str], dict[str, int]]:
    problems = [
        f"database: {row[0]}" for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"
    ]
    problems += [
        f"database: {row['table']} row {row['rowid']} points to a missing {row['parent']} row"
        for row in conn.execute("PRAGMA foreign_key_check")
    ]
    folder = files_folder(conn)
    files = conn.execute(
        "SELECT files.sha256, files.size, min(evidence_files.name) AS name"
        " FROM files LEFT JOIN evidence_files ON evidence_files.sha256 = files.sha256"
        " GROUP BY files.sha256 ORDER BY files.sha256"
    ).fetchall()
    for file in files:
        path = blob_path(folder, file["sha256"])
        label = f"file {file['name'] or '(unlinked)'} ({file['sha256'][:12]})"
        if not path.is_file():
            problems.append(f"{label}: missing from {path.parent}")
            continue
        if _sha256(path) != file["sha256"]:
            problems.append(f"{label}: its bytes have changed on disk ({path})")
    problems += _unrecorded(conn, folder)[1]
    problems += [
        f"{folder}: left by an interrupted command; delete it (it may hold copies of data"
        " since purged)"
        for folder in disk.stale_leftovers(disk.database_file(conn))
    ]
    problems += _kept_in_step(conn)
    (items,) = conn.execute("SELECT count(*) FROM evidence").fetchone()
    return problems, {"items": items, "files": len(files)}


def leftovers(conn: sqlite3.Connection, *, remove: bool = False) -> list[Leftover]:
    """The files killed commands stored and never recorded, removed if `remove`.

    Only whole copies named by their own SHA-256, and partial copies, count: anything
    else no row records is a problem for `check` to name, never removed. They are found
    under the library's write lock, so a file that a command at work has stored and not
    yet recorded is not taken for one.
    """
    folder = files_folder(conn)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise LibraryBusy(BUSY_TIMEOUT_SECONDS) from error
        if remove or "readonly" not in str(error):
            raise
        # A library this user may only read: nobody can be storing a file in it.
    try:
        found = _unrecorded(conn, folder)[0]
        if remove:
            for leftover in found:
                leftover.path.unlink(missing_ok=True)
                with contextlib.suppress(OSError):  # not empty: other files share it
                    leftover.path.parent.rmdir()
    finally:
        conn.rollback()
    return found


def _unrecorded(conn: sqlite3.Connection, folder: Path) -> tuple[list[Leftover], list[str]]:
    """The files in the files folder that no row records: those a killed command left,
    and problems naming any other."""
    recorded = {row[0] for row in conn.execute("SELECT sha256 FROM files")}
    purged = dict(
        conn.execute(
            "SELECT value, evidence_id FROM purges, json_each(purges.files)"
            " WHERE purges.files IS NOT NULL"
        ).fetchall()
    )
    found, problems = [], []
    for path in sorted(folder.glob("??/*")) if folder.is_dir() else []:
        sha256 = path.parent.name + path.name
        if sha256 in recorded:
            continue
        if sha256 in purged:
            evidence_id = purged[sha256]
            problems.append(
                f"file {path}: stored but not recorded in the library: a file of purged"
                f" evidence {evidence_id} still on disk; run `evidence purge {evidence_id}"
                " --reason ... --yes` again to erase it"
            )
            continue
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue  # removed meanwhile
        regular = stat.S_ISREG(info.st_mode)
        if regular and (
            PARTIAL.fullmatch(path.name) or (SHA256.fullmatch(sha256) and _sha256(path) == sha256)
        ):
            found.append(Leftover(path, info.st_size))
        else:
            problems.append(f"file {path}: stored but not recorded in the library")
    return found, problems


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _kept_in_step(conn: sqlite3.Connection) -> list[str]:
    """What triggers keep: one audit row for each item's creation, one search row for each
    item not purged, and each current item under its areas and the areas above them."""
    from db.derived import AREA_EVIDENCE_SQL

    def ids(sql: str) -> str:
        found = [str(row[0]) for row in conn.execute(sql + " LIMIT 6")]
        return ", ".join(found[:5]) + (" and more" if len(found) > 5 else "")

    audited = "SELECT row_id FROM changes WHERE table_name = 'evidence' AND action = 'insert'"
    searchable = "SELECT id FROM evidence WHERE status != 'purged'"
    stored = "SELECT area_id, evidence_id, date, kind, assurance FROM area_evidence"
    expected = AREA_EVIDENCE_SQL.format(which="1")
    checks = (
        (f"SELECT id FROM evidence WHERE id NOT IN ({audited}) ORDER BY id",
         "audit trail: no record of the creation of item"),
        (f"{audited} GROUP BY row_id HAVING count(*) > 1 ORDER BY row_id",
         "audit trail: more than one record of the creation of item"),
        (f"{searchable} AND id NOT IN (SELECT rowid FROM evidence_search) ORDER BY id",
         "search index: missing item"),
        (f"SELECT rowid FROM evidence_search WHERE rowid NOT IN ({searchable}) ORDER BY rowid",
         "search index: holds item"),
        (f"SELECT DISTINCT id FROM ({expected} EXCEPT {stored}) ORDER BY 1",
         "area_evidence: missing rows of item"),
        (f"SELECT DISTINCT evidence_id FROM ({stored} EXCEPT {expected}) ORDER BY 1",
         "area_evidence: rows that should not be there, of item"),
    )  # fmt: skip
    problems = [f"{label} {found}" for sql, label in checks if (found := ids(sql))]
    # FTS5's own check of its index against its rows. It writes nothing, but is asked as
    # an INSERT, so it waits for the write lock: a library busy for longer is busy, not
    # damaged, and a library this user may only read is checked by the rows above alone.
    try:
        conn.execute("INSERT INTO evidence_search (evidence_search) VALUES ('integrity-check')")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise LibraryBusy(BUSY_TIMEOUT_SECONDS) from error
        if "readonly" not in str(error):
            problems.append(f"search index: {error}")
    except sqlite3.DatabaseError as error:
        problems.append(f"search index: {error}")
    finally:
        conn.rollback()
    return problems
