"""The week the inspectors come: an inspection, its requests, and what was handed over.

Times are typed and shown in UK time and kept in UTC; each bad value is one Error line
with nothing written.
"""

import json
import sqlite3

import pytest
from conftest import SHARED, dump

NOTIFIED = "2025-11-10 10:30"  # a Monday


@pytest.fixture
def week(cli):
    """A library with an item of each kind the day-one list can take, and an inspection
    notified on a Monday morning."""
    cli.add("performance-report", "Performance report, October 2025", "2025-11-03", ("overall",))
    cli.add("audit", "Audit of plans", "2025-09-15", ("1",))
    cli.add("audit", "Audit of 2019", "2019-02-01", ("1",))
    cli("inspection", "start", "--notified", NOTIFIED, "--type", "standard", "--lead", "Lead HMI")
    return cli


def test_the_day_one_list_becomes_requests_each_proposing_what_the_library_holds(week):
    requests = {r["day_one"]: r for r in week.json("request", "list", "--as-of", NOTIFIED)}
    assert len(requests) == 12
    performance = requests["performance-report"]
    assert (performance["proposal"], performance["proposed_id"]) == ("current", 1)
    assert performance["due_display"] == "10 Nov 2025 17:00"
    assert performance["status"] == "open" and not performance["late"]
    assert (requests["audit-findings"]["proposal"], requests["audit-findings"]["proposed_id"]) == (
        "current",
        2,
    )
    assert requests["lado-annual-report"]["proposal"] == "missing"
    # On site the next working day: due at nine.
    assert requests["iro-annual-report"]["due_display"] == "11 Nov 2025 09:00"
    # Nothing counts as handed over until an answer confirms it.
    assert all(r["handed_over"] == [] for r in requests.values())


def test_a_second_open_inspection_is_refused(week, library_path):
    before = dump(library_path)
    result = week(
        "inspection", "start", "--notified", "2025-11-11 09:00", "--type", "short", expect=1
    )
    assert result.stderr.startswith(
        "Error: inspection 1 is still open (notified 10 Nov 2025 10:30)"
    )
    assert dump(library_path) == before


def test_a_request_is_answered_late_reopened_and_answered_again(week):
    week("request", "add", "Audits of children in care since April", "--due", "2025-11-11 12:00",
         "--area", "in-care", "--asked-by", "Lead HMI", "--owner", "Head of QA",
         "--at", "2025-11-10 15:00")  # fmt: skip
    (request,) = [r for r in week.json("request", "list") if not r["day_one"]]
    number = str(request["id"])
    assert request["areas"] == ["in-care"]
    week("request", "answer", number, "--with", "2", "--at", "2025-11-11 12:30")
    shown = week.json("request", "show", number)
    assert (shown["status"], shown["answered_late"], shown["late"]) == ("answered", True, True)
    assert [h["evidence_id"] for h in shown["handed_over"]] == [2]
    week("request", "reopen", number, "--reason", "and the 2019 audit", "--at", "2025-11-11 14:00")
    assert week.json("request", "show", number)["status"] == "open"
    week("request", "answer", number, "--with", "3", "--at", "2025-11-11 14:30")
    again = week.json("request", "show", number)
    assert [e["event"] for e in again["events"]] == ["answered", "reopened", "answered"]
    assert [h["evidence_id"] for h in again["handed_over"]] == [3]
    # As it stood before the first answer: open, and not yet late.
    before = week.json("request", "show", number, "--as-of", "2025-11-11 11:00")
    assert (before["status"], before["late"]) == ("open", False)
    late = [r["id"] for r in week.json("request", "list", "--late", "--as-of", "2025-11-11 13:00")]
    assert request["id"] in late
    timeline = week("inspection", "show").stdout
    assert "11 Nov 2025 12:30      request 13 answered late" in timeline
    assert "11 Nov 2025 14:00      request 13 reopened: and the 2019 audit" in timeline


def test_a_file_from_outside_the_library_is_recorded_by_name_and_hash_never_kept(
    week, tmp_path, library_path
):
    annex = tmp_path / "annex-a.csv"
    annex.write_text("child,dob\nA,2015-01-01\n")
    week("request", "add", "Annex A lists", "--due", "2025-11-10 17:00", "--at", NOTIFIED)
    week("request", "answer", "13", "--file", annex, "--at", "2025-11-10 16:00")
    (handed,) = week.json("request", "show", "13")["handed_over"]
    assert handed["name"] == "annex-a.csv" and handed["evidence_id"] is None
    import hashlib

    assert handed["sha256"] == hashlib.sha256(annex.read_bytes()).hexdigest()
    assert b"2015-01-01" not in library_path.read_bytes()
    assert not (library_path.parent / "files" / handed["sha256"][:2]).exists()


def test_a_child_story_that_may_name_a_child_is_not_handed_over(week, library_path):
    story = week.add(
        "child-story", "Jayden's story", "2025-10-01", ("1",),
        "--summary", "Jayden Smith, born 3 March 2015, moved to his aunt.",
    )  # fmt: skip
    week("request", "add", "Child stories", "--due", "2025-11-12 12:00", "--at", NOTIFIED)
    before = dump(library_path)
    result = week("request", "answer", "13", "--with", story, "--at", "2025-11-11 10:00", expect=1)
    assert result.stderr.startswith("Error: ")
    assert f"evidence {story}" in result.stderr
    assert dump(library_path) == before


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["request", "add", "Audits", "--due", "2025-11-09 12:00"],
         "Error: due '2025-11-09 12:00' is before the inspection was notified (10 Nov 2025 10:30)."),
        (["request", "add", "Audits", "--due", "2026-03-29 01:30"],
         "Error: due '2026-03-29 01:30' does not exist in the UK: the clocks go forward an hour then."),
        (["request", "add", "Audits", "--due", "2026-10-25 01:30"],
         "Error: due '2026-10-25 01:30' happens twice in the UK, as the clocks go back: add the"
         ' offset, "2026-10-25 01:30 +01:00" (summer time) or "2026-10-25 01:30 +00:00".'),
        (["request", "add", "Audits", "--due", "tomorrow"],
         "Error: due 'tomorrow' is not a time: give the day and UK time"),
        (["request", "add", "Audits", "--due", "2025-11-12 12:00", "--area", "2.1", "--at", NOTIFIED],
         "Error: area '2.1' is not a known area"),
        (["request", "answer", "1", "--with", "999"], "Error: evidence 999 does not exist."),
        (["request", "answer", "99", "--with", "1"], "Error: request 99 does not exist."),
        (["request", "answer", "1"], "Error: nothing handed over"),
        (["request", "answer", "1", "--with", "1", "--at", "2025-11-10 09:00"],
         "Error: at '2025-11-10 09:00' is before the request was asked (10 Nov 2025 10:30)."),
        (["request", "answer", "1", "--with", "1", "--at", "2999-01-01 09:00"],
         "Error: at '2999-01-01 09:00' is in the future."),
        (["request", "reopen", "1", "--reason", "more"],
         "Error: request 1 is open: only an answered one can be reopened."),
        (["inspection", "end", "--on", "2025-11-09"],
         "Error: on '2025-11-09' is before the inspection was notified."),
    ],
)  # fmt: skip
def test_bad_values_are_one_error_and_write_nothing(week, library_path, args, error):
    before = dump(library_path)
    result = week(*args, expect=1)
    assert result.stderr.startswith(error), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert dump(library_path) == before


def test_a_withdrawn_request_cannot_be_answered(week, library_path):
    week("request", "withdraw", "3", "--reason", "asked twice", "--at", "2025-11-10 11:00")
    before = dump(library_path)
    result = week("request", "answer", "3", "--with", "1", expect=1)
    assert result.stderr.strip() == "Error: request 3 was withdrawn: it cannot be answered."
    assert dump(library_path) == before


def test_an_ended_inspection_takes_no_more_and_a_new_one_may_start(week, library_path):
    week("inspection", "end", "--on", "2025-11-21")
    result = week("request", "add", "More", "--due", "2025-11-22 12:00", expect=1)
    assert result.stderr.strip().startswith("Error: no inspection is open")
    result = week("request", "answer", "1", "--with", "1", expect=1)
    assert "which ended on 21 Nov 2025" in result.stderr
    week("inspection", "start", "--notified", "2025-12-01 09:00", "--type", "focused-visit")
    listed = week("inspection", "list").stdout.splitlines()
    assert [line.split()[0] for line in listed] == ["1", "2"]
    assert "ended 21 Nov 2025" in listed[0] and listed[1].endswith("open")


def test_the_type_is_one_the_framework_has(cli, library_path):
    cli.add()
    before = dump(library_path)
    result = cli(
        "inspection", "start", "--notified", NOTIFIED, "--type", "re-inspection", expect=1
    )
    assert result.stderr.startswith("Error: type 're-inspection' is not a known type.")
    result = cli(
        "inspection", "start", "--notified", "2999-01-01 09:00", "--type", "short", expect=1
    )
    assert result.stderr.strip() == "Error: notified '2999-01-01 09:00' is in the future."
    assert dump(library_path) == before
    cli(
        "inspection",
        "start",
        "--notified",
        NOTIFIED,
        "--type",
        "re-inspection",
        "--framework",
        "sif",
    )


def test_times_are_shown_in_uk_time_and_kept_in_utc(cli, library_path):
    cli.add()
    cli("inspection", "start", "--notified", "2025-07-01 09:00", "--type", "short")
    conn = sqlite3.connect(library_path)
    assert conn.execute("SELECT notified_at FROM inspections").fetchone() == (
        "2025-07-01T08:00:00Z",
    )
    conn.close()
    shown = cli.json("inspection", "show")
    assert shown["notified_display"] == "1 Jul 2025 09:00"
    cli("request", "add", "Data", "--due", "2025-10-26 01:30 +01:00", "--at", "2025-07-01 10:00")
    cli(
        "request",
        "add",
        "More data",
        "--due",
        "2025-10-26 01:30 +00:00",
        "--at",
        "2025-07-01 10:00",
    )
    dues = [r["due_display"] for r in cli.json("request", "list") if not r["day_one"]]
    assert dues == ["26 Oct 2025 01:30 BST", "26 Oct 2025 01:30 GMT"]


def test_markup_and_look_alike_letters_are_kept_as_words(week):
    text = "<script>alert(1)</script> Аudits & <b>plans</b>"  # a Cyrillic А
    week(
        "request",
        "add",
        text,
        "--due",
        "2025-11-12 12:00",
        "--owner",
        "<i>QA</i>",
        "--at",
        NOTIFIED,
    )
    (request,) = [r for r in week.json("request", "list") if not r["day_one"]]
    assert (request["text"], request["owner"]) == (text, "<i>QA</i>")
    assert text in week("request", "list").stdout


def test_the_published_report_is_linked_to_its_inspection_week(cli, tmp_path):
    report = SHARED / "fixtures" / "ofsted" / "birmingham-ilacs-2023-04-18.pdf"
    if not report.exists():
        pytest.skip(f"the shared fixtures are not beside the project ({report} is absent)")
    cli.add()
    cli("inspection", "start", "--notified", "2023-02-17 10:00", "--type", "standard",
        "--on-site", "2023-02-20")  # fmt: skip
    cli("inspection", "end", "--on", "2023-03-03")
    logged = cli("report", report).stdout
    assert "It is the report of inspection 1." in logged
    shown = cli("inspection", "show", "1").stdout
    assert (
        "Report: evidence 2, Ofsted ILACS 2023 standard inspection of Birmingham City Council:"
        " overall good." in shown
    )
    assert json.loads(cli("inspection", "list", "--json").stdout)[0]["report_id"] == 2


def test_times_the_library_records_are_shown_in_uk_time(cli):
    from evidence.cli.render import stamp

    assert stamp("2026-07-25T18:40:00Z") == "25 Jul 2026 19:40"
    assert stamp("2026-01-25T18:40:00Z") == "25 Jan 2026 18:40"
    cli.add()
    logged = next(line for line in cli("show", "1").stdout.splitlines() if "Logged" in line)
    assert "UTC" not in logged


def test_a_file_or_a_note_that_may_identify_a_child_is_refused(week, tmp_path, library_path):
    week("request", "add", "Annex A lists", "--due", "2025-11-10 17:00", "--at", NOTIFIED)
    named = tmp_path / "child born 03-03-2015.xlsx"
    named.write_bytes(b"x")
    before = dump(library_path)
    result = week("request", "answer", "13", "--file", named, "--at", "2025-11-10 16:00", expect=1)
    assert result.stderr.startswith(
        "Error: what would be recorded of this answer may identify a child ("
    )
    result = week("request", "answer", "13", "--note", "Sent for the boy at SW1A 1AA",
                  "--at", "2025-11-10 16:00", expect=1)  # fmt: skip
    assert "may identify a child" in result.stderr
    assert dump(library_path) == before


def test_the_demo_week_in_its_pack_and_its_late_requests(cli, tmp_path):
    cli("demo")
    late = cli.json("request", "list", "--late", "--as-of", "2018-03-31")
    assert [(r["id"], r["status"]) for r in late] == [
        (4, "answered"), (8, "answered"), (11, "answered"), (19, "answered"),
        (20, "answered"), (26, "answered"),
    ]  # fmt: skip
    from pypdf import PdfReader

    pack = tmp_path / "week.pdf"
    cli("pack", "--as-of", "2018-03-14", "--out", pack)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pack).pages).split())
    assert "This inspection" in text
    assert "As of 14 Mar 2018 23:59 (UK time): 23 requests, 2 open (1 late)" in text


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["request", "add", "Audits", "--due", "0999-01-01 10:00"],
         "Error: due '0999-01-01 10:00' is not in a year the library keeps (1900 to 9998)."),
        (["request", "add", "Audits", "--due", "0001-01-01 00:00 +00:00"],
         "Error: due '0001-01-01 00:00 +00:00' is not in a year the library keeps"),
        (["request", "list", "--as-of", "9999-12-31"],
         "Error: as_of '9999-12-31' is not in a year the library keeps (1900 to 9998)."),
        (["inspection", "show", "--as-of", "1066-10-14 09:00"],
         "Error: as_of '1066-10-14 09:00' is not in a year the library keeps"),
    ],
)  # fmt: skip
def test_a_time_in_a_year_out_of_reach_is_one_error(week, library_path, args, error):
    """A year of fewer than four digits broke the stored form (and was reported as a
    damaged library); the first and the last day of the calendar crashed working out UTC."""
    before = dump(library_path)
    result = week(*args, expect=1)
    assert result.stderr.startswith(error), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert dump(library_path) == before


def test_an_event_is_not_recorded_before_one_already_recorded(week, library_path):
    """Withdrawn at 13:00, recorded after an answer at 14:00, left the request answered;
    an answer at 11:00 recorded after one at 14:00 made two answers with no reopening."""
    week("request", "add", "Audits", "--due", "2025-11-11 12:00", "--at", "2025-11-10 15:00")
    week("request", "answer", "13", "--with", "1", "--at", "2025-11-11 14:00")
    before = dump(library_path)
    result = week("request", "withdraw", "13", "--reason", "asked twice",
                  "--at", "2025-11-11 13:00", expect=1)  # fmt: skip
    assert result.stderr.strip() == (
        "Error: at '2025-11-11 13:00' is before the last thing recorded of request 13"
        " (answered 11 Nov 2025 14:00)."
    )
    result = week("request", "answer", "13", "--note", "sent by hand",
                  "--at", "2025-11-11 11:00", expect=1)  # fmt: skip
    assert "is before the last thing recorded of request 13" in result.stderr
    assert dump(library_path) == before
    # At the same second, after it: kept in the order recorded.
    week("request", "reopen", "13", "--reason", "more", "--at", "2025-11-11 14:00")
    week("request", "withdraw", "13", "--reason", "asked twice", "--at", "2025-11-11 14:00")
    shown = week.json("request", "show", "13")
    assert shown["status"] == "withdrawn"
    assert [e["event"] for e in shown["events"]] == ["answered", "reopened", "withdrawn"]


@pytest.mark.parametrize(
    "args",
    [
        ["request", "add", "Audits", "--due", "2999-01-02 12:00", "--at", "2999-01-01 09:00"],
        ["request", "add", "Audits", "--due", "2999-01-02 12:00", "--at", "2999-01-01 09:00",
         "--json"],
        ["request", "withdraw", "1", "--reason", "asked twice", "--at", "2999-01-01 09:00"],
    ],
)  # fmt: skip
def test_a_request_or_its_withdrawal_is_not_recorded_in_the_future(week, library_path, args):
    """`request add --at` in the future was kept (and with --json, kept then reported as an
    error); a withdrawal in the future was kept too."""
    before = dump(library_path)
    result = week(*args, expect=1)
    assert result.stderr.strip() == "Error: at '2999-01-01 09:00' is in the future."
    assert dump(library_path) == before


def test_a_request_is_not_due_before_it_was_asked(week, library_path):
    before = dump(library_path)
    result = week("request", "add", "Audits", "--due", "2025-11-10 11:00",
                  "--at", "2025-11-10 15:00", expect=1)  # fmt: skip
    assert result.stderr.strip() == (
        "Error: due '2025-11-10 11:00' is before the request was asked (10 Nov 2025 15:00)."
    )
    assert dump(library_path) == before


def test_an_inspection_does_not_end_before_what_was_recorded_in_it(week, library_path):
    """Ended on the 11th with an answer on the 14th, the timeline showed it answered after
    the end, and the pack of the 14th had no inspection in it."""
    week("request", "add", "Audits", "--due", "2025-11-14 12:00", "--at", "2025-11-12 15:00")
    week("request", "answer", "13", "--with", "1", "--at", "2025-11-14 11:00")
    before = dump(library_path)
    result = week("inspection", "end", "--on", "2025-11-11", expect=1)
    assert result.stderr.strip() == (
        "Error: on '2025-11-11' is before the last thing recorded in inspection 1"
        " (14 Nov 2025 11:00)."
    )
    assert dump(library_path) == before
    week("inspection", "end", "--on", "2025-11-14")


def test_a_blank_note_is_not_an_answer(week, library_path):
    before = dump(library_path)
    result = week("request", "answer", "1", "--note", "   ", expect=1)
    assert result.stderr.startswith("Error: nothing handed over")
    assert dump(library_path) == before


def test_who_asked_and_the_lead_inspector_are_checked_before_they_are_printed(week, tmp_path):
    """The bundle printed who asked, and the pack the lead inspector, unchecked."""
    week("request", "add", "Audits", "--due", "2025-11-11 12:00", "--at", "2025-11-10 15:00",
         "--asked-by", "HMI, for the boy at SW1A 1AA")  # fmt: skip
    week("request", "answer", "13", "--with", "1", "--at", "2025-11-11 11:00")
    result = week("inspection", "bundle", "--out", tmp_path / "handed.zip", expect=1)
    assert result.stderr.startswith("Error: request 13 ('SW1A 1AA') may identify a child")
    assert not (tmp_path / "handed.zip").exists()
    week("inspection", "end", "--on", "2025-11-11")
    week("inspection", "start", "--notified", "2025-12-01 09:00", "--type", "short",
         "--lead", "Lead HMI, re the girl born 03/03/2015")  # fmt: skip
    result = week("pack", "--as-of", "2025-12-01", "--out", tmp_path / "pack.pdf", expect=1)
    assert "Error: inspection 2 ('born 03/03/2015') may identify a child" in result.stderr
    assert not (tmp_path / "pack.pdf").exists()


def test_a_call_after_five_does_not_make_the_day_one_list_late_at_once(cli):
    cli.add()
    cli("inspection", "start", "--notified", "2025-11-10 18:30", "--type", "standard")
    assert cli.json("request", "list", "--late", "--as-of", "2025-11-10 18:31") == []


def test_as_of_a_time_in_an_earlier_inspection_shows_that_inspection(week):
    week("inspection", "end", "--on", "2025-11-14")
    week("inspection", "start", "--notified", "2025-12-01 09:00", "--type", "short")
    assert week.json("inspection", "show", "--as-of", "2025-11-11 12:00")["id"] == 1
    assert len(week.json("request", "list", "--as-of", "2025-11-11 12:00")) == 12


def test_a_request_or_answer_that_may_name_a_child_is_warned_of_and_can_be_erased(week):
    added = week("request", "add", "Jayden Smith's case file and chronology",
                 "--due", "2025-11-11 12:00", "--at", NOTIFIED)  # fmt: skip
    assert added.stderr.strip() == (
        "Warning: request 13 may name a child ('Jayden Smith's'); the pack and the handed-over"
        " bundle print it. If it does, erase the words with `evidence purge --text WORDS"
        " --reason R`."
    )
    answered = week("request", "answer", "13", "--with", "1", "--note", "Sent to Amelia Jones",
                    "--at", "2025-11-10 16:00")  # fmt: skip
    assert "Warning: the answer to request 13 may name a child ('Amelia Jones')" in answered.stderr
    week("purge", "--text", "Jayden Smith", "--reason", "a child named", "--yes")
    assert "Jayden" not in week.json("request", "show", "13")["text"]
    clean = week("request", "add", "The MASH's threshold document", "--due", "2025-11-11 12:00",
                 "--at", NOTIFIED)  # fmt: skip
    assert clean.stderr == ""


def test_an_inspection_is_under_the_framework_in_force_unless_another_is_given(cli):
    cli.add()
    cli("inspection", "start", "--notified", NOTIFIED, "--type", "short")
    assert cli.json("inspection", "show")["framework"] == "ilacs-2023"
    assert "[default: ilacs-2023]" in " ".join(cli("inspection", "start", "--help").stdout.split())
