"""The `evidence` command: a thin Typer layer over the catalogue's functions.

Each command parses, calls one worker, prints. The commands live in modules by group
(items, library, actions, measures, readiness, pack, web), each imported only when the
command line can reach it; heavy modules (rich, YAML, sqlite-utils, WeasyPrint, Datasette)
are imported inside the commands that use them, so that logging an item starts fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="evidence",
    help="The evidence library: log, find and correct the evidence a council shows Ofsted.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Every command and group, in the order `evidence --help` lists them, with the module of
# evidence.cli that defines it. A module is imported only when the command line can reach
# it: `evidence add` need not pay for building every other command's options. Each module
# defines two commands or more, or a group: an app of one command would take its name for
# an argument.
COMMANDS = {
    "add": "items",
    "list": "items",
    "show": "items",
    "edit": "items",
    "withdraw": "items",
    "verify-item": "items",
    "areas": "library",
    "kinds": "library",
    "import": "library",
    "export": "library",
    "bundle": "library",
    "backup": "library",
    "purge": "items",
    "check": "library",
    "demo": "library",
    "grade": "actions",
    "grades": "actions",
    "report": "actions",
    "readiness": "readiness",
    "due": "readiness",
    "pack": "pack",
    "settings": "pack",
    "serve": "web",
    "action": "actions",
    "self-eval": "actions",
    "inspection": "inspections",
    "request": "inspections",
    "measure": "measures",
    "challenge": "measures",
    "neighbours": "published",
    "published": "published",
    "user": "web",
}


def register(argv: list[str]) -> None:
    """Import the command modules this command line needs: the one its first word names,
    or all of them (for --help or a mistyped name); then put the commands in order."""
    import importlib

    first = argv[0] if argv else None
    modules = [COMMANDS[first]] if first in COMMANDS else dict.fromkeys(COMMANDS.values())
    for module in modules:
        importlib.import_module(f"{__name__}.{module}")
    position = {name: number for number, name in enumerate(COMMANDS)}
    app.registered_commands.sort(key=lambda info: position[_command_name(info)])
    app.registered_groups.sort(key=lambda info: position[info.name])


def _command_name(info: typer.models.CommandInfo) -> str:
    """The name a command is called by: its own, or its function's, as Typer makes it."""
    return info.name or info.callback.__name__.replace("_", "-")


def full_app() -> typer.Typer:
    """The app with every command registered (for documentation and tests)."""
    register([])
    return app
