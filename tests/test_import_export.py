"""Bulk import (CSV, JSON, YAML, Excel) and export: all or nothing, and round trips."""

import csv
import io
import json

import pytest
from conftest import dump
from openpyxl import Workbook

HEADER = "ref,kind,title,date,areas,themes,summary\n"


def write_csv(path, rows, header=HEADER):
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def thousand_rows(bad_row=None):
    rows = []
    for n in range(1, 1001):
        area = "4" if n == bad_row else ("1;lscb" if n % 2 else "2.1")
        rows.append(f"R{n:04d},audit,Audit number {n},2017-{n % 12 + 1:02d},{area},,Summary {n}\n")
    return rows


def test_one_bad_row_in_a_thousand_writes_nothing_and_is_named(cli, tmp_path, library_path):
    cli.add()
    before = dump(library_path)
    path = write_csv(tmp_path / "audits.csv", thousand_rows(bad_row=998))
    result = cli("import", path, expect=1)
    assert result.stderr.splitlines() == [
        "Error: 1 of 1000 rows in audits.csv cannot be imported, so nothing was:",
        (
            "  row 998, column areas: area '4' is not a known area in sif. Valid: overall,"
            " 1 (help-protection), 2 (looked-after), 2.1 (adoption), 2.2 (care-leavers),"
            " 3 (leadership), lscb."
        ),
    ]
    assert dump(library_path) == before


def test_a_fixed_import_run_twice_holds_each_item_once(cli, tmp_path):
    path = write_csv(tmp_path / "audits.csv", thousand_rows())
    assert cli("import", path).stdout == (
        "Imported audits.csv: 1000 items added, 0 updated, 0 unchanged.\n"
    )
    assert cli("import", path).stdout == (
        "Imported audits.csv: 0 items added, 0 updated, 1000 unchanged.\n"
    )
    assert len(cli.json("list")) == 1000
    assert cli.json("list", "--search", "number 998")[0]["areas"] == ["2.1"]


def test_every_bad_row_is_listed_with_its_column_and_value(cli, tmp_path, library_path):
    path = write_csv(
        tmp_path / "bad.csv",
        [
            "A,audit,Fine,2017-01,1,,\n",
            "B,audti,Typo in kind,2017-01,1,,\n",
            "C,audit,Impossible date,2017-02-30,1,,\n",
            "D,audit,Theme of another area,2017-01,3,front-door,\n",
            "A,audit,Same ref again,2017-01,1,,\n",
            "E,audit,,2017-01,1,,\n",
        ],
    )
    assert cli("import", path, expect=1).stderr.splitlines() == [
        "Error: 5 of 6 rows in bad.csv cannot be imported, so nothing was:",
        (
            "  row 2, column kind: kind 'audti' is not a known kind. Did you mean 'audit'? Valid:"
            " audit, monitoring-letter, inspection-report, focused-visit, jtai, dfe-review, scr,"
            " child-story, performance-report, board-report, lscb-minutes, voice, partner-report,"
            " plan, recognition, other."
        ),
        "  row 3, column date: date '2017-02-30' is not a real date.",
        (
            "  row 4, column themes: theme 'front-door' belongs to area 1, and the item's areas"
            " are 3. Themes of those areas: knowing-ourselves, workforce,"
            " learning-reviews-complaints, partnerships, councillor-scrutiny,"
            " corporate-parenting-leadership, listening-children-families."
        ),
        "  row 5, column ref: ref 'A' appears twice in the file (rows 1 and 5).",
        "  row 6, column title: title '' is empty: every item needs one.",
    ]
    assert not library_path.exists()  # a failed import does not even create the library


def test_a_dry_run_reports_and_writes_nothing(cli, tmp_path, library_path):
    cli.add("audit", "Existing", "2017-01", ("1",), "--ref", "A")
    before = dump(library_path)
    path = write_csv(
        tmp_path / "some.csv",
        ["A,audit,Existing renamed,2017-01,1,,\n", "B,audit,New,2017-02,3,,\n"],
    )
    assert cli("import", path, "--dry-run").stdout == (
        "Dry run of some.csv: 1 item added, 1 updated, 0 unchanged. Nothing was written.\n"
    )
    assert dump(library_path) == before


def test_a_known_ref_updates_its_item_and_keeps_its_history(cli, tmp_path):
    evidence_id = cli.add(
        "audit", "Old title", "2017-01", ("1",), "--ref", "A", "--summary", "Kept"
    )
    path = write_csv(
        tmp_path / "update.csv",
        ["A,audit,New title,2017-01,1;3,\n"],
        header="ref,kind,title,date,areas,themes\n",
    )
    assert "0 items added, 1 updated" in cli("import", path).stdout
    item = cli.json("show", evidence_id)
    assert (item["title"], item["areas"], item["summary"]) == ("New title", ["1", "3"], "Kept")
    assert item["history"][-1]["changes"] == {"title": ["Old title", "New title"]}


def test_a_row_longer_than_the_header_is_refused(cli, tmp_path):
    path = write_csv(
        tmp_path / "x.csv",
        ["audit,T,2017,1\n", "audit,T,2017,1,extra\n"],
        header="kind,title,date,areas\n",
    )
    assert cli("import", path, expect=1).stderr == (
        "Error: row 2 of x.csv has 5 cells; the header has 4 columns.\n"
    )


def test_unknown_columns_are_refused(cli, tmp_path):
    path = write_csv(
        tmp_path / "x.csv", ["audit,T,2017,1,oops\n"], header="kind,title,date,areas,notes\n"
    )
    assert cli("import", path, expect=1).stderr.startswith(
        "Error: column 'notes' is not a field of evidence. Fields: kind, title, date, areas,"
    )


def test_json_export_imports_into_an_identical_library(cli, tmp_path, monkeypatch):
    cli("demo")
    cli(
        "add",
        "focused-visit",
        "--title",
        '=SUM(A1) "quoted" & <b>',
        "--date",
        "2018-02",
        "--area",
        "in-care",
        "--framework",
        "ilacs-2023",
        "--claimed",
        "--precision",
        "on-or-after",
    )
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    cli("export", "--out", first)
    monkeypatch.setenv("EVIDENCE_DB", str(tmp_path / "other" / "evidence.db"))
    assert "79 items added" in cli("import", first, "--create").stdout
    cli("export", "--out", second)

    def comparable(path):
        return [
            {k: v for k, v in row.items() if k not in ("id", "created_at", "verified_at")}
            for row in json.loads(path.read_text())
        ]

    exported = comparable(first)
    assert comparable(second) == exported
    assert {row["status"] for row in exported} == {"current", "withdrawn"}
    assert {row["assurance"] for row in exported} == {"claimed", "verified"}
    (added,) = [
        row for row in exported if row["kind"] == "focused-visit" and row["assurance"] == "claimed"
    ]
    assert (added["areas"], added["precision"]) == (["ilacs-2023:in-care"], "on-or-after")


def test_json_carries_every_field_and_files_by_hash(cli, tmp_path):
    note = tmp_path / "note.md"
    note.write_text("Minutes of the board")
    cli.add(
        "lscb-minutes",
        "Minutes",
        "2017-05",
        ("lscb",),
        "--file",
        note,
        "--ref",
        "M1",
        "--theme",
        "learning-from-scrs",
        "--marking",
        "official-sensitive",
    )
    (row,) = json.loads(cli("export").stdout)
    assert set(row) == {
        "id",
        "ref",
        "kind",
        "title",
        "summary",
        "date",
        "precision",
        "areas",
        "themes",
        "marking",
        "assurance",
        "verified_by",
        "verified_at",
        "verified_on",
        "status",
        "withdrawn_reason",
        "owner",
        "source",
        "link",
        "review_by",
        "files",
        "created_at",
        "created_by",
    }
    assert (row["date"], row["themes"], row["marking"], row["verified_by"]) == (
        "2017-05",
        ["learning-from-scrs"],
        "official-sensitive",
        "tester",
    )
    assert row["files"] == [
        {"name": "note.md", "sha256": cli.json("show", "1")["files"][0]["sha256"]}
    ]


def test_files_beside_the_import_file_are_relinked(cli, tmp_path, monkeypatch):
    note = tmp_path / "note.md"
    note.write_text("The pangolin protocol")
    cli.add("other", "Note", "2017-05", ("3",), "--file", note)
    export = tmp_path / "export.json"
    cli("export", "--out", export)
    monkeypatch.setenv("EVIDENCE_DB", str(tmp_path / "copy" / "evidence.db"))
    cli("import", export, "--create")
    assert [i["title"] for i in cli.json("list", "--search", "pangolin")] == ["Note"]


def test_a_file_missing_from_beside_the_import_is_a_bad_row(cli, tmp_path, library_path):
    path = tmp_path / "rows.json"
    path.write_text(
        json.dumps(
            [
                {
                    "kind": "audit",
                    "title": "T",
                    "date": "2017",
                    "areas": ["1"],
                    "files": ["scans/missing.pdf"],
                }
            ]
        )
    )
    result = cli("import", path, expect=1)
    assert result.stderr.splitlines()[1] == (
        f"  row 1, column files: file '{tmp_path / 'scans' / 'missing.pdf'}' does not exist."
    )


def test_yaml_and_excel_are_read_like_csv(cli, tmp_path):
    yaml_path = tmp_path / "items.yml"
    yaml_path.write_text(
        "- {ref: Y1, kind: plan, title: Improvement plan, date: 2016-03,"
        " areas: [overall, '3'], claimed: yes}\n"
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Ref", "Kind", "Title", "Date", "Areas", "Theme"])
    sheet.append(["X1", "audit", "Front door audit", "2016-05-04", "1", "front-door"])
    sheet.append([None, None, None, None, None, None])
    xlsx_path = tmp_path / "items.xlsx"
    workbook.save(xlsx_path)
    cli("import", yaml_path)
    cli("import", xlsx_path)
    items = {i["ref"]: i for i in cli.json("list")}
    assert (items["Y1"]["areas"], items["Y1"]["assurance"]) == (["overall", "3"], "claimed")
    assert (items["X1"]["date_display"], items["X1"]["themes"]) == ("4 May 2016", ["front-door"])


def test_excel_dates_become_days(cli, tmp_path):
    import datetime as dt

    workbook = Workbook()
    workbook.active.append(["kind", "title", "date", "areas"])
    workbook.active.append(["audit", "Dated by Excel", dt.datetime(2017, 3, 9), 1])
    path = tmp_path / "dates.xlsx"
    workbook.save(path)
    cli("import", path)
    assert cli.json("list")[0]["date_display"] == "9 Mar 2017"


def test_a_corrupt_workbook_is_one_clear_error(cli, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    assert cli("import", path, expect=1).stderr.startswith(
        f"Error: file '{path}' cannot be read as an Excel workbook ("
    )


def test_a_windows_csv_is_read_as_windows_1252(cli, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        (HEADER + "W1,audit,Children\x92s caf\xe9 audit,2017-01,1,,\n").encode("latin-1")
    )
    assert cli("import", path).stdout == (
        "Imported excel.csv (read as Windows-1252): 1 item added, 0 updated, 0 unchanged.\n"
    )
    assert cli.json("list")[0]["title"] == "Children’s café audit"


def test_a_csv_in_neither_utf8_nor_windows_1252_is_named(cli, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(HEADER.encode() + b"Z1,audit,Bad \x81 byte,2017,1,,\n")
    assert cli("import", path, expect=1).stderr == (
        f"Error: file '{path}' is neither UTF-8 nor Windows-1252 text (byte 0x81 at position"
        f" {len(HEADER) + 13}): save it as CSV UTF-8.\n"
    )


@pytest.mark.parametrize("name", ["missing.csv", "folder", "notes.txt"])
def test_an_import_file_that_cannot_be_read_is_named(cli, tmp_path, name):
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("hello")
    result = cli("import", tmp_path / name, expect=1)
    assert result.stderr.startswith(f"Error: file '{tmp_path / name}' ")


def test_csv_export_neutralises_formulas(cli):
    for n, title in enumerate(["=1+1", "+44 20", "-5 plans", "@SUM(A1)"]):
        cli.add("audit", title, "2017-01", ("1",), "--ref", f"F{n}")
    rows = list(csv.DictReader(io.StringIO(cli("export", "--format", "csv").stdout)))
    assert [row["title"] for row in rows] == ["'=1+1", "'+44 20", "'-5 plans", "'@SUM(A1)"]
    assert rows[0]["areas"] == "1" and rows[0]["date"] == "2017-01"


def test_an_unknown_export_format_is_refused(cli):
    cli.add()
    assert cli("export", "--format", "xml", expect=1).stderr.startswith(
        "Error: format 'xml' is not a known format."
    )


# Re-running, updating and the edges of what a file may say


def stored_files(library_path):
    folder = library_path.parent / "files"
    return sorted(p.name for p in folder.glob("??/*"))


def test_a_rerun_never_undoes_a_verification_made_since(cli, tmp_path):
    path = write_csv(
        tmp_path / "claims.csv",
        ["C1,audit,Claimed audit,2017-01,1,yes\n"],
        header="ref,kind,title,date,areas,claimed\n",
    )
    cli("import", path)
    cli("verify-item", "1", "--by", "Head of QA")
    assert cli("import", path).stdout == (
        "Imported claims.csv: 0 items added, 0 updated, 1 unchanged.\n"
    )
    item = cli.json("show", "1")
    assert (item["assurance"], item["verified_by"]) == ("verified", "Head of QA")


def test_an_empty_marking_cell_never_lowers_a_marking(cli, tmp_path):
    cli.add(
        "audit", "Sensitive", "2017-01", ("1",), "--ref", "S1", "--marking", "official-sensitive"
    )
    path = write_csv(
        tmp_path / "m.csv",
        ["S1,audit,Sensitive,2017-01,1,\n"],
        header="ref,kind,title,date,areas,marking\n",
    )
    assert "1 unchanged" in cli("import", path).stdout
    assert cli.json("show", "1")["marking"] == "official-sensitive"


def test_numbers_in_json_and_yaml_are_read_as_the_text_they_show(cli, tmp_path):
    path = tmp_path / "items.yml"
    path.write_text(
        "- {kind: audit, title: 2017, date: 2017-03, areas: [1, 2.1], themes: [null]}\n"
    )
    assert "1 item added" in cli("import", path).stdout
    item = cli.json("list")[0]
    assert (item["title"], item["areas"], item["themes"], item["date_display"]) == (
        "2017",
        ["1", "2.1"],
        [],
        "Mar 2017",
    )


def test_values_that_are_not_text_are_bad_rows(cli, tmp_path, library_path):
    path = tmp_path / "odd.json"
    path.write_text(
        json.dumps(
            [
                {"kind": "audit", "title": True, "date": "2017", "areas": ["1"]},
                {"kind": "audit", "title": "T", "date": "2017", "areas": [["1"]]},
                {"kind": "audit", "title": "T", "date": {"y": 2017}, "areas": ["1"]},
            ]
        )
    )
    assert cli("import", path, expect=1).stderr.splitlines() == [
        "Error: 3 of 3 rows in odd.json cannot be imported, so nothing was:",
        "  row 1, column title: title 'True' must be text, not true or false.",
        "  row 2, column areas: areas '(a list of 1)' must be text.",
        "  row 3, column date: date '(a mapping of 1)' must be text.",
    ]
    assert not library_path.exists()


def test_a_rejected_import_leaves_no_stored_file_behind(cli, tmp_path, library_path):
    cli.add("audit", "Existing", "2017-01", ("1",), "--ref", "A")
    (tmp_path / "letter.md").write_text("Letter about the front door")
    path = write_csv(
        tmp_path / "rows.csv",
        ["A,audit,Existing,2017-01,1,letter.md\n", "B,audit,Bad area,2017-01,9,\n"],
        header="ref,kind,title,date,areas,files\n",
    )
    before = dump(library_path)
    assert "row 2, column areas" in cli("import", path, expect=1).stderr
    assert dump(library_path) == before
    assert stored_files(library_path) == []
    assert cli("check").stdout == "The library is sound: 1 item and 0 files checked.\n"


def test_a_dry_run_counts_a_new_file_as_an_update_and_stores_nothing(cli, tmp_path, library_path):
    cli.add("audit", "Existing", "2017-01", ("1",), "--ref", "A")
    (tmp_path / "letter.md").write_text("Letter")
    path = write_csv(
        tmp_path / "rows.csv",
        ["A,audit,Existing,2017-01,1,letter.md\n"],
        header="ref,kind,title,date,areas,files\n",
    )
    before = dump(library_path)
    assert cli("import", path, "--dry-run").stdout == (
        "Dry run of rows.csv: 0 items added, 1 updated, 0 unchanged. Nothing was written.\n"
    )
    assert dump(library_path) == before
    assert stored_files(library_path) == []
    assert "1 updated" in cli("import", path).stdout
    assert len(stored_files(library_path)) == 1


def test_an_import_that_writes_nothing_creates_no_library(cli, tmp_path, library_path):
    path = write_csv(tmp_path / "rows.csv", ["A,audit,New,2017-01,1,,\n"])
    cli("import", tmp_path / "missing.csv", expect=1)
    assert cli("import", path, "--dry-run").stdout == (
        "Dry run of rows.csv: 1 item added, 0 updated, 0 unchanged. Nothing was written.\n"
    )
    assert not library_path.parent.exists()
    cli("import", path)
    assert [item["ref"] for item in cli.json("list")] == ["A"]
    assert sorted(p.name for p in library_path.parent.iterdir()) == ["evidence.db"]


@pytest.mark.parametrize("name", ["../outside.md", "/etc/hostname", "sub/../../outside.md"])
def test_files_outside_the_import_folder_are_refused(cli, tmp_path, name):
    (tmp_path / "outside.md").write_text("Not for import")
    folder = tmp_path / "batch"
    folder.mkdir()
    path = folder / "rows.json"
    path.write_text(
        json.dumps([{"kind": "audit", "title": "T", "date": "2017", "areas": "1", "files": name}])
    )
    assert cli("import", path, expect=1).stderr.splitlines()[1] == (
        f"  row 1, column files: file '{name}' is outside the import file's folder:"
        " files must sit beside it."
    )


def test_a_symlinked_folder_cannot_lead_an_import_outside(cli, tmp_path):
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "notes.md").write_text("Private")
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "link").symlink_to(tmp_path / "secret")
    path = write_csv(
        folder / "rows.csv",
        ["audit,T,2017,1,link/notes.md\n"],
        header="kind,title,date,areas,files\n",
    )
    assert "is outside the import file's folder" in cli("import", path, expect=1).stderr


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("created_at", "yesterday", "must be a UTC time such as 2026-03-01T09:30:00Z."),
        ("created_at", "2017-02-30T10:00:00Z", "is not a real time."),
        ("verified_at", "2999-01-01T00:00:00Z", "is in the future."),
        ("created_by", "Ann\x1b[31m", "must be one line, with no control characters (U+001B)."),
    ],
)
def test_recorded_names_and_times_are_checked(cli, tmp_path, column, value, problem):
    row = {"kind": "audit", "title": "T", "date": "2017", "areas": ["1"], column: value}
    if column == "verified_at":
        row["verified_by"] = "Ann"
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([row]))
    shown = value.replace("\x1b", "\\x1b")
    assert cli("import", path, expect=1).stderr.splitlines()[1] == (
        f"  row 1, column {column}: {column} '{shown}' {problem}"
    )


def test_csv_rows_of_only_commas_are_skipped_and_rows_keep_their_numbers(cli, tmp_path):
    path = write_csv(
        tmp_path / "gaps.csv",
        ["A,audit,Fine,2017-01,1,,\n", ",,,,,,\n", "\n", "B,audit,Bad,2017-01,9,,\n"],
    )
    assert cli("import", path, expect=1).stderr.splitlines() == [
        "Error: 1 of 2 rows in gaps.csv cannot be imported, so nothing was:",
        (
            "  row 4, column areas: area '9' is not a known area in sif. Valid: overall,"
            " 1 (help-protection), 2 (looked-after), 2.1 (adoption), 2.2 (care-leavers),"
            " 3 (leadership), lscb."
        ),
    ]


def test_excel_row_numbers_match_the_sheet_less_its_header(cli, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["kind", "title", "date", "areas"])
    sheet.append(["audit", "Fine", "2017-01", "1"])
    sheet.append([None, None, None, None])
    sheet.append(["audit", "Bad date", "2017-13", "1"])
    path = tmp_path / "gaps.xlsx"
    workbook.save(path)
    assert "  row 3, column date: date '2017-13'" in cli("import", path, expect=1).stderr


@pytest.mark.parametrize(
    "header", ["kind,title,date,areas,title\n", "kind,title,date,area,Areas\n"]
)
def test_a_field_given_twice_in_the_header_is_refused(cli, tmp_path, header):
    path = write_csv(tmp_path / "twice.csv", ["audit,T,2017,1,x\n"], header=header)
    assert "appears twice in the header" in cli("import", path, expect=1).stderr


def test_windows_line_ends_inside_a_quoted_summary_are_kept_as_line_ends(cli, tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes(
        b'kind,title,date,areas,summary\r\naudit,T,2017,1,"First line\r\nSecond line"\r\n'
    )
    cli("import", path)
    assert cli.json("list")[0]["summary"] == "First line\nSecond line"


def test_a_csv_that_mixes_utf8_and_windows_1252_is_refused(cli, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        HEADER.encode() + "M1,audit,Café,2017,1,,\n".encode() + b"M2,audit,Caf\xe9,2017,1,,\n"
    )
    start = len(HEADER) + len("M1,audit,Café,2017,1,,\n".encode()) + 12
    assert cli("import", path, expect=1).stderr == (
        f"Error: file '{path}' mixes UTF-8 with another encoding (byte 0xe9 at position"
        f" {start} is not UTF-8): save it as CSV UTF-8.\n"
    )


def test_a_utf16_csv_is_named_as_such(cli, tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_text(HEADER + "U1,audit,T,2017,1,,\n", encoding="utf-16")
    assert cli("import", path, expect=1).stderr == (
        f"Error: file '{path}' is UTF-16 text (Excel's 'Unicode Text'): save it as CSV UTF-8.\n"
    )


def test_a_workbook_with_a_damaged_sheet_is_one_clear_error(cli, tmp_path):
    import zipfile

    workbook = Workbook()
    workbook.active.append(["kind", "title", "date", "areas"])
    good = tmp_path / "good.xlsx"
    workbook.save(good)
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut off mid-element
            target.writestr(entry, data)
    result = cli("import", path, expect=1)
    assert result.stderr.startswith(f"Error: file '{path}' cannot be read as an Excel workbook (")
    assert result.stderr.count("\n") == 1


def test_a_large_import_writes_what_row_by_row_writing_would(cli, tmp_path, monkeypatch):
    """A batch of BULK rows or more is audited, indexed and put under its areas by one
    statement each: the library it makes is the one the per-row triggers would make."""
    import re

    from evidence import catalog
    from evidence.library import open_library

    header = "ref,kind,title,date,areas,themes,summary,status,withdrawn_reason\n"
    first = write_csv(tmp_path / "first.csv", [f"F{n},plan,Plan {n},2017-01,3,,,,\n" for n in range(5)], header)  # fmt: skip
    # Updates of items already there beside new items: withdrawn, themed, in two areas.
    mixed = write_csv(
        tmp_path / "mixed.csv",
        [f"F{n},plan,Plan {n} revised,2017-02,1;2.1,,,,\n" for n in range(5)]
        + [
            f"M{n},audit,Mixed {n},2017-03,{'1' if n % 2 else '2;2.2'},"
            f"{'assessments' if n % 6 == 3 else ''},Summary {n},"
            f"{'withdrawn,Superseded' if n % 7 == 0 else ','}\n"
            for n in range(300)
        ],
        header,
    )
    steps = [
        ("add", "audit", "--title", "First", "--date", "2017-01", "--area", "2"),
        ("import", write_csv(tmp_path / "audits.csv", thousand_rows())),
        ("import", first),
        ("import", mixed),
    ]
    libraries = {}
    for label, bulk in (("bulk", catalog.BULK), ("row by row", 10**9)):
        monkeypatch.setattr(catalog, "BULK", bulk)
        libraries[label] = tmp_path / label / "evidence.db"
        for step in steps:
            cli(*step, "--db", libraries[label], "--create")

    def contents(library):
        conn = open_library(library)
        found = {
            "changes": conn.execute(
                "SELECT table_name, row_id, action, old, new, changed_by FROM changes ORDER BY id"
            ).fetchall(),
            "search": conn.execute(
                "SELECT rowid, title, summary, files FROM evidence_search ORDER BY rowid"
            ).fetchall(),
            "areas": conn.execute("SELECT * FROM area_evidence ORDER BY 1, 2").fetchall(),
            "themes": conn.execute("SELECT * FROM evidence_themes ORDER BY 1, 2").fetchall(),
            "schema": conn.execute(
                "SELECT type, name, sql FROM sqlite_master ORDER BY name"
            ).fetchall(),
            "found": conn.execute(
                "SELECT rowid FROM evidence_search WHERE evidence_search MATCH 'number'"
            ).fetchall(),
        }
        # The two libraries were written a second or two apart.
        stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
        return {
            key: [
                tuple(stamp.sub("T", v) if isinstance(v, str) else v for v in row) for row in rows
            ]
            for key, rows in found.items()
        }

    bulk, row_by_row = (contents(path) for path in libraries.values())
    assert len(bulk["found"]) == 1000
    assert len(bulk["themes"]) == 50
    assert len(bulk["changes"]) > 1 + 1 + 1000 + 1500 + 300
    for key in bulk:
        assert bulk[key] == row_by_row[key], key
