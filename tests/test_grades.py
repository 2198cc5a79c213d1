"""Grades from inspection reports, and the council's own self-evaluation."""

import datetime as dt

import pytest
from conftest import dump

SIF = ("overall", "1", "2", "2.1", "2.2", "3", "lscb")


@pytest.fixture
def two_inspections(cli):
    """Inadequate overall in 2015 with a grade per area; good overall in 2017, nothing else."""
    first = cli.add("inspection-report", "SIF inspection", "2015-06-12", SIF)
    second = cli.add("inspection-report", "SIF re-inspection", "2017-07-03", ("overall",))
    grades = dict(zip(SIF, ["inadequate", "inadequate", "requires improvement to be good",
                            "good", "inadequate", "inadequate", "requires-improvement"]))  # fmt: skip
    for area, grade in grades.items():
        cli("grade", first, "--area", area, "--grade", grade)
    cli("grade", second, "--area", "overall", "--grade", "good")
    return first, second


def latest(cli, as_of):
    table = cli.json("grades", "--as-of", as_of)
    return {
        area["code"]: (area["grade"], area["date"], area["source_id"], area["from_latest_report"])
        for area in table["areas"]
    }


def test_a_newer_report_that_did_not_grade_an_area_leaves_the_older_grade(cli, two_inspections):
    first, second = two_inspections
    before = latest(cli, "2017-05-04")
    assert before["overall"] == ("inadequate", "2015-06-12", first, True)
    assert before["1"] == ("inadequate", "2015-06-12", first, True)
    assert before["2"] == ("requires-improvement", "2015-06-12", first, True)
    after = latest(cli, "2017-08-01")
    assert after["overall"] == ("good", "2017-07-03", second, True)
    for area in SIF[1:]:
        assert after[area][1:] == ("2015-06-12", first, False), area
    assert after["2.1"][0] == "good" and after["1"][0] == "inadequate"


def test_the_table_marks_grades_from_an_earlier_report(cli, two_inspections):
    out = cli("grades", "--as-of", "2017-08-01").stdout
    lines = out.splitlines()
    overall = next(line for line in lines if line.startswith("overall"))
    assert "good" in overall and "3 Jul 2017" in overall and "earlier" not in overall
    protection = next(line for line in lines if line.startswith("1 help-protection"))
    assert "inadequate" in protection and "12 Jun 2015" in protection
    assert "evidence 1 (earlier)" in protection
    text = " ".join(out.split())
    assert "evidence 2: SIF re-inspection, 3 Jul 2017 (the latest)" in text
    assert "evidence 1: SIF inspection, 12 Jun 2015" in text
    assert 'An area marked "(earlier)" was not graded by the latest report' in text


def test_two_reports_of_one_day_are_both_the_latest(cli):
    first = cli.add("inspection-report", "Report A", "2017-07-01", ("overall",))
    second = cli.add("inspection-report", "Report B", "2017-07-01", ("1",))
    cli("grade", first, "--area", "overall", "--grade", "good")
    cli("grade", second, "--area", "1", "--grade", "good")
    table = cli.json("grades")
    assert [a["from_latest_report"] for a in table["areas"] if a["grade"]] == [True, True]
    assert "earlier" not in cli("grades").stdout


def test_a_newer_ilacs_grade_counts_for_the_equal_sif_area(cli):
    sif = cli.add("inspection-report", "SIF inspection", "2015-06-01", SIF)
    ilacs = cli.add("inspection-report", "ILACS inspection", "2019-03-01", ("overall",))
    for area in SIF:
        cli("grade", sif, "--area", area, "--grade", "inadequate")
    cli("grade", ilacs, "--area", "overall", "--grade", "good", "--framework", "ilacs-2018")
    areas = {a["code"]: a for a in cli.json("grades", "--as-of", "2019-12-31")["areas"]}
    assert (areas["overall"]["grade"], areas["overall"]["given_under"]) == ("good", "ILACS 2018")
    assert (areas["1"]["grade"], areas["1"]["from_latest_report"]) == ("inadequate", False)
    out = " ".join(cli("grades", "--as-of", "2019-12-31").stdout.split())
    assert "evidence 2, under ILACS 2018" in out
    ilacs_view = {
        a["slug"]: a
        for a in cli.json("grades", "--framework", "ilacs-2018", "--as-of", "2019-12-31")["areas"]
    }
    assert ilacs_view["overall"]["grade"] == "good"
    assert (
        ilacs_view["help-protection"]["grade"],
        ilacs_view["help-protection"]["given_under"],
    ) == (
        "inadequate",
        "SIF",
    )
    assert ilacs_view["in-care-and-care-leavers"]["grade"] is None  # SIF 2 is only a subset


def test_history_lists_every_grade_oldest_first(cli, two_inspections):
    table = cli.json("grades", "--history")
    overall = next(area for area in table["areas"] if area["code"] == "overall")
    assert [(g["grade"], g["date"]) for g in overall["grades"]] == [
        ("inadequate", "2015-06-12"),
        ("good", "2017-07-03"),
    ]


def test_before_any_report_no_area_is_graded(cli, two_inspections):
    assert set(latest(cli, "2015-06-11").values()) == {(None, None, None, False)}
    assert (
        "No inspection report had graded any area by 11 Jun 2015."
        in cli("grades", "--as-of", "2015-06-11").stdout
    )


def test_a_withdrawn_report_gives_no_grade(cli, two_inspections):
    cli("withdraw", "2", "--reason", "Draft logged by mistake")
    assert latest(cli, "2017-08-01")["overall"][0] == "inadequate"


def test_a_grade_with_no_equal_area_here_is_pointed_to(cli):
    report = cli.add("inspection-report", "ILACS inspection", "2019-02-01", ("overall",))
    cli("grade", report, "--area", "in-care-and-care-leavers", "--grade", "good",
        "--framework", "ilacs-2018")  # fmt: skip
    table = cli.json("grades", "--framework", "ilacs-2018")
    assert [(a["slug"], a["grade"]) for a in table["areas"] if a["grade"]] == [
        ("in-care-and-care-leavers", "good")
    ]
    sif = cli.json("grades")
    assert all(area["grade"] is None for area in sif["areas"])
    assert [r["source_id"] for r in sif["newer_elsewhere"]] == [report]
    assert "see `evidence grades --framework ilacs-2018`" in " ".join(cli("grades").stdout.split())


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["grade", "1", "--area", "1", "--grade", "good"],
         ("Error: area '1' is already graded inadequate by evidence 1 (recorded by tester on"
         " {today}).")),
        (["grade", "1", "--area", "2", "--grade", "goood"],
         ("Error: grade 'goood' is not a known grade. Did you mean 'good'? Valid: outstanding,"
         " good, requires-improvement, inadequate.")),
        (["grade", "1", "--area", "9", "--grade", "good"],
         ("Error: area '9' is not a known area in sif. Valid: overall, 1 (help-protection),"
         " 2 (looked-after), 2.1 (adoption), 2.2 (care-leavers), 3 (leadership), lscb.")),
        (["grade", "2", "--area", "1", "--grade", "good"],
         "Error: evidence 2 is a monitoring letter; grades come from inspection reports."),
        (["grade", "4", "--area", "1", "--grade", "good"],
         "Error: evidence 4 is an audit; grades come from inspection reports."),
        (["grade", "3", "--area", "1", "--grade", "good"],
         "Error: evidence 3 is withdrawn; it cannot grade an area."),
        (["grade", "9", "--area", "1", "--grade", "good"], "Error: evidence 9 does not exist."),
        (["self-eval", "set", "1", "--grade", "good"],
         "Error: text '' and --text-file: give one of them, not both or neither."),
        (["self-eval", "set", "1", "--grade", "good", "--text", " "],
         "Error: text ' ' is empty: say why the area merits its grade."),
        (["self-eval", "set", "1", "--grade", "excellent", "--text", "T"],
         ("Error: grade 'excellent' is not a known grade. Valid: outstanding, good,"
         " requires-improvement, inadequate.")),
        (["self-eval", "set", "1", "--grade", "good", "--text", "T", "--on", "2999-01-01"],
         "Error: on '2999-01-01' is in the future (today is {today})."),
        (["self-eval", "set", "7", "--grade", "good", "--text", "T"],
         ("Error: area '7' is not a known area in sif. Valid: overall, 1 (help-protection),"
         " 2 (looked-after), 2.1 (adoption), 2.2 (care-leavers), 3 (leadership), lscb.")),
    ],
)  # fmt: skip
def test_bad_grades_and_self_evaluations_are_one_error_and_write_nothing(
    cli, library_path, args, error
):
    cli.add("inspection-report", "SIF inspection", "2015-06-12", SIF)
    cli.add("monitoring-letter", "Monitoring letter", "2016-05-18", ("1",))
    cli.add("inspection-report", "Withdrawn report", "2016-01-01", ("1",))
    cli("withdraw", "3", "--reason", "Duplicate")
    cli.add("audit", "An audit", "2016-02-01", ("1",))
    cli("grade", "1", "--area", "1", "--grade", "inadequate")
    before = dump(library_path)
    result = cli(*args, expect=1)
    today = dt.date.today()
    assert (
        result.stderr
        == error.format(
            today=today.isoformat() if "future" in error else f"{today.day} {today:%b %Y}"
        )
        + "\n"
    )
    assert dump(library_path) == before


# Self-evaluation


def test_history_shows_every_version_in_date_order_with_its_author(cli, tmp_path):
    cli.add()
    first = tmp_path / "first.md"
    first.write_text("# Help and protection\n\nThresholds are now applied consistently.\n")
    second = tmp_path / "second.md"
    second.write_text("Visits are within timescale in 96% of cases.\n")
    # Typed in out of date order: history follows the dates.
    cli("self-eval", "set", "1", "--grade", "good", "--text-file", second, "--on", "2017-06-21",
        "--by", "Director")  # fmt: skip
    cli("self-eval", "set", "help-protection", "--grade", "requires improvement to be good",
        "--text-file", first, "--on", "2016-09-01", "--by", "Head of QA")  # fmt: skip
    out = cli("self-eval", "show", "1", "--history").stdout
    assert out.splitlines() == [
        "1 help-protection: Experiences and progress of children who need help and protection",
        "  Self-evaluation of 1 Sep 2016 by Head of QA: requires improvement",
        "    # Help and protection",
        "",
        "    Thresholds are now applied consistently.",
        "  Self-evaluation of 21 Jun 2017 by Director: good",
        "    Visits are within timescale in 96% of cases.",
    ]
    latest = cli.json("self-eval", "show", "1")
    assert [(row["grade"], row["by"], row["on_date"]) for row in latest] == [
        ("good", "Director", "2017-06-21")
    ]
    as_of = cli.json("self-eval", "show", "--as-of", "2017-01")
    assert [(row["area"], row["grade"]) for row in as_of] == [("1", "requires-improvement")]


def test_show_without_an_area_gives_the_latest_of_each(cli):
    cli.add()
    cli(
        "self-eval",
        "set",
        "3",
        "--grade",
        "good",
        "--text",
        "Leaders know us.",
        "--on",
        "2017-01-05",
    )
    cli(
        "self-eval",
        "set",
        "1",
        "--grade",
        "inadequate",
        "--text",
        "Not yet.",
        "--on",
        "2017-01-05",
    )
    cli("self-eval", "set", "1", "--grade", "good", "--text", "Better.", "--on", "2017-06-01")
    rows = cli.json("self-eval", "show")
    assert [(row["area"], row["grade"]) for row in rows] == [("1", "good"), ("3", "good")]
    assert cli("self-eval", "show", "2").stdout == "No self-evaluation recorded.\n"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "does not exist."),
        (b"", "is empty."),
        (b"  \n\n", "is empty."),
        (b"Caf\xe9 culture", "is not UTF-8 text (byte 0xe9 at position 3): save it as UTF-8."),
    ],
)
def test_a_self_evaluation_file_must_be_utf8_text(cli, tmp_path, library_path, content, problem):
    cli.add()
    path = tmp_path / "self-evaluation.md"
    if content is not None:
        path.write_bytes(content)
    before = dump(library_path)
    result = cli("self-eval", "set", "1", "--grade", "good", "--text-file", path, expect=1)
    assert result.stderr == f"Error: text_file '{path}' {problem}\n"
    assert dump(library_path) == before
