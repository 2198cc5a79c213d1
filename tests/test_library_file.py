"""Pointing a command at the wrong place: one clear error, and no stray library made."""

import pytest


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
    assert result.stderr.startswith(f"Error: file '{tmp_path}' cannot be attached yet")
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
        expect=1,
    )
    assert result.stderr.startswith(f"Error: library '{blocker / 'x.db'}' cannot be opened (")


@pytest.mark.parametrize("command", ["show", "verify-item"])
def test_an_id_beyond_any_sqlite_integer_is_simply_not_found(cli, command):
    cli.add()
    result = cli(command, "99999999999999999999", expect=1)
    assert result.stderr == "Error: evidence 99999999999999999999 does not exist.\n"
