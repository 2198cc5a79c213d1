"""Actions: what a review, an inspection or an audit asked of the council, and how each
stands on any day.

An action is agreed on a day, from a source item of evidence, and changes by dated
updates: a status, a new due date, a progress note, the evidence that shows it done. Its
first update, on the day it was agreed, holds its starting status and due date, so the
state of every action on any day is read from its updates alone, however late they were
typed in. Nothing is changed or removed: a correction is a further update.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from db import now, transaction
from evidence import catalog, vocab
from evidence.dates import as_of_day, format_day, format_when, parse_day
from evidence.errors import InvalidValue, NotFound, Refused
from evidence.fields import check_actor, free_text, one_line

STATUSES = ("not-started", "in-progress", "complete-awaiting-assurance", "closed", "paused")
# Each status as a sentence says it.
STATUS_NAMES = {
    "not-started": "not started",
    "in-progress": "in progress",
    "complete-awaiting-assurance": "complete, awaiting assurance",
    "closed": "closed",
    "paused": "paused",
}
# Statuses that mean the work is done, so the action cannot be overdue.
DONE = ("complete-awaiting-assurance", "closed")
AMBER_DAYS = 30
RAG_MEANINGS = (
    "Red: overdue (the due date has passed and the action is not complete).",
    f"Amber: due within {AMBER_DAYS} days, or paused.",
    "Green: on track, or complete and awaiting assurance. Green means on track, not done.",
    "Closed actions are not rated; an action with no due date is never overdue.",
)


def parse_status(value: str) -> str:
    return vocab.one_of("status", value, STATUSES)


def add_action(
    conn: sqlite3.Connection,
    source_id: int,
    *,
    text: str,
    by: str,
    ref: str | None = None,
    agency: str | None = None,
    owner: str | None = None,
    on: str | None = None,
    due: str | None = None,
    status: str | None = None,
    areas: Sequence[str] = (),
    framework: str | None = None,
    today: dt.date | None = None,
) -> int:
    """Record an action agreed `on` a day (default today) from the source item; returns
    its id. Its areas are the source's unless given."""
    by = check_actor(by)
    today = today or dt.date.today()
    text = action_text(text)
    ref = one_line(ref, "ref", 50)
    agency = one_line(agency, "agency", 200)
    owner = one_line(owner, "owner", 200)
    agreed = _event_day(on, "on", today)
    due_on = parse_day(due, "due") if due else None
    if due_on is not None and due_on < agreed:
        raise InvalidValue(
            "due", due, f"is before the day the action was agreed ({agreed.isoformat()})."
        )
    status = parse_status(status) if status else "not-started"
    words = vocab.Vocabulary(conn)
    area_rows = words.areas_of(areas, words.framework(framework)) if areas else None
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        source = _source(conn, source_id)
        if source["date_qualifier"] is None and agreed.isoformat() < source["date"]:
            raise InvalidValue(
                "on",
                on or agreed.isoformat(),
                f"is before its source, evidence {source_id}, was dated"
                f" ({source['date_display']}).",
            )
        if ref is not None:
            taken = conn.execute(
                "SELECT id FROM actions WHERE source_id = ? AND ref = ?", [source_id, ref]
            ).fetchone()
            if taken:
                raise InvalidValue(
                    "ref", ref, f"is already action {taken[0]} of evidence {source_id}."
                )
        action_id = conn.execute(
            "INSERT INTO actions (source_id, ref, text, agency, owner, agreed_on, due_on,"
            " status, created_at, created_by, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source["id"],
                ref,
                text,
                agency,
                owner,
                agreed.isoformat(),
                due_on.isoformat() if due_on else None,
                status,
                stamp,
                by,
                stamp,
                by,
            ],
        ).lastrowid
        area_ids = (
            [area["id"] for area in area_rows]
            if area_rows
            else [
                row[0]
                for row in conn.execute(
                    "SELECT area_id FROM evidence_areas WHERE evidence_id = ?", [source_id]
                )
            ]
        )
        conn.executemany(
            "INSERT INTO action_areas (action_id, area_id) VALUES (?, ?)",
            [(action_id, area_id) for area_id in area_ids],
        )
        _insert_update(
            conn,
            action_id,
            on=agreed,
            status=status,
            due=(True, due_on),
            note=None,
            evidence_id=None,
            by=by,
            stamp=stamp,
        )
    return action_id


def update_action(
    conn: sqlite3.Connection,
    action_id: int,
    *,
    by: str,
    status: str | None = None,
    due: str | None = None,
    note: str | None = None,
    evidence_id: int | None = None,
    on: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Record what changed on the day `on` (default today): a status, a due date (""
    for none), a progress note, evidence of completion. Returns the action as it now
    stands."""
    by = check_actor(by)
    today = today or dt.date.today()
    status = parse_status(status) if status is not None else None
    new_due: tuple[bool, dt.date | None] = (False, None)
    if due is not None:
        new_due = (True, parse_day(due, "due") if due.strip() else None)
    note = free_text(note, "note") if note is not None else None
    day = _event_day(on, "on", today)
    if status is None and not new_due[0] and note is None and evidence_id is None:
        raise Refused(
            "nothing to record: give --status, --due, --note or --evidence (and --on for the"
            " day it happened)."
        )
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        action = _action_row(conn, action_id)
        agreed = dt.date.fromisoformat(action["agreed_on"])
        if day < agreed:
            raise InvalidValue(
                "on", on, f"is before the action was agreed ({agreed.isoformat()})."
            )
        if new_due[1] is not None and new_due[1] < agreed:
            raise InvalidValue(
                "due", due, f"is before the day the action was agreed ({agreed.isoformat()})."
            )
        if evidence_id is not None:
            _evidence_of_completion(conn, evidence_id, day)
        _insert_update(
            conn,
            action_id,
            on=day,
            status=status,
            due=new_due,
            note=note,
            evidence_id=evidence_id,
            by=by,
            stamp=stamp,
        )
        _refresh(conn, action_id, by, stamp)
    return get_action(conn, action_id)


# What `edit_action` corrects in an action's own row, with the limit of each.
EDITABLE = {"text": 2000, "owner": 200, "agency": 200}


def edit_action(
    conn: sqlite3.Connection,
    action_id: int,
    *,
    by: str,
    text: str | None = None,
    owner: str | None = None,
    agency: str | None = None,
    areas: Sequence[str] | None = None,
    due: str | None = None,
    framework: str | None = None,
    today: dt.date | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Correct what an action says: its text, owner, agency and areas (None leaves a
    field alone; "" clears the owner or the agency), and set its due date ("" for none),
    which is recorded as an update of today, as `update_action` records one.

    The old values stay in the audit trail, and `get_action` lists every edit. Returns
    each changed field with its old and new value; nothing is written when nothing
    changes.
    """
    by = check_actor(by)
    today = today or dt.date.today()
    wanted: dict[str, Any] = {}
    if text is not None:
        wanted["text"] = action_text(text)
    for name, value in (("owner", owner), ("agency", agency)):
        if value is not None:
            wanted[name] = one_line(value, name, EDITABLE[name])
    new_due: dt.date | None = None
    if due is not None:
        new_due = parse_day(due, "due") if due.strip() else None
    words = vocab.Vocabulary(conn)
    new_areas = None
    if areas is not None:
        if not [area for area in areas if area.strip()]:
            raise InvalidValue("area", "", "is missing: an action keeps at least one area.")
        new_areas = words.areas_of(areas, words.framework(framework))
    stamp = now()
    with transaction(conn, by=by, at=stamp):
        action = _action_row(conn, action_id)
        changed = {
            name: (action[name], value) for name, value in wanted.items() if action[name] != value
        }
        old_ids = [
            row[0]
            for row in conn.execute(
                "SELECT area_id FROM action_areas WHERE action_id = ? ORDER BY area_id",
                [action_id],
            )
        ]
        added: list[int] = []
        removed: list[int] = []
        if new_areas is not None:
            new_ids = [area["id"] for area in new_areas]
            added = [area_id for area_id in new_ids if area_id not in old_ids]
            removed = [area_id for area_id in old_ids if area_id not in new_ids]
            if added or removed:
                labels = {area["id"]: catalog.area_label(area) for area in words.areas}
                changed["areas"] = (
                    [labels[area_id] for area_id in old_ids],
                    [labels[area_id] for area_id in new_ids],
                )
        if due is not None:
            agreed = dt.date.fromisoformat(action["agreed_on"])
            if new_due is not None and new_due < agreed:
                raise InvalidValue(
                    "due", due, f"is before the day the action was agreed ({agreed.isoformat()})."
                )
            before = get_action(conn, action_id)["due_on"]
            after = new_due.isoformat() if new_due else None
            if before != after:
                changed["due"] = (before, after)
        if not changed:
            return {}
        # The action's row is written first, so the change of its areas is credited to
        # the same edit.
        conn.execute(
            "UPDATE actions SET "
            + "".join(f"{name} = ?, " for name in wanted if name in changed)
            + "updated_at = ?, updated_by = ?, revision = revision + 1 WHERE id = ?",
            [*(wanted[name] for name in wanted if name in changed), stamp, by, action_id],
        )
        conn.executemany(
            "DELETE FROM action_areas WHERE action_id = ? AND area_id = ?",
            [(action_id, area_id) for area_id in removed],
        )
        conn.executemany(
            "INSERT INTO action_areas (action_id, area_id) VALUES (?, ?)",
            [(action_id, area_id) for area_id in added],
        )
        if "due" in changed:
            _insert_update(
                conn,
                action_id,
                on=max(today, dt.date.fromisoformat(action["agreed_on"])),
                status=None,
                due=(True, new_due),
                note=None,
                evidence_id=None,
                by=by,
                stamp=stamp,
            )
            _refresh(conn, action_id, by, stamp)
    return changed


def edits(conn: sqlite3.Connection, action_id: int) -> list[dict[str, Any]]:
    """Every correction of an action's text, owner, agency or areas, oldest first, each
    with who made it, when, and the old and new values (its due dates are its updates)."""
    _action_row(conn, action_id)
    found: list[dict[str, Any]] = []
    # Its areas as first tagged were written before any change to its row.
    (first_change,) = conn.execute(
        "SELECT min(id) FROM changes WHERE table_name = 'actions' AND row_id = ?"
        " AND action = 'update'",
        [action_id],
    ).fetchone()
    for change in conn.execute(
        """
        SELECT changes.table_name, changes.action, changes.old, changes.new,
               changes.changed_at, changes.changed_by,
               areas.framework AS area_framework, areas.code AS area_code
        FROM changes
        LEFT JOIN areas ON changes.table_name = 'action_areas'
            AND areas.id = json_extract(coalesce(changes.new, changes.old), '$.area_id')
        WHERE changes.row_id = ? AND changes.id >= ?
            AND changes.table_name IN ('actions', 'action_areas')
        ORDER BY changes.id
        """,
        [action_id, first_change if first_change is not None else 2**63 - 1],
    ):
        if change["table_name"] == "actions":
            old, new = json.loads(change["old"] or "{}"), json.loads(change["new"] or "{}")
            fields = {
                name: [old.get(name), new.get(name)]
                for name in EDITABLE
                if old.get(name) != new.get(name)
            }
            found.append(
                {
                    "at": change["changed_at"],
                    "by": change["changed_by"],
                    "changes": fields,
                    "areas": {"added": [], "removed": []},
                }
            )
            continue
        label = catalog.area_label(
            {"framework": change["area_framework"], "code": change["area_code"]}
        )
        last = found[-1] if found else None
        if not (last and (last["at"], last["by"]) == (change["changed_at"], change["changed_by"])):
            last = {
                "at": change["changed_at"],
                "by": change["changed_by"],
                "changes": {},
                "areas": {"added": [], "removed": []},
            }
            found.append(last)
        last["areas"]["added" if change["action"] == "insert" else "removed"].append(label)
    return [
        edit
        for edit in found
        if edit["changes"] or edit["areas"]["added"] or edit["areas"]["removed"]
    ]


def get_action(
    conn: sqlite3.Connection, action_id: int, *, as_of: str | None = None
) -> dict[str, Any]:
    """One action as it stood at the end of `as_of` (default today), with every update
    up to then."""
    row = _action_row(conn, action_id)
    day = as_of_day(as_of)
    found = _select(conn, day, "actions.id = :id", {"id": action_id})
    if not found:
        raise Refused(
            f"action {action_id} was agreed on {format_day(row['agreed_on'])}, after"
            f" {format_day(day.isoformat())}."
        )
    action = found[0]
    action["updates"] = [
        dict(row)
        for row in conn.execute(
            """
            SELECT action_updates.id, on_date, action_updates.status, due_changed,
                   action_updates.due_on, note, evidence_id, evidence.title AS evidence_title,
                   action_updates.created_at, action_updates.created_by
            FROM action_updates LEFT JOIN evidence ON evidence.id = action_updates.evidence_id
            WHERE action_id = ? AND on_date <= ?
            ORDER BY on_date, action_updates.id
            """,
            [action_id, day.isoformat()],
        )
    ]
    action["edits"] = edits(conn, action_id)
    return action


def list_actions(
    conn: sqlite3.Connection,
    *,
    as_of: str | None = None,
    open_only: bool = False,
    overdue_only: bool = False,
    source_id: int | None = None,
    areas: Sequence[str] = (),
    framework: str | None = None,
    include_withdrawn: bool = False,
) -> list[dict[str, Any]]:
    """Actions agreed by the end of `as_of` (default today), each as it stood then,
    grouped by source (oldest source first) and in reference order within it. Actions of
    a source since withdrawn (logged in error) are left out unless `include_withdrawn`."""
    day = as_of_day(as_of)
    where: list[str] = []
    params: dict[str, Any] = {}
    if source_id is not None:
        _source(conn, source_id, current_only=False)
        where.append("actions.source_id = :source")
        params["source"] = source_id
    elif not include_withdrawn:
        where.append("evidence.status = 'current'")
    if areas:
        words = vocab.Vocabulary(conn)
        area_rows = words.areas_of(areas, words.framework(framework))
        scope = vocab.area_scope(conn, [area["id"] for area in area_rows])
        where.append(
            "EXISTS (SELECT 1 FROM action_areas WHERE action_id = actions.id"
            " AND area_id IN (SELECT value FROM json_each(:scope)))"
        )
        params["scope"] = json.dumps(scope)
    actions = _select(conn, day, " AND ".join(where) or "1", params)
    if open_only:
        actions = [action for action in actions if action["status"] != "closed"]
    if overdue_only:
        actions = [action for action in actions if action["overdue"]]
    return actions


def rag(status: str, due: dt.date | None, day: dt.date) -> str | None:
    """Red, amber or green on `day`; None for a closed action."""
    if status == "closed":
        return None
    if is_overdue(status, due, day):
        return "red"
    if status == "complete-awaiting-assurance":
        return "green"  # the work is done; only the check of it is awaited
    if status == "paused" or (due is not None and 0 <= (due - day).days <= AMBER_DAYS):
        return "amber"
    return "green"


def is_overdue(status: str, due: dt.date | None, day: dt.date) -> bool:
    """Due before `day` and not complete on it. No due date is never overdue."""
    return due is not None and due < day and status not in DONE


# Helpers

_STATE_SQL = """
SELECT actions.id, actions.source_id, actions.ref, actions.text, actions.agency,
       actions.owner, actions.agreed_on, actions.created_at, actions.created_by,
       evidence.title AS source_title, evidence.kind AS source_kind,
       evidence.date AS source_date, evidence.date_precision AS source_precision,
       evidence.status AS source_status,
       (SELECT status FROM action_updates u
        WHERE u.action_id = actions.id AND u.on_date <= :day AND u.status IS NOT NULL
        ORDER BY u.on_date DESC, u.id DESC LIMIT 1) AS status,
       (SELECT on_date FROM action_updates u
        WHERE u.action_id = actions.id AND u.on_date <= :day AND u.status IS NOT NULL
        ORDER BY u.on_date DESC, u.id DESC LIMIT 1) AS status_on,
       (SELECT due_on FROM action_updates u
        WHERE u.action_id = actions.id AND u.on_date <= :day AND u.due_changed
        ORDER BY u.on_date DESC, u.id DESC LIMIT 1) AS due_on,
       (SELECT json_object('on', on_date, 'note', note, 'by', created_by)
        FROM action_updates u
        WHERE u.action_id = actions.id AND u.on_date <= :day AND u.note IS NOT NULL
        ORDER BY u.on_date DESC, u.id DESC LIMIT 1) AS latest_note,
       (SELECT json_group_array(evidence_id) FROM (
            SELECT DISTINCT evidence_id FROM action_updates u
            WHERE u.action_id = actions.id AND u.on_date <= :day
              AND u.evidence_id IS NOT NULL ORDER BY evidence_id)) AS completion_json,
       (SELECT json_group_array(label) FROM (
            SELECT CASE areas.framework WHEN 'sif' THEN areas.code
                   ELSE areas.framework || ':' || areas.code END AS label
            FROM action_areas JOIN areas ON areas.id = action_areas.area_id
            JOIN frameworks ON frameworks.slug = areas.framework
            WHERE action_areas.action_id = actions.id
            ORDER BY frameworks.position, areas.position)) AS areas_json
FROM actions JOIN evidence ON evidence.id = actions.source_id
WHERE actions.agreed_on <= :day AND ({where})
ORDER BY evidence.date, actions.source_id, actions.id
"""


def _select(
    conn: sqlite3.Connection, day: dt.date, where: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Actions agreed by `day` that match `where`, each as it stood on `day`."""
    rows = conn.execute(_STATE_SQL.format(where=where), {"day": day.isoformat(), **params})
    actions = []
    for row in rows:
        action = dict(row)
        due = dt.date.fromisoformat(action["due_on"]) if action["due_on"] else None
        action["areas"] = json.loads(action.pop("areas_json"))
        action["evidence"] = json.loads(action.pop("completion_json"))
        note = action["latest_note"]
        action["latest_note"] = json.loads(note) if note else None
        action["overdue"] = is_overdue(action["status"], due, day)
        action["rag"] = rag(action["status"], due, day)
        action["as_of"] = day.isoformat()
        action["source_date_display"] = format_when(
            action["source_date"], action["source_precision"]
        )
        actions.append(action)
    actions.sort(key=lambda a: (a["source_date"], a["source_id"], _ref_key(a["ref"]), a["id"]))
    return actions


def _ref_key(ref: str | None) -> tuple:
    """`3.2` before `3.10`, and both before an action with no reference."""
    if ref is None:
        return (1,)
    parts = ref.replace("-", ".").split(".")
    return (0, *[(0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts])


def _insert_update(
    conn: sqlite3.Connection,
    action_id: int,
    *,
    on: dt.date,
    status: str | None,
    due: tuple[bool, dt.date | None],
    note: str | None,
    evidence_id: int | None,
    by: str,
    stamp: str,
) -> None:
    changed, due_on = due
    conn.execute(
        "INSERT INTO action_updates (action_id, on_date, status, due_changed, due_on, note,"
        " evidence_id, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            action_id,
            on.isoformat(),
            status,
            int(changed),
            due_on.isoformat() if due_on else None,
            note,
            evidence_id,
            stamp,
            by,
        ],
    )


def _refresh(conn: sqlite3.Connection, action_id: int, by: str, stamp: str) -> None:
    """Keep the action's row showing its state today, as its updates now say."""
    (state,) = _select(conn, dt.date.max, "actions.id = :id", {"id": action_id})
    current = _action_row(conn, action_id)
    if (state["status"], state["due_on"]) != (current["status"], current["due_on"]):
        conn.execute(
            "UPDATE actions SET status = ?, due_on = ?, updated_at = ?, updated_by = ?,"
            " revision = revision + 1 WHERE id = ?",
            [state["status"], state["due_on"], stamp, by, action_id],
        )


def _action_row(conn: sqlite3.Connection, action_id: int) -> sqlite3.Row:
    row = None
    if 0 < action_id < 2**63:
        row = conn.execute("SELECT * FROM actions WHERE id = ?", [action_id]).fetchone()
    if row is None:
        raise NotFound("action", action_id)
    return row


def _source(conn: sqlite3.Connection, source_id: int, *, current_only: bool = True) -> dict:
    source = catalog.get_evidence(conn, source_id)
    if current_only and source["status"] != "current":
        raise Refused(
            f"evidence {source_id} is {source['status']}; an action needs a current source."
        )
    return source


def _evidence_of_completion(conn: sqlite3.Connection, evidence_id: int, day: dt.date) -> None:
    """Evidence that shows an action done: current, and in existence on the update's day."""
    item = catalog.get_evidence(conn, evidence_id)
    if item["status"] != "current":
        raise Refused(
            f"evidence {evidence_id} is {item['status']}; it cannot show an action complete."
        )
    if item["date"] > day.isoformat():
        raise InvalidValue(
            "evidence",
            evidence_id,
            f"is dated {item['date_display']}, after the update's day"
            f" ({day.isoformat()}): give --on the day it was shown.",
        )


def action_text(value: str) -> str:
    if value is None or not value.strip():
        raise InvalidValue("text", value or "", "is empty: say what is to be done.")
    return free_text(value, "text", 2000)


def _event_day(value: str | None, field: str, today: dt.date) -> dt.date:
    """The day something happened: a full date, not after today."""
    if value is None:
        return today
    day = parse_day(value, field)
    if day > today:
        raise InvalidValue(field, value, f"is in the future (today is {today.isoformat()}).")
    return day
