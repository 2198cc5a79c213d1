"""The action tracker as councils share it: CSV and Excel out, and back in."""

import csv
import io

import pytest
from conftest import dump
from openpyxl import Workbook, load_workbook

HEADER = "Source,Ref,Action,Lead agency,Owner,Agreed,Due,Status,Status since,Latest note\n"


@pytest.fixture
def scr(cli):
    source = cli.add("scr", "Serious case review: Child F", "2017-03-09", ("lscb", "1"), "--ref",
                     "SCR-F")  # fmt: skip
    cli.add("audit", "Front door audit", "2017-04-08", ("1",), "--ref", "AUD-7")
    return source


def write(path, *rows, header=HEADER):
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def test_a_tracker_imports_with_its_statuses_dated(cli, scr, tmp_path):
    path = write(
        tmp_path / "tracker.csv",
        "SCR-F,3.2,Share neglect concerns,Police,Head of MASH,2017-03-20,2017-03-31,closed,"
        "2017-04-10,Protocol signed\n",
        "SCR-F,3.10,Train staff,LSCB,Training lead,2017-03-20,,in-progress,2017-04-01,\n",
    )
    assert cli("action", "import", path).stdout == (
        "Imported tracker.csv: 2 actions added, 0 updated, 0 unchanged.\n"
    )
    overdue = cli.json("action", "list", "--overdue", "--as-of", "2017-04-05")
    assert [(a["ref"], a["status"]) for a in overdue] == [("3.2", "not-started")]
    assert cli.json("action", "list", "--overdue", "--as-of", "2017-04-11") == []
    (first, second) = cli.json("action", "list")
    assert (first["status"], first["latest_note"]["note"]) == ("closed", "Protocol signed")
    assert (second["status"], second["due_on"], second["agency"]) == ("in-progress", None, "LSCB")


def test_an_export_imports_back_unchanged_and_a_change_is_one_update(cli, scr, tmp_path):
    cli("action", "add", scr, "--text", "Share neglect concerns", "--ref", "3.2",
        "--due", "2017-03-31", "--on", "2017-03-20")  # fmt: skip
    cli("action", "update", "1", "--status", "closed", "--evidence", "2", "--note", "Done",
        "--on", "2017-04-10")  # fmt: skip
    exported = tmp_path / "tracker.csv"
    cli("action", "export", "--out", exported)
    rows = list(csv.DictReader(io.StringIO(exported.read_text())))
    assert rows[0]["Source"] == "SCR-F" and rows[0]["Evidence of completion"] == "AUD-7"
    assert (rows[0]["Status"], rows[0]["Status since"], rows[0]["RAG"]) == (
        "closed", "2017-04-10", "closed"
    )  # fmt: skip
    assert cli("action", "import", exported).stdout == (
        "Imported tracker.csv: 0 actions added, 0 updated, 1 unchanged.\n"
    )
    exported.write_text(
        exported.read_text().replace(
            ",closed,2017-04-10,closed,Done,", ",in-progress,2017-05-02,,Reopened,"
        )
    )
    assert "0 actions added, 1 updated" in cli("action", "import", exported).stdout
    action = cli.json("action", "show", "1")
    assert [(u["on_date"], u["status"], u["note"]) for u in action["updates"]][-1] == (
        "2017-05-02", "in-progress", "Reopened"
    )  # fmt: skip


def test_one_bad_row_imports_nothing_and_every_bad_row_is_named(cli, scr, tmp_path, library_path):
    before = dump(library_path)
    path = write(
        tmp_path / "bad.csv",
        "SCR-F,1,Fine,,,2017-03-20,2017-04-30,not-started,,\n",
        "SCR-X,2,Unknown source,,,2017-03-20,,,,\n",
        "SCR-F,3,Bad status,,,2017-03-20,,finished,,\n",
        "SCR-F,4,Due before agreed,,,2017-03-20,2017-03-01,,,\n",
        "SCR-F,,No ref,,,2017-03-20,,,,\n",
        "SCR-F,1,Same ref again,,,2017-03-20,,,,\n",
        "SCR-F,6,No agreed day,,,,,,,\n",
    )
    assert cli("action", "import", path, expect=1).stderr.splitlines() == [
        "Error: 6 of 7 rows in bad.csv cannot be imported, so nothing was:",
        "  row 2, column source: source 'SCR-X' is not the id or ref of any evidence.",
        (
            "  row 3, column status: status 'finished' is not a known status. Valid: not-started,"
            " in-progress, complete-awaiting-assurance, closed, paused."
        ),
        (
            "  row 4, column due_on: due '2017-03-01' is before the day the action was agreed"
            " (2017-03-20)."
        ),
        (
            "  row 5, column ref: ref '' is empty: each action needs its reference, so a re-run"
            " updates it rather than adding it again."
        ),
        "  row 6, column ref: ref '1' appears twice for this source (rows 1 and 6).",
        "  row 7, column agreed_on: agreed_on '' is empty: give the day the action was agreed.",
    ]
    assert dump(library_path) == before


def test_a_dry_run_reports_and_writes_nothing(cli, scr, tmp_path, library_path):
    before = dump(library_path)
    path = write(tmp_path / "t.csv", "SCR-F,1,Fine,,,2017-03-20,,,,\n")
    assert cli("action", "import", path, "--dry-run").stdout == (
        "Dry run of t.csv: 1 action added, 0 updated, 0 unchanged. Nothing was written.\n"
    )
    assert dump(library_path) == before


def test_unknown_columns_are_refused(cli, scr, tmp_path):
    path = write(tmp_path / "t.csv", "SCR-F,1,T,x\n", header="Source,Ref,Action,Colour\n")
    assert cli("action", "import", path, expect=1).stderr.startswith(
        "Error: column 'Colour' is not a column of the tracker. Columns: Source, Source title,"
    )


def test_the_excel_tracker_has_dates_colours_and_no_formulas(cli, scr, tmp_path):
    cli("action", "add", scr, "--text", "=HYPERLINK(\"http://evil.example\")", "--ref", "1",
        "--due", "2017-03-31", "--on", "2017-03-20")  # fmt: skip
    cli("action", "add", scr, "--text", "Train staff", "--ref", "2", "--on", "2017-03-20")
    out = tmp_path / "tracker.xlsx"
    assert cli("action", "export", "--format", "xlsx", "--out", out).stderr == (
        f"Exported 2 actions to {out}.\n"
    )
    sheet = load_workbook(out).active
    headings = [cell.value for cell in sheet[1]]
    row = dict(zip(headings, sheet[2]))
    assert row["Action"].value == '=HYPERLINK("http://evil.example")'
    assert row["Action"].data_type == "s"
    assert row["Due"].value.date().isoformat() == "2017-03-31"
    assert row["RAG"].value == "red" and row["RAG"].fill.fgColor.rgb.endswith("F4B6B6")
    assert sheet.freeze_panes == "A2"
    # And it imports back as it is.
    assert "0 actions added, 0 updated, 2 unchanged" in cli("action", "import", out).stdout


def test_an_excel_tracker_with_a_councils_own_headings_imports(cli, scr, tmp_path):
    import datetime as dt

    workbook = Workbook()
    workbook.active.append(["Source", "Ref", "Recommendation", "Lead agency", "Date agreed",
                            "Due date", "Status"])  # fmt: skip
    workbook.active.append(["SCR-F", 3.2, "Share concerns", "Police", dt.datetime(2017, 3, 20),
                            dt.datetime(2017, 3, 31), "In progress"])  # fmt: skip
    path = tmp_path / "council.xlsx"
    workbook.save(path)
    cli("action", "import", path)
    (action,) = cli.json("action", "list")
    assert (action["ref"], action["agreed_on"], action["due_on"], action["status"]) == (
        "3.2", "2017-03-20", "2017-03-31", "in-progress"
    )  # fmt: skip


def test_xlsx_needs_a_file_and_formats_are_checked(cli, scr):
    assert cli("action", "export", "--format", "xlsx", expect=1).stderr == (
        "Error: out '' is needed for xlsx: give the file to write.\n"
    )
    assert cli("action", "export", "--format", "pdf", expect=1).stderr == (
        "Error: format 'pdf' is not a known format. Valid: csv, xlsx.\n"
    )


def test_a_later_change_survives_reimporting_an_export_unchanged(cli, scr, tmp_path):
    cli("action", "add", scr, "--text", "A", "--ref", "1", "--on", "2017-03-20",
        "--due", "2017-03-31")  # fmt: skip
    cli("action", "update", "1", "--due", "2017-09-30", "--on", "2017-04-15", "--note", "Extended")
    cli("action", "add", scr, "--text", "B", "--ref", "2", "--on", "2017-03-20",
        "--due", "2017-03-31")  # fmt: skip
    history = cli.json("action", "show", "1")["updates"]
    for kind in ("csv", "xlsx"):
        out = tmp_path / f"tracker.{kind}"
        cli("action", "export", "--format", kind, "--out", out)
        assert "0 actions added, 0 updated, 2 unchanged" in cli("action", "import", out).stdout
    assert cli.json("action", "show", "1")["updates"] == history
    overdue = cli.json("action", "list", "--overdue", "--as-of", "2017-04-01")
    assert [a["ref"] for a in overdue] == ["1", "2"]


def test_a_status_changed_in_the_tracker_is_dated_today_unless_its_date_changed(
    cli, scr, tmp_path
):
    import datetime as dt

    cli("action", "add", scr, "--text", "A", "--ref", "1", "--on", "2017-03-20",
        "--due", "2017-03-31")  # fmt: skip
    cli("action", "add", scr, "--text", "B", "--ref", "2", "--on", "2017-03-20")
    out = tmp_path / "tracker.csv"
    cli("action", "export", "--out", out)
    text = out.read_text()
    text = text.replace(",1,A,,,1;lscb,2017-03-20,2017-03-31,not-started,2017-03-20,",
                        ",1,A,,,1;lscb,2017-03-20,2017-03-31,closed,2017-03-20,")  # fmt: skip
    text = text.replace(",2,B,,,1;lscb,2017-03-20,,not-started,2017-03-20,",
                        ",2,B,,,1;lscb,2017-03-20,,closed,2017-04-02,")  # fmt: skip
    out.write_text(text)
    assert "2 updated" in cli("action", "import", out).stdout
    first, second = cli.json("action", "list")
    assert first["status_on"] == dt.date.today().isoformat()  # not slipped into the past
    assert second["status_on"] == "2017-04-02"
    assert [
        a["ref"] for a in cli.json("action", "list", "--overdue", "--as-of", "2017-04-05")
    ] == ["1"]


def test_uk_dates_and_common_headings_are_understood(cli, scr, tmp_path):
    path = write(
        tmp_path / "council.csv",
        "SCR-F,3.2,Share concerns,Police,DI Public Protection,20/03/2017,31/03/2017,Amber,Begun\n",
        header="Source,Rec No.,Action required,Lead organisation,Lead officer,Date agreed,"
        "Target date,RAG rating,Comments\n",
    )
    cli("action", "import", path)
    (action,) = cli.json("action", "list", "--as-of", "2017-03-25")
    assert (action["ref"], action["agreed_on"], action["due_on"], action["owner"]) == (
        "3.2", "2017-03-20", "2017-03-31", "DI Public Protection"
    )  # fmt: skip
    assert cli.json("action", "show", "1")["latest_note"]["note"] == "Begun"  # noted today


@pytest.mark.parametrize(
    ("agreed", "problem"),
    [
        ("2099-01-01", "agreed_on '2099-01-01' is in the future (today is {today})."),
        ("2017-03", "agreed_on '2017-03' must be a full date, such as 2017-06-30."),
        ("31/02/2017", "agreed_on '31/02/2017' is not a real date."),
    ],
)
def test_a_bad_agreed_date_is_named_in_its_own_column(cli, scr, tmp_path, agreed, problem):
    import datetime as dt

    path = write(tmp_path / "t.csv", f"SCR-F,1,T,,,{agreed},,,,\n")
    assert cli("action", "import", path, expect=1).stderr.splitlines()[1] == (
        "  row 1, column agreed_on: " + problem.format(today=dt.date.today().isoformat())
    )
