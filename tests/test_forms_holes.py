"""The holes an attacker and a careful user found in the web UI's forms, each closed:
two people editing one item, a text box that begins with a line break, a key sent with
another form, a privacy warning too long for the cookie that carries it, methods a form
does not take, file names no browser should send, an unsigned CSRF cookie, and the
folders of forms a killed server left behind."""

import asyncio
import os
import time

from conftest import dump
from test_forms import (
    ANALYST,
    LOG_GOOD,
    MANAGER,
    Browser,
    forms,
    fresh,
    leftovers,
    pristine,
    rows,
)

from evidence.web import prepare

__all__ = ["fresh", "pristine"]  # fixtures


def test_a_second_edit_opened_before_the_first_was_saved_is_refused(fresh):
    """Mia and Ann open item 1's Edit page; Mia saves a summary; Ann then saves an owner.
    Ann's form would put Mia's summary back: it is refused, and Mia's change stands."""
    datasette, library = fresh
    mia, ann = Browser(datasette, MANAGER), Browser(datasette, ANALYST)
    hers = mia.fill("/-/evidence/1/edit", {"summary": "Corrected by Mia"})
    his = ann.fill("/-/evidence/1/edit", {"owner": "Head of QA"})
    mia.follow(mia.send("/-/evidence/1/edit", hers))
    before = dump(library)
    refused = ann.send("/-/evidence/1/edit", his)
    assert refused.status == 400
    assert refused.problem.startswith(f"evidence 1 was changed by {MANAGER} at ")
    assert "after this page was opened: nothing was saved." in refused.problem
    assert dump(library) == before
    assert rows(library, "SELECT summary, owner FROM evidence WHERE id = 1") == [
        ("Corrected by Mia", None)
    ]
    # Opened again, the page shows Mia's change, and Ann's own saves.
    again = ann.fill("/-/evidence/1/edit", {"owner": "Head of QA"})
    assert again["summary"] == ["Corrected by Mia"]
    ann.follow(ann.send("/-/evidence/1/edit", again))
    assert rows(library, "SELECT summary, owner FROM evidence WHERE id = 1") == [
        ("Corrected by Mia", "Head of QA")
    ]


def test_a_summary_that_begins_with_a_line_break_comes_back_unchanged(fresh):
    """HTML drops a line break straight after a text box's tag: the page writes one of its
    own there, so a summary that begins with one is sent back as it was."""
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    _, answer = manager.submit("/-/evidence/1/edit", {"summary": "\nFirst line\nSecond"})
    manager.follow(answer)
    page = manager.get("/-/evidence/1/edit")
    assert "<textarea" in page.text and ">\n\nFirst line" in page.text
    _, answer = manager.submit("/-/evidence/1/edit", {"owner": "Head of QA"})
    assert manager.follow(answer).messages == ["Updated evidence 1: owner (none) → 'Head of QA'"]
    assert rows(library, "SELECT summary FROM evidence WHERE id = 1") == [
        ("\nFirst line\nSecond",)
    ]


def test_a_key_sent_with_another_form_or_by_another_account_is_its_own(fresh):
    """Mia's key for the log form, sent by Ann with the withdraw form of item 3, is not
    taken for Mia's form: item 3 is withdrawn."""
    datasette, library = fresh
    mia, ann = Browser(datasette, MANAGER), Browser(datasette, ANALYST)
    logged = mia.fill("/-/log", {**LOG_GOOD, "title": "Mia's"})
    mia.follow(mia.send("/-/log", logged))
    withdrawal = ann.fill("/-/evidence/3/withdraw", {"reason": "Duplicate"})
    withdrawal["key"] = logged["key"]
    answer = ann.send("/-/evidence/3/withdraw", withdrawal)
    assert ann.follow(answer).messages[0].startswith("Withdrew evidence 3.")
    assert rows(library, "SELECT status FROM evidence WHERE id = 3") == [("withdrawn",)]


def test_a_privacy_warning_names_ten_words_and_counts_the_rest(fresh):
    """The warning is carried to the next page in a cookie, which a browser drops past
    4 KB: a summary with 300 postcodes is named by ten, and the rest counted."""
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    postcodes = " ".join(f"N{n // 10} {n % 10}AB" for n in range(10, 310))
    _, answer = manager.submit("/-/log", {**LOG_GOOD, "title": "Post", "summary": postcodes})
    assert len(answer.response.headers["set-cookie"]) < 4000
    messages = manager.follow(answer).messages
    assert messages[0] == "Logged evidence 5."
    assert " and 290 more); it will not be printed" in messages[1]
    assert messages[1].count("'") == 20


def test_a_form_takes_get_and_post_only(fresh):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    before = dump(library)
    manager.fill("/-/evidence/3/withdraw")  # its page sets the CSRF cookie
    token = manager.cookies.get(forms.CSRF_COOKIE)
    for method in ("PUT", "DELETE", "PATCH"):
        answer = asyncio.run(
            manager.arequest(method, "/-/evidence/3/withdraw", headers={"x-csrftoken": token})
        )
        assert answer.status_code == 405, method
        assert answer.headers["allow"] == "GET, HEAD, POST"
    assert dump(library) == before


def test_a_file_name_no_browser_sends_is_refused_beside_the_files(fresh):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    before = dump(library)
    for name, problem in (
        (b"caf\xe9.txt", "is not a name in UTF-8"),
        ("..", "has no name of its own"),
        ("folder/", "has no name of its own"),
    ):
        fields = manager.fill("/-/log", {**LOG_GOOD, "title": "Odd name"})
        page = manager.send("/-/log", fields, [("files", name, b"words")])
        assert page.status == 400, name
        assert problem in page.errors["files"], (name, page.errors)
    assert dump(library) == before and leftovers(library) == []


def test_an_unsigned_csrf_cookie_is_refused(fresh):
    """A cookie the server did not sign, with the same value as the form's token (a
    cookie set by another page of the same site, say), does not pass for its own."""
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    before = dump(library)
    fields = manager.fill("/-/log", {**LOG_GOOD, "title": "Forged"})
    fields["csrftoken"] = ["forged"]
    manager.cookies.set(forms.CSRF_COOKIE, "forged")
    page = manager.send("/-/log", fields)
    assert page.status == 403 and "expired or was sent from another site" in page.text
    assert dump(library) == before


def test_the_folders_of_forms_a_killed_server_left_are_swept(fresh):
    """A server killed while reading a form leaves its folder (with a file that was never
    logged); the next start removes one an hour old, and leaves one of a form still
    being read (by another server of the same library)."""
    _, library = fresh
    old = library.parent / f"{forms.UPLOAD_PREFIX}killed"
    (old / "upload-1").parent.mkdir()
    (old / "upload-1").write_text("Child K, born 2 March 2010")
    hour_ago = time.time() - forms.STALE_UPLOAD_SECONDS - 60
    os.utime(old, (hour_ago, hour_ago))
    young = library.parent / f"{forms.UPLOAD_PREFIX}reading"
    young.mkdir()
    prepare(library)
    assert not old.exists() and young.exists()
