"""The three roles: a viewer reads what a manager reads and writes nothing; who the web UI's
forms let write, and clear for print; viewers from the command line; and an accounts file
of an earlier version, whose accounts table knew two roles, brought up to date.

One library (the demo, with a file attached and a viewer, a manager and an analyst) is
served for the module; each request says who is asking with the session cookie a login
would give.
"""

import hashlib
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import dump
from proof import ACCESS
from test_web import PASSWORD, Visitor

from evidence import accounts
from evidence.accounts import Accounts
from evidence.web import make_datasette

VIEWER, MANAGER, ANALYST = "v.viewer", "mia.manager", "ann.analyst"
# The accounts table as every version before the viewer made it.
OLD_ACCOUNTS = """
CREATE TABLE accounts (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('manager', 'analyst')),
    password TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE account_changes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    change TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE TABLE failed_logins (name TEXT NOT NULL, at REAL NOT NULL, client TEXT NOT NULL DEFAULT '');
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    client TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    ended_why TEXT
);
CREATE TABLE secret (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL);
CREATE TRIGGER accounts_never_deleted BEFORE DELETE ON accounts BEGIN
    SELECT RAISE(ABORT, 'accounts are never deleted: disable them instead');
END;
"""
OLD_TOKEN = "a session token the browser holds"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The demo library with a file attached to item 1, and one account of each role."""
    from typer.testing import CliRunner

    from evidence.cli import full_app

    folder = tmp_path_factory.mktemp("roles")
    path = folder / "evidence.db"
    attached = folder / "minutes.txt"
    attached.write_text("The panel discussed the zyxomorph protocol for neglect.\n")
    runner = CliRunner()
    for args in (
        ["demo", "--db", path],
        ["edit", "1", "--file", attached, "--db", path, "--by", "tester"],
    ):
        result = runner.invoke(full_app(), [str(arg) for arg in args])
        assert result.exit_code == 0, result.output
    store = Accounts(path)
    for name, role in ((VIEWER, "viewer"), (MANAGER, "manager"), (ANALYST, "analyst")):
        store.add(name, role, PASSWORD, by="tester")
    return make_datasette(path, as_of="2018-03-31")


# What a viewer sees


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/", "Readiness"),
        ("/evidence", "The library"),
        ("/evidence/evidence", "<h1>Evidence"),
        ("/evidence/evidence?_search=zyxomorph", "1 row"),
        ("/evidence/evidence/1", "Evidence: 1</h1>"),
        ("/-/dashboards/readiness", "Readiness dashboard"),
        ("/-/inspection", "<h1>Inspection 1: standard"),
        ("/evidence/everything_about?about=SCR", "Everything about"),
    ],
)
def test_a_viewer_sees_the_pages_a_manager_sees(served, path, shown):
    viewer = Visitor(served, VIEWER).get(path)
    assert viewer.status_code == 200, viewer.text[-2000:]
    assert shown in viewer.text
    assert Visitor(served, MANAGER).get(path).status_code == 200


@pytest.mark.parametrize(("path", "anonymous", "manager", "analyst"), ACCESS)
def test_a_viewer_gets_what_a_manager_gets_at_every_address(
    served, path, anonymous, manager, analyst
):
    assert Visitor(served, VIEWER).get(path).status_code == manager, path


def test_a_viewer_downloads_an_attached_file(served):
    viewer = Visitor(served, VIEWER)
    row = viewer.get("/evidence/evidence_files.json?_shape=array").json()[0]
    link = f"/-/files/{row['sha256']}/minutes.txt"
    assert f'href="{link}"' in viewer.get("/evidence/evidence_files").text
    response = viewer.get(link)
    assert response.status_code == 200
    assert "zyxomorph" in response.text
    assert response.headers["content-disposition"].startswith('attachment; filename="minutes.txt"')


@pytest.mark.parametrize(
    "path",
    [
        "/evidence?sql=select+1",
        "/evidence.json?sql=select+1",
        "/evidence/evidence?_where=id=1",
        "/evidence/changes",
        "/evidence/settings",
        "/evidence/purges",
        "/evidence/erasures",
        "/evidence/_sqlite_migrations",
        "/evidence/evidence_search",
        "/-/databases",
        "/-/actor.json",
    ],
)
def test_a_viewer_is_refused_sql_on_the_library_and_what_is_for_analysts(served, path):
    assert Visitor(served, VIEWER).get(path).status_code == 403, path
    assert Visitor(served, ANALYST).get(path).status_code == 200, path


def test_a_viewer_is_offered_no_sql_but_the_dashboards_figures(served):
    viewer = Visitor(served, VIEWER)
    assert "and SQL queries" not in viewer.get("/").text
    assert "and SQL queries" in Visitor(served, ANALYST).get("/").text
    totals = viewer.get("/stats.json?sql=select+items+from+totals&_shape=array")
    assert totals.status_code == 200 and totals.json()[0]["items"] > 0


def test_the_help_page_says_what_each_role_may_do(served):
    page = Visitor(served, VIEWER).get("/-/help").text
    listed = re.findall(r"<li><strong>(Manager|Analyst|Viewer)</strong>: ([^<]+)\.</li>", page)
    assert listed == [
        ("Manager", accounts.ROLE_MEANINGS["manager"]),
        ("Analyst", accounts.ROLE_MEANINGS["analyst"]),
        ("Viewer", "browse, search and see the dashboard and the inspection page; change nothing"),
    ]
    assert "No one can change the library here" not in page


# Who may write, and clear for print


@pytest.mark.parametrize(
    ("role", "writes", "clears"),
    [
        ("manager", True, True),
        ("analyst", True, False),
        ("viewer", False, False),
        (None, False, False),
        ("owner", False, False),
        ("", False, False),
    ],
)
def test_who_may_write_and_clear_a_child_story_for_print(role, writes, clears):
    assert accounts.can_write(role) is writes
    assert accounts.can_clear_for_print(role) is clears


def test_every_role_has_a_meaning_and_writers_are_roles():
    assert list(accounts.ROLE_MEANINGS) == list(accounts.ROLES) == ["manager", "analyst", "viewer"]
    assert set(accounts.WRITERS) == {"manager", "analyst"}


# From the command line


def test_a_viewer_is_added_from_the_command_line_and_listed(cli, library_path):
    cli.add()
    added = cli("user", "add", VIEWER, "--role", "viewer", "--password-stdin",
                input=PASSWORD + "\n")  # fmt: skip
    assert added.stdout == f"Added {VIEWER} as viewer: they can log in to `evidence serve` now.\n"
    assert Accounts(library_path).check_password(VIEWER, PASSWORD) == "viewer"
    assert re.match(rf"{re.escape(VIEWER)}  viewer   enabled ", cli("user", "list").stdout)
    assert [(a["name"], a["role"]) for a in cli.json("user", "list")] == [(VIEWER, "viewer")]
    cli("user", "set-role", VIEWER, "manager")
    assert cli("user", "set-role", VIEWER, "viewer").stdout == f"{VIEWER} is now viewer.\n"
    assert cli.json("user", "list")[0]["role"] == "viewer"


def test_an_unknown_role_names_every_role_and_writes_nothing(cli, library_path):
    cli.add()
    before = dump(library_path)
    refused = cli("user", "add", "x", "--role", "owner", "--password-stdin",
                  input=PASSWORD + "\n", expect=1)  # fmt: skip
    assert refused.stderr == "Error: role 'owner' must be one of: manager, analyst, viewer.\n"
    assert refused.stdout == ""
    assert not Accounts(library_path).path.exists()
    assert dump(library_path) == before


def test_an_unknown_role_set_on_an_account_changes_nothing(cli, library_path):
    cli.add()
    cli("user", "add", VIEWER, "--role", "viewer", "--password-stdin", input=PASSWORD + "\n")
    store = Accounts(library_path)
    before = dump(store.path)
    refused = cli("user", "set-role", VIEWER, "owner", expect=1)
    assert refused.stderr == "Error: role 'owner' must be one of: manager, analyst, viewer.\n"
    assert dump(store.path) == before


# An accounts file of an earlier version


def old_accounts_file(library) -> Accounts:
    """An accounts file as an earlier version left it: a manager with a live session."""
    store = Accounts(library)
    conn = sqlite3.connect(store.path)
    conn.executescript(OLD_ACCOUNTS)
    at = "2024-05-01T09:00:00Z"
    conn.execute(
        "INSERT INTO accounts VALUES ('old.manager', 'manager', ?, 1, ?, 'tester', ?, 'tester')",
        [accounts.hash_password(PASSWORD), at, at],
    )
    conn.execute(
        "INSERT INTO account_changes (name, change, changed_at, changed_by)"
        " VALUES ('old.manager', 'added as manager', ?, 'tester')",
        [at],
    )
    conn.execute(
        "INSERT INTO sessions (id, name, client, started_at) VALUES (?, 'old.manager', ?, ?)",
        [hashlib.sha256(OLD_TOKEN.encode()).hexdigest(), "127.0.0.1", at],
    )
    conn.execute("INSERT INTO secret VALUES (1, 'the old secret')")
    conn.commit()
    conn.close()
    return store


def test_an_accounts_file_of_an_earlier_version_takes_a_viewer(tmp_path):
    store = old_accounts_file(tmp_path / "evidence.db")
    old = dump(store.path)
    store.add(VIEWER, "viewer", PASSWORD, by="tester")
    new = dump(store.path)
    assert [(a["name"], a["role"], a["enabled"]) for a in store.list()] == [
        ("old.manager", "manager", True),
        (VIEWER, "viewer", True),
    ]
    # The old account is kept whole, column by column, and its session still live.
    assert old["accounts"][0] in new["accounts"]
    assert new["sessions"] == old["sessions"] and new["secret"] == old["secret"]
    assert store.session_role("old.manager", OLD_TOKEN) == "manager"
    assert store.check_password("old.manager", PASSWORD) == "manager"
    assert store.secret() == "the old secret"
    conn = sqlite3.connect(store.path)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(accounts)")]
    assert columns == ["name", "role", "password", "enabled", "created_at", "created_by",
                       "updated_at", "updated_by"]  # fmt: skip
    assert [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    )] == ["accounts_never_deleted"]  # fmt: skip
    with pytest.raises(sqlite3.IntegrityError, match="accounts are never deleted"):
        conn.execute("DELETE FROM accounts WHERE name = 'old.manager'")
    assert "accounts_rebuilt" not in {
        row[0] for row in conn.execute("SELECT name FROM sqlite_master")
    }
    conn.close()
    assert {(row[1], row[2]) for row in new["account_changes"]} == {
        ("old.manager", "added as manager"),
        (VIEWER, "added as viewer"),
    }


def test_an_old_account_may_be_made_a_viewer(tmp_path):
    store = old_accounts_file(tmp_path / "evidence.db")
    assert store.set_role("old.manager", "viewer", by="tester") is True
    assert store.session_role("old.manager", OLD_TOKEN) == "viewer"


def test_an_accounts_file_of_an_earlier_version_is_rebuilt_once_by_many_processes(tmp_path):
    store = old_accounts_file(tmp_path / "evidence.db")
    with ThreadPoolExecutor(8) as pool:
        secrets = set(pool.map(lambda _: Accounts(store.library).secret(), range(16)))
    assert secrets == {"the old secret"}
    assert [account["name"] for account in store.list()] == ["old.manager"]
    store.add(VIEWER, "viewer", PASSWORD, by="tester")
    assert (
        accounts.ROLE_CHECK
        in sqlite3.connect(store.path)
        .execute("SELECT sql FROM sqlite_master WHERE name = 'accounts'")
        .fetchone()[0]
    )
