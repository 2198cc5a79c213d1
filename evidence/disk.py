"""The library on disk: readable by its owner only, and a private work folder for the
temporary copies commands make, which the next command sweeps if one was killed.

Everything the library writes (the database and its logs, stored files, backups, exports,
packs, bundles, the web UI's statistics and accounts) is readable by its owner only:
folders 0700, files 0600, stored files 0400 (never written again), whatever the umask.
The library holds OFFICIAL-SENSITIVE material about children; sharing a copy is a thing a
person does on purpose (the README says how).

A command that writes a copy of the library or of part of it (a backup, a pack, a bundle,
an export, a new library being built) works in a folder of its own inside the library's
work folder, `.<library file>.work/` beside it, on its file system, so the finished copy
is renamed into place whole. It holds a lock on a file in its folder while it works: a
folder whose lock nobody holds was left by a killed command, and the next command to
open the library removes it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from db import signals_held

FOLDER_MODE = 0o700
FILE_MODE = 0o600
STORED_MODE = 0o400
LOCK_FILE = ".in-use"
# In a command's folder: what it made outside the work folder, one JSON string a line.
ELSEWHERE = "elsewhere"
# A folder whose lock file is not there yet may be a command starting this very moment.
STARTING_SECONDS = 60


def database_file(conn: sqlite3.Connection) -> Path:
    """The file of the library open on `conn`, as SQLite found it (links followed)."""
    return Path(conn.execute("PRAGMA database_list").fetchone()["file"])


def work_folder(database: Path) -> Path:
    return database.parent / f".{database.name}.work"


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
    only when the folder itself was open), and sweep what killed commands left."""
    for end in ("", "-wal", "-shm", "-journal"):
        tighten(f"{database}{end}")
    files = database.parent / "files"
    if tighten(files):
        for root, folders, names in os.walk(files):
            for name in folders + names:
                tighten(os.path.join(root, name))
    sweep_leftovers(database)


@contextmanager
def at_work(database: Path, kind: str) -> Iterator[Path]:
    """A private folder for one command's temporary copies, in the work folder of the
    library at `database`, locked while the block runs. It is removed at the end, whatever
    happens, with anything the command noted making elsewhere (see `temporary_for`); if
    the command is killed, the next command to open the library removes it. For a library
    this user may only read, the folder is a private one in the system's temporary folder."""
    import tempfile

    work = work_folder(database)
    for attempt in range(3):
        try:
            _make_work_folder(work, database)
            folder = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=work))
            break
        except FileNotFoundError:  # another command removed it, empty, a moment ago
            if attempt == 2:
                raise
        except OSError as error:
            if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise
            # A library this user may only read (its folder or drive is read-only): the
            # command works in a private folder of the system's temporary folder instead,
            # which the next command cannot sweep, but which is removed at the end here.
            work = None
            folder = Path(tempfile.mkdtemp(prefix=f"evidence-{kind}-"))
            break
    lock = None
    try:
        lock = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, FILE_MODE)
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield folder
    finally:
        with signals_held():
            _remove(folder)
            if lock is not None:
                os.close(lock)
            if work is not None:
                with contextlib.suppress(OSError):  # others at work in it: it stays
                    work.rmdir()


def temporary_for(folder: Path, target: Path) -> Path:
    """Where to write a copy that is to take `target`'s name by a rename (nothing is made
    there yet): in `folder`, the command's own, when `target`'s folder is on the library's
    file system.

    A rename cannot cross file systems, and a copy across one is not whole until it is
    done, so for a target elsewhere (a memory stick, a network drive) the copy is written
    beside it under a hidden name. That name is noted in `folder` first: removed when the
    command ends, and by the next command to open the library should this one be killed.
    What is made there is private too, so a copy stranded on a drive since unplugged is
    still readable by its owner only."""
    target = Path(os.path.abspath(target))
    if os.stat(folder).st_dev == os.stat(target.parent).st_dev:
        return folder / f"copy-{os.urandom(4).hex()}"
    return _noted_sibling(folder, target)


def place(folder: Path, temporary: Path, target: Path) -> None:
    """Rename the finished copy `temporary` onto `target`. Two mounts of one file system
    (a bind mount, in a container say) look alike but do not rename into each other:
    then by way of a copy beside `target`, noted like any other."""
    try:
        os.replace(temporary, target)
        return
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
    import shutil

    sibling = _noted_sibling(folder, Path(os.path.abspath(target)))
    # Made private before anything is copied into it, so no part is ever readable by others.
    if temporary.is_dir():
        private_folder(sibling, exist_ok=False)
        shutil.copytree(temporary, sibling, dirs_exist_ok=True)  # modes copied with files
    else:
        create_private(sibling, exist_ok=False)
        shutil.copyfile(temporary, sibling)
    os.replace(sibling, target)


def note(folder: Path, path: Path) -> None:
    """Record, before it is made, a temporary file or folder outside the work folder,
    to be removed when the command that makes it ends or is found dead."""
    import json

    with open(folder / ELSEWHERE, "a", encoding="utf-8") as record:
        record.write(json.dumps(os.path.abspath(path)) + "\n")


def sweep_leftovers(database: Path) -> list[Path]:
    """Remove the folders killed commands left for the library at `database`, with what
    they noted making elsewhere; returns those removed. They may hold copies of text or
    files since purged."""
    removed = stale_leftovers(database)
    for folder in removed:
        _remove(folder)
    if removed:
        with contextlib.suppress(OSError):  # others at work in it: it stays
            work_folder(database).rmdir()
    return removed


def stale_leftovers(database: Path) -> list[Path]:
    """The folders of the library's work folder that no command is at work in (none
    holds their lock), and the staging folders earlier versions made beside it."""
    import glob

    work = work_folder(database)
    found = []
    if _ours(work):
        with contextlib.suppress(OSError):
            found = sorted(path for path in work.iterdir() if _ours(path))
    found += sorted(database.parent.glob(f".{glob.escape(database.name)}.new-*"))
    return [folder for folder in found if _stale(folder)]


def _stale(folder: Path) -> bool:
    try:
        lock = os.open(folder / LOCK_FILE, os.O_RDONLY)
    except FileNotFoundError:
        # Killed before it took its lock, or starting this very moment: give it time.
        try:
            return time.time() - folder.stat().st_mtime > STARTING_SECONDS
        except OSError:
            return False
    except OSError:
        return False
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(lock, fcntl.LOCK_UN)
        return True
    except OSError:
        return False  # a command at work in it
    finally:
        os.close(lock)


def _ours(path: Path) -> bool:
    """A folder (not a link to one) of this user's."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()


def _make_work_folder(work: Path, database: Path) -> None:
    from evidence.errors import LibraryError

    try:
        os.mkdir(work, FOLDER_MODE)
        os.chmod(work, FOLDER_MODE)
    except FileExistsError:
        if not _ours(work):
            raise LibraryError(
                database,
                f"has a work folder ({work}) that is a link or not this user's: move it"
                " away, and run the command again",
            ) from None


def _noted_sibling(folder: Path, target: Path) -> Path:
    sibling = target.with_name(f".{target.name[:100]}.{os.urandom(6).hex()}.part")
    note(folder, sibling)
    return sibling


def _remove(folder: Path) -> None:
    """Remove a command's folder, and first what it noted making elsewhere: only complete
    lines, naming hidden files or folders of this user's, so a record cut short by a kill
    never names anything else."""
    import json
    import shutil

    try:
        lines = (folder / ELSEWHERE).read_text(encoding="utf-8").split("\n")[:-1]
    except (OSError, UnicodeDecodeError):
        lines = []
    for line in lines:
        try:
            path = Path(json.loads(line))
            info = os.lstat(path)
        except (ValueError, TypeError, OSError):
            continue
        if info.st_uid != os.getuid() or not path.name.startswith("."):
            continue
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(path, ignore_errors=True)
        elif stat.S_ISREG(info.st_mode):
            with contextlib.suppress(OSError):
                path.unlink()
    shutil.rmtree(folder, ignore_errors=True)


# The web UI's statistics files: figures it reads from a copy of the library, beside it.


def statistics_path(library: str | os.PathLike[str], as_of: str | None = None) -> Path:
    """The statistics file of the library at `library`: its name with `.stats.db`, or
    with `.stats-2018-03-31.db` for a server showing an earlier day, so that two servers
    of one library never overwrite each other's figures."""
    library = Path(library)
    return library.with_name(f"{library.stem}.stats{'-' + as_of if as_of else ''}.db")


def blank_statistics(library: str | os.PathLike[str]) -> None:
    """Empty every statistics file of the library, leaving no page that held its text:
    they quote item titles, and purge calls this. A running web server builds them again
    at its next look at the library (a file is emptied, not removed, because the server
    keeps it open)."""
    library = Path(library)
    for path in library.parent.glob(f"{library.stem}.stats*.db"):
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            conn.execute("PRAGMA secure_delete = ON")
            tables = [
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            conn.execute("BEGIN IMMEDIATE")
            for table in tables:
                conn.execute(f'DELETE FROM "{table}"')
            conn.execute("COMMIT")
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
