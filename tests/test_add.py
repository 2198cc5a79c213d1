import datetime as dt

import pytest
from conftest import dump


def test_add_prints_the_new_id_and_stores_the_month_precision(cli):
    result = cli(
        "add",
        "audit",
        "--title",
        "Repeat CP plans audit",
        "--date",
        "2017-02",
        "--area",
        "1",
        "--area",
        "lscb",
    )
    assert result.stdout == "Logged evidence 1\n"
    listed = cli.json("list", "--area", "help-protection")
    assert [(i["id"], i["date"], i["date_precision"], i["areas"]) for i in listed] == [
        (1, "2017-02-01", "month", ["1", "lscb"])
    ]
    assert listed[0]["date_display"] == "Feb 2017"


def test_add_json_prints_the_whole_record(cli):
    record = cli.json(
        "add",
        "monitoring-letter",
        "--title",
        "Third monitoring visit letter",
        "--date",
        "2017-02-13",
        "--precision",
        "on-or-before",
        "--area",
        "help-protection",
        "--theme",
        "front-door",
        "--summary",
        "Front door much improved.",
        "--owner",
        "Head of Service",
        "--source",
        "Ofsted",
        "--ref",
        "MV3",
        "--link",
        "https://intranet.example/mv3",
        "--marking",
        "OFFICIAL-SENSITIVE",
        "--review-by",
        "2017-08-31",
        "--by",
        "Director",
    )
    assert {
        k: record[k]
        for k in (
            "id",
            "kind",
            "title",
            "summary",
            "date",
            "date_precision",
            "date_qualifier",
            "date_display",
            "areas",
            "themes",
            "marking",
            "assurance",
            "verified_by",
            "status",
            "ref",
            "link",
            "owner",
            "source",
            "review_by",
            "files",
            "created_by",
        )
    } == {
        "id": 1,
        "kind": "monitoring-letter",
        "title": "Third monitoring visit letter",
        "summary": "Front door much improved.",
        "date": "2017-02-13",
        "date_precision": "day",
        "date_qualifier": "on-or-before",
        "date_display": "on or before 13 Feb 2017",
        "areas": ["1"],
        "themes": ["front-door"],
        "marking": "official-sensitive",
        "assurance": "verified",
        "verified_by": "Director",
        "status": "current",
        "ref": "MV3",
        "link": "https://intranet.example/mv3",
        "owner": "Head of Service",
        "source": "Ofsted",
        "review_by": "2017-08-31",
        "files": [],
        "created_by": "Director",
    }


@pytest.mark.parametrize(
    ("date", "precision", "shown"),
    [
        ("2017-01-17", None, "17 Jan 2017"),
        ("2017-01", None, "Jan 2017"),
        ("2016", None, "2016"),
        ("2016-04", "approximate", "about Apr 2016"),
        ("2017-02-13", "on-or-before", "on or before 13 Feb 2017"),
    ],
)
def test_dates_are_kept_at_the_precision_given(cli, date, precision, shown):
    extra = ["--precision", precision] if precision else []
    cli.add("audit", "Dated", date, ("1",), *extra)
    assert cli.json("list")[0]["date_display"] == shown


def test_a_claim_is_marked_until_someone_verifies_it(cli):
    result = cli(
        "add",
        "audit",
        "--title",
        "Team says all plans reviewed",
        "--date",
        "2017-03",
        "--area",
        "1",
        "--claimed",
    )
    assert "evidence verify-item 1" in result.stdout
    item = cli.json("show", "1")
    assert (item["assurance"], item["verified_by"], item["verified_at"]) == ("claimed", None, None)
    assert "claimed: not yet checked" in cli("show", "1").stdout
    assert (
        cli("verify-item", "1", "--by", "QA Lead").stdout == "Verified evidence 1 (by QA Lead).\n"
    )
    item = cli.json("show", "1")
    assert (item["assurance"], item["verified_by"]) == ("verified", "QA Lead")
    assert item["verified_at"].startswith(dt.datetime.now(dt.UTC).date().isoformat())
    assert "QA Lead  verified it" in cli("show", "1").stdout


def test_verifying_twice_is_refused(cli):
    cli.add()
    result = cli("verify-item", "1", expect=1)
    assert result.stderr.startswith("Error: evidence 1 is already verified (by tester at ")


def test_areas_and_kinds_are_accepted_by_code_slug_or_name_in_any_case(cli):
    cli.add("Monitoring Letter", "Letter", "2017-01", ("Help-Protection", "2.1", "LSCB"))
    assert cli.json("list")[0]["areas"] == ["1", "2.1", "lscb"]
    assert cli.json("list")[0]["kind"] == "monitoring-letter"


def test_evidence_can_be_tagged_by_ilacs_areas(cli):
    cli.add("focused-visit", "Focused visit", "2019-05", ("in-care",), "--framework", "ilacs-2023")
    item = cli.json("list")[0]
    assert item["areas"] == ["in-care"]
    assert item["area_details"][0]["framework"] == "ilacs-2023"


@pytest.mark.parametrize(
    "text",
    [
        'Children\'s "front door" audit',
        "Robert'); DROP TABLE evidence;--",
        "<script>alert('x')</script> & <b>bold</b>",
        "Аудит · 監査 · تدقيق · Ünïcödé",
        "[bold red]not markup[/]",
        "100% of plans; 0 overdue -- 'quoted'",
    ],
)
def test_titles_and_summaries_are_stored_and_shown_exactly(cli, text, monkeypatch):
    cli.add("audit", text, "2017-01", ("1",), "--summary", text + "\nsecond line")
    item = cli.json("list")[0]
    assert (item["title"], item["summary"]) == (text, text + "\nsecond line")
    assert text in cli("show", "1").stdout
    assert [i["title"] for i in cli.json("list", "--search", text.split()[0])] == [text]
    monkeypatch.setenv("COLUMNS", "200")  # wide enough for the title on one line
    assert text in cli("list").stdout


# Bad input: one clear error naming the field and the value, exit 1, nothing written.

FUTURE = (dt.date.today() + dt.timedelta(days=1)).isoformat()
BAD_INPUT = [
    (
        ["add", "audti", "--title", "T", "--date", "2017-02-30", "--area", "4"],
        "Error: kind 'audti' is not a known kind.",
    ),
    (
        ["add", "audti", "--title", "T", "--date", "2017", "--area", "1"],
        "Error: kind 'audti' is not a known kind. Did you mean 'audit'? Valid: audit, ",
    ),
    (
        ["add", "audit", "--title", "T", "--date", "2017", "--area", "4"],
        (
            "Error: area '4' is not a known area in sif. Valid: overall, "
            "1 (help-protection), 2 (looked-after), 2.1 (adoption), 2.2 (care-leavers), "
            "3 (leadership), lscb."
        ),
    ),
    (
        ["add", "audit", "--title", "T", "--date", "2017", "--area", "help-protectoin"],
        (
            "Error: area 'help-protectoin' is not a known area in sif."
            " Did you mean 'help-protection'?"
        ),
    ),
    (
        ["add", "audit", "--title", "T", "--date", "2017-02-30", "--area", "1"],
        "Error: date '2017-02-30' is not a real date.",
    ),
    (
        ["add", "audit", "--title", "T", "--date", "13/02/2017", "--area", "1"],
        "Error: date '13/02/2017' is not a date: use 2017-01-17, 2017-01 (a month) or 2017",
    ),
    (
        ["add", "audit", "--title", "T", "--date", FUTURE, "--area", "1"],
        f"Error: date '{FUTURE}' is in the future",
    ),
    (
        ["add", "audit", "--title", "", "--date", "2017", "--area", "1"],
        "Error: title '' is empty: give the evidence a title.",
    ),
    (
        ["add", "audit", "--title", "   ", "--date", "2017", "--area", "1"],
        "Error: title '   ' is empty: give the evidence a title.",
    ),
    (
        ["add", "audit", "--title", "x" * 301, "--date", "2017", "--area", "1"],
        "Error: title '" + "x" * 39 + "…' is 301 characters long; the limit is 300.",
    ),
    (
        ["add", "audit", "--title", "Two\nlines", "--date", "2017", "--area", "1"],
        "Error: title 'Two\\nlines' must be one line, with no control characters (U+000A).",
    ),
    (
        ["add", "audit", "--title", "T", "--date", "2017", "--area", "3", "--theme", "front-door"],
        "Error: theme 'front-door' belongs to area 1, and the item's areas are 3. Themes of those",
    ),
    (
        ["add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--theme", "frontdoor"],
        "Error: theme 'frontdoor' is not a known theme. Did you mean 'front-door'?",
    ),
    (
        ["add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--marking", "secret"],
        "Error: marking 'secret' is not a known marking. Valid: official, official-sensitive.",
    ),
    (
        [
            "add",
            "audit",
            "--title",
            "T",
            "--date",
            "2017",
            "--area",
            "1",
            "--precision",
            "roughly",
        ],
        "Error: precision 'roughly' is not a known precision. Valid: approximate, on-or-before,",
    ),
    (
        [
            "add",
            "audit",
            "--title",
            "T",
            "--date",
            "2017",
            "--area",
            "1",
            "--link",
            "javascript:x",
        ],
        "Error: link 'javascript:x' must be a web address starting https:// or http://.",
    ),
    (
        ["add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--review-by", "2018"],
        "Error: review_by '2018' must be a full date, such as 2017-06-30.",
    ),
    (
        ["add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--ref", "A1"],
        "Error: ref 'A1' is already used by evidence 1.",
    ),
    (
        ["add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--by", " "],
        "Error: by ' ' is empty: give a by.",
    ),
    (
        ["add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--ref", "A\nB"],
        "Error: ref 'A\\nB' must be one line, with no control characters (U+000A).",
    ),
    (
        ["add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--owner", "Q\x1b[2J"],
        "Error: owner 'Q\\x1b[2J' must be one line, with no control characters (U+001B).",
    ),
    (
        [
            "add",
            "audit",
            "--title",
            "T",
            "--date",
            "2017",
            "--area",
            "1",
            "--summary",
            "ok\n\x1b]0;pwned\x07",
        ],
        (
            "Error: summary 'ok\\n\\x1b]0;pwned\\x07' must be plain text, with no control"
            " characters (U+001B)."
        ),
    ),
    (
        ["add", "audit", "--title", "Line\u2028break", "--date", "2017", "--area", "1"],
        "Error: title 'Line\\u2028break' must be one line, with no control characters (U+2028).",
    ),
    (
        [
            "add",
            "audit",
            "--title",
            "T",
            "--date",
            "2017",
            "--area",
            "1",
            "--link",
            "https://x.example/\x1b[2J",
        ],
        (
            "Error: link 'https://x.example/\\x1b[2J' must be one line, with no control characters"
            " (U+001B)."
        ),
    ),
    (
        ["add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--summary", "a\rb"],
        "Error: summary 'a\\rb' must be plain text, with no control characters (U+000D).",
    ),
    (
        ["add", "audit", "--title", "abc\u202edcba", "--date", "2017", "--area", "1"],
        "Error: title 'abc\\u202edcba' must be one line, with no control characters (U+202E).",
    ),
    (
        ["add", "audit", "--title", "a\udc85b", "--date", "2017", "--area", "1"],
        "Error: title 'a\\udc85b' holds bytes that are not UTF-8 text.",
    ),
    (
        ["list", "--limit", "99999999999999999999"],
        "Error: limit '99999999999999999999' must be a whole number from 1.",
    ),
    (["list", "--framework", "bogus"], "Error: framework 'bogus' is not a known framework."),
    (
        ["edit", "1", "--framework", "bogus", "--title", "X"],
        "Error: framework 'bogus' is not a known framework.",
    ),
    (["show", "99"], "Error: evidence 99 does not exist."),
    (["edit", "99", "--title", "New"], "Error: evidence 99 does not exist."),
    (["withdraw", "99", "--reason", "Duplicate"], "Error: evidence 99 does not exist."),
    (["verify-item", "99"], "Error: evidence 99 does not exist."),
    (["edit", "1", "--date", "2017-02-30"], "Error: date '2017-02-30' is not a real date."),
    (["edit", "1", "--title", " "], "Error: title ' ' is empty"),
    (["edit", "1", "--area", "9"], "Error: area '9' is not a known area in sif."),
    (
        ["edit", "1", "--area", "3"],
        (
            "Error: theme 'front-door' belongs to area 1, and the item's areas would be 3."
            ' Give --theme for the new areas, or --theme "" to clear the themes.'
        ),
    ),
    (["withdraw", "1", "--reason", " "], "Error: reason ' ' is empty: give a reason."),
    (["list", "--area", "7"], "Error: area '7' is not a known area in sif."),
    (["list", "--kind", "letter"], "Error: kind 'letter' is not a known kind."),
    (["list", "--since", "2017-1"], "Error: since '2017-1' is not a date"),
    (["list", "--as-of", "2017-02-29"], "Error: as_of '2017-02-29' is not a real date."),
    (["list", "--search", " "], "Error: search ' ' is empty"),
]


@pytest.mark.parametrize(
    ("args", "message"), BAD_INPUT, ids=[" ".join(a[:3]) for a, _ in BAD_INPUT]
)
def test_bad_input_is_one_clear_error_and_writes_nothing(cli, library_path, args, message):
    cli.add("audit", "Existing", "2017-01", ("1",), "--ref", "A1", "--theme", "front-door")
    before = dump(library_path)
    result = cli(*args, expect=1)
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""
    assert dump(library_path) == before
