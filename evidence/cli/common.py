"""What every command shares: one way for errors to reach a person, the library opened
and closed, who is acting, JSON, and the warnings that a record may identify a child."""

from __future__ import annotations

import gc
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from evidence.errors import EvidenceError


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn the errors a person can fix into one `Error:` line and exit code 1."""
    _started()
    try:
        yield
    except EvidenceError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(1) from None
    except OSError as error:  # the machine's doing: a full disk, a file made read-only
        where = f": {error.filename}" if error.filename else ""
        typer.echo(f"Error: {error.strerror or error}{where}.", err=True)
        raise typer.Exit(1) from None
    except sqlite3.OperationalError as error:  # a full disk, seen by SQLite
        typer.echo(f"Error: the library could not be written ({error}).", err=True)
        raise typer.Exit(1) from None
    except sqlite3.DatabaseError as error:  # a damaged file
        typer.echo(
            f"Error: the library's database is damaged ({error}): run `evidence check`,"
            " and restore it from a backup.",
            err=True,
        )
        raise typer.Exit(1) from None


def _started() -> None:
    """Arguments are parsed: turn collection back on if `evidence.__main__` paused it."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


@contextmanager
def library(
    db_path: Path | None,
    *,
    may_create: bool = False,
    create: bool = False,
    only_reads: bool = False,
) -> Iterator[Any]:
    """The library, open and migrated, closed afterwards; errors reported.

    A command that adds to a library (`may_create`) makes a new one only at the default
    path, db/evidence.db in the current folder, or wherever --create asks (`create`):
    a mistyped --db is an error that makes nothing, not a new empty library. Making one
    is said on standard error. A command that `only_reads` opens a library this user
    cannot write read-only.
    """
    import db
    from evidence.library import open_library

    with reported_errors():
        path = Path(db_path or db.default_path())
        making = new_library_wanted(db_path, path, create=create, may_create=may_create)
        # A library another command began making a moment ago is finished, not refused.
        conn = open_library(path, create=making or may_create, read_only=only_reads)
        if making:
            typer.echo(f"Created a new library at {path}", err=True)
        try:
            yield conn
        finally:
            conn.close()


def new_library_wanted(
    db_path: Path | None, path: Path, *, create: bool, may_create: bool = True
) -> bool:
    """Whether a new library is to be made at `path`, which a command that may make
    one (`may_create`) is about to open: True when there is none there yet (no file, or
    an empty one) and `path` is the default path, however it is spelt, or --create was
    given (`create`)."""
    if not (create or may_create) or _holds_something(path):
        return False
    if create or is_default_path(path):
        return True
    from evidence.errors import InvalidValue

    field = "--db (EVIDENCE_DB)" if db_path is not None and _from_env(db_path) else "--db"
    problem = "is an empty file" if path.exists() else "does not exist"
    raise InvalidValue(
        field, path, f"{problem}: check the path, or add --create to make a new library there."
    )


def _holds_something(path: Path) -> bool:
    """Whether there is something at `path` other than an empty file: a library, or
    whatever `open_db` is to name (a folder, another file, a path it cannot reach)."""
    import stat

    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    return stat.S_ISDIR(info.st_mode) or info.st_size > 0


def is_default_path(path: Path) -> bool:
    """Whether `path` is db/evidence.db in the current folder, however it is spelt."""
    import os

    import db

    default = Path.cwd() / db.DEFAULT_PATH
    if path.resolve() == default.resolve():
        return True
    try:  # another name for the same folder (a link, a mount)
        return path.name == default.name and os.path.samefile(path.parent, default.parent)
    except OSError:
        return False


def _from_env(db_path: Path) -> bool:
    import os

    return Path(os.environ.get("EVIDENCE_DB") or "") == db_path


def actor(by: str | None) -> str:
    if by:
        return by
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def plural(number: int, noun: str) -> str:
    """`plural(1, "item")` is "1 item"; `plural(3, "item")` is "3 items"."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def print_import_report(
    path: Path,
    *,
    added: int,
    noun: str,
    unchanged: int,
    updated: int | None = None,
    how: str | None = None,
    dry_run: bool,
) -> None:
    """The line an import ends with: the file, how it was read (an encoding, a shape),
    and how many of its records were added, updated and left unchanged."""
    counts = [f"{plural(added, noun)} added"]
    if updated is not None:
        counts.append(f"{updated} updated")
    counts.append(f"{unchanged} unchanged")
    name = f"{path.name} ({how})" if how else path.name
    if dry_run:
        typer.echo(f"Dry run of {name}: {', '.join(counts)}. Nothing was written.")
    else:
        typer.echo(f"Imported {name}: {', '.join(counts)}.")


def warn_privacy(which: str, evidence_id: int, words: list[str], dry_run: bool = False) -> None:
    """Tell the person who logged it that a child story may name someone."""
    quoted = ", ".join(f"'{word}'" for word in words)
    then = (
        ""
        if dry_run
        else f" If it names no one, run `evidence edit {evidence_id} --cleared-for-print`."
    )
    typer.echo(
        f"Warning: {which} may identify a child ({quoted}); it will not be printed in a pack"
        f" or bundle until it is changed or cleared.{then}",
        err=True,
    )


def warn_record(which: str, texts: list[str | None], *, names: bool = False) -> None:
    """Tell the person who wrote it that an action, a note, a self-evaluation or a
    challenge may identify a child: no pack is printed while it does."""
    from evidence import privacy

    words = privacy.record_findings(texts, names=names)
    if words:
        quoted = ", ".join(f"'{word}'" for word in words)
        typer.echo(
            f"Warning: {which} may identify a child ({quoted}); no pack will be printed while"
            " it does. Erase the words with `evidence purge --text WORDS --reason R`.",
            err=True,
        )
