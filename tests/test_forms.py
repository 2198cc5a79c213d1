"""What every form of the web UI shares, tried as a browser sends forms, through the ASGI
app Datasette's test client drives: who may write (and who may clear for print), forms
from another site, a form sent twice, uploads too large and forms too long.

One small library (built once by the command line, with a manager, an analyst and a
viewer) is served for the module to every test that writes nothing; a test that writes
serves a copy of its own. What each form writes, and the command line's words for each
bad value, are in tests/test_forms_items.py and tests/test_forms_records.py, which borrow
the library, the browser and the checks from here.
"""

import asyncio
import datetime as dt
import html.parser
import re
import secrets
import shutil
import sqlite3
import time
import urllib.parse
from pathlib import Path

import httpx
import pytest
from conftest import dump

from evidence.accounts import Accounts, accounts_path
from evidence.web import forms, guard, make_datasette
from evidence.web.plugin import COOKIE, SESSION_NAMESPACE

PASSWORD = "correct horse battery"
MANAGER, ANALYST, VIEWER = "mia.manager", "ann.analyst", "v.viewer"
TODAY = dt.date.today().isoformat()
FUTURE = (dt.date.today() + dt.timedelta(days=1)).isoformat()
# Every form, by the address a browser opens and sends it to, for records the library has.
ROUTES = [
    "/-/log",
    "/-/evidence/3/edit",
    "/-/evidence/3/verify",
    "/-/evidence/3/withdraw",
    "/-/actions/1/update",
    "/-/challenges/raise",
    "/-/challenges/2/resolve",
    "/-/requests/1/answer",
]
# A form to log an item with only what it needs.
LOG_GOOD = {"kind": "audit", "title": "T", "date": "2017", "areas": "sif:1"}
MARKUP = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


# The library


def build_library(path: Path) -> Path:
    """A library as the command line makes it: item 1 (ref A1, theme front-door), item 2
    withdrawn, item 3 a claim, item 4 dated 2019; action 1 of item 1, agreed 20 Mar 2017;
    a measure with a January figure, challenge 1 resolved and challenge 2 open; an open
    inspection with its day-one requests; and an account of each role."""
    from typer.testing import CliRunner

    from evidence.cli import full_app

    app, runner = full_app(), CliRunner()
    commands = [
        ["add", "audit", "--title", "Existing", "--date", "2017-01", "--area", "1",
         "--ref", "A1", "--theme", "front-door", "--create"],
        ["add", "audit", "--title", "Withdrawn", "--date", "2017-03-01", "--area", "1"],
        ["withdraw", "2", "--reason", "Duplicate"],
        ["add", "audit", "--title", "Team says all plans reviewed", "--date", "2017-03",
         "--area", "1", "--claimed"],
        ["add", "audit", "--title", "Re-audit", "--date", "2019-06-01", "--area", "1"],
        ["action", "add", "1", "--text", "Agreed", "--ref", "A1", "--on", "2017-03-20",
         "--due", "2017-05-31"],
        ["measure", "define", "cp-visits", "--name", "Child protection visits within"
         " timescale", "--unit", "percent", "--better", "higher", "--floor", "90",
         "--target", "95", "--area", "1"],
        ["measure", "record", "cp-visits", "2017-01", "92", "--reported-on", "2017-02-10"],
        ["challenge", "raise", "cp-visits", "2017-01", "--question", "Q", "--on", "2017-02-11"],
        ["challenge", "resolve", "1", "--cause", "reporting-error", "--answer", "A",
         "--on", "2017-03-20"],
        ["challenge", "raise", "cp-visits", "2017-01", "--question", "Is January complete?",
         "--on", "2017-02-12"],
        ["inspection", "start", "--notified", "2025-11-10 10:30", "--type", "standard",
         "--lead", "Lead HMI"],
    ]  # fmt: skip
    for args in commands:
        result = runner.invoke(app, [*args, "--db", str(path), "--by", "tester"])
        assert result.exit_code == 0, (args, result.output)
    accounts = Accounts(path)
    for name, role in ((MANAGER, "manager"), (ANALYST, "analyst"), (VIEWER, "viewer")):
        accounts.add(name, role, PASSWORD, by="tester")
    return path


def copy_library(library: Path, folder: Path, *, accounts: bool = True) -> Path:
    """A copy of the library's folder (its files, accounts and statistics), as another
    library; without its accounts file, a library served with no accounts."""
    shutil.copytree(library.parent, folder)
    copy = folder / library.name
    if not accounts:
        for path in folder.glob(accounts_path(copy).name + "*"):
            path.unlink()
    return copy


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """The library as built, never served: every other library here is a copy of it."""
    return build_library(tmp_path_factory.mktemp("forms") / "pristine" / "evidence.db")


@pytest.fixture(scope="module")
def served(pristine, tmp_path_factory):
    """A copy served for the module, to the tests that write nothing; each checks it."""
    path = copy_library(pristine, tmp_path_factory.mktemp("served") / "library")
    return make_datasette(path, by="tester"), path


@pytest.fixture(scope="module")
def cli_library(pristine, tmp_path_factory) -> Path:
    """Another copy, on which the command line is given each bad value a form is sent."""
    return copy_library(pristine, tmp_path_factory.mktemp("cli") / "library")


@pytest.fixture
def fresh(pristine, tmp_path):
    """A copy of the library of this test's own, served: for a test that writes."""
    path = copy_library(pristine, tmp_path / "library")
    return make_datasette(path, by="tester"), path


def leftovers(library: Path) -> list[Path]:
    """Folders a form's files were read into, left beside the library."""
    return sorted(library.parent.glob(".upload-*"))


def rows(library: Path, sql: str, *args) -> list[tuple]:
    conn = sqlite3.connect(library)
    try:
        return [tuple(row) for row in conn.execute(sql, args)]
    finally:
        conn.close()


def changed_by(library: Path, table: str, row_id: int) -> list[tuple]:
    return rows(
        library,
        "SELECT action, changed_by FROM changes WHERE table_name = ? AND row_id = ? ORDER BY id",
        table,
        row_id,
    )


# A browser


class Page(html.parser.HTMLParser):
    """An answer as a person reads it: a form's fields and what each holds, the error
    beside a field, the problem above the form, and the messages at the top."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(convert_charrefs=True)
        self.response = response
        self.status = response.status_code
        self.text = response.text
        self.values: dict[str, list[str]] = {}
        self.choices: dict[str, list[str]] = {}
        self.checkboxes: set[str] = set()
        self.fields: list[str] = []
        self.errors: dict[str, str] = {}
        self.problem: str | None = None
        self.messages: list[str] = []
        self._capture: tuple[str, str | None, str, list[str]] | None = None
        self._select: str | None = None
        if "html" in response.headers.get("content-type", ""):
            self.feed(self.text)
            self.close()

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        ident = found.get("id") or ""
        name = found.get("name")
        if tag == "div" and ident.startswith("field-"):
            self.fields.append(ident.removeprefix("field-"))
        elif tag == "p" and "field-error" in classes:
            self._capture = ("error", ident.removeprefix("error-"), "p", [])
        elif tag == "div" and ident == "form-problem":
            self._capture = ("problem", None, "div", [])
        elif tag == "p" and any(c.startswith("message-") for c in classes):
            self._capture = ("message", None, "p", [])
        elif tag == "textarea":
            self._capture = ("textarea", name, "textarea", [])
        elif tag == "input" and name:
            kind = found.get("type") or "text"
            if kind == "checkbox":
                self.checkboxes.add(name)
                self.choices.setdefault(name, []).append(found.get("value") or "on")
                if "checked" in found:
                    self.values.setdefault(name, []).append(found.get("value") or "on")
            elif kind not in ("submit", "file"):
                self.values.setdefault(name, []).append(found.get("value") or "")
        elif tag == "select":
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select:
            self.choices.setdefault(self._select, []).append(found.get("value") or "")
            if "selected" in found:
                self.values[self._select].append(found.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            # As a browser sends a select with no option chosen: its first option.
            if not self.values[self._select] and self.choices.get(self._select):
                self.values[self._select] = [self.choices[self._select][0]]
            self._select = None
        if self._capture is None or tag != self._capture[2]:
            return
        what, name, _, parts = self._capture
        self._capture = None
        text = "".join(parts)
        if what == "error":
            self.errors[name] = text.removeprefix("Error: ")
        elif what == "problem":
            self.problem = text.removeprefix("Error: ").removesuffix("Nothing was saved.")
        elif what == "message":
            self.messages.append(text)
        else:  # as HTML reads a text box: a line break straight after its tag is not in it
            self.values[name] = [text.removeprefix("\n")]

    def handle_data(self, data):
        if self._capture is not None:
            self._capture[3].append(data)


def multipart(fields: dict[str, list[str]], files=()) -> tuple[bytes, str]:
    """A form with files as a browser encodes it; `files` are (field, name, bytes), the
    name given as text or as the raw bytes of the header."""
    boundary = "----formtests" + secrets.token_hex(8)
    out = bytearray()
    for name, values in fields.items():
        for value in values:
            out += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            )
            out += value.encode() if isinstance(value, str) else value
            out += b"\r\n"
    for field, name, content in files:
        raw = name.encode() if isinstance(name, str) else name
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="'.encode()
        )
        out += raw + b'"\r\nContent-Type: application/octet-stream\r\n\r\n' + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def encoded(path: str, fields: dict[str, list[str]], files=()) -> tuple[bytes, str]:
    """A form's body as the browser sends it: with files (its page says so) or not."""
    if guard.UPLOADS.fullmatch(path):
        return multipart(fields, files)
    pairs = [(name, value) for name, values in fields.items() for value in values]
    return urllib.parse.urlencode(pairs).encode(), forms.URLENCODED


class Browser:
    """One browser at one address, logged in as an account or as no one: it keeps its
    cookies, and fills in and sends forms as a person would."""

    def __init__(self, datasette, name: str | None = None, address: str = "127.0.0.1") -> None:
        self.datasette = datasette
        self.app = datasette.client.app
        self.address = address
        self.cookies = httpx.Cookies()
        if name:
            token = datasette.evidence_library.accounts.log_in(name, address)
            session = {"n": name, "t": int(time.time()), "s": token}
            self.cookies.set(COOKIE, datasette.sign(session, SESSION_NAMESPACE))

    async def arequest(self, method: str, path: str, **options) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app, client=(self.address, 50123))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://localhost", cookies=self.cookies
        ) as client:
            response = await client.request(method, path, **options)
            self.cookies = client.cookies
            return response

    def get(self, path: str, **options) -> Page:
        return Page(asyncio.run(self.arequest("GET", path, **options)))

    def fill(self, path: str, changes: dict | None = None) -> dict[str, list[str]]:
        """The form at `path` as its page offers it, with `changes` typed in (a value of
        None unticks or empties a field away)."""
        page = self.get(path)
        assert page.status == 200, (path, page.status, page.text[-2000:])
        fields = {name: list(values) for name, values in page.values.items()}
        for name, value in (changes or {}).items():
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = [value] if isinstance(value, str) else list(value)
        return fields

    async def asend(self, path: str, fields, files=(), headers=None) -> httpx.Response:
        body, content_type = encoded(path, fields, files)
        return await self.arequest(
            "POST", path, content=body, headers={"content-type": content_type, **(headers or {})}
        )

    def send(self, path: str, fields, files=(), headers=None) -> Page:
        return Page(asyncio.run(self.asend(path, fields, files, headers)))

    def submit(self, path: str, changes=None, files=(), headers=None):
        """Open the form, type `changes` and send it: what was sent, and the answer."""
        fields = self.fill(path, changes)
        return fields, self.send(path, fields, files, headers)

    def follow(self, answer: Page) -> Page:
        assert answer.status == 303, (answer.status, answer.text[-3000:])
        return self.get(answer.response.headers["location"])

    def token(self) -> str:
        """A CSRF token, and its cookie in this browser, as a page with a form gives them."""
        page = Browser(self.datasette).get("/-/login")
        if page.status == 200:
            self.cookies.set(forms.CSRF_COOKIE, page.response.cookies[forms.CSRF_COOKIE])
            return page.values["csrftoken"][0]
        own = self.get(ROUTES[0])
        return own.values["csrftoken"][0]


def form_for(browser: Browser, path: str, changes: dict) -> dict[str, list[str]]:
    """A form for `path` filled in as its page would be, for a visitor who may not open
    that page: a CSRF token of its own, and a key."""
    token = browser.token()
    fields = {"csrftoken": [token], "key": [forms.new_key()]}
    fields.update({name: [v] if isinstance(v, str) else list(v) for name, v in changes.items()})
    return fields


# What the command line says of the same values


def with_db(args: list, library: Path) -> list:
    """`args` with `--db`, before any `--` that ends the options."""
    at = args.index("--") if "--" in args else len(args)
    return [*args[:at], f"--db={library}", *args[at:]]


def run_cli(cli, library: Path, args: list[str]) -> str:
    """The command line's error for `args` on `library`, as it prints it after `Error: `."""
    result = cli(*with_db(args, library), expect=1)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.removeprefix("Error: ").removesuffix("\n")


def one(fields: dict[str, list[str]], name: str) -> str:
    """A field's value as the worker is given it: a browser's CR LF is LF."""
    return many(fields, name)[0] if fields.get(name) else ""


def many(fields: dict[str, list[str]], name: str) -> list[str]:
    return [value.replace("\r\n", "\n") for value in fields.get(name, [])]


def assert_refused(page: Page, sent: dict[str, list[str]], field: str | None, message: str):
    """Refused as the command line refuses it: its message beside `field` (or above the
    form, for an error of no field), with everything typed shown again, as text."""
    assert page.status == 400, (page.status, page.text[-3000:])
    if field is None:
        assert (page.problem, page.errors) == (message, {})
    else:
        assert (page.errors, page.problem) == ({field: message}, None)
        assert field in page.fields
    for name, values in sent.items():
        if name == "csrftoken":
            continue
        typed = [value.replace("\r\n", "\n") for value in values]
        if name in page.checkboxes:  # a box can only be ticked if the page offers it
            typed = [value for value in typed if value in page.choices[name]]
        assert page.values.get(name, []) == typed, name
        for value in values:
            if "<" in value or '"' in value:
                assert value not in page.text, value  # shown as text, never as markup


# Who may write


def test_a_viewer_is_refused_every_form(served):
    datasette, library = served
    before = dump(library)
    viewer = Browser(datasette, VIEWER)
    for path in ROUTES:
        assert viewer.get(path).status == 403, path
        answer = viewer.send(path, form_for(viewer, path, {"title": "T", "reason": "R"}))
        assert answer.status == 403, path
    assert dump(library) == before and leftovers(library) == []


def test_anyone_not_logged_in_is_sent_to_log_in_and_their_forms_refused(served):
    datasette, library = served
    before = dump(library)
    anonymous = Browser(datasette)
    for path in ROUTES:
        page = anonymous.get(path)
        assert page.status == 302, path
        assert page.response.headers["location"] == "/-/login?" + urllib.parse.urlencode(
            {"next": path}
        )
        answer = anonymous.send(path, form_for(anonymous, path, {"title": "T", "reason": "R"}))
        assert answer.status == 403, (path, answer.status)
    assert dump(library) == before and leftovers(library) == []


def test_with_no_accounts_another_computer_is_refused_every_form(pristine, tmp_path):
    library = copy_library(pristine, tmp_path / "local", accounts=False)
    datasette = make_datasette(library, by="tester")
    before = dump(library)
    here, elsewhere = Browser(datasette), Browser(datasette, address="192.0.2.7")
    for path in ROUTES:
        assert here.get(path).status == 200, path
        assert elsewhere.get(path).status == 403, path
        fields = here.fill(path, {"title": "T", "reason": "R"})
        elsewhere.cookies = here.cookies
        assert elsewhere.send(path, fields).status == 403, path
    assert dump(library) == before and leftovers(library) == []


def test_the_buttons_to_write_are_shown_only_to_those_who_may(served):
    datasette, _ = served
    pages = {
        "/": ["Log evidence"],
        "/evidence/evidence": ["Log evidence"],
        "/evidence/evidence/3": ["Edit", "Verify this claim", "Withdraw"],
        "/evidence/actions/1": ["Update this action"],
        "/evidence/challenges/2": ["Resolve this challenge"],
    }
    for name in (MANAGER, ANALYST, VIEWER):
        browser = Browser(datasette, name)
        for path, buttons in pages.items():
            page = browser.get(path)
            assert page.status == 200, (name, path)
            shown = re.findall(r'<a class="button-(?:primary|secondary)" href="[^"]+">([^<]+)</a>',
                               page.text)  # fmt: skip
            assert shown == ([] if name == VIEWER else buttons), (name, path)


def test_only_a_manager_may_clear_an_item_for_print(fresh):
    datasette, library = fresh
    before = dump(library)
    analyst, manager = Browser(datasette, ANALYST), Browser(datasette, MANAGER)
    assert "cleared_for_print" not in analyst.get("/-/evidence/1/edit").fields
    assert "cleared_for_print" in manager.get("/-/evidence/1/edit").fields
    _, forged = analyst.submit(
        "/-/evidence/1/edit",
        {"title": "Changed", "cleared_for_print": "on"},
        files=[("files", "story.txt", b"a story")],
    )
    assert forged.status == 403
    assert dump(library) == before
    assert leftovers(library) == []
    _, answer = manager.submit("/-/evidence/1/edit", {"cleared_for_print": "on"})
    assert manager.follow(answer).messages == [
        f"Updated evidence 1: cleared_for_print_by (none) → '{MANAGER}'"
    ]
    assert rows(library, "SELECT cleared_for_print_by, cleared_for_print_on FROM evidence"
                " WHERE id = 1") == [(MANAGER, TODAY)]  # fmt: skip


# Another site


@pytest.mark.parametrize("path", ["/-/log", "/-/evidence/3/withdraw", "/-/evidence/3/edit"])
def test_a_form_without_its_own_token_is_refused(served, path):
    datasette, library = served
    before = dump(library)
    manager = Browser(datasette, MANAGER)
    fields = manager.fill(path, {**LOG_GOOD, "reason": "R"})
    other = Browser(datasette).token()  # a real token, of another browser
    for token in (None, "", other, fields["csrftoken"][0][:-2] + "xx"):
        sent = dict(fields)
        if token is None:
            sent.pop("csrftoken")
        else:
            sent["csrftoken"] = [token]
        assert manager.send(path, sent).status == 403, token
    # Another site's page drives a manager's browser: it sends the session, but not the
    # cookie of the form's page, with a form of the other site's making.
    elsewhere = Browser(datasette, MANAGER)
    assert forms.CSRF_COOKIE not in elsewhere.cookies
    for token in ([], [other]):
        assert elsewhere.send(path, {**fields, "csrftoken": token}).status == 403, token
    assert dump(library) == before and leftovers(library) == []


@pytest.mark.parametrize(
    "headers",
    [{"origin": "https://evil.example"}, {"origin": "null"},
     {"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate"},
     {"sec-fetch-site": "same-site", "sec-fetch-mode": "navigate"}],
)  # fmt: skip
def test_a_form_sent_from_another_site_is_refused(served, headers):
    datasette, library = served
    before = dump(library)
    manager = Browser(datasette, MANAGER)
    for path in ("/-/log", "/-/evidence/3/withdraw"):
        fields = manager.fill(path, {**LOG_GOOD, "reason": "R"})
        assert manager.send(path, fields, headers=headers).status == 403, path
    assert dump(library) == before and leftovers(library) == []


@pytest.mark.parametrize("path", ["/-/evidence/3/withdraw", "/-/evidence/3/verify",
                                  "/-/actions/1/update", "/-/login"])  # fmt: skip
def test_a_form_with_files_is_refused_where_no_form_takes_files(served, path):
    datasette, library = served
    before = dump(library)
    manager = Browser(datasette, MANAGER)
    token = manager.token()
    body, content_type = multipart({"csrftoken": [token], "key": [forms.new_key()],
                                    "reason": ["R"]}, [("files", "a.txt", b"a")])  # fmt: skip
    answer = asyncio.run(manager.arequest("POST", path, content=body,
                                          headers={"content-type": content_type}))  # fmt: skip
    assert answer.status_code == 415
    assert dump(library) == before


# Sent twice


def test_a_form_sent_twice_writes_once_and_says_so(fresh):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    fields = manager.fill("/-/log", {**LOG_GOOD, "title": "Sent twice"})
    files = [("files", "a.txt", b"the same file")]
    first = manager.send("/-/log", fields, files)
    assert manager.follow(first).messages == ["Logged evidence 5."]
    second = manager.send("/-/log", fields, files)
    assert second.status == 303
    assert second.response.headers["location"] == first.response.headers["location"]
    assert manager.follow(second).messages == [
        "That form had been sent already, and the item was saved then: nothing more was"
        " written. What was said then:",
        "Logged evidence 5.",
    ]
    assert rows(library, "SELECT id FROM evidence WHERE title = 'Sent twice'") == [(5,)]
    assert rows(library, "SELECT count(*) FROM form_submissions") == [(1,)]
    assert leftovers(library) == []


@pytest.mark.parametrize(
    ("path", "changes", "what"),
    [("/-/evidence/3/withdraw", {"reason": "Twice"}, "the withdrawal"),
     ("/-/evidence/3/verify", {"on": "2017-04-01"}, "the verification"),
     ("/-/evidence/3/edit", {"title": "Twice"}, "the change")],
)  # fmt: skip
def test_a_change_sent_twice_is_made_once_and_the_second_is_told(fresh, path, changes, what):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    fields = manager.fill(path, changes)
    first = manager.send(path, fields)
    said = manager.follow(first).messages
    after = dump(library)
    second = manager.send(path, fields)
    assert second.status == 303, second.text[-2000:]
    assert second.response.headers["location"] == "/evidence/evidence/3"
    assert manager.follow(second).messages == [
        f"That form had been sent already, and {what} was saved then: nothing more was"
        " written. What was said then:",
        *said,
    ]
    assert dump(library) == after


def test_the_same_form_sent_twice_at_once_writes_once(fresh):
    datasette, library = fresh
    manager = Browser(datasette, MANAGER)
    fields = manager.fill("/-/log", {**LOG_GOOD, "title": "At once"})

    async def both():
        return await asyncio.gather(*(manager.asend("/-/log", fields) for _ in range(2)))

    answers = asyncio.run(both())
    assert [answer.status_code for answer in answers] == [303, 303]
    assert {answer.headers["location"] for answer in answers} == {"/evidence/evidence/5"}
    assert rows(library, "SELECT id FROM evidence WHERE title = 'At once'") == [(5,)]
    # Two forms, each with its own key, are two items.
    for _ in range(2):
        manager.submit("/-/log", {**LOG_GOOD, "title": "Twice, meant"})
    assert rows(library, "SELECT id FROM evidence WHERE title = 'Twice, meant'") == [(6,), (7,)]
    assert leftovers(library) == []


# Uploads too large, and forms too long


def session_headers(browser: Browser) -> list[tuple[bytes, bytes]]:
    cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    return [(b"host", b"localhost"), (b"cookie", cookie.encode())]


def drive(app, path: str, headers, body: bytes, *, cut: int | None = None):
    """The ASGI app given a POST whose body arrives in chunks of 64 KB (the browser going
    away after `cut` bytes, if given): its status, and how many bytes of the body it took."""
    taken, answer, chunk = [0], {}, 64 * 1024
    body = body if cut is None else body[:cut]
    pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]

    async def receive():
        if not pieces:
            return {"type": "http.disconnect"}
        piece = pieces.pop(0)
        taken[0] += len(piece)
        return {"type": "http.request", "body": piece, "more_body": bool(pieces) or bool(cut)}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 50123), "server": ("localhost", 80)}  # fmt: skip
    asyncio.run(app(scope, receive, send))
    return answer["status"], taken[0]


def test_an_upload_over_the_limit_is_refused_before_it_is_read(served, monkeypatch):
    datasette, library = served
    before = dump(library)
    monkeypatch.setenv(forms.UPLOAD_ENV, "1")
    manager = Browser(datasette, MANAGER)
    fields = manager.fill("/-/log", LOG_GOOD)
    body, content_type = multipart(fields, [("files", "big.bin", b"\0" * (2 * 1024 * 1024))])
    headers = [*session_headers(manager), (b"content-type", content_type.encode())]
    declared = [*headers, (b"content-length", str(len(body)).encode())]
    status, taken = drive(manager.app, "/-/log", declared, body)
    assert (status, taken) == (413, 0)
    # A length that says less than is sent: refused once the limit has arrived.
    understated = [*headers, (b"content-length", b"1000")]
    status, taken = drive(manager.app, "/-/log", understated, body)
    assert status == 413 and taken <= 1024 * 1024 + 64 * 1024
    # With no length at all: refused before any of it is read.
    status, taken = drive(manager.app, "/-/log", headers, body)
    assert (status, taken) == (411, 0)
    refused = manager.send("/-/log", fields, [("files", "big.bin", b"\0" * (2 * 1024 * 1024))])
    assert refused.status == 413 and "1 MB" in refused.text
    assert dump(library) == before and leftovers(library) == []


@pytest.mark.parametrize(
    ("path", "files"), [("/-/log", True), ("/-/evidence/3/edit", True), ("/-/log", False)]
)
def test_a_form_cut_off_on_its_way_writes_nothing(served, path, files):
    """The browser goes away (a tab closed, a network dropped) with part of a form sent:
    what arrived is not taken for the form, with or without the rest of its files."""
    datasette, library = served
    before = dump(library)
    manager = Browser(datasette, MANAGER)
    fields = manager.fill(path, {**LOG_GOOD, "title": None})
    fields["title"] = ["Cut off before the end of its title"]  # sent last, and cut short
    if files:
        body, content_type = multipart(fields, [("files", "big.bin", b"\1" * 500_000)])
    else:  # as a form with no files is sent
        body, content_type = encoded("/-/evidence/3/withdraw", fields)
    headers = [*session_headers(manager), (b"content-type", content_type.encode()),
               (b"content-length", str(len(body)).encode())]  # fmt: skip
    cut = 3 * 64 * 1024 if files else len(body) - 10
    assert drive(manager.app, path, headers, body, cut=cut)[0] == 400
    if files:  # a body that ends short of its length, with no word of going away
        assert drive(manager.app, path, headers, body[:cut])[0] == 400
    assert dump(library) == before and leftovers(library) == []


def test_a_form_without_files_cut_off_on_its_way_is_refused(served):
    """The guard reads a form without files whole before anything else sees it: one the
    browser stopped sending is refused there (asgi-csrf, behind it, fails on one)."""
    datasette, library = served
    before = dump(library)
    manager = Browser(datasette, MANAGER)
    fields = manager.fill("/-/evidence/3/withdraw", {"reason": "Cut off on its way"})
    body, content_type = encoded("/-/evidence/3/withdraw", fields)
    headers = [*session_headers(manager), (b"content-type", content_type.encode()),
               (b"content-length", str(len(body)).encode())]  # fmt: skip
    assert drive(manager.app, "/-/evidence/3/withdraw", headers, body, cut=len(body) - 5)[0] == 400
    assert dump(library) == before


def test_an_upload_under_the_limit_is_taken(fresh, monkeypatch):
    datasette, library = fresh
    monkeypatch.setenv(forms.UPLOAD_ENV, "1")
    manager = Browser(datasette, MANAGER)
    assert "Up to 1 MB in all" in manager.get("/-/log").text
    _, answer = manager.submit("/-/log", LOG_GOOD, [("files", "small.bin", b"\1" * 900_000)])
    assert manager.follow(answer).messages == ["Logged evidence 5."]
    assert rows(library, "SELECT size FROM files") == [(900_000,)]
    assert leftovers(library) == []


def test_a_form_with_too_many_fields_is_refused(served):
    datasette, library = served
    before = dump(library)
    manager = Browser(datasette, MANAGER)
    for path, status, text in (
        ("/-/log", 413, f"Refused: a form may carry at most {forms.FIELDS} fields."),
        ("/-/evidence/3/withdraw", 400, "Refused: the form could not be read."),
    ):
        fields = manager.fill(path, {**LOG_GOOD, "reason": "R"})
        fields["themes"] = ["front-door"] * (forms.FIELDS + 1)
        answer = manager.send(path, fields)
        assert (answer.status, answer.text) == (status, text + "\n"), path
    assert dump(library) == before and leftovers(library) == []
