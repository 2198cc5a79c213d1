"""Nothing left behind: a command killed midway (SIGKILL, no chance to tidy up) leaves its
temporary copies only in the library's private work folder, where the next command to
open the library sweeps them; files it stored and never recorded are named by `evidence
check` as its leftovers, not damage, and `evidence check --repair` removes them."""

import errno
import hashlib
import json
import os
import signal
import sqlite3
import stat
import subprocess
import time
from pathlib import Path

import pytest
from test_power_cut import BIN, count, run, sound

from evidence import integrity
from evidence.errors import LibraryBusy
from evidence.files import size_text
from evidence.library import open_library

pytestmark = pytest.mark.slow  # commands killed mid-way


def started(*argv) -> subprocess.Popen:
    return subprocess.Popen(
        [BIN / "evidence", *map(str, argv)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_for(proc: subprocess.Popen, ready, what: str) -> None:
    """Wait, the command still running, until `ready()` holds."""
    deadline = time.monotonic() + 60
    while not ready():
        assert proc.poll() is None, f"the command ended before {what}"
        assert time.monotonic() < deadline, f"no sign of {what}"
        time.sleep(0.001)


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL


def work_folder(library: Path) -> Path:
    return library.parent / f".{library.name}.work"


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def assert_private(top: Path) -> None:
    """`top` and everything under it: its owner's alone."""
    for path in [top, *top.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert not mode & 0o077, f"{path} is {mode:o}"


def stalled(library: Path):
    """Put a named pipe in place of the library's one stored file: a command reading it
    waits there, midway, until it is killed (as on a network drive that stopped
    answering). Returns what puts the file back."""
    (blob,) = (library.parent / "files").glob("??/*")
    data = blob.read_bytes()
    blob.unlink()
    os.mkfifo(blob, 0o600)

    def restore() -> None:
        blob.unlink()
        blob.write_bytes(data)
        blob.chmod(0o400)

    return restore


def rows_with_files(folder: Path, items: int) -> Path:
    """An import of `items` items, each with a file of its own: a megabyte of text to read,
    store and index, so the import is still at work a while after its first file lands."""
    lines = ["kind,title,date,areas,files"]
    for n in range(items):
        (folder / f"f{n}.md").write_bytes(f"file {n}\n".encode() * 120_000)
        lines.append(f"audit,Item {n},2017-01-01,1,f{n}.md")
    rows = folder / "rows.csv"
    rows.write_text("\n".join(lines) + "\n")
    return rows


def test_a_killed_backup_leaves_its_copy_only_in_the_work_folder_until_the_next_command(
    cli, tmp_path, library_path
):
    note = tmp_path / "note.md"
    note.write_text("Minutes naming Zephyrine")
    cli.add("audit", "Audit", "2017-01", ("1",), "--file", note)
    restore = stalled(library_path)
    before = listing(tmp_path)
    dest = tmp_path / "backup"
    backup = started("backup", dest, "--db", library_path)

    def copies() -> list[Path]:
        return [path for path in tmp_path.rglob("evidence.db") if path != library_path]

    # The database is copied whole; the backup waits at the file it copies next.
    wait_for(backup, lambda: any((copy.parent / "files").is_dir() for copy in copies()),
             "the database was copied")  # fmt: skip
    # A command at work is never swept: its copy stays while another command runs.
    assert run("list", "--db", library_path).returncode == 0
    (copy,) = copies()
    kill(backup)

    assert listing(tmp_path) == before  # nothing beside where the backup was to go
    work = work_folder(library_path)
    assert copy.is_relative_to(work) and count(copy) == 1  # a whole copy, out of sight
    assert_private(work)
    assert run("list", "--db", library_path).returncode == 0
    assert not work.exists() and listing(library_path.parent) == ["evidence.db", "files"]

    restore()
    assert run("backup", dest, "--db", library_path).returncode == 0
    assert count(dest / "evidence.db") == 1
    assert listing(tmp_path) == sorted([*before, "backup"])
    assert not work.exists()


def test_files_a_killed_import_stored_are_named_as_leftovers_and_repair_removes_only_them(
    cli, tmp_path, library_path
):
    kept = tmp_path / "kept.md"
    kept.write_text("Recorded minutes")
    cli.add("audit", "Audit", "2017-01", ("1",), "--file", kept)
    rows = rows_with_files(tmp_path, 12)
    store = library_path.parent / "files"
    recorded = {path for path in store.glob("??/*")}

    importing = started("import", rows, "--db", library_path)

    def whole() -> list[Path]:
        return [path for path in store.glob("??/*") if not path.name.startswith(".")]

    wait_for(importing, lambda: len(whole()) > 2, "files were stored")
    kill(importing)
    sound(library_path)
    assert count(library_path) == 1  # none of the rows
    left = {path for path in store.glob("??/*")} - recorded
    assert left

    # Not damage: named, with how to remove them, and the check passes.
    checked = run("check", "--db", library_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == "The library is sound: 1 item and 1 file checked.\n"
    assert checked.stderr.startswith(f"Warning: {len(left)} file")
    assert checked.stderr.endswith(
        f" in {store} were stored by a command killed before recording them: not damage;"
        " `evidence check --repair` removes them.\n"
    )
    # What no killed command leaves is damage, named, and never removed: a file under no
    # SHA-256, one whose bytes are not those its name says, a link to a file elsewhere.
    content = b"outside the library"
    outside = tmp_path / "outside.txt"
    outside.write_bytes(content)
    named = hashlib.sha256(content).hexdigest()
    (store / named[:2]).mkdir(exist_ok=True)
    link = store / named[:2] / named[2:]
    link.symlink_to(outside)
    stray = store / "ab" / "notes.txt"
    stray.parent.mkdir(exist_ok=True)
    stray.write_text("a note someone left")
    altered = store / "cd" / hashlib.sha256(b"what it was").hexdigest()[2:]
    altered.parent.mkdir(exist_ok=True)
    altered.write_bytes(b"what it is now")
    # A copy a command killed while copying a file leaves under its temporary name.
    partial = next(iter(left)).parent / f".incoming-4242-{'0' * 16}"
    partial.write_bytes(b"half a fi")
    left.add(partial)

    size = sum(path.stat().st_size for path in left)
    repaired = run("check", "--repair", "--db", library_path)
    assert repaired.returncode == 1
    assert repaired.stdout == f"Removed {len(left)} files ({size_text(size)}) that a killed" \
        " command left.\n"  # fmt: skip
    problems = [line for line in repaired.stderr.splitlines() if line.startswith("Problem:")]
    assert problems == [
        f"Problem: file {path}: stored but not recorded in the library"
        for path in sorted([link, stray, altered])
    ]
    assert not any(path.exists() for path in left)
    assert link.is_symlink() and stray.exists() and altered.exists()
    assert outside.read_bytes() == content
    assert {path for path in store.glob("??/*")} == recorded | {link, stray, altered}
    for path in (link, stray, altered):
        path.unlink()
    again = run("check", "--db", library_path)
    assert (again.returncode, again.stderr) == (0, "")

    assert "12 items added" in run("import", rows, "--db", library_path).stdout
    assert run("check", "--db", library_path).stdout == (
        "The library is sound: 13 items and 13 files checked.\n"
    )


def test_repair_leaves_the_files_of_an_import_at_work(cli, tmp_path, library_path):
    cli.add()
    rows = rows_with_files(tmp_path, 20)
    store = library_path.parent / "files"
    importing = subprocess.Popen(
        [BIN / "evidence", "import", rows, "--db", library_path],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    # Stored, not yet recorded: the import holds the write lock until it commits, and the
    # repair waits for it rather than take those files for a killed command's.
    wait_for(importing, lambda: any(store.glob("??/*")), "a file was stored")
    repaired = run("check", "--repair", "--db", library_path)
    out, err = importing.communicate(timeout=60)
    assert importing.returncode == 0, err
    assert "20 items added" in out
    assert repaired.returncode == 0, repaired.stderr
    assert repaired.stdout.startswith("The library is sound")  # nothing was removed
    assert run("check", "--db", library_path).stdout == (
        "The library is sound: 21 items and 20 files checked.\n"
    )


def test_repair_waits_for_a_writer_rather_than_remove_what_it_stored(cli, tmp_path, library_path):
    (tmp_path / "note.md").write_text("Minutes")
    cli.add("audit", "Audit", "2017-01", ("1",), "--file", tmp_path / "note.md")
    store = library_path.parent / "files"
    conn = open_library(library_path)
    blob = store / "ab" / hashlib.sha256(b"stored").hexdigest()[2:]
    writer = sqlite3.connect(library_path)
    writer.execute("BEGIN IMMEDIATE")  # a command at work: its file stored, not recorded
    blob.parent.mkdir(exist_ok=True)
    blob.write_bytes(b"stored")
    conn.execute("PRAGMA busy_timeout = 100")
    try:
        with pytest.raises(LibraryBusy):
            integrity.leftovers(conn, remove=True)
        assert blob.exists()
    finally:
        writer.rollback()
        writer.close()
        conn.close()


def test_a_killed_import_into_a_new_library_leaves_nothing_the_next_import_keeps(tmp_path):
    library = tmp_path / "library" / "evidence.db"
    rows = rows_with_files(tmp_path, 12)
    importing = started("import", rows, "--db", library, "--create")
    # The new library is built out of sight, its files with it.
    wait_for(importing, lambda: any(library.parent.glob("**/files/??/*")), "a file was stored")
    kill(importing)
    assert not library.exists()
    assert listing(library.parent) == [".evidence.db.work"]
    (staged,) = work_folder(library).glob("new-*/evidence.db")
    assert_private(work_folder(library))

    assert "12 items added" in run("import", rows, "--db", library, "--create").stdout
    assert not staged.exists()
    assert listing(library.parent) == ["evidence.db", "files"]


def test_a_killed_pack_leaves_its_copy_only_in_the_work_folder_until_the_next_command(
    cli, tmp_path, library_path
):
    cli.add()
    out = tmp_path / "pack.pdf"
    before = listing(tmp_path)
    work = work_folder(library_path)
    printing = started("pack", "--out", out, "--db", library_path)

    def copies() -> list[Path]:
        return [*work.glob("pack-*/copy-*"), *tmp_path.glob(".pack.pdf*")]

    wait_for(printing, copies, "the pack was being written")
    kill(printing)
    assert listing(tmp_path) == before
    assert copies() and all(copy.is_relative_to(work) for copy in copies())
    assert_private(work)
    assert run("list", "--db", library_path).returncode == 0
    assert not work.exists()


def test_a_killed_bundle_on_another_drive_leaves_a_private_copy_the_next_command_removes(
    cli, tmp_path, library_path
):
    shared = Path("/dev/shm")
    assert os.stat(shared).st_dev != os.stat(tmp_path).st_dev, "no second file system"
    drive = shared / f"evidence-test-{os.getpid()}-{tmp_path.name}"
    drive.mkdir()
    try:
        note = tmp_path / "note.md"
        note.write_text("Minutes")
        cli.add("audit", "Audit", "2017-01", ("1",), "--file", note)
        restore = stalled(library_path)
        out = drive / "library\n.zip"  # a line break in its name: noted whole all the same
        bundling = started("bundle", "--out", out, "--db", library_path)
        wait_for(bundling, lambda: any(drive.iterdir()), "the bundle was being written")
        kill(bundling)
        # A rename cannot cross file systems: its copy is beside where it was to go,
        # hidden and its owner's alone, and noted in the library's work folder.
        (copy,) = drive.iterdir()
        assert copy.name.startswith(".library\n.zip.")
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        assert run("list", "--db", library_path).returncode == 0
        assert list(drive.iterdir()) == []
        assert not work_folder(library_path).exists()

        restore()
        result = run("bundle", "--out", out, "--db", library_path)
        assert result.returncode == 0, result.stderr
        assert list(drive.iterdir()) == [out]
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    finally:
        for path in drive.iterdir():
            path.unlink()
        drive.rmdir()


def test_the_sweep_removes_only_what_a_dead_command_noted(cli, tmp_path, library_path):
    cli.add()
    work = work_folder(library_path)
    dead = work / "bundle-abcd1234"  # as a killed command leaves its folder: lock unheld
    dead.mkdir(parents=True)
    (dead / ".in-use").write_text("")
    noted = tmp_path / ".library.zip.0123456789ab.part"
    noted.write_text("a copy of the library")
    visible = tmp_path / "library.zip"  # a record naming anything else is not obeyed
    visible.write_text("the bundle handed over")
    cut = tmp_path / ".cut-short"
    cut.write_text("kept")
    (dead / "elsewhere").write_text(
        json.dumps(str(noted)) + "\n" + json.dumps(str(visible)) + "\n" + json.dumps(str(cut))
    )
    cli("list")
    assert not noted.exists() and not work.exists()
    assert visible.read_text() == "the bundle handed over" and cut.read_text() == "kept"


def test_a_work_folder_that_is_a_link_is_refused_and_never_swept(cli, tmp_path, library_path):
    cli.add()
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "old-folder").mkdir(parents=True)  # like a dead command's, lock and all
    (elsewhere / "old-folder" / ".in-use").write_text("")
    work = work_folder(library_path)
    work.symlink_to(elsewhere)
    result = cli("backup", tmp_path / "backup", expect=1)
    assert result.stderr == (
        f"Error: library '{library_path}' has a work folder ({work}) that is a link or not"
        " this user's: move it away, and run the command again.\n"
    )
    assert (elsewhere / "old-folder" / ".in-use").exists()
    assert not (tmp_path / "backup").exists()


@pytest.mark.parametrize("command", [["backup", "{work}/backup"], ["export", "--out", "{work}/x"]])
def test_no_output_may_go_into_the_work_folder(cli, tmp_path, library_path, command):
    cli.add()
    work = work_folder(library_path)
    work.mkdir()
    args = [arg.format(work=work) for arg in command]
    assert cli(*args, expect=1).stderr.endswith(
        "is part of the library itself: write it elsewhere.\n"
    )
    assert list(work.iterdir()) == []


def test_a_backup_to_another_mount_of_the_same_drive_is_copied_into_place(
    cli, tmp_path, library_path, monkeypatch
):
    (tmp_path / "note.md").write_text("Minutes")
    cli.add("audit", "Audit", "2017-01", ("1",), "--file", tmp_path / "note.md")
    work = work_folder(library_path)
    rename = os.replace

    def across_mounts(source, target):
        # What Linux answers for a rename between two mounts of one file system.
        if Path(source).is_relative_to(work):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        rename(source, target)

    monkeypatch.setattr(os, "replace", across_mounts)
    dest = tmp_path / "backup"
    assert cli("backup", dest).stdout == f"Backed up 1 item and 1 file to {dest}.\n"
    monkeypatch.undo()
    assert listing(dest) == ["evidence.db", "files"] and count(dest / "evidence.db") == 1
    assert_private(dest)
    assert listing(tmp_path) == ["backup", "db", "note.md"]
    assert not work.exists()
