"""The commands for actions, grades and self-evaluation: what others asked of the
council, what inspections judged, and what the council says of itself.

Registered on the `evidence` app by `evidence.cli`; the same thin layer: parse, call one
worker, print.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from evidence.cli import app
from evidence.cli.common import (
    actor,
    library,
    plural,
    print_import_report,
    print_json,
    reported_errors,
    warn_record,
)
from evidence.cli.options import (
    AreaFilter,
    AsJson,
    AsOf,
    By,
    Create,
    DbPath,
    DryRun,
    Framework,
    Grade,
    On,
    Owner,
)

action_app = typer.Typer(
    help="Actions: recommendations to act on, their updates and the tracker.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
self_eval_app = typer.Typer(
    help="Self-evaluation: the council's own dated view of each area.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

ActionId = Annotated[
    int, typer.Argument(metavar="ACTION_ID", help="The action id, as `action list` shows it.")
]
NewDue = Annotated[
    str | None,
    typer.Option("--due", metavar="DATE", help='A new due date ("" for none).'),
]
SourceId = Annotated[
    int,
    typer.Argument(
        metavar="SOURCE_ID", help="The evidence id of the report, review or letter it came from."
    ),
]


@action_app.command("add")
def action_add(
    source_id: SourceId,
    text: Annotated[str, typer.Option("--text", metavar="TEXT", help="What is to be done.")],
    ref: Annotated[
        str | None, typer.Option("--ref", metavar="REF", help="Its reference, e.g. 3.2.")
    ] = None,
    owner: Owner = None,
    agency: Annotated[
        str | None, typer.Option("--agency", metavar="ORG", help="The lead agency.")
    ] = None,
    due: Annotated[
        str | None, typer.Option("--due", metavar="DATE", help="When it is due, if a date is set.")
    ] = None,
    areas: Annotated[
        list[str] | None,
        typer.Option("--area", metavar="AREA", help="Its area; repeat. [default: the source's]"),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", metavar="STATUS", help="Its status then. [default: not-started]"),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option("--on", metavar="DATE", help="The day it was agreed. [default: today]"),
    ] = None,
    framework: Framework = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Record an action (or recommendation) from a source item of evidence.

    Statuses: not-started, in-progress, complete-awaiting-assurance, closed, paused. An
    action with no --due is "not set", never overdue.
    """
    from evidence import actions

    with library(db_path) as conn:
        action_id = actions.add_action(
            conn,
            source_id,
            text=text,
            ref=ref,
            owner=owner,
            agency=agency,
            due=due,
            areas=areas or (),
            status=status,
            on=on,
            framework=framework,
            by=actor(by),
        )
        action = actions.get_action(conn, action_id)
        from evidence import catalog, privacy

        quoting = catalog.get_evidence(conn, source_id)["kind"] in privacy.KINDS
    warn_record(f"action {action_id}", [text, owner, agency, ref], names=quoting)
    if as_json:
        print_json(action)
        return
    from evidence.cli.render import due_text

    typer.echo(
        f"Recorded action {action_id} of evidence {source_id}: due {due_text(action)},"
        f" {action['status'].replace('-', ' ')}."
    )


@action_app.command("update")
def action_update(
    action_id: ActionId,
    status: Annotated[
        str | None, typer.Option("--status", metavar="STATUS", help="Its new status.")
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", metavar="TEXT", help="A progress note.")
    ] = None,
    due: NewDue = None,
    evidence_id: Annotated[
        int | None,
        typer.Option("--evidence", metavar="ID", help="Evidence that shows it done."),
    ] = None,
    on: On = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Record a change to an action on a day: status, due date, a note, evidence.

    Every update is kept with its day and author, so the tracker can be read as of any
    day; --on lets a tracker be typed in after the fact.
    """
    from evidence import actions
    from evidence.actions import STATUS_NAMES
    from evidence.cli.render import due_text

    with library(db_path) as conn:
        action = actions.update_action(
            conn,
            action_id,
            status=status,
            note=note,
            due=due,
            evidence_id=evidence_id,
            on=on,
            by=actor(by),
        )
    warn_record(f"the note on action {action_id}", [note])
    if as_json:
        print_json(action)
        return
    typer.echo(
        f"Updated action {action_id}: {STATUS_NAMES[action['status']]}, due {due_text(action)};"
        f" RAG {action['rag'] or 'not rated (closed)'}."
    )


@action_app.command("edit")
def action_edit(
    action_id: ActionId,
    text: Annotated[
        str | None, typer.Option("--text", metavar="TEXT", help="What is to be done, corrected.")
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", metavar="NAME", help='Who owns it ("" for nobody).'),
    ] = None,
    agency: Annotated[
        str | None,
        typer.Option("--agency", metavar="ORG", help='The lead agency ("" for none).'),
    ] = None,
    due: NewDue = None,
    areas: Annotated[
        list[str] | None,
        typer.Option("--area", metavar="AREA", help="Its areas, replacing the old; repeat."),
    ] = None,
    framework: Framework = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Correct an action: its text, owner, agency, areas or due date.

    The old values are kept: `action show` lists every edit with who made it and when. A
    new due date is recorded as an update of today, so the tracker as of an earlier day
    still shows the date it had then.
    """
    from evidence import actions

    with library(db_path) as conn:
        changed = actions.edit_action(
            conn,
            action_id,
            text=text,
            owner=owner,
            agency=agency,
            due=due,
            areas=areas,
            framework=framework,
            by=actor(by),
        )
        action = actions.get_action(conn, action_id)
    if changed:
        warn_record(f"action {action_id}", [text, owner, agency])
    if as_json:
        print_json({"changed": changed, "action": action})
        return
    if not changed:
        typer.echo(f"Nothing changed: action {action_id} already says that.")
        return
    typer.echo(f"Edited action {action_id}: {', '.join(changed)}.")


@action_app.command("list")
def action_list(
    open_only: Annotated[bool, typer.Option("--open", help="Only actions not closed.")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue actions.")] = False,
    source_id: Annotated[
        int | None, typer.Option("--source", metavar="ID", help="Only actions from this item.")
    ] = None,
    areas: AreaFilter = None,
    as_of: AsOf = None,
    include_withdrawn: Annotated[
        bool,
        typer.Option("--include-withdrawn", help="Also actions whose source was withdrawn."),
    ] = False,
    framework: Framework = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
) -> None:
    """The tracker: every action as it stood on a day, grouped by source, with its RAG.

    Overdue: due before the day and not complete-awaiting-assurance or closed on it
    (a paused action past its due date is overdue). Red: overdue. Amber: due within 30
    days, or paused. Green: on track, or complete and awaiting assurance; green is not
    the same as done.
    """
    from evidence import actions
    from evidence.actions import RAG_MEANINGS
    from evidence.cli import render

    with library(db_path, only_reads=True) as conn:
        found = actions.list_actions(
            conn,
            as_of=as_of,
            open_only=open_only,
            overdue_only=overdue,
            source_id=source_id,
            areas=areas or (),
            framework=framework,
            include_withdrawn=include_withdrawn,
        )
        day = actions.as_of_day(as_of).isoformat()
    if as_json:
        print_json(found)
    else:
        render.actions_table(found, day, RAG_MEANINGS)


@action_app.command("show")
def action_show(
    action_id: ActionId, as_of: AsOf = None, as_json: AsJson = False, db_path: DbPath = None
) -> None:
    """One action with every update, as it stood on a day."""
    from evidence import actions
    from evidence.cli import render

    with library(db_path, only_reads=True) as conn:
        action = actions.get_action(conn, action_id, as_of=as_of)
    if as_json:
        print_json(action)
    else:
        typer.echo(render.action_detail(action))


@action_app.command("export")
def action_export(
    format: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="csv or xlsx. [default: csv]")
    ] = "csv",
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="Write to this file (needed for xlsx)."),
    ] = None,
    as_of: AsOf = None,
    db_path: DbPath = None,
) -> None:
    """The action tracker as councils share it, grouped by source, as CSV or Excel.

    It imports back with `evidence action import`.
    """
    from evidence import actions, disk, tracker
    from evidence.errors import EvidenceError, InvalidValue, UnknownValue

    kind = format.strip().lower()
    with reported_errors():
        if kind not in tracker.FORMATS:
            raise UnknownValue("format", format, tracker.FORMATS)
        if kind == "xlsx" and out is None:
            raise InvalidValue("out", "", "is needed for xlsx: give the file to write.")
    with library(db_path, only_reads=True) as conn:
        if out is not None:
            from evidence.custody import refuse_inside_library

            refuse_inside_library(conn, out, "out")
        rows = tracker.rows_for(conn, actions.list_actions(conn, as_of=as_of))
        database = disk.database_file(conn)
    if out is None:
        with reported_errors():
            tracker.write_csv(rows, sys.stdout)
        return
    with reported_errors(), disk.at_work(database, "export") as work:
        try:
            tracker.write(rows, out, kind, work=work)
        except OSError as error:
            raise EvidenceError(f"out '{out}' cannot be written ({error.strerror}).") from None
    typer.echo(f"Exported {plural(len(rows), 'action')} to {out}.", err=True)


@action_app.command("import")
def action_import(
    path: Annotated[
        Path, typer.Argument(metavar="FILE", help="A .csv or .xlsx tracker (or .json, .yml).")
    ],
    dry_run: DryRun = False,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Import a tracker of actions: all of them, or none.

    Columns: source (the evidence id or ref of the source), ref, text, agency, owner,
    agreed_on, due_on, status, status_on, note, areas. A row whose source and ref are
    already an action updates it (a changed status, due date or note becomes an update
    dated status_on, default today), so running an import again is safe.
    """
    from evidence import tracker

    with reported_errors():
        rows = tracker.read_rows(path)
    with library(db_path) as conn:
        report = tracker.import_actions(conn, path, rows, by=actor(by), dry_run=dry_run)
    print_import_report(
        path,
        added=report.added,
        noun="action",
        updated=report.updated,
        unchanged=report.unchanged,
        dry_run=dry_run,
    )
    for number, row in rows:
        fields = ("text", "note", "owner", "agency", "ref")
        warn_record(f"row {number}", [_text(row.get(field)) for field in fields])


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@app.command()
def grade(
    source_id: SourceId,
    area: Annotated[str, typer.Option("--area", metavar="AREA", help="The area it graded.")],
    grade: Grade,
    framework: Framework = None,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Record the grade an inspection report gave an area.

    The grade takes the report's date. "Requires improvement to be good" is accepted
    as requires-improvement.
    """
    from evidence import grades

    with library(db_path) as conn:
        grades.record_grade(
            conn, source_id, area=area, grade=grade, framework=framework, by=actor(by)
        )
    typer.echo(
        f"Recorded: evidence {source_id} graded area {area}"
        f" {grades.GRADE_NAMES[grades.parse_grade(grade)]}."
    )


@app.command("grades")
def grades_(
    as_of: AsOf = None,
    history: Annotated[bool, typer.Option("--history", help="Every grade, oldest first.")] = False,
    framework: Framework = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
) -> None:
    """The latest grade of each area on a day, with its date and report.

    A newer report that did not grade an area leaves the older grade standing, shown
    with the older date and report, never as if the newer report had given it.
    """
    from evidence import grades
    from evidence.cli import render

    with library(db_path, only_reads=True) as conn:
        table = grades.grade_table(conn, as_of=as_of, framework=framework, history=history)
    if as_json:
        print_json(table)
    else:
        render.grades_table(table, history)


@self_eval_app.command("set")
def self_eval_set(
    area: Annotated[str, typer.Argument(metavar="AREA", help="The area, by code or slug.")],
    grade: Grade,
    text_file: Annotated[
        Path | None,
        typer.Option("--text-file", metavar="FILE", help="The self-evaluation, in Markdown."),
    ] = None,
    text: Annotated[
        str | None, typer.Option("--text", metavar="TEXT", help="A short one, typed in.")
    ] = None,
    on: On = None,
    framework: Framework = None,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Record the council's own view of an area: a grade and why, dated.

    Earlier self-evaluations are kept; `self-eval show --history` lists them.
    """
    from evidence import grades
    from evidence.errors import InvalidValue

    with reported_errors():
        if (text is None) == (text_file is None):
            raise InvalidValue(
                "text", text or "", "and --text-file: give one of them, not both or neither."
            )
        body = grades.read_text_file(text_file) if text_file is not None else text
    with library(db_path) as conn:
        grades.set_self_evaluation(
            conn, area, grade=grade, text=body, on=on, framework=framework, by=actor(by)
        )
    warn_record(f"the self-evaluation of area {area}", [body])
    typer.echo(
        f"Recorded the self-evaluation of area {area}:"
        f" {grades.GRADE_NAMES[grades.parse_grade(grade)]}."
    )


@self_eval_app.command("show")
def self_eval_show(
    area: Annotated[
        str | None, typer.Argument(metavar="[AREA]", help="One area. [default: every area]")
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Every version, oldest first.")
    ] = False,
    as_of: AsOf = None,
    framework: Framework = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
) -> None:
    """The latest self-evaluation of each area (or one), and earlier ones with --history."""
    from evidence import grades
    from evidence.cli import render

    with library(db_path, only_reads=True) as conn:
        rows = grades.self_evaluations(
            conn, area, as_of=as_of, history=history, framework=framework
        )
    if as_json:
        print_json(rows)
    else:
        typer.echo(render.self_evaluations_text(rows))


app.add_typer(action_app, name="action")
app.add_typer(self_eval_app, name="self-eval")


@app.command()
def report(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE", help="Published Ofsted reports, as their PDFs.", show_default=False
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and check each report; write nothing.")
    ] = False,
    as_json: AsJson = False,
    published: Annotated[
        str | None,
        typer.Option(
            "--published",
            metavar="DATE",
            help="The day the report was published, for a report that prints none (ILACS"
            " reports do not). [default: the day it prints, else its last day of fieldwork]",
        ),
    ] = None,
    other_council: Annotated[
        bool,
        typer.Option(
            "--other-council",
            help="Log another council's report: the item alone, without grades or actions.",
        ),
    ] = False,
    db_path: DbPath = None,
    create: Create = False,
    by: By = None,
) -> None:
    """Read published Ofsted reports and log each whole: the report as an item with its
    PDF attached, every judgement as a grade, every recommendation as an action.

    Reads reports of the Single Inspection Framework (with or without the review of the
    LSCB, and re-inspections) and ILACS reports of the 2018 and 2023 frameworks; the
    framework follows from the judgements the report prints. ILACS reports do not say
    whether an inspection was short: fieldwork of five working days or fewer is.
    Recommendations become actions agreed on the item's date, under the area the report
    lists them under (the LSCB's under lscb, the rest under overall), with no due date or
    owner: set them with `evidence action edit`. A report already in the library is left
    alone. Whatever cannot be read with certainty is refused, one Error line a file, and
    then nothing is written.
    """
    import dataclasses
    import datetime as dt

    from evidence import ofsted, reports
    from evidence.errors import EvidenceError, InvalidValue
    from evidence.files import examine

    with reported_errors():
        published_on = reports.parse_published(published)
        if published_on and published_on > dt.date.today():
            raise InvalidValue("--published", published, "is in the future.")
    readings: list[reports.Reading | None] = []
    errors: dict[int, str] = {}
    for index, path in enumerate(files):
        try:
            incoming = examine(path, read_text=False)
            report_read, pages = ofsted.read_report(path)
            if not dry_run:  # every page, for search: one that cannot be read refuses the file
                incoming = dataclasses.replace(incoming, text=pages.all_text())
            readings.append(reports.Reading(report_read, pages, incoming))
        except EvidenceError as error:
            errors[index] = str(error)
            readings.append(None)
    import contextlib

    import db

    def checked(conn) -> list[dict]:
        done, problems = reports.sort_out(
            conn, readings, other_council=other_council, published=published_on
        )
        errors.update(problems)
        return done

    # A library is opened (and made) only to be written to: a dry run, or a command that
    # will write nothing, checks the reports alone when there is no library yet.
    if not Path(db_path or db.default_path()).exists():
        with reported_errors():
            done = checked(None)
        bare = dry_run or bool(errors)
    else:
        bare = False
    opened = (
        contextlib.nullcontext(None)
        if bare
        else library(db_path, may_create=not dry_run, create=create, only_reads=dry_run)
    )
    with opened as conn:
        if not bare:
            done = checked(conn)
        if errors and not dry_run:
            for index in sorted(errors):
                typer.echo(f"Error: {errors[index]}", err=True)
            raise typer.Exit(1)
        if not dry_run:
            reports.log_readings(
                conn, done, by=actor(by), published=published_on, other_council=other_council
            )
        others = {
            id(e["reading"]): reports.is_other_council(conn, e["reading"].report) for e in done
        }
    if as_json:
        print_json([_report_json(entry, dry_run) for entry in done])
    else:
        for entry in done:
            _print_report(entry, dry_run, others[id(entry["reading"])], published_on)
    # A dry run shows what it could read, then what it could not.
    for index in sorted(errors):
        typer.echo(f"Error: {errors[index]}", err=True)
    if errors:
        raise typer.Exit(1)


def _report_json(entry: dict, dry_run: bool) -> dict:
    reading = entry["reading"]
    data = {**reading.report.as_json(), "sha256": reading.file.sha256}
    if entry["already"]:
        data["already_in_library"] = entry["already"]
    elif not dry_run:
        data["item"] = entry["item"]
        data["actions"] = entry["actions"]
        data["inspection"] = entry["inspection"]
    return data


def _print_report(entry: dict, dry_run: bool, others: bool, published) -> None:
    from evidence import reports
    from evidence.dates import format_day
    from evidence.grades import GRADE_NAMES

    reading = entry["reading"]
    report_read = reading.report
    name = report_read.file.name
    if entry["already"]:
        typer.echo(f"{name} {entry['already']} Nothing was written for it.")
        return
    grades_said = ", ".join(f"{code} {GRADE_NAMES[g]}" for code, g in report_read.grades.items())
    count = plural(len(report_read.recommendations), "recommendation")
    day = format_day(reports.item_day(report_read, published).isoformat())
    if dry_run:
        # Everything that would be written, for a person to check against the PDF.
        import textwrap

        where = (
            "as the report prints"
            if report_read.published
            else "by --published"
            if published
            else "the last day of fieldwork: the report prints no publication date"
        )

        def wrapped(text: str, first: str, rest: str) -> list[str]:
            return textwrap.wrap(
                text,
                width=88,
                initial_indent=first,
                subsequent_indent=rest,
                break_on_hyphens=False,
            )

        lines = [f"Dry run of {name}: nothing was written.", f"  {reports.title(report_read)}"]
        lines += wrapped(
            f"Fieldwork {format_day(report_read.start.isoformat())} to"
            f" {format_day(report_read.end.isoformat())}; dated {day} ({where}).",
            "  ",
            "    ",
        )
        lines += wrapped(f"Grades: {grades_said}.", "  ", "    ")
        if others:
            lines.append("  Another council's report: it would be logged alone, without grades.")
        lines.append(f"  {count}:")
        for position, recommendation in enumerate(report_read.recommendations, start=1):
            label = f"{recommendation.number or position}."
            if recommendation.area != "overall":
                label += f" [{recommendation.area}]"
            for number, paragraph in enumerate(recommendation.text.split("\n")):
                first = f"    {label} " if number == 0 else "      "
                lines += wrapped(paragraph, first, "      ")
        typer.echo("\n".join(lines))
        return
    if entry["other_council"]:
        typer.echo(
            f"Logged evidence {entry['item']}: {reports.title(report_read)}, dated {day}"
            " (another council's report: no grades or actions)."
        )
        return
    typer.echo(
        f"Logged evidence {entry['item']}: {reports.title(report_read)}, dated {day};"
        f" {plural(len(report_read.grades), 'grade')} and"
        f" {plural(len(entry['actions']), 'action')}."
        + (
            f" It is the report of inspection {entry['inspection']}."
            if entry["inspection"]
            else ""
        )
    )
    for action_id, recommendation in zip(entry["actions"], report_read.recommendations):
        warn_record(f"action {action_id}", [recommendation.text])
