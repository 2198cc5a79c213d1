"""The commands for performance measures and the challenges raised against their figures.

Registered on the `evidence` app by `evidence.cli` when the command line names them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evidence.cli import app
from evidence.cli.common import actor, library, print_import_report, print_json, warn_record
from evidence.cli.options import AsJson, AsOf, By, Create, DbPath, Framework, On

measure_app = typer.Typer(
    help="Performance measures: their monthly figures, revisions and what they say.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
challenge_app = typer.Typer(
    help="Challenges to a month's figure: the question, and what it turned out to be.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

Code = Annotated[str, typer.Argument(metavar="CODE", help="The measure's code, e.g. cp-visits.")]
Period = Annotated[str, typer.Argument(metavar="PERIOD", help="The month, e.g. 2017-02.")]


@measure_app.command("define")
def measure_define(
    code: Annotated[
        str | None, typer.Argument(metavar="[CODE]", help="A short code, e.g. cp-visits.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", metavar="TEXT", help="What it measures.")
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", metavar="UNIT", help="percent, count, rate or days.")
    ] = None,
    better: Annotated[
        str | None, typer.Option("--better", metavar="WAY", help="higher or lower.")
    ] = None,
    floor: Annotated[
        str | None,
        typer.Option(
            "--floor", metavar="X", help="The worst acceptable figure, in its direction."
        ),
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", metavar="Y", help="The figure aimed for.")
    ] = None,
    area: Annotated[
        str | None, typer.Option("--area", metavar="AREA", help="The judgement area it informs.")
    ] = None,
    context: Annotated[
        bool | None,
        typer.Option(
            "--context/--rated",
            help="Context: shown for comparison, never rated. [default: rated, or as defined]",
            show_default=False,
        ),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file", metavar="FILE", help="Define every measure in a YAML file instead."
        ),
    ] = None,
    framework: Framework = None,
    db_path: DbPath = None,
    create: Create = False,
    by: By = None,
) -> None:
    """Define a measure, or change its definition (only the options given change; --floor
    "" clears the floor).

    Floor and target are read in the measure's direction: for a lower-is-better measure, a
    figure above the floor is the breach. The common measures ship in
    evidence/measures.yml (--from-file).
    """
    from evidence import measures
    from evidence.errors import InvalidValue

    with library(db_path, may_create=True, create=create) as conn:
        if from_file is not None:
            counts = measures.define_from_file(conn, from_file, by=actor(by))
            typer.echo(
                f"Measures from {from_file.name}: {counts['added']} added,"
                f" {counts['updated']} updated, {counts['unchanged']} unchanged."
            )
            return
        if code is None:
            raise InvalidValue("code", "", "is missing: give the measure's code, or --from-file.")
        outcome = measures.define_measure(
            conn,
            code,
            name=name,
            unit=unit,
            better=better,
            floor=floor,
            target=target,
            area=area,
            context=context,
            framework=framework,
            by=actor(by),
        )
    typer.echo(f"Measure {measures.vocab.normalise(code)} {outcome}.")


@measure_app.command("record", context_settings={"ignore_unknown_options": True})
def measure_record(
    code: Code,
    period: Period,
    value: Annotated[
        str | None, typer.Argument(metavar="[VALUE]", help="The figure, e.g. 87 or 87%.")
    ] = None,
    numerator: Annotated[
        str | None, typer.Option("--numerator", metavar="N", help="How many met the measure.")
    ] = None,
    denominator: Annotated[
        str | None, typer.Option("--denominator", metavar="D", help="Out of how many.")
    ] = None,
    note: Annotated[
        str | None,
        typer.Option("--note", metavar="TEXT", help='A note, or the figure in words ("lower").'),
    ] = None,
    reported_on: Annotated[
        str | None,
        typer.Option(
            "--reported-on", metavar="DATE", help="When it was reported. [default: today]"
        ),
    ] = None,
    source_id: Annotated[
        int | None,
        typer.Option("--source", metavar="ID", help="The performance report it came from."),
    ] = None,
    claimed: Annotated[
        bool, typer.Option("--claimed", help="A figure nobody has checked yet.")
    ] = False,
    revises: Annotated[
        bool, typer.Option("--revises", help="It corrects the month's figure (needs --reason).")
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", metavar="TEXT", help="Why the figure was revised.")
    ] = None,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Record a month's figure.

    A month that has a figure takes another only with --revises --reason: the new figure
    becomes current, and the old one stays on record with the reason and the day.
    """
    from evidence import measures

    with library(db_path) as conn:
        measures.record_reading(
            conn,
            code,
            period,
            value,
            numerator=numerator,
            denominator=denominator,
            note=note,
            reported_on=reported_on,
            source_id=source_id,
            claimed=claimed,
            revises=revises,
            reason=reason,
            by=actor(by),
        )
        detail = measures.measure_detail(conn, code)
    month = measures.parse_period(period)
    warn_record(f"the reading of {detail['code']} for {month}", [note, reason])
    entry = next(m for m in detail["series"] if m["period"] == month)
    typer.echo(
        f"{'Revised' if revises else 'Recorded'} {detail['code']} for"
        f" {measures.month_name(month)}: {measures.describe_reading(detail, entry)}."
    )


@measure_app.command("show")
def measure_show(
    code: Code, as_of: AsOf = None, as_json: AsJson = False, db_path: DbPath = None
) -> None:
    """A measure's series with a sparkline, its floor and target, every revision and
    challenge, and what it says in plain words."""
    from evidence import measures
    from evidence.cli import render

    with library(db_path, only_reads=True) as conn:
        detail = measures.measure_detail(conn, code, as_of=as_of)
    if as_json:
        print_json(detail)
    else:
        typer.echo(render.measure_text(detail))


@measure_app.command("list")
def measure_list(as_of: AsOf = None, as_json: AsJson = False, db_path: DbPath = None) -> None:
    """The latest figure of every measure, with its status and what it says."""
    from evidence import measures
    from evidence.cli import render

    with library(db_path, only_reads=True) as conn:
        found = measures.list_measures(conn, as_of=as_of)
    if as_json:
        print_json(found)
    else:
        render.measures_table(found)


@measure_app.command("import")
def measure_import(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="A .csv or .xlsx of figures.")],
    reported_on: Annotated[
        str | None,
        typer.Option(
            "--reported-on",
            metavar="DATE",
            help="When the figures were reported. [default: the file's reported_on column, else"
            " the first day of the month after each figure's month]",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every cell and report; write nothing.")
    ] = False,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Import figures from a performance report: all of them, or none.

    Long (columns measure, period, value, and optionally numerator, denominator, note,
    reported_on, source) or wide (a measure column and one column per month, titles above
    the header and blank rows skipped). Measures by code or name. Every bad cell is
    named; a month's figure that is already recorded is left alone, and a different one
    is refused (a revision needs its reason).
    """
    from evidence import measure_import as importer

    with library(db_path) as conn:
        report = importer.import_figures(
            conn, path, reported_on=reported_on, dry_run=dry_run, by=actor(by)
        )
    print_import_report(
        path,
        added=report.added,
        noun="figure",
        unchanged=report.unchanged,
        how=report.shape,
        dry_run=dry_run,
    )


@challenge_app.command("raise")
def challenge_raise(
    code: Code,
    period: Period,
    question: Annotated[
        str, typer.Option("--question", metavar="TEXT", help="What about the figure is doubted.")
    ],
    on: On = None,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Question a month's figure."""
    from evidence import measures

    with library(db_path) as conn:
        challenge_id = measures.raise_challenge(
            conn, code, period, question=question, on=on, by=actor(by)
        )
    warn_record(f"challenge {challenge_id}", [question])
    typer.echo(f"Raised challenge {challenge_id}.")


@challenge_app.command("resolve")
def challenge_resolve(
    challenge_id: Annotated[int, typer.Argument(metavar="ID", help="The challenge's id.")],
    cause: Annotated[
        str,
        typer.Option(
            "--cause",
            metavar="CAUSE",
            help="reporting-error, late-entry, recording-error or genuine.",
        ),
    ],
    answer: Annotated[str, typer.Option("--answer", metavar="TEXT", help="What was found.")],
    on: On = None,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Record what a challenge found: its cause, and the answer.

    A reporting error is corrected by revising the figure (`measure record --revises`);
    late data entry deserves a further challenge to the team.
    """
    from evidence import measures

    with library(db_path) as conn:
        measures.resolve_challenge(
            conn, challenge_id, cause=cause, answer=answer, on=on, by=actor(by)
        )
    warn_record(f"the answer to challenge {challenge_id}", [answer])
    typer.echo(
        f"Resolved challenge {challenge_id}: {measures.CAUSE_NAMES[measures.vocab.normalise(cause)]}."
    )


@challenge_app.command("list")
def challenge_list(
    as_of: AsOf = None,
    show_all: Annotated[bool, typer.Option("--all", help="Resolved challenges too.")] = False,
    as_json: AsJson = False,
    db_path: DbPath = None,
) -> None:
    """Challenges open on a day (with --all, resolved ones too)."""
    from evidence import measures
    from evidence.cli import render

    with library(db_path, only_reads=True) as conn:
        rows = measures.challenge_rows(conn, as_of=as_of, open_only=not show_all)
    if as_json:
        print_json(rows)
    else:
        typer.echo(render.challenges_text(rows))


app.add_typer(measure_app, name="measure")
app.add_typer(challenge_app, name="challenge")
