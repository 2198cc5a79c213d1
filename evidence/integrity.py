"""`evidence check`: is the library sound? The database, its links and every stored file."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from evidence.files import CHUNK, blob_path, files_folder


def check(conn: sqlite3.Connection) -> tuple[list[str], dict[str, int]]:
    """Every problem found, as sentences, and the counts of what was checked."""
    try:
        return _check(conn)
    except sqlite3.DatabaseError as error:  # too damaged to read on
        problems = [f"database: {row[0]}" for row in _integrity(conn) if row[0] != "ok"]
        return problems or [f"database: {error}"], {"items": 0, "files": 0}


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
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
        if digest.hexdigest() != file["sha256"]:
            problems.append(f"{label}: its bytes have changed on disk ({path})")
    known = {file["sha256"] for file in files}
    if folder.is_dir():
        for path in sorted(folder.glob("??/*")):
            if path.name.startswith(".incoming-"):
                continue  # a copy a killed command began: never recorded, never relied on
            if path.parent.name + path.name not in known:
                problems.append(f"file {path}: stored but not recorded in the library")
    from evidence.custody import stale_leftovers

    database = Path(conn.execute("PRAGMA database_list").fetchone()["file"])
    problems += [
        f"{folder}: left by an interrupted command; delete it (it may hold copies of data"
        " since purged)"
        for folder in stale_leftovers(database)
    ]
    (items,) = conn.execute("SELECT count(*) FROM evidence").fetchone()
    return problems, {"items": items, "files": len(files)}
