"""Performance measures: figures over time, revisions, challenges and plain words."""

import datetime as dt
import json

import pytest
from conftest import dump
from openpyxl import Workbook

from evidence import measures


@pytest.fixture
def visits(cli):
    cli("measure", "define", "cp-visits", "--name", "Child protection visits within timescale",
        "--unit", "percent", "--better", "higher", "--floor", "90", "--target", "95",
        "--area", "1")  # fmt: skip
    return "cp-visits"


def record(cli, code, period, *args, reported=None):
    year, month = int(period[:4]), int(period[5:7])
    reported = reported or dt.date(year + month // 12, month % 12 + 1, 12).isoformat()
    return cli("measure", "record", code, period, *args, "--reported-on", reported)


def series(cli, code, *values, start="2016-07"):
    year, month = int(start[:4]), int(start[5:7])
    for value in values:
        record(cli, code, f"{year:04d}-{month:02d}", str(value))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def says(cli, code, as_of):
    return cli.json("measure", "show", code, "--as-of", as_of)["commentary"]


# The revision story of DOMAIN.md


def test_a_revised_figure_is_current_from_the_day_it_was_reported(cli, visits):
    record(cli, visits, "2017-01", "92", reported="2017-02-10")
    record(cli, visits, "2017-02", "87", reported="2017-03-13")
    assert record(cli, visits, "2017-02", "96", "--revises", "--reason",
                  "report run with the wrong end date", reported="2017-03-20").stdout == (
        "Revised cp-visits for Feb 2017: 96%.\n"
    )  # fmt: skip
    shown = cli.json("measure", "show", visits)
    (february,) = [m for m in shown["series"] if m["period"] == "2017-02"]
    assert february["value"] == 96
    assert february["revisions"] == [
        {
            "value": 87,
            "note": None,
            "reported_on": "2017-03-13",
            "replaced_on": "2017-03-20",
            "reason": "report run with the wrong end date",
        }
    ]
    text = " ".join(cli("measure", "show", visits).stdout.split())
    assert "was 87% reported 13 Mar 2017, revised 20 Mar 2017: report run with the wrong end" in (
        text
    )
    before = cli.json("measure", "show", visits, "--as-of", "2017-03-15")
    assert (before["latest"]["value"], before["status"]) == (87, "floor-breached")
    after = cli.json("measure", "show", visits, "--as-of", "2017-03-21")
    assert (after["latest"]["value"], after["status"]) == (96, "on-target")


# Plain words, one test per kind of sentence


def test_the_headline_says_the_figure_its_position_and_its_revision(cli, visits):
    record(cli, visits, "2017-02", "87", reported="2017-03-13")
    record(cli, visits, "2017-02", "96", "--revises", "--reason",
           "report run with the wrong end date", reported="2017-03-20")  # fmt: skip
    assert says(cli, visits, "2017-03-21")[0] == (
        "96% in Feb 2017, meeting the 95% target (revised from 87% on 20 Mar 2017: report run"
        " with the wrong end date)"
    )
    record(cli, visits, "2017-03", "93")
    assert says(cli, visits, "2017-04-20")[0] == (
        "93% in Mar 2017, above the 90% floor but short of the 95% target"
    )


def test_a_breach_after_a_good_spell_says_since_when(cli, visits):
    series(cli, visits, 89, 91, 92, 93, 92, 91, 93, 87)  # Jul 2016 ... Feb 2017
    assert says(cli, visits, "2017-03-20")[:2] == [
        "87% in Feb 2017, below the 90% floor",
        "below the 90% floor for the first time since Jul 2016",
    ]


def test_a_miss_that_lasts_counts_its_months(cli, visits):
    series(cli, visits, 96, 94, 93, 92)  # Jul 2016 ... Oct 2016
    assert says(cli, visits, "2016-11-20")[1] == "below target for the third month running"


def test_a_measure_never_on_target_says_so(cli, visits):
    series(cli, visits, 93, 94, 92)
    assert says(cli, visits, "2016-10-20")[1] == "below target in every month on record (3 months)"


def test_a_missing_figure_says_when_the_last_one_was(cli, visits):
    series(cli, visits, 96, 97, start="2016-10")  # Oct and Nov 2016
    assert "no figure since Nov 2016" not in says(cli, visits, "2017-01-20")
    assert says(cli, visits, "2017-03-20")[-1] == "no figure since Nov 2016"


def test_a_lower_is_better_measure_is_read_in_its_direction(cli):
    cli("measure", "define", "agency", "--name", "Agency social workers", "--unit", "percent",
        "--better", "lower", "--floor", "25", "--target", "15")  # fmt: skip
    series(cli, "agency", 24, 27)
    assert says(cli, "agency", "2016-09-20")[:2] == [
        "27% in Aug 2016, above the 25% floor (lower is better)",
        "above the 25% floor for the first time on record",
    ]
    record(cli, "agency", "2016-09", "18")
    assert says(cli, "agency", "2016-10-20")[0] == (
        "18% in Sep 2016, better than the 25% floor but short of the 15% target"
    )
    assert cli.json("measure", "show", "agency", "--as-of", "2016-10-20")["status"] == (
        "target-missed"
    )


def test_a_context_measure_is_shown_and_never_rated(cli):
    cli("measure", "define", "neighbours", "--name", "Statistical neighbours", "--unit",
        "percent", "--better", "higher", "--context")  # fmt: skip
    record(cli, "neighbours", "2017-01", "93")
    shown = cli.json("measure", "show", "neighbours", "--as-of", "2017-02-20")
    assert (shown["status"], shown["commentary"]) == (
        "context",
        ["93% in Jan 2017 (context, not rated)"],
    )


def test_a_figure_in_words_an_open_challenge_and_a_claim_are_said(cli, visits):
    record(cli, visits, "2017-01", "94", "--claimed")
    record(cli, visits, "2017-02", "--note", "lower than expected")
    cli("challenge", "raise", visits, "2017-01", "--question", "Is January complete?",
        "--on", "2017-03-14")  # fmt: skip
    assert says(cli, visits, "2017-03-20") == [
        'no number for Feb 2017: "lower than expected"',
        (
            "94% in Jan 2017, above the 90% floor but short of the 95% target (claimed, not yet"
            " checked)"
        ),
        'the Jan 2017 figure is challenged ("Is January complete?", raised 14 Mar 2017)',
    ]


# Challenges


def test_a_challenge_is_open_until_the_day_it_is_resolved(cli, visits):
    record(cli, visits, "2017-02", "87", reported="2017-03-13")
    assert cli("challenge", "raise", visits, "2017-02", "--question", "Why so low?",
               "--on", "2017-03-14", "--by", "Director").stdout == "Raised challenge 1.\n"  # fmt: skip
    cli("challenge", "resolve", "1", "--cause", "reporting error", "--answer",
        "Wrong end date", "--on", "2017-03-20", "--by", "Head of Performance")  # fmt: skip
    assert [c["id"] for c in cli.json("challenge", "list", "--as-of", "2017-03-15")] == [1]
    assert cli.json("challenge", "list", "--as-of", "2017-03-21") == []
    (resolved,) = cli.json("challenge", "list", "--all")
    assert (resolved["cause"], resolved["resolved_by"], resolved["answer"]) == (
        "reporting-error", "Head of Performance", "Wrong end date"
    )  # fmt: skip
    shown = " ".join(cli("measure", "show", visits).stdout.split())
    assert "1. Feb 2017: Why so low? (raised 14 Mar 2017 by Director)" in shown
    assert "reporting error: Wrong end date (resolved 20 Mar 2017 by Head of Performance)" in shown


# Definitions


def test_the_shipped_definitions_load_and_load_again_unchanged(cli):
    path = measures.DEFINITIONS
    first = cli("measure", "define", "--from-file", path).stdout
    assert first.startswith("Measures from measures.yml: ") and " 0 updated" in first
    assert cli("measure", "define", "--from-file", path).stdout.endswith(
        "0 added, 0 updated, 17 unchanged.\n"
    )
    codes = {m["code"] for m in cli.json("measure", "list")}
    assert {"cp-visits", "dental-checks", "re-referrals", "agency-social-workers"} <= codes


def test_a_definition_can_change_and_its_change_is_kept(cli, visits, library_path):
    import sqlite3

    assert cli("measure", "define", "cp-visits", "--name", "Child protection visits within"
               " timescale", "--unit", "percent", "--better", "higher", "--floor", "85",
               "--target", "95", "--area", "1").stdout == "Measure cp-visits updated.\n"  # fmt: skip
    conn = sqlite3.connect(library_path)
    changes = conn.execute(
        "SELECT action FROM changes WHERE table_name = 'measures' ORDER BY id"
    ).fetchall()
    conn.close()
    assert changes == [("insert",), ("update",)]


# Import


def wide_workbook(path, measures_count=12, months=24, title=True, text_cell=None):
    workbook = Workbook()
    sheet = workbook.active
    start = 0
    if title:
        sheet.append(["Fenmoor performance report"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=months + 1)
        start = 1
    header = ["Measure"] + [
        f"{measures.MONTHS[(1 + n) % 12]} {2016 + (1 + n) // 12}" for n in range(months)
    ]
    sheet.append(header)
    expected = {}
    for m in range(measures_count):
        values = [round(50 + m + n * 0.5, 1) for n in range(months)]
        sheet.append([f"m{m:02d}"] + values)
        expected[f"m{m:02d}"] = values
        if m == 5:
            sheet.append([None] * (months + 1))  # a blank row
    if text_cell:
        row, column, text = text_cell
        sheet.cell(row=row + start, column=column, value=text)
    workbook.save(path)
    return expected


def define_many(cli, count=12):
    for m in range(count):
        cli("measure", "define", f"m{m:02d}", "--name", f"Measure {m}", "--unit", "percent",
            "--better", "higher", "--floor", "60")  # fmt: skip


def test_a_wide_workbook_imports_in_one_command_and_round_trips(cli, tmp_path):
    define_many(cli)
    path = tmp_path / "report.xlsx"
    expected = wide_workbook(path)
    assert cli("measure", "import", path).stdout == (
        "Imported report.xlsx (wide): 288 figures added, 0 unchanged.\n"
    )
    for code, values in expected.items():
        shown = cli.json("measure", "show", code)
        assert [m["value"] for m in shown["series"]] == values
        assert shown["series"][0]["period"] == "2016-02"
        assert shown["series"][0]["reported_on"] == "2016-03-01"
    assert cli("measure", "import", path).stdout == (
        "Imported report.xlsx (wide): 0 figures added, 288 unchanged.\n"
    )


def test_a_long_csv_imports_with_its_own_reported_days(cli, visits, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(
        "measure,period,value,numerator,denominator,reported_on,note\n"
        "cp-visits,2017-01,,46,50,2017-02-09,\n"
        "Child protection visits within timescale,Feb 2017,,,,2017-03-10,lower than expected\n"
    )
    assert "(long): 2 figures added" in cli("measure", "import", path).stdout
    shown = cli.json("measure", "show", visits)
    assert [(m["period"], m["value"], m["note"], m["reported_on"]) for m in shown["series"]] == [
        ("2017-01", 92.0, None, "2017-02-09"),
        ("2017-02", None, "lower than expected", "2017-03-10"),
    ]


def test_a_workbook_with_a_text_cell_names_it_and_imports_nothing(cli, tmp_path, library_path):
    define_many(cli)
    path = tmp_path / "report.xlsx"
    wide_workbook(path, text_cell=(4, 5, "n/a"))  # sheet row 5 (m02), column E (May 2016)
    before = dump(library_path)
    assert cli("measure", "import", path, expect=1).stderr.splitlines() == [
        "Error: 1 cell in report.xlsx cannot be imported, so nothing was:",
        "  cell E5 (m02, May 2016): value 'n/a' is not a number.",
    ]
    assert dump(library_path) == before


def test_a_different_figure_for_a_recorded_month_is_refused_by_import(cli, visits, tmp_path):
    record(cli, visits, "2017-02", "87", reported="2017-03-13")
    path = tmp_path / "long.csv"
    path.write_text("measure,period,value\ncp-visits,2017-02,96\n")
    assert cli("measure", "import", path, expect=1).stderr.splitlines()[1] == (
        "  cell C2 (cp-visits, Feb 2017): cp-visits already has 87% for Feb 2017; a different"
        " figure is a revision: record it with `evidence measure record --revises --reason`."
    )


# Bad input: one clear error, nothing written


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["measure", "record", "cp-vists", "2017-02", "87"],
         ("Error: measure 'cp-vists' is not a known measure. Did you mean 'cp-visits'? Valid:"
         " cp-visits.")),
        (["measure", "record", "cp-visits", "2017-13", "87"],
         "Error: period '2017-13' is not a month: use 2017-02 or Feb 2017."),
        (["measure", "record", "cp-visits", "2017-02-14", "87"],
         "Error: period '2017-02-14' is not a month: use 2017-02 or Feb 2017."),
        (["measure", "record", "cp-visits", "2017-02", "112"],
         "Error: value '112' is a percentage above 100."),
        (["measure", "record", "cp-visits", "2017-02", "-3"],
         "Error: value '-3' cannot be below 0."),
        (["measure", "record", "cp-visits", "2017-02", "--numerator", "60", "--denominator", "50"],
         "Error: numerator '60' is larger than its denominator (50)."),
        (["measure", "record", "cp-visits", "2017-02", "lots"],
         "Error: value 'lots' is not a number."),
        (["measure", "record", "cp-visits", "2017-02", "96", "--revises", "--reason", "x"],
         "Error: cp-visits has no figure for Feb 2017 to revise: record it without --revises."),
        (["measure", "record", "cp-visits", "2017-01", "96"],
         ("Error: cp-visits already has a figure for Jan 2017 (92%, reported 10 Feb 2017). To"
         " correct it, give --revises and --reason.")),
        (["measure", "record", "cp-visits", "2017-01", "96", "--revises"],
         "Error: reason '' is empty: say why the figure was revised."),
        (["measure", "record", "cp-visits", "2017-02"],
         ("Error: value '' is missing: give the figure, --numerator and --denominator, or a"
         " --note.")),
        (["challenge", "resolve", "1", "--cause", "reporting-error", "--answer", "Again"],
         ("Error: challenge 1 was resolved already, on 20 Mar 2017 by tester: a reporting"
         " error.")),
        (["challenge", "resolve", "1", "--cause", "typo", "--answer", "x"],
         ("Error: cause 'typo' is not a known cause. Valid: reporting-error, late-entry,"
         " recording-error, genuine.")),
        (["challenge", "resolve", "9", "--cause", "genuine", "--answer", "x"],
         "Error: challenge 9 does not exist."),
        (["challenge", "raise", "cp-visits", "2016-05", "--question", "Why?"],
         "Error: cp-visits had no figure for May 2016 on {today} to challenge."),
        (["measure", "define", "x", "--name", "X", "--unit", "percentage", "--better", "higher"],
         ("Error: unit 'percentage' is not a known unit. Did you mean 'percent'? Valid: percent,"
         " count, rate, days.")),
        (["measure", "define", "x", "--name", "X", "--unit", "percent", "--better", "lower",
          "--floor", "20", "--target", "30"],
         "Error: target '30' is worse than the floor (20) for a lower-is-better measure."),
    ],
)  # fmt: skip
def test_bad_input_is_one_error_and_writes_nothing(cli, visits, library_path, args, error):
    record(cli, visits, "2017-01", "92", reported="2017-02-10")
    cli("challenge", "raise", visits, "2017-01", "--question", "Q", "--on", "2017-02-11")
    cli("challenge", "resolve", "1", "--cause", "reporting-error", "--answer", "A",
        "--on", "2017-03-20")  # fmt: skip
    before = dump(library_path)
    result = cli(*args, expect=1)
    today = dt.date.today()
    assert result.stderr == error.format(today=f"{today.day} {today:%b %Y}") + "\n"
    assert dump(library_path) == before


def test_the_json_of_a_measure_carries_its_readings_and_commentary(cli, visits):
    record(cli, visits, "2017-01", "92", reported="2017-02-10")
    shown = json.loads(cli("measure", "show", visits, "--json").stdout)
    assert {"code", "name", "unit", "better", "floor", "target", "series", "challenges",
            "status", "commentary", "latest"} <= set(shown)  # fmt: skip
    assert shown["series"][0] | {"current": 0} == {
        "period": "2017-01",
        "value": 92,
        "note": None,
        "reported_on": "2017-02-10",
        "assurance": "verified",
        "numerator": None,
        "denominator": None,
        "source_id": None,
        "current": 0,
        "revisions": [],
    }


# What a review found: each a case a director could be misled by


def test_a_measure_known_only_in_words_with_a_late_entry_challenge_is_shown(cli, visits):
    record(cli, visits, "2017-02", "--note", "not available", reported="2017-03-10")
    cli("challenge", "raise", visits, "2017-02", "--question", "q", "--on", "2017-03-11")
    cli(
        "challenge", "resolve", "1", "--cause", "late-entry", "--answer", "a", "--on", "2017-03-12"
    )
    assert says(cli, visits, "2017-03-20") == ['no number for Feb 2017: "not available"']
    assert cli.json("measure", "list", "--as-of", "2017-03-20")[0]["status"] == "no-figure"


def test_a_month_with_no_figure_breaks_a_run_and_is_named(cli, visits):
    series(cli, visits, 93, 92, start="2016-11")  # Nov, Dec 2016
    record(cli, visits, "2017-02", "93")  # no January
    sentences = says(cli, visits, "2017-03-20")
    assert "below target for the third month running" not in sentences
    assert "no figure for Jan 2017" in sentences


def test_a_figure_at_the_floor_is_at_it(cli, visits):
    record(cli, visits, "2016-10", "90")
    assert says(cli, visits, "2016-11-20")[0] == (
        "90% in Oct 2016, at the 90% floor but short of the 95% target"
    )


def test_the_list_says_floor_breached_and_no_recent_figure(cli):
    cli("measure", "define", "agency", "--name", "Agency", "--unit", "percent", "--better",
        "lower", "--floor", "20")  # fmt: skip
    record(cli, "agency", "2017-02", "22")
    listed = cli("measure", "list", "--as-of", "2017-03-20").stdout
    assert "floor breached" in listed and "below" not in listed
    stale = cli.json("measure", "list", "--as-of", "2017-09-01")[0]
    assert (stale["status"], stale["stale"]) == ("floor-breached", True)
    assert "floor breached (no recent figure)" in " ".join(
        cli("measure", "list", "--as-of", "2017-09-01").stdout.split()
    )


def test_redefining_a_measure_changes_only_what_is_given(cli, visits):
    cli("measure", "define", visits, "--name", "CP visits in time")
    shown = cli.json("measure", "show", visits)
    assert (shown["name"], shown["floor"], shown["target"], shown["area"]) == (
        "CP visits in time", 90, 95, "1"
    )  # fmt: skip
    cli("measure", "define", visits, "--floor", "")
    assert cli.json("measure", "show", visits)["floor"] is None


def test_a_changed_ratio_on_reimport_is_refused_not_ignored(cli, visits, tmp_path):
    path = tmp_path / "ratio.csv"
    path.write_text("measure,period,numerator,denominator\ncp-visits,2017-01,90,100\n")
    cli("measure", "import", path)
    path.write_text("measure,period,numerator,denominator\ncp-visits,2017-01,50,100\n")
    assert "already has 90% for Jan 2017" in cli("measure", "import", path, expect=1).stderr


def test_excel_percentages_and_date_cells_are_read_as_shown(cli, visits, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Measure", dt.datetime(2017, 1, 1), dt.datetime(2017, 2, 1)])
    sheet.append(["cp-visits", 0.91, 0.87])
    for cell in sheet[2][1:]:
        cell.number_format = "0%"
    path = tmp_path / "percent.xlsx"
    workbook.save(path)
    cli("measure", "import", path)
    assert [m["value"] for m in cli.json("measure", "show", visits)["series"]] == [91, 87]
    long_book = Workbook()
    long_book.active.append(["measure", "period", "value"])
    long_book.active.append(["cp-visits", dt.datetime(2017, 3, 1), 92])
    long_book.active.append(["cp-visits", "Jnuary 2017", 92])
    long_path = tmp_path / "long.xlsx"
    long_book.save(long_path)
    assert cli("measure", "import", long_path, expect=1).stderr.splitlines()[1] == (
        "  cell B3: period 'Jnuary 2017' is not a month: use 2017-02 or Feb 2017."
    )


def test_a_sheet_of_one_month_imports_and_loose_month_names_do_not(cli, visits, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("Measure,Feb 2017,Decision 2017\ncp-visits,91,agreed\n")
    assert "(wide): 1 figure added" in cli("measure", "import", path).stdout
    assert cli("measure", "record", visits, "Febx 2017", "50", expect=1).stderr == (
        "Error: period 'Febx 2017' is not a month: use 2017-02 or Feb 2017.\n"
    )
    assert cli("measure", "record", visits, "September 2016", "93").stdout.startswith(
        "Recorded cp-visits for Sep 2016"
    )


def test_a_month_given_twice_in_a_file_names_both_cells(cli, visits, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("measure,period,value\ncp-visits,2017-01,91\ncp-visits,Jan 2017,92\n")
    assert cli("measure", "import", path, expect=1).stderr.splitlines()[1] == (
        "  cell C3 (cp-visits, Jan 2017): the file gives cp-visits for Jan 2017 twice (cells C2"
        " and C3)."
    )


def test_a_miss_after_a_gap_is_not_a_first_time(cli, visits):
    for period, value in (("2017-01", "85"), ("2017-02", "86"), ("2017-04", "84")):
        record(cli, visits, period, value)
    sentences = says(cli, visits, "2017-05-20")
    assert "below the 90% floor again after no figure for Mar 2017" in sentences
    assert not any("first time" in sentence for sentence in sentences)
    assert "▅█ ▁" in cli("measure", "show", visits, "--as-of", "2017-05-20").stdout


def test_a_figure_near_a_threshold_is_never_shown_as_equal_to_it(cli, visits):
    record(cli, visits, "2017-05", "89.96")
    assert says(cli, visits, "2017-06-20")[0] == "89.96% in May 2017, below the 90% floor"
