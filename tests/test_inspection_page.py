"""The inspection page (/-/inspection) as its visitors get it: through Datasette's own test
client, and in headless Chromium.

One demo library is served for the whole module, with a manager and an analyst and an
open inspection whose requests stand in every state: late, open, answered on time and
late (items with their files, a file from outside the library), reopened and withdrawn,
and a few written straight into the tables with markup, hidden characters and a text of
a megabyte, as another tool could.
"""

import datetime as dt
import hashlib
import html
import re
import sqlite3

import pytest
from test_web import PASSWORD, Visitor, run

from evidence import inspections
from evidence.accounts import Accounts
from evidence.library import open_library
from evidence.uktime import read_stored, shown, stored
from evidence.web import make_datasette

NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'
OUTSIDE = "annex-a <summary>.csv"
OUTSIDE_SHA = hashlib.sha256(b"annex a").hexdigest()
HUGE = 1_000_000


def uk(moment: dt.datetime) -> str:
    """A time as a person types it, in UTC ("Z"), for the library's functions."""
    return f"{moment:%Y-%m-%d %H:%M}Z"


def ago(hours: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from typer.testing import CliRunner

    from evidence.cli import full_app

    folder = tmp_path_factory.mktemp("inspection")
    path = folder / "evidence.db"
    attached = folder / "audit-tool.txt"
    attached.write_text("The audit tool.\n")
    runner = CliRunner()
    for args in (["demo", "--db", path], ["edit", "1", "--file", attached, "--db", path]):
        result = runner.invoke(full_app(), [str(arg) for arg in args], env={"EVIDENCE_USER": "t"})
        assert result.exit_code == 0, result.output
    accounts = Accounts(path)
    accounts.add("mia.manager", "manager", PASSWORD, by="tester")
    accounts.add("ann.analyst", "analyst", PASSWORD, by="tester")
    conn = open_library(path)
    items = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM evidence WHERE status = 'current' AND kind != 'child-story'"
            " AND id != 1 ORDER BY id LIMIT 2"
        )
    ]
    ids = {}
    inspections.start_inspection(
        conn, framework="sif", type="inspection", notified=uk(ago(72)), by="t", lead=MARKUP
    )

    def add(name, text, due_hours, **options):
        ids[name] = inspections.add_request(
            conn, text, due=uk(ago(-due_hours)), by="t", at=uk(ago(70)), **options
        )

    add("late", "Audits of neglect cases", -24, owner="Head of QA", asked_by="Jo Bloggs HMI")
    add("open", MARKUP + " & plans", 24, owner=MARKUP, asked_by=MARKUP)
    add("answered", "Minutes of the board", -10, owner="Board clerk")
    add("answered_late", "The performance report", -60, owner="Performance team")
    add("withdrawn", "Asked twice", -30)
    add("reopened", "The audit programme", -5, owner="Head of QA")
    inspections.answer_request(
        conn,
        ids["answered"],
        by="t",
        evidence_ids=[1],
        files=[inspections.HandedFile(OUTSIDE, OUTSIDE_SHA, 7)],
        note=MARKUP,
        at=uk(ago(20)),
    )
    inspections.answer_request(
        conn, ids["answered_late"], by="t", evidence_ids=items, at=uk(ago(30))
    )
    inspections.withdraw_request(
        conn, ids["withdrawn"], reason="Asked twice.", by="t", at=uk(ago(40))
    )
    inspections.answer_request(
        conn, ids["reopened"], by="t", evidence_ids=[items[0]], at=uk(ago(50))
    )
    inspections.reopen_request(
        conn, ids["reopened"], reason="They want the findings too", by="t", at=uk(ago(45))
    )
    inspection_id = inspections.open_inspection(conn)["id"]
    # Written straight into the tables, as another tool could: none of `request add`'s
    # checks apply.
    hidden = "Audit\u202eslx.exe\U000e0041 \u200bfile"
    for name, text in (("hidden", hidden), ("huge", "x" * HUGE)):
        ids[name] = conn.execute(
            "INSERT INTO requests (inspection_id, text, asked_at, due_at, owner, created_at,"
            " created_by) VALUES (?, ?, ?, ?, ?, ?, 't')",
            [inspection_id, text, stored(ago(60)), stored(ago(-48)), hidden, stored(NOW)],
        ).lastrowid
    conn.commit()
    conn.close()
    return make_datasette(path), path, ids, items


def page_of(served, name="mia.manager", path="/-/inspection"):
    datasette, *_ = served
    answer = Visitor(datasette, name).get(path)
    assert answer.status_code == 200, answer.text[-2000:]
    return answer.text


def section(page: str, status: str) -> str:
    found = re.search(rf'<section class="request-group group-{status}".*?</section>', page, re.S)
    assert found, status
    return found.group(0)


def row(page: str, request_id: int) -> str:
    found = re.search(rf'<tr id="request-{request_id}" class="([^"]*)">.*?</tr>', page, re.S)
    assert found, request_id
    return found.group(0)


def text_of(fragment: str) -> str:
    """What a person reads in a piece of the page: its text, tags dropped."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_managers_and_analysts_read_it_and_no_one_else(served):
    datasette, *_ = served
    for name in ("mia.manager", "ann.analyst"):
        assert Visitor(datasette, name).get("/-/inspection").status_code == 200, name
    refused = Visitor(datasette).get("/-/inspection?as_of=2026-01-01")
    assert refused.status_code == 302
    assert refused.headers["location"] == "/-/login?next=%2F-%2Finspection%3Fas_of%3D2026-01-01"
    assert "Audits of neglect" not in refused.text
    # A disabled account is no one at once.
    accounts = Accounts(served[1])
    accounts.add("ex.manager", "manager", PASSWORD, by="tester")
    visitor = Visitor(datasette, "ex.manager")
    assert visitor.get("/-/inspection").status_code == 200
    accounts.disable("ex.manager", by="tester")
    assert visitor.get("/-/inspection").status_code == 302


def test_the_menu_help_and_home_link_to_it_and_it_carries_the_marking(served):
    assert 'href="/-/inspection">Inspection</a>' in page_of(served, path="/")
    assert 'href="/-/inspection">The inspection</a>' in page_of(served, path="/")
    assert '<a href="/-/inspection">Inspection</a> shows' in page_of(served, path="/-/help")
    page = page_of(served)
    assert page.count(">OFFICIAL-SENSITIVE</div>") == 2
    assert "Fenmoor Borough Council" in page


def test_it_shows_the_inspection_and_its_requests_by_status(served):
    _, _, ids, items = served
    page = page_of(served)
    # The demo keeps an inspection week of its own (inspection 1): this one is 2.
    assert "Inspection 2: inspection (SIF)" in page
    assert f"<dt>Notified</dt><dd>{shown(ago(72))}</dd>" in page
    assert "this page refreshes itself every minute" in page
    counts = text_of(re.search(r'<ul class="request-counts".*?</ul>', page, re.S).group(0))
    assert counts == (
        "2 late 3 open, not yet due 2 answered , 1 of them late 1 withdrawn 8 requests in all"
    )
    # Late first, then open, answered and withdrawn.
    order = [
        page.index(f'id="{status}-heading"')
        for status in ("late", "open", "answered", "withdrawn")
    ]
    assert order == sorted(order)
    where = {
        "late": "late", "reopened": "late", "open": "open", "hidden": "open", "huge": "open",
        "answered": "answered", "answered_late": "answered", "withdrawn": "withdrawn",
    }  # fmt: skip
    for name, status in where.items():
        assert f'id="request-{ids[name]}"' in section(page, status), name
    late = row(page, ids["late"])
    assert 'class="request request-late late"' in late
    assert shown(ago(24)) in text_of(late)
    assert "1 day overdue" in text_of(late)
    assert "Head of QA" in late and "Jo Bloggs HMI" in late
    assert 'class="request request-answered late"' in row(page, ids["answered_late"])
    assert "Answered late" in text_of(row(page, ids["answered_late"]))
    on_time = row(page, ids["answered"])
    assert 'class="request request-answered"' in on_time
    assert f"Answered {shown(ago(20))}" in text_of(on_time)
    assert "Reopened" in text_of(row(page, ids["reopened"]))
    assert "They want the findings too" in text_of(row(page, ids["reopened"]))
    assert "Withdrawn" in text_of(row(page, ids["withdrawn"])) and "Asked twice." in page


def test_what_was_handed_over_links_to_the_library_and_names_outside_files(served):
    datasette, path, ids, items = served
    page = page_of(served)
    answered = row(page, ids["answered"])
    assert '<a href="/evidence/evidence/1">Evidence 1</a>' in answered
    conn = sqlite3.connect(path)
    sha256, name = conn.execute(
        "SELECT sha256, name FROM evidence_files WHERE evidence_id = 1"
    ).fetchone()
    conn.close()
    link = f"/-/files/{sha256}/{name}"
    assert f'href="{link}" download' in answered
    assert Visitor(datasette, "mia.manager").get(link).text == "The audit tool.\n"
    outside = text_of(re.search(r'<li class="outside-file">.*?</li>', answered).group(0))
    assert outside == f"File {OUTSIDE} {OUTSIDE_SHA[:12]} (from outside the library)"
    assert f'title="SHA-256 {OUTSIDE_SHA}"' in answered
    late = row(page, ids["answered_late"])
    for item in items:
        assert f'<a href="/evidence/evidence/{item}">Evidence {item}</a>' in late
    # Each link opens the item's row.
    assert (
        Visitor(datasette, "mia.manager").get(f"/evidence/evidence/{items[0]}").status_code == 200
    )


def test_markup_in_any_field_is_shown_as_text(served):
    _, _, ids, _ = served
    page = page_of(served)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert (
        page.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 4
    )  # lead, text, owner, asked by, note
    assert MARKUP + " & plans" in text_of(row(page, ids["open"]))
    assert MARKUP in text_of(row(page, ids["answered"]))
    assert "annex-a &lt;summary&gt;.csv" in page


def test_characters_that_hide_or_reorder_text_are_shown_by_their_code_points(served):
    _, _, ids, _ = served
    page = page_of(served)
    for char in ("\u202e", "\U000e0041", "\u200b"):
        assert char not in page
    shown_row = text_of(row(page, ids["hidden"]))
    assert "Audit[U+202E]slx.exe[U+E0041] [U+200B]file" in shown_row
    assert shown_row.count("[U+202E]") == 2  # the text and the owner


def test_a_huge_text_is_cut_short_and_says_so(served):
    _, _, ids, _ = served
    page = page_of(served)
    huge = row(page, ids["huge"])
    assert "x" * inspections.TEXT_MAX + "… (998,000 more characters)" in huge
    assert len(page) < 100_000


def test_a_huge_or_wrong_as_of_is_refused_in_a_sentence(served):
    datasette, *_ = served
    manager = Visitor(datasette, "mia.manager")
    huge = manager.get(
        "/-/inspection?as_of=" + "9" * 60_000
    )  # httpx sends 64 KB of address at most
    assert huge.status_code == 400
    assert "as_of is 60,000 characters long" in huge.text and len(huge.text) < 20_000
    wrong = manager.get("/-/inspection?as_of=2026-02-30")
    assert wrong.status_code == 400
    assert "as_of &#39;2026-02-30&#39; is not a day that exists." in wrong.text
    gone = manager.get("/-/inspection?as_of=2026-03-29+01:30")  # the clocks go forward
    assert gone.status_code == 400 and "does not exist in the UK" in gone.text


def test_as_of_shows_the_requests_as_they_stood_and_does_not_refresh(served):
    _, _, ids, _ = served
    moment = ago(35)  # after the late answer was due, before it was answered
    page = page_of(served, path=f"/-/inspection?as_of={uk(moment).replace(' ', '+')}")
    assert f"As it stood at {shown(moment)}" in page
    assert 'http-equiv="refresh"' not in page
    assert f'id="request-{ids["answered_late"]}"' in section(page, "late")
    assert f'id="request-{ids["answered"]}"' in section(page, "open")
    assert f'id="request-{ids["reopened"]}"' in section(page, "open")  # reopened, not yet due
    assert f'id="request-{ids["withdrawn"]}"' in section(page, "withdrawn")
    now = page_of(served)
    assert '<meta http-equiv="refresh" content="60">' in now


def test_the_page_agrees_with_the_command_line(served):
    _, path, _, _ = served
    page = page_of(served)
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    found = inspections.list_requests(conn, moment=NOW + dt.timedelta(seconds=30))
    conn.close()
    for request in found:
        status = "late" if request["overdue"] else request["status"]
        assert f'id="request-{request["id"]}"' in section(page, status), request["id"]
        assert request["due_display"] in row(page, request["id"])


def test_a_change_to_the_library_shows_at_once(served):
    datasette, path, ids, _ = served
    before = page_of(served)
    assert f'id="request-{ids["late"]}"' in section(before, "late")
    conn = open_library(path)
    inspections.withdraw_request(conn, ids["late"], reason="No longer wanted", by="t")
    conn.close()
    after = page_of(served)
    assert f'id="request-{ids["late"]}"' in section(after, "withdrawn")
    assert "No longer wanted" in after


def test_another_site_cannot_read_it_or_frame_it(served):
    datasette, *_ = served
    visitor = Visitor(datasette, "mia.manager")

    def get(**headers):
        return run(datasette.client.get("/-/inspection", cookies=visitor.cookies, headers=headers))

    fetched = get(
        **{"sec-fetch-site": "cross-site", "sec-fetch-mode": "cors", "sec-fetch-dest": "empty"}
    )
    assert fetched.status_code == 403 and "Audits" not in fetched.text
    framed = get(
        **{
            "sec-fetch-site": "cross-site",
            "sec-fetch-mode": "navigate",
            "sec-fetch-dest": "iframe",
        }
    )
    assert framed.status_code == 403
    followed = get(
        **{
            "sec-fetch-site": "cross-site",
            "sec-fetch-mode": "navigate",
            "sec-fetch-dest": "document",
        }
    )
    assert followed.status_code == 200
    assert "frame-ancestors 'none'" in followed.headers["content-security-policy"]
    assert followed.headers["x-frame-options"] == "DENY"
    assert "<script" not in re.sub(r'<script [^>]*src="/[^"]+"[^>]*></script>', "", followed.text)


def test_with_no_inspection_it_says_so_and_then_shows_the_latest_ended(tmp_path, monkeypatch):
    from evidence.web import plugin

    monkeypatch.setattr(plugin, "CACHE_SECONDS", 0)
    path = tmp_path / "evidence.db"
    open_library(path).close()
    datasette = make_datasette(path)
    page = Visitor(datasette).get("/-/inspection")  # no accounts: the person at this computer
    assert page.status_code == 200
    assert "No inspection is open, and none has been recorded." in page.text
    conn = open_library(path)
    inspections.start_inspection(
        conn, framework="sif", type="inspection", notified=uk(ago(72)), by="t"
    )
    request_id = inspections.add_request(conn, "Audits", due=uk(ago(48)), by="t", at=uk(ago(70)))
    inspections.end_inspection(conn, by="t")
    conn.close()
    page = Visitor(datasette).get("/-/inspection").text
    ended = dt.datetime.now().astimezone().date()
    assert "No inspection is open. The latest ended on" in page
    assert f"<dt>Ended</dt><dd>{ended.day} {ended:%b %Y}</dd>" in page
    assert f'id="request-{request_id}"' in section(page, "late")


def test_stored_times_are_read_strictly_and_shown_in_uk_time():
    assert read_stored("2026-10-25T00:30:00Z") == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)
    assert shown("2026-10-25T00:30:00Z") == "25 Oct 2026 01:30 BST"
    assert shown("2026-10-25T01:30:00Z") == "25 Oct 2026 01:30 GMT"
    assert shown("2026-07-01T11:00:00Z") == "1 Jul 2026 12:00"
    for wrong in (
        "2026-10-25 00:30:00Z",
        "2026-10-25T00:30:00",
        "２０２６-10-25T00:30:00Z",
        "2026-02-30T00:00:00Z",
    ):
        with pytest.raises(ValueError):
            read_stored(wrong)


@pytest.mark.browser
def test_a_manager_sees_late_requests_in_red_in_chromium(served, tmp_path):
    import shutil

    from playwright.sync_api import expect, sync_playwright
    from test_browser import CHROMIUM_FLAGS, log_in, new_page, refused, serving

    _, path, ids, _ = served
    with serving(path, as_of=None) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS
        )
        try:
            page = new_page(browser)
            page.goto(base + "/-/inspection")
            log_in(page, "mia.manager")
            expect(page).to_have_url(base + "/-/inspection")
            page.screenshot(path=tmp_path / "inspection.png", full_page=True)
            assert (tmp_path / "inspection.png").stat().st_size > 10_000
            expect(
                page.get_by_role("heading", name="Inspection 2: inspection (SIF)")
            ).to_be_visible()
            late = page.locator(f"#request-{ids['reopened']}")
            expect(late).to_be_visible()
            expect(late).to_contain_text("They want the findings too")
            red = late.locator("td").first.evaluate(
                "cell => getComputedStyle(cell).backgroundColor"
            )
            assert red == "rgb(251, 234, 234)"
            colour = late.locator(".overdue-by").evaluate("cell => getComputedStyle(cell).color")
            assert colour == "rgb(177, 14, 30)"
            on_time = page.locator(f"#request-{ids['answered']}")
            expect(on_time).to_contain_text(MARKUP)  # shown as text, run never
            expect(on_time.get_by_role("link", name="Evidence 1")).to_be_visible()
            assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
            assert page.locator('meta[http-equiv="refresh"]').get_attribute("content") == "60"
            expect(page.locator("#late-heading")).to_have_css("color", "rgb(177, 14, 30)")
            assert refused(page) == []
            page.locator("#as-of").fill(uk(ago(35)))
            page.get_by_role("button", name="Show").click()
            expect(page.locator(".as-of-line")).to_contain_text("As it stood at")
            expect(page.locator(f"#late #request-{served[2]['answered_late']}")).to_be_visible()
            page.screenshot(path=tmp_path / "inspection-as-of.png", full_page=True)
        finally:
            browser.close()


def test_as_it_stood_during_an_inspection_since_ended_it_was_open(tmp_path, monkeypatch):
    from evidence.web import plugin

    monkeypatch.setattr(plugin, "CACHE_SECONDS", 0)
    path = tmp_path / "evidence.db"
    conn = open_library(path)
    inspections.start_inspection(
        conn, framework="sif", type="inspection", notified="2025-11-10 10:30", by="t"
    )
    inspections.add_request(conn, "Audits", due="2025-11-12 12:00", by="t", at="2025-11-10 11:00")
    inspections.end_inspection(conn, by="t", on="2025-11-21")
    conn.close()
    datasette = make_datasette(path)
    during = Visitor(datasette).get("/-/inspection?as_of=2025-11-11+12:00").text
    assert "No inspection is open" not in during
    assert "Inspection 1: inspection (SIF)" in during
    before = Visitor(datasette).get("/-/inspection?as_of=2025-11-01").text
    assert "Inspection 1" not in before
    after = Visitor(datasette).get("/-/inspection?as_of=2025-11-22").text
    assert "No inspection is open. The latest ended on 21 Nov 2025" in after
