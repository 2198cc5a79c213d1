"""Backups that restore by copying back, and purging personal data uploaded by mistake."""

import json
import shutil
import sqlite3

import pytest
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
    assert cli("backup", dest).stdout == f"Backed up 78 items and 1 file to {dest}.\n"
    assert sorted(p.name for p in dest.iterdir()) == ["evidence.db", "files"]
    shutil.rmtree(library_path.parent)
    shutil.copytree(dest, library_path.parent)
    assert cli("check").stdout == "The library is sound: 78 items and 1 file checked.\n"
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


def test_a_purge_without_a_reason_is_refused_before_it_asks(cli, library_path):
    cli.add()
    before = dump(library_path)
    result = cli("purge", "1", "--reason", " ", expect=1)
    assert (result.stdout, result.stderr) == ("", "Error: reason ' ' is empty: give a reason.\n")
    assert dump(library_path) == before


@pytest.mark.slow
def test_a_purge_while_another_program_reads_says_the_log_still_holds_the_text(cli, library_path):
    cli.add("audit", "Zephyrine Quixotella's audit", "2017-01", ("1",))
    reader = sqlite3.connect(library_path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT title FROM evidence").fetchone()[0].startswith("Zephyrine")
    result = cli("purge", "1", "--reason", "A child was named", "--yes", "--by", "DPO", expect=1)
    assert result.stdout.startswith("Purged evidence 1:")
    assert result.stderr == (
        "Error: another program is reading the library, so the erased text may remain in its"
        " log file until that program stops. Close it, then run `evidence purge 1 --reason"
        " ... --yes` again to finish.\n"
    )
    assert b"Zephyrine" in all_bytes(library_path.parent)  # the reader's snapshot is kept
    reader.execute("COMMIT")
    reader.close()

    again = cli("purge", "1", "--reason", "Finish", "--yes")
    assert again.stdout.startswith("Evidence 1 was purged already, by DPO on ")
    assert again.stdout.endswith("; the library file has been swept again.\n")
    assert b"Zephyrine" not in all_bytes(library_path.parent)
    with sqlite3.connect(library_path) as conn:  # one tombstone, from the first purge
        assert conn.execute("SELECT purged_by, reason FROM purges").fetchall() == [
            ("DPO", "A child was named")
        ]


def test_a_purged_item_cannot_be_edited(cli):
    cli.add()
    cli("purge", "1", "--reason", "Mistake", "--yes")
    assert cli("edit", "1", "--title", "Back", expect=1).stderr == (
        "Error: evidence 1 is purged; it cannot be edited.\n"
    )


def test_a_backup_of_a_library_that_lost_a_file_keeps_the_rest_and_says_so(
    cli, tmp_path, library_path
):
    for name in ("lost.md", "kept.md"):
        (tmp_path / name).write_text(f"The {name} file")
        cli.add("audit", name, "2017-01", ("1",), "--file", tmp_path / name)
    lost = cli.json("show", "1")["files"][0]["sha256"]
    (library_path.parent / "files" / lost[:2] / lost[2:]).unlink()
    dest = tmp_path / "backup"
    result = cli("backup", dest, expect=1)
    assert result.stdout == f"Backed up 2 items and 1 file to {dest}.\n"
    assert result.stderr == (
        f"Problem: file lost.md of evidence 1 ({lost[:12]}) is missing from the library's"
        " files folder.\n"
        "Error: the backup lacks 1 file the library has lost or that changed on disk; run"
        " `evidence check`, and restore them from an older backup.\n"
    )
    assert len([p for p in (dest / "files").glob("??/*")]) == 1


def test_a_backup_leaves_out_a_file_whose_bytes_changed_and_says_so(cli, tmp_path, library_path):
    (tmp_path / "a.md").write_text("The original words")
    cli.add("audit", "A", "2017-01", ("1",), "--file", tmp_path / "a.md")
    (blob,) = (library_path.parent / "files").glob("??/*")
    blob.chmod(0o644)
    blob.write_text("ALTERED")
    dest = tmp_path / "backup"
    result = cli("backup", dest, expect=1)
    assert result.stdout == f"Backed up 1 item and 0 files to {dest}.\n"
    assert "a.md of evidence 1" in result.stderr
    assert "has changed on disk since it was stored" in result.stderr
    assert list((dest / "files").glob("??/*")) == []


@pytest.mark.parametrize(
    "command",
    [
        ["bundle", "--out", "{db}"],
        ["export", "--out", "{db}"],
        ["export", "--out", "{db}-wal"],
        ["action", "export", "--out", "{db}"],
        ["backup", "{files}/copy"],
    ],
)
def test_no_output_may_overwrite_the_library(cli, tmp_path, library_path, command):
    (tmp_path / "a.md").write_text("kept")
    cli.add("audit", "A", "2017-01", ("1",), "--file", tmp_path / "a.md")
    before = dump(library_path)
    files = library_path.parent / "files"
    args = [arg.format(db=library_path, files=files) for arg in command]
    result = cli(*args, expect=1)
    assert result.stderr.endswith("is part of the library itself: write it elsewhere.\n")
    assert dump(library_path) == before
    assert cli("check").stdout == "The library is sound: 1 item and 1 file checked.\n"


def test_purging_again_finishes_erasing_a_file_left_on_disk(cli, tmp_path, library_path):
    story = tmp_path / "story.md"
    story.write_text("Zephyrine Quixotella, aged 9")
    cli.add("child-story", "A story", "2017-01", ("2",), "--file", story)
    (blob,) = (library_path.parent / "files").glob("??/*")
    sha256 = blob.parent.name + blob.name
    cli("purge", "1", "--reason", "A child was named", "--yes")
    with sqlite3.connect(library_path) as conn:  # the hash is not kept once the file is gone
        assert conn.execute("SELECT files FROM purges").fetchone() == (None,)
    conn.close()
    # The state a purge leaves when it cannot remove the file (a read-only disk, say):
    # the bytes still on disk, their hash kept on the tombstone to finish the job.
    blob.parent.mkdir(exist_ok=True)
    blob.write_bytes(story.read_bytes())
    with sqlite3.connect(library_path) as conn:
        conn.execute("UPDATE purges SET files = json_array(?)", [sha256])
    conn.close()
    assert "stored but not recorded" in cli("check", expect=1).stderr
    result = cli("purge", "1", "--reason", "Finish", "--yes")
    assert "1 file left on disk erased" in result.stdout
    assert not blob.exists()
    assert cli("check").stdout == "The library is sound: 1 item and 0 files checked.\n"
    again = cli("purge", "1", "--reason", "Again", "--yes").stdout
    assert "left on disk" not in again and "swept again" in again
