"""The commands for what DfE publishes: the statistical neighbour model (`evidence
neighbours`)."""

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
            code = catalog.setting(conn, "council_code")
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
        f" in DfE's {found['year']} model ({found['file']}):"
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
