"""The web UI as a person sees it: a real `evidence serve`, driven by headless Chromium.

One demo library with two managers is served for the whole module, as of 31 March 2018, and
one browser visits it. Each step saves a full-page screenshot to build/screenshots/, to look
at after a run. Debian's chromium is used (`make test` installs it): Playwright's own browsers
are never downloaded.
"""

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from evidence.web import SETTINGS

PROJECT = Path(__file__).resolve().parents[1]
SCREENSHOTS = PROJECT / "build" / "screenshots"
PASSWORD = "correct horse battery"
AS_OF = "2018-03-31"
START_SECONDS = 20
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
RATINGS = {"RED", "AMBER", "GREEN"}
PAGE_SIZE = SETTINGS["default_page_size"]


def command(*args) -> list[str]:
    """The `evidence` command installed next to this Python, as a person would run it."""
    script = Path(sys.executable).with_name("evidence")
    found = [str(script)] if script.exists() else [sys.executable, "-m", "evidence"]
    return [*found, *map(str, args)]


def evidence(*args, stdin: str | None = None) -> str:
    result = subprocess.run(
        command(*args), input=stdin, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, (
        f"evidence {' '.join(map(str, args))} exited {result.returncode}\n"
        f"stdout: {result.stdout}\nstderr: {result.stderr}"
    )
    return result.stdout


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """The demo library, with mia.manager to browse it and ex.manager to be disabled."""
    path = tmp_path_factory.mktemp("browser") / "evidence.db"
    evidence("demo", "--db", path)
    for name in ("mia.manager", "ex.manager"):
        evidence(
            "user", "add", name, "--role", "manager", "--password-stdin", "--db", path,
            "--by", "tester", stdin=PASSWORD + "\n",
        )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def server(library):
    """`evidence serve` on a free port: the address to visit."""
    port = free_port()
    out, err = library.with_name("serve.out"), library.with_name("serve.err")
    with open(out, "w") as stdout, open(err, "w") as stderr:
        process = subprocess.Popen(
            command("serve", "--db", library, "--port", port, "--as-of", AS_OF),
            stdout=stdout,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(base + "/robots.txt", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                why = (
                    f"exited with code {process.returncode}"
                    if process.returncode is not None
                    else f"did not answer within {START_SECONDS} s"
                )
                pytest.fail(
                    f"evidence serve {why}, before {base}/robots.txt answered.\n"
                    f"stdout: {out.read_text()}\nstderr: {err.read_text()}"
                )
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.fail("Debian's chromium is not installed: run make test, which installs it")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def new_page(browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context.new_page()


def log_in(page: Page, name: str) -> None:
    """Fill in the login form the page shows, and send it."""
    page.locator("#name").fill(name)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture(scope="module")
def manager(browser, server):
    """A browser tab logged in as mia.manager, shared by the tests that browse."""
    page = new_page(browser)
    page.goto(server + "/-/login?next=/")
    log_in(page, "mia.manager")
    expect(page).to_have_url(server + "/")
    yield page
    page.context.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def rows_shown(page: Page) -> int:
    """The count of rows Datasette shows above a table ("73 rows sorted by date ...")."""
    heading = page.locator("h3").filter(has_text=re.compile(r"^\s*[\d,]+ rows?\b")).first
    return int(re.match(r"\s*([\d,]+)", heading.inner_text()).group(1).replace(",", ""))


def test_logging_in_with_the_form_returns_to_the_page_asked_for(browser, server):
    page = new_page(browser)
    try:
        page.goto(server + "/evidence/evidence")
        expect(page).to_have_url(re.compile(re.escape(server + "/-/login?next=")))
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        shot(page, "01-login.png")
        log_in(page, "mia.manager")
        expect(page).to_have_url(server + "/evidence/evidence")
        table = page.locator("table.rows-and-columns")
        expect(table).to_be_visible()
        expect(page.locator(".library-name")).to_contain_text("Fenmoor Borough Council")
        banners = page.locator(".marking-banner")
        expect(banners).to_have_count(2)
        expect(page.locator("header .marking-banner")).to_have_text("OFFICIAL-SENSITIVE")
        expect(page.locator("footer .marking-banner")).to_have_text("OFFICIAL-SENSITIVE")
        top, bottom = banners.first.bounding_box(), banners.last.bounding_box()
        assert top["y"] < 50, top
        assert bottom["y"] > table.bounding_box()["y"] + table.bounding_box()["height"]
        shot(page, "02-evidence.png")
    finally:
        page.context.close()


def test_searching_from_the_home_page_narrows_the_evidence(manager, server):
    page = manager
    page.goto(server + "/evidence/evidence")
    everything = rows_shown(page)
    page.goto(server + "/")
    page.locator("#home-search").fill("adoption")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/evidence/evidence\?_search=adoption"))
    expect(page.locator("#_search")).to_have_value("adoption")
    found = rows_shown(page)
    assert 0 < found < everything
    rows = page.locator("table.rows-and-columns tbody tr")
    expect(rows).to_have_count(found)
    titles = page.locator("td.col-title").all_inner_texts()
    summaries = page.locator("td.col-summary").all_inner_texts()
    assert any("adoption" in title.lower() for title in titles), titles
    # Words are matched by their stem: "adoptive" is found too.
    for title, summary in zip(titles, summaries, strict=True):
        assert "adopt" in f"{title} {summary}".lower(), title
    shot(page, "03-search.png")


def test_clicking_a_facet_value_shows_only_rows_of_that_kind(manager, server):
    page = manager
    page.goto(server + "/evidence/evidence")
    value = page.locator("#facet-kind li").first
    label, count = re.fullmatch(r"(.+?)\s+([\d,]+)", value.inner_text().strip()).groups()
    count = int(count.replace(",", ""))
    value.get_by_role("link", name=label).click()
    expect(page).to_have_url(re.compile(r"[?&]kind="))
    kind = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["kind"][0]
    assert rows_shown(page) == count
    cells = page.locator("td.col-kind")
    expect(cells).to_have_count(min(count, PAGE_SIZE))
    # A kind cell shows the kind's label and, after it, the kind itself.
    assert set(page.locator("td.col-kind em").all_inner_texts()) == {kind}
    assert {text.split("\xa0")[0] for text in cells.all_inner_texts()} == {label}
    shot(page, "04-facet.png")


def test_the_dashboard_draws_its_charts_and_figures(manager, server):
    page = manager
    elsewhere = []

    def note(request) -> None:
        if not request.url.startswith(server + "/"):
            elsewhere.append(request.url)

    page.on("request", note)
    page.goto(server + "/-/dashboards/readiness")
    for chart in ("per-month", "figures", "actions"):
        page.wait_for_selector(
            f"#chart-{chart}.vega-embed canvas, #chart-{chart}.vega-embed svg", state="visible"
        )
        box = page.locator(f"#chart-{chart} canvas, #chart-{chart} svg").first.bounding_box()
        assert box["width"] > 200 and box["height"] > 100, (chart, box)
    expect(page.locator("#chart-items p")).to_have_text(re.compile(r"^\d[\d,]*$"))
    assert int(page.locator("#chart-items p").inner_text().replace(",", "")) > 0
    expect(page.locator("#card-items")).to_contain_text("Items not withdrawn")
    expect(page.locator("#chart-ratings table tbody tr").first).to_be_visible()
    expect(page.locator(".as-of")).to_have_text("Readiness and dashboard as of 31 Mar 2018")
    shot(page, "05-dashboard.png")
    page.remove_listener("request", note)
    assert not elsewhere, f"the dashboard loaded from beyond the server: {elsewhere}"


def test_the_home_page_rates_every_area_and_opens_its_evidence(manager, server):
    page = manager
    page.goto(server + "/")
    expect(page.get_by_role("heading", name="Readiness as of 31 Mar 2018")).to_be_visible()
    areas = page.locator("table.readiness tbody tr")
    assert areas.count() >= 5
    for area in areas.all():
        chip = area.locator(".rag")
        expect(chip).to_have_count(1)
        rating = chip.inner_text()
        assert rating in RATINGS, area.inner_text()
        assert f"rag-{rating.lower()}" in chip.get_attribute("class")
        expect(chip).to_be_visible()
    shot(page, "06-home.png")
    area = areas.filter(has=page.locator(".code", has_text=re.compile(r"^2\.1$")))
    link = area.locator("td.numbers a")
    held = int(re.fullmatch(r"(\d+) items?", link.inner_text()).group(1))
    link.click()
    expect(page).to_have_url(re.compile(r"/evidence/evidence_by_area\?.*area_code=2\.1"))
    assert rows_shown(page) == held
    codes = page.locator("td.col-area_code").all_inner_texts()
    assert codes and set(codes) == {"2.1"}, codes


def test_disabling_an_account_ends_its_open_session(browser, server, library):
    page = new_page(browser)
    try:
        page.goto(server + "/evidence/evidence")
        log_in(page, "ex.manager")
        expect(page).to_have_url(server + "/evidence/evidence")
        expect(page.locator("table.rows-and-columns")).to_be_visible()
        evidence("user", "disable", "ex.manager", "--db", library, "--by", "tester")
        # Roles are read afresh at most every 2 seconds: the session ends within a few.
        deadline = time.monotonic() + 8
        # Each of the server's processes reads roles afresh on its own clock: wait until
        # the login page, too, knows the session has ended.
        while time.monotonic() < deadline and not (
            "/-/login" in page.url and page.get_by_role("status").count()
        ):
            page.wait_for_timeout(250)
            page.goto(server + "/evidence/evidence")
        expect(page).to_have_url(re.compile(re.escape(server + "/-/login?next=")))
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("Your session has ended")
        shot(page, "07-disabled.png")
        log_in(page, "ex.manager")
        expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    finally:
        page.context.close()
