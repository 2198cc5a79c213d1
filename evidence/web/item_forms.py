"""The forms for items of evidence: log one, correct it, verify a claim, withdraw it.

Each calls the worker `evidence add`, `edit`, `verify-item` and `withdraw` call, with the
fields those commands take (evidence.web.forms says what every form shares).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from typing import Any

from datasette.utils.asgi import NotFound

from evidence.errors import EvidenceError
from evidence.web import forms
from evidence.web.forms import Done, Field, FormRefused, Page

LOG_PATH = "/-/log"
# The workers' names for an item's fields, where the form's differ.
NAMES = {"area": "areas", "theme": "themes", "file": "files"}
DATE_HELP = "2017-01-17, 2017-01 (a month) or 2017 (a year)."
QUALIFIERS = [
    ("exact", "Exactly: on that day, in that month or in that year"),
    ("approximate", "Approximately"),
    ("on-or-before", "On or before"),
    ("on-or-after", "On or after"),
]
MARKINGS = [("official", "OFFICIAL"), ("official-sensitive", "OFFICIAL-SENSITIVE")]


def routes() -> list[tuple[str, Any]]:
    return [
        (rf"^{LOG_PATH}$", forms.only_get_and_post(log_page)),
        (r"^/-/evidence/(?P<id>[0-9]{1,18})/edit$", forms.only_get_and_post(edit_page)),
        (r"^/-/evidence/(?P<id>[0-9]{1,18})/verify$", forms.only_get_and_post(verify_page)),
        (r"^/-/evidence/(?P<id>[0-9]{1,18})/withdraw$", forms.only_get_and_post(withdraw_page)),
    ]


def item_url(datasette, evidence_id: int) -> str:
    return datasette.urls.row("evidence", "evidence", str(evidence_id))


# The choices a form offers, from the library's vocabularies


def _choices(conn: sqlite3.Connection) -> dict[str, Any]:
    from evidence import vocab

    words = vocab.Vocabulary(conn)
    kinds = conn.execute("SELECT slug, name FROM kinds ORDER BY position").fetchall()
    frameworks = conn.execute("SELECT slug, name FROM frameworks ORDER BY position").fetchall()
    by_id = {area["id"]: area for area in words.areas}

    def value(area: dict) -> str:
        return f"{area['framework']}:{area['code']}"

    groups = []
    for framework in frameworks:
        areas = [a for a in words.areas if a["framework"] == framework["slug"]]
        groups.append(
            {
                "slug": framework["slug"],
                "name": framework["name"],
                "areas": [
                    {
                        "value": value(area),
                        "code": area["code"],
                        "name": area["name"],
                        "parent": value(by_id[area["parent_id"]]) if area["parent_id"] else "",
                    }
                    for area in areas
                ],
            }
        )
    themes = [
        {
            "parent": value(by_id[by_id[theme["area_id"]]["parent_id"]])
            if by_id[theme["area_id"]]["parent_id"]
            else "",
            "value": theme["slug"],
            "name": theme["name"],
            "area": value(by_id[theme["area_id"]]),
            "area_name": f"{by_id[theme['area_id']]['code']} {by_id[theme['area_id']]['name']}",
            "framework": theme["framework"],
        }
        for theme in words.themes
    ]
    return {
        "kinds": [(row["slug"], row["name"]) for row in kinds],
        "groups": groups,
        "themes": themes,
        "framework": vocab.DEFAULT_FRAMEWORK,
    }


def _item_fields(choices: dict[str, Any], *, editing: bool, may_clear: bool, item=None):
    from evidence.cli import options

    fields = [
        Field("kind", "Kind of evidence", "What it is: an audit, a monitoring letter, a"
              " child's story.", kind="select", choices=choices["kinds"], required=True),
        Field("title", "Title", forms.option_help(options.Title), required=True),
        Field("date", "Date", f"Its date: {DATE_HELP}", required=True,
              placeholder="2017-01-17"),
        Field("precision", "How the date is known", "Whether the date is exact, or"
              " approximate, or a bound.", kind="select", choices=QUALIFIERS),
        Field("areas", "Judgement areas", "Tick each judgement area it shows; at least one.",
              kind="areas", choices=choices["groups"], required=True),
        Field("themes", "Themes", "Themes of the areas ticked (optional): only the themes of"
              " the areas ticked can be chosen.", kind="themes", choices=choices["themes"]),
        Field("summary", "Summary", forms.option_help(options.Summary), kind="textarea"),
        Field("marking", "Protective marking", forms.option_help(options.Marking),
              kind="select", choices=MARKINGS),
        Field("review_by", "Review by", forms.option_help(options.ReviewBy), kind="date"),
    ]  # fmt: skip
    if not editing:
        fields.append(Field("claimed", "It is a claim", "A claim nobody has checked yet:"
                            " it shows as claimed until someone verifies it.",
                            kind="checkbox"))  # fmt: skip
    elif item is not None and item["assurance"] == "verified":
        fields.append(Field("claimed", "Mark it an unchecked claim again", "It shows as"
                            " claimed until someone verifies it again.", kind="checkbox"))  # fmt: skip
    fields += [
        Field("files", "Files" if not editing else "Attach more files",
              forms.option_help(options.FilePath).removesuffix("; repeat.") + ".",
              kind="file"),
        Field("owner", "Owner", forms.option_help(options.Owner)),
        Field("source", "Source", forms.option_help(options.Source)),
        Field("ref", "Reference", forms.option_help(options.Ref)),
        Field("link", "Link", forms.option_help(options.Link), placeholder="https://"),
    ]  # fmt: skip
    if editing and may_clear:
        fields.append(
            Field("cleared_for_print", "Cleared for print", "You have read it and it names"
                  " no one: print it though the privacy check doubted it.", kind="checkbox")
        )  # fmt: skip
    return fields


def _facts(item: dict[str, Any]) -> list[tuple[str, str]]:
    """What a form about an item shows of it, above its fields."""
    facts = [
        (f"Evidence {item['id']}", item["title"]),
        ("Kind and date", f"{item['kind_name'] or item['kind']}, {item['date_display']}"),
        ("Assurance", item["assurance"]
         + (f", verified by {item['verified_by']}" if item["verified_by"] else "")),
    ]  # fmt: skip
    if item["files"]:
        facts.append(("Files", ", ".join(file["name"] for file in item["files"])))
    return facts


def _date_input(item: dict[str, Any]) -> str:
    """An item's date as it would be typed: 2017-01-17, 2017-01 or 2017."""
    return {"day": item["date"], "month": item["date"][:7], "year": item["date"][:4]}.get(
        item["date_precision"], item["date"]
    )


def _values_of(item: dict[str, Any]) -> dict[str, list[str]]:
    def one(value: Any) -> list[str]:
        return [] if value is None else [str(value)]

    return {
        "kind": [item["kind"]],
        "title": [item["title"]],
        "date": [_date_input(item)],
        "precision": [item["date_qualifier"] or "exact"],
        "areas": [f"{area['framework']}:{area['code']}" for area in item["area_details"]],
        "themes": [theme if isinstance(theme, str) else theme["slug"] for theme in item["themes"]],
        "summary": one(item["summary"]),
        "marking": [item["marking"]],
        "review_by": one(item["review_by"]),
        "owner": one(item["owner"]),
        "source": one(item["source"]),
        "ref": one(item["ref"]),
        "link": one(item["link"]),
    }


async def _examined(uploads: list[forms.Upload]) -> list[Any]:
    from evidence.errors import InvalidValue
    from evidence.files import examine

    def each(upload: forms.Upload) -> Any:
        if upload.problem:
            raise InvalidValue("file", upload.name, upload.problem)
        try:
            return examine(upload.path, name=upload.name)
        except InvalidValue as error:
            if error.value != upload.path:
                raise
            # Named as the person chose it, never by the copy in the form's folder.
            raise InvalidValue(error.field, upload.name, error.problem) from None

    return await asyncio.to_thread(lambda: [each(upload) for upload in uploads])


def _privacy_message(evidence_id: int, item: dict[str, Any]) -> str | None:
    from evidence import privacy

    words = privacy.item_findings(item)
    if not words:
        return None
    quoted = forms.quoted_words(words)
    return (
        f"Warning: evidence {evidence_id} may identify a child ({quoted}); it will not be"
        " printed in a pack or bundle until it is changed or cleared. If it names no one, a"
        " manager can clear it for print on its Edit page."
    )


# Log an item


async def log_page(datasette, request):
    who = forms.writer(datasette, request)
    choices = await forms.read_library(datasette, _choices)
    page = Page(
        title="Log evidence",
        action=LOG_PATH,
        fields=_item_fields(choices, editing=False, may_clear=who.may_clear),
        submit="Log evidence",
        intro="Log one piece of evidence, with the checks of the command evidence add. Fields marked * are needed.",
        files=True,
        back="/",
        context={"choices": choices},
    )
    if request.method != "POST":
        area = request.args.get("area")
        page.values = {"marking": ["official"], "precision": ["exact"]}
        if area:
            page.values["areas"] = [area]
        if request.args.get("kind"):
            page.values["kind"] = [request.args["kind"]]
        return await forms.render(datasette, request, page)
    try:
        sent, folder = await forms.sent_form(datasette, request, files=True)
    except FormRefused as refusal:
        return forms.refused(refusal.status, refusal.text)
    try:
        page.keep(sent)
        try:
            attached = await _examined(sent.files)
            done = await forms.write_once(
                datasette, "log", sent.text("key"), who.name, lambda conn: _log(
                    datasette, conn, sent, attached, who
                )
            )  # fmt: skip
        except (EvidenceError, sqlite3.Error) as error:
            page.fail(error, NAMES)
            return await forms.render(datasette, request, page, status=400)
    finally:
        forms.remove_folder(folder)
    return forms.finished(datasette, request, done, "the item")


def _log(datasette, conn, sent: forms.Sent, attached: list, who: forms.Writer) -> Done:
    from evidence import catalog

    evidence_id = catalog.add_evidence(
        conn,
        kind=sent.text("kind"),
        title=sent.text("title"),
        date=sent.text("date"),
        areas=sent.getlist("areas"),
        themes=sent.getlist("themes"),
        summary=sent.get("summary"),
        precision=sent.get("precision") or None,
        owner=sent.get("owner"),
        source=sent.get("source"),
        ref=sent.get("ref"),
        link=sent.get("link"),
        marking=sent.get("marking") or None,
        review_by=sent.get("review_by") or None,
        claimed=bool(sent.get("claimed")),
        files=attached,
        by=who.name,
    )
    messages = [(f"Logged evidence {evidence_id}.", "info")]
    if sent.get("claimed"):
        messages.append(
            (
                f"Evidence {evidence_id} is a claim: once it is checked, verify it from"
                " this page.",
                "info",
            )
        )
    warning = _privacy_message(evidence_id, catalog.get_evidence(conn, evidence_id))
    if warning:
        messages.append((warning, "warning"))
    return Done(item_url(datasette, evidence_id), messages)


# Correct an item


async def _item(datasette, evidence_id: int) -> dict[str, Any]:
    from evidence import catalog

    return await forms.read_record(
        datasette,
        lambda conn: catalog.get_evidence(conn, evidence_id),
        f"Evidence {evidence_id} does not exist.",
    )


async def _current(datasette, request, evidence_id: int, doing: str) -> dict[str, Any]:
    item = await _item(datasette, evidence_id)
    # A form sent for an item that is no longer current (withdrawn since its page was
    # opened, or by this same form sent before) goes on to the worker: it finds the form
    # was sent already, or refuses it in the command line's words.
    if item["status"] != "current" and request.method != "POST":
        raise NotFound(f"Evidence {evidence_id} is {item['status']}: it cannot be {doing}.")
    return item


async def edit_page(datasette, request):
    who = forms.writer(datasette, request)
    evidence_id = int(request.url_vars["id"])
    item = await _current(datasette, request, evidence_id, "edited")
    choices = await forms.read_library(datasette, _choices)
    page = Page(
        title=f"Edit evidence {evidence_id}",
        action=f"/-/evidence/{evidence_id}/edit",
        fields=_item_fields(choices, editing=True, may_clear=who.may_clear, item=item),
        submit="Save changes",
        intro="Correct the item, as the command evidence edit does: every change is kept in its"
        " history. A child story cleared for print is cleared no longer once its title,"
        " summary or files change.",
        files=True,
        back=item_url(datasette, evidence_id),
        context={"choices": choices, "facts": _facts(item)},
    )
    if request.method != "POST":
        page.values = _values_of(item)
        page.context["revision"] = str(item["revision"])
        return await forms.render(datasette, request, page)
    try:
        sent, folder = await forms.sent_form(datasette, request, files=True)
    except FormRefused as refusal:
        return forms.refused(refusal.status, refusal.text)
    # Sent again after an error, the form still speaks for the item as it was opened.
    page.context["revision"] = sent.text("revision")
    if sent.get("cleared_for_print") and not who.may_clear:
        forms.remove_folder(folder)
        return forms.refused(403, "Refused: only a manager may clear an item for print.")
    try:
        page.keep(sent)
        try:
            attached = await _examined(sent.files)
            done = await forms.write_once(
                datasette, f"edit {evidence_id}", sent.text("key"), who.name,
                lambda conn: _edit(datasette, conn, evidence_id, sent, attached, who),
            )  # fmt: skip
        except (EvidenceError, sqlite3.Error) as error:
            page.fail(error, NAMES)
            return await forms.render(datasette, request, page, status=400)
    finally:
        forms.remove_folder(folder)
    return forms.finished(datasette, request, done, "the change")


def _edit(datasette, conn, evidence_id: int, sent: forms.Sent, attached, who) -> Done:
    from evidence import catalog
    from evidence.cli.render import describe_changes, stamp
    from evidence.errors import Refused

    # Two people editing one item: the second form was opened on what the first changed,
    # and would put it back. It is refused, under the write lock, and nothing is written.
    current = catalog.get_evidence(conn, evidence_id)
    if current["status"] == "current" and sent.text("revision") != str(current["revision"]):
        raise Refused(
            f"evidence {evidence_id} was changed by {current['updated_by']} at"
            f" {stamp(current['updated_at'])}, after this page was opened: nothing was saved."
            " Open its Edit page again to see the change, and make yours there."
        )
    # A field the form did not send is left as it is; a group of boxes it showed and
    # none of which was ticked is sent as empty (`shown`).
    shown = set(sent.getlist("shown"))

    def boxes(name: str) -> list[str] | None:
        return sent.getlist(name) if name in shown or name in sent.fields else None

    changed = catalog.edit_evidence(
        conn,
        evidence_id,
        kind=sent.get("kind"),
        title=sent.get("title"),
        date=sent.get("date"),
        precision=sent.get("precision") or ("exact" if "precision" in sent.fields else None),
        areas=boxes("areas"),
        themes=boxes("themes"),
        summary=sent.get("summary"),
        owner=sent.get("owner"),
        source=sent.get("source"),
        ref=sent.get("ref"),
        link=sent.get("link"),
        marking=sent.get("marking") or None,
        review_by=sent.get("review_by"),
        claimed=bool(sent.get("claimed")),
        cleared_for_print=bool(sent.get("cleared_for_print")) and who.may_clear,
        files=attached,
        by=who.name,
    )
    url = item_url(datasette, evidence_id)
    if not changed:
        return Done(
            url,
            [(f"Evidence {evidence_id} unchanged: the values given are the ones it has.",
              "info")],
        )  # fmt: skip
    messages = [(f"Updated evidence {evidence_id}: {describe_changes(changed)}", "info")]
    item = catalog.get_evidence(conn, evidence_id)
    if not item["cleared_for_print_by"]:
        warning = _privacy_message(evidence_id, item)
        if warning:
            messages.append((warning, "warning"))
    return Done(url, messages)


# Verify a claim, withdraw an item


async def verify_page(datasette, request):
    who = forms.writer(datasette, request)
    evidence_id = int(request.url_vars["id"])
    item = await _current(datasette, request, evidence_id, "verified")
    page = Page(
        title=f"Verify evidence {evidence_id}",
        action=f"/-/evidence/{evidence_id}/verify",
        fields=[
            Field("on", "Checked on", "The day it was checked.", kind="date", required=True),
        ],
        submit="Verify",
        intro="Record that you checked this claim, as the command evidence verify-item does: the"
        " library keeps who checked it and on what day. Seen as of an earlier day, it is"
        " still a claim.",
        back=item_url(datasette, evidence_id),
        context={"facts": _facts(item)},
    )
    if request.method != "POST":
        page.values = {"on": [dt.date.today().isoformat()]}
        return await forms.render(datasette, request, page)

    def verify(conn, sent: forms.Sent) -> Done:
        from evidence import catalog

        verified = catalog.verify_evidence(
            conn, evidence_id, by=who.name, on=sent.get("on") or None
        )
        return Done(
            item_url(datasette, evidence_id),
            [(f"Verified evidence {evidence_id} (by {verified['verified_by']}).", "info")],
        )

    return await forms.post_form(
        datasette, request, page, f"verify {evidence_id}", who, verify, what="the verification"
    )


async def withdraw_page(datasette, request):
    who = forms.writer(datasette, request)
    evidence_id = int(request.url_vars["id"])
    item = await _current(datasette, request, evidence_id, "withdrawn")
    page = Page(
        title=f"Withdraw evidence {evidence_id}",
        action=f"/-/evidence/{evidence_id}/withdraw",
        fields=[
            Field(
                "reason",
                "Why it is withdrawn",
                "Say why, in a line: it is kept with the item.",
                required=True,
            )
        ],  # fmt: skip
        submit="Withdraw",
        intro="Withdraw the item, as the command evidence withdraw does: nothing is deleted. It"
        " leaves lists, search and the pack; its page still shows it, with the reason.",
        back=item_url(datasette, evidence_id),
        context={"facts": _facts(item)},
    )
    if request.method != "POST":
        return await forms.render(datasette, request, page)

    def withdraw(conn, sent: forms.Sent) -> Done:
        from evidence import catalog

        catalog.withdraw_evidence(conn, evidence_id, reason=sent.text("reason"), by=who.name)
        return Done(
            item_url(datasette, evidence_id),
            [(f"Withdrew evidence {evidence_id}. Its page still shows it, with the reason.",
              "info")],
        )  # fmt: skip

    return await forms.post_form(
        datasette, request, page, f"withdraw {evidence_id}", who, withdraw, what="the withdrawal"
    )
