"""Backups that restore by copying back, and purging personal data uploaded by mistake."""

import json
import shutil

from conftest import dump


def all_bytes(folder):
    """Every byte of every file under the library's folder: the database, its log, files."""
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def test_a_backup_restores_by_copying_it_back(cli, tmp_path, library_path):
    cli("demo")
    note = tmp_path / "note.md"
    note.write_text("Board minutes")
    cli("edit", "3", "--file", note)
    before = cli("export").stdout
    dest = tmp_path / "backup"
    assert cli("backup", dest).stdout == f"Backed up 72 items and 1 file to {dest}.\n"
    assert sorted(p.name for p in dest.iterdir()) == ["evidence.db", "files"]
    shutil.rmtree(library_path.parent)
    shutil.copytree(dest, library_path.parent)
    assert cli("check").stdout == "The library is sound: 72 items and 1 file checked.\n"
    assert cli("export").stdout == before


def test_a_backup_never_overwrites(cli, tmp_path, library_path):
    cli.add()
    dest = tmp_path / "existing"
    dest.mkdir()
    assert cli("backup", dest, expect=1).stderr == (
        f"Error: dest '{dest}' already exists: give a new folder for the backup.\n"
    )
    missing = tmp_path / "no" / "such" / "folder"
    assert cli("backup", missing, expect=1).stderr.startswith(f"Error: dest '{missing}' is in")
    assert not list(tmp_path.glob(".backup-*"))


def test_purge_erases_text_files_and_recorded_values_and_leaves_a_tombstone(
    cli, tmp_path, library_path
):
    story = tmp_path / "story.md"
    story.write_text("Zephyrine Quixotella, aged 9, of 12 Acacia Road")
    cli.add(
        "child-story",
        "Zephyrine Quixotella's story",
        "2017-01",
        ("2",),
        "--summary",
        "Zephyrine Quixotella moved school",
        "--file",
        story,
        "--ref",
        "ZQ-1",
        "--by",
        "Ann",
    )
    cli("edit", "1", "--title", "Zephyrine Q's story", "--by", "Ann")
    keep = cli.add("audit", "Unrelated audit", "2017-02", ("1",))
    secret_bytes = story.read_bytes()
    story.unlink()
    assert b"Quixotella" in all_bytes(library_path.parent)

    result = cli("purge", "1", "--reason", "A child was named", "--by", "DPO", input="y\n")
    assert "Erase it for good?" in result.stdout
    assert result.stdout.endswith(
        "Purged evidence 1: its text, 1 file and its recorded values are erased; the"
        " tombstone remains.\n"
    )
    stored = all_bytes(library_path.parent)
    for secret in (
        b"Quixotella",
        b"quixotella",
        b"Zephyrine",
        b"zephyrin",
        b"Acacia",
        secret_bytes,
        b"ZQ-1",
    ):
        assert secret not in stored, secret
    item = cli.json("show", "1")
    assert (item["title"], item["status"], item["files"], item["summary"]) == (
        "(purged)",
        "purged",
        [],
        None,
    )
    assert (item["purge"]["by"], item["purge"]["reason"]) == ("DPO", "A child was named")
    assert "Status:    purged by DPO, " in cli("show", "1").stdout
    assert cli.json("list", "--include-withdrawn")[0]["id"] == keep
    assert cli.json("list", "--search", "Zephyrine") == []
    assert cli("check").stdout == "The library is sound: 2 items and 0 files checked.\n"
    assert [row["id"] for row in json.loads(cli("export").stdout)] == [keep]


def test_purge_keeps_a_file_another_item_shares(cli, tmp_path):
    shared = tmp_path / "shared.md"
    shared.write_text("Shared minutes")
    cli.add("audit", "First", "2017-01", ("1",), "--file", shared)
    cli.add("audit", "Second", "2017-01", ("1",), "--file", shared)
    assert "0 files" in cli("purge", "1", "--reason", "Mistake", "--yes").stdout
    assert cli.json("show", "2")["files"][0]["name"] == "shared.md"
    assert "sound" in cli("check").stdout


def test_purge_asks_and_a_no_erases_nothing(cli, library_path):
    cli.add()
    before = dump(library_path)
    result = cli("purge", "1", "--reason", "Mistake", input="n\n", expect=1)
    assert result.stdout.endswith("Nothing was erased.\n")
    assert dump(library_path) == before


def test_purging_twice_or_without_a_reason_is_refused(cli):
    cli.add()
    assert cli("purge", "1", "--reason", " ", "--yes", expect=1).stderr == (
        "Error: reason ' ' is empty: give a reason.\n"
    )
    cli("purge", "1", "--reason", "Mistake", "--yes")
    assert cli("purge", "1", "--reason", "Again", "--yes", expect=1).stderr == (
        "Error: evidence 1 is already purged.\n"
    )
    assert cli("edit", "1", "--title", "Back", expect=1).stderr == (
        "Error: evidence 1 is purged; it cannot be edited.\n"
    )
