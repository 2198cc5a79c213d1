"""What every request to the web UI passes before Datasette sees it, and what every answer
carries.

The library holds OFFICIAL-SENSITIVE material about children, and a browser visits other
sites too: a page elsewhere can send that browser to any address here, load it as an
image or a frame, or post a form to it. So, in order:

1. A request must name this server by a host name it was started for (`evidence serve
   --allowed-host`), or a page elsewhere whose name was pointed at this computer (DNS
   rebinding) could read every answer: 400.
2. A request another site started (`Sec-Fetch-Site: cross-site`, or `same-site`, which
   is how a browser counts a page on another port of this computer) may only open a page
   by following a link: no SQL, JSON or CSV, no image, script, fetch or frame: 403.
3. A request that changes something (a form) must come from this server's own pages
   (`Origin`): 403.
4. A body is read to 64 KB at most (a form without files: 256 KB): 413. A form that carries files (UPLOADS) may carry
   up to the upload limit (evidence.web.forms), must say its length, and is refused
   before any of it is read if that is over the limit; it is read as it arrives, not
   held here.
5. What the server says of itself (its files, versions, plugins, threads) is for
   analysts only.

Every answer, refusals included, carries a Content-Security-Policy under which the browser
runs no script but the web UI's own files, loads nothing from elsewhere and sends no form
elsewhere, and headers that keep it out of frames, search engines and other sites' pages.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from datasette.utils.asgi import Request, Response

from evidence.web import bounds, host_name

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Datasette's templates set colours and sizes in style attributes. Styles cannot
        # run script, and nothing they name can be fetched from elsewhere (img-src,
        # font-src), so inline styles are allowed; nothing else inline is.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"x-robots-tag", b"noindex, nofollow"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
BODY_LIMIT = 64 * 1024
# The forms without files, by path: a note or an answer the command line takes (20,000
# characters, each up to 4 bytes and 3 characters more once a browser encodes it) fits.
FORMS = re.compile(
    r"/-/(evidence/[0-9]{1,18}/(verify|withdraw)|actions/[0-9]{1,18}/update"
    r"|challenges/(raise|[0-9]{1,18}/resolve)|requests/[0-9]{1,18}/answer)"
)
FORM_BODY_LIMIT = 256 * 1024
# The forms that carry files, by path: their bodies are limited by evidence.web.forms.
UPLOADS = re.compile(r"/-/(log|evidence/[0-9]{1,18}/edit)")
FOREIGN_SITES = {"cross-site", "same-site"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Query arguments that carry SQL; and the suffixes of Datasette's formats and the query
# arguments that ask for data rather than a page.
SQL_ARGUMENTS = {"sql", "_where"}
DATA_SUFFIXES = (".json", ".jsono", ".csv", ".db", ".blob")
DATA_ARGUMENTS = {"_shape", "_stream", "_dl", "_json", "_format", "_trace"}
ANALYSTS_ONLY = re.compile(
    r"/-/(databases|versions|plugins|threads|actor|settings|messages|allow-debug|patterns)"
    r"(\.json)?"
)


def wrap(app, datasette):
    """The ASGI app `app` (Datasette's), behind the checks above."""

    async def guarded(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                kept = [(key, value) for key, value in message.get("headers", [])
                        if key.lower() not in _OURS]  # fmt: skip
                message = {**message, "headers": kept + SECURITY_HEADERS}
            await send(message)

        request = Request(scope, receive)
        refusal = _refusal(datasette, request)
        if refusal is None:
            receive, refusal = await _read_body(scope, receive)
        if refusal is not None:
            return await refusal.asgi_send(with_headers)
        if SHOWS_STATISTICS.fullmatch(scope["path"]):
            await _fresh_statistics(datasette)
        token = bounds.analysts_sql.set(asks_sql(request))
        try:
            await app(scope, receive, with_headers)
        finally:
            bounds.analysts_sql.reset(token)

    return guarded


_OURS = {key for key, _ in SECURITY_HEADERS}
# The pages that show the statistics (the home page, the dashboard, the statistics
# database): they are rebuilt first if the library has changed since, so that a figure
# shown is never behind the library (a form's write leaves the rebuild to a moment later).
SHOWS_STATISTICS = re.compile(r"/|/stats(/.*|\.json)?|/-/dashboards(/.*)?")


async def _fresh_statistics(datasette) -> None:
    import asyncio
    import sqlite3

    from evidence.errors import EvidenceError

    state = datasette.evidence_library
    try:
        await asyncio.to_thread(state.refresh_stats)
    except (EvidenceError, OSError, sqlite3.Error) as error:  # the last figures stand
        print(f"Warning: the statistics were not refreshed ({error}).", flush=True)


def _refusal(datasette, request: Request) -> Response | None:
    state = datasette.evidence_library
    host = host_name(request.headers.get("host", ""))
    if not host or host not in state.allowed_hosts:
        return _refuse(
            400,
            "This server does not answer to that host name: open the web UI at the"
            " address it was started for (see `evidence serve --allowed-host`).",
        )
    method = request.method.upper()
    site = request.headers.get("sec-fetch-site", "").lower()
    if site in FOREIGN_SITES and not _following_a_link(request):
        return _refuse(
            403,
            "Refused: this request came from another site. Open the web UI from its own"
            " address, or follow a link to one of its pages.",
        )
    if method not in SAFE_METHODS and not _from_here(request):
        return _refuse(403, "Refused: this form was sent from another site.")
    if asks_sql(request) and "_json" in request.args:  # see bounds.py
        return _refuse(
            400, "Refused: _json with a query of your own. Use json_extract() in the query."
        )
    if ANALYSTS_ONLY.fullmatch(request.path):
        return _analysts_only(datasette, request)
    return None


def asks_sql(request: Request) -> bool:
    """Whether the request carries SQL of its own, which bounds.py bounds."""
    return any(request.args.get(name) for name in SQL_ARGUMENTS)


def wants_data(request: Request) -> bool:
    """Whether the request asks Datasette for data (JSON, CSV, the database, a blob)
    rather than a page."""
    return request.path.endswith(DATA_SUFFIXES) or bool(DATA_ARGUMENTS & set(request.args))


def _following_a_link(request: Request) -> bool:
    """Whether a request from another site is a person following a link to a page: a
    navigation of the whole tab, to a page that is neither data nor an answer to SQL."""
    return (
        request.method.upper() in ("GET", "HEAD")
        and request.headers.get("sec-fetch-mode", "").lower() == "navigate"
        and request.headers.get("sec-fetch-dest", "document").lower() == "document"
        and not wants_data(request)
        and not SQL_ARGUMENTS & set(request.args)
    )


def _from_here(request: Request) -> bool:
    """Whether a form was sent from a page of this server: its `Origin`, which browsers
    send with every form, names this server. A client that sends no `Origin` is not a
    browser another site drives, and the form's CSRF token still applies."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    parts = urllib.parse.urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == (
        request.headers.get("host", "").lower()
    )


def _analysts_only(datasette, request: Request) -> Response | None:
    from evidence.web import plugin

    visitor = plugin.visitor(datasette, request)
    if visitor is not None and visitor.get("role") == "analyst":
        return None
    return plugin.login_redirect(datasette, request, visitor) or _refuse(
        403, "Forbidden: what the server says of itself is for analysts."
    )


async def _read_body(scope: dict[str, Any], receive) -> tuple[Any, Response | None]:
    """The request's body, read to its limit and no further, and a `receive` that gives
    it to Datasette again; or a refusal if it is longer than the limit. A form with files
    is only checked against its limit here, by the length it declares."""
    headers = dict(scope.get("headers") or [])
    multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
    if multipart and not UPLOADS.fullmatch(scope["path"]):
        return receive, _refuse(415, "Refused: only a form with files may be sent as one.")
    if scope.get("method") == "POST" and UPLOADS.fullmatch(scope["path"]):
        from evidence.web.forms import upload_bytes, upload_text

        declared = headers.get(b"content-length")
        if declared is None or not declared.isdigit():
            return receive, _refuse(411, "Refused: a form with files must say its length.")
        if int(declared) > upload_bytes():
            return receive, _refuse(
                413,
                f"Refused: a form may carry at most {upload_text()} of files. Attach a"
                " larger file with `evidence edit ID --file PATH`.",
            )
        return receive, None
    limit = FORM_BODY_LIMIT if FORMS.fullmatch(scope["path"]) else BODY_LIMIT

    def too_long():
        return receive, _refuse(413, f"Refused: a request may carry at most {limit // 1024} KB.")

    declared = headers.get(b"content-length", b"0")
    if not declared.isdigit() or int(declared) > limit:
        return too_long()
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":  # the client went away mid-body
            return receive, _refuse(400, "Refused: the request ended before its body did.")
        size += len(message.get("body", b""))
        if size > limit:
            return too_long()
        if not message.get("more_body"):
            break

    async def replay():
        return messages.pop(0) if messages else await receive()

    return replay, None


def _refuse(status: int, text: str) -> Response:
    return Response.text(text + "\n", status=status)
