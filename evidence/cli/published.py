"""The commands for what DfE publishes: the statistical neighbour model (`evidence
neighbours`) and the figures for England, each region and each council (`evidence
published`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evidence.cli import app
from evidence.cli.common import actor, library, print_json, reported_errors
from evidence.cli.options import AsJson, By, DbPath

neighbours_app = typer.Typer(
    help="The council's statistical neighbours, from DfE's statistical neighbour model.",
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(neighbours_app, name="neighbours")


@neighbours_app.callback()
def neighbours(
    ctx: typer.Context,
    code: Annotated[
        str | None,
        typer.Option(
            "--council-code",
            metavar="CODE",
            help="Another council's three-digit code. [default: the library's own]",
            show_default=False,
        ),
    ] = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
) -> None:
    """List the council's ten statistical neighbours by name, nearest first, from the
    latest model imported (`evidence neighbours import FILE`)."""
    if ctx.invoked_subcommand is not None:
        return
    from evidence import catalog, published
    from evidence.errors import Refused

    with library(db_path, only_reads=True) as conn, reported_errors():
        if code is None:
            code = published.our_code(conn)
            new = catalog.setting(conn, "council_new_code")
            if code is None and new is not None:
                raise Refused(
                    f"the library knows the council by its E-code ({new}), and the"
                    " neighbour model names councils by their three-digit codes: import a"
                    " published file that has both (`evidence published import FILE`), or"
                    " set it with `evidence settings --council-code 869`."
                )
            if code is None:
                raise Refused(
                    "the library has no council code: set it with `evidence settings"
                    " --council-code 869` (its three-digit code in DfE's files)."
                )
        found = published.neighbours_of(conn, code.strip())
    if as_json:
        print_json(found)
        return
    council = found["council"]
    typer.echo(
        f"Statistical neighbours of {council['name']} ({council['code']}), nearest first,"
        f" in the {found['year']} model ({found['file']}):"
    )
    for near in found["neighbours"]:
        closeness = f"  {near['closeness']}" if near["closeness"] else ""
        typer.echo(f"{near['rank']:>3}  {near['code']}  {near['name']}{closeness}")


@neighbours_app.command("import")
def neighbours_import(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="DfE's model in its wide form, such as sn_model_2025_wide.csv."
        ),
    ],
    year: Annotated[
        str | None,
        typer.Option(
            "--year",
            metavar="YEAR",
            help="The model's year. [default: the year in the file's name]",
            show_default=False,
        ),
    ] = None,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Import DfE's statistical neighbour model: each council's ten nearest councils,
    nearest first. The same file again changes nothing; a later model is used once
    imported, the earlier kept."""
    from evidence import published

    with library(db_path) as conn, reported_errors():
        done = published.import_neighbours(conn, path, year=year, by=actor(by))
    if done["already"]:
        typer.echo(
            f"{path.name} is in the library already, as the {done['year']} model: nothing"
            " was written."
        )
    else:
        typer.echo(
            f"Imported the {done['year']} statistical neighbour model from {path.name}:"
            f" {done['councils']} councils, each with its nearest."
        )


published_app = typer.Typer(
    help="DfE's published figures for England, each region and each council: every measure"
    " compared with them.",
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(published_app, name="published")

Settings = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        metavar="FILE",
        help="A council's own settings for its usual files. [default: the folder's"
        " published.yml, else the one shipped with the library]",
        show_default=False,
    ),
]


@published_app.callback()
def published_list(ctx: typer.Context, as_json: AsJson = False, db_path: DbPath = None) -> None:
    """List what has been imported: each measure's file, its years, when it was
    published and how many figures it added or revised."""
    if ctx.invoked_subcommand is not None:
        return
    from evidence import published

    with library(db_path, only_reads=True) as conn:
        rows = published.list_imports(conn)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(
            "No published figures yet: import DfE's files with `evidence published import"
            " FILE` (see the README, Compared with others)."
        )
        return
    for row in rows:
        years = row["first_year"] if row["first_year"] == row["last_year"] else (
            f"{row['first_year']} to {row['last_year']}")  # fmt: skip
        typer.echo(
            f"{row['measure']}: {row['file']} ({row['value_column']}), {years},"
            f" published {row['published_on']}: {row['figures']:,} figures"
            f" ({row['period'] or 'period not stated'}; {row['source']})"
        )


@published_app.command("import")
def published_import(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE|FOLDER",
            help="One CSV from Explore Education Statistics, or a folder of them.",
        ),
    ],
    measure: Annotated[
        str | None,
        typer.Option(
            "--measure",
            metavar="CODE",
            help="The measure the figures compare with. [default: as the settings say for"
            " the file's name]",
            show_default=False,
        ),
    ] = None,
    value: Annotated[
        str | None,
        typer.Option(
            "--value", metavar="COLUMN", help="The column holding the figure (with --measure)."
        ),
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where",
            metavar="COLUMN=VALUE",
            help="Only rows where the column holds the value; repeat. Needed when a file"
            " has several rows for a place and year.",
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            metavar="TEXT",
            help='What a year\'s figure covers, said beside it: "year to 31 March".',
        ),
    ] = None,
    published_on: Annotated[
        str | None,
        typer.Option(
            "--published-on",
            metavar="DATE",
            help="When DfE published the figures; packs as of an earlier day leave them out."
            " [default: today]",
            show_default=False,
        ),
    ] = None,
    settings: Settings = None,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Import DfE's published figures for England, every region and every council, year
    by year: all of them, or none.

    A file is read as --measure and --value say, or as the settings file says for its
    name; a folder, as its published.yml (or --settings) says for each measure. The same
    file again changes nothing; a newer release keeps the figures it changes as
    revisions. A letter published instead of a number (c, x, z, u, low, k) is kept, never
    read as 0.
    """
    from evidence import published
    from evidence.errors import InvalidValue

    with library(db_path) as conn, reported_errors():
        if path.is_dir():
            for option, given in (("--measure", measure), ("--value", value),
                                  ("--where", where), ("--period", period)):  # fmt: skip
                if given:
                    raise InvalidValue(
                        option, given, "is for one file: a folder is read as its settings say."
                    )
            reports = published.import_folder(
                conn, path, settings=settings, published_on=published_on, by=actor(by)
            )
        else:
            reports = published.import_file(
                conn, path, measure=measure, value=value, where=published.parse_where(where),
                period=period, settings=settings, published_on=published_on, by=actor(by),
            )  # fmt: skip
    for report in reports:
        _say(report)


def _say(report: dict) -> None:
    if report["file"] is None:
        typer.echo(f"{report['measure']}: no file matching {report['pattern']}; left as it was.")
        return
    name = f"{report['measure']} from {report['file']}"
    if report["already"]:
        typer.echo(f"{name}: imported already; nothing was written.")
        return
    years = report["years"]
    span = years[0] if len(years) == 1 else f"{years[-1]} to {years[0]}"
    if not report["added"] and not report["revised"]:
        typer.echo(f"{name}: every figure ({span}) is as held already; nothing was written.")
    else:
        revised = f"{report['revised']:,} revised" + (
            " (the earlier kept)" if report["revised"] else "")  # fmt: skip
        added = f"{report['added']:,} figure{'' if report['added'] == 1 else 's'} added"
        typer.echo(
            f"Imported {name}: {added}, {revised}, {report['unchanged']:,} unchanged; {span}."
        )
    missing = report["missing_neighbours"]
    if missing:
        names = ", ".join(f"{near['name']} ({near['code']})" for near in missing)
        typer.echo(
            f"Warning: {len(missing)} of the council's statistical neighbours"
            f" {'has' if len(missing) == 1 else 'have'} no figure in {report['file']}: {names}."
            " Averages are of the others, and say how many.",
            err=True,
        )
