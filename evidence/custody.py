"""Keeping the library safe: backups that restore by copying back, and purging personal
data uploaded by mistake (the one deletion the library allows)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from db import BUSY_TIMEOUT_SECONDS, now, transaction
from evidence import catalog
from evidence.errors import InvalidValue
from evidence.files import blob_path, files_folder, remove_blob

# How long a purge waits for readers to finish before it reports the log not yet emptied.
SWEEP_WAIT_MS = 2000


@dataclass(frozen=True)
class Backup:
    path: Path
    items: int
    files: int
    missing: list[str]  # files the library records but its folder has lost, described


def backup(conn: sqlite3.Connection, dest: str | os.PathLike[str]) -> Backup:
    """Copy the library and its files into the new folder `dest`.

    The database is copied with SQLite's backup API, a consistent snapshot even while
    others write; then every file that snapshot records. The folder appears whole or not
    at all. To restore, copy its contents back beside where the library lives.
    """
    dest = Path(dest)
    if dest.exists():
        raise InvalidValue("dest", dest, "already exists: give a new folder for the backup.")
    if not dest.parent.is_dir():
        raise InvalidValue("dest", dest, f"is in a folder that does not exist ({dest.parent}).")
    database = Path(conn.execute("PRAGMA database_list").fetchone()["file"])
    staging = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".backup-"))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # an ordinary folder, not mkdtemp's private one
    missing = []
    try:
        copy = sqlite3.connect(staging / database.name)
        try:
            conn.backup(copy)
            files = copy.execute(
                "SELECT files.sha256, group_concat(evidence_files.evidence_id) AS ids,"
                " min(evidence_files.name) AS name FROM files LEFT JOIN evidence_files"
                " ON evidence_files.sha256 = files.sha256 GROUP BY files.sha256"
            ).fetchall()
            (items,) = copy.execute("SELECT count(*) FROM evidence").fetchone()
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            copy.close()
        source = files_folder(conn)
        for sha256, ids, name in files:
            target = blob_path(staging / "files", sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copy2(blob_path(source, sha256), target)
            except FileNotFoundError:
                # Back up everything else: a backup missing one file beats none at all.
                missing.append(_described(name, ids, sha256))
        os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Backup(dest, items, len(files) - len(missing), missing)


def _described(name: str | None, ids: str | None, sha256: str) -> str:
    owners = f"of evidence {ids.replace(',', ', ')}" if ids else "linked to no item"
    return f"file {name or '(unnamed)'} {owners} ({sha256[:12]})"


@dataclass(frozen=True)
class Purge:
    files: int  # files erased
    already: bool  # the item was purged before: this run only swept the file again
    swept: bool  # no page of the database file or its log still holds what was erased


def purge_evidence(conn: sqlite3.Connection, evidence_id: int, *, reason: str, by: str) -> Purge:
    """Erase an item's text, its files (unless another item shares them) and the values
    recorded for it in `changes`, leaving a tombstone.

    The database is then vacuumed and its write-ahead log emptied, so no page of the file
    still holds what was erased. While another program is reading the library the log
    cannot be emptied (`swept` is false); purging the item again, once it has stopped,
    finishes the job.
    """
    by = catalog.check_actor(by)
    reason = catalog.one_line(reason, "reason", 1000, required=True)
    stamp = now()
    conn.execute("PRAGMA secure_delete = ON")
    with transaction(conn, by=by, at=stamp):
        item = catalog.get_evidence(conn, evidence_id)
        already = item["status"] == "purged"
        erased = [] if already else _erase(conn, item, reason=reason, by=by, stamp=stamp)
    folder = files_folder(conn)
    for sha256 in erased:
        remove_blob(folder, sha256)
    return Purge(len(erased), already, _sweep(conn))


def _erase(conn: sqlite3.Connection, item: dict, *, reason: str, by: str, stamp: str) -> list:
    """The purge's writes, in the caller's transaction; the SHA-256 of each file erased."""
    evidence_id = item["id"]
    conn.execute(
        "INSERT INTO purges (evidence_id, purged_at, purged_by, reason) VALUES (?, ?, ?, ?)",
        [evidence_id, stamp, by, reason],
    )
    catalog.update_row(
        conn,
        evidence_id,
        {
            "title": "(purged)",
            "summary": None,
            "owner": None,
            "source": None,
            "ref": None,
            "link": None,
            "withdrawn_reason": None,
            "status": "purged",
        },
        by,
        stamp,
    )
    conn.execute("DELETE FROM evidence_files WHERE evidence_id = ?", [evidence_id])
    erased = []
    for file in item["files"]:
        (shared,) = conn.execute(
            "SELECT count(*) FROM evidence_files WHERE sha256 = ?", [file["sha256"]]
        ).fetchone()
        if not shared:
            conn.execute("DELETE FROM files WHERE sha256 = ?", [file["sha256"]])
            erased.append(file["sha256"])
    conn.execute(
        "UPDATE changes SET old = NULL, new = NULL WHERE row_id = ? AND table_name IN"
        " ('evidence', 'evidence_areas', 'evidence_themes', 'evidence_files')",
        [evidence_id],
    )
    for index in ("evidence_fts", "files_fts"):
        conn.execute(f"INSERT INTO {index} ({index}) VALUES ('optimize')")
    return erased


def _sweep(conn: sqlite3.Connection) -> bool:
    """Rewrite the database without its free pages, then empty the write-ahead log;
    False if a reader kept the log from being emptied."""
    conn.execute("VACUUM")
    conn.execute(f"PRAGMA busy_timeout = {SWEEP_WAIT_MS}")
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    return not busy
