"""The week the inspectors come: the inspection, what they ask for, and what was handed
over, when and by whom.

One inspection is open at a time, from the call (`notified_at`) until it is ended. Each
request has a due time; what happens to it is a dated event: answered (with what was
handed over, late if after it was due), reopened, withdrawn. A request's state at any
moment is read from its events up to then, so the week can be told again as it stood on
any hour of it. Times are stored in UTC (`evidence.uktime`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from db import now, transaction
from evidence import catalog, vocab
from evidence.dates import format_day, parse_day
from evidence.errors import InvalidValue, NotFound, Refused
from evidence.fields import check_actor, file_name, free_text, one_line
from evidence.uktime import parse_moment, parse_time, read_stored, shown, stored, uk_day

TYPES = (
    "standard",
    "short",
    "focused-visit",
    "monitoring-visit",
    "jtai",
    "inspection",
    "re-inspection",
)
# The types each framework's inspections take; the SIF's are the words `evidence report`
# uses.
FRAMEWORK_TYPES = {
    "sif": ("inspection", "re-inspection", "monitoring-visit"),
    "ilacs-2018": ("standard", "short", "focused-visit", "monitoring-visit", "jtai"),
    "ilacs-2023": ("standard", "short", "focused-visit", "monitoring-visit", "jtai"),
}
TEXT_MAX = 2000


@dataclass(frozen=True)
class HandedFile:
    """A file handed over outside the library: its name, size and SHA-256, never its
    contents (Annex A's child-level lists stay in the case system)."""

    name: str
    sha256: str
    size: int


def open_inspection(conn: sqlite3.Connection) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM inspections WHERE ended_on IS NULL").fetchone()


def current_or_latest(
    conn: sqlite3.Connection, moment: dt.datetime | None = None
) -> sqlite3.Row | None:
    """The inspection of a moment: the last one notified by then (so an earlier week is
    read as it stood); with no moment, the open one, or else the one notified last."""
    if moment is not None:
        return conn.execute(
            "SELECT * FROM inspections WHERE notified_at <= ?"
            " ORDER BY notified_at DESC, id DESC LIMIT 1",
            [stored(moment)],
        ).fetchone()
    return (
        open_inspection(conn)
        or conn.execute(
            "SELECT * FROM inspections ORDER BY notified_at DESC, id DESC LIMIT 1"
        ).fetchone()
    )


def start_inspection(
    conn: sqlite3.Connection,
    *,
    framework: str,
    type: str,
    notified: str,
    by: str,
    on_site: str | None = None,
    lead: str | None = None,
    day_one: Sequence[dict[str, Any]] = (),
    moment: dt.datetime | None = None,
) -> int:
    """Open an inspection notified at `notified` (UK time), and turn the day-one list
    (`day_one`: each entry's slug, name, due time and proposed item) into its first
    requests; returns its id."""
    by = check_actor(by)
    words = vocab.Vocabulary(conn)
    framework = words.framework(framework)
    kind = vocab.one_of("type", type, FRAMEWORK_TYPES.get(framework, TYPES))
    notified_at = parse_time(notified, "notified")
    current = moment or dt.datetime.now(dt.UTC)
    if notified_at > current:
        raise InvalidValue("notified", notified, "is in the future.")
    first_day = first_day_on_site(notified_at, on_site)
    lead = one_line(lead, "lead", 200)
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        already = open_inspection(conn)
        if already is not None:
            raise Refused(
                f"inspection {already['id']} is still open (notified {shown(already['notified_at'])}):"
                " end it with `evidence inspection end` first."
            )
        inspection_id = conn.execute(
            "INSERT INTO inspections (framework, type, notified_at, on_site, lead, created_at,"
            " created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                framework,
                kind,
                stored(notified_at),
                first_day.isoformat(),
                lead,
                stamp,
                by,
                stamp,
                by,
            ],
        ).lastrowid
        for entry in day_one:
            conn.execute(
                "INSERT INTO requests (inspection_id, text, day_one, asked_at, due_at, asked_by,"
                " proposed_id, proposal, created_at, created_by)"
                " VALUES (?, ?, ?, ?, ?, 'day-one list', ?, ?, ?, ?)",
                [
                    inspection_id,
                    entry["name"],
                    entry["slug"],
                    stored(notified_at),
                    stored(entry["due_at"]),
                    entry.get("proposed_id"),
                    entry["state"],
                    stamp,
                    by,
                ],
            )
    return inspection_id


def first_day_on_site(notified_at: dt.datetime, on_site: str | None) -> dt.date:
    """`--on-site`, checked, or else the next working day after the call."""
    if not on_site:
        return next_working_day(uk_day(notified_at))
    day = parse_day(on_site, "on_site")
    if day < uk_day(notified_at):
        raise InvalidValue("on_site", on_site, "is before the inspection was notified.")
    return day


def next_working_day(day: dt.date) -> dt.date:
    """The first weekday after `day`: an inspection's first day on site, unless given."""
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def end_inspection(
    conn: sqlite3.Connection, *, by: str, on: str | None = None, today: dt.date | None = None
) -> int:
    """End the open inspection on the day `on` (default today); returns its id."""
    by = check_actor(by)
    today = today or uk_day(dt.datetime.now(dt.UTC))
    day = parse_day(on, "on") if on else today
    if day > today:
        raise InvalidValue("on", on, f"is in the future (today is {today.isoformat()}).")
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        inspection = open_inspection(conn)
        if inspection is None:
            raise Refused("no inspection is open: start one with `evidence inspection start`.")
        if day < uk_day(read_stored(inspection["notified_at"])):
            raise InvalidValue("on", on, "is before the inspection was notified.")
        (last,) = conn.execute(
            "SELECT max(at) FROM (SELECT asked_at AS at FROM requests WHERE inspection_id = ?"
            " UNION ALL SELECT request_events.at FROM request_events JOIN requests"
            " ON requests.id = request_id WHERE inspection_id = ?)",
            [inspection["id"], inspection["id"]],
        ).fetchone()
        if last is not None and day < uk_day(read_stored(last)):
            raise InvalidValue(
                "on",
                on,
                f"is before the last thing recorded in inspection {inspection['id']}"
                f" ({shown(last)}).",
            )
        conn.execute(
            "UPDATE inspections SET ended_on = ?, updated_at = ?, updated_by = ?,"
            " revision = revision + 1 WHERE id = ?",
            [day.isoformat(), stamp, by, inspection["id"]],
        )
        return inspection["id"]


def get_inspection(
    conn: sqlite3.Connection, inspection_id: int | None = None, *, as_of: str | None = None
) -> dict[str, Any]:
    """An inspection (the open one, or else the latest, unless `inspection_id`), with its
    requests as they stood at `as_of` and its timeline up to then. With `as_of` and no id,
    the inspection of that moment."""
    moment = parse_moment(as_of, "as_of")
    if inspection_id is None:
        row = current_or_latest(conn, moment if as_of is not None else None)
        if row is None:
            raise NotFound("inspection", "(none yet)")
    else:
        row = conn.execute(
            "SELECT * FROM inspections WHERE id = ?",
            [inspection_id] if 0 < inspection_id < 2**63 else [0],
        ).fetchone()
        if row is None:
            raise NotFound("inspection", inspection_id)
    inspection = _inspection(conn, row)
    requests = list_requests(conn, inspection_id=row["id"], moment=moment)
    inspection["as_of"] = stored(moment)
    inspection["as_of_display"] = shown(moment)
    inspection["requests"] = requests
    inspection["counts"] = _counts(requests)
    inspection["timeline"] = _timeline(conn, inspection, requests, moment)
    return inspection


def _inspection(conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    inspection = dict(row)
    inspection["notified_display"] = shown(row["notified_at"])
    inspection["on_site_display"] = format_day(row["on_site"])
    inspection["ended_display"] = format_day(row["ended_on"]) if row["ended_on"] else None
    if row["report_id"]:
        inspection["report"] = catalog.get_evidence(conn, row["report_id"])["title"]
    else:
        inspection["report"] = None
    return inspection


def list_inspections(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM inspections ORDER BY notified_at, id").fetchall()
    found = []
    for row in rows:
        inspection = _inspection(conn, row)
        (inspection["requests"],) = conn.execute(
            "SELECT count(*) FROM requests WHERE inspection_id = ?", [row["id"]]
        ).fetchone()
        found.append(inspection)
    return found


def _counts(requests: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"open": 0, "answered": 0, "withdrawn": 0, "late": 0, "total": len(requests)}
    for request in requests:
        counts[request["status"]] += 1
        counts["late"] += bool(request["late"])
    return counts


def _timeline(
    conn: sqlite3.Connection,
    inspection: dict[str, Any],
    requests: list[dict[str, Any]],
    moment: dt.datetime,
) -> list[dict[str, Any]]:
    """What happened, in time order: notified, the day-one list, each request asked,
    answered (late or not), reopened or withdrawn, and the end."""
    events: list[dict[str, Any]] = [
        {
            "at": inspection["notified_at"],
            "what": f"notified ({inspection['type']}, {inspection['framework']})",
        }
    ]
    day_one = [r for r in requests if r["day_one"]]
    if day_one:
        events.append(
            {
                "at": inspection["notified_at"],
                "what": f"day-one list: {len(day_one)} requests,"
                f" {sum(r['proposal'] == 'current' for r in day_one)} with a current item ready",
            }
        )
    for request in requests:
        if not request["day_one"]:
            events.append(
                {
                    "at": request["asked_at"],
                    "what": f"request {request['id']} asked: {request['text']}",
                }
            )
        for event in request["events"]:
            words = {
                "answered": "answered late" if event["late"] else "answered",
                "reopened": "reopened",
                "withdrawn": "withdrawn",
            }[event["event"]]
            detail = f": {event['note']}" if event["note"] else ""
            events.append({"at": event["at"], "what": f"request {request['id']} {words}{detail}"})
    if inspection["ended_on"] and inspection["ended_on"] <= uk_day(moment).isoformat():
        events.append({"at": None, "day": inspection["ended_on"], "what": "ended"})
    events.sort(key=lambda e: e["at"] or f"{e['day']}T23:59:59Z")
    for event in events:
        event["display"] = shown(event["at"]) if event["at"] else format_day(event["day"])
    return events


def add_request(
    conn: sqlite3.Connection,
    text: str,
    *,
    due: str,
    by: str,
    areas: Sequence[str] = (),
    asked_by: str | None = None,
    owner: str | None = None,
    at: str | None = None,
) -> int:
    """Record what the inspectors asked for, due at `due` (UK time), in the open
    inspection; returns its id."""
    by = check_actor(by)
    if text is None or not text.strip():
        raise InvalidValue("text", text or "", "is empty: say what was asked for.")
    text = free_text(text, "text", TEXT_MAX)
    due_at = parse_time(due, "due")
    asked = parse_moment(at, "at")
    _not_in_future(asked, at)
    asked_by = one_line(asked_by, "asked_by", 200)
    owner = one_line(owner, "owner", 200)
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        inspection = _open_or_refuse(conn)
        notified = read_stored(inspection["notified_at"])
        if due_at < notified:
            raise InvalidValue(
                "due", due, f"is before the inspection was notified ({shown(notified)})."
            )
        if asked < notified:
            raise InvalidValue(
                "at", at, f"is before the inspection was notified ({shown(notified)})."
            )
        if due_at < asked:
            raise InvalidValue("due", due, f"is before the request was asked ({shown(asked)}).")
        words = vocab.Vocabulary(conn)
        area_rows = words.areas_of(areas, inspection["framework"]) if areas else []
        request_id = conn.execute(
            "INSERT INTO requests (inspection_id, text, asked_at, due_at, asked_by, owner,"
            " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [inspection["id"], text, stored(asked), stored(due_at), asked_by, owner, stamp, by],
        ).lastrowid
        conn.executemany(
            "INSERT INTO request_areas (request_id, area_id) VALUES (?, ?)",
            [(request_id, area["id"]) for area in area_rows],
        )
    return request_id


def _open_or_refuse(conn: sqlite3.Connection) -> sqlite3.Row:
    inspection = open_inspection(conn)
    if inspection is None:
        raise Refused("no inspection is open: start one with `evidence inspection start`.")
    return inspection


def answer_request(
    conn: sqlite3.Connection,
    request_id: int,
    *,
    by: str,
    evidence_ids: Sequence[int] = (),
    files: Sequence[HandedFile] = (),
    note: str | None = None,
    at: str | None = None,
) -> dict[str, Any]:
    """Record what was handed over for a request, and when (default now): each item (with
    its files' SHA-256) and each file given outside the library. A child story must pass
    the privacy check first, as in the pack. Returns the request as it now stands."""
    from evidence import privacy

    by = check_actor(by)
    if note is not None and not note.strip():
        note = None
    if not evidence_ids and not files and not note:
        raise Refused("nothing handed over: give --with ID, --file PATH or --note TEXT.")
    note = free_text(note, "note", TEXT_MAX) if note else None
    moment = parse_moment(at, "at")
    _not_in_future(moment, at)
    items = [
        catalog.get_evidence(conn, evidence_id) for evidence_id in dict.fromkeys(evidence_ids)
    ]
    for item in items:
        if item["status"] != "current":
            raise Refused(f"evidence {item['id']} is {item['status']}: it cannot be handed over.")
    privacy.check_printable(items)
    # A file from outside, by its name, and a note: what is written of them, checked too.
    doubted = privacy.record_findings([*(file.name for file in files), note], names=False)
    if doubted:
        quoted = ", ".join(repr(word) for word in doubted)
        raise Refused(
            f"what would be recorded of this answer may identify a child ({quoted}): name the"
            " file and write the note without it."
        )
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        request = _request_row(conn, request_id)
        state = _state(conn, request, moment)
        _check_ongoing(conn, request)
        if state["status"] == "withdrawn":
            raise Refused(f"request {request_id} was withdrawn: it cannot be answered.")
        if state["status"] == "answered":
            raise Refused(
                f"request {request_id} was answered {shown(state['answered_at'])}: reopen it"
                " first to hand over more."
            )
        if moment < read_stored(request["asked_at"]):
            raise InvalidValue(
                "at", at, f"is before the request was asked ({shown(request['asked_at'])})."
            )
        _after_the_last_event(conn, request, moment, at)
        late = moment > read_stored(request["due_at"])
        event_id = conn.execute(
            "INSERT INTO request_events (request_id, event, at, late, note, created_at,"
            " created_by) VALUES (?, 'answered', ?, ?, ?, ?, ?)",
            [request_id, stored(moment), int(late), note, stamp, by],
        ).lastrowid
        rows = []
        for item in items:
            rows.append([event_id, item["id"], None, None, None, item["marking"], stamp, by])
            for file in item["files"]:
                rows.append(
                    [
                        event_id,
                        item["id"],
                        file["sha256"],
                        file["name"],
                        file["size"],
                        item["marking"],
                        stamp,
                        by,
                    ]
                )
        for file in files:
            rows.append([event_id, None, file.sha256, file.name, file.size, None, stamp, by])
        conn.executemany(
            "INSERT INTO handovers (event_id, evidence_id, sha256, name, size, marking,"
            " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return get_request(conn, request_id)


def handed_file(path) -> HandedFile:
    """A file handed over outside the library: checked, hashed, never kept."""
    from evidence.files import examine

    incoming = examine(path, read_text=False)
    return HandedFile(file_name(incoming.name), incoming.sha256, incoming.size)


def reopen_request(
    conn: sqlite3.Connection, request_id: int, *, reason: str, by: str, at: str | None = None
) -> dict[str, Any]:
    """The inspectors want more: the request is open again from `at` (default now)."""
    return _event(conn, request_id, "reopened", reason=reason, by=by, at=at, need="answered")


def withdraw_request(
    conn: sqlite3.Connection, request_id: int, *, reason: str, by: str, at: str | None = None
) -> dict[str, Any]:
    """The request is no longer wanted (asked twice, or in error)."""
    return _event(conn, request_id, "withdrawn", reason=reason, by=by, at=at, need=None)


def _event(
    conn: sqlite3.Connection,
    request_id: int,
    event: str,
    *,
    reason: str,
    by: str,
    at: str | None,
    need: str | None,
) -> dict[str, Any]:
    by = check_actor(by)
    reason = one_line(reason, "reason", 1000, required=True)
    moment = parse_moment(at, "at")
    _not_in_future(moment, at)
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        request = _request_row(conn, request_id)
        _check_ongoing(conn, request)
        state = _state(conn, request, moment)
        if state["status"] == "withdrawn":
            raise Refused(f"request {request_id} was withdrawn already.")
        if need and state["status"] != need:
            raise Refused(
                f"request {request_id} is {state['status']}: only an answered one can be reopened."
            )
        if moment < read_stored(request["asked_at"]):
            raise InvalidValue(
                "at", at, f"is before the request was asked ({shown(request['asked_at'])})."
            )
        _after_the_last_event(conn, request, moment, at)
        conn.execute(
            "INSERT INTO request_events (request_id, event, at, note, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [request_id, event, stored(moment), reason, stamp, by],
        )
    return get_request(conn, request_id)


def _not_in_future(moment: dt.datetime, at: str | None) -> None:
    if moment > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1):
        raise InvalidValue("at", at, "is in the future.")


def _after_the_last_event(
    conn: sqlite3.Connection, request: sqlite3.Row, moment: dt.datetime, at: str | None
) -> None:
    """Refuse an event dated before one already recorded: the request's state after it
    would be read from events no check ever saw in that order (a withdrawal before an
    answer, two answers with no reopening between them)."""
    last = conn.execute(
        "SELECT event, at FROM request_events WHERE request_id = ? ORDER BY at DESC, id DESC"
        " LIMIT 1",
        [request["id"]],
    ).fetchone()
    if last is not None and moment < read_stored(last["at"]):
        raise InvalidValue(
            "at",
            at,
            f"is before the last thing recorded of request {request['id']}"
            f" ({last['event']} {shown(last['at'])}).",
        )


def _check_ongoing(conn: sqlite3.Connection, request: sqlite3.Row) -> None:
    ended = conn.execute(
        "SELECT ended_on FROM inspections WHERE id = ?", [request["inspection_id"]]
    ).fetchone()[0]
    if ended:
        raise Refused(
            f"request {request['id']} belongs to inspection {request['inspection_id']}, which"
            f" ended on {format_day(ended)}."
        )


def _request_row(conn: sqlite3.Connection, request_id: int) -> sqlite3.Row:
    row = None
    if 0 < request_id < 2**63:
        row = conn.execute("SELECT * FROM requests WHERE id = ?", [request_id]).fetchone()
    if row is None:
        raise NotFound("request", request_id)
    return row


def _state(conn: sqlite3.Connection, request: sqlite3.Row, moment: dt.datetime) -> dict[str, Any]:
    events = conn.execute(
        "SELECT * FROM request_events WHERE request_id = ? AND at <= ? ORDER BY at, id",
        [request["id"], stored(moment)],
    ).fetchall()
    return _fold(request, events, moment)


def _fold(request, events, moment: dt.datetime) -> dict[str, Any]:
    status, answered_at, answered_late = "open", None, False
    for event in events:
        if event["event"] == "answered":
            status, answered_at, answered_late = "answered", event["at"], bool(event["late"])
        elif event["event"] == "reopened":
            status, answered_at, answered_late = "open", None, False
        else:
            status = "withdrawn"
    overdue = status == "open" and moment > read_stored(request["due_at"])
    return {
        "status": status,
        "answered_at": answered_at,
        "answered_late": answered_late,
        "overdue": overdue,
        "late": overdue or (status == "answered" and answered_late),
    }


def list_requests(
    conn: sqlite3.Connection,
    *,
    inspection_id: int | None = None,
    moment: dt.datetime | None = None,
    as_of: str | None = None,
    open_only: bool = False,
    late_only: bool = False,
) -> list[dict[str, Any]]:
    """The requests of an inspection (the open one, or else the latest) asked by
    `moment`, each as it stood then, in the order they fall due. With a moment asked for
    and no id, the inspection of that moment."""
    asked_for = moment is not None or as_of is not None
    moment = moment or parse_moment(as_of, "as_of")
    if inspection_id is None:
        row = current_or_latest(conn, moment if asked_for else None)
        if row is None:
            return []
        inspection_id = row["id"]
    when = stored(moment)
    rows = conn.execute(
        "SELECT requests.*, evidence.title AS proposed_title FROM requests"
        " LEFT JOIN evidence ON evidence.id = requests.proposed_id"
        " WHERE inspection_id = ? AND asked_at <= ? ORDER BY due_at, requests.id",
        [inspection_id, when],
    ).fetchall()
    events: dict[int, list] = {}
    for event in conn.execute(
        "SELECT request_events.* FROM request_events JOIN requests ON requests.id = request_id"
        " WHERE inspection_id = ? AND at <= ? ORDER BY at, request_events.id",
        [inspection_id, when],
    ):
        events.setdefault(event["request_id"], []).append(event)
    handed: dict[int, list] = {}
    for handover in conn.execute(
        "SELECT handovers.*, evidence.title FROM handovers"
        " JOIN request_events ON request_events.id = handovers.event_id"
        " JOIN requests ON requests.id = request_events.request_id"
        " LEFT JOIN evidence ON evidence.id = handovers.evidence_id"
        " WHERE inspection_id = ? AND request_events.at <= ? ORDER BY handovers.id",
        [inspection_id, when],
    ):
        handed.setdefault(handover["event_id"], []).append(dict(handover))
    areas: dict[int, list] = {}
    for area in conn.execute(
        "SELECT request_id, areas.code FROM request_areas JOIN areas ON areas.id = area_id"
        " JOIN requests ON requests.id = request_id WHERE inspection_id = ?",
        [inspection_id],
    ):
        areas.setdefault(area["request_id"], []).append(area["code"])
    found = []
    for row in rows:
        request = dict(row)
        own = events.get(row["id"], [])
        request.update(_fold(row, own, moment))
        request["events"] = [
            {
                **dict(event),
                "display": shown(event["at"]),
                "handed_over": handed.get(event["id"], []),
            }
            for event in own
        ]
        request["areas"] = areas.get(row["id"], [])
        request["asked_display"] = shown(row["asked_at"])
        request["due_display"] = shown(row["due_at"])
        request["answered_display"] = (
            shown(request["answered_at"]) if request["answered_at"] else None
        )
        answers = [e for e in request["events"] if e["event"] == "answered"]
        request["handed_over"] = (
            answers[-1]["handed_over"] if answers and request["status"] == "answered" else []
        )
        found.append(request)
    if open_only:
        found = [r for r in found if r["status"] == "open"]
    if late_only:
        found = [r for r in found if r["late"]]
    return found


def get_request(
    conn: sqlite3.Connection, request_id: int, *, as_of: str | None = None
) -> dict[str, Any]:
    row = _request_row(conn, request_id)
    moment = parse_moment(as_of, "as_of")
    for request in list_requests(conn, inspection_id=row["inspection_id"], moment=moment):
        if request["id"] == request_id:
            return request
    raise Refused(
        f"request {request_id} was asked {shown(row['asked_at'])}, after {shown(moment)}."
    )


def link_report(
    conn: sqlite3.Connection,
    evidence_id: int,
    start: dt.date,
    end: dt.date,
    *,
    by: str,
    stamp: str,
) -> int | None:
    """Link a report, logged inside the caller's transaction, to the inspection whose days
    (notified to ended) hold its fieldwork; the inspection's id, or None."""
    for row in conn.execute(
        "SELECT id, notified_at, ended_on FROM inspections WHERE report_id IS NULL ORDER BY notified_at"
    ):
        began = uk_day(read_stored(row["notified_at"]))
        ended = dt.date.fromisoformat(row["ended_on"]) if row["ended_on"] else None
        if began <= end and (ended is None or start <= ended):
            conn.execute(
                "UPDATE inspections SET report_id = ?, updated_at = ?, updated_by = ?,"
                " revision = revision + 1 WHERE id = ?",
                [evidence_id, stamp, by, row["id"]],
            )
            return row["id"]
    return None
