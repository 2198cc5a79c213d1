"""A measure compared with its statistical neighbours, as a manager sees it in headless
Chromium: a real `evidence serve` of a library holding DfE's published re-referrals and
its 2025 neighbour model (the real files in ../shared/fixtures/published/). The page is
shot whole at a desktop's width and a tablet's, to build/screenshots/compared-*.png, to
look at after a run.
"""

import pytest
from playwright.sync_api import expect
from test_browser import PASSWORD, SCREENSHOTS, log_in, new_page, refused, serving
from test_browser import browser as browser  # the module's fixture: one Chromium
from test_published import C1, fixture
from test_published_import import MODEL
from test_web_compared import PAGE, library

from evidence.accounts import Accounts

pytestmark = pytest.mark.browser  # Chromium, driven by Playwright

WIDTHS = {"compared-re-referrals.png": 1280, "compared-re-referrals-768.png": 768}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = library(tmp_path_factory.mktemp("compared"), model=fixture(MODEL), c1=fixture(C1))
    Accounts(path).add("mia.manager", "manager", PASSWORD, by="tester")
    with serving(path, as_of=None) as base:
        yield base


def test_a_manager_reads_the_neighbours_at_a_desks_width_and_a_tablets(browser, server):
    page = new_page(browser)
    try:
        page.goto(server + "/evidence/measures?code=re-referrals")
        log_in(page, "mia.manager")
        page.get_by_role("link", name="Re-referrals within 12 months").first.click()
        expect(page).to_have_url(server + PAGE)
        expect(page.locator(".compared-lead")).to_contain_text("2025: 21.7%, better than")
        ours = page.locator("tr.place-us")
        expect(ours).to_contain_text("West Berkshire (us)")
        expect(ours.locator("td").first).to_have_css("background-color", "rgb(232, 241, 248)")
        expect(page.locator("#year-2024")).to_contain_text("Hampshire not published (u)")
        assert refused(page) == []
        for name, width in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": 900})
            # Nothing runs off the side of the page: a table too wide scrolls in its box.
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, (name, wide)
            page.screenshot(path=SCREENSHOTS / name, full_page=True)
            assert (SCREENSHOTS / name).stat().st_size > 20_000
    finally:
        page.context.close()
