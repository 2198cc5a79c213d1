"""Keeping the library safe: backups that restore by copying back, and purging personal
data uploaded by mistake (the one deletion the library allows)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from db import BUSY_TIMEOUT_SECONDS, now, signals_held, transaction
from evidence import catalog, disk
from evidence.errors import InvalidValue, LibraryError, Refused
from evidence.fields import check_actor, one_line
from evidence.files import CHUNK, blob_path, check_owner, files_folder, remove_blob
from evidence.library import open_library


@contextmanager
def new_library(
    path: str | os.PathLike[str], *, keep: bool = True
) -> Iterator[sqlite3.Connection]:
    """A library for `path`, which does not exist yet, that appears there only when the
    block succeeds (and `keep` is true): a failed or trial command leaves nothing behind.

    It is built in a folder of its own in the library's private work folder (see
    evidence.disk), its stored files with it, which the next command sweeps if this one
    is killed. On success its files are placed in the library's files folder first and
    the database then linked into place, with stop signals held so the move is done
    whole. If another command created `path` meanwhile, that library is left alone (with
    any file both stored) and LibraryError says so.
    """
    path = Path(path)
    if os.path.lexists(path):
        problem = "is a broken symbolic link" if path.is_symlink() else "already exists"
        raise LibraryError(path, problem)
    made = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    with contextlib.ExitStack() as stack:
        try:
            disk.private_folder(path.parent)
            check_owner(path.parent / "files", path.name)
            disk.sweep_leftovers(path)
            staging = stack.enter_context(disk.at_work(path, "new"))
        except BaseException as error:
            _remove_made(made)
            if isinstance(error, OSError):
                raise LibraryError(path, f"cannot be created ({error.strerror})") from error
            raise
        conn = None
        try:
            conn = open_library(staging / path.name)
            yield conn
            conn.close()  # checkpoints the write-ahead log into the file, and removes it
            conn = None
            if keep:
                with signals_held():
                    _place(staging, path)
        finally:
            with signals_held():
                if conn is not None:
                    conn.close()
                stack.close()  # the staging folder goes before the folders made for it
                _remove_made(made)


def _remove_made(made: list[Path]) -> None:
    """Remove the folders a new library made for itself, deepest first, if empty."""
    for folder in made:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _place(staging: Path, path: Path) -> None:
    """Move a finished new library from its staging folder to `path`: files, then the
    database, so the database never names a file that is not yet in place."""
    store = path.parent / "files"
    staged = sorted((staging / "files").glob("??/*"))
    placed = []
    if staged:
        check_owner(store, path.name, claim=True)
    for blob in staged:
        target = store / blob.parent.name / blob.name
        disk.private_folder(target.parent)
        if _link(blob, target):
            placed.append(target)
    if not _link(staging / path.name, path):
        _withdraw_files(placed, path)
        raise LibraryError(path, "was created by another command meanwhile: run this one again")


def _link(source: Path, target: Path) -> bool:
    """Put `source` at `target` unless something is there already; False if it was.
    A hard link never replaces a file; where links are not supported (a FAT memory stick,
    some network drives) a rename is the next best."""
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError:
        if os.path.lexists(target):
            return False
        os.replace(source, target)
        return True
    source.unlink()  # the staged copy of the bytes goes at once
    return True


def _withdraw_files(placed: list[Path], path: Path) -> None:
    """Take back the files a losing new library placed, except those the library that
    won records. The winner's write lock is held meanwhile, so a command writing to it
    has either recorded a file by now or will find it gone and store it again."""
    winner = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        winner.execute("BEGIN IMMEDIATE")
        kept = {row[0] for row in winner.execute("SELECT sha256 FROM files")}
        for target in placed:
            if target.parent.name + target.name not in kept:
                target.unlink(missing_ok=True)
        winner.execute("ROLLBACK")
    except sqlite3.DatabaseError:
        pass  # unsure what the winner relies on: keep every file (check names them)
    finally:
        winner.close()


# How long a purge waits for readers to finish before it reports the log not yet emptied.
SWEEP_WAIT_MS = 2000


@dataclass(frozen=True)
class Backup:
    path: Path
    items: int
    files: int
    problems: list[str]  # files the library records but could not copy whole, and why


def backup(conn: sqlite3.Connection, dest: str | os.PathLike[str]) -> Backup:
    """Copy the library and its files into the new folder `dest`.

    The database is copied with SQLite's backup API, a consistent snapshot even while
    others write; then every file that snapshot records. The folder appears whole or not
    at all: it is made in the library's work folder, or beside `dest` on another file
    system (see evidence.disk), and renamed into place. It is readable by its owner only,
    like the library. To restore, copy its contents back beside where the library lives.
    """
    dest = Path(dest)
    refuse_inside_library(conn, dest, "dest")
    if dest.exists():
        raise InvalidValue("dest", dest, "already exists: give a new folder for the backup.")
    if not dest.parent.is_dir():
        raise InvalidValue("dest", dest, f"is in a folder that does not exist ({dest.parent}).")
    database = disk.database_file(conn)
    problems = []
    with disk.at_work(database, "backup") as work:
        staging = disk.private_folder(disk.temporary_for(work, dest), exist_ok=False)
        disk.create_private(staging / database.name, exist_ok=False)
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
            disk.private_folder(target.parent)
            # Back up everything else: a backup lacking one file beats none at all.
            problem = _copy_checked(blob_path(source, sha256), target, sha256)
            if problem:
                problems.append(f"{_described(name, ids, sha256)} {problem}")
        disk.place(work, staging, dest)
    return Backup(dest, items, len(files) - len(problems), problems)


def _copy_checked(source: Path, target: Path, sha256: str) -> str | None:
    """Copy a stored file, hashing it on the way; why it was not copied, or None."""
    digest = hashlib.sha256()
    try:
        with source.open("rb") as reading, target.open("wb") as writing:
            for chunk in iter(lambda: reading.read(CHUNK), b""):
                digest.update(chunk)
                writing.write(chunk)
    except FileNotFoundError:
        target.unlink(missing_ok=True)
        return "is missing from the library's files folder"
    if digest.hexdigest() != sha256:
        target.unlink()
        return "has changed on disk since it was stored"
    os.chmod(target, disk.STORED_MODE)
    return None


def _described(name: str | None, ids: str | None, sha256: str) -> str:
    owners = f"of evidence {ids.replace(',', ', ')}" if ids else "linked to no item"
    return f"file {name or '(unnamed)'} {owners} ({sha256[:12]})"


def refuse_inside_library(conn: sqlite3.Connection, path: Path, field: str) -> None:
    """An output must never overwrite the library: its database, its accounts file (the
    web UI's logins), its statistics files, the log files of any, or anything in its files
    folder or its work folder (which is swept)."""
    from evidence.accounts import accounts_path

    database = disk.database_file(conn).resolve()
    target = Path(path).resolve()
    own = [
        Path(f"{part}{end}")
        for part in (database, accounts_path(database))
        for end in ("", "-wal", "-shm", "-journal")
    ]
    same = any(
        target == part or (target.exists() and part.exists() and os.path.samefile(target, part))
        for part in own  # a hard link, or another spelling on a case-blind drive
    )
    inside = (database.parent / "files", disk.work_folder(database))
    # The web UI's statistics files, one a day shown: `evidence.stats.db` and its logs.
    statistics = target.parent == database.parent and re.fullmatch(
        rf"{re.escape(database.stem)}\.stats(?:-[0-9-]+)?\.db(?:-wal|-shm|-journal)?",
        target.name,
    )
    if same or statistics or any(target.is_relative_to(folder) for folder in inside):
        raise InvalidValue(field, path, "is part of the library itself: write it elsewhere.")


@dataclass(frozen=True)
class Purge:
    files: int  # files erased
    already: bool  # the item was purged before: this run only finished the job
    swept: bool  # no page of the database file or its log still holds what was erased


def purge_evidence(conn: sqlite3.Connection, evidence_id: int, *, reason: str, by: str) -> Purge:
    """Erase an item's text, its files (unless another item shares them) and the values
    recorded for it in `changes`, leaving a tombstone.

    The database is then vacuumed and its write-ahead log emptied, so no page of the file
    still holds what was erased. While another program is reading the library the log
    cannot be emptied (`swept` is false); if a file cannot be removed from disk, an
    EvidenceError says so after the rest is done. Purging the item again, once the
    cause is fixed, finishes the job.
    """
    by = check_actor(by)
    reason = one_line(reason, "reason", 1000, required=True)
    # Refused here, before anything is erased, if not its own; named its own while it still
    # records the files, so a purge that must be finished later is not refused then.
    folder = files_folder(conn, claim=True)
    stamp = now()
    conn.execute("PRAGMA secure_delete = ON")
    with transaction(conn, by=by, at=stamp):
        item = catalog.get_evidence(conn, evidence_id)
        already = item["status"] == "purged"
        if already:
            (recorded,) = conn.execute(
                "SELECT files FROM purges WHERE evidence_id = ?", [evidence_id]
            ).fetchone()
            erased = [
                sha256
                for sha256 in json.loads(recorded or "[]")
                if not conn.execute("SELECT 1 FROM files WHERE sha256 = ?", [sha256]).fetchone()
            ]
        else:
            erased = _erase(conn, item, reason=reason, by=by, stamp=stamp)
    removed, stuck = 0, []
    for sha256 in erased:
        try:
            removed += remove_blob(folder, sha256)
        except OSError as error:
            stuck.append(f"{blob_path(folder, sha256)} ({error.strerror})")
    if not stuck:  # every file is gone: its hash need not be kept either
        with transaction(conn, by=by):
            conn.execute("UPDATE purges SET files = NULL WHERE evidence_id = ?", [evidence_id])
    swept = sweep_after_erasure(conn)
    if stuck:
        raise Refused(
            f"evidence {evidence_id} is purged, but {len(stuck)} of its files could not be"
            f" erased from disk: {'; '.join(stuck)}. Fix that, then run the purge again to"
            " finish."
        )
    return Purge(removed, already, swept)


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
    # What `evidence report` read from the file goes with it, hash and all.
    for (reading_id,) in conn.execute(
        "SELECT id FROM report_readings WHERE evidence_id = ?", [evidence_id]
    ).fetchall():
        conn.execute("DELETE FROM report_readings WHERE id = ?", [reading_id])
        conn.execute(
            "UPDATE changes SET old = NULL, new = NULL"
            " WHERE table_name = 'report_readings' AND row_id = ?",
            [reading_id],
        )
    conn.execute("INSERT INTO evidence_search (evidence_search) VALUES ('optimize')")
    conn.execute(
        "UPDATE purges SET files = ? WHERE evidence_id = ?", [json.dumps(erased), evidence_id]
    )
    return erased


def sweep_after_erasure(conn: sqlite3.Connection) -> bool:
    """Leave no copy of what a purge or an erasure took out: the private folders of new
    libraries a killed command left, the web UI's statistics files (their figures quote
    titles and names), and the database file's free pages and log (`_sweep`). False if a
    reader kept the log from being emptied."""
    database = disk.database_file(conn)
    disk.sweep_leftovers(database)
    disk.blank_statistics(database)
    return _sweep(conn)


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
