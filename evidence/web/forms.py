"""What every form of the web UI shares: who may write, the form read from the request,
its checks against another site and against being sent twice, and one way to the
library's workers.

A form writes through the same function the command line calls (`catalog.add_evidence`
for `evidence add`, and so on), with the same checks: an error is shown beside the field
it names, in the words the command line prints, with what was typed kept. Nothing is
written unless all of it is.

- **Who.** Managers and analysts write; a viewer, and anyone not logged in, is refused
  (403). With no accounts the web UI is served on this computer only, and its forms write
  in the name `evidence serve` was started with (`--by`, or EVIDENCE_USER, or the login
  name).
- **Another site.** Every form carries the CSRF token of the cookie Datasette sets with
  the page; a form without it, or with another, is refused (403), as the guard refuses a
  form whose `Origin` is another site's (evidence.web.guard).
- **Twice.** Every form page carries a key of its own. The form's write and the key are
  recorded in one transaction, so the same form sent again (a double click, a page sent
  again from the browser's history) writes nothing and is shown what the first made.
- **Files.** A form with files streams them to a private folder beside the library while
  it is read, at most UPLOAD_MB in all (the guard refuses a larger request before reading
  it); each is then examined and stored as `evidence add --file` stores it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import os
import re
import secrets
import shutil
import sqlite3
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasette.utils.asgi import Base400, Forbidden, Response

from evidence.errors import EvidenceError, InvalidValue, LibraryBusy

UPLOAD_MB = 50
UPLOAD_ENV = "EVIDENCE_MAX_UPLOAD_MB"
# The most one field of a form may hold: room for any value a worker takes (20,000
# characters of up to 4 bytes each), and for one far over its limit (a 100,000-character
# title pasted in) to be shown the command line's error beside it rather than refused whole.
FIELD_BYTES = 256 * 1024
FIELDS = 400  # the most fields one form may carry
FILES = 20  # the most files one form may carry
CSRF_COOKIE = "ds_csrftoken"
KEY = re.compile(r"[A-Za-z0-9_-]{22,64}")
MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"


class FormRefused(Exception):
    """A form that cannot be read: too large, malformed, or sent from elsewhere."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


class _Stop(Exception):
    """Stops reading a form at its first problem, kept in `problems`."""


def upload_bytes() -> int:
    """The most a form with files may carry: EVIDENCE_MAX_UPLOAD_MB megabytes (default
    50), a limit of the web UI's own, below the library's limit for one file."""
    value = os.environ.get(UPLOAD_ENV)
    if not value:
        return UPLOAD_MB * 1024 * 1024
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = math.nan
    if not (math.isfinite(megabytes) and 0 < megabytes <= 100_000):
        raise InvalidValue(UPLOAD_ENV, value, "must be a number of megabytes above 0, such as 50.")
    return max(1, int(megabytes * 1024 * 1024))


def upload_text() -> str:
    """The upload limit as a form states it: 50 MB."""
    megabytes = upload_bytes() / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{upload_bytes() // 1024} KB"


# Who is writing


@dataclass(frozen=True)
class Writer:
    """Who a form writes as: the name the audit trail records, and what they may do."""

    name: str
    role: str
    may_clear: bool  # may clear a child story for print


class NotAWriter(Base400):
    """A form sent by someone who may not write. Datasette sends anyone refused a page
    who is not logged in to the login page; a form sent is refused (403) outright."""

    status = 403


def may_write(actor: dict[str, Any] | None) -> bool:
    from evidence import accounts

    return bool(actor) and accounts.can_write(actor.get("role"))


def writer(datasette, request) -> Writer:
    """The visitor, if they may write; Forbidden (403) for anyone else."""
    from evidence import accounts

    actor = request.actor
    if not may_write(actor):
        refusal = Forbidden if request.method in ("GET", "HEAD") else NotAWriter
        raise refusal("Only managers and analysts may change the library.")
    state = datasette.evidence_library
    if actor.get("local"):  # no accounts: the person at this computer, who runs it
        return Writer(name=state.by, role=actor["role"], may_clear=True)
    role = actor["role"]
    return Writer(name=actor["id"], role=role, may_clear=accounts.can_clear_for_print(role))


def refused(status: int, text: str) -> Response:
    return Response.text(text + "\n", status=status)


# The form as sent


@dataclass
class Upload:
    """A file sent with a form, held in the form's private folder."""

    field: str
    name: str
    path: Path
    size: int
    problem: str | None = None  # why its name cannot be taken


@dataclass
class Sent:
    """A form as the browser sent it: each field's values, in order, and its files."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[Upload] = field(default_factory=list)

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self.fields.get(name)
        return values[0] if values else default

    def text(self, name: str) -> str:
        return self.get(name) or ""

    def getlist(self, name: str) -> list[str]:
        return list(self.fields.get(name, []))

    def add(self, name: str, value: str) -> None:
        if sum(len(values) for values in self.fields.values()) >= FIELDS:
            raise FormRefused(413, f"Refused: a form may carry at most {FIELDS} fields.")
        # Browsers send each line break of a text box as CR LF: the library keeps LF.
        self.fields.setdefault(name, []).append(value.replace("\r\n", "\n"))


async def read_form(request, folder: Path | None = None) -> Sent:
    """The form the request carries. Files are written to `folder` as they arrive (a
    form with files and no folder to put them in is refused); fields are kept up to
    FIELD_BYTES each."""
    content_type, _, parameters = request.headers.get("content-type", "").partition(";")
    content_type = content_type.strip().lower()
    if content_type == URLENCODED:
        body = await _body(request)
        sent = Sent()
        try:
            pairs = urllib.parse.parse_qsl(
                body.decode("utf-8"), keep_blank_values=True, max_num_fields=FIELDS
            )
        except (UnicodeDecodeError, ValueError):
            raise FormRefused(400, "Refused: the form could not be read.") from None
        for name, value in pairs:
            sent.add(name, value)
        return sent
    if content_type == MULTIPART and folder is not None:
        from python_multipart.multipart import parse_options_header

        _, options = parse_options_header(f"{MULTIPART};{parameters}")
        boundary = options.get(b"boundary")
        if not boundary:
            raise FormRefused(400, "Refused: the form could not be read.")
        return await _read_multipart(request, boundary, folder)
    raise FormRefused(400, "Refused: the form could not be read.")


CUT_OFF = "Refused: the form did not arrive whole. Send it again."


async def _body(request) -> bytes:
    body = b""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise FormRefused(400, CUT_OFF)
        body += message.get("body", b"")
        if len(body) > FIELD_BYTES:
            raise FormRefused(413, "Refused: the form is too long.")
        if not message.get("more_body"):
            return body


async def _read_multipart(request, boundary: bytes, folder: Path) -> Sent:
    from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

    sent = Sent()
    limit = upload_bytes()
    part: dict[str, Any] = {}
    problems: list[FormRefused] = []

    def begin() -> None:
        part.clear()
        part.update(headers={}, header=b"", value=b"", data=bytearray(), handle=None, size=0)

    def header_field(data: bytes, start: int, end: int) -> None:
        part["header"] += data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        name = part["header"].lower()
        part["headers"][name] = part["headers"].get(name, b"") + data[start:end]

    def header_end() -> None:
        part["header"] = b""

    def headers_finished() -> None:
        _, options = parse_options_header(part["headers"].get(b"content-disposition", b""))
        part["name"] = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        part["filename"] = filename
        if filename:
            if len(sent.files) >= FILES:
                problems.append(FormRefused(413, f"Refused: at most {FILES} files at once."))
                raise _Stop
            handle, path = tempfile.mkstemp(dir=folder, prefix="upload-")
            part.update(handle=os.fdopen(handle, "wb"), path=Path(path))

    def data(chunk: bytes, start: int, end: int) -> None:
        piece = chunk[start:end]
        part["size"] += len(piece)
        if part["handle"] is not None:
            part["handle"].write(piece)
        elif part["size"] > FIELD_BYTES:
            problems.append(FormRefused(413, "Refused: a field of the form is too long."))
            raise _Stop
        else:
            part["data"] += piece

    def end() -> None:
        if part.get("handle") is not None:
            part["handle"].close()
            problem = None
            try:
                given = part["filename"].decode("utf-8")
            except UnicodeDecodeError:  # refused by its name, as the command line refuses it
                given = part["filename"].decode("utf-8", "backslashreplace")
                problem = "is not a name in UTF-8: rename the file and attach it again."
            # Some browsers send the path the file was chosen from: its last part is its name.
            name = re.split(r"[\\/]", given)[-1]
            if name in ("", ".", "..") and problem is None:
                name, problem = (
                    given,
                    "has no name of its own: rename the file and attach it again.",
                )
            sent.files.append(Upload(part["name"], name, part["path"], part["size"], problem))
        elif part.get("filename") is None:
            try:
                sent.add(part["name"], bytes(part["data"]).decode("utf-8"))
            except UnicodeDecodeError:
                problems.append(FormRefused(400, "Refused: the form could not be read."))
                raise _Stop from None

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": begin,
            "on_header_field": header_field,
            "on_header_value": header_value,
            "on_header_end": header_end,
            "on_headers_finished": headers_finished,
            "on_part_data": data,
            "on_part_end": end,
        },
        max_size=limit,
    )
    received = 0
    try:
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":  # the browser went away mid-form
                raise FormRefused(400, CUT_OFF)
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                raise FormRefused(
                    413, f"Refused: a form may carry at most {upload_text()} of files."
                )
            # Writing to disk is done off the event loop, so other pages go on being served.
            await asyncio.to_thread(parser.write, chunk)
            if not message.get("more_body"):
                break
        parser.finalize()
        if parser.state != MultipartState.END:  # which python-multipart does not check
            raise FormRefused(400, CUT_OFF)
    except _Stop:
        raise problems[0] from None
    except FormRefused:
        raise
    except Exception:  # the parser's own errors: a body that is not the form it says
        raise FormRefused(400, "Refused: the form could not be read.") from None
    finally:
        if part.get("handle") is not None and not part["handle"].closed:
            part["handle"].close()
    if problems:
        raise problems[0]
    return sent


UPLOAD_PREFIX = ".upload-"
# A form's folder older than this is one its server was killed while reading.
STALE_UPLOAD_SECONDS = 3600


def only_get_and_post(handler):
    """A form's route answers GET (its page) and POST (the form sent); anything else 405."""
    import functools

    @functools.wraps(handler)
    async def route(datasette, request):
        if request.method not in ("GET", "HEAD", "POST"):
            response = refused(405, "Refused: a form is opened (GET) or sent (POST).")
            response.headers["Allow"] = "GET, HEAD, POST"
            return response
        return await handler(datasette, request)

    return route


def sweep_uploads(library: Path, older_than: float = STALE_UPLOAD_SECONDS) -> int:
    """Remove the folders of forms whose server was killed while reading them (a
    form's own folder is removed when it is done): they may hold a file that was never
    logged. Returns how many were removed."""
    import time

    removed = 0
    for folder in library.parent.glob(f"{UPLOAD_PREFIX}*"):
        try:
            if folder.is_dir() and time.time() - folder.stat().st_mtime > older_than:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed


def upload_folder(library: Path) -> Path:
    """A private folder beside the library for one form's files, removed by the caller."""
    return Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX, dir=library.parent))


def remove_folder(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


# Checks against another site and against a second sending


def check_token(datasette, request, sent: Sent) -> None:
    """Refuse a form without the CSRF token of the cookie our own page set: the same, and
    signed by this server (as asgi-csrf checks it for the forms it reads)."""
    from itsdangerous import BadSignature

    cookie = request.cookies.get(CSRF_COOKIE) or ""
    token = sent.get("csrftoken") or ""
    try:
        signed = bool(cookie) and datasette.unsign(cookie, "csrftoken") is not None
    except BadSignature:
        signed = False
    if not signed or not hmac.compare_digest(cookie.encode(), token.encode()):
        raise FormRefused(
            403,
            "Refused: this form had expired or was sent from another site. Open its page"
            " again and send it from there.",
        )


def new_key() -> str:
    return secrets.token_urlsafe(24)


def form_key(sent: Sent) -> str:
    key = sent.get("key") or ""
    if not KEY.fullmatch(key):
        raise FormRefused(400, "Refused: the form has no key. Open its page again.")
    return key


def _key_id(key: str, form: str, by: str) -> str:
    """What is recorded of a form's key: its SHA-256 with the form and the account, so a
    key sent with another form, or by another account, is never taken for this one."""
    return hashlib.sha256("\0".join((by, form, key)).encode()).hexdigest()


@dataclass
class Done:
    """What a form's write made: the page to show next, messages for it, and whether it
    was made by an earlier sending of the same form."""

    url: str
    messages: list[tuple[str, str]] = field(default_factory=list)  # ("info" or "warning")
    again: bool = False


async def write_once(
    datasette, form: str, key: str, by: str, work: Callable[[sqlite3.Connection], Done]
) -> Done:
    """Run `work` on the library, in one transaction with the record of `key`: if this
    key was recorded already, nothing is written and the first result is given again."""
    state = datasette.evidence_library

    def run() -> Done:
        from db import now, transaction
        from evidence.library import open_library

        conn = open_library(state.library, create=False)
        try:
            with transaction(conn, by=by):
                key_id = _key_id(key, form, by)
                earlier = conn.execute(
                    "SELECT result, messages FROM form_submissions WHERE key = ?", [key_id]
                ).fetchone()
                if earlier is not None:
                    said = [tuple(message) for message in json.loads(earlier[1])]
                    return Done(url=earlier[0], messages=said, again=True)
                done = work(conn)
                conn.execute(
                    "INSERT INTO form_submissions (key, form, result, messages, created_at,"
                    " created_by) VALUES (?, ?, ?, ?, ?, ?)",
                    [key_id, form, done.url, json.dumps(done.messages), now(), by],
                )
                return done
        finally:
            conn.close()

    done = await asyncio.to_thread(run)
    if not done.again:
        state.refresh_soon()
    return done


def finished(datasette, request, done: Done, what: str) -> Response:
    """The page after a form: its result, with what was done said at the top of it."""
    if done.again:
        datasette.add_message(
            request,
            f"That form had been sent already, and {what} was saved then: nothing more was"
            " written. What was said then:",
            datasette.INFO,
        )
    for message, kind in done.messages:
        if isinstance(kind, str):  # as the record forms say it
            kind = datasette.WARNING if kind == "warning" else datasette.INFO
        datasette.add_message(request, message, kind)
    return Response.redirect(done.url, status=303)


async def post_form(
    datasette, request, page: Page, form: str, who: Writer, work, names=None, what=""
) -> Response:
    """Send a form without files: `work(conn, sent)` written once, and the page it leads
    to; or the form's page again, with its error and what was typed."""
    try:
        sent, _ = await sent_form(datasette, request)
    except FormRefused as refusal:
        return refused(refusal.status, refusal.text)
    page.keep(sent)
    try:
        done = await write_once(
            datasette, form, sent.text("key"), who.name, lambda conn: work(conn, sent)
        )
    except (EvidenceError, sqlite3.Error) as error:
        page.fail(error, names or {})
        return await render(datasette, request, page, status=400)
    return finished(datasette, request, done, what)


async def read_record(datasette, work: Callable[[sqlite3.Connection], Any], missing: str) -> Any:
    """The record `work` reads from the library, or a 404 page saying `missing` if the
    worker finds no such record."""
    from datasette.utils.asgi import NotFound

    from evidence.errors import NotFound as Missing

    try:
        return await read_library(datasette, work)
    except Missing:
        raise NotFound(missing) from None


async def read_library(datasette, work: Callable[[sqlite3.Connection], Any]) -> Any:
    """`work` run on the library, open for reading, off the event loop."""
    state = datasette.evidence_library

    def run() -> Any:
        from evidence.library import open_library

        conn = open_library(state.library, create=False, read_only=True)
        try:
            return work(conn)
        finally:
            conn.close()

    return await asyncio.to_thread(run)


# Errors, by the field they name


def field_of(error: EvidenceError, names: dict[str, str]) -> str | None:
    """The form's name for the field an error names (`names` maps the workers' names to
    the form's where they differ), or None for an error of the whole form."""
    name = getattr(error, "field", None)
    return names.get(name, name) if name else None


SHOWN_WORDS = 10


def quoted_words(words: list[str]) -> str:
    """The words a privacy warning names, the first SHOWN_WORDS of them: a message is
    carried to the next page in a cookie, which a browser drops past 4 KB."""
    shown = ", ".join(f"'{word[:60]}'" for word in words[:SHOWN_WORDS])
    more = len(words) - SHOWN_WORDS
    return shown + (f" and {more:,} more" if more > 0 else "")


def problem_text(error: Exception) -> str:
    if isinstance(error, LibraryBusy):
        return f"{error} Send the form again in a moment."
    if isinstance(error, sqlite3.Error):
        return f"The library could not be written ({error}). Nothing was saved."
    return str(error)


# What a form shows


@dataclass
class Field:
    """One field of a form: its name in the form, its label and help in plain words, and
    how it is typed (text, textarea, select, checkbox, checkboxes, date, file, areas,
    themes)."""

    name: str
    label: str
    help: str = ""
    kind: str = "text"
    choices: list = field(default_factory=list)
    required: bool = False
    placeholder: str = ""
    autocomplete: str = "off"


def option_help(option: Any) -> str:
    """The help of one of the command line's options (`evidence.cli.options`), without
    the part that names a default: a form shows its default as the value it starts with."""
    import typing

    info = typing.get_args(option)[1]
    return re.sub(r"\s*\[default: [^]]*\]", "", info.help or "").strip()


@dataclass
class Page:
    """A form's page: its fields, what was typed, and the problems found."""

    title: str
    action: str
    fields: list[Field]
    values: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    key: str = field(default_factory=new_key)
    submit: str = "Save"
    back: str = "/"
    intro: str = ""
    files: bool = False
    context: dict[str, Any] = field(default_factory=dict)

    def keep(self, sent: Sent) -> None:
        """Show what was typed again, with the same key (nothing was written with it)."""
        self.values = {name: values for name, values in sent.fields.items()}
        self.key = sent.get("key") or self.key

    def fail(self, error: Exception, names: dict[str, str]) -> None:
        """Put an error beside the field it names, or above the form."""
        text = problem_text(error)
        name = field_of(error, names) if isinstance(error, EvidenceError) else None
        shown = {f.name for f in self.fields}
        if name in shown:
            self.errors[name] = text
        else:
            self.problem = text


async def render(datasette, request, page: Page, status: int = 200) -> Response:
    return Response.html(
        await datasette.render_template(
            "form.html",
            {
                "page": page,
                "values": page.values,
                "errors": page.errors,
                "upload_limit": upload_text() if page.files else None,
                **page.context,
            },
            request=request,
        ),
        status=status,
    )


async def sent_form(datasette, request, *, files: bool = False) -> tuple[Sent, Path | None]:
    """The form a POST carries, checked to be ours and to carry a key; files (if the form
    takes them) in a private folder the caller removes with `remove_folder`."""
    folder = upload_folder(datasette.evidence_library.library) if files else None
    try:
        sent = await read_form(request, folder)
        check_token(datasette, request, sent)
        form_key(sent)
    except BaseException:
        remove_folder(folder)
        raise
    return sent, folder
