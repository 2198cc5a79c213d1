"""Opening a library, as every part of the project does: the command line, the web UI and
custody.

`db.open_db` opens the database itself (pragmas and migrations). Around it, a new
library's file is made readable by its owner only before SQLite makes it (its log files
take its mode), what an earlier version left open to others is tightened, what killed
commands left is swept (`evidence.disk`), and the vocabularies are brought in step with
the project's files (`evidence.vocab`). A library this user may only read is opened
read-only and left exactly as it is.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import db
from evidence import disk
from evidence.errors import LibraryError


def open_library(
    path: str | os.PathLike[str], *, create: bool = True, read_only: bool = False
) -> sqlite3.Connection:
    """The library at `path`, ready for use, made there first if `create` (see
    `db.open_db` for `read_only` and the errors)."""
    path = Path(path)
    if create and not os.path.lexists(path):
        try:
            disk.private_folder(path.parent)
            disk.create_private(path)
        except OSError as error:
            raise LibraryError(path, f"cannot be opened ({error})") from error
    conn = db.open_db(path, create=create, read_only=read_only)
    if db.is_read_only(conn):
        return conn
    try:
        from evidence import vocab

        disk.tidy(disk.database_file(conn))
        vocab.sync_if_changed(conn)
    except BaseException:
        conn.close()
        raise
    return conn
