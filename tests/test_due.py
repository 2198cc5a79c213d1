"""`evidence due`: the weekly look at what falls due."""

import pytest
from conftest import dump


@pytest.fixture
def library(cli):
    cli.add("plan", "Improvement plan", "2017-01-10", ("1",), "--review-by", "2017-03-01")
    cli.add("plan", "Workforce strategy", "2017-01-12", ("3",), "--review-by", "2017-04-05")
    cli.add("plan", "Adoption strategy", "2017-01-14", ("2.1",), "--review-by", "2017-06-30")
    cli.add("audit", "No review date", "2017-01-16", ("1",))
    source = cli.add("scr", "SCR Child F", "2017-01-20", ("1",))
    cli("action", "add", source, "--ref", "1", "--text", "Police share notifications",
        "--due", "2017-03-25", "--on", "2017-01-25")  # fmt: skip
    cli("action", "add", source, "--ref", "2", "--text", "GPs record concerns",
        "--due", "2017-04-03", "--on", "2017-01-25")  # fmt: skip
    cli("action", "add", source, "--ref", "3", "--text", "Refresh the escalation policy",
        "--on", "2017-01-25")  # fmt: skip
    cli("action", "add", source, "--ref", "4", "--text", "Train the front door",
        "--due", "2017-03-28", "--on", "2017-01-25")  # fmt: skip
    cli("action", "update", "4", "--status", "complete-awaiting-assurance", "--on", "2017-03-27")
    return source


def test_due_lists_what_is_past_or_within_the_window_soonest_first(cli, library):
    found = cli.json("due", "--as-of", "2017-03-31", "--within", "7")
    assert [(item["title"], item["days"]) for item in found["evidence"]] == [
        ("Improvement plan", -30),
        ("Workforce strategy", 5),
    ]
    assert [(action["ref"], action["days"]) for action in found["actions"]] == [
        ("1", -6),
        ("2", 3),
    ]
    assert (found["as_of"], found["within"], found["until"]) == ("2017-03-31", 7, "2017-04-07")


def test_due_on_a_terminal(cli, library):
    out = cli("due", "--as-of", "2017-03-31").stdout
    assert out.splitlines()[0] == "Due by 7 Apr 2017 (as of 31 Mar 2017, looking 7 days ahead)"
    assert "   1  30 days overdue   review by 1 Mar 2017: Improvement plan" in out
    assert "   2  in 5 days         review by 5 Apr 2017: Workforce strategy" in out
    assert "   1  6 days overdue    due 25 Mar 2017: action 1: Police share notifications" in out
    assert "        from evidence 5: SCR Child F" in out
    assert "Adoption strategy" not in out and "Train the front door" not in out


def test_a_wider_window_and_a_later_day(cli, library):
    found = cli.json("due", "--as-of", "2017-03-31", "--within", "100")
    assert [item["title"] for item in found["evidence"]] == [
        "Improvement plan",
        "Workforce strategy",
        "Adoption strategy",
    ]
    assert cli.json("due", "--as-of", "2016-12-31", "--within", "0") == {
        "as_of": "2016-12-31",
        "within": 0,
        "until": "2016-12-31",
        "evidence": [],
        "actions": [],
    }


def test_nothing_due_says_so(cli):
    cli.add()
    out = cli("due", "--as-of", "2017-03-31").stdout
    assert "Evidence to review\n  none\n\nActions due\n  none" in out


@pytest.mark.parametrize("value", ["abc", "-1", "3651", "1.5", "²"])
def test_a_bad_window_is_one_error_and_writes_nothing(cli, library_path, value):
    cli.add()
    before = dump(library_path)
    result = cli("due", "--within", value, expect=1)
    assert result.stderr == (
        f"Error: within '{value}' must be a whole number of days from 0 to 3650.\n"
    )
    assert dump(library_path) == before


def test_due_names_status_and_claims(cli, library):
    out = cli("due", "--as-of", "2017-03-31").stdout
    assert "due 25 Mar 2017: action 1: Police share notifications [not started]" in out
    cli.add("plan", "Claimed plan", "2017-01-20", ("1",), "--review-by", "2017-04-01",
            "--claimed")  # fmt: skip
    out = cli("due", "--as-of", "2017-03-31").stdout
    assert "review by 1 Apr 2017: Claimed plan [claimed, not yet checked]" in out


def test_an_item_of_this_month_is_due_today(cli):
    import datetime as dt

    today = dt.date.today()
    cli.add("plan", "Recovery plan", today.isoformat()[:7], ("1",),
            "--review-by", today.isoformat())  # fmt: skip
    assert [item["title"] for item in cli.json("due")["evidence"]] == ["Recovery plan"]
