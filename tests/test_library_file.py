"""Pointing a command at the wrong place: one clear error, and no stray library made."""

import sqlite3

import pytest

import db


def test_reading_a_library_that_does_not_exist_is_an_error_and_creates_nothing(cli, tmp_path):
    missing = tmp_path / "typo" / "evidence.db"
    for args in (
        ["list"],
        ["show", "1"],
        ["edit", "1", "--title", "T"],
        ["withdraw", "1", "--reason", "R"],
        ["verify-item", "1"],
    ):
        result = cli(*args, "--db", missing, expect=1)
        assert result.stderr == (
            f"Error: library '{missing}' does not exist: check --db, or log a first item"
            " with `add`.\n"
        )
    assert not missing.parent.exists()


def test_a_refused_attachment_creates_no_library(cli, tmp_path):
    path = tmp_path / "new" / "evidence.db"
    result = cli(
        "add",
        "audit",
        "--title",
        "T",
        "--date",
        "2017",
        "--area",
        "1",
        "--file",
        tmp_path,
        "--db",
        path,
        expect=1,
    )
    assert result.stderr == (
        f"Error: file '{tmp_path}' is a folder: attach the files in it one by one.\n"
    )
    assert not path.parent.exists()


def test_a_folder_is_not_a_library(cli, tmp_path):
    result = cli("list", "--db", tmp_path, expect=1)
    assert result.stderr == f"Error: library '{tmp_path}' is a folder, not a library file.\n"


def test_a_file_that_is_not_a_database_is_named(cli, tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("not a database, just notes\n" * 100)
    result = cli("list", "--db", notes, expect=1)
    assert result.stderr == (
        f"Error: library '{notes}' cannot be opened (file is not a database).\n"
    )
    assert notes.read_text() == "not a database, just notes\n" * 100


def test_a_library_under_a_file_is_named(cli, tmp_path):
    blocker = tmp_path / "file.db"
    blocker.write_text("")
    result = cli(
        "add",
        "audit",
        "--title",
        "T",
        "--date",
        "2017",
        "--area",
        "1",
        "--db",
        blocker / "x.db",
        "--create",
        expect=1,
    )
    assert result.stderr.startswith(f"Error: library '{blocker / 'x.db'}' cannot be opened (")


@pytest.mark.parametrize("command", ["show", "verify-item"])
def test_an_id_beyond_any_sqlite_integer_is_simply_not_found(cli, command):
    cli.add()
    result = cli(command, "99999999999999999999", expect=1)
    assert result.stderr == "Error: evidence 99999999999999999999 does not exist.\n"


def test_another_programs_database_is_never_taken_over(cli, tmp_path):
    other = tmp_path / "contacts.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    for args in (
        ["list"],
        ["add", "audit", "--title", "T", "--date", "2017", "--area", "1"],
        ["demo"],
    ):
        result = cli(*args, "--db", other, expect=1)
        assert result.stderr == f"Error: library '{other}' is not an evidence library.\n"
    assert other.read_bytes() == before


def test_an_empty_file_becomes_a_library_only_when_adding(cli, tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert cli("list", "--db", empty, expect=1).stderr == (
        f"Error: library '{empty}' is not an evidence library.\n"
    )
    assert empty.read_bytes() == b""
    cli("add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--db", empty, "--create")
    assert len(cli.json("list", "--db", empty)) == 1


def test_a_path_too_long_for_the_system_is_named(cli, tmp_path):
    path = tmp_path / ("x" * 300) / "evidence.db"
    result = cli(
        "add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--db", path, "--create",
        expect=1,
    )  # fmt: skip
    assert result.stderr.startswith(f"Error: library '{path}' cannot be opened (")


def test_a_library_held_busy_by_another_command_is_one_clear_error(cli, library_path, monkeypatch):
    cli.add()
    monkeypatch.setattr(db, "BUSY_TIMEOUT_SECONDS", 1)
    other = sqlite3.connect(library_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        result = cli("add", "audit", "--title", "T2", "--date", "2017", "--area", "1", expect=1)
    finally:
        other.execute("ROLLBACK")
    assert result.stderr == (
        "Error: the library is busy: another command has held it for 1 seconds."
        " Nothing was written; try again.\n"
    )
    assert len(cli.json("list")) == 1
