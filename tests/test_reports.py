"""`evidence report`: a published Ofsted report read from its PDF and logged whole.

The real reports are read from ../shared/fixtures/ofsted/; each expectation is what a
person reading the PDF sees there. Reports made here (with WeasyPrint) follow Ofsted's
conventions, to try what the real ones never do: a judgement doubled, a grade that is
none of the four, a list that never ends, markup, look-alike letters.
"""

import functools
import html
import json
import sqlite3

import pytest
from conftest import SHARED, dump
from pypdf import PdfReader
from typer.testing import CliRunner

from evidence.cli import full_app

OFSTED = SHARED / "fixtures" / "ofsted"
RI = "requires-improvement"


def fixture(name: str):
    path = OFSTED / name
    if not path.exists():
        pytest.skip(f"the shared fixtures are not beside the project ({path} is absent)")
    return path


# What each report's first page and recommendations say, as a person reads them.
REPORTS = {
    "birmingham-sif-2014-05-23.pdf": {
        "council": "Birmingham City Council",
        "framework": "sif",
        "inspection": "inspection",
        "lscb_review": True,
        "inspection_start": "2014-03-18",
        "inspection_end": "2014-04-09",
        "published": "2014-05-23",
        "grades": {
            "overall": "inadequate",
            "1": "inadequate",
            "2": "inadequate",
            "2.1": "inadequate",
            "2.2": "inadequate",
            "3": "inadequate",
            "lscb": "inadequate",
        },
        "count": 28,
        "first": "Strengthen operational and senior management arrangements so that there is"
        " sufficient capacity and experience to tackle the deficiencies in the service.",
        "last": "Ensure that learning from serious case reviews is used effectively to inform"
        " practice and that audits begin to demonstrate that learning is having an impact on"
        " improving practice across partner agencies.",
    },
    "barnsley-sif-2014-08-08.pdf": {
        "council": "Metropolitan Borough of Barnsley Council",
        "framework": "sif",
        "inspection": "inspection",
        "lscb_review": True,
        "inspection_start": "2014-06-02",
        "inspection_end": "2014-06-25",
        "published": "2014-08-08",
        "grades": {
            "overall": RI,
            "1": RI,
            "2": RI,
            "2.1": RI,
            "2.2": "good",
            "3": RI,
            "lscb": RI,
        },
        "count": 32,
        "first": "The local authority and its partners need to build upon and embed their Think"
        " Family Strategy to ensure the overarching approach to early help is properly"
        " understood and implemented across the partnership. This should include developing"
        " a system to evaluate its effectiveness.",
        "last": "Develop an effective model for evaluating the impact of training on"
        " safeguarding practice.",
    },
    "norfolk-sif-2015-10-20.pdf": {
        "council": "Norfolk County Council",
        "framework": "sif",
        "inspection": "inspection",
        "lscb_review": True,
        "inspection_start": "2015-07-06",
        "inspection_end": "2015-07-30",
        "published": "2015-10-19",
        "grades": {
            "overall": "inadequate",
            "1": RI,
            "2": "inadequate",
            "2.1": RI,
            "2.2": "inadequate",
            "3": RI,
            "lscb": RI,
        },
        "count": 25,
        "first": "Strengthen management oversight in the MASH to improve the quality of"
        " decisions being made, so that children who require a social work intervention are"
        " assessed quickly and assessment findings are recorded promptly (paragraph 25).",
        "last": "Complete the review of the Board’s threshold guidance and monitor its"
        " application across the partnership to ensure compliance and challenge when required"
        " (paragraph 148).",
    },
    "birmingham-sif-2016-11-25.pdf": {
        "council": "Birmingham",
        "framework": "sif",
        "inspection": "re-inspection",
        "lscb_review": False,
        "inspection_start": "2016-09-12",
        "inspection_end": "2016-10-06",
        "published": "2016-11-25",
        "grades": {
            "overall": "inadequate",
            "1": "inadequate",
            "2": RI,
            "2.1": RI,
            "2.2": RI,
            "3": "inadequate",
        },
        "count": 17,
        "first": "Strengthen the management oversight, systems and processes in the MASH to"
        " ensure appropriate application of the thresholds, effective decision-making and a"
        " consistent response.",
        "last": "Strengthen assessments and plans to ensure that they fully reflect and respond"
        " to all children’s and young people’s diverse needs.",
    },
    "bracknell-forest-sif-2017-07-14.pdf": {
        "council": "Bracknell Forest",
        "framework": "sif",
        "inspection": "inspection",
        "lscb_review": True,
        "inspection_start": "2017-04-28",
        "inspection_end": "2017-05-25",
        "published": "2017-07-14",
        "grades": {
            "overall": "good",
            "1": "good",
            "2": "outstanding",
            "2.1": "outstanding",
            "2.2": "outstanding",
            "3": "good",
            "lscb": "good",
        },
        "count": 7,
        "first": "Ensure that performance management systems support the evaluation of the"
        " effectiveness of early help services in order to inform future planning and"
        " commissioning arrangements.",
        "last": "Review and strengthen the performance dataset in order for it to assist the"
        " board to measure outcomes against its business priorities.",
    },
    "barnsley-ilacs-2018-11-19.pdf": {
        "council": "Barnsley",
        "framework": "ilacs-2018",
        "inspection": "standard",
        "lscb_review": None,
        "inspection_start": "2018-10-08",
        "inspection_end": "2018-10-19",
        "published": None,
        "grades": {
            "overall": "good",
            "leaders": "good",
            "help-protection": "good",
            "in-care-and-care-leavers": "good",
        },
        "count": 4,
        "first": "Risk assessment and the understanding of the wider risks to which young"
        " people are exposed in the community, including the timeliness and quality of return"
        " home interviews when children are reported missing from home and care.",
        "last": "The rigour of audit and dip sampling activity and how data informs an"
        " understanding of the quality of practice and timeliness performance for initial"
        " child protection case conferences.",
    },
    "birmingham-ilacs-2019-01-17.pdf": {
        "council": "Birmingham City Council",
        "framework": "ilacs-2018",
        "inspection": "standard",
        "lscb_review": None,
        "inspection_start": "2018-12-03",
        "inspection_end": "2018-12-14",
        "published": None,
        "grades": {
            "overall": RI,
            "leaders": RI,
            "help-protection": RI,
            "in-care-and-care-leavers": RI,
        },
        "count": 6,
        "first": "The quality, effectiveness and pace of partnership working with external"
        " agencies, including partner-led early help services.",
        "last": "The impact of the virtual school in improving provision for children in care.",
    },
    "reading-ilacs-2019-10-28.pdf": {
        "council": "Reading Borough Council",
        "framework": "ilacs-2018",
        "inspection": "standard",
        "lscb_review": None,
        "inspection_start": "2019-09-16",
        "inspection_end": "2019-09-27",
        "published": None,
        "grades": {
            "overall": RI,
            "leaders": RI,
            "help-protection": RI,
            "in-care-and-care-leavers": RI,
        },
        "count": 7,
        "first": "The quality of assessment, planning and provision for children in need, 16-"
        " and 17-year-old young people who are homeless, children living in private fostering"
        " arrangements and children living with connected carers.",
        "last": "The stability of the workforce to reduce the numbers of changes of social"
        " workers for children.",
    },
    "norfolk-ilacs-2023-01-13.pdf": {
        "council": "Norfolk",
        "framework": "ilacs-2018",  # fieldwork in November 2022: children in care judged with care leavers
        "inspection": "standard",
        "lscb_review": None,
        "inspection_start": "2022-11-07",
        "inspection_end": "2022-11-18",
        "published": None,
        "grades": {
            "overall": "good",
            "leaders": "good",
            "help-protection": "good",
            "in-care-and-care-leavers": "good",
        },
        "count": 3,
        "first": "The practice response to children aged 16 and 17 who present as homeless.",
        "last": "Decision-making, practice and support to children placed within their family"
        " and friends networks, which also ensures that carers are well supported and"
        " regulation requirements are consistently met.",
    },
    "birmingham-ilacs-2023-04-18.pdf": {
        "council": "Birmingham City Council",
        "framework": "ilacs-2023",
        "inspection": "standard",
        "lscb_review": None,
        "inspection_start": "2023-02-20",
        "inspection_end": "2023-03-03",
        "published": None,
        "grades": {
            "overall": "good",
            "leaders": "good",
            "help-protection": "good",
            "in-care": "good",
            "care-leavers": "good",
        },
        "count": 4,
        "first": "The effectiveness of the response to domestic abuse.",
        "last": "Consistency of written plans.",
    },
    "barnsley-ilacs-short-2023-10-27.pdf": {
        "council": "Barnsley",
        "framework": "ilacs-2023",
        "inspection": "short",  # fieldwork of five working days, 11 to 15 September 2023
        "lscb_review": None,
        "inspection_start": "2023-09-11",
        "inspection_end": "2023-09-15",
        "published": None,
        "grades": {
            "overall": "good",
            "leaders": "good",
            "help-protection": RI,
            "in-care": "good",
            "care-leavers": "good",
        },
        "count": 4,
        "first": "The engagement of multi-agency partners, including in key decision-making"
        " meetings for children in need of help and protection, and the quality of referrals"
        " they make to children’s social care.",
        "last": "The record of achievements and targets within personal education plans.",
    },
}


@functools.cache
def read_all() -> dict[str, dict]:
    """Every readable fixture, read by one dry run, as its JSON says."""
    paths = [fixture(name) for name in REPORTS]
    result = CliRunner().invoke(full_app(), ["report", *map(str, paths), "--dry-run", "--json"])
    assert result.exit_code == 0, result.stderr
    return {entry["file"].rsplit("/", 1)[-1]: entry for entry in json.loads(result.stdout)}


@pytest.mark.parametrize("name", REPORTS)
def test_every_real_report_is_read_as_a_person_reads_it(name):
    read = read_all()[name]
    expected = REPORTS[name]
    for key in (
        "council",
        "framework",
        "inspection",
        "lscb_review",
        "inspection_start",
        "inspection_end",
        "published",
        "grades",
    ):
        assert read[key] == expected[key], key
    recommendations = read["recommendations"]
    assert len(recommendations) == expected["count"]
    assert recommendations[0] == expected["first"]
    assert recommendations[-1] == expected["last"]
    # Whole items, without page furniture: no page number, running header or bullet.
    for text in recommendations:
        assert "Inspection of" not in text and "\uf0a7" not in text and "◼" not in text
        assert text[0].isupper() and not text.endswith(" ")
    assert read["sha256"] and len(read["sha256"]) == 64
    assert "item" not in read  # a dry run writes nothing


def test_a_recommendation_with_its_own_list_keeps_every_line_of_it():
    read = read_all()["norfolk-sif-2015-10-20.pdf"]
    (eighth,) = [r for r in read["recommendations"] if r.startswith("Implement the following")]
    lines = eighth.split("\n")
    assert lines[0] == (
        "Implement the following areas for improvement from the previous looked after"
        " children inspection:"
    )
    assert lines[1:] == [
        "• improve capacity within the Independent Reviewing Service so that caseloads are"
        " reduced and social work practice is better scrutinised to prevent drift and delay"
        " for children (paragraphs 58, 59, 127)",
        "• improve the timeliness and quality of health assessments for looked after children"
        " (paragraph 54)",
        "• improve the quality of personal education plans for looked after children"
        " (paragraph 55)",
        "• encourage more looked after children to take up advocacy to enable them to fully"
        " participate in their reviews (paragraph 60).",
    ]


def test_strengths_numbered_after_the_recommendations_are_not_recommendations():
    # Barnsley 2014 numbers "The local authority has the following strengths" on from 35.
    read = read_all()["barnsley-sif-2014-08-08.pdf"]
    assert not [r for r in read["recommendations"] if r.startswith("When children are at risk")]


def test_the_report_of_an_older_framework_is_refused(cli, library_path):
    old = fixture("norfolk-2013-08-16.pdf")
    cli.add()
    before = dump(library_path)
    result = cli("report", old, expect=1)
    assert result.stderr.strip().splitlines() == [
        f"Error: file '{old}' is not a report of a framework the library knows: its first page"
        " has neither the SIF's nor ILACS's table of judgements."
    ]
    assert dump(library_path) == before


def test_a_report_is_logged_whole_and_shows_everywhere(cli, library_path, tmp_path):
    report = fixture("birmingham-ilacs-2023-04-18.pdf")
    result = cli("report", report)
    assert result.stdout.splitlines()[0] == (
        "Logged evidence 1: Ofsted ILACS 2023 standard inspection of Birmingham City Council:"
        " overall good, dated 3 Mar 2023; 5 grades and 4 actions."
    )
    item = cli.json("show", "1")
    assert item["kind"] == "inspection-report"
    assert item["date"] == "2023-03-03"  # ILACS reports print no publication date
    assert [file["name"] for file in item["files"]] == [report.name]
    table = cli.json("grades", "--framework", "ilacs-2023")
    assert [(a["code"], a["grade"], a["source_id"]) for a in table["areas"]] == [
        ("leaders", "good", 1),
        ("help-protection", "good", 1),
        ("in-care", "good", 1),
        ("care-leavers", "good", 1),
        ("overall", "good", 1),
    ]
    actions = cli.json("action", "list")
    assert [a["text"] for a in actions] == [
        "The effectiveness of the response to domestic abuse.",
        "Earlier pre-birth assessments to support early permanence planning, and timely action"
        " to progress permanence plans for children in stable placements through changes to"
        " legal status.",
        "Earlier engagement of personal advisers for children leaving care.",
        "Consistency of written plans.",
    ]
    for action in actions:
        assert action["source_id"] == 1 and action["agreed_on"] == "2023-03-03"
        assert action["due_on"] is None and action["owner"] is None
        assert action["overdue"] is False and action["areas"] == ["ilacs-2023:overall"]
    # "unregistered" is on page 7 alone: the whole PDF is searchable.
    assert [i["id"] for i in cli.json("list", "--search", "unregistered")] == [1]
    readiness = cli.json("readiness", "--framework", "ilacs-2023")
    overall = next(a for a in readiness if a["code"] == "overall")
    assert overall["grade"]["grade"] == "good"
    assert overall["actions"]["open"] == 4
    pack = tmp_path / "pack.pdf"
    cli("pack", "--framework", "ilacs-2023", "--out", pack)
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(pack).pages).split())
    assert "Consistency of written plans." in text
    assert "Ofsted ILACS 2023 standard inspection of Birmingham City Council" in text
    # Again: nothing is added.
    before = dump(library_path)
    again = cli("report", report)
    assert again.stdout.strip() == (
        f"{report.name} is already in the library as evidence 1. Nothing was written for it."
    )
    assert dump(library_path) == before


def test_another_councils_reports_are_refused_each_by_name_then_logged_alone(cli, library_path):
    sif = [fixture(name) for name in REPORTS if "-sif-" in name]
    assert len(sif) == 5
    cli("settings", "--council", "Birmingham City Council")
    before = dump(library_path)
    result = cli("report", *sif, expect=1)
    errors = result.stderr.strip().splitlines()
    assert errors == [
        f"Error: file '{path}' is a report on {council}, not Birmingham City Council: add"
        " --other-council to log it as another council's (the item alone, without grades or"
        " actions)."
        for path, council in zip(
            sorted(sif, key=lambda p: [n for n in REPORTS].index(p.name)),
            [REPORTS[p.name]["council"] for p in sif],
            strict=True,
        )
        if council != "Birmingham City Council" and council != "Birmingham"
    ]
    assert len(errors) == 3
    assert dump(library_path) == before
    cli("report", *sif, "--other-council")
    items = cli.json("list")
    assert len(items) == 5
    graded = {
        row[0] for row in sqlite3.connect(library_path).execute("SELECT source_id FROM grades")
    }
    sources = {a["source_id"] for a in cli.json("action", "list")}
    birmingham = {i["id"] for i in items if "Birmingham" in i["title"]}
    assert graded == sources == birmingham and len(birmingham) == 2
    assert len(cli.json("action", "list")) == 28 + 17
    others = [cli.json("show", str(i["id"])) for i in items if i["id"] not in birmingham]
    assert sorted(item["source"] for item in others) == [
        "Bracknell Forest",
        "Metropolitan Borough of Barnsley Council",
        "Norfolk County Council",
    ]


# Reports made here, in Ofsted's conventions.

ILACS_2023 = [
    "Inspection of Testshire County Council local authority",
    "children’s services",
    "Inspection dates: 6 to 17 March 2023",
    "Lead inspector: A Person, His Majesty’s Inspector",
    "Judgement Grade",
    "The impact of leaders on social work practice with children and families",
    "Good",
    "The experiences and progress of children who need help and protection",
    "Requires improvement to be good",
    "The experiences and progress of children in care",
    "Good",
    "The experiences and progress of care leavers",
    "Outstanding",
    "Overall effectiveness Good",
    "Services have improved.",
]
NEEDS = [
    "What needs to improve?",
    "◼ The quality of plans.",
    "◼ The timeliness of visits.",
    "The experiences and progress of children who need help and",
    "protection: requires improvement to be good",
    "1. Children are seen.",
]


def make_report(path, pages):
    from weasyprint import HTML

    body = "".join(
        "<section>" + "".join(f"<div>{html.escape(line)}</div>" for line in lines) + "</section>"
        for lines in pages
    )
    style = "@page{size:A4;margin:2cm} section{break-after:page} div{font:10pt sans-serif}"
    HTML(string=f"<style>{style}</style>{body}").write_pdf(path)
    return path


def test_a_report_in_the_conventions_is_read(cli, tmp_path):
    report = make_report(tmp_path / "testshire.pdf", [ILACS_2023, NEEDS])
    (read,) = cli.json("report", report, "--dry-run")
    assert read["council"] == "Testshire County Council"
    assert read["grades"] == {
        "overall": "good",
        "leaders": "good",
        "help-protection": RI,
        "in-care": "good",
        "care-leavers": "outstanding",
    }
    assert read["recommendations"] == ["The quality of plans.", "The timeliness of visits."]


def refused(cli, library_path, *paths, reason):
    cli.add()
    before = dump(library_path)
    result = cli("report", *paths, expect=1)
    assert dump(library_path) == before
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("Error: file '"), errors
    assert reason in errors[0], errors[0]
    return errors[0]


def test_a_judgement_given_twice_is_refused(cli, library_path, tmp_path):
    doubled = ILACS_2023[:7] + ILACS_2023[5:7] + ILACS_2023[7:]
    report = make_report(tmp_path / "twice.pdf", [doubled, NEEDS])
    refused(cli, library_path, report, reason="grades 'The impact of leaders")


def test_a_grade_that_is_none_of_the_four_is_refused(cli, library_path, tmp_path):
    adequate = [("Adequate" if line == "Outstanding" else line) for line in ILACS_2023]
    report = make_report(tmp_path / "adequate.pdf", [adequate, NEEDS])
    refused(cli, library_path, report, reason="its grades are not certain")


def test_a_judgement_the_library_does_not_know_is_refused(cli, library_path, tmp_path):
    odd = ILACS_2023[:13] + ["The experiences of inspectors", "Good"] + ILACS_2023[13:]
    report = make_report(tmp_path / "odd.pdf", [odd, NEEDS])
    refused(cli, library_path, report, reason="a judgement the library does not know")


def test_a_list_of_recommendations_with_no_end_is_refused(cli, library_path, tmp_path):
    endless = [["What needs to improve?"] + [f"◼ Item {n}." for n in range(40)]] * 8
    report = make_report(tmp_path / "endless.pdf", [ILACS_2023, *endless])
    refused(cli, library_path, report, reason="whose end could not be found")


def test_a_scanned_report_is_refused_with_what_to_do(cli, library_path, tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    scanned = tmp_path / "scanned.pdf"
    with scanned.open("wb") as handle:
        writer.write(handle)
    error = refused(cli, library_path, scanned, reason="has no text to read (a scanned report?)")
    assert "evidence add --file" in error


def test_a_random_pdf_and_a_file_that_is_no_pdf_are_refused(cli, library_path, tmp_path):
    minutes = make_report(tmp_path / "minutes.pdf", [["Minutes of the board", "Present: all"]])
    refused(cli, library_path, minutes, reason="is not a report of a framework the library knows")
    fake = tmp_path / "fake.pdf"
    fake.write_text("<html><body>Inspection dates: 1 to 5 May 2023</body></html>")
    refused(cli, library_path, fake, reason="is not a PDF.")


def test_a_damaged_pdf_is_refused(cli, library_path, tmp_path):
    real = fixture("birmingham-ilacs-2023-04-18.pdf")
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(real.read_bytes()[:3000])
    refused(cli, library_path, cut, reason="could not be read")


def test_one_refused_file_of_several_writes_nothing_and_a_dry_run_shows_the_rest(
    cli, library_path, tmp_path
):
    good = make_report(tmp_path / "testshire.pdf", [ILACS_2023, NEEDS])
    bad = tmp_path / "notes.pdf"
    bad.write_text("notes")
    cli.add()
    before = dump(library_path)
    result = cli("report", good, bad, expect=1)
    assert result.stderr.strip() == f"Error: file '{bad}' is not a PDF."
    assert result.stdout == ""
    assert dump(library_path) == before
    dry = cli("report", good, bad, "--dry-run", "--json", expect=1)
    assert [entry["file"] for entry in json.loads(dry.stdout)] == [str(good)]
    assert dump(library_path) == before


def test_markup_in_a_report_is_kept_as_words(cli, tmp_path):
    needs = [NEEDS[0], "◼ The <script>alert(1)</script> response & <b>plans</b>.", *NEEDS[2:]]
    report = make_report(tmp_path / "markup.pdf", [ILACS_2023, needs])
    cli("report", report)
    (first, _) = cli.json("action", "list")
    assert first["text"] == "The <script>alert(1)</script> response & <b>plans</b>."
    pack = tmp_path / "pack.pdf"
    cli("pack", "--framework", "ilacs-2023", "--out", pack)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pack).pages).split())
    assert "The <script>alert(1)</script> response & <b>plans</b>." in text


def test_a_council_spelt_with_look_alike_letters_is_another_council(cli, library_path, tmp_path):
    cli("settings", "--council", "Testshire County Council")
    spoof = [ILACS_2023[0].replace("Testshire", "Tеstshire"), *ILACS_2023[1:]]  # Cyrillic е
    report = make_report(tmp_path / "spoof.pdf", [spoof, NEEDS])
    refused(cli, library_path, report, reason="is a report on Tеstshire County Council")
    same = make_report(tmp_path / "same.pdf", [ILACS_2023, NEEDS])
    cli("report", same)  # the council's own name, with "County Council" or without
    assert cli.json("list")[0]["title"].startswith("Ofsted ILACS 2023 standard inspection")


def test_the_same_inspection_in_another_file_is_already_in_the_library(cli, tmp_path):
    first = make_report(tmp_path / "first.pdf", [ILACS_2023, NEEDS])
    second = make_report(tmp_path / "second.pdf", [ILACS_2023 + ["A later printing."], NEEDS])
    cli("report", first)
    assert "already in the library as evidence 1" in cli("report", second).stdout
    cli("withdraw", "1", "--reason", "logged in error")
    assert cli("report", second).stdout.startswith("Logged evidence 2:")


def test_a_publication_date_given_is_the_items_date_and_never_contradicts(cli, tmp_path):
    report = make_report(tmp_path / "testshire.pdf", [ILACS_2023, NEEDS])
    cli("report", report, "--published", "2023-04-28")
    assert cli.json("show", "1")["date"] == "2023-04-28"
    assert [a["agreed_on"] for a in cli.json("action", "list")] == ["2023-04-28"] * 2
    sif = fixture("bracknell-forest-sif-2017-07-14.pdf")
    result = cli("report", sif, "--published", "2017-07-01", expect=1)
    assert "prints its publication date, 14 Jul 2017, which --published 2017-07-01" in (
        result.stderr
    )
    result = cli("report", report, "--published", "2999-01-01", expect=1)
    assert result.stderr.strip() == "Error: --published '2999-01-01' is in the future."


# Editing an action read from a report.


def test_an_action_is_edited_and_its_history_kept(cli, tmp_path):
    report = make_report(tmp_path / "testshire.pdf", [ILACS_2023, NEEDS])
    cli("report", report)
    result = cli(
        "action", "edit", "1", "--owner", "Head of Service", "--agency", "Council",
        "--due", "2027-01-31", "--area", "help-protection", "--framework", "ilacs-2023",
    )  # fmt: skip
    assert result.stdout.strip() == "Edited action 1: owner, agency, areas, due."
    cli("action", "edit", "1", "--text", "The quality of written plans.", "--owner", "")
    action = cli.json("action", "show", "1")
    assert action["text"] == "The quality of written plans."
    assert action["owner"] is None and action["agency"] == "Council"
    assert action["areas"] == ["ilacs-2023:help-protection"]
    assert action["due_on"] == "2027-01-31"
    edits = action["edits"]
    assert [edit["changes"] for edit in edits] == [
        {"owner": [None, "Head of Service"], "agency": [None, "Council"]},
        {"text": ["The quality of plans.", "The quality of written plans."],
         "owner": ["Head of Service", None]},
    ]  # fmt: skip
    assert edits[0]["areas"] == {
        "added": ["ilacs-2023:help-protection"],
        "removed": ["ilacs-2023:overall"],
    }
    assert all(edit["by"] == "tester" for edit in edits)
    shown = cli("action", "show", "1").stdout
    assert "Edits" in shown and "text 'The quality of plans.' -> 'The quality of written" in shown
    # As of the day it was agreed, it had no due date.
    assert cli.json("action", "show", "1", "--as-of", "2023-03-17")["due_on"] is None
    assert "Nothing changed" in cli("action", "edit", "1", "--agency", "Council").stdout


def test_an_action_edit_with_a_bad_value_writes_nothing(cli, library_path, tmp_path):
    report = make_report(tmp_path / "testshire.pdf", [ILACS_2023, NEEDS])
    cli("report", report)
    before = dump(library_path)
    for args, error in (
        (["--due", "2023-01-01"], "Error: due '2023-01-01' is before the day the action was"),
        (["--text", " "], "Error: text ' ' is empty"),
        (["--area", "9"], "Error: area '9'"),
        (["--owner", "x\ny"], "Error: owner"),
    ):
        result = cli("action", "edit", "1", *args, expect=1)
        assert result.stderr.startswith(error), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert (
        "Error: action 9 does not exist."
        in cli("action", "edit", "9", "--owner", "x", expect=1).stderr
    )
    assert dump(library_path) == before


def test_a_grade_in_look_alike_letters_is_refused_not_read_as_another(cli, library_path, tmp_path):
    for spoof in ("Gооd", "Gοod", "Ｇood"):  # Cyrillic o, Greek omicron, a full-width G
        lines = [(spoof if line == "Outstanding" else line) for line in ILACS_2023]
        report = make_report(tmp_path / "spoof.pdf", [lines, NEEDS])
        result = cli("report", report, expect=1)
        assert result.stderr.startswith(f"Error: file '{report}' "), result.stderr
        assert "grades are not certain" in result.stderr or "table of judgements" in result.stderr
    assert not library_path.exists()  # nothing read, nothing made


def test_a_page_of_endless_text_is_refused(cli, library_path, tmp_path):
    from test_files import make_pdf

    huge = make_pdf(tmp_path / "huge.pdf", ["Inspection dates " * 20_000])
    refused(cli, library_path, huge, reason="more than any report's page holds")


SIF = [
    "1",
    "Testshire County Council",
    "Inspection of services for children in need of help and",
    "protection, children looked after and care leavers",
    "and",
    "Review of the effectiveness of the Local Safeguarding Children",
    "Board",
    "Inspection dates: 28 December 2016 to 20 January 2017",
    "Report published: 3 March 2017",
    "Children’s services in Testshire require improvement to be good",
    "1. Children who need help and protection Requires improvement",
    "2. Children looked after and achieving",
    "permanence Good",
    "2.1 Adoption performance Outstanding",
    "2.2 Experiences and progress of care leavers Good",
    "3. Leadership, management and governance",
    "Requires",
    "improvement",
]


def sif_report(tmp_path):
    return make_report(
        tmp_path / "sif.pdf",
        [
            SIF,
            ["2", "Executive summary", "Plans drift (Recommendation).", "Visits are late."],
            [
                "Testshire: children’s services",
                "3",
                "Recommendations",
                "1. Ensure that plans are reviewed (paragraph 4).",
                "2. Improve the timeliness of visits to children, so that every child is seen",
            ],
            [
                "Testshire: children’s services",
                "4",
                "within their plan’s timescale and multi-",
                "agency partners attend (paragraph 9).",
                "Summary for children and young people",
                "3. This is not a recommendation.",
            ],
            ["5", "Inspection findings", "Children are seen (Recommendation)."],
            [
                "6",
                "The Local Safeguarding Children Board (LSCB)",
                "The Local Safeguarding Children Board is good",
                "Recommendations",
                "44. Evaluate the training of partners.",
                "Inspection findings – the Local Safeguarding Children Board",
                "45. Partners attend.",
            ],
        ],
    )


def test_a_sif_report_in_the_conventions_is_read(cli, tmp_path):
    (read,) = cli.json("report", sif_report(tmp_path), "--dry-run")
    assert read["council"] == "Testshire County Council"
    assert (read["framework"], read["inspection"], read["lscb_review"]) == (
        "sif",
        "inspection",
        True,
    )
    # Fieldwork over the new year: the first day takes its year from the last.
    assert (read["inspection_start"], read["inspection_end"]) == ("2016-12-28", "2017-01-20")
    assert read["published"] == "2017-03-03"
    assert read["grades"] == {
        "overall": RI,
        "1": RI,
        "2": "good",
        "2.1": "outstanding",
        "2.2": "good",
        "3": RI,
        "lscb": "good",
    }
    # Joined across the page, without its header or number; never the body's
    # "(Recommendation)" tags, nor the paragraphs numbered after the list.
    assert read["recommendations"] == [
        "Ensure that plans are reviewed (paragraph 4).",
        "Improve the timeliness of visits to children, so that every child is seen within"
        " their plan’s timescale and multi-agency partners attend (paragraph 9).",
        "Evaluate the training of partners.",
    ]


def test_a_sif_report_logs_the_lscbs_recommendations_under_lscb(cli, tmp_path):
    cli("report", sif_report(tmp_path))
    assert [(a["ref"], a["areas"]) for a in cli.json("action", "list")] == [
        ("1", ["overall"]),
        ("2", ["overall"]),
        ("44", ["lscb"]),
    ]
    assert cli.json("show", "1")["date"] == "2017-03-03"


def test_a_report_whose_bullets_stand_on_lines_of_their_own_is_read(cli, tmp_path):
    needs = [
        "What needs to improve?",
        "◼",
        "The quality of plans.",
        "◼",
        "The timeliness",
        "of visits.",
        *NEEDS[3:],
    ]
    report = make_report(tmp_path / "lone.pdf", [ILACS_2023, needs])
    (read,) = cli.json("report", report, "--dry-run")
    assert read["recommendations"] == ["The quality of plans.", "The timeliness of visits."]


def test_a_purged_report_leaves_no_trace_of_its_file_and_may_be_read_again(
    cli, library_path, tmp_path
):
    report = make_report(tmp_path / "testshire.pdf", [ILACS_2023, NEEDS])
    (read,) = cli.json("report", report)
    cli("purge", "1", "--reason", "uploaded by mistake", "--yes")
    conn = sqlite3.connect(library_path)
    assert conn.execute("SELECT count(*) FROM report_readings").fetchone() == (0,)
    conn.close()
    assert read["sha256"].encode() not in library_path.read_bytes()
    assert cli("report", report).stdout.startswith("Logged evidence 2:")


def test_a_dry_run_shows_everything_that_would_be_written(cli, library_path, tmp_path):
    shown = cli("report", sif_report(tmp_path), "--dry-run").stdout.splitlines()
    assert shown == [
        "Dry run of sif.pdf: nothing was written.",
        "  Ofsted SIF inspection of Testshire County Council: overall requires improvement",
        "  Fieldwork 28 Dec 2016 to 20 Jan 2017; dated 3 Mar 2017 (as the report prints).",
        "  Grades: overall requires improvement, 1 requires improvement, 2 good, 2.1 outstanding,",
        "    2.2 good, 3 requires improvement, lscb good.",
        "  3 recommendations:",
        "    1. Ensure that plans are reviewed (paragraph 4).",
        "    2. Improve the timeliness of visits to children, so that every child is seen within",
        "      their plan’s timescale and multi-agency partners attend (paragraph 9).",
        "    44. [lscb] Evaluate the training of partners.",
    ]
    assert not library_path.exists()


# Found in review: what the reader read wrongly instead of refusing.


def sif_with(tmp_path, page1, name="sif.pdf"):
    """A SIF report with `page1`, and the rest as `sif_report` has it."""
    return make_report(
        tmp_path / name,
        [
            page1,
            ["2", "Executive summary", "Visits are late."],
            ["3", "Recommendations", "1. Ensure that plans are reviewed.", "Key strengths"],
            ["4", "The Local Safeguarding Children Board is good", "Recommendations"],
            ["44. Evaluate the training of partners.", "Inspection findings"],
        ],
    )


@pytest.mark.parametrize(
    "after",
    ["The Local Safeguarding Children Board is good", "Adoption is outstanding."],
)
def test_the_sif_overall_judgement_is_not_read_from_the_sentence_after_it(cli, tmp_path, after):
    overall = "Children’s services in Testshire require improvement to be good."
    page1 = [*SIF[:9], overall, after, *SIF[10:]]
    (read,) = cli.json("report", sif_with(tmp_path, page1), "--dry-run")
    assert read["grades"]["overall"] == RI


def test_a_second_table_of_judgements_is_refused_not_ignored(cli, library_path, tmp_path):
    # The table of the inspection before, say, under this one's.
    before = [line.replace("Outstanding", "Inadequate") for line in ILACS_2023[4:14]]
    report = make_report(tmp_path / "tables.pdf", [ILACS_2023 + before, NEEDS])
    refused(cli, library_path, report, reason="has more than one table of judgements")


def test_inspection_dates_given_twice_differently_are_refused(cli, library_path, tmp_path):
    page1 = [*ILACS_2023[:3], "Inspection dates: 8 to 19 May 2023", *ILACS_2023[3:]]
    report = make_report(tmp_path / "dates.pdf", [page1, NEEDS])
    refused(cli, library_path, report, reason="gives its inspection dates more than once")


def test_a_leap_day_over_the_new_year_is_refused_not_a_crash(cli, library_path, tmp_path):
    page1 = [
        line.replace("6 to 17 March 2023", "29 February to 3 January 2024") for line in ILACS_2023
    ]
    report = make_report(tmp_path / "leap.pdf", [page1, NEEDS])
    refused(cli, library_path, report, reason="has a date that is not one")


def test_a_publication_date_in_the_text_is_not_the_reports(cli, tmp_path):
    said = "Services were inadequate in the last report, published 12 May 2015, and have improved."
    report = make_report(tmp_path / "earlier.pdf", [[*ILACS_2023, said], NEEDS])
    (read,) = cli.json("report", report, "--dry-run")
    assert read["published"] is None


def test_a_report_published_before_its_fieldwork_ended_is_refused(cli, library_path, tmp_path):
    page1 = [*ILACS_2023[:3], "Report published: 1 March 2023", *ILACS_2023[3:]]
    report = make_report(tmp_path / "early.pdf", [page1, NEEDS])
    refused(cli, library_path, report, reason="before its fieldwork ended")


def test_a_line_that_wraps_at_a_dash_stays_in_its_recommendation(cli, tmp_path):
    needs = [
        "What needs to improve?",
        "◼ The quality of plans for children",
        "– especially those in care – and of visits.",
        *NEEDS[2:],
    ]
    report = make_report(tmp_path / "dash.pdf", [ILACS_2023, needs])
    (read,) = cli.json("report", report, "--dry-run")
    assert read["recommendations"] == [
        "The quality of plans for children – especially those in care – and of visits.",
        "The timeliness of visits.",
    ]


def test_a_heading_the_reader_does_not_know_is_not_read_into_a_recommendation(
    cli, library_path, tmp_path
):
    needs = [*NEEDS[:3], "Context", "Testshire is home to 100,000 children.", *NEEDS[3:]]
    report = make_report(tmp_path / "context.pdf", [ILACS_2023, needs])
    refused(cli, library_path, report, reason="neither one nor a heading the reader knows")


def test_paragraphs_numbered_on_after_an_unknown_heading_are_not_recommendations(
    cli, library_path, tmp_path
):
    # The SIF numbers its paragraphs on from its recommendations.
    recommendations = [
        "3",
        "Recommendations",
        "1. Ensure that plans are reviewed.",
        "2. Improve visits.",
        "Main findings",
        "3. The council has ten teams.",
        "Summary for children and young people",
    ]
    pages = [SIF, ["2", "Executive summary", "Visits are late."], recommendations]
    report = make_report(tmp_path / "findings.pdf", pages)
    refused(cli, library_path, report, reason="('Main findings', page 3)")


def test_a_report_dated_in_the_future_is_refused_by_its_file(cli, library_path, tmp_path):
    future = [line.replace("2023", "2099") for line in ILACS_2023]
    good = make_report(tmp_path / "testshire.pdf", [ILACS_2023, NEEDS])
    report = make_report(tmp_path / "future.pdf", [future, NEEDS])
    refused(cli, library_path, good, report, reason="17 Mar 2099, which is in the future")
    dry = cli("report", report, "--dry-run", expect=1)
    assert dry.stderr.startswith(f"Error: file '{report}' gives its last day of fieldwork")


def test_a_publication_date_given_before_the_fieldwork_ended_is_refused(
    cli, library_path, tmp_path
):
    report = make_report(tmp_path / "testshire.pdf", [ILACS_2023, NEEDS])
    refused(
        cli,
        library_path,
        report,
        "--published",
        "2023-03-10",
        reason="--published 2023-03-10 is before its fieldwork ended",
    )


def test_other_council_with_no_council_set_is_refused_not_logged_as_ours(
    cli, library_path, tmp_path
):
    report = make_report(tmp_path / "testshire.pdf", [ILACS_2023, NEEDS])
    for dry in ([], ["--dry-run"]):
        result = cli("report", report, "--other-council", *dry, expect=1)
        assert result.stderr.strip() == (
            "Error: --other-council needs the library's own council to tell another's from:"
            " set it with `evidence settings --council NAME`."
        )
    assert not library_path.exists()
    cli.add()
    before = dump(library_path)
    cli("report", report, "--other-council", expect=1)
    assert dump(library_path) == before


def unreadable_last_page(tmp_path):
    """A report read whole from its first two pages, whose third page holds more text than
    any report's page."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    made = make_report(tmp_path / "made.pdf", [ILACS_2023, NEEDS, ["Annex"]])
    writer = PdfWriter(clone_from=made)
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 10 Tf " + b"(Inspection dates ) Tj " * 20_000 + b"ET")
    writer.pages[2][NameObject("/Contents")] = writer._add_object(stream)
    path = tmp_path / "annex.pdf"
    writer.write(path)
    return path


def test_a_page_that_cannot_be_read_after_those_read_refuses_the_file_before_a_library_is_made(
    cli, library_path, tmp_path
):
    report = unreadable_last_page(tmp_path)
    result = cli("report", report, expect=1)
    assert result.stderr.strip().splitlines() == [
        f"Error: file '{report}' has 340,000 characters on page 3, more than any report's page"
        " holds: it is not read."
    ]
    assert not library_path.exists()


def test_an_unknown_heading_after_a_recommendation_with_no_full_stop_is_refused(
    cli, library_path, tmp_path
):
    needs = [*NEEDS[:2], "◼ The timeliness of visits", "Context", "Testshire is home to many."]
    report = make_report(tmp_path / "context.pdf", [ILACS_2023, [*needs, *NEEDS[3:]]])
    refused(cli, library_path, report, reason="Context")


def test_a_recommendation_of_two_sentences_broken_at_the_first_is_read_whole(cli, tmp_path):
    recommendations = [
        "3",
        "Recommendations",
        "1. Ensure that plans are reviewed by managers every month and that each review is",
        "recorded on the child’s file.",
        "The review should say what has changed for the child since the last one, and what",
        "will be done next.",
        "2. Improve visits.",
        "Summary for children and young people",
    ]
    alone = [line for line in SIF if line not in SIF[4:7]]  # no review of the LSCB
    pages = [alone, ["2", "Executive summary", "Visits are late."], recommendations]
    (read,) = cli.json("report", make_report(tmp_path / "two.pdf", pages), "--dry-run")
    assert read["lscb_review"] is False
    assert read["recommendations"][:2] == [
        "Ensure that plans are reviewed by managers every month and that each review is"
        " recorded on the child’s file. The review should say what has changed for the child"
        " since the last one, and what will be done next.",
        "Improve visits.",
    ]
