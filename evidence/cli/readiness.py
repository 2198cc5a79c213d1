"""The commands of the read side: how ready each area is, and what falls due.

Registered on the `evidence` app by `evidence.cli` when the command line names them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from evidence.cli import app
from evidence.cli.common import library, print_json
from evidence.cli.options import AsJson, AsOf, DayOneListFile, DbPath, Framework, RulesFile


@app.command()
def readiness(
    as_of: AsOf = None,
    framework: Framework = None,
    rules: RulesFile = None,
    day_one_list: DayOneListFile = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
) -> None:
    """How ready each judgement area is, and why.

    Rates each area red, amber or green from the library alone: how recent its verified
    evidence, audits and child stories are, its self-evaluation, overdue actions, its
    measures against floor and target, open data challenges and the share of its themes
    with current evidence. A parent area is rated no better than its sub-areas, overall
    effectiveness no better than the areas it sums up. Every rating comes with the
    findings behind it, worst first.
    """
    from readiness import assess
    from readiness import rules as readiness_rules
    from readiness.terminal import readiness_table

    with library(db_path, only_reads=True) as conn:
        chosen = readiness_rules.load(conn, rules, day_one=day_one_list)
        found = assess.assess(conn, as_of=as_of, framework=framework, rules=chosen)
    if as_json:
        print_json(found["areas"])
    else:
        readiness_table(found)


@app.command()
def due(
    within: Annotated[
        str,
        typer.Option(
            "--within", metavar="DAYS", help="How many days ahead to look.", show_default=True
        ),
    ] = "7",
    as_of: AsOf = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
) -> None:
    """What needs looking at this week: evidence past or near its review-by date, and
    open actions overdue or due within the window."""
    from readiness import due as due_soon
    from readiness.terminal import due_text

    with library(db_path, only_reads=True) as conn:
        found = due_soon.due(conn, within=within, as_of=as_of)
    if as_json:
        print_json(found)
    else:
        typer.echo(due_text(found))
