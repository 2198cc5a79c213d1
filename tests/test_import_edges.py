"""Imports at their edges: what a careless or hostile file does, and what it must not do."""

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest
from conftest import dump

from db import transaction
from evidence import files
from evidence.errors import InvalidValue
from evidence.library import open_library

SCRIPT = os.path.join(os.path.dirname(sys.executable), "evidence")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_yaml_values_are_read_as_typed_not_as_yaml_numbers(cli, tmp_path):
    cli.add("audit", "Ten", "2017-01", ("1",), "--ref", "10")
    path = tmp_path / "refs.yml"
    path.write_text(
        "- {kind: audit, title: Octal, date: 2017-02-01, areas: 2, ref: 0012}\n"
        "- {kind: audit, title: Clock, date: 2017-02-01, areas: 2, ref: 1:30, claimed: yes}\n"
    )
    assert "2 items added, 0 updated" in cli("import", path).stdout
    refs = {item["ref"]: item for item in cli.json("list")}
    assert set(refs) == {"10", "0012", "1:30"}
    assert refs["10"]["title"] == "Ten"
    assert refs["1:30"]["assurance"] == "claimed"


def test_an_unclosed_quote_in_a_csv_imports_nothing(cli, tmp_path, library_path):
    cli.add()
    before = dump(library_path)
    path = tmp_path / "quote.csv"
    path.write_text(
        "kind,title,date,areas,summary\n"
        'audit,A,2017-01-01,1,"A note never closed\n'
        "audit,B,2017-01-01,1,x\n"
    )
    assert cli("import", path, expect=1).stderr == (
        f"Error: file '{path}' is not valid CSV: unexpected end of data (line 3).\n"
    )
    assert dump(library_path) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[{"kind": "audit", "title": 1e400, "date": "2017", "areas": "1"}]',
         "row 1, column title: title 'inf' is not a number that can be written down."),
        ('[{"kind": "audit", "title": "T", "date": "2017", "areas": "1", "files": ["a\\u0000b"]}]',
         "row 1, column files: file 'a\\x00b' is not a file name (it holds a NUL character)."),
        ('[{"kind": "audit", "title": ' + "9" * 400 + ', "date": "2017", "areas": "1"}]',
         "row 1, column title: title '" + "9" * 39 + "…' is 400 characters long; the limit"
         " is 300."),
    ],
)  # fmt: skip
def test_odd_values_are_bad_rows_not_tracebacks(cli, tmp_path, content, message):
    path = tmp_path / "odd.json"
    path.write_text(content)
    assert cli("import", path, expect=1).stderr.splitlines()[1] == "  " + message


def test_a_yaml_value_that_contains_itself_is_a_bad_row(cli, tmp_path):
    path = tmp_path / "loop.yml"
    path.write_text("- &a {kind: audit, title: T, date: '2017', areas: [*a]}\n")
    result = cli("import", path, expect=1)
    assert "row 1, column areas" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_size_limit_is_one_error_for_the_whole_import(cli, tmp_path, monkeypatch):
    (tmp_path / "a.md").write_text("a")
    path = tmp_path / "rows.csv"
    path.write_text("kind,title,date,areas,files\n" + "audit,T,2017,1,a.md\n" * 3)
    monkeypatch.setenv("EVIDENCE_MAX_FILE_MB", "abc")
    assert cli("import", path, expect=1).stderr.startswith(
        "Error: EVIDENCE_MAX_FILE_MB 'abc' must be a number"
    )


def test_a_nul_byte_in_a_utf8_csv_is_named_as_such(cli, tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"kind,title,date,areas\naudit,T\x00,2017,1\n")
    assert cli("import", path, expect=1).stderr == (
        f"Error: file '{path}' holds a NUL byte at position 29: it is not a text file.\n"
    )


def test_a_pipe_is_not_taken_for_a_missing_file(cli, tmp_path):
    fifo = tmp_path / "rows.csv"
    os.mkfifo(fifo)
    assert cli("import", fifo, expect=1).stderr == (
        f"Error: file '{fifo}' is not a regular file (a device or a pipe): give the file to"
        " import.\n"
    )


def test_a_broken_link_as_the_library_is_named(cli, tmp_path):
    link = tmp_path / "evidence.db"
    link.symlink_to(tmp_path / "gone.db")
    path = tmp_path / "rows.csv"
    path.write_text("kind,title,date,areas\naudit,T,2017,1\n")
    assert cli("import", path, "--db", link, "--create", expect=1).stderr == (
        f"Error: library '{link}' is a broken symbolic link.\n"
    )


def test_a_library_made_by_import_is_readable_by_its_owner_only(cli, tmp_path, library_path):
    path = tmp_path / "rows.csv"
    path.write_text("kind,title,date,areas\naudit,T,2017,1\n")
    cli("import", path)
    assert library_path.stat().st_mode & 0o777 == 0o600


def test_a_file_that_changes_after_it_was_examined_is_not_stored(cli, tmp_path, library_path):
    cli.add()
    note = tmp_path / "note.md"
    note.write_text("First words")
    incoming = files.examine(note)
    note.write_text("Other words entirely")
    conn = open_library(library_path)
    with (
        pytest.raises(InvalidValue, match="changed while it was being stored"),
        transaction(conn, by="tester"),
    ):
        files.attach(conn, 1, incoming)
    conn.close()
    assert cli("check").stdout == "The library is sound: 1 item and 0 files checked.\n"
    assert list((library_path.parent / "files").glob("??/*")) == []


def test_two_libraries_in_one_folder_cannot_share_their_files(cli, tmp_path):
    folder = tmp_path / "shared"
    note = tmp_path / "note.md"
    note.write_text("Minutes")
    council, scratch = folder / "council.db", folder / "scratch.db"
    add = ["add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--file", note,
           "--create"]  # fmt: skip
    cli(*add, "--db", council)
    result = cli(*add, "--db", scratch, expect=1)
    assert result.stderr == (
        f"Created a new library at {scratch}\n"
        f"Error: library '{scratch}' shares its folder with the library council.db, whose"
        f" stored files are in {folder / 'files'}: keep each library in a folder of its own.\n"
    )
    rows = tmp_path / "rows.csv"
    rows.write_text("kind,title,date,areas\naudit,T,2017,1\n")
    other = folder / "other.db"
    assert "shares its folder" in cli("import", rows, "--db", other, "--create", expect=1).stderr
    assert not other.exists()
    assert cli("check", "--db", council).stdout.startswith("The library is sound")


def test_an_export_with_two_files_of_one_name_round_trips(cli, tmp_path, monkeypatch):
    for n, text in enumerate(["First note", "Second note"], 1):
        folder = tmp_path / f"from{n}"
        folder.mkdir()
        (folder / "note.md").write_text(text)
        cli.add("audit", f"Audit {n}", "2017-01", ("1",), "--file", folder / "note.md")
    export = tmp_path / "export" / "items.json"
    export.parent.mkdir()
    cli("export", "--out", export)
    # Into the same library again (by a copy of the export without its refs): the
    # library's own stored files are linked, though nothing sits beside the export.
    rows = json.loads(export.read_text())
    for row in rows:
        row["ref"] = f"copy-{row['id']}"
    again = tmp_path / "again" / "items.json"
    again.parent.mkdir()
    again.write_text(json.dumps(rows))
    assert "2 items added" in cli("import", again).stdout
    # Into a new library, with a backup's files/ folder beside the export.
    backup = tmp_path / "backup"
    cli("backup", backup)
    (backup / "items.json").write_text(export.read_text())
    monkeypatch.setenv("EVIDENCE_DB", str(tmp_path / "new" / "evidence.db"))
    assert "2 items added" in cli("import", backup / "items.json", "--create").stdout
    assert cli("check").stdout == "The library is sound: 2 items and 2 files checked.\n"
    assert [i["title"] for i in cli.json("list", "--search", "second")] == ["Audit 2"]


@pytest.mark.slow
def test_an_import_told_to_stop_leaves_nothing_half_done(tmp_path):
    """SIGTERM mid-import: either every row landed or none, and no file is left over."""
    library = tmp_path / "lib" / "evidence.db"
    (tmp_path / "a.md").write_text("attached")
    rows = tmp_path / "rows.csv"
    lines = ["kind,title,date,areas,files"]
    lines += [f"audit,Item {n},2017-01-01,1,{'a.md' if n == 0 else ''}" for n in range(40_000)]
    rows.write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen(
        [SCRIPT, "import", str(rows), "--db", str(library), "--create"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.startswith(".")]
    assert leftovers == []
    if library.exists():  # it finished before the signal came
        conn = open_library(library)
        assert conn.execute("SELECT count(*) FROM evidence").fetchone()[0] == 40_000
        conn.close()
    else:
        assert not (tmp_path / "lib" / "files").exists()


COMMIT_INTERRUPTED = """
import os, signal, sqlite3, sys

class Connection(sqlite3.Connection):
    def commit(self):
        if self.in_transaction:
            # SIGTERM arrives while SQLite commits, and is handled as commit() returns.
            os.kill(os.getpid(), signal.SIGTERM)
        super().commit()

connect = sqlite3.connect
sqlite3.connect = lambda *a, **k: connect(*a, factory=Connection, **k)
from evidence.__main__ import main
main()
"""


def test_a_stop_signal_during_the_commit_keeps_what_was_committed(tmp_path, cli, library_path):
    cli.add()  # the library exists, so the add below commits once
    driver = tmp_path / "driver.py"
    driver.write_text(COMMIT_INTERRUPTED)
    note = tmp_path / "note.md"
    note.write_text("Kept whole")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, driver, "add", "audit", "--title", "With a file", "--date", "2017",
         "--area", "1", "--file", note, "--db", library_path],
        check=False, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert "Traceback" not in result.stderr
    titles = [item["title"] for item in cli.json("list")]
    if "With a file" in titles:  # committed: then its file must be there too
        assert cli("check").stdout == "The library is sound: 2 items and 1 file checked.\n"
    else:
        assert cli("check").stdout == "The library is sound: 1 item and 0 files checked.\n"


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.4, 1.2])
@pytest.mark.parametrize("new", [True, False])
def test_an_import_with_files_stopped_at_any_moment_is_whole_or_absent(tmp_path, new, delay):
    library = tmp_path / "lib" / "evidence.db"
    if not new:
        subprocess.run([SCRIPT, "add", "audit", "--title", "First", "--date", "2017",
                        "--area", "1", "--db", library, "--create"],
                       check=True, capture_output=True)  # fmt: skip
    lines = ["kind,title,date,areas,files"]
    for n in range(6000):
        name = ""
        if n < 400:
            name = f"f{n}.md"
            (tmp_path / name).write_text(f"file number {n} " * 50)
        lines.append(f"audit,Item {n},2017-01-01,1,{name}")
    rows = tmp_path / "rows.csv"
    rows.write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen([SCRIPT, "import", rows, "--db", library, "--create"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    time.sleep(delay)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err
    if not library.exists():
        assert new and not list(tmp_path.glob("lib/files/??/*"))
        return
    checked = subprocess.run(
        [SCRIPT, "check", "--db", library], check=False, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    conn = open_library(library)
    (items,) = conn.execute("SELECT count(*) FROM evidence").fetchone()
    conn.close()
    assert items in ((0 if new else 1), 6000 + (0 if new else 1))


def test_a_folder_a_killed_import_of_an_earlier_version_left_is_swept(cli, library_path):
    cli.add()
    leftover = library_path.parent / f".{library_path.name}.new-abcd1234"
    (leftover / "files" / "ab").mkdir(parents=True)
    (leftover / "files" / "ab" / "cdef").write_text("a purged child's name")
    (leftover / ".in-use").write_text("")  # its lock file, no longer held by anyone
    assert cli("check").stdout.startswith("The library is sound")
    assert not leftover.exists()


def test_a_library_renamed_in_its_folder_keeps_its_files(cli, tmp_path, library_path):
    note = tmp_path / "note.md"
    note.write_text("Minutes")
    cli.add("audit", "A", "2017", ("1",), "--file", note)
    renamed = library_path.with_name("council.db")
    library_path.rename(renamed)
    assert cli("check", "--db", renamed).stdout.startswith("The library is sound: 1 item and 1")
    (tmp_path / "other.md").write_text("Other")
    cli("edit", "1", "--file", tmp_path / "other.md", "--db", renamed)
    assert cli("check", "--db", renamed).stdout.startswith("The library is sound: 1 item and 2")


def test_an_unnamed_files_folder_is_not_taken_by_a_newcomer(cli, tmp_path, library_path):
    note = tmp_path / "note.md"
    note.write_text("Minutes")
    cli.add("audit", "A", "2017", ("1",), "--file", note)
    (library_path.parent / "files" / "LIBRARY").unlink()  # as a library from before markers
    other = library_path.with_name("other.db")
    result = cli("add", "audit", "--title", "B", "--date", "2017", "--area", "1", "--file",
                 note, "--db", other, "--create", expect=1)  # fmt: skip
    assert "holds files it does not record" in result.stderr
    assert cli("check").stdout.startswith("The library is sound: 1 item and 1 file")
    (library_path.parent / "files" / "LIBRARY").write_text("")  # an empty, half-written name
    assert cli("check").stdout.startswith("The library is sound")


def test_an_export_through_a_hard_link_to_the_library_is_refused(cli, tmp_path, library_path):
    cli.add()
    alias = tmp_path / "export.json"
    os.link(library_path, alias)
    assert cli("export", "--out", alias, expect=1).stderr.endswith(
        "is part of the library itself: write it elsewhere.\n"
    )
    assert cli("check").stdout.startswith("The library is sound")


def test_an_import_into_a_new_library_works_where_files_cannot_be_linked(
    cli, tmp_path, library_path, monkeypatch
):
    def no_links(source, target):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)  # as on a FAT memory stick
    (tmp_path / "a.md").write_text("attached")
    rows = tmp_path / "rows.csv"
    rows.write_text("kind,title,date,areas,files\naudit,T,2017,1,a.md\n")
    assert "1 item added" in cli("import", rows).stdout
    assert cli("check").stdout == "The library is sound: 1 item and 1 file checked.\n"


def test_a_damaged_database_is_a_problem_not_a_traceback(cli, library_path):
    cli("demo")
    data = bytearray(library_path.read_bytes())
    for offset in range(8192, len(data) - 4096, 4096):
        data[offset + 100 : offset + 400] = b"\xff" * 300
    library_path.write_bytes(bytes(data))
    for wal in library_path.parent.glob("*-wal"):
        wal.unlink()
    for command in ("check", "list", "export"):
        result = cli(command, expect=1)
        assert "Traceback" not in result.stderr
        assert result.stderr.splitlines()[-1].startswith("Error: "), command


def test_yaml_merge_keys_and_a_tiny_bomb(cli, tmp_path):
    path = tmp_path / "merge.yml"
    path.write_text(
        "- &audit {kind: audit, date: '2017-01', areas: ['1'], title: First}\n"
        "- {<<: *audit, title: Second}\n"
    )
    assert "2 items added" in cli("import", path).stdout
    bomb = tmp_path / "bomb.yml"
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 9):
        levels.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    bomb.write_text(
        "defs:\n"
        + "".join(f"  {line}\n" for line in levels)
        + "items:\n  - {kind: audit, title: *a8, date: '2017', areas: ['1']}\n"
    )
    assert "title '(a list of 10)' must be text." in cli("import", bomb, expect=1).stderr


@pytest.mark.slow
def test_a_command_run_under_nohup_ignores_a_hang_up(tmp_path):
    library = tmp_path / "lib" / "evidence.db"
    rows = tmp_path / "rows.csv"
    rows.write_text("kind,title,date,areas\n" + "audit,T,2017-01-01,1\n" * 20_000)
    proc = subprocess.Popen(
        ["nohup", SCRIPT, "import", rows, "--db", library, "--create"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(0.5)
    proc.send_signal(signal.SIGHUP)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert b"20000 items added" in out


def test_an_export_over_a_file_keeps_its_permissions_and_follows_a_link(cli, tmp_path):
    cli.add()
    private = tmp_path / "private.json"
    private.write_text("old")
    private.chmod(0o600)
    cli("export", "--out", private)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert json.loads(private.read_text())[0]["title"] == "Audit"
    real, link = tmp_path / "shared.json", tmp_path / "link.json"
    real.write_text("old")
    link.symlink_to(real)
    cli("export", "--out", link)
    assert link.is_symlink() and json.loads(real.read_text())[0]["title"] == "Audit"


def test_a_partial_copy_does_not_make_an_unnamed_files_folder_foreign(cli, tmp_path, library_path):
    cli.add()
    partial = library_path.parent / "files" / "f1" / ".incoming-999-f186a89e14b8f6c6"
    partial.parent.mkdir(parents=True)
    partial.write_text("x")
    assert cli("check").stdout == "The library is sound: 1 item and 0 files checked.\n"
    (tmp_path / "a.md").write_text("a")
    cli("edit", "1", "--file", tmp_path / "a.md")


def test_a_purge_counts_only_the_files_it_removed(cli, tmp_path, library_path):
    (tmp_path / "a.md").write_text("a")
    cli.add("audit", "A", "2017", ("1",), "--file", tmp_path / "a.md")
    for blob in (library_path.parent / "files").glob("??/*"):
        blob.unlink()
    assert "its text, 0 files and" in cli("purge", "1", "--reason", "x", "--yes").stdout


def test_more_odd_inputs_end_in_one_error_line(cli, tmp_path, library_path):
    cli.add()
    before = dump(library_path)
    deep = tmp_path / "deep.yml"
    deep.write_text("[" * 3000)
    bad = tmp_path / "bad.yml"
    bad.write_text("measures:\n  - code: [\n")
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    cases = [
        (["measure", "show", "\udcff\udcfe"], "Error: measure '\\udcff\\udcfe' holds bytes that"),
        (["measure", "define", "--from-file", deep], "is not valid YAML (nested too deeply)."),
        (["measure", "define", "--from-file", bad], "(line 3, column 1: expected the node"),
        (["self-eval", "set", "1", "--grade", "good", "--text-file", fifo],
         "is not a regular file (a device or a pipe)."),
        (["add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--file",
          "/proc/self/status"], "is not an ordinary file: the system gives it no size"),
    ]  # fmt: skip
    for args, words in cases:
        result = cli(*args, expect=1)
        assert len(result.stderr.splitlines()) == 1 and words in result.stderr, result.stderr
    assert dump(library_path) == before
    assert not (library_path.parent / "files").exists()
