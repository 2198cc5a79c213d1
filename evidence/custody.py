"""Keeping the library safe: backups that restore by copying back, and purging personal
data uploaded by mistake (the one deletion the library allows)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from db import now, transaction
from evidence import catalog
from evidence.errors import InvalidValue, Refused
from evidence.files import blob_path, files_folder


@dataclass(frozen=True)
class Backup:
    path: Path
    items: int
    files: int


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
    try:
        copy = sqlite3.connect(staging / database.name)
        try:
            conn.backup(copy)
            shas = [row[0] for row in copy.execute("SELECT sha256 FROM files")]
            (items,) = copy.execute("SELECT count(*) FROM evidence").fetchone()
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            copy.close()
        source = files_folder(conn)
        for sha256 in shas:
            target = blob_path(staging / "files", sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(blob_path(source, sha256), target)
        os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Backup(dest, items, len(shas))


def purge_evidence(conn: sqlite3.Connection, evidence_id: int, *, reason: str, by: str) -> int:
    """Erase an item's text, its files (unless another item shares them) and the values
    recorded for it in `changes`, leaving a tombstone; returns the files erased.

    The database is then vacuumed and its write-ahead log emptied, so no page of the file
    still holds what was erased.
    """
    by = catalog.check_actor(by)
    reason = catalog.one_line(reason, "reason", 1000, required=True)
    stamp = now()
    conn.execute("PRAGMA secure_delete = ON")
    with transaction(conn, by=by, at=stamp):
        item = catalog.get_evidence(conn, evidence_id)
        if item["status"] == "purged":
            raise Refused(f"evidence {evidence_id} is already purged.")
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
    folder = files_folder(conn)
    for sha256 in erased:
        blob = blob_path(folder, sha256)
        blob.unlink(missing_ok=True)
        if blob.parent.is_dir() and not any(blob.parent.iterdir()):
            blob.parent.rmdir()
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return len(erased)
