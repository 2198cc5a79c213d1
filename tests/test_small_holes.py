"""Smaller holes: file names that disguise what they are."""

import hashlib
import json

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
