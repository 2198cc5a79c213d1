"""Our Datasette plugin: logins and sessions, the banner on every page, the home, help,
login and logout pages, file downloads, and the fixes a public-sector web UI needs.

Registered by `evidence.web.make_datasette()`, never through an entry point, so a bare
`datasette` started on the same file runs without it. Who may see what is declared in
`metadata.yml` by role (`allow` blocks); this plugin says who the visitor is:

- with no accounts, the web UI is served on this computer only (`evidence serve` refuses
  any other address) and the visitor is the person at it, an analyst;
- once an account exists, a visitor is no one until they log in, and their session and
  role are read from the accounts file on every request, so a session logged out, or of
  an account disabled, ends at once.

Every request passes `evidence.web.guard` first; no value from the data is ever written
into a page as HTML (the plugins that would, by a column's name, are switched off).
"""

from __future__ import annotations

import asyncio
import csv
import hmac
import re
import secrets
import time
import urllib.parse
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from itsdangerous import BadSignature
from markupsafe import Markup, escape

from evidence.accounts import NAME
from evidence.files import blob_path
from evidence.web import (
    SESSION_HOURS,
    compared,
    ensure_can_view,
    forms,
    guard,
    inspection,
    is_loopback_address,
    item_forms,
    record_forms,
)

COOKIE = "ds_actor"  # Datasette's own name, so its "Log out" menu item works
SESSION_NAMESPACE = "evidence-session"
# A browser that has logged in to an account keeps a token saying so, for DEVICE_DAYS:
# guesses at that account from elsewhere never lock it out there (evidence.accounts).
DEVICE_COOKIE = "evidence_device"
DEVICE_NAMESPACE = "evidence-device"
DEVICE_DAYS = 180
LOCAL_ACTOR = {"id": "this computer", "role": "analyst", "local": True}
CACHE_SECONDS = 2.0
SHA256 = re.compile(r"[0-9a-f]{64}")
CHUNK = 256 * 1024
ROBOTS = "User-agent: *\nDisallow: /\n"
CSRF_COOKIE = "ds_csrftoken"  # asgi-csrf's, as Datasette names it
# Plugins installed with datasette-dashboards that write data into pages as HTML: the
# Markdown renderer turns any column named `*_markdown` into HTML, images of any address
# included, and Leaflet writes a script into every page and draws tiles from elsewhere.
SWITCHED_OFF = ("datasette_render_markdown", "datasette_leaflet")
LOGIN_REFUSALS = {
    "name": "Too many failed attempts for this name: try again in 15 minutes, or ask"
    " whoever manages the accounts.",
    "client": "Too many failed attempts from this computer: try again in 15 minutes, or"
    " ask whoever manages the accounts.",
    "library": "Too many failed logins to the library in the last 15 minutes: try again"
    " later, or ask whoever manages the accounts.",
}
NO_MATCH = "That name and password do not match an account that can log in."
# The pages that link to a measure compared with its neighbours (evidence.web.compared).
COMPARED_LINKS = {("row", "measures"), ("table", "measures"), ("table", "latest_readings")}


def adjust_datasette() -> None:
    """What Datasette and the plugins installed with it must do differently here. Called
    once Datasette is loaded (importing its handler first would register it before it is
    defined); doing it again changes nothing.

    - With rich installed, Datasette's error handler prints every error through rich,
      which fails outside an exception and turns a 404 into a 500.
    - Its CSV downloads keep spreadsheet formulas: they are written as `evidence export`
      writes them.
    - The plugins in SWITCHED_OFF are not used.
    """
    from datasette import handle_exception
    from datasette.plugins import pm
    from datasette.views import base

    handle_exception.rich = None
    base.csv = FormulaSafeCsv
    for module in list(pm.get_plugins()):
        if getattr(module, "__name__", None) in SWITCHED_OFF:
            pm.unregister(module)


class FormulaSafeCsv:
    """Stands for the `csv` module where Datasette's views write CSV: its writer writes
    any text a spreadsheet would run as a formula as `evidence export` does."""

    @staticmethod
    def writer(out, *args, **kwargs):
        return _FormulaSafeWriter(csv.writer(out, *args, **kwargs))


class _FormulaSafeWriter:
    def __init__(self, writer) -> None:
        self._writer = writer

    def writerow(self, row):
        from evidence.exports import spreadsheet_safe

        return self._writer.writerow([spreadsheet_safe(value) for value in row])


def _state(datasette) -> Any:
    return getattr(datasette, "evidence_library", None)


class _Cache:
    """Answers that may be a few seconds old (whether any account exists: asked on every
    request, and it changes once in a library's life)."""

    def __init__(self) -> None:
        self.values: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any, compute) -> Any:
        now = time.monotonic()
        held = self.values.get(key)
        if held and now - held[0] < CACHE_SECONDS:
            return held[1]
        value = compute()
        self.values[key] = (now, value)
        return value


_cache = _Cache()


def accounts_on(state) -> bool:
    return _cache.get((state.accounts.path, "exists"), state.accounts.exists)


# Who the visitor is


@hookimpl
def actor_from_request(datasette, request):
    return visitor(datasette, request)


def visitor(datasette, request) -> dict[str, Any] | None:
    """Who is asking: the person at this computer (no accounts), an account by its live
    session, or no one (None)."""
    state = _state(datasette)
    if state is None:
        return None
    if not accounts_on(state):
        # Only on this computer: a server reachable from others, whose accounts file has
        # gone, lets no one in.
        if state.local and is_loopback_address(_client(request)):
            return dict(LOCAL_ACTOR)
        return None
    session = _session(datasette, request)
    if session is None:
        return None
    # Read on every request (a fifth of a millisecond), never kept: a session logged out
    # or an account disabled is no one at once, in every process of the server.
    name, token = session
    role = state.accounts.session_role(name, token)
    if role is None:
        return None
    return {"id": name, "role": role}


def _session(datasette, request) -> tuple[str, str] | None:
    """The account name and session token the request's cookie carries, if we signed
    it within the last SESSION_HOURS."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    try:
        session = datasette.unsign(cookie, SESSION_NAMESPACE)
        name, issued, token = str(session["n"]), float(session["t"]), str(session["s"])
    except (BadSignature, KeyError, TypeError, ValueError):  # not a session we signed
        return None
    if not 0 <= time.time() - issued <= SESSION_HOURS * 3600:
        return None
    return name, token


def _client(request) -> str:
    return (request.scope.get("client") or ("",))[0]


def login_url(request) -> str:
    return "/-/login?" + urllib.parse.urlencode({"next": request.full_path})


@hookimpl
def forbidden(datasette, request, message):
    return login_redirect(datasette, request, request.actor)


def login_redirect(datasette, request, actor) -> Response | None:
    """A visitor refused a page who is not logged in is sent to the login page, and back
    afterwards; None for anyone else, and for a request for data, which is refused."""
    state = _state(datasette)
    if state is None or actor is not None or not accounts_on(state):
        return None
    if guard.wants_data(request):
        return None
    return Response.redirect(login_url(request))


# Pages of our own


@hookimpl
def register_routes():
    return [
        (r"^/$", home),
        (r"^/-/login$", login),
        (r"^/-/logout$", logout),
        (r"^/-/help$", help_page),
        (r"^/-/inspection$", inspection.inspection_page),
        (compared.ROUTE, compared.compared_page),
        (r"^/robots\.txt$", robots),
        (r"^/-/files/(?P<sha256>[^/]+)/(?P<name>[^/]+)$", download),
        *item_forms.routes(),
        *record_forms.routes(),
    ]


async def _ensure_can_view(datasette, request, *tables: str) -> None:
    await ensure_can_view(datasette, request.actor, tables)


async def home(datasette, request):
    await _ensure_can_view(datasette, request)
    state = _state(datasette)
    stats = datasette.get_database("stats")
    areas = [dict(row) for row in (await stats.execute("SELECT * FROM readiness")).rows]
    totals_rows = (await stats.execute("SELECT * FROM totals")).rows
    for area in areas:
        area["evidence_url"] = datasette.urls.table("evidence", "evidence_by_area") + "?" + (
            urllib.parse.urlencode(
                {"framework": area["framework"], "area_code": area["area_code"],
                 "_sort_desc": "date"}
            )
        )  # fmt: skip
        area["findings_list"] = (area["all_findings"] or "").split("\n")
    can_sql = await datasette.permission_allowed(
        request.actor, "execute-sql", "evidence", default=True
    )
    return Response.html(
        await datasette.render_template(
            "home.html",
            {
                "areas": areas,
                "totals": dict(totals_rows[0]) if totals_rows else None,
                "banner": state.banner,
                "can_sql": can_sql,
            },
            request=request,
        )
    )


async def help_page(datasette, request):
    await _ensure_can_view(datasette, request)
    from evidence.accounts import ROLE_MEANINGS

    return Response.html(
        await datasette.render_template("help.html", {"roles": ROLE_MEANINGS}, request=request)
    )


async def robots(datasette, request):
    return Response.text(ROBOTS)


async def login(datasette, request):
    state = _state(datasette)
    if state is None or not accounts_on(state):
        return Response.redirect("/")
    next_path = _safe_next(request.args.get("next"))
    problem = None
    status = 200
    name = ""
    # A session cookie that no longer names anyone: it expired, or its account was disabled.
    ended = request.method == "GET" and request.actor is None and bool(request.cookies.get(COOKIE))
    if request.method == "POST":
        form = await request.post_vars()
        name = (form.get("name") or "").strip()
        password = form.get("password") or ""
        next_path = _safe_next(form.get("next"))
        client = _client(request)
        device = _device(datasette, request, name)
        if not _form_is_ours(request, form):
            # Another site's form (asgi-csrf lets one with no cookies at all through):
            # it would log this browser in to the attacker's account.
            name, status = "", 403
            problem = "The login form had expired or came from elsewhere: log in again."
        elif not NAME.fullmatch(name):
            name, status, problem = "", 401, NO_MATCH
        elif refused := await asyncio.to_thread(
            state.accounts.attempt_login, name, client, device
        ):
            status, problem = 401, LOGIN_REFUSALS[refused]
        else:
            role = await asyncio.to_thread(state.accounts.check_password, name, password)
            if role is not None:
                token = await asyncio.to_thread(state.accounts.log_in, name, client, device)
                response = Response.redirect(next_path)
                kept = {
                    "httponly": True,
                    "samesite": "strict",
                    "secure": request.scheme == "https",
                }
                session = {"n": name, "t": int(time.time()), "s": token}
                response.set_cookie(
                    COOKIE,
                    datasette.sign(session, SESSION_NAMESPACE),
                    max_age=SESSION_HOURS * 3600,
                    **kept,
                )
                held = {"n": name, "d": device or secrets.token_urlsafe(24)}
                response.set_cookie(
                    DEVICE_COOKIE,
                    datasette.sign(held, DEVICE_NAMESPACE),
                    max_age=DEVICE_DAYS * 86400,
                    **kept,
                )
                return response
            status, problem = 401, NO_MATCH
    return Response.html(
        await datasette.render_template(
            "login.html",
            {"next": next_path, "problem": problem, "name": name, "ended": ended},
            request=request,
        ),
        status=status,
    )


def _device(datasette, request, name: str) -> str | None:
    """The device token of `name` this browser holds, if it has logged in to it here."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return None
    try:
        held = datasette.unsign(cookie, DEVICE_NAMESPACE)
        return str(held["d"]) if held["n"] == name else None
    except (BadSignature, KeyError, TypeError):
        return None


def _form_is_ours(request, form) -> bool:
    """Whether a form carries the CSRF token of the cookie our own form page set."""
    cookie, token = request.cookies.get(CSRF_COOKIE) or "", form.get("csrftoken") or ""
    return bool(cookie) and hmac.compare_digest(cookie.encode(), token.encode())


async def logout(datasette, request):
    """End the visitor's session on the server, not only in their browser."""
    state = _state(datasette)
    if request.method != "POST":
        if request.actor is None or state is None or not accounts_on(state):
            return Response.redirect("/")
        return Response.html(
            await datasette.render_template(
                "logout.html", {"actor": request.actor}, request=request
            )
        )
    session = _session(datasette, request)
    if state is not None and session is not None:
        name, token = session
        await asyncio.to_thread(state.accounts.log_out, name, token)
    response = Response.redirect("/-/login" if state and accounts_on(state) else "/")
    response.set_cookie(COOKIE, "", max_age=0, httponly=True, samesite="strict")
    datasette.add_message(request, "You have logged out.", datasette.INFO)
    return response


def _safe_next(value: str | None) -> str:
    """Where to go after logging in: a path on this site, never another site. Browsers
    drop tabs and newlines and read a backslash as a slash, so any of those, or any other
    control character or space, sends the visitor home instead."""
    if not value or not value.startswith("/") or re.search(r"[\x00-\x20\x7f\\]", value):
        return "/"
    parts = urllib.parse.urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("//"):
        return "/"
    return value


async def download(datasette, request):
    """A file attached to an item, from the library's files folder, by its SHA-256 and
    the name it was attached under. Nothing else on disk can be reached: the hash must be
    one the library records for that name, and the path is built from the hash alone."""
    await _ensure_can_view(datasette, request, "evidence_files")
    sha256 = request.url_vars["sha256"]
    name = urllib.parse.unquote(request.url_vars["name"])
    if not SHA256.fullmatch(sha256):
        raise NotFound("No such file.")
    found = await datasette.get_database("evidence").execute(
        "SELECT files.media_type FROM evidence_files"
        " JOIN files ON files.sha256 = evidence_files.sha256"
        " JOIN evidence ON evidence.id = evidence_files.evidence_id"
        " WHERE evidence_files.sha256 = ? AND evidence_files.name = ?"
        " AND evidence.status != 'purged' LIMIT 1",
        [sha256, name],
    )
    if not found.rows:
        raise NotFound("No such file.")
    state = _state(datasette)
    folder = state.library.parent / "files"
    path = blob_path(folder, sha256)
    if path.is_symlink() or not path.resolve().is_relative_to(folder.resolve()):
        raise NotFound("The file is not in the library's files folder.")  # planted on disk
    if not path.is_file():
        raise NotFound("The file is recorded but missing from the files folder.")
    return FileResponse(path, name, found.rows[0]["media_type"])


class FileResponse:
    """A file sent in pieces, to be saved under its own name."""

    def __init__(self, path: Path, name: str, media_type: str | None) -> None:
        self.path, self.name = path, name
        self.media_type = media_type or "application/octet-stream"

    async def asgi_send(self, send) -> None:
        quoted = urllib.parse.quote(self.name, safe="")
        fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", self.name) or "file"
        headers = [
            (b"content-type", self.media_type.encode("latin-1")),
            (b"content-length", str(self.path.stat().st_size).encode()),
            (
                b"content-disposition",
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quoted}".encode(),
            ),
            (b"cache-control", b"private, no-store"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        handle = await asyncio.to_thread(open, self.path, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            handle.close()
        await send({"type": "http.response.body", "body": b"", "more_body": False})


# Every page


@hookimpl
def extra_template_vars(datasette, request, view_name, database, table):
    state = _state(datasette)
    if state is None:
        return {}
    banner = state.banner
    shown = {
        "marking": banner.get("marking", "OFFICIAL-SENSITIVE"),
        "council": banner.get("council") or "Council not named",
        "as_of_shown": banner.get("as_of_shown"),
        "as_of_today": banner.get("today", True),
        "accounts_on": accounts_on(state),
        "may_write": forms.may_write(request.actor) if request is not None else False,
    }
    if view_name == "row" and database == "evidence" and table == "evidence":
        return _with_files(datasette, request, shown)
    if database == "evidence" and (view_name, table) in COMPARED_LINKS:
        return compared.with_links(datasette, request, view_name, shown)
    return shown


def _with_files(datasette, request, shown: dict[str, Any]):
    """An item's page lists its files, each a link to download it, above its fields."""

    async def inner():
        pks = (request.url_vars or {}).get("pks", "")
        files = []
        if pks.isdigit():
            found = await datasette.get_database("evidence").execute(
                "SELECT name, sha256 FROM evidence_files WHERE evidence_id = ? ORDER BY rowid",
                [int(pks)],
            )
            files = [
                {"name": row["name"],
                 "href": f"/-/files/{row['sha256']}/{urllib.parse.quote(row['name'], safe='')}"}
                for row in found.rows
                if SHA256.fullmatch(row["sha256"] or "")
            ]  # fmt: skip
        return {**shown, "item_files": files}

    return inner


@hookimpl
def extra_js_urls(template):
    # A module runs once the page is read: it folds the column descriptions away; on a
    # form, it shows the themes of the areas ticked.
    urls = [{"url": "/assets/library.js", "module": True}]
    if template == "form.html":
        urls.append({"url": "/assets/forms.js", "module": True})
    return urls


@hookimpl
def extra_css_urls():
    return ["/assets/library.css"]


@hookimpl
def menu_links(datasette, actor):
    if _state(datasette) is None or not actor:
        return []
    return [
        {"href": "/", "label": "Readiness"},
        {"href": inspection.PATH, "label": "Inspection"},
        {"href": datasette.urls.table("evidence", "evidence"), "label": "All evidence"},
        {"href": "/-/help", "label": "Help"},
    ]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """A file's name links to the file itself."""
    if database != "evidence" or table != "evidence_files" or column != "name":
        return None
    sha256 = row["sha256"]
    if isinstance(sha256, dict):  # a foreign key Datasette has expanded to its label
        sha256 = sha256.get("value")
    if not isinstance(value, str) or not isinstance(sha256, str) or not SHA256.fullmatch(sha256):
        return None
    href = f"/-/files/{sha256}/{urllib.parse.quote(value, safe='')}"
    return Markup(f'<a href="{escape(href)}" download>{escape(value)}</a>')


@hookimpl
def skip_csrf(datasette, scope):
    """A form with files checks its own CSRF token (evidence.web.forms.check_token), as it
    reads the body it streams to disk; asgi-csrf would read it first, and cannot (its
    multipart reader no longer fits python-multipart's)."""
    return scope.get("type") == "http" and bool(guard.UPLOADS.fullmatch(scope.get("path", "")))


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: guard.wrap(app, datasette)
