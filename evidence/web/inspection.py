"""The inspection page (`/-/inspection`): the open inspection at a glance, for everyone
following it (viewers, managers and analysts alike), refreshing itself every minute.

The requests are read with `evidence.inspections.list_requests`, as `evidence request
list` reads them (a request's state folded from its events), on one of Datasette's
read-only connections: a few queries for the whole inspection, never one per request.
They are shown by status: late (open past their due time) first, in red, then open,
answered (newest first; those answered late in red) and withdrawn, each with its due time
in UK time, owner, who asked, and what was handed over: items linked to their rows and
files, files from outside the library by name and SHA-256.

Everything shown from the library is text: escaped, cut to the length the library accepts,
and with any character that would hide or reorder text (controls, bidirectional and
zero-width marks, tag characters) shown as its code point, `[U+202E]`.

Each server process works the board of now out once a minute, and again as soon as the
library changes (`Boards`): everyone following the inspection sees the same board, and
on 2,000 requests it takes some 60 ms to work out (bench/serve_latency.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sqlite3
import threading
import urllib.parse
from collections import OrderedDict
from pathlib import Path
from typing import Any

from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from evidence import inspections
from evidence.dates import format_day
from evidence.errors import InvalidValue
from evidence.uktime import parse_moment, read_stored, shown, uk_day

PATH = "/-/inspection"
REFRESH_SECONDS = 60
AS_OF_MAX = 40  # "2026-10-25 01:30:00 +01:00" is 26
TEXT_MAX = inspections.TEXT_MAX
NAME_MAX = 200  # owner, asked by, lead: as `request add` and `inspection start` take them
TITLE_MAX = 300
FILE_NAME_MAX = 255
SHORT_SHA = 12  # as `evidence request show` shows it
# The tables the page reads: a visitor must be allowed to see each.
TABLES = ("inspections", "requests", "request_events", "handovers")
# Characters that hide or reorder the text around them: C0 and C1 controls but tab and
# newline, DEL, the soft hyphen, bidirectional marks, overrides and isolates, zero-width
# characters, line and paragraph separators, the byte-order mark, interlinear
# annotations and the tag characters that spell hidden ASCII.
HIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)
STATUSES = ("late", "open", "answered", "withdrawn")  # as the page shows them, in order


def plain(value: Any, limit: int) -> str | None:
    """`value` as text to show: at most `limit` characters (saying how many more there
    were), with every character in HIDDEN shown as its code point."""
    if value is None:
        return None
    text = str(value)
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit:,} more characters)"
    if text.isprintable():  # the usual case, in C: no control, format or separator
        return text
    return HIDDEN.sub(lambda found: f"[U+{ord(found.group()):04X}]", text)


async def inspection_page(datasette, request):
    from evidence.web import ensure_can_view

    await ensure_can_view(datasette, request.actor, TABLES)
    as_of = request.args.get("as_of")
    as_of = as_of.strip() if as_of is not None else ""
    moment, problem = None, None
    if as_of:
        if len(as_of) > AS_OF_MAX:
            problem = (
                f"as_of is {len(as_of):,} characters long: give a UK time, such as"
                ' "2026-03-03 12:00", or a day.'
            )
        else:
            try:
                moment = parse_moment(as_of, "as_of")
            except InvalidValue as error:
                problem = str(error)
    board = None
    if problem is None:
        boards = _boards(datasette)
        # Now, unless asked for another time; a board of now is kept for the minute.
        key = (moment, True) if moment else (_this_minute(), False)
        board = boards.get(key)
        if board is None:
            row_url = datasette.urls.table("evidence", "evidence") + "/"
            board = await datasette.get_database("evidence").execute_fn(
                functools.partial(
                    read_board,
                    moment=moment or dt.datetime.now(dt.UTC).replace(microsecond=0),
                    fixed=moment is not None,
                    row_url=row_url,
                )
            )
            boards.keep(key, board)
    return Response.html(
        await datasette.render_template(
            "inspection.html",
            {
                "board": board,
                "problem": problem,
                "as_of": as_of,
                "refresh": REFRESH_SECONDS if not as_of else None,
            },
            request=request,
        ),
        status=400 if problem else 200,
    )


def _this_minute() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


class Boards:
    """The boards lately shown, kept in each server process until the library changes
    (SQLite's data_version, on a connection of its own, says another has written) or,
    for a board of now, until the minute is out. Everyone following the inspection asks
    for the same board each minute (the page refreshes itself); an answer recorded shows
    at the next visit. A request falls late at the minute its due time falls in (due
    times are typed to the minute). At most SIZE are kept."""

    SIZE = 8

    def __init__(self, library: Path) -> None:
        self._watch = sqlite3.connect(
            f"{library.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
        )
        self._lock = threading.Lock()
        self._version: int | None = None
        self._boards: OrderedDict[Any, dict[str, Any]] = OrderedDict()

    def get(self, key: Any) -> dict[str, Any] | None:
        with self._lock:
            version = self._watch.execute("PRAGMA data_version").fetchone()[0]
            if version != self._version:
                self._version = version
                self._boards.clear()
            board = self._boards.get(key)
            if board is not None:
                self._boards.move_to_end(key)
            return board

    def keep(self, key: Any, board: dict[str, Any]) -> None:
        with self._lock:
            self._boards[key] = board
            while len(self._boards) > self.SIZE:
                self._boards.popitem(last=False)


def _boards(datasette) -> Boards:
    boards = getattr(datasette, "evidence_inspection_boards", None)
    if boards is None:
        boards = datasette.evidence_inspection_boards = Boards(datasette.evidence_library.library)
    return boards


def read_board(
    conn: sqlite3.Connection,
    *,
    moment: dt.datetime,
    fixed: bool = False,
    row_url: str = "/evidence/evidence/",
) -> dict[str, Any]:
    """What the page shows: the open inspection (or else the latest, ended), its requests
    as they stood at `moment` grouped by status, and their counts; `fixed` if the visitor
    asked for that moment."""
    # As it stood at `moment`: the latest inspection notified by then (open, or ended).
    row = inspections.current_or_latest(conn, moment)
    board: dict[str, Any] = {
        "as_of_display": shown(moment),
        "fixed": fixed,
        "inspection": None,
    }
    if row is None:
        return board
    framework = conn.execute(
        "SELECT short_name FROM frameworks WHERE slug = ?", [row["framework"]]
    ).fetchone()
    report = (
        conn.execute("SELECT title FROM evidence WHERE id = ?", [row["report_id"]]).fetchone()
        if row["report_id"]
        else None
    )
    board["inspection"] = {
        "id": row["id"],
        "type": row["type"],
        "framework": framework[0] if framework else row["framework"],
        "notified": shown(row["notified_at"]),
        "on_site": format_day(row["on_site"]),
        "lead": plain(row["lead"], NAME_MAX),
        "ended": format_day(row["ended_on"]) if row["ended_on"] else None,
        # Ended (or, for a moment asked for, over by then): no inspection is open.
        "over": bool(row["ended_on"])
        and (not fixed or row["ended_on"] < uk_day(moment).isoformat()),
        "report_url": f"{row_url}{row['report_id']}" if report else None,
        "report": plain(report[0], TITLE_MAX) if report else None,
    }
    groups: dict[str, list[dict[str, Any]]] = {status: [] for status in STATUSES}
    for found in inspections.list_requests(conn, inspection_id=row["id"], moment=moment):
        groups["late" if found["overdue"] else found["status"]].append(found)
    groups["answered"].sort(key=lambda found: found["answered_at"], reverse=True)
    board["counts"] = {status: len(found) for status, found in groups.items()}
    board["counts"]["total"] = sum(board["counts"].values())
    board["counts"]["answered_late"] = sum(found["answered_late"] for found in groups["answered"])
    board["groups"] = [
        (status, len(found), _rows(found, status, moment, row_url))
        for status, found in groups.items()
    ]
    return board


def _rows(found: list[dict[str, Any]], status: str, moment: dt.datetime, row_url: str) -> Markup:
    """The rows of one group's table. Built here rather than in the template, which takes
    five times as long over 2,000 requests; every value from the library passes plain()
    and escape(), and nothing else is written but this function's own markup."""
    return Markup("".join([_row(request, status, moment, row_url) for request in found]))


def _row(request: dict[str, Any], status: str, moment: dt.datetime, row_url: str) -> str:
    late = " late" if request["late"] else ""
    areas = (
        f'<br><span class="request-areas">{_text(", ".join(request["areas"]), TEXT_MAX)}</span>'
        if request["areas"]
        else ""
    )
    due = request["due_display"]
    # Shown to those who may write (the page's class says so); the form refuses others.
    answer = (
        f'<br><a class="answer-link" href="/-/requests/{request["id"]}/answer">Answer</a>'
        if status in ("late", "open")
        else ""
    )
    if status == "late":
        overdue = _how_long(moment - read_stored(request["due_at"]))
        due += f'<br><strong class="late-text overdue-by">{overdue} overdue</strong>'
    return (
        f'<tr id="request-{request["id"]}" class="request request-{status}{late}">'
        f'<td class="request-what"><span class="request-id">{request["id"]}</span>'
        f' <bdi class="request-text">{_text(request["text"], TEXT_MAX)}</bdi>{areas}</td>'
        f'<td class="request-due">{due}</td>'
        f'<td class="request-owner">{_or_none(request["owner"], "no owner")}</td>'
        f'<td class="request-asker">{_or_none(request["asked_by"], "not recorded")}'
        f"<br><small>{request['asked_display']}</small></td>"
        f'<td class="request-state">{_state(request, status, row_url)}{answer}</td></tr>\n'
    )


def _text(value: Any, limit: int) -> str:
    """plain() text, escaped for HTML (as markupsafe.escape() does, in a third of the
    time, which counts over 2,000 requests)."""
    text = plain(value, limit)
    if text is None:
        return ""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


def _or_none(value: str | None, missing: str) -> str:
    if value:
        return f"<bdi>{_text(value, NAME_MAX)}</bdi>"
    return f'<span class="none">{missing}</span>'


def _state(request: dict[str, Any], status: str, row_url: str) -> str:
    """Where a request stands: what was handed over for an answered one; the reason for a
    withdrawn or reopened one; what the library proposed for a day-one one."""
    last = request["events"][-1] if request["events"] else None
    note = f"<bdi>{_text(last['note'], TEXT_MAX)}</bdi>" if last and last["note"] else ""
    if status == "withdrawn":
        return f"Withdrawn {last['display']}" + (f": {note}" if note else "")
    if status in ("late", "open"):
        if last is not None:  # the only event after which a request is open
            return f"Reopened {last['display']}" + (f": {note}" if note else "")
        if request["day_one"]:
            return _proposal(request, row_url)
        return '<span class="none">Nothing handed over yet</span>'
    words = "Answered late" if request["answered_late"] else "Answered"
    shown_state = [
        f'<span class="{"late-text" if request["answered_late"] else "answered"}">{words}'
        f" {request['answered_display']}</span>"
    ]
    handed = _handed_over(request["handed_over"], row_url)
    if handed:
        shown_state.append(f'<ul class="handed-over">{handed}</ul>')
    if note:
        shown_state.append(f'<p class="request-note">Note: {note}</p>')
    if any(event["event"] == "reopened" for event in request["events"]):
        shown_state.append(
            '<p class="request-note"><small>Reopened before, and answered again.</small></p>'
        )
    return "".join(shown_state)


def _proposal(request: dict[str, Any], row_url: str) -> str:
    state = request["proposal"]
    if request["proposed_id"]:
        stale = ' <span class="late-text">(stale)</span>' if state == "stale" else ""
        return (
            f'Proposed: <a href="{row_url}{int(request["proposed_id"])}">'
            f"<bdi>{_text(request['proposed_title'], TITLE_MAX)}</bdi></a>{stale}"
        )
    return f'<span class="none">Nothing in the library ({escape(state or "missing")})</span>'


def _handed_over(handovers: list[dict[str, Any]], row_url: str) -> str:
    """Items handed over, each linked to its row, with their files linked to the files
    themselves; then files from outside the library, by name and short SHA-256."""
    items: dict[int, list[str]] = {}
    outside: list[str] = []
    for handed in handovers:
        if handed["evidence_id"] is None:
            outside.append(
                f'<li class="outside-file">File <bdi>{_text(handed["name"], FILE_NAME_MAX)}</bdi>'
                f" {_sha(handed['sha256'])} <small>(from outside the library)</small></li>"
            )
            continue
        evidence_id = int(handed["evidence_id"])
        if evidence_id not in items:  # each of its rows carries the item's title
            items[evidence_id] = [
                f'<li><a href="{row_url}{evidence_id}">Evidence {evidence_id}</a>:'
                f" <bdi>{_text(handed['title'], TITLE_MAX)}</bdi>"
            ]
        if handed["sha256"] is not None:
            name = handed["name"] or ""
            href = f"/-/files/{handed['sha256']}/{urllib.parse.quote(name, safe='')}"
            items[evidence_id].append(
                f'<li><a href="{escape(href)}" download><bdi>{_text(name, FILE_NAME_MAX)}'
                f"</bdi></a> {_sha(handed['sha256'])}</li>"
            )
    parts = []
    for item, *files in items.values():
        parts.append(item + (f"<ul>{''.join(files)}</ul>" if files else "") + "</li>")
    return "".join(parts + outside)


def _sha(sha256: str | None) -> str:
    sha256 = escape(sha256 or "")
    return f'<code class="sha" title="SHA-256 {sha256}">{sha256[:SHORT_SHA]}</code>'


def _how_long(gap: dt.timedelta) -> str:
    """A time past due, as people say it: "40 min", "3 h 5 min", "2 days 4 h"."""
    minutes = max(0, int(gap.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"
