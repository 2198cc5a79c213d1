"""Smaller holes: file names that disguise what they are and a mistyped --db."""

import hashlib
import json
import shutil

from conftest import dump

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
    "audit\u200e.pdf": "'audit\\u200e.pdf' must be one line, with no control characters"
    " (U+200E)",
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
    refused = (
        "does not exist: check the path, or add --create to make a new library there.\n"
    )
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
