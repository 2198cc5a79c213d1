"""The web UI: `evidence serve`, and the accounts that may log in to it (`evidence user`).

Registered on the `evidence` app by `evidence.cli` when the command line names them.
Datasette is imported only once `serve` has checked its options.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from evidence.cli import app
from evidence.cli.common import actor, library, print_json, reported_errors
from evidence.cli.options import AsJson, By, DbPath, PasswordStdin

REFRESH_SECONDS = 30
MAX_WORKERS = 4

user_app = typer.Typer(
    help="Accounts for the web UI: who may log in, as a manager, an analyst or a viewer.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(user_app, name="user")

Name = Annotated[str, typer.Argument(metavar="NAME", help="The account's name, such as j.smith.")]


@app.command()
def serve(
    host: Annotated[
        str,
        typer.Option(
            "--host",
            metavar="ADDRESS",
            help="The address to listen on. Any address beyond this computer needs an"
            " account first.",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        str, typer.Option("--port", metavar="PORT", help="The port to listen on.")
    ] = "8001",
    allowed_hosts: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            metavar="NAME",
            help="A host name or address people type to reach the web UI, such as"
            " evidence.fenmoor.gov.uk; repeat for each. Requests naming any other are"
            " refused. Needed with --host 0.0.0.0.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="Show readiness and the dashboard as they stood at the end of this day."
            " [default: today]",
        ),
    ] = None,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Browse, search and update the library in a web browser (Datasette).

    Everyone who is not at a terminal uses it: heads of service look up and log
    evidence, the performance team checks figures, the director watches readiness.
    Managers and analysts write through its forms, as the account they logged in to;
    with no accounts, in the name --by gives.

    It listens on this computer only (127.0.0.1) unless --host says otherwise; another
    address is refused until an account exists (`evidence user add`), and once one does,
    every page asks for a login. It answers only requests that name it by 127.0.0.1,
    localhost, [::1], the --host given, or an --allowed-host. Stop it with Ctrl-C.
    """
    from evidence import web
    from evidence.dates import as_of_day
    from evidence.errors import InvalidValue

    with reported_errors():
        port_number = _port(port)
        if as_of is not None:
            as_of = as_of_day(as_of).isoformat()
        names = [web.allowed_host(name) for name in allowed_hosts or []]
    accounts = _accounts(db_path)
    path = accounts.library
    with reported_errors():
        loopback = _is_loopback(host)
        if not loopback and not accounts.exists():
            raise InvalidValue(
                "--host",
                host,
                "is reachable from other computers, and the library has no accounts: add"
                " one first (`evidence user add NAME --role manager`), or serve on this"
                " computer only (127.0.0.1).",
            )
        names = _names(host, names)
        _check_free(host, port_number)
        state = web.prepare(path, as_of=as_of, allowed_hosts=names, by=by)
    state.keep_refreshing(REFRESH_SECONDS)
    os.environ[web.SERVE_LIBRARY_ENV] = str(state.library)
    os.environ[web.SERVE_AS_OF_ENV] = as_of or ""
    os.environ[web.SERVE_LOCAL_ENV] = "1" if loopback else ""
    os.environ[web.SERVE_HOSTS_ENV] = ",".join(names)
    os.environ[web.SERVE_BY_ENV] = state.by
    typer.echo(f"Serving the library {path} at http://{names[0]}:{port_number}/")
    if not accounts.exists():
        typer.echo(
            "No accounts: anyone using this computer can browse and query it. Add one with"
            " `evidence user add NAME --role manager` and every page asks for a login."
        )
    typer.echo("Press Ctrl-C to stop.")
    import uvicorn

    # One process per core: Datasette answers a page mostly in Python, one at a time
    # in each process. This process rebuilds the statistics every 30 s if the library
    # changed; the workers rebuild them after their forms write, and before a page shows them.
    uvicorn.run(
        "evidence.web:serving_app",
        factory=True,
        host=host,
        port=port_number,
        workers=_workers(),
        log_level="warning",
    )


def _workers() -> int:
    return max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0))))


def _port(value: str) -> int:
    from evidence.errors import InvalidValue

    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise InvalidValue(
            "--port", value, "must be a whole number from 1 to 65535, such as 8001."
        )
    return int(value)


def _is_loopback(host: str) -> bool:
    """Whether `host` names this computer only: every address it stands for is loopback."""
    from evidence.errors import InvalidValue
    from evidence.web import is_loopback_address

    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return is_loopback_address(host)
    try:
        found = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        raise InvalidValue("--host", host, "is not an address of this computer.") from None
    return all(is_loopback_address(info[4][0].split("%")[0]) for info in found)


def _names(host: str, allowed_hosts: list[str]) -> list[str]:
    """The host names the server is to answer to beyond loopback's: the --host it listens
    on, unless that is every address, and the --allowed-host names."""
    from evidence import web
    from evidence.errors import InvalidValue

    if not web.is_wildcard_address(host):
        return [web.allowed_host(host, "--host"), *allowed_hosts]
    if not allowed_hosts:
        raise InvalidValue(
            "--host",
            host,
            "listens on every address of this computer: name each one people will type"
            " with --allowed-host NAME (the computer's name or address), or serve on one"
            " address with --host.",
        )
    return allowed_hosts


def _check_free(host: str, port: int) -> None:
    from evidence.errors import InvalidValue

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            reason = "is in use" if error.errno == 98 else f"cannot be used ({error.strerror})"
            raise InvalidValue(
                "--port", port, f"{reason} on {host}: choose another with --port."
            ) from None


@user_app.command("add")
def user_add(
    name: Name,
    role: Annotated[
        str,
        typer.Option(
            "--role",
            metavar="ROLE",
            help="manager (browse, search, dashboard; write in the browser; clear child"
            " stories for print), analyst (as a manager but clearing for print, and also"
            " any SQL) or viewer (browse, search, dashboard, inspection page; change"
            " nothing).",
        ),
    ],
    password_stdin: PasswordStdin = False,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Add an account for the web UI. The password is asked for twice (at least 12
    characters), or read from standard input with --password-stdin."""
    from evidence import accounts

    with reported_errors():
        accounts.check_name(name)
        accounts.check_role(role)
    store = _accounts(db_path)
    password = _password(password_stdin)
    with reported_errors():
        store.add(name, role, password, by=actor(by))
    typer.echo(f"Added {name} as {role}: they can log in to `evidence serve` now.")


@user_app.command("list")
def user_list(as_json: AsJson = False, db_path: DbPath = None) -> None:
    """List the accounts, enabled or not. Passwords are never shown."""
    store = _accounts(db_path)
    with reported_errors():
        found = store.list()
    if as_json:
        print_json(found)
        return
    if not found:
        typer.echo("No accounts: the web UI is served on this computer only, to anyone on it.")
        return
    width = max(len(account["name"]) for account in found)
    for account in found:
        state = "enabled" if account["enabled"] else "disabled"
        typer.echo(
            f"{account['name']:<{width}}  {account['role']:<8} {state:<9}"
            f" changed {account['updated_at']} by {account['updated_by']}"
        )


@user_app.command("disable")
def user_disable(name: Name, db_path: DbPath = None, by: By = None) -> None:
    """Disable an account: it cannot log in, and its sessions end for good at their next
    page (enabling it again starts none of them)."""
    with reported_errors():
        changed = _accounts(db_path).disable(name, by=actor(by))
    typer.echo(f"Disabled {name}." if changed else f"{name} was disabled already.")


@user_app.command("enable")
def user_enable(name: Name, db_path: DbPath = None, by: By = None) -> None:
    """Enable a disabled account again."""
    with reported_errors():
        changed = _accounts(db_path).enable(name, by=actor(by))
    typer.echo(f"Enabled {name}." if changed else f"{name} was enabled already.")


@user_app.command("set-role")
def user_set_role(
    name: Name,
    role: Annotated[
        str,
        typer.Argument(
            metavar="ROLE",
            help="manager, analyst or viewer (see `evidence user add --help`).",
        ),
    ],
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Change an account's role; it applies from the account's next page."""
    with reported_errors():
        changed = _accounts(db_path).set_role(name, role, by=actor(by))
    typer.echo(f"{name} is now {role}." if changed else f"{name} was {role} already.")


@user_app.command("password")
def user_password(
    name: Name, password_stdin: PasswordStdin = False, db_path: DbPath = None, by: By = None
) -> None:
    """Set an account's password (asked for twice, or read with --password-stdin): every
    session made with the old one ends."""
    store = _accounts(db_path)
    with reported_errors():
        if name not in {account["name"] for account in store.list()}:
            from evidence.errors import InvalidValue

            raise InvalidValue("account", name, "does not exist: see `evidence user list`.")
    password = _password(password_stdin)
    with reported_errors():
        store.set_password(name, password, by=actor(by))
    typer.echo(f"Changed the password of {name}.")


def _accounts(db_path: Path | None):
    """The accounts of the library at `db_path`, which must exist."""
    import db
    from evidence.accounts import Accounts

    path = Path(db_path or db.default_path())
    with library(path, only_reads=True):
        pass  # exists, is a library, and is migrated
    return Accounts(path)


def _password(from_stdin: bool) -> str:
    from evidence import accounts

    if from_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with reported_errors():
        accounts.check_password(password)
    return password
