"""Actions: recorded from a source, updated on dated days, read as of any day."""

import pytest
from conftest import dump


@pytest.fixture
def scr(cli):
    """A serious case review with three actions agreed on 20 Mar 2017."""
    source = cli.add("scr", "Serious case review: Child F", "2017-03-09", ("lscb", "1"))
    cli("action", "add", source, "--text", "Share neglect concerns", "--ref", "3.2",
        "--due", "2017-03-31", "--owner", "Head of MASH", "--agency", "Police",
        "--on", "2017-03-20")  # fmt: skip
    cli("action", "add", source, "--text", "Train staff in escalation", "--ref", "3.10",
        "--on", "2017-03-20")  # fmt: skip
    cli("action", "add", source, "--text", "Audit strategy meetings", "--ref", "1",
        "--due", "2017-05-31", "--on", "2017-03-20", "--area", "1")  # fmt: skip
    return source


def listed(cli, *args):
    return [
        (a["ref"], a["status"], a["rag"], a["overdue"]) for a in cli.json("action", "list", *args)
    ]


def test_an_action_closed_late_is_overdue_until_the_day_it_closed(cli, scr):
    cli("action", "update", "1", "--status", "closed", "--on", "2017-04-10")
    assert listed(cli, "--overdue", "--as-of", "2017-04-05") == [
        ("3.2", "not-started", "red", True)
    ]
    assert listed(cli, "--overdue", "--as-of", "2017-04-11") == []
    assert listed(cli, "--overdue", "--as-of", "2017-04") == []  # a month runs to its end


def test_an_action_with_no_due_date_is_never_overdue(cli, scr):
    for day in ("2017-03-20", "2018-12-31", "2026-01-01"):
        assert "3.10" not in [ref for ref, *_ in listed(cli, "--overdue", "--as-of", day)]
    (action,) = [a for a in cli.json("action", "list") if a["ref"] == "3.10"]
    assert (action["due_on"], action["rag"], action["overdue"]) == (None, "green", False)
    assert "not set" in cli("action", "list").stdout


def test_rag_follows_the_rules_and_their_meanings_are_printed(cli, scr):
    assert listed(cli, "--as-of", "2017-03-25") == [
        ("1", "not-started", "green", False),  # due 31 May: more than 30 days away
        ("3.2", "not-started", "amber", False),  # due within 30 days
        ("3.10", "not-started", "green", False),
    ]
    cli("action", "update", "3", "--status", "paused", "--on", "2017-04-01")
    cli("action", "update", "2", "--status", "closed", "--on", "2017-04-01")
    assert listed(cli, "--as-of", "2017-04-02") == [
        ("1", "paused", "amber", False),
        ("3.2", "not-started", "red", True),
        ("3.10", "closed", None, False),
    ]
    # A paused action past its due date is overdue.
    assert listed(cli, "--overdue", "--as-of", "2017-06-01") == [
        ("1", "paused", "red", True),
        ("3.2", "not-started", "red", True),
    ]
    out = cli("action", "list", "--as-of", "2017-04-02").stdout
    assert "3 actions as of 2 Apr 2017: 1 red, 1 amber, 0 green, 1 closed." in out
    assert "Green: on track, or complete and awaiting assurance. Green means on track, not" in out
    assert "Red: overdue" in out and "Amber: due within 30 days, or paused." in out


def test_complete_awaiting_assurance_is_not_overdue(cli, scr):
    cli("action", "update", "1", "--status", "complete-awaiting-assurance", "--on", "2017-03-30")
    assert listed(cli, "--overdue", "--as-of", "2017-06-01") == [("1", "not-started", "red", True)]
    assert listed(cli, "--open", "--as-of", "2017-06-01")[1] == (
        "3.2", "complete-awaiting-assurance", "green", False
    )  # fmt: skip


def test_an_update_typed_in_late_answers_for_its_own_day(cli, scr):
    # Typed in order of entry, not of date: the later-dated update is entered first.
    cli("action", "update", "1", "--status", "closed", "--on", "2017-05-01")
    cli("action", "update", "1", "--status", "in-progress", "--on", "2017-03-25")
    assert listed(cli, "--source", scr, "--as-of", "2017-03-26")[1][1] == "in-progress"
    assert listed(cli, "--source", scr, "--as-of", "2017-05-02")[1][1] == "closed"
    assert cli.json("action", "show", "1")["status"] == "closed"


def test_a_new_due_date_applies_from_the_day_it_was_set(cli, scr):
    cli("action", "update", "1", "--due", "2017-06-30", "--on", "2017-04-20",
        "--note", "Police asked for more time")  # fmt: skip
    assert listed(cli, "--overdue", "--as-of", "2017-04-10") == [
        ("3.2", "not-started", "red", True)
    ]
    assert listed(cli, "--overdue", "--as-of", "2017-04-25") == []
    cli("action", "update", "1", "--due", "", "--on", "2017-04-26")
    assert cli.json("action", "show", "1")["due_on"] is None


def test_every_update_is_kept_with_its_day_and_author(cli, scr):
    evidence = cli.add("audit", "Strategy meeting audit", "2017-05-20", ("1",))
    cli("action", "update", "3", "--status", "in-progress", "--on", "2017-04-01", "--by", "Ann")
    cli("action", "update", "3", "--note", "Half the sample done", "--on", "2017-05-01",
        "--by", "Bea")  # fmt: skip
    cli("action", "update", "3", "--status", "closed", "--evidence", evidence,
        "--on", "2017-05-25", "--by", "Cal")  # fmt: skip
    action = cli.json("action", "show", "3")
    assert [
        (u["on_date"], u["created_by"], u["status"], u["note"], u["evidence_id"])
        for u in action["updates"]
    ] == [
        ("2017-03-20", "tester", "not-started", None, None),
        ("2017-04-01", "Ann", "in-progress", None, None),
        ("2017-05-01", "Bea", None, "Half the sample done", None),
        ("2017-05-25", "Cal", "closed", None, evidence),
    ]
    assert action["evidence"] == [evidence]
    assert action["latest_note"]["note"] == "Half the sample done"
    shown = cli("action", "show", "3", "--as-of", "2017-05-10").stdout
    assert "Status:    in progress (since 1 Apr 2017)" in shown
    assert "Cal" not in shown


def test_the_json_of_an_action_has_the_contracted_fields(cli, scr):
    (action,) = [
        a for a in cli.json("action", "list", "--as-of", "2017-04-05") if a["ref"] == "3.2"
    ]
    assert {
        key: action[key]
        for key in (
            "id",
            "source_id",
            "ref",
            "text",
            "agency",
            "owner",
            "agreed_on",
            "due_on",
            "status",
            "rag",
            "overdue",
        )
    } == {
        "id": 1,
        "source_id": scr,
        "ref": "3.2",
        "text": "Share neglect concerns",
        "agency": "Police",
        "owner": "Head of MASH",
        "agreed_on": "2017-03-20",
        "due_on": "2017-03-31",
        "status": "not-started",
        "rag": "red",
        "overdue": True,
    }


def test_areas_default_to_the_source_and_filter_the_list(cli, scr):
    assert [a["areas"] for a in cli.json("action", "list")] == [
        ["1"],
        ["1", "lscb"],
        ["1", "lscb"],
    ]
    assert [a["ref"] for a in cli.json("action", "list", "--area", "lscb")] == ["3.2", "3.10"]
    assert cli.json("action", "list", "--as-of", "2017-03-19") == []  # not yet agreed


def test_a_change_is_recorded_in_the_audit_trail(cli, scr, library_path):
    import sqlite3

    cli("action", "update", "1", "--status", "closed", "--on", "2017-04-10", "--by", "Ann")
    with sqlite3.connect(library_path) as conn:
        rows = conn.execute(
            "SELECT table_name, action, changed_by FROM changes"
            " WHERE table_name IN ('actions', 'action_updates') AND row_id = 1"
            " ORDER BY id"
        ).fetchall()
    conn.close()
    assert rows == [
        ("actions", "insert", "tester"),
        ("action_updates", "insert", "tester"),
        ("actions", "update", "Ann"),
    ]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["action", "add", "99", "--text", "T"], "Error: evidence 99 does not exist."),
        (["action", "add", "2", "--text", "T"],
         "Error: evidence 2 is withdrawn; an action needs a current source."),
        (["action", "add", "1", "--text", "T", "--status", "done"],
         ("Error: status 'done' is not a known status. Valid: not-started, in-progress,"
         " complete-awaiting-assurance, closed, paused.")),
        (["action", "add", "1", "--text", "T", "--status", "in progres"],
         ("Error: status 'in progres' is not a known status. Did you mean 'in-progress'? Valid:"
         " not-started, in-progress, complete-awaiting-assurance, closed, paused.")),
        (["action", "add", "1", "--text", "T", "--on", "2017-03-20", "--due", "2017-03-01"],
         "Error: due '2017-03-01' is before the day the action was agreed (2017-03-20)."),
        (["action", "add", "1", "--text", " "], "Error: text ' ' is empty: say what is to be done."),
        (["action", "add", "1", "--text", "T", "--on", "2999-01-01"],
         "Error: on '2999-01-01' is in the future (today is {today})."),
        (["action", "add", "1", "--text", "T", "--due", "2017-03"],
         "Error: due '2017-03' must be a full date, such as 2017-06-30."),
        (["action", "add", "1", "--text", "T", "--ref", "A1"],
         "Error: ref 'A1' is already action 1 of evidence 1."),
        (["action", "update", "7", "--status", "closed"], "Error: action 7 does not exist."),
        (["action", "update", "1"],
         ("Error: nothing to record: give --status, --due, --note or --evidence (and --on for"
         " the day it happened).")),
        (["action", "update", "1", "--status", "closed", "--on", "2017-01-01"],
         "Error: on '2017-01-01' is before the action was agreed (2017-03-20)."),
        (["action", "update", "1", "--status", "clsoed"],
         ("Error: status 'clsoed' is not a known status. Did you mean 'closed'? Valid:"
         " not-started, in-progress, complete-awaiting-assurance, closed, paused.")),
        (["action", "update", "1", "--evidence", "2"],
         "Error: evidence 2 is withdrawn; it cannot show an action complete."),
        (["action", "update", "1", "--evidence", "42"], "Error: evidence 42 does not exist."),
        (["action", "list", "--source", "42"], "Error: evidence 42 does not exist."),
        (["action", "list", "--as-of", "soon"],
         "Error: as_of 'soon' is not a date: use 2017-01-17, 2017-01 (a month) or 2017 (a year)."),
    ],
)  # fmt: skip
def test_bad_input_is_one_error_and_writes_nothing(cli, library_path, args, error):
    import datetime as dt

    cli.add("scr", "Child F", "2017-03-09", ("1",))
    cli.add("audit", "Withdrawn", "2017-03-01", ("1",))
    cli("withdraw", "2", "--reason", "Duplicate")
    cli("action", "add", "1", "--text", "Agreed", "--ref", "A1", "--on", "2017-03-20")
    before = dump(library_path)
    result = cli(*args, expect=1)
    assert result.stderr == error.format(today=dt.date.today().isoformat()) + "\n"
    assert dump(library_path) == before


def test_evidence_of_completion_must_exist_on_the_day_of_the_update(cli, scr, library_path):
    later = cli.add("audit", "Re-audit", "2019-06-01", ("1",))
    before = dump(library_path)
    result = cli("action", "update", "1", "--status", "closed", "--evidence", later,
                 "--on", "2017-03-30", expect=1)  # fmt: skip
    assert result.stderr == (
        f"Error: evidence '{later}' is dated 1 Jun 2019, after the update's day (2017-03-30):"
        " give --on the day it was shown.\n"
    )
    assert dump(library_path) == before


def test_an_action_cannot_be_agreed_before_its_source_was_dated(cli, scr, library_path):
    before = dump(library_path)
    result = cli("action", "add", scr, "--text", "T", "--on", "2016-01-01", expect=1)
    assert result.stderr == (
        f"Error: on '2016-01-01' is before its source, evidence {scr}, was dated (9 Mar 2017).\n"
    )
    assert dump(library_path) == before


def test_complete_awaiting_assurance_is_green_before_and_after_its_due_date(cli, scr):
    cli("action", "update", "1", "--status", "complete-awaiting-assurance", "--on", "2017-03-25")
    for day in ("2017-03-26", "2017-03-31", "2017-04-01", "2018-01-01"):
        assert listed(cli, "--source", scr, "--as-of", day)[1][2] == "green", day


def test_actions_of_a_withdrawn_source_are_left_out_unless_asked_for(cli, scr):
    cli("withdraw", scr, "--reason", "Logged in error")
    assert cli.json("action", "list") == []
    shown = cli.json("action", "list", "--include-withdrawn")
    assert next((a["ref"], a["source_status"]) for a in shown) == ("1", "withdrawn")
    assert "withdrawn" in cli("action", "list", "--include-withdrawn").stdout.splitlines()[0]
    assert len(cli.json("action", "list", "--source", scr)) == 3  # asked for by name
