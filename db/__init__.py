"""Opening the library's SQLite database, and writing to it in transactions.

`open_db()` opens the database: it sets the pragmas every connection needs and applies
pending migrations, so there is no separate set-up step. The project opens a library
through `evidence.library.open_library`, which adds what the library needs on disk; this
package knows nothing of the layers above it. It returns a plain
`sqlite3.Connection`; sqlite-utils is imported only when migrations are pending, which keeps
`evidence add` fast.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from db.errors import LibraryBusy, LibraryError
from db.migrations import MIGRATION_SET, migration_names

DEFAULT_PATH = Path("db") / "evidence.db"
BUSY_TIMEOUT_SECONDS = 10
# Per connection, one list per open transaction or savepoint: what to undo outside the
# database (files written) if that block rolls back.
_undo: dict[int, list[list[Callable[[], None]]]] = {}


def default_path() -> Path:
    """The library the commands use: `EVIDENCE_DB`, else db/evidence.db here."""
    return Path(os.environ.get("EVIDENCE_DB") or DEFAULT_PATH)


def open_db(
    path: str | os.PathLike[str], *, create: bool = True, read_only: bool = False
) -> sqlite3.Connection:
    """Open the library at `path`, ready for use, creating it (and its folder) if `create`.

    `read_only` is for a command that only reads: a library this user cannot write (its
    file, its folder or its drive is read-only) is then opened read-only, not refused.
    Raises LibraryError, naming the path, when there is no library there to open, or the
    file holds something else: another program's database is never taken over.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise LibraryError(path, "is a folder, not a library file")
        if not path.exists() and not create:
            raise LibraryError(path, "does not exist: check --db, or log a first item with `add`")
        if read_only and path.exists() and not _writable(path):
            return _connect_read_only(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(path, create)
    except (OSError, sqlite3.DatabaseError) as error:
        raise LibraryError(path, f"cannot be opened ({error})") from error
    return conn


def is_read_only(conn: sqlite3.Connection) -> bool:
    """Whether `conn` was opened read-only by `open_db`: nothing can be written through it."""
    return conn.execute("PRAGMA query_only").fetchone()[0] == 1


def _writable(path: Path) -> bool:
    """Whether this user can write the database at `path`: its file, and its folder,
    where SQLite keeps the write-ahead log beside it."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection to the SQLite database at `path` (in WAL mode) that writes nothing.

    Where this user can write the database, it is an ordinary connection told to write
    nothing, which reads what others write meanwhile through SQLite's locks. Where not,
    SQLite reads it through its -shm file: while a writer has it open, that file is
    there and is read as it is; when none has, a read-only connection could only make
    one (where the folder allows it, owned by the reader and left behind, in the way of
    the next writer), so the file is opened as immutable instead, which needs no -shm
    and makes none. Nothing is then left beside the database.
    """
    if _writable(path):
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)
    else:
        mode = "mode=ro" if Path(f"{path}-shm").exists() else "immutable=1"
        conn = sqlite3.connect(
            f"{path.absolute().as_uri()}?{mode}", uri=True, timeout=BUSY_TIMEOUT_SECONDS
        )
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    except BaseException:
        conn.close()
        raise
    return conn


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A library this user cannot write, opened read-only (see `connect_read_only`)."""

    conn = connect_read_only(path)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if "evidence" not in tables:
            raise LibraryError(path, "is not an evidence library")
        if _pending_migrations(conn):
            raise LibraryError(
                path,
                "is read-only here and was made by an earlier version: someone who can"
                " write to it must run a command on it once, to bring it up to date",
            )
        return conn
    except BaseException:
        conn.close()
        raise


def _connect(path: Path, create: bool) -> sqlite3.Connection:
    """Connect, set the pragmas and migrate. While another command is creating the same
    new library, SQLite can answer "locked" at once, without waiting its busy timeout,
    as the file changes to WAL mode; such a moment is waited out like any other."""

    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)
        conn.row_factory = sqlite3.Row
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            if "evidence" not in tables and (tables or not create):
                raise LibraryError(path, "is not an evidence library")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
            if _pending_migrations(conn):
                _migrate(conn)
            return conn
        except sqlite3.OperationalError as error:
            conn.close()
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        except BaseException:
            conn.close()
            raise


@contextmanager
def set_aside(conn: sqlite3.Connection, *names: str) -> Iterator[dict[str, str]]:
    """Drop the named triggers and indexes for a bulk write that does their work itself,
    and make them again afterwards, inside the caller's transaction (see `transaction`),
    so no other writer sees them missing. Yields the SQL of each one the library has, by
    name. The block is a savepoint: if it fails, its rollback puts them back."""
    if not conn.in_transaction:
        raise RuntimeError("a trigger or index is set aside only inside a transaction")
    conn.execute("SAVEPOINT set_aside")
    try:
        saved = {
            name: (kind, sql)
            for name, kind, sql in conn.execute(
                "SELECT name, type, sql FROM sqlite_master WHERE type IN ('trigger', 'index')"
                f" AND name IN ({', '.join('?' * len(names))})",
                names,
            )
        }
        for name, (kind, _) in saved.items():
            conn.execute(f"DROP {kind.upper()} {name}")
        yield {name: sql for name, (_, sql) in saved.items()}
        for _, sql in saved.values():
            conn.execute(sql)
    except BaseException:
        conn.execute("ROLLBACK TO set_aside")
        conn.execute("RELEASE set_aside")
        raise
    conn.execute("RELEASE set_aside")


_ROW_TRIGGER = re.compile(
    r"CREATE TRIGGER \w+ AFTER INSERT ON (\w+) BEGIN\s+"
    r"(INSERT INTO \w+ \([^)]*\))\s+VALUES\s*\((.*)\);\s+END",
    re.DOTALL,
)


def for_rows(
    conn: sqlite3.Connection, trigger_sql: str, where: str, params: Sequence[Any] = ()
) -> None:
    """Do at once, for the rows of its table matching `where` (which reads them as NEW),
    what an AFTER INSERT trigger whose body is one INSERT ... VALUES does for each row:
    the audit trail of a bulk insert in one statement, written by the trigger's own SQL."""
    match = _ROW_TRIGGER.fullmatch(trigger_sql.strip())
    if match is None:
        raise ValueError(f"not a one-statement AFTER INSERT trigger: {trigger_sql[:80]}")
    table, insert, values = match.groups()
    conn.execute(
        f"{insert} SELECT {values} FROM {table} AS NEW WHERE {where} ORDER BY NEW.rowid",
        params,
    )


def now() -> str:
    """The time of a change, in UTC, to the second."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def transaction(
    conn: sqlite3.Connection, *, by: str | None = None, at: str | None = None
) -> Iterator[sqlite3.Connection]:
    """One command's writes: all of them, or none.

    The outermost block takes the write lock at once (BEGIN IMMEDIATE), so checks made
    inside it still hold when the writes land; an inner block is a savepoint of it.
    `by` names who is writing, for the audit triggers of rows that carry no author of
    their own; the name is cleared before the lock is released, so a write by any other
    tool is never credited to it.
    """
    frames = _undo.setdefault(id(conn), [])
    if conn.in_transaction:
        conn.execute("SAVEPOINT inner_writes")
        frames.append([])
        try:
            _name_writer(conn, by, at)
            yield conn
        except BaseException:
            _run_undo(frames.pop())
            conn.execute("ROLLBACK TO inner_writes")
            conn.execute("RELEASE inner_writes")
            raise
        undo = frames.pop()
        if frames:
            frames[-1].extend(undo)
        conn.execute("RELEASE inner_writes")
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        raise LibraryBusy(BUSY_TIMEOUT_SECONDS) from error
    frames.append([])
    try:
        _name_writer(conn, by, at)
        yield conn
        conn.execute("DELETE FROM current_writer")
    except BaseException:
        # Undone while the write lock is still held, so no other command can have begun
        # to rely on what is undone, and whole: a second Ctrl-C waits until it is done.
        with signals_held():
            _run_undo(frames.pop())
            conn.rollback()
        raise
    else:
        undo = frames.pop()
        with signals_held():  # a stop signal lands before the commit or after its bookkeeping
            try:
                conn.commit()
            except sqlite3.Error:  # the disk filled, say: the writes are lost, so is the rest
                _run_undo(undo)
                conn.rollback()
                raise
    finally:
        if not frames:
            _undo.pop(id(conn), None)


@contextmanager
def trial(
    conn: sqlite3.Connection, *, by: str | None = None, at: str | None = None, keep: bool = True
) -> Iterator[sqlite3.Connection]:
    """A transaction, rolled back at its end unless `keep`: a dry run does all the work
    and reports exactly what would happen, and writes nothing."""
    try:
        with transaction(conn, by=by, at=at):
            yield conn
            if not keep:
                raise _Trial
    except _Trial:
        pass


class _Trial(Exception):
    """Raised to roll back a trial's writes."""


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP until the block has run, so what it does (a commit,
    an undo, a clean-up) is done whole; a signal that came meanwhile acts just after."""
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # no signal masks here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def on_rollback(conn: sqlite3.Connection, undo: Callable[[], None]) -> None:
    """Call `undo` if the transaction (or savepoint) now open on `conn` rolls back."""
    frames = _undo.get(id(conn))
    if frames:
        frames[-1].append(undo)


def _run_undo(undo: list[Callable[[], None]]) -> None:
    for step in reversed(undo):
        step()


def _name_writer(conn: sqlite3.Connection, by: str | None, at: str | None) -> None:
    if by is not None:
        conn.execute(
            "INSERT OR REPLACE INTO current_writer (id, actor, at) VALUES (1, ?, ?)",
            [by, at or now()],
        )


def _pending_migrations(conn: sqlite3.Connection) -> bool:
    try:
        rows = conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
        ).fetchall()
    except sqlite3.OperationalError:  # no migrations table: a new library
        return True
    return not set(migration_names()) <= {row[0] for row in rows}


def _migrate(conn: sqlite3.Connection) -> None:
    from sqlite_utils import Database

    from db.migrations import migrations

    # Hold the write lock throughout, so two commands opening a new library at the same
    # moment apply each migration once.
    with transaction(conn):
        database = Database(conn, recursive_triggers=False, execute_plugins=False)
        migrations().apply(database)
