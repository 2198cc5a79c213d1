"""The web UI's forms for the records around evidence: update an action, raise and resolve
a challenge to a figure, answer an inspection request. Each writes through the command
line's worker, names the person in the audit trail and says what the command line says;
a bad value is refused in the command line's words, beside the field it names, with
nothing written. What every form shares is tried in tests/test_forms.py, whose library
and browser these tests borrow.
"""

import pytest
from conftest import dump
from test_forms import (
    ANALYST,
    MANAGER,
    MARKUP,
    TODAY,
    Browser,
    assert_refused,
    changed_by,
    cli_library,
    copy_library,
    form_for,
    fresh,
    leftovers,
    one,
    pristine,
    rows,
    run_cli,
    served,
    with_db,
)

__all__ = ["cli_library", "fresh", "pristine", "served"]  # fixtures, shared
RAISE_GOOD = {"measure": "cp-visits", "period": "2017-01", "question": "Why?"}
RESOLVE_GOOD = {"cause": "genuine", "answer": "Checked"}


def said(cli, library, args: list[str]):
    """What the command line prints for `args` on `library`: its output and its warnings."""
    result = cli(*with_db(args, library))
    return result.stdout.strip(), result.stderr.strip()


def update_args(action: int, sent: dict[str, list[str]]) -> list[str]:
    """`evidence action update` with the values the form sent, as its worker is given them."""
    args = ["action", "update", str(action)]
    for name in ("status", "note", "due", "evidence", "on"):
        if one(sent, name):
            args.append(f"--{name}={one(sent, name)}")
    return args


def raise_args(sent: dict[str, list[str]]) -> list[str]:
    on = [f"--on={one(sent, 'on')}"] if one(sent, "on") else []
    return ["challenge", "raise", f"--question={one(sent, 'question')}", *on,
            "--", one(sent, "measure"), one(sent, "period")]  # fmt: skip


def resolve_args(challenge: int, sent: dict[str, list[str]]) -> list[str]:
    on = [f"--on={one(sent, 'on')}"] if one(sent, "on") else []
    return ["challenge", "resolve", str(challenge), f"--cause={one(sent, 'cause')}",
            f"--answer={one(sent, 'answer')}", *on]  # fmt: skip


def answer_args(request: int, sent: dict[str, list[str]]) -> list[str]:
    args = ["request", "answer", str(request)]
    args += [f"--with={value}" for value in one(sent, "with").replace(",", " ").split()]
    args += [f"--{name}={one(sent, name)}" for name in ("note", "at") if one(sent, name)]
    return args


# What each form writes


def test_updating_an_action_closes_it_with_evidence_and_names_the_manager(
    fresh, pristine, cli, tmp_path
):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    assert "<strong>1</strong> open actions" in manager.get("/").text
    assert manager.get("/-/actions/1/update").values["on"] == [TODAY]
    note = "Seen at SW1A 1AA; " + MARKUP[0]
    sent, answer = manager.submit(
        "/-/actions/1/update",
        {"status": "closed", "evidence": "1", "note": note, "on": "2017-04-10"},
    )
    assert answer.response.headers["location"] == "/evidence/actions/1"
    shown = manager.follow(answer)
    output, warning = said(cli, copy_library(pristine, tmp_path / "cli"), update_args(1, sent))
    assert shown.messages[0] == output
    # The command line's warning, with the advice of the web UI's own.
    assert shown.messages[1].startswith(warning.split(" Erase the words")[0])
    notes = manager.get("/evidence/action_updates?action_id=1").text
    assert MARKUP[0] not in notes and "&lt;script&gt;alert(1)&lt;/script&gt;" in notes
    assert rows(
        library,
        "SELECT status, note, evidence_id, on_date, created_by FROM action_updates"
        " ORDER BY id DESC LIMIT 1",
    ) == [("closed", note, 1, "2017-04-10", MANAGER)]
    assert rows(library, "SELECT status, updated_by FROM actions WHERE id = 1") == [
        ("closed", MANAGER)
    ]
    assert changed_by(library, "actions", 1)[-1] == ("update", MANAGER)
    assert "<strong>0</strong> open actions" in manager.get("/").text


def test_raising_a_challenge_records_who_raised_it(fresh, pristine, cli, tmp_path):
    datasette, library = fresh
    analyst = Browser(datasette, ANALYST)
    page = analyst.get("/-/challenges/raise?measure=cp-visits&period=2017-01")
    assert (page.values["measure"], page.values["period"]) == (["cp-visits"], ["2017-01"])
    sent, answer = analyst.submit(
        "/-/challenges/raise",
        {**RAISE_GOOD, "question": "Is " + MARKUP[1] + " right?", "on": "2017-02-20"},
    )
    assert answer.response.headers["location"] == "/evidence/challenges/3"
    shown = analyst.follow(answer)
    output, _ = said(cli, copy_library(pristine, tmp_path / "cli"), raise_args(sent))
    assert shown.messages == [output] == ["Raised challenge 3."]
    assert MARKUP[1] not in shown.text
    assert rows(
        library,
        "SELECT measure, period, question, raised_on, raised_by, created_by FROM challenges"
        " WHERE id = 3",
    ) == [("cp-visits", "2017-01", "Is " + MARKUP[1] + " right?", "2017-02-20", ANALYST, ANALYST)]


def test_resolving_a_challenge_records_what_it_found(fresh, pristine, cli, tmp_path):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    assert "Resolve this challenge" in manager.get("/evidence/challenges/2").text
    sent, answer = manager.submit(
        "/-/challenges/2/resolve",
        {"cause": "late-entry", "answer": "Entered late\r\nby the team", "on": "2017-03-01"},
    )
    assert answer.response.headers["location"] == "/evidence/challenges/2"
    shown = manager.follow(answer)
    output, _ = said(cli, copy_library(pristine, tmp_path / "cli"), resolve_args(2, sent))
    assert shown.messages == [output] == ["Resolved challenge 2: late data entry."]
    assert "Resolve this challenge" not in shown.text
    assert rows(
        library, "SELECT cause, answer, resolved_on, resolved_by FROM challenges WHERE id = 2"
    ) == [("late-entry", "Entered late\nby the team", "2017-03-01", MANAGER)]


def test_answering_a_request_records_what_was_handed_over(fresh, pristine, cli, tmp_path):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    sent, answer = manager.submit(
        "/-/requests/1/answer", {"with": "1, 3", "note": "By hand", "at": "2025-11-10 16:00"}
    )
    assert answer.response.headers["location"] == "/-/inspection"
    shown = manager.follow(answer)
    output, _ = said(cli, copy_library(pristine, tmp_path / "cli"), answer_args(1, sent))
    assert (
        shown.messages
        == [output]
        == ["Request 1 answered 10 Nov 2025 16:00: 2 things handed over."]
    )
    assert rows(
        library,
        "SELECT event, at, note, created_by FROM request_events WHERE request_id = 1",
    ) == [("answered", "2025-11-10T16:00:00Z", "By hand", MANAGER)]
    assert rows(library, "SELECT evidence_id FROM handovers ORDER BY evidence_id") == [(1,), (3,)]


def test_an_answer_whose_note_may_name_a_child_is_warned_of_as_the_command_line_warns(
    fresh, pristine, cli, tmp_path
):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    sent, answer = manager.submit(
        "/-/requests/1/answer",
        {"with": "1", "note": "Sent to Amelia Jones", "at": "2025-11-10 16:00"},
    )
    shown = manager.follow(answer)
    output, warning = said(cli, copy_library(pristine, tmp_path / "cli"), answer_args(1, sent))
    assert warning.startswith("Warning: the answer to request 1 may name a child")
    assert shown.messages[0] == output
    # The command line's warning, with the advice of the web UI's own.
    assert shown.messages[1:] and shown.messages[1].startswith(warning.split(" If it does")[0])


def test_a_long_note_the_command_line_takes_is_taken(fresh, pristine, cli, tmp_path):
    """A note at the command line's limit, in a language with letters beyond a-z, as a
    browser sends it (URL-encoded, each such letter six bytes)."""
    datasette, library = fresh
    note = ("Zażółć gęślą jaźń " * 1200)[:20_000]
    said(
        cli, copy_library(pristine, tmp_path / "cli"), ["action", "update", "1", f"--note={note}"]
    )
    manager = Browser(datasette, MANAGER)
    _, answer = manager.submit("/-/actions/1/update", {"note": note})
    assert answer.status == 303, (answer.status, answer.text[-1000:])
    assert rows(library, "SELECT note FROM action_updates ORDER BY id DESC LIMIT 1") == [(note,)]


# Bad values: the command line's words, beside the field, nothing written

ACTION_BAD = [
    ("nothing", {}, None),
    ("on-before-agreed", {"status": "closed", "on": "2017-01-01"}, "on"),
    ("on-future", {"status": "closed", "on": "2999-01-01"}, "on"),
    ("on-not-a-day", {"status": "closed", "on": "2017-02-30"}, "on"),
    ("status-typo", {"status": "clsoed"}, "status"),
    ("status-unknown", {"status": "done"}, "status"),
    ("status-markup", {"status": MARKUP[0]}, "status"),
    ("evidence-withdrawn", {"evidence": "2"}, None),
    ("evidence-missing", {"evidence": "42"}, None),
    ("evidence-later", {"status": "closed", "evidence": "4", "on": "2017-04-01"}, "evidence"),
    ("due-month", {"due": "2017-03"}, "due"),
    ("due-before-agreed", {"due": "2017-03-01"}, "due"),
    ("note-escape", {"note": "ok\r\n\x1b]0;pwned\x07"}, "note"),
    ("note-nul", {"note": "a\x00b"}, "note"),
    ("note-long", {"note": "n" * 20_001}, "note"),
    ("note-markup-bad-day", {"note": MARKUP[1], "on": "soon"}, "on"),
]


@pytest.mark.parametrize(("changes", "field"), [case[1:] for case in ACTION_BAD],
                         ids=[case[0] for case in ACTION_BAD])  # fmt: skip
def test_a_bad_update_of_an_action_is_refused_in_the_command_lines_words(
    served, cli_library, cli, changes, field
):
    datasette, library = served
    before = dump(library)
    sent, page = Browser(datasette, MANAGER).submit("/-/actions/1/update", changes)
    assert_refused(page, sent, field, run_cli(cli, cli_library, update_args(1, sent)))
    assert dump(library) == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"evidence": "twelve"}, "evidence", "evidence 'twelve' must be an id, a whole number"
         " such as 12."),
        ({"evidence": "-1"}, "evidence", "evidence '-1' must be an id, a whole number such as 12."),
        ({"due": "2017-06-30", "no_due": "on"}, "due", "due '2017-06-30' is given, and so is"
         " 'It has no due date now': choose one."),
    ],
)  # fmt: skip
def test_what_only_the_form_can_get_wrong_is_said_beside_its_field(
    served, changes, field, message
):
    datasette, library = served
    before = dump(library)
    sent, page = Browser(datasette, MANAGER).submit("/-/actions/1/update", changes)
    assert_refused(page, sent, field, message)
    assert dump(library) == before


RAISE_BAD = [
    ("measure-typo", {"measure": "cp-vists"}, "measure"),
    ("measure-markup", {"measure": MARKUP[1]}, "measure"),
    ("period-month", {"period": "2017-13"}, "period"),
    ("period-day", {"period": "2017-02-14"}, "period"),
    ("period-no-figure", {"period": "2016-05"}, None),
    ("question-empty", {"question": " "}, "question"),
    ("question-two-lines", {"question": "Why\r\nso low?"}, "question"),
    ("question-markup-bad-day", {"question": MARKUP[0], "on": "2017-02-30"}, "on"),
    ("on-future", {"on": "2999-01-01"}, "on"),
]


@pytest.mark.parametrize(("changes", "field"), [case[1:] for case in RAISE_BAD],
                         ids=[case[0] for case in RAISE_BAD])  # fmt: skip
def test_a_bad_challenge_is_refused_in_the_command_lines_words(
    served, cli_library, cli, changes, field
):
    datasette, library = served
    before = dump(library)
    sent, page = Browser(datasette, MANAGER).submit(
        "/-/challenges/raise", {**RAISE_GOOD, **changes}
    )
    assert_refused(page, sent, field, run_cli(cli, cli_library, raise_args(sent)))
    assert dump(library) == before


RESOLVE_BAD = [
    ("resolved-already", 1, {}, None),
    ("cause-typo", 2, {"cause": "typo"}, "cause"),
    ("cause-markup", 2, {"cause": MARKUP[0]}, "cause"),
    ("answer-empty", 2, {"answer": ""}, "answer"),
    ("answer-escape", 2, {"answer": "a\x1b[2Jb"}, "answer"),
    ("answer-long", 2, {"answer": "a" * 2001}, "answer"),
    ("on-before-raised", 2, {"on": "2017-02-01"}, "on"),
    ("on-future", 2, {"on": "2999-01-01"}, "on"),
]


@pytest.mark.parametrize(("challenge", "changes", "field"), [case[1:] for case in RESOLVE_BAD],
                         ids=[case[0] for case in RESOLVE_BAD])  # fmt: skip
def test_a_bad_resolution_is_refused_in_the_command_lines_words(
    served, cli_library, cli, challenge, changes, field
):
    datasette, library = served
    before = dump(library)
    path = f"/-/challenges/{challenge}/resolve"
    sent, page = Browser(datasette, MANAGER).submit(path, {**RESOLVE_GOOD, **changes})
    assert_refused(page, sent, field, run_cli(cli, cli_library, resolve_args(challenge, sent)))
    assert dump(library) == before


ANSWER_BAD = [
    ("item-missing", {"with": "999"}, None),
    ("nothing", {}, None),
    ("before-asked", {"with": "1", "at": "2025-11-10 09:00"}, "at"),
    ("future", {"with": "1", "at": "2999-01-01 09:00"}, "at"),
    ("not-a-time", {"with": "1", "at": "tomorrow"}, "at"),
    ("note-markup-bad-time", {"with": "1", "note": MARKUP[0], "at": "soon"}, "at"),
]


@pytest.mark.parametrize(("changes", "field"), [case[1:] for case in ANSWER_BAD],
                         ids=[case[0] for case in ANSWER_BAD])  # fmt: skip
def test_a_bad_answer_to_a_request_is_refused_in_the_command_lines_words(
    served, cli_library, cli, changes, field
):
    datasette, library = served
    before = dump(library)
    sent, page = Browser(datasette, MANAGER).submit("/-/requests/1/answer", changes)
    assert_refused(page, sent, field, run_cli(cli, cli_library, answer_args(1, sent)))
    assert dump(library) == before


def test_an_item_handed_over_that_is_no_id_is_said_beside_its_field(served):
    datasette, library = served
    before = dump(library)
    sent, page = Browser(datasette, MANAGER).submit("/-/requests/1/answer", {"with": "1, x2"})
    assert_refused(page, sent, "with", "with 'x2' must be an id, a whole number such as 12.")
    assert dump(library) == before


@pytest.mark.parametrize(
    ("path", "args"),
    [
        ("/-/actions/7/update", ["action", "update", "7", "--status=closed"]),
        ("/-/challenges/9/resolve", ["challenge", "resolve", "9", "--cause=genuine",
                                     "--answer=x"]),
        ("/-/requests/99/answer", ["request", "answer", "99", "--with=1"]),
    ],
)  # fmt: skip
def test_a_record_that_does_not_exist_has_no_form(served, cli_library, cli, path, args):
    datasette, library = served
    before = dump(library)
    manager = Browser(datasette, MANAGER)
    message = run_cli(cli, cli_library, args)
    fields = form_for(manager, path, {"status": "closed", "cause": "genuine", "answer": "x",
                                      "with": "1"})  # fmt: skip
    for answer in (manager.get(path), manager.send(path, fields)):
        assert answer.status == 404, path
        assert message[0].upper() + message[1:] in answer.text
    assert dump(library) == before and leftovers(library) == []


def test_a_record_form_sent_twice_writes_once(fresh):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    for path, changes, what in (
        ("/-/actions/1/update", {"note": "Once"}, "the update"),
        ("/-/challenges/raise", {**RAISE_GOOD, "question": "Once?"}, "the challenge"),
        ("/-/challenges/2/resolve", RESOLVE_GOOD, "the answer"),
        ("/-/requests/1/answer", {"with": "1"}, "the answer"),
    ):
        fields = manager.fill(path, changes)
        first = manager.send(path, fields)
        said = manager.follow(first).messages
        after = dump(library)
        second = manager.send(path, fields)
        assert second.response.headers["location"] == first.response.headers["location"], path
        assert manager.follow(second).messages == [
            f"That form had been sent already, and {what} was saved then: nothing more was"
            " written. What was said then:",
            *said,
        ], path
        assert dump(library) == after, path
    assert rows(library, "SELECT count(*) FROM form_submissions") == [(4,)]
