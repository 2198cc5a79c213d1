"""The web UI's forms as a manager uses them: a real `evidence serve`, driven by headless
Chromium, clicking and typing as a person does.

mia.manager logs in, logs an audit with a PDF attached, finds it by a word that is only
inside the PDF, verifies a claimed item of the demo and closes an open action with the
audit as its evidence. The demo library is served as of today, so that what is logged
today is not in the future. Each step saves a full-page screenshot to build/screenshots/
(forms-*.png), to look at after a run; the log form is also shot at a tablet's width and
after a failed sending. Last, a page on another site tries to send the log form.
"""

import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
import weasyprint
from conftest import Listener
from playwright.sync_api import Page, expect
from test_browser import (
    PASSWORD,
    SCREENSHOTS,
    command,
    evidence,
    log_in,
    new_page,
    refused,
    serving,
    today,
)
from test_browser import browser as browser  # the module's fixture: one Chromium

pytestmark = pytest.mark.browser  # Chromium, driven by Playwright

WORD = "quixotrophic"  # in the PDF, and nowhere else in the library
TITLE = "Audit of return home interviews, spring term"
PDF_NAME = "return-home-audit.pdf"
TABLET = {"width": 768, "height": 1024}


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """The demo library, with mia.manager to write to it."""
    path = tmp_path_factory.mktemp("forms") / "evidence.db"
    evidence("demo", "--db", path)
    evidence(
        "user", "add", "mia.manager", "--role", "manager", "--password-stdin", "--db", path,
        "--by", "tester", stdin=PASSWORD + "\n",
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def server(library):
    """`evidence serve` of the demo library, as of today."""
    with serving(library, as_of=None) as base:
        yield base


@pytest.fixture
def manager(browser, server):
    """A new tab, logged in as mia.manager from the login form."""
    page = new_page(browser)
    page.goto(server + "/-/login?next=/")
    log_in(page, "mia.manager")
    expect(page).to_have_url(server + "/")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> Path:
    """A PDF report, as an auditor would send it, with the unusual word in its text."""
    path = tmp_path_factory.mktemp("pdf") / PDF_NAME
    weasyprint.HTML(
        string=f"""<h1>Return home interviews</h1>
<p>Twelve interviews were read. Their recording was found {WORD}: full in the first
weeks, thin by the end of term.</p>"""
    ).write_pdf(path)
    return path


def shot(page: Page, name: str) -> None:
    page.wait_for_load_state("load")  # its scripts have run
    page.screenshot(path=SCREENSHOTS / f"forms-{name}.png", full_page=True)


def query(library: Path, sql: str, *args) -> list[tuple]:
    """What the library holds, read as the server goes on writing it."""
    conn = sqlite3.connect(f"file:{library}?mode=ro", uri=True)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def record_value(page: Page, column: str) -> str:
    """The value a record's page shows for a column (its first line: a description of the
    column follows it)."""
    term = page.locator("dl.record dt").filter(has_text=re.compile(f"^{re.escape(column)}$"))
    expect(term).to_have_count(1)
    return term.locator("xpath=following-sibling::dd[1]").inner_text().split("\n")[0].strip()


def open_first_row(page: Page) -> int:
    """Click the id of the first row a table shows; the id of the record opened."""
    link = page.locator("table.rows-and-columns tbody tr").first.locator("td.col-id a")
    record_id = int(link.inner_text())
    link.click()
    expect(page).to_have_url(re.compile(rf"/evidence/\w+/{record_id}$"))
    return record_id


def fill_log_form(page: Page, *, title: str, date: str, pdf: Path | None = None) -> None:
    """Fill in the log form: an audit of area 1 of the SIF, about the front door."""
    page.get_by_label("Kind of evidence").select_option(label="Audit")
    page.get_by_label("Title").fill(title)
    page.get_by_role("textbox", name="Date *").fill(date)
    themes = page.locator("#field-themes")
    if not page.locator("input[name=areas]:checked").count():
        expect(themes.get_by_text("Tick an area above to see its themes.")).to_be_visible()
        expect(themes.get_by_role("checkbox")).to_have_count(0)
    sif = page.locator('#field-areas details[data-framework="sif"]')
    sif.get_by_role("checkbox", name=re.compile("^1 Experiences and progress of children")).check()
    # Only the themes of the area ticked show.
    expect(themes.get_by_text("Tick an area above to see its themes.")).to_be_hidden()
    expect(themes.get_by_role("checkbox", name=re.compile("^Adoption timeliness"))).to_be_hidden()
    theme = themes.get_by_role("checkbox", name=re.compile("^The front door"))
    expect(theme).to_be_visible()
    theme.check()
    page.get_by_label("Summary").fill(
        "Twelve return home interviews read against the missing children protocol."
    )
    if pdf is not None:
        page.get_by_label("Files").set_input_files(pdf)


def test_a_manager_logs_an_audit_finds_it_by_its_pdf_verifies_a_claim_and_closes_an_action(
    browser, server, library, pdf
):
    page = new_page(browser)
    try:
        # 1. mia.manager logs in, and is taken to the home page.
        page.goto(server + "/")
        expect(page).to_have_url(re.compile(re.escape(server + "/-/login?next=")))
        shot(page, "01-login")
        log_in(page, "mia.manager")
        expect(page).to_have_url(server + "/")
        expect(page.get_by_role("heading", name=re.compile("^Readiness"))).to_be_visible()
        shot(page, "02-home")
        page.get_by_role("link", name="Log evidence").click()
        expect(page).to_have_url(server + "/-/log")
        expect(page.get_by_role("heading", name="Log evidence")).to_be_visible()

        # 2. She logs an audit with its report attached.
        fill_log_form(page, title=TITLE, date=today(-14), pdf=pdf)
        shot(page, "03-log-form")
        send = page.get_by_role("button", name="Log evidence")
        expect(send).to_have_css("background-color", "rgb(0, 112, 60)")  # the green of Edit
        assert refused(page) == []
        send.click()
        expect(page).to_have_url(re.compile(re.escape(server) + r"/evidence/evidence/\d+$"))
        item = int(page.url.rsplit("/", 1)[1])
        expect(page.locator(".message-info").first).to_have_text(f"Logged evidence {item}.")
        assert record_value(page, "Title") == TITLE
        assert "audit" in record_value(page, "Kind").lower()
        assert record_value(page, "Created by") == "mia.manager"
        shot(page, "04-logged")
        # Its file is one of its linked records, and its name opens the file itself.
        page.locator("li", has_text="in evidence files").get_by_role("link", name="1 row").click()
        expect(page).to_have_url(re.compile(rf"/evidence/evidence_files\?evidence_id={item}$"))
        file_link = page.locator("td.col-name").get_by_role("link", name=PDF_NAME)
        expect(file_link).to_have_attribute("href", re.compile(r"^/-/files/[0-9a-f]{64}/"))
        shot(page, "05-files")
        with page.expect_download() as download:
            file_link.click()
        assert Path(download.value.path()).read_bytes() == pdf.read_bytes()

        # 3. She finds it from the home page by a word that is only inside the PDF.
        page.goto(server + "/")
        page.locator("#home-search").fill(WORD)
        page.get_by_role("button", name="Search").click()
        expect(page).to_have_url(re.compile(rf"/evidence/evidence\?_search={WORD}"))
        found = page.locator("table.rows-and-columns tbody tr")
        expect(found).to_have_count(1)
        expect(found.locator("td.col-title")).to_have_text(TITLE)
        expect(found.locator("td.col-id")).to_have_text(str(item))
        shot(page, "06-search")
        assert query(
            library,
            "SELECT count(*) FROM evidence WHERE title || ' ' || coalesce(summary, '') LIKE ?",
            f"%{WORD}%",
        ) == [(0,)]

        # 4. She opens a claimed item of the demo, and verifies it.
        page.locator("details.nav-menu summary").click()
        page.get_by_role("link", name="All evidence").click()
        page.locator("#facet-assurance").get_by_role("link", name="claimed").click()
        expect(page).to_have_url(re.compile(r"[?&]assurance=claimed"))
        claimed = open_first_row(page)
        assert record_value(page, "Assurance") == "claimed"
        shot(page, "07-claimed")
        page.get_by_role("link", name="Verify this claim").click()
        expect(page).to_have_url(server + f"/-/evidence/{claimed}/verify")
        expect(page.get_by_label("Checked on")).to_have_value(today())
        shot(page, "08-verify-form")
        page.get_by_role("button", name="Verify").click()
        expect(page).to_have_url(server + f"/evidence/evidence/{claimed}")
        expect(page.locator(".message-info").first).to_have_text(
            f"Verified evidence {claimed} (by mia.manager)."
        )
        assert record_value(page, "Assurance") == "verified"
        assert record_value(page, "Verified by") == "mia.manager"
        assert record_value(page, "Verified on") == today()
        expect(page.get_by_role("link", name="Verify this claim")).to_have_count(0)
        shot(page, "09-verified")

        # 5. She opens an action still open, and closes it with the audit as its evidence.
        page.goto(server + "/evidence/actions")
        page.locator("#facet-status").get_by_role("link", name="in-progress").click()
        expect(page).to_have_url(re.compile(r"[?&]status=in-progress"))
        action = open_first_row(page)
        assert record_value(page, "Status") == "in-progress"
        shot(page, "10-action")
        page.get_by_role("link", name="Update this action").click()
        expect(page).to_have_url(server + f"/-/actions/{action}/update")
        page.get_by_label("Status").select_option(label="Closed")
        page.get_by_label("Evidence that shows it done").fill(str(item))
        expect(page.get_by_label("On *", exact=True)).to_have_value(today())
        shot(page, "11-update-form")
        page.get_by_role("button", name="Save the update").click()
        expect(page).to_have_url(server + f"/evidence/actions/{action}")
        expect(page.locator(".message-info").first).to_have_text(
            re.compile(rf"^Updated action {action}: closed, due .+; RAG not rated \(closed\)\.$")
        )
        assert record_value(page, "Status") == "closed"
        assert record_value(page, "Updated by") == "mia.manager"
        shot(page, "12-closed")
        assert refused(page) == []
    finally:
        page.context.close()

    # What the library recorded: the update, with its evidence, and who made each change.
    assert query(
        library,
        "SELECT status, evidence_id, on_date, created_by FROM action_updates"
        " WHERE action_id = ? ORDER BY id DESC LIMIT 1",
        action,
    ) == [("closed", item, today(), "mia.manager")]
    assert query(library, "SELECT created_by FROM evidence WHERE id = ?", item) == [
        ("mia.manager",)
    ]
    assert query(
        library,
        "SELECT changed_by FROM changes WHERE table_name = 'evidence' AND row_id = ?"
        " AND action = 'insert'",
        item,
    ) == [("mia.manager",)]
    assert query(library, "SELECT verified_by FROM evidence WHERE id = ?", claimed) == [
        ("mia.manager",)
    ]


def test_the_log_form_fits_a_tablet_and_shows_an_error_beside_its_field(
    browser, server, library, pdf
):
    page = new_page(browser)
    try:
        page.set_viewport_size(TABLET)
        page.goto(server + "/-/login?next=/-/log")
        log_in(page, "mia.manager")
        expect(page).to_have_url(server + "/-/log")
        expect(page.get_by_text("Tick an area above to see its themes.")).to_be_visible()
        shot(page, "13-log-form-tablet")
        # Nothing runs past the right of the screen, so nothing needs scrolling sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
        for name in ("title", "date", "kind", "summary"):
            box = page.locator(f"#input-{name}").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= TABLET["width"], (name, box)

        page.set_viewport_size({"width": 1280, "height": 900})
        before = query(library, "SELECT count(*) FROM evidence")
        future = today(30)
        fill_log_form(page, title="An audit dated next month", date=future, pdf=pdf)
        page.get_by_role("button", name="Log evidence").click()
        expect(page).to_have_url(server + "/-/log")
        date = page.locator("#field-date")
        expect(date).to_have_class(re.compile(r"\bhas-error\b"))
        # The error is the command line's, word for word.
        said = subprocess.run(
            command("add", "audit", "--title", "An audit dated next month", "--date", future,
                    "--area", "1", "--db", library),
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert said.returncode == 1
        cli_error = " ".join(said.stderr.split())
        assert cli_error.startswith(f"Error: date '{future}' is in the future"), cli_error
        expect(date.locator(".field-error")).to_have_text(cli_error)
        expect(page.get_by_role("alert").first).to_contain_text("Nothing was saved")
        # What was typed is kept; only the Date field is marked.
        expect(page.get_by_label("Title")).to_have_value("An audit dated next month")
        expect(page.locator("#input-date")).to_have_value(future)
        expect(page.locator("#input-date")).to_be_focused()
        expect(page.locator("#input-kind")).to_have_value("audit")
        expect(page.locator('input[name=areas][value="sif:1"]')).to_be_checked()
        expect(page.locator("input[name=themes][value=front-door]")).to_be_checked()
        expect(page.locator(".has-error")).to_have_count(1)
        # A browser cannot keep a file chosen: the form says to choose it again.
        expect(page.locator("#help-files")).to_contain_text("Choose the files again")
        shot(page, "14-log-form-error")
        assert query(library, "SELECT count(*) FROM evidence") == before
        assert refused(page) == []
    finally:
        page.context.close()


# An attack that takes a browser to show


def test_attack_a_form_sent_from_another_site_logs_nothing(manager, server, library):
    """A page elsewhere (another port of this computer, so the browser sends it the
    library's cookies) sends the log form, filled in, as the manager visits it."""
    site = Listener()
    try:
        site.page = f"""<!DOCTYPE html><title>Lunch menu</title>
<form method="post" action="{server}/-/log" enctype="multipart/form-data">
<input name="kind" value="audit"><input name="title" value="Planted by another site">
<input name="date" value="2018-01-01"><input name="areas" value="sif:1">
<input name="key" value="{"k" * 32}">
</form>
<script>document.forms[0].submit();</script>""".encode()
        before = query(library, "SELECT count(*) FROM evidence")
        with manager.expect_response(server + "/-/log") as answer:
            manager.goto(site.url + "/")
        assert answer.value.status == 403
        expect(manager.locator("body")).to_contain_text(
            "Refused: this request came from another site"
        )
        shot(manager, "15-attack-refused")
        assert query(library, "SELECT count(*) FROM evidence") == before
        assert query(library, "SELECT count(*) FROM evidence WHERE title LIKE 'Planted%'") == [
            (0,)
        ]
        # Her own form still works: the refusal did not end her session.
        manager.goto(server + "/-/log")
        expect(manager.get_by_role("heading", name="Log evidence")).to_be_visible()
    finally:
        site.close()
