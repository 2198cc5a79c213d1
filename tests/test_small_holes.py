"""Smaller holes: file names that disguise what they are, a mistyped --db, libraries that may
only be read, and the accounts file kept from --out and checked."""

import contextlib
import hashlib
import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import dump

from evidence.accounts import Accounts

PASSWORD = "correct horse battery"
ADD = ["add", "audit", "--title", "Audit", "--date", "2017-01", "--area", "1"]


NAMES = {
    "report\u202etxt.exe": "'report\\u202etxt.exe' must be one line, with no control"
    " characters (U+202E)",
    "minutes\n2017.pdf": "'minutes\\n2017.pdf' must be one line, with no control characters"
    " (U+000A)",
    "notes\x1b[31m.md": "'notes\\x1b[31m.md' must be one line, with no control characters"
    " (U+001B)",
    "plan\u2067fdp.exe": "'plan\\u2067fdp.exe' must be one line, with no control characters"
    " (U+2067)",
    "letter\u200f.pdf.exe": "'letter\\u200f.pdf.exe' must be one line, with no control"
    " characters (U+200F)",
    "scan\u061c.exe": "'scan\\u061c.exe' must be one line, with no control characters (U+061C)",
    "audit\u200e.pdf": "'audit\\u200e.pdf' must be one line, with no control characters (U+200E)",
}


def test_a_file_name_that_could_disguise_itself_is_refused(cli, tmp_path, library_path):
    cli.add()
    stored = tmp_path / "minutes.md"
    stored.write_text("Minutes")
    cli("edit", "1", "--file", stored)
    sha256 = hashlib.sha256(b"Minutes").hexdigest()
    before = dump(library_path)
    for name, problem in NAMES.items():
        path = tmp_path / name
        path.write_text("Some words")
        result = cli(*ADD, "--file", path, expect=1)
        assert result.stderr == f"Error: file {problem}.\n"
        assert cli("edit", "1", "--file", path, expect=1).stderr == f"Error: file {problem}.\n"
        rows = tmp_path / "rows.json"
        for entry in (name, {"name": name, "sha256": sha256}):
            rows.write_text(json.dumps([{"kind": "audit", "title": "T", "date": "2017",
                                         "areas": ["1"], "files": [entry]}]))  # fmt: skip
            assert cli("import", rows, expect=1).stderr == (
                "Error: 1 of 1 rows in rows.json cannot be imported, so nothing was:\n"
                f"  row 1, column files: file {problem}.\n"
            )
        path.unlink()
    assert dump(library_path) == before
    assert [file["name"] for file in cli.json("show", "1")["files"]] == ["minutes.md"]


def test_a_mistyped_db_makes_nothing_and_says_how_to_make_a_library(cli, tmp_path,
                                                                   monkeypatch):  # fmt: skip
    rows = tmp_path / "rows.csv"
    rows.write_text("kind,title,date,areas\naudit,Imported,2017,1\n")
    typo = "typo/evidence.db"
    refused = "does not exist: check the path, or add --create to make a new library there.\n"
    for command in (
        ADD,
        ["import", rows],
        ["import", rows, "--dry-run"],
        ["measure", "define", "cp-visits", "--name", "Visits", "--unit", "percent",
         "--better", "higher"],
        ["settings", "--council", "Fenmoor"],
        ["areas"],
        ["kinds"],
    ):  # fmt: skip
        result = cli(*command, "--db", typo, expect=1)
        assert result.stdout == ""
        assert result.stderr == f"Error: --db '{typo}' {refused}"
    look_alike = "db/ev\u0456dence.db"  # a Cyrillic i: not the default path
    result = cli(*ADD, "--db", look_alike, expect=1)
    assert result.stderr == f"Error: --db '{look_alike}' {refused}"
    monkeypatch.setenv("EVIDENCE_DB", typo)
    assert cli(*ADD, expect=1).stderr == f"Error: --db (EVIDENCE_DB) '{typo}' {refused}"
    monkeypatch.delenv("EVIDENCE_DB")
    (tmp_path / "empty.db").write_bytes(b"")
    assert cli(*ADD, "--db", "empty.db", expect=1).stderr == (
        "Error: --db 'empty.db' is an empty file: check the path, or add --create to make a"
        " new library there.\n"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["empty.db", "rows.csv"]

    assert cli("import", rows, "--db", typo, "--create", "--dry-run").stderr == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == ["empty.db", "rows.csv"]
    result = cli(*ADD, "--db", typo, "--create")
    assert (result.stdout, result.stderr) == (
        "Logged evidence 1\n",
        f"Created a new library at {typo}\n",
    )
    assert cli(*ADD, "--db", typo, "--create").stderr == ""  # there already: nothing to say
    result = cli("import", rows, "--db", "imported/evidence.db", "--create")
    assert result.stderr == "Created a new library at imported/evidence.db\n"
    assert cli("demo", "--db", "demo/evidence.db").stderr == (
        "Created a new library at demo/evidence.db\n"
    )
    assert [len(cli.json("list", "--db", path)) for path in (typo, "imported/evidence.db")] == [
        2,
        1,
    ]


def test_a_new_library_is_made_at_the_default_path_however_it_is_named(cli, tmp_path,
                                                                       monkeypatch):  # fmt: skip
    monkeypatch.delenv("EVIDENCE_DB")
    result = cli(*ADD)
    assert result.stderr == "Created a new library at db/evidence.db\n"
    assert (tmp_path / "db" / "evidence.db").is_file()
    shutil.rmtree(tmp_path / "db")
    (tmp_path / "elsewhere").mkdir()
    spelt = "../elsewhere/../db/evidence.db"
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert cli(*ADD, "--db", f"../{spelt}", expect=1).stderr.startswith("Error: --db")
    monkeypatch.chdir(tmp_path)
    assert cli(*ADD, "--db", f"./{spelt[3:]}").stderr == (
        f"Created a new library at {spelt[3:]}\n"
    )
    assert len(cli.json("list")) == 1


# Each command runs in one Python process, one after another, as `evidence` would.
READER = """
import contextlib, io, json, sys
from evidence.__main__ import main

results = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    sys.argv = ["evidence", *argv]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
            code = 0
        except SystemExit as stop:
            code = stop.code or 0
    results.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


def as_reader(folder: Path, *commands: list) -> list[tuple[int, str, str]]:
    """Run the commands as someone the modes of the library's files keep from writing:
    this user, or `nobody` when the tests run as root, whom no mode stops."""
    prefix = []
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        prefix = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                  "--clear-groups"]  # fmt: skip
    done = subprocess.run(
        [*prefix, sys.executable, "-c", READER, json.dumps([list(map(str, c)) for c in commands])],
        cwd=folder,
        env={"PATH": os.environ["PATH"], "HOME": str(folder), "EVIDENCE_USER": "reader",
             "XDG_CACHE_HOME": str(folder / "out")},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def shared_folder():
    """A folder anyone may read, outside the tests' own (which only their user may)."""
    folder = Path(tempfile.mkdtemp(prefix="evidence-read-only-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


def seen(folder: Path) -> dict:
    """What a command could change: every name in the library's folder, and the bytes
    and time of change of its database."""
    database = folder / "evidence.db"
    return {
        "names": sorted(str(path.relative_to(folder)) for path in folder.rglob("*")),
        "sha256": hashlib.sha256(database.read_bytes()).hexdigest(),
        "mtime": database.stat().st_mtime_ns,
    }


def test_commands_that_only_read_work_on_a_library_no_one_may_write(
    cli, shared_folder, tmp_path, monkeypatch
):
    monkeypatch.chdir(shared_folder)
    library = shared_folder / "db" / "evidence.db"  # the default path there
    note = tmp_path / "note.md"
    note.write_text("Minutes of the board")
    cli(*ADD, "--file", note, "--db", library)
    cli("action", "add", "1", "--text", "Audit again", "--due", "2017-06-01", "--on",
        "2017-01-20", "--db", library)  # fmt: skip
    cli("add", "inspection-report", "--title", "Inspection", "--date", "2017-02", "--area",
        "overall", "--db", library)  # fmt: skip
    cli("grade", "2", "--area", "1", "--grade", "good", "--db", library)
    cli("measure", "define", "cp-visits", "--name", "Visits", "--unit", "percent", "--better",
        "higher", "--db", library)  # fmt: skip
    cli("measure", "record", "cp-visits", "2017-01", "91", "--reported-on", "2017-02-10",
        "--db", library)  # fmt: skip
    out = shared_folder / "out"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    folder = library.parent
    for path in sorted(folder.rglob("*"), reverse=True) + [folder]:  # anyone may read
        path.chmod(0o555 if path.is_dir() else 0o444)
    before = seen(folder)

    db = ["--db", library]
    results = as_reader(
        shared_folder,
        ["list", "--json", *db],
        ["show", "1", *db],
        ["check", *db],
        ["readiness", "--json", *db],
        ["grades", *db],
        ["action", "list", *db],
        ["measure", "list", *db],
        ["export", "--out", out / "items.json", *db],
        ["bundle", "--out", out / "library.zip", *db],
        ["pack", "--as-of", "2017-03-31", "--out", out / "pack.pdf", *db],
    )
    codes = [code for code, _, _ in results]
    assert codes == [0] * 10, results
    (listed, shown, checked, readiness, grades, actions, figures, exported, bundled,
     packed) = results  # fmt: skip
    assert [item["title"] for item in json.loads(listed[1])] == ["Inspection", "Audit"]
    assert "note.md" in shown[1]
    assert checked[1] == "The library is sound: 2 items and 1 file checked.\n"
    assert {area["code"] for area in json.loads(readiness[1])} >= {"1", "2", "3"}
    assert "good" in grades[1]
    assert "Audit again" in actions[1]
    assert "91" in figures[1]
    assert exported[2] == f"Exported 2 items to {out / 'items.json'}.\n"
    assert len(json.loads((out / "items.json").read_text())) == 2
    assert bundled[1].startswith(f"Wrote {out / 'library.zip'}: 2 items and 1 file")
    assert "Warning: the library is read-only here, so this pack is not entered" in packed[2]
    assert (out / "pack.pdf").read_bytes().startswith(b"%PDF-")
    # Read-only, not merely unharmed: no log or index file made, not a byte changed.
    assert seen(folder) == before

    # While a writer has it open, it is read through the writer's index file.
    folder.chmod(0o755)
    writer = sqlite3.connect(library)
    with contextlib.closing(writer):
        writer.execute("SELECT count(*) FROM evidence").fetchone()
        folder.chmod(0o555)
        assert Path(f"{library}-shm").exists()
        ((code, listed, _),) = as_reader(shared_folder, ["list", "--json", *db])
        assert code == 0
        assert [item["title"] for item in json.loads(listed)] == ["Inspection", "Audit"]


def test_an_output_never_overwrites_the_accounts_or_statistics_files(cli, library_path):
    cli.add()
    Accounts(library_path).add("mia.manager", "manager", PASSWORD, by="tester")
    accounts = library_path.with_name("evidence.accounts.db")
    before = accounts.read_bytes()
    statistics = library_path.with_name("evidence.stats-2018-03-31.db")
    for out in (accounts, Path(f"{accounts}-wal"), statistics):
        for command in (
            ["export"],
            ["export", "--format", "csv"],
            ["bundle"],
            ["pack"],
            ["action", "export", "--format", "csv"],
        ):
            result = cli(*command, "--out", out, expect=1)
            assert result.stderr == (
                f"Error: out '{out}' is part of the library itself: write it elsewhere.\n"
            )
    assert accounts.read_bytes() == before
    assert not Path(f"{accounts}-wal").exists() and not statistics.exists()
    assert [account["name"] for account in cli.json("user", "list")] == ["mia.manager"]


def test_check_reads_the_accounts_file_and_a_damaged_one_is_named(cli, library_path):
    cli.add()
    assert cli("check").stdout == "The library is sound: 1 item and 0 files checked.\n"
    Accounts(library_path).add("mia.manager", "manager", PASSWORD, by="tester")
    assert cli("check").stdout == (
        "The library is sound: 1 item, 0 files and its accounts file checked.\n"
    )
    accounts = library_path.with_name("evidence.accounts.db")
    accounts.write_bytes(b"%PDF-1.7 a pack printed over the accounts\n" * 200)
    result = cli("check", expect=1)
    assert result.stderr == (
        f"Problem: accounts file {accounts}: file is not a database\nError: 1 problem found.\n"
    )
    damaged = (
        f"Error: the accounts file '{accounts}' cannot be read (file is not a database):"
        " restore it from a copy, or move it aside and add the accounts again with"
        " `evidence user add`.\n"
    )
    assert cli("user", "list", expect=1).stderr == damaged
    assert cli("user", "disable", "mia.manager", expect=1).stderr == damaged
    assert cli("user", "add", "ann.analyst", "--role", "analyst", "--password-stdin",
               input=PASSWORD + "\n", expect=1).stderr == damaged  # fmt: skip

    accounts.unlink()  # another program's database in its place
    other = sqlite3.connect(accounts)
    other.execute("CREATE TABLE contacts (name TEXT)")
    other.commit()
    other.close()
    assert cli("check", expect=1).stderr == (
        f"Problem: accounts file {accounts}: holds no accounts; it is not an accounts file\n"
        "Error: 1 problem found.\n"
    )
    assert cli("user", "list", expect=1).stderr == damaged.replace(
        "file is not a database", "no such table: accounts"
    )
