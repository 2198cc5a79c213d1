"""The options of the `evidence` commands, each defined once.

Every option that more than one command takes is here, so that it reads the same wherever
it appears. An option that one command alone takes, in words of its own (`list --as-of`
says what a month-dated item counts for), is written at that command, and arguments with
the commands of their group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# Every command: which library, who is acting, and making a new library.
DbPath = Annotated[
    Path | None,
    typer.Option(
        "--db",
        metavar="PATH",
        envvar="EVIDENCE_DB",
        help="The library's database. [default: db/evidence.db]",
        show_default=False,
    ),
]
By = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="NAME",
        envvar="EVIDENCE_USER",
        help="Who is acting, for the audit trail. [default: your login name]",
        show_default=False,
    ),
]
Create = Annotated[
    bool,
    typer.Option(
        "--create",
        help="Make a new library at --db if there is none there; without it, a new library"
        " is made only at db/evidence.db in the current folder.",
    ),
]

# What a command reads and how it prints it.
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of", metavar="DATE", help="As things stood at the end of this day. [default: today]"
    ),
]
AreaFilter = Annotated[
    list[str] | None,
    typer.Option("--area", metavar="AREA", help="Only this area and its sub-areas; repeat."),
]
Framework = Annotated[
    str | None,
    typer.Option(
        "--framework",
        metavar="FRAMEWORK",
        help="Framework of the areas: sif, ilacs-2018 or ilacs-2023. [default: sif]",
        show_default=False,
    ),
]
RulesFile = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        metavar="FILE",
        help="A council's own copy of the readiness rules. [default: readiness/rules.yml]",
    ),
]
# The day-one list: a council's own copy, read by `add`, `edit`, `readiness` and `pack`
# (whose `--list` lists the packs printed, so it takes the longer name alone).
_DAY_ONE_LIST_HELP = "A council's own day-one list. [default: readiness/day-one.yml]"
DayOneListFile = Annotated[
    Path | None,
    typer.Option(
        "--list", "--day-one-list", metavar="FILE", help=_DAY_ONE_LIST_HELP, show_default=False
    ),
]
PackDayOneListFile = Annotated[
    Path | None,
    typer.Option("--day-one-list", metavar="FILE", help=_DAY_ONE_LIST_HELP, show_default=False),
]

# An item's fields, as `add` takes them; `edit` shares most.
Title = Annotated[
    str, typer.Option("--title", metavar="TEXT", help="A one-line title (up to 300 characters).")
]
When = Annotated[
    str,
    typer.Option(
        "--date", metavar="DATE", help="Its date: 2017-01-17, 2017-01 (a month) or 2017 (a year)."
    ),
]
Areas = Annotated[
    list[str],
    typer.Option(
        "--area",
        metavar="AREA",
        help="Judgement area, by code or slug (1 or help-protection); repeat.",
    ),
]
Themes = Annotated[
    list[str] | None,
    typer.Option("--theme", metavar="THEME", help="A theme of one of its areas; repeat."),
]
Summary = Annotated[
    str | None, typer.Option("--summary", metavar="TEXT", help="What it shows, in a few lines.")
]
Precision = Annotated[
    str | None,
    typer.Option(
        "--precision",
        metavar="HOW",
        help="How the date is known: approximate, on-or-before or on-or-after"
        " (exact, when editing, clears it).",
    ),
]
FilePath = Annotated[
    list[Path] | None,
    typer.Option(
        "--file",
        metavar="PATH",
        help="Attach a file (PDF, Word, text...: its words become searchable); repeat.",
    ),
]
Link = Annotated[
    str | None, typer.Option("--link", metavar="URL", help="A web address where it is kept.")
]
Owner = Annotated[
    str | None, typer.Option("--owner", metavar="ROLE", help="The role that owns it.")
]
Source = Annotated[
    str | None,
    typer.Option("--source", metavar="ORG", help="The organisation it came from."),
]
Ref = Annotated[
    str | None, typer.Option("--ref", metavar="REF", help="Its reference elsewhere; unique.")
]
Marking = Annotated[
    str | None,
    typer.Option(
        "--marking",
        metavar="MARKING",
        help="official or official-sensitive. [default: official]",
    ),
]
ReviewBy = Annotated[
    str | None,
    typer.Option("--review-by", metavar="DATE", help="When it should be looked at again."),
]

# Imports.
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")
]

# Records of events: the day one happened, and a grade.
On = Annotated[
    str | None,
    typer.Option("--on", metavar="DATE", help="The day it happened. [default: today]"),
]
Grade = Annotated[
    str,
    typer.Option(
        "--grade",
        metavar="GRADE",
        help="outstanding, good, requires-improvement or inadequate.",
    ),
]

# Accounts for the web UI.
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input (for scripts).",
    ),
]
