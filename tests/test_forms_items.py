"""The web UI's forms for items of evidence: log one, correct it, verify a claim, withdraw
it. Each writes through the worker `evidence add`, `edit`, `verify-item` and `withdraw`
call, and names the person in the audit trail; a bad value is refused with the command
line's own words (found by giving the command line the same value, on a copy of the same
library) beside the field it names, with what was typed kept, as text, and nothing
written. The library, the browser and the checks are those of tests/test_forms.py.
"""

import pytest
from conftest import dump
from test_files import make_pdf
from test_forms import (
    ANALYST,
    FUTURE,
    LOG_GOOD,
    MANAGER,
    MARKUP,
    ROUTES,
    TODAY,
    Browser,
    assert_refused,
    changed_by,
    cli_library,
    copy_library,
    form_for,
    fresh,
    leftovers,
    many,
    one,
    pristine,
    rows,
    run_cli,
    served,
    with_db,
)

from evidence.web import make_datasette

__all__ = ["cli_library", "fresh", "pristine", "served"]  # fixtures, shared


# What the command line is given for the same values


def add_args(sent: dict[str, list[str]]) -> list[str]:
    """`evidence add` with the values the log form sent, as its worker is given them."""
    args = ["add", f"--title={one(sent, 'title')}", f"--date={one(sent, 'date')}"]
    args += [f"--area={area}" for area in many(sent, "areas") or [""]]
    args += [f"--theme={theme}" for theme in many(sent, "themes")]
    args += [
        f"--{name}={one(sent, name)}" for name in ("summary", "owner", "source", "ref", "link")
    ]
    for name in ("precision", "marking", "review_by"):
        if one(sent, name):
            args.append(f"--{name.replace('_', '-')}={one(sent, name)}")
    if one(sent, "claimed"):
        args.append("--claimed")
    return [*args, "--", one(sent, "kind")]


def edit_args(item: int, sent: dict[str, list[str]]) -> list[str]:
    """`evidence edit` with every value the edit form sent, as its worker is given them."""
    args = ["edit", str(item), f"--kind={one(sent, 'kind')}", f"--title={one(sent, 'title')}",
            f"--date={one(sent, 'date')}", f"--precision={one(sent, 'precision') or 'exact'}",
            f"--marking={one(sent, 'marking') or 'official'}"]  # fmt: skip
    args += [f"--area={area}" for area in many(sent, "areas") or [""]]
    args += [f"--theme={theme}" for theme in many(sent, "themes") or [""]]
    for name in ("summary", "owner", "source", "ref", "link", "review_by"):
        args.append(f"--{name.replace('_', '-')}={one(sent, name)}")
    if one(sent, "claimed"):
        args.append("--claimed")
    if one(sent, "cleared_for_print"):
        args.append("--cleared-for-print")
    return args


# Logging an item


def test_logging_an_item_writes_it_as_evidence_add_would_and_names_the_manager(
    fresh, pristine, cli, tmp_path
):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    assert "<strong>3</strong> items not withdrawn, 1 of them claimed" in manager.get("/").text
    notes = b"Minutes: the panel agreed the zyxoplanning approach.\r\n"
    letter = make_pdf(tmp_path / "letter.pdf", ["Monitoring visit", "the quorblefrax panel"])
    values = {
        "kind": "monitoring-letter", "title": "Letter on " + MARKUP[0], "date": "2017-02",
        "precision": "on-or-before", "areas": ["sif:1", "sif:lscb"], "themes": ["front-door"],
        "summary": "First line " + MARKUP[1] + "\r\nSecond line", "marking": "official-sensitive",
        "review_by": "2017-08-31", "claimed": "on", "owner": "Head of Service",
        "source": "Ofsted", "ref": "MV3", "link": "https://intranet.example/mv3",
    }  # fmt: skip
    sent, answer = manager.submit(
        "/-/log", values, files=[("files", "notes.txt", notes),
                                 ("files", "letter.pdf", letter.read_bytes())]
    )  # fmt: skip
    assert answer.status == 303, answer.text[-3000:]
    assert answer.response.headers["location"] == "/evidence/evidence/5"
    shown = manager.follow(answer)
    assert shown.status == 200
    assert shown.messages[:2] == [
        "Logged evidence 5.",
        "Evidence 5 is a claim: once it is checked, verify it from this page.",
    ]
    for text in MARKUP:
        assert text not in shown.text
    assert "Letter on &lt;script&gt;alert(1)&lt;/script&gt;" in shown.text
    # The worker wrote it as `evidence add` writes the same values.
    copy = copy_library(pristine, tmp_path / "by-cli")
    (tmp_path / "notes.txt").write_bytes(notes)
    files = ["--file", tmp_path / "notes.txt", "--file", letter, "--by", MANAGER]
    cli(*with_db(add_args(sent), copy)[:-2], *files, "--", values["kind"])
    by_form, by_cli = (cli.json("show", "5", "--db", path) for path in (library, copy))
    same = ("kind", "title", "summary", "date", "date_precision", "date_qualifier", "areas",
            "themes", "marking", "assurance", "ref", "link", "owner", "source", "review_by",
            "created_by")  # fmt: skip
    assert {key: by_form[key] for key in same} == {key: by_cli[key] for key in same}
    assert by_form["summary"] == "First line " + MARKUP[1] + "\nSecond line"
    assert [(f["name"], f["sha256"]) for f in by_form["files"]] == [
        (f["name"], f["sha256"]) for f in by_cli["files"]
    ]
    assert by_form["created_by"] == MANAGER
    assert changed_by(library, "evidence", 5) == [("insert", MANAGER)]
    assert rows(library, "SELECT created_by, updated_by FROM evidence WHERE id = 5") == [
        (MANAGER, MANAGER)
    ]
    assert rows(library, "SELECT form, result, created_by FROM form_submissions") == [
        ("log", "/evidence/evidence/5", MANAGER)
    ]
    # Found at once by a word of its title, and by a word only inside each file.
    for word in ("Letter", "zyxoplanning", "quorblefrax"):
        found = manager.get(f"/evidence/evidence.json?_search={word}&_shape=array")
        assert [row["id"] for row in found.response.json()] == [5], word
        assert "1 row" in manager.get(f"/evidence/evidence?_search={word}").text
    assert "<strong>4</strong> items not withdrawn, 2 of them claimed" in manager.get("/").text
    assert leftovers(library) == []


def test_with_no_accounts_this_computer_writes_in_the_name_serve_was_given(pristine, tmp_path):
    library = copy_library(pristine, tmp_path / "local", accounts=False)
    datasette = make_datasette(library, by="Jo Bloggs")
    person = Browser(datasette)
    assert "Log evidence" in person.get("/").text
    _, answer = person.submit(
        "/-/log", {"kind": "audit", "title": "Local audit", "date": "2017-02", "areas": "sif:1"}
    )
    assert person.follow(answer).messages[0] == "Logged evidence 5."
    assert rows(library, "SELECT created_by, updated_by FROM evidence WHERE id = 5") == [
        ("Jo Bloggs", "Jo Bloggs")
    ]
    assert changed_by(library, "evidence", 5) == [("insert", "Jo Bloggs")]
    _, answer = person.submit("/-/evidence/3/verify", {"on": "2017-04-01"})
    assert person.follow(answer).messages == ["Verified evidence 3 (by Jo Bloggs)."]
    assert rows(library, "SELECT verified_by, verified_on FROM evidence WHERE id = 3") == [
        ("Jo Bloggs", "2017-04-01")
    ]


# Correcting, verifying and withdrawing an item


def test_editing_an_item_records_the_analyst_and_attaches_a_file(fresh, tmp_path):
    datasette, library = fresh
    analyst = Browser(datasette, ANALYST)
    page = analyst.get("/-/evidence/1/edit")
    assert page.values["title"] == ["Existing"] and page.values["themes"] == ["front-door"]
    assert page.values["areas"] == ["sif:1"] and page.values["ref"] == ["A1"]
    _, answer = analyst.submit(
        "/-/evidence/1/edit",
        {"title": "Existing (final)", "summary": "Line one\r\nLine two"},
        files=[("files", "minutes.txt", b"The flumpish review.\n")],
    )
    shown = analyst.follow(answer)
    assert shown.messages == [
        "Updated evidence 1: title 'Existing' → 'Existing (final)'; summary (none) →"
        " 'Line one Line two'; files (none) → 'minutes.txt'"
    ]
    assert rows(library, "SELECT title, summary, updated_by FROM evidence WHERE id = 1") == [
        ("Existing (final)", "Line one\nLine two", ANALYST)
    ]
    assert changed_by(library, "evidence", 1)[-1] == ("update", ANALYST)
    found = analyst.get("/evidence/evidence.json?_search=flumpish&_shape=array")
    assert [row["id"] for row in found.response.json()] == [1]
    assert leftovers(library) == []
    # The same form again, with a new key and nothing changed: nothing is written.
    before = dump(library)
    _, again = analyst.submit("/-/evidence/1/edit", {})
    assert analyst.follow(again).messages == [
        "Evidence 1 unchanged: the values given are the ones it has."
    ]
    assert {k: v for k, v in dump(library).items() if k != "form_submissions"} == {
        k: v for k, v in before.items() if k != "form_submissions"
    }


def test_verifying_a_claim_records_who_checked_it_and_on_what_day(fresh):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    assert "Verify this claim" in manager.get("/evidence/evidence/3").text
    assert manager.get("/-/evidence/3/verify").values["on"] == [TODAY]
    _, answer = manager.submit("/-/evidence/3/verify", {"on": "2017-04-01"})
    assert answer.response.headers["location"] == "/evidence/evidence/3"
    shown = manager.follow(answer)
    assert shown.messages == [f"Verified evidence 3 (by {MANAGER})."]
    assert "Verify this claim" not in shown.text
    assert rows(
        library,
        "SELECT assurance, verified_by, verified_on, updated_by FROM evidence WHERE id = 3",
    ) == [("verified", MANAGER, "2017-04-01", MANAGER)]
    assert changed_by(library, "evidence", 3)[-1] == ("update", MANAGER)
    assert "<strong>3</strong> items not withdrawn, 0 of them claimed" in manager.get("/").text


def test_withdrawing_an_item_keeps_it_with_the_reason(fresh):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    _, answer = manager.submit("/-/evidence/4/withdraw", {"reason": "Superseded <b>soon</b>"})
    shown = manager.follow(answer)
    assert shown.messages == ["Withdrew evidence 4. Its page still shows it, with the reason."]
    assert "Superseded &lt;b&gt;soon&lt;/b&gt;" in shown.text
    assert rows(
        library, "SELECT status, withdrawn_reason, updated_by FROM evidence WHERE id = 4"
    ) == [("withdrawn", "Superseded <b>soon</b>", MANAGER)]
    assert changed_by(library, "evidence", 4)[-1] == ("update", MANAGER)
    assert "<strong>2</strong> items not withdrawn" in manager.get("/").text
    assert "/-/evidence/4/edit" not in shown.text  # no button to change it now


# Bad values: the command line's words, beside the field, nothing written

LOG_BAD = [
    ("kind-first", {"kind": "audti", "date": "2017-02-30", "areas": "4"}, "kind"),
    ("kind", {"kind": "audti"}, "kind"),
    ("kind-markup", {"kind": MARKUP[0]}, "kind"),
    ("kind-look-alike", {"kind": "\u0430udit"}, "kind"),  # a Cyrillic a
    ("area", {"areas": "4"}, "areas"),
    ("area-typo", {"areas": "help-protectoin"}, "areas"),
    ("area-look-alike", {"areas": "help-pr\u043etection"}, "areas"),  # a Cyrillic o
    ("area-none", {"areas": None}, "areas"),
    ("date-unreal", {"date": "2017-02-30"}, "date"),
    ("date-form", {"date": "13/02/2017"}, "date"),
    ("date-future", {"date": FUTURE}, "date"),
    ("date-markup", {"date": MARKUP[1]}, "date"),
    ("title-empty", {"title": ""}, "title"),
    ("title-spaces", {"title": "   "}, "title"),
    ("title-301", {"title": "x" * 301}, "title"),
    ("title-100000", {"title": "x" * 100_000}, "title"),
    ("title-newline", {"title": "Two\nlines"}, "title"),
    ("title-markup-bad-date", {"title": MARKUP[1], "summary": MARKUP[0], "date": "2017-13"},
     "date"),
    ("title-line-separator", {"title": "Line\u2028break"}, "title"),
    ("title-bidi", {"title": "abc\u202edcba"}, "title"),
    ("title-nul", {"title": "a\x00b"}, "title"),
    ("theme-other-area", {"areas": "sif:3", "themes": "front-door"}, "themes"),
    ("theme-typo", {"themes": "frontdoor"}, "themes"),
    ("marking", {"marking": "secret"}, "marking"),
    ("precision", {"precision": "roughly"}, "precision"),
    ("link-script", {"link": "javascript:x"}, "link"),
    ("link-escape", {"link": "https://x.example/\x1b[2J"}, "link"),
    ("review-by", {"review_by": "2018"}, "review_by"),
    ("ref-taken", {"ref": "A1"}, None),
    ("ref-newline", {"ref": "A\nB"}, "ref"),
    ("owner-escape", {"owner": "Q\x1b[2J"}, "owner"),
    ("owner-nul", {"owner": "a\x00b"}, "owner"),
    ("source-long", {"source": "s" * 201}, "source"),
    ("summary-escape", {"summary": "ok\r\n\x1b]0;pwned\x07"}, "summary"),
    ("summary-cr", {"summary": "a\rb"}, "summary"),
    ("summary-nul", {"summary": "a\x00b"}, "summary"),
    ("summary-20001", {"summary": "w" * 20_001}, "summary"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field"), [case[1:] for case in LOG_BAD],
                         ids=[case[0] for case in LOG_BAD])  # fmt: skip
def test_a_bad_value_logged_is_refused_in_the_command_lines_words(
    served, cli_library, cli, changes, field
):
    datasette, library = served
    before = dump(library)
    sent, page = Browser(datasette, MANAGER).submit("/-/log", {**LOG_GOOD, **changes})
    assert_refused(page, sent, field, run_cli(cli, cli_library, add_args(sent)))
    assert dump(library) == before
    assert leftovers(library) == []


EDIT_BAD = [
    ("kind", 1, {"kind": "audti"}, "kind"),
    ("title", 1, {"title": " "}, "title"),
    ("title-301", 1, {"title": "x" * 301}, "title"),
    ("title-newline", 1, {"title": "Two\nlines"}, "title"),
    ("date", 1, {"date": "2017-02-30"}, "date"),
    ("date-markup-title", 1, {"date": "13/02/2017", "title": MARKUP[1]}, "date"),
    ("area", 1, {"areas": "9"}, "areas"),
    ("area-none", 1, {"areas": None}, "areas"),
    ("area-leaves-its-theme", 1, {"areas": "sif:3"}, "themes"),
    ("precision", 1, {"precision": "roughly"}, "precision"),
    ("marking", 1, {"marking": "secret"}, "marking"),
    ("summary", 1, {"summary": "ok\n\x1b]0;pwned\x07"}, "summary"),
    ("link", 1, {"link": "javascript:x"}, "link"),
    ("review-by", 1, {"review_by": "2018"}, "review_by"),
    ("owner", 1, {"owner": "Q\x1b[2J"}, "owner"),
    ("ref-taken", 3, {"ref": "A1"}, None),
]


@pytest.mark.parametrize(("item", "changes", "field"), [case[1:] for case in EDIT_BAD],
                         ids=[case[0] for case in EDIT_BAD])  # fmt: skip
def test_a_bad_correction_is_refused_in_the_command_lines_words(
    served, cli_library, cli, item, changes, field
):
    datasette, library = served
    before = dump(library)
    path = f"/-/evidence/{item}/edit"
    sent, page = Browser(datasette, MANAGER).submit(path, changes)
    assert_refused(page, sent, field, run_cli(cli, cli_library, edit_args(item, sent)))
    assert dump(library) == before
    assert leftovers(library) == []


OTHER_BAD = [
    ("verify-verified", "/-/evidence/1/verify", {"on": "2017-04-01"}, None,
     ["verify-item", "1", "--on=2017-04-01"]),
    ("verify-future", "/-/evidence/3/verify", {"on": "2999-01-01"}, "on",
     ["verify-item", "3", "--on=2999-01-01"]),
    ("verify-before-its-date", "/-/evidence/3/verify", {"on": "2016-12-31"}, "on",
     ["verify-item", "3", "--on=2016-12-31"]),
    ("verify-not-a-day", "/-/evidence/3/verify", {"on": "soon"}, "on",
     ["verify-item", "3", "--on=soon"]),
    ("withdraw-no-reason", "/-/evidence/3/withdraw", {"reason": " "}, "reason",
     ["withdraw", "3", "--reason= "]),
    ("withdraw-two-lines", "/-/evidence/3/withdraw", {"reason": "a\r\nb"}, "reason",
     ["withdraw", "3", "--reason=a\nb"]),
    ("withdraw-markup", "/-/evidence/3/withdraw", {"reason": MARKUP[0] + "\x1b"}, "reason",
     ["withdraw", "3", "--reason=" + MARKUP[0] + "\x1b"]),
]  # fmt: skip


@pytest.mark.parametrize(("path", "changes", "field", "args"), [case[1:] for case in OTHER_BAD],
                         ids=[case[0] for case in OTHER_BAD])  # fmt: skip
def test_a_bad_verification_or_withdrawal_is_refused_in_the_command_lines_words(
    served, cli_library, cli, path, changes, field, args
):
    datasette, library = served
    before = dump(library)
    sent, page = Browser(datasette, MANAGER).submit(path, changes)
    assert_refused(page, sent, field, run_cli(cli, cli_library, args))
    assert dump(library) == before


@pytest.mark.parametrize(
    ("path", "changes", "args"),
    [
        ("/-/evidence/2/edit", {"title": "New"}, ["edit", "2", "--title=New"]),
        ("/-/evidence/2/verify", {"on": "2017-04-01"}, ["verify-item", "2", "--on=2017-04-01"]),
        ("/-/evidence/2/withdraw", {"reason": "Again"}, ["withdraw", "2", "--reason=Again"]),
    ],
    ids=["edit", "verify", "withdraw"],
)
def test_a_withdrawn_item_cannot_be_changed_and_its_forms_say_why(
    served, cli_library, cli, path, changes, args
):
    """No form is offered for a withdrawn item; one sent all the same (opened before it was
    withdrawn) is refused as the command line refuses it."""
    datasette, library = served
    before = dump(library)
    manager = Browser(datasette, MANAGER)
    assert manager.get(path).status == 404
    fields = form_for(manager, path, {"title": "Withdrawn", "kind": "audit", "date": "2017-03-01",
                                      "areas": "sif:1", **changes})  # fmt: skip
    page = manager.send(path, fields)
    assert page.status == 400, page.text[-2000:]
    assert page.problem == run_cli(cli, cli_library, args)
    assert dump(library) == before


@pytest.mark.parametrize("path", [path.replace("/3/", "/99/") for path in ROUTES[1:4]])
def test_an_item_that_does_not_exist_has_no_form(served, cli, cli_library, path):
    datasette, library = served
    before = dump(library)
    manager = Browser(datasette, MANAGER)
    message = run_cli(cli, cli_library, ["show", "99"])
    for answer in (manager.get(path), manager.send(path, form_for(manager, path, {}))):
        assert answer.status == 404
        assert message[0].upper() + message[1:] in answer.text
    assert dump(library) == before


def test_a_form_that_is_not_utf_8_is_refused_whole(served):
    datasette, library = served
    before = dump(library)
    manager = Browser(datasette, MANAGER)
    fields = manager.fill("/-/log", {**LOG_GOOD, "title": "T"})
    fields["title"] = [b"a\xffb"]
    page = manager.send("/-/log", fields)
    assert page.status == 400 and "could not be read" in page.text
    assert dump(library) == before and leftovers(library) == []


# Files


@pytest.mark.parametrize("name", ["minutes\x1b[2J.txt", "minutes\x07.txt", "report\u202etxt.exe"])
def test_a_file_named_with_a_control_character_is_refused_beside_the_files_field(
    served, cli_library, cli, tmp_path, name
):
    datasette, library = served
    before = dump(library)
    (tmp_path / name).write_bytes(b"minutes")
    expected = run_cli(cli, cli_library, ["add", "--title=T", "--date=2017", "--area=sif:1",
                                          f"--file={tmp_path / name}", "--", "audit"])  # fmt: skip
    sent, page = Browser(datasette, MANAGER).submit(
        "/-/log", LOG_GOOD, files=[("files", name, b"minutes")]
    )
    assert_refused(page, sent, "files", expected)
    assert dump(library) == before
    assert leftovers(library) == []


@pytest.mark.parametrize(
    ("sent_as", "stored_as"),
    [("../../etc/passwd", "passwd"), ("..\\..\\boot.ini", "boot.ini"),
     ("C:\\Users\\jo\\minutes.txt", "minutes.txt")],
)  # fmt: skip
def test_a_file_sent_with_a_path_is_stored_under_its_own_name(fresh, sent_as, stored_as):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    _, answer = manager.submit("/-/log", LOG_GOOD, files=[("files", sent_as, b"plain words")])
    manager.follow(answer)
    assert rows(library, "SELECT name FROM evidence_files WHERE evidence_id = 5") == [(stored_as,)]
    stored = [p for p in (library.parent / "files").rglob("*") if p.is_file()]
    assert any(p.read_bytes() == b"plain words" for p in stored)
    assert all(p.resolve().is_relative_to(library.parent) for p in stored)
    assert not (library.parent.parent / "etc").exists()
    assert leftovers(library) == []


def test_a_file_over_the_librarys_own_limit_is_named_as_it_was_sent(
    served, cli_library, cli, tmp_path, monkeypatch
):
    """The library's limit for one file (EVIDENCE_MAX_FILE_MB) set below the form's: the
    error names the file as the person chose it, never where the server put it."""
    datasette, library = served
    before = dump(library)
    monkeypatch.setenv("EVIDENCE_MAX_FILE_MB", "1")
    (tmp_path / "big.txt").write_bytes(b"x" * (2 * 1024 * 1024))
    expected = run_cli(cli, cli_library, ["add", "--title=T", "--date=2017", "--area=sif:1",
                                          "--file=big.txt", "--", "audit"])  # fmt: skip
    sent, page = Browser(datasette, MANAGER).submit(
        "/-/log", LOG_GOOD, files=[("files", "big.txt", b"x" * (2 * 1024 * 1024))]
    )
    assert_refused(page, sent, "files", expected)
    assert str(library.parent) not in page.text
    assert dump(library) == before and leftovers(library) == []
