"""Private by default: everything the library writes is readable by its owner only
(folders 0700, files 0600, stored files 0400), whatever the umask; a library made by an
earlier version is tightened when a command next opens it."""

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from evidence import disk
from evidence.library import open_library
from evidence.web import stats

PASSWORD = "correct horse battery staple"


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def modes(*tops: Path) -> dict[str, str]:
    """The mode of each of `tops` and of everything under them, by path."""
    return {
        str(path): oct(stat.S_IMODE(path.lstat().st_mode))
        for top in tops
        for path in [top, *sorted(top.rglob("*"))]
    }


def owners_only(*tops: Path) -> dict[str, str]:
    """What `modes` must say: folders 0700, stored files 0400, any other file 0600."""
    wanted = {}
    for path in modes(*tops):
        path = Path(path)
        if path.is_dir():
            wanted[str(path)] = oct(0o700)
        elif path.parent.parent.name == "files" and len(path.parent.name) == 2:
            wanted[str(path)] = oct(0o400)
        else:
            wanted[str(path)] = oct(0o600)
    return wanted


def test_everything_the_library_writes_is_its_owners_alone(umask, cli, tmp_path, library_path):
    note = tmp_path / "note.md"
    note.write_text("Minutes naming Zephyrine")
    assert stat.S_IMODE(note.stat().st_mode) == 0o666 & ~umask  # the umask is in force
    cli.add("audit", "Audit", "2017-01", ("1",), "--file", note)
    cli("action", "add", "1", "--text", "Do better", "--on", "2017-02-01", "--due", "2017-06-01")
    # A program reading the library keeps its logs on disk after each command.
    reader = sqlite3.connect(library_path)
    reader.execute("SELECT count(*) FROM evidence").fetchone()
    rows = tmp_path / "rows.csv"
    rows.write_text("kind,title,date,areas,files\naudit,Imported,2017-02,1,note.md\n")
    imported = tmp_path / "imported" / "evidence.db"
    out = tmp_path / "out"
    out.mkdir()
    try:
        cli("import", rows, "--db", imported, "--create")  # a new library
        cli("backup", tmp_path / "backup")
        cli("export", "--out", out / "export.json")
        cli("export", "--format", "csv", "--out", out / "export.csv")
        cli("action", "export", "--format", "csv", "--out", out / "actions.csv")
        cli("action", "export", "--format", "xlsx", "--out", out / "actions.xlsx")
        cli("bundle", "--out", out / "library.zip")
        cli("pack", "--out", out / "pack.pdf")
        cli("user", "add", "j.smith", "--role", "manager", "--password-stdin",
            input=PASSWORD + "\n")  # fmt: skip
        conn = open_library(library_path)
        try:
            stats.build(conn, disk.statistics_path(library_path))
        finally:
            conn.close()
        library = library_path.parent
        assert sorted(path.name for path in library.iterdir()) == [
            "evidence.accounts.db", "evidence.db", "evidence.db-shm", "evidence.db-wal",
            "evidence.stats.db", "files",
        ]  # fmt: skip
        assert sorted(path.name for path in out.iterdir()) == [
            "actions.csv", "actions.xlsx", "export.csv", "export.json", "library.zip",
            "pack.pdf",
        ]  # fmt: skip
        written = (library, imported.parent, tmp_path / "backup", *out.iterdir())
        assert modes(*written) == owners_only(*written)
    finally:
        reader.close()


def test_a_library_an_earlier_version_left_open_is_tightened_when_next_opened(
    cli, tmp_path, library_path
):
    note = tmp_path / "note.md"
    note.write_text("Minutes")
    cli.add("audit", "Audit", "2017-01", ("1",), "--file", note)
    cli("user", "add", "j.smith", "--role", "manager", "--password-stdin", input=PASSWORD + "\n")
    conn = open_library(library_path)
    stats.build(conn, disk.statistics_path(library_path))
    conn.close()
    library = library_path.parent
    reader = sqlite3.connect(library_path)
    reader.execute("SELECT count(*) FROM evidence").fetchone()
    # What the umask made of them before: readable by all; stored files 0444.
    for path in [library, *library.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
        elif path.parent.parent.name == "files":
            path.chmod(0o444)
        else:
            path.chmod(0o644)
    # A link in the files folder is not followed: what it points to is not the library's.
    outside = tmp_path / "outside.txt"
    outside.write_text("not the library's")
    outside.chmod(0o644)
    (library / "files" / "zz").mkdir(mode=0o700)
    (library / "files" / "zz" / "link").symlink_to(outside)
    try:
        cli("list")
        cli("user", "list")
        conn = open_library(library_path)
        stats.build(conn, disk.statistics_path(library_path))
        conn.close()
        (library / "files" / "zz" / "link").unlink()
        (library / "files" / "zz").rmdir()
        tightened = modes(library)
        tightened.pop(str(library))  # a folder the library was put in is left as it is
        assert tightened == {
            path: mode for path, mode in owners_only(library).items() if path != str(library)
        }
        assert stat.S_IMODE(outside.stat().st_mode) == 0o644
    finally:
        reader.close()
