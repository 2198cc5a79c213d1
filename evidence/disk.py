"""The library on disk: readable by its owner only.

Everything the library writes (the database and its logs, stored files, backups, exports,
packs, bundles, the web UI's statistics and accounts) is readable by its owner only:
folders 0700, files 0600, stored files 0400 (never written again), whatever the umask.
The library holds OFFICIAL-SENSITIVE material about children; sharing a copy is a thing a
person does on purpose (the README says how).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
STORED_MODE = 0o400


def database_file(conn: sqlite3.Connection) -> Path:
    """The file of the library open on `conn`, as SQLite found it (links followed)."""
    return Path(conn.execute("PRAGMA database_list").fetchone()["file"])


def create_private(path: Path, *, exist_ok: bool = True) -> None:
    """Create the empty file `path`, readable by its owner only; a file (or link) there
    already is left as it is (refused unless `exist_ok`). For a database, before SQLite
    opens it: SQLite gives its logs the database file's mode."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        if exist_ok:
            return
        raise
    try:
        os.fchmod(handle, FILE_MODE)  # whatever the umask
    finally:
        os.close(handle)


def private_folder(path: Path, *, exist_ok: bool = True) -> Path:
    """Make the folder `path`, and any of its parents that are missing, readable by its
    owner only; a folder that exists is left as it is (refused unless `exist_ok`)."""
    if exist_ok and path.is_dir():
        return path
    if not path.parent.exists():
        private_folder(path.parent)
    try:
        os.mkdir(path, FOLDER_MODE)
    except FileExistsError:
        if exist_ok:
            return path
        raise
    os.chmod(path, FOLDER_MODE)
    return path


def tighten(path: str | os.PathLike[str]) -> bool:
    """Take away what others may do with `path` (not a link), if anything; True if it
    was changed. A file this user may not change is left as it is."""
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode) or not mode & 0o077:
            return False
        os.chmod(path, stat.S_IMODE(mode) & 0o700)
    except OSError:
        return False
    return True


def tidy(database: Path) -> None:
    """What every command does first with the library it has opened: tighten what an
    earlier version left readable by others (cheaply: the files folder is gone through
    only when the folder itself was open)."""
    for end in ("", "-wal", "-shm", "-journal"):
        tighten(f"{database}{end}")
    files = database.parent / "files"
    if tighten(files):
        for root, folders, names in os.walk(files):
            for name in folders + names:
                tighten(os.path.join(root, name))
