"""The forms for the records around evidence: update an action, raise and resolve a
challenge to a figure, answer an inspection request.

Each calls the worker `evidence action update`, `challenge raise`, `challenge resolve`
and `request answer` call (evidence.web.forms says what every form shares).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from datasette.utils.asgi import NotFound

from evidence.errors import InvalidValue
from evidence.web import forms
from evidence.web.forms import Done, Field, Page

RAISE_PATH = "/-/challenges/raise"
ID = r"(?P<id>[0-9]{1,18})"


def routes() -> list[tuple[str, Any]]:
    return [
        (rf"^/-/actions/{ID}/update$", forms.only_get_and_post(action_page)),
        (rf"^{RAISE_PATH}$", forms.only_get_and_post(raise_page)),
        (rf"^/-/challenges/{ID}/resolve$", forms.only_get_and_post(resolve_page)),
        (rf"^/-/requests/{ID}/answer$", forms.only_get_and_post(answer_page)),
    ]


def _record_warning(which: str, texts: list[str | None], *, names: bool = False) -> list:
    """The command line's warning that a record may identify a child, for the page."""
    from evidence import privacy

    words = privacy.record_findings(texts, names=names)
    if not words:
        return []
    quoted = forms.quoted_words(words)
    return [
        (
            f"Warning: {which} may identify a child ({quoted}); no pack will be printed while"
            " it does. Ask whoever runs the library to erase the words (with"
            " evidence purge --text).",
            "warning",
        )
    ]


def _name_warning(which: str, texts: list[str | None]) -> list:
    """The command line's warning that what was written for an inspection may name a
    child: the pack and the handed-over bundle print it (names do not stop them)."""
    from evidence import privacy

    words = privacy.record_findings(texts, names=True)
    if not words:
        return []
    quoted = forms.quoted_words(words)
    return [
        (
            f"Warning: {which} may name a child ({quoted}); the pack and the handed-over"
            " bundle print it. If it does, ask whoever runs the library to erase the words"
            " (`evidence purge --text WORDS --reason R`).",
            "warning",
        )
    ]


def _row_url(datasette, table: str, record_id: int) -> str:
    return datasette.urls.row("evidence", table, str(record_id))


# Update an action


STATUS_CHOICES = [
    ("", "Unchanged"),
    ("not-started", "Not started"),
    ("in-progress", "In progress"),
    ("complete-awaiting-assurance", "Complete, awaiting assurance"),
    ("closed", "Closed"),
    ("paused", "Paused"),
]


async def action_page(datasette, request):
    from evidence import actions

    who = forms.writer(datasette, request)
    action_id = int(request.url_vars["id"])
    action = await forms.read_record(
        datasette,
        lambda conn: actions.get_action(conn, action_id),
        f"Action {action_id} does not exist.",
    )
    page = Page(
        title=f"Update action {action_id}",
        action=f"/-/actions/{action_id}/update",
        fields=[
            Field(
                "status",
                "Status",
                "Its new status, if it changed.",
                kind="select",
                choices=STATUS_CHOICES,
            ),
            Field(
                "evidence",
                "Evidence that shows it done",
                "The id of the item that shows it done, as its page shows it (optional).",
                kind="number",
            ),
            Field("note", "Progress note", "A progress note (optional).", kind="textarea"),
            Field("due", "New due date", "A new due date, if it changed.", kind="date"),
            Field(
                "no_due",
                "It has no due date now",
                "An action with no due date is never overdue.",
                kind="checkbox",
            ),
            Field("on", "On", "The day it happened.", kind="date", required=True),
        ],  # fmt: skip
        submit="Save the update",
        intro="Record what changed, as the command evidence action update does: every update is"
        " kept with its day and who made it, so the tracker can be read as of any day. To"
        " close an action, choose Closed and give the evidence that shows it done.",
        back=_row_url(datasette, "actions", action_id),
        context={"facts": _action_facts(action)},
    )
    if request.method != "POST":
        page.values = {"on": [dt.date.today().isoformat()]}
        return await forms.render(datasette, request, page)

    def update(conn, sent: forms.Sent) -> Done:
        from evidence.cli.render import due_text

        due = sent.get("due") or None
        if sent.get("no_due"):
            if due:
                raise InvalidValue(
                    "due", due, "is given, and so is 'It has no due date now': choose one."
                )
            due = ""
        evidence_id = _whole_number(sent.get("evidence"), "evidence")
        updated = actions.update_action(
            conn,
            action_id,
            status=sent.get("status") or None,
            due=due,
            note=sent.get("note") or None,
            evidence_id=evidence_id,
            on=sent.get("on") or None,
            by=who.name,
        )
        rag = updated["rag"] or "not rated (closed)"
        messages = [
            (
                f"Updated action {action_id}: {actions.STATUS_NAMES[updated['status']]}, due"
                f" {due_text(updated)}; RAG {rag}.",
                "info",
            )
        ]
        messages += _record_warning(f"the note on action {action_id}", [sent.get("note")])
        return Done(_row_url(datasette, "actions", action_id), messages)

    return await forms.post_form(
        datasette, request, page, f"update action {action_id}", who, update, what="the update"
    )


def _action_facts(action: dict[str, Any]) -> list[tuple[str, str]]:
    from evidence.actions import STATUS_NAMES
    from evidence.cli.render import due_text

    return [
        (f"Action {action['id']}", action["text"]),
        ("Status and due", f"{STATUS_NAMES[action['status']]}; due {due_text(action)}"),
        ("Owner", action["owner"] or "not set"),
        ("From", f"evidence {action['source_id']}"),
    ]


def _whole_number(value: str | None, field: str) -> int | None:
    if value is None or not value.strip():
        return None
    if not re.fullmatch(r"[0-9]{1,18}", value.strip()):
        raise InvalidValue(field, value, "must be an id, a whole number such as 12.")
    return int(value)


# Raise and resolve a challenge


async def raise_page(datasette, request):
    who = forms.writer(datasette, request)

    def measures_of(conn) -> list[tuple[str, str]]:
        return [
            (row[0], f"{row[1]} ({row[0]})")
            for row in conn.execute("SELECT code, name FROM measures ORDER BY context, code")
        ]

    page = Page(
        title="Raise a challenge to a figure",
        action=RAISE_PATH,
        fields=[
            Field(
                "measure",
                "Measure",
                "The measure whose figure is doubted.",
                kind="select",
                choices=await forms.read_library(datasette, measures_of),
                required=True,
            ),
            Field(
                "period",
                "Month",
                "The month of the figure: 2018-01.",
                required=True,
                placeholder="2018-01",
            ),
            Field(
                "question",
                "Question",
                "What about the figure is doubted, in a line.",
                required=True,
            ),
            Field("on", "Raised on", "The day it was raised.", kind="date", required=True),
        ],  # fmt: skip
        submit="Raise the challenge",
        intro="Question a month's figure, as the command evidence challenge raise does. It stays open"
        " until someone records what it found.",
        back="/",
    )
    if request.method != "POST":
        page.values = {
            "on": [dt.date.today().isoformat()],
            **{
                name: [request.args[name]]
                for name in ("measure", "period")
                if name in request.args
            },
        }
        return await forms.render(datasette, request, page)

    def challenge(conn, sent: forms.Sent) -> Done:
        from evidence import measures

        challenge_id = measures.raise_challenge(
            conn,
            sent.text("measure"),
            sent.text("period"),
            question=sent.text("question"),
            on=sent.get("on") or None,
            by=who.name,
        )
        messages = [(f"Raised challenge {challenge_id}.", "info")]
        messages += _record_warning(f"challenge {challenge_id}", [sent.get("question")])
        return Done(_row_url(datasette, "challenges", challenge_id), messages)

    return await forms.post_form(
        datasette, request, page, "raise challenge", who, challenge,
        names={"code": "measure"}, what="the challenge",
    )  # fmt: skip


CAUSE_CHOICES = [
    ("reporting-error", "Reporting error: the figure was reported wrongly"),
    ("late-entry", "Late entry: recording was late"),
    ("recording-error", "Recording error: the case records were wrong"),
    ("genuine", "Genuine: the figure is right"),
]


async def resolve_page(datasette, request):
    who = forms.writer(datasette, request)
    challenge_id = int(request.url_vars["id"])

    def challenge_of(conn) -> dict[str, Any] | None:
        row = conn.execute("SELECT * FROM challenges WHERE id = ?", [challenge_id]).fetchone()
        return dict(row) if row else None

    challenge = await forms.read_library(datasette, challenge_of)
    if challenge is None:
        raise NotFound(f"Challenge {challenge_id} does not exist.")
    page = Page(
        title=f"Resolve challenge {challenge_id}",
        action=f"/-/challenges/{challenge_id}/resolve",
        fields=[
            Field(
                "cause",
                "What it found",
                "reporting-error, late-entry, recording-error or genuine.",
                kind="select",
                choices=CAUSE_CHOICES,
                required=True,
            ),
            Field("answer", "Answer", "What was found.", kind="textarea", required=True),
            Field("on", "Resolved on", "The day it was resolved.", kind="date", required=True),
        ],  # fmt: skip
        submit="Resolve the challenge",
        intro="Record what the challenge found, as the command evidence challenge resolve does. A"
        " reporting error is corrected by revising the figure; late data entry deserves a"
        " further challenge to the team.",
        back=_row_url(datasette, "challenges", challenge_id),
        context={
            "facts": [
                (f"Challenge {challenge_id}", challenge["question"]),
                ("Figure", f"{challenge['measure']} for {challenge['period']}"),
                ("Raised", f"{challenge['raised_on']} by {challenge['raised_by']}"),
            ]
        },
    )
    if request.method != "POST":
        page.values = {"on": [dt.date.today().isoformat()]}
        return await forms.render(datasette, request, page)

    def resolve(conn, sent: forms.Sent) -> Done:
        from evidence import measures

        measures.resolve_challenge(
            conn,
            challenge_id,
            cause=sent.text("cause"),
            answer=sent.text("answer"),
            on=sent.get("on") or None,
            by=who.name,
        )
        cause = measures.CAUSE_NAMES[measures.vocab.normalise(sent.text("cause"))]
        messages = [(f"Resolved challenge {challenge_id}: {cause}.", "info")]
        messages += _record_warning(
            f"the answer to challenge {challenge_id}", [sent.get("answer")]
        )
        return Done(_row_url(datasette, "challenges", challenge_id), messages)

    return await forms.post_form(
        datasette, request, page, f"resolve challenge {challenge_id}", who, resolve,
        what="the answer",
    )  # fmt: skip


# Answer an inspection request


async def answer_page(datasette, request):
    from evidence import inspections

    who = forms.writer(datasette, request)
    request_id = int(request.url_vars["id"])
    asked = await forms.read_record(
        datasette,
        lambda conn: inspections.get_request(conn, request_id),
        f"Request {request_id} does not exist.",
    )
    page = Page(
        title=f"Answer request {request_id}",
        action=f"/-/requests/{request_id}/answer",
        fields=[
            Field(
                "with",
                "Items handed over",
                "The ids of the items handed over, as their"
                " pages show them, separated by commas or spaces: 12, 14.",
                placeholder="12, 14",
            ),
            Field(
                "note",
                "Note",
                "A note (optional): what was handed over outside the library, or what was said.",
                kind="textarea",
            ),
            Field("at", "When", "When, in UK time: 2018-03-14 15:30. Empty for now."),
        ],  # fmt: skip
        submit="Record the answer",
        intro="Record what was handed over for this request, and when, as the command evidence"
        " request answer does: late if after it was due. A child story must pass the privacy check"
        " first, as for the pack.",
        back="/-/inspection",
        context={
            "facts": [
                (f"Request {request_id}", asked["text"]),
                ("Asked and due", f"asked {asked['asked_display']}; due {asked['due_display']}"),
                ("Status", asked["status"] + (" (late)" if asked["late"] else "")),
            ]
        },
    )
    if request.method != "POST":
        return await forms.render(datasette, request, page)

    def answer(conn, sent: forms.Sent) -> Done:
        ids = [
            _whole_number(value, "with")
            for value in re.split(r"[\s,]+", sent.text("with"))
            if value
        ]
        answered = inspections.answer_request(
            conn,
            request_id,
            evidence_ids=[value for value in ids if value is not None],
            note=sent.get("note") or None,
            at=sent.get("at") or None,
            by=who.name,
        )
        late = " late" if answered["answered_late"] else ""
        count = len(answered["handed_over"])
        messages = [
            (
                f"Request {request_id} answered{late} {answered['answered_display']}:"
                f" {count} thing{'' if count == 1 else 's'} handed over.",
                "info",
            )
        ]
        messages += _name_warning(f"the answer to request {request_id}", [sent.get("note")])
        return Done("/-/inspection", messages)

    return await forms.post_form(
        datasette, request, page, f"answer request {request_id}", who, answer,
        names={"evidence": "with"}, what="the answer",
    )  # fmt: skip
