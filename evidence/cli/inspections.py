"""The commands for the week the inspectors come: `evidence inspection` (start, show,
end, list, bundle) and `evidence request` (add, answer, show, list, reopen, withdraw).

Times are typed and shown in UK local time ("2026-03-02 17:00"), stored in UTC; a time the
clocks pass twice as they go back takes its offset ("+01:00").
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evidence.cli import app
from evidence.cli.common import actor, library, plural, print_json
from evidence.cli.options import AsJson, By, DayOneListFile, DbPath

inspection_app = typer.Typer(
    help="The inspection: start it when the call comes, follow it, end it.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
request_app = typer.Typer(
    help="What the inspectors ask for, by when, and what was handed over.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(inspection_app, name="inspection")
app.add_typer(request_app, name="request")

RequestId = Annotated[
    int, typer.Argument(metavar="REQUEST_ID", help="The request, as `request list` shows it.")
]
AsOfTime = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="TIME",
        help='As things stood then: a UK time ("2026-03-03 12:00"), or a day meaning its end.'
        " [default: now]",
    ),
]
Reason = Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why.")]
At = Annotated[
    str | None,
    typer.Option("--at", metavar="TIME", help="When, in UK time. [default: now]"),
]


@inspection_app.command("start")
def inspection_start(
    notified: Annotated[
        str,
        typer.Option(
            "--notified",
            metavar="TIME",
            help='When the call came, in UK time ("2026-03-02 10:30").',
        ),
    ],
    type_: Annotated[
        str,
        typer.Option(
            "--type",
            metavar="TYPE",
            help="standard, short, focused-visit, monitoring-visit or jtai (ILACS);"
            " inspection, re-inspection or monitoring-visit (SIF).",
        ),
    ],
    framework: Annotated[
        str,
        typer.Option(
            "--framework",
            metavar="FRAMEWORK",
            help="The framework it inspects under: ilacs-2023 (in force), ilacs-2018 or sif.",
        ),
    ] = "ilacs-2023",
    lead: Annotated[
        str | None, typer.Option("--lead", metavar="NAME", help="The lead inspector.")
    ] = None,
    on_site: Annotated[
        str | None,
        typer.Option(
            "--on-site",
            metavar="DATE",
            help="The first day on site. [default: the next working day after the call]",
        ),
    ] = None,
    day_one: DayOneListFile = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Open an inspection when the call comes, and turn the day-one list into requests.

    Each day-one request is due as the list says, and proposes the newest current,
    verified item that satisfies it, or says it is missing or stale. Nothing counts as
    handed over until `request answer` confirms it. One inspection is open at a time.
    """
    from evidence import inspections
    from evidence.uktime import parse_time, uk_day
    from readiness import dayone

    with library(db_path) as conn:
        listed = dayone.load(conn, day_one)
        notified_at = parse_time(notified, "notified")
        first_day = inspections.first_day_on_site(notified_at, on_site)
        assessed = dayone.assess(conn, listed, uk_day(notified_at))
        entries = [
            {
                **found,
                "due_at": entry.due_at(notified_at, first_day),
                "proposed_id": found["item"]["id"] if found["item"] else None,
            }
            for entry, found in zip(listed.entries, assessed, strict=True)
        ]
        inspection_id = inspections.start_inspection(
            conn,
            framework=framework,
            type=type_,
            notified=notified,
            on_site=on_site,
            lead=lead,
            day_one=entries,
            by=actor(by),
        )
        inspection = inspections.get_inspection(conn, inspection_id)
    if as_json:
        print_json(inspection)
        return
    counts = {
        state: sum(e["state"] == state for e in entries)
        for state in ("current", "stale", "missing")
    }
    typer.echo(
        f"Started inspection {inspection_id}: {inspection['type']} ({inspection['framework']}),"
        f" notified {inspection['notified_display']}, on site from {inspection['on_site_display']}."
    )
    typer.echo(
        f"Day-one list ({listed.source}): {plural(len(entries), 'request')};"
        f" {counts['current']} with a current item proposed, {counts['stale']} stale,"
        f" {counts['missing']} missing. Confirm each with `evidence request answer N --with ID`."
    )


@inspection_app.command("show")
def inspection_show(
    inspection_id: Annotated[
        int | None,
        typer.Argument(
            metavar="[ID]", help="The inspection. [default: the open one, or the latest]"
        ),
    ] = None,
    as_of: AsOfTime = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
) -> None:
    """An inspection's timeline: notified, the day-one list, each request asked, answered,
    late, reopened or withdrawn, and the report once it is logged."""
    from evidence import inspections

    with library(db_path, only_reads=True) as conn:
        inspection = inspections.get_inspection(conn, inspection_id, as_of=as_of)
    if as_json:
        print_json(inspection)
        return
    counts = inspection["counts"]
    lines = [
        f"Inspection {inspection['id']}: {inspection['type']} ({inspection['framework']})"
        + (f", lead inspector {inspection['lead']}" if inspection["lead"] else ""),
        f"Notified {inspection['notified_display']}; on site from {inspection['on_site_display']};"
        + (f" ended {inspection['ended_display']}." if inspection["ended_display"] else " open."),
        f"As of {inspection['as_of_display']}: {counts['total']} requests, {counts['open']} open,"
        f" {counts['answered']} answered, {counts['withdrawn']} withdrawn, {counts['late']} late.",
    ]
    if inspection["report"]:
        lines.append(f"Report: evidence {inspection['report_id']}, {inspection['report']}.")
    lines += ["", "Timeline"]
    lines += [f"  {event['display']:<22} {event['what']}" for event in inspection["timeline"]]
    typer.echo("\n".join(lines))


@inspection_app.command("end")
def inspection_end(
    on: Annotated[
        str | None, typer.Option("--on", metavar="DATE", help="The last day. [default: today]")
    ] = None,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """End the open inspection."""
    from evidence import inspections

    with library(db_path) as conn:
        inspection_id = inspections.end_inspection(conn, on=on, by=actor(by))
    typer.echo(f"Ended inspection {inspection_id}.")


@inspection_app.command("list")
def inspection_list(as_json: AsJson = False, db_path: DbPath = None) -> None:
    """Every inspection, oldest first."""
    from evidence import inspections

    with library(db_path, only_reads=True) as conn:
        found = inspections.list_inspections(conn)
    if as_json:
        print_json(found)
        return
    if not found:
        typer.echo("No inspection is recorded.")
    for row in found:
        state = f"ended {row['ended_display']}" if row["ended_on"] else "open"
        typer.echo(
            f"{row['id']:>3}  {row['notified_display']}  {row['type']} ({row['framework']}),"
            f" {plural(row['requests'], 'request')}, {state}"
            + (f"; report: evidence {row['report_id']}" if row["report_id"] else "")
        )


@inspection_app.command("bundle")
def inspection_bundle(
    out: Annotated[
        Path,
        typer.Option("--out", metavar="FILE", help="The ZIP to write, e.g. handed-over.zip."),
    ],
    inspection_id: Annotated[
        int | None,
        typer.Argument(
            metavar="[ID]", help="The inspection. [default: the open one, or the latest]"
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="TIME",
            help='Only what was handed over from then: a UK time ("2026-03-03 09:00"), or a'
            " day meaning its start.",
        ),
    ] = None,
    as_of: AsOfTime = None,
    db_path: DbPath = None,
) -> None:
    """Write everything confirmed as handed over so far as one ZIP, organised by request.

    index.html lists each request with its due time, when it was answered (late or not)
    and what was handed over, linking each file; an answer later reopened still counts.
    A file handed over from outside the library is listed by name and SHA-256 only: the
    library never held it. manifest.json lists every other file in the ZIP with its
    SHA-256; the index carries the highest marking of what it holds, top and bottom.
    Each stored file is checked against its SHA-256 as it is copied. The ZIP is readable
    by its owner only.
    """
    from evidence.inspection_bundle import build_inspection_bundle

    with library(db_path, only_reads=True) as conn:
        made = build_inspection_bundle(
            conn, out, inspection_id=inspection_id, since=since, as_of=as_of
        )
    outside = (
        f", and {plural(made.outside, 'file')} from outside the library listed by name"
        if made.outside
        else ""
    )
    typer.echo(
        f"Wrote {made.path}: what was handed over for {plural(made.requests, 'request')},"
        f" {plural(made.items, 'item')} and {plural(made.files, 'file')}{outside};"
        f" marked {made.marking.upper()}."
    )


@request_app.command("add")
def request_add(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="What the inspectors asked for.")],
    due: Annotated[
        str,
        typer.Option(
            "--due", metavar="TIME", help='When it is due, in UK time ("2026-03-03 12:00").'
        ),
    ],
    areas: Annotated[
        list[str] | None,
        typer.Option(
            "--area", metavar="AREA", help="Its area, in the inspection's framework; repeat."
        ),
    ] = None,
    asked_by: Annotated[
        str | None, typer.Option("--asked-by", metavar="NAME", help="The inspector who asked.")
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", metavar="ROLE", help="Who is to answer it.")
    ] = None,
    at: At = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Record what the inspectors asked for, and by when."""
    from evidence import inspections

    with library(db_path) as conn:
        request_id = inspections.add_request(
            conn,
            text,
            due=due,
            areas=areas or (),
            asked_by=asked_by,
            owner=owner,
            at=at,
            by=actor(by),
        )
        request = inspections.get_request(conn, request_id) if as_json else None
    _warn_names(f"request {request_id}", [text, asked_by, owner])
    if as_json:
        print_json(request)
        return
    typer.echo(f"Recorded request {request_id}.")


def _warn_names(which: str, texts: list[str | None]) -> None:
    """Tell the coordinator that what they wrote may name a child: the pack and the
    handed-over bundle print it (a date of birth, a postcode or an NHS number stops them)."""
    from evidence import privacy

    words = privacy.record_findings(texts, names=True)
    if words:
        quoted = ", ".join(f"'{word}'" for word in words)
        typer.echo(
            f"Warning: {which} may name a child ({quoted}); the pack and the handed-over"
            " bundle print it. If it does, erase the words with `evidence purge --text WORDS"
            " --reason R`.",
            err=True,
        )


@request_app.command("answer")
def request_answer(
    request_id: RequestId,
    with_ids: Annotated[
        list[int] | None,
        typer.Option("--with", metavar="ID", help="An item handed over; repeat."),
    ] = None,
    files: Annotated[
        list[Path] | None,
        typer.Option(
            "--file",
            metavar="PATH",
            help="A file handed over from outside the library: its name and SHA-256 are"
            " recorded, never its contents; repeat.",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", metavar="TEXT", help="A note.")] = None,
    at: At = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Record what was handed over for a request, and when: late if after it was due.

    A child story must pass the privacy check first, as for the pack.
    """
    from evidence import inspections
    from evidence.cli.common import reported_errors

    with reported_errors():
        handed = [inspections.handed_file(path) for path in files or ()]
    with library(db_path) as conn:
        request = inspections.answer_request(
            conn,
            request_id,
            evidence_ids=with_ids or (),
            files=handed,
            note=note,
            at=at,
            by=actor(by),
        )
    _warn_names(f"the answer to request {request_id}", [note, *(file.name for file in handed)])
    if as_json:
        print_json(request)
        return
    late = " late" if request["answered_late"] else ""
    typer.echo(
        f"Request {request_id} answered{late} {request['answered_display']}:"
        f" {plural(len(request['handed_over']), 'thing')} handed over."
    )


@request_app.command("show")
def request_show(
    request_id: RequestId, as_of: AsOfTime = None, as_json: AsJson = False, db_path: DbPath = None
) -> None:
    """One request with everything that happened to it."""
    from evidence import inspections

    with library(db_path, only_reads=True) as conn:
        request = inspections.get_request(conn, request_id, as_of=as_of)
    if as_json:
        print_json(request)
        return
    lines = [
        f"Request {request['id']}: {request['text']}",
        f"Asked {request['asked_display']}"
        + (f" by {request['asked_by']}" if request["asked_by"] else "")
        + f"; due {request['due_display']}"
        + (f"; owner {request['owner']}" if request["owner"] else ""),
        f"Status: {request['status']}" + (" (late)" if request["late"] else ""),
    ]
    if request["day_one"]:
        proposed = (
            f"evidence {request['proposed_id']} ({request['proposed_title']})"
            if request["proposed_id"]
            else "nothing"
        )
        lines.append(
            f"Day-one list: {request['day_one']}; proposed {proposed}, {request['proposal']}."
        )
    for event in request["events"]:
        words = (
            "answered late" if event["event"] == "answered" and event["late"] else event["event"]
        )
        lines.append(
            f"  {event['display']:<22} {words} by {event['created_by']}"
            + (f": {event['note']}" if event["note"] else "")
        )
        for handed in event["handed_over"]:
            if handed["sha256"] is None:
                lines.append(f"      evidence {handed['evidence_id']}: {handed['title']}")
            else:
                lines.append(f"      file {handed['name']} (sha256 {handed['sha256'][:12]})")
    typer.echo("\n".join(lines))


@request_app.command("list")
def request_list(
    open_only: Annotated[bool, typer.Option("--open", help="Only requests still open.")] = False,
    late_only: Annotated[
        bool, typer.Option("--late", help="Only late ones: open past due, or answered late.")
    ] = False,
    as_of: AsOfTime = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
) -> None:
    """The requests of the open inspection (or the latest), in the order they fall due."""
    from evidence import inspections

    with library(db_path, only_reads=True) as conn:
        found = inspections.list_requests(
            conn, as_of=as_of, open_only=open_only, late_only=late_only
        )
    if as_json:
        print_json(found)
        return
    if not found:
        typer.echo("No request matches.")
        return
    for request in found:
        state = request["status"] + (" late" if request["late"] else "")
        typer.echo(
            f"{request['id']:>4}  due {request['due_display']:<18} {state:<15} {request['text']}"
        )


@request_app.command("reopen")
def request_reopen(
    request_id: RequestId, reason: Reason, at: At = None, db_path: DbPath = None, by: By = None
) -> None:
    """Open an answered request again: the inspectors want more."""
    from evidence import inspections

    with library(db_path) as conn:
        inspections.reopen_request(conn, request_id, reason=reason, at=at, by=actor(by))
    typer.echo(f"Reopened request {request_id}.")


@request_app.command("withdraw")
def request_withdraw(
    request_id: RequestId, reason: Reason, at: At = None, db_path: DbPath = None, by: By = None
) -> None:
    """Withdraw a request no longer wanted; it is kept, marked withdrawn."""
    from evidence import inspections

    with library(db_path) as conn:
        inspections.withdraw_request(conn, request_id, reason=reason, at=at, by=actor(by))
    typer.echo(f"Withdrew request {request_id}.")
