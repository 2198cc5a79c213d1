import functools
import http.server
import json
import socket
import sqlite3
import threading
from pathlib import Path

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

from evidence.cli import full_app
from evidence.library import open_library

app = full_app()

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session", autouse=True)
def commands_built_once():
    """Typer's test runner builds an app's whole tree of commands again for every
    invocation (some 40 ms, over more than a thousand invocations); an app's tree never
    changes once built, so each app's is built once and invoked as often as needed."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", functools.cache(typer.main.get_command))
        yield


@pytest.fixture(autouse=True)
def library_path(tmp_path, monkeypatch) -> Path:
    """Every test gets its own library; none touches a real one. It is at the default
    path, db/evidence.db in the folder the test runs in, where a command may make it."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "db" / "evidence.db"
    monkeypatch.setenv("EVIDENCE_DB", str(path))
    monkeypatch.setenv("EVIDENCE_USER", "tester")
    return path


@pytest.fixture
def conn(library_path):
    connection = open_library(library_path)
    yield connection
    connection.close()


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, expect: int = 0, input: str | None = None):
        result = self.runner.invoke(app, [str(arg) for arg in args], input=input)
        if result.exit_code != expect:
            raise AssertionError(
                f"evidence {' '.join(map(str, args))} exited {result.exit_code}, not {expect}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}\n{result.exception!r}"
            )
        return result

    def json(self, *args: str):
        return json.loads(self(*args, "--json").stdout)

    def add(
        self,
        kind: str = "audit",
        title: str = "Audit",
        date: str = "2017-01-10",
        areas=("1",),
        *extra: str,
    ) -> int:
        area_args = [arg for area in areas for arg in ("--area", area)]
        record = self.json("add", kind, "--title", title, "--date", date, *area_args, *extra)
        return record["id"]


@pytest.fixture
def cli() -> Cli:
    return Cli()


def dump(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, to show a failed command changed nothing."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        rows = {
            table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in tables
        }
        # The schema too: a refused command leaves no trigger or index set aside.
        rows["sqlite_master"] = sorted(
            connection.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=repr
        )
        return rows
    finally:
        connection.close()


def free_port() -> int:
    """A loopback port no one is listening on, for a server a test starts."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Listener:
    """A web server on loopback that counts what is asked of it; it may serve one page."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.page: bytes | None = None  # served at /, and not counted, when set
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/" and listener.page is not None:
                    self.send_response(200)
                    self.send_header("content-type", "text/html; charset=utf-8")
                    self.send_header("content-length", str(len(listener.page)))
                    self.end_headers()
                    self.wfile.write(listener.page)
                    return
                listener.asked.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def west_berkshire(cli, library_path):
    """A library with the shipped measures, West Berkshire's code (869) and DfE's 2025
    statistical neighbour model, from ../shared/fixtures/published/."""
    from evidence.measures import DEFINITIONS

    model = SHARED / "fixtures" / "published" / "sn_model_2025_wide.csv"
    if not model.exists():
        pytest.skip(f"the shared fixtures are not beside the project ({model} is absent)")
    cli("measure", "define", "--from-file", DEFINITIONS, "--create")
    cli("settings", "--council-code", "869")
    cli("neighbours", "import", model)
    return library_path
