"""The web UI through Datasette's own test client: who sees what, search, files, pages.

One library (the demo, with a file attached and two accounts) is served for the whole
module; each request says who is asking with the session cookie a login would give.
"""

import asyncio
import re
import sqlite3
import time

import pytest
import yaml
from proof import ACCESS

from evidence.accounts import Accounts
from evidence.library import open_library
from evidence.web import METADATA, make_datasette, plugin
from evidence.web.plugin import COOKIE, SESSION_NAMESPACE

PASSWORD = "correct horse battery"
INTERNAL = {
    "changes", "_sqlite_migrations", "settings", "current_writer", "purges", "area_lineage",
    "area_evidence", "erasures", "form_submissions",
}  # fmt: skip


def run(coroutine):
    return asyncio.run(coroutine)


class Visitor:
    """Someone using the web UI: anonymous, or logged in as an account."""

    def __init__(self, datasette, name: str | None = None) -> None:
        self.datasette = datasette
        self.cookies = {}
        if name:
            token = datasette.evidence_library.accounts.log_in(name, "127.0.0.1")
            session = {"n": name, "t": int(time.time()), "s": token}
            self.cookies[COOKIE] = datasette.sign(session, SESSION_NAMESPACE)

    def get(self, path: str):
        return run(self.datasette.client.get(path, cookies=self.cookies))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The demo library with a file attached to item 1, and a manager and an analyst."""
    from typer.testing import CliRunner

    from evidence.cli import full_app

    folder = tmp_path_factory.mktemp("web")
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
    accounts = Accounts(path)
    accounts.add("mia.manager", "manager", PASSWORD, by="tester")
    accounts.add("ann.analyst", "analyst", PASSWORD, by="tester")
    datasette = make_datasette(path, as_of="2018-03-31")
    return datasette, path


@pytest.fixture(scope="module")
def visible(served):
    """Every table and view of the library, as SQLite lists them."""
    _, path = served
    conn = sqlite3.connect(path)
    names = [
        row[0]
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
    ]
    conn.close()
    return names


def test_every_table_and_view_answers_each_role_as_the_permissions_say(served, visible):
    datasette, _ = served
    anonymous, manager, analyst = (
        Visitor(datasette), Visitor(datasette, "mia.manager"), Visitor(datasette, "ann.analyst")
    )  # fmt: skip
    internal = {
        name
        for name in visible
        if name in INTERNAL or "_fts" in name or name.startswith("evidence_search")
    }
    for name in visible:
        path = f"/evidence/{name}"
        assert analyst.get(path).status_code == 200, path
        assert manager.get(path).status_code == (403 if name in internal else 200), path
        refused = anonymous.get(path)
        assert refused.status_code == 302, path
        assert refused.headers["location"].startswith("/-/login?next=%2Fevidence%2F"), path
        assert anonymous.get(path + ".json").status_code == 403, path
    assert {"evidence", "evidence_by_area", "readings"} <= set(visible) - internal


def test_a_manager_cannot_run_sql_on_the_library_and_an_analyst_can(served):
    datasette, _ = served
    manager, analyst = Visitor(datasette, "mia.manager"), Visitor(datasette, "ann.analyst")
    for path in ("/evidence?sql=select+1", "/evidence.json?sql=select+1",
                 "/evidence/evidence?_where=id=1"):  # fmt: skip
        assert manager.get(path).status_code == 403, path
        assert analyst.get(path).status_code == 200, path
    # Charts query the statistics, which managers may.
    assert manager.get("/stats.json?sql=select+items+from+totals").status_code == 200
    # Canned queries run for a manager.
    found = manager.get("/evidence/everything_about.json?about=Child+F&_shape=array").json()
    assert any(row["what"] == "action" for row in found)
    assert Visitor(datasette).get("/evidence/everything_about?about=x").status_code == 302


def test_a_disabled_account_or_an_old_or_forged_session_is_no_one(served):
    datasette, path = served
    accounts = Accounts(path)
    accounts.add("ex.manager", "manager", PASSWORD, by="tester")
    assert Visitor(datasette, "ex.manager").get("/evidence/evidence").status_code == 200
    accounts.disable("ex.manager", by="tester")
    gone = Visitor(datasette, "ex.manager").get("/evidence/evidence")
    assert gone.status_code == 302, gone.text[-3000:]
    stale = Visitor(datasette)
    token = datasette.evidence_library.accounts.log_in("mia.manager", "127.0.0.1")
    stale.cookies[COOKIE] = datasette.sign(
        {"n": "mia.manager", "t": 1, "s": token}, SESSION_NAMESPACE
    )
    assert stale.get("/evidence/evidence").status_code == 302
    # A session of one account does not let in another.
    other = Visitor(datasette)
    other.cookies[COOKIE] = datasette.sign(
        {"n": "ann.analyst", "t": int(time.time()), "s": token}, SESSION_NAMESPACE
    )
    assert other.get("/evidence/evidence").status_code == 302
    from itsdangerous import URLSafeSerializer

    analyst = {"n": "ann.analyst", "t": int(time.time()), "s": "0" * 16}
    for value, namespace in ((analyst, SESSION_NAMESPACE),
                             ({"a": {"id": "root"}}, "actor")):  # fmt: skip
        forged = Visitor(datasette)
        forged.cookies[COOKIE] = URLSafeSerializer("not the secret", namespace).dumps(value)
        assert forged.get("/evidence/evidence").status_code == 302
        assert forged.get("/-/permissions").status_code in (302, 403)


def test_logging_in_with_the_form_and_out(served):
    datasette, _ = served

    async def journey():
        client = datasette.client
        page = await client.get("/-/login?next=/evidence/evidence")
        token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
        cookies = {"ds_csrftoken": page.cookies["ds_csrftoken"]}
        form = {"csrftoken": token, "name": "mia.manager", "next": "/evidence/evidence"}
        wrong = await client.post(
            "/-/login", data={**form, "password": "not it at all"}, cookies=cookies
        )
        right = await client.post("/-/login", data={**form, "password": PASSWORD}, cookies=cookies)
        elsewhere = await client.post(
            "/-/login",
            data={**form, "password": PASSWORD, "next": "//evil.example/"},
            cookies=cookies,
        )
        return wrong, right, elsewhere

    wrong, right, elsewhere = run(journey())
    assert wrong.status_code == 401
    assert "do not match an account that can log in" in wrong.text
    assert right.status_code == 302 and right.headers["location"] == "/evidence/evidence"
    assert "HttpOnly" in right.headers["set-cookie"]
    assert elsewhere.headers["location"] == "/"
    session = Visitor(datasette)
    session.cookies[COOKIE] = right.cookies[COOKIE]
    assert session.get("/evidence/evidence").status_code == 200


def test_unknown_paths_answer_404_not_500(served):
    datasette, _ = served
    analyst = Visitor(datasette, "ann.analyst")
    for path in ("/nope", "/evidence/no_such_table", "/evidence/evidence/999999", "/-/nope",
                 "/-/files/" + "0" * 64 + "/x.txt"):  # fmt: skip
        assert analyst.get(path).status_code == 404, path


def test_search_finds_a_word_in_an_attached_file(served):
    datasette, _ = served
    manager = Visitor(datasette, "mia.manager")
    found = manager.get("/evidence/evidence.json?_search=zyxomorph&_shape=array").json()
    assert [row["id"] for row in found] == [1]
    assert manager.get("/evidence/evidence.json?_search=adoption&_shape=array").json()
    # Words typed as search syntax are searched for, not obeyed.
    assert manager.get('/evidence/evidence.json?_search=" OR 1=1 --').status_code == 200


def test_files_download_from_the_library_and_nothing_else_does(served):
    datasette, _ = served
    manager = Visitor(datasette, "mia.manager")
    row = manager.get("/evidence/evidence_files.json?_shape=array").json()[0]
    page = manager.get("/evidence/evidence_files").text
    link = f"/-/files/{row['sha256']}/minutes.txt"
    assert f'href="{link}"' in page
    response = manager.get(link)
    assert response.status_code == 200
    assert "zyxomorph" in response.text
    assert response.headers["content-disposition"].startswith('attachment; filename="minutes.txt"')
    for path in (f"/-/files/{row['sha256']}/other.txt", "/-/files/../../etc/passwd",
                 "/-/files/%2e%2e%2f%2e%2e%2fevidence.db/x", f"/-/files/{row['sha256'][:-1]}/minutes.txt"):  # fmt: skip
        response = manager.get(path)
        if response.status_code == 302:  # Datasette's own spelling of %-escapes
            response = manager.get(response.headers["location"])
        assert response.status_code == 404, path
    assert Visitor(datasette).get(link).status_code == 302


def analysts_only(monkeypatch, path, *tables):
    """The web UI on the library at `path` with `tables` made analysts' alone in
    metadata.yml, as a council might make them."""
    import evidence.web

    metadata = evidence.web.load_metadata()
    for table in tables:
        metadata["databases"]["evidence"]["tables"][table]["allow"] = {"role": "analyst"}
    monkeypatch.setattr(evidence.web, "load_metadata", lambda: metadata)
    return make_datasette(path, as_of="2018-03-31")


def test_our_own_pages_refuse_a_table_metadata_keeps_from_the_visitor(served, monkeypatch):
    # Datasette's ensure_permissions stops at the first permission with an answer: asked
    # whether the instance may be seen first, it never reached a table's own allow.
    _, path = served
    datasette = analysts_only(monkeypatch, path, "requests", "evidence_files")
    manager, analyst = Visitor(datasette, "mia.manager"), Visitor(datasette, "ann.analyst")
    file = analyst.get("/evidence/evidence_files.json?_shape=array").json()[0]
    for page in ("/-/inspection", f"/-/files/{file['sha256']}/minutes.txt"):
        assert manager.get(page).status_code == 403, page
        assert analyst.get(page).status_code == 200, page
    assert manager.get("/-/help").status_code == 200


@pytest.mark.parametrize(("path", "anonymous", "manager", "analyst"), ACCESS)
def test_each_visitor_gets_what_the_permissions_say(served, path, anonymous, manager, analyst):
    datasette, _ = served
    got = [
        Visitor(datasette, name).get(path).status_code
        for name in (None, "mia.manager", "ann.analyst")
    ]
    assert got == [anonymous, manager, analyst]


def test_a_stored_file_swapped_for_a_link_to_another_file_is_not_served(served, tmp_path):
    from evidence.files import blob_path

    datasette, library = served
    manager = Visitor(datasette, "mia.manager")
    row = manager.get("/evidence/evidence_files.json?_shape=array").json()[0]
    blob = blob_path(library.parent / "files", row["sha256"])
    outside = tmp_path / "outside.txt"
    outside.write_text("a file from elsewhere on the computer")
    kept = blob.with_name(blob.name + ".kept")
    blob.rename(kept)
    try:
        blob.symlink_to(outside)
        assert manager.get(f"/-/files/{row['sha256']}/minutes.txt").status_code == 404
    finally:
        blob.unlink()
        kept.rename(blob)
    assert manager.get(f"/-/files/{row['sha256']}/minutes.txt").status_code == 200


def test_every_page_carries_the_marking_and_the_council(served):
    datasette, _ = served
    manager = Visitor(datasette, "mia.manager")
    for path in ("/", "/evidence", "/evidence/evidence", "/evidence/evidence/1", "/-/help",
                 "/-/dashboards/readiness", "/evidence/everything_about?about=SCR"):  # fmt: skip
        page = manager.get(path)
        assert page.status_code == 200, path
        assert page.text.count(">OFFICIAL-SENSITIVE</div>") == 2, path
        assert "Fenmoor Borough Council" in page.text, path
        assert page.headers["x-robots-tag"] == "noindex, nofollow"
    login = Visitor(datasette).get("/-/login")
    assert login.status_code == 200 and "Log in" in login.text
    assert Visitor(datasette).get("/robots.txt").text == "User-agent: *\nDisallow: /\n"


def test_the_home_page_rates_each_area_and_links_to_its_evidence(served):
    datasette, _ = served
    page = Visitor(datasette, "mia.manager").get("/").text
    assert "Readiness as of 31 Mar 2018" in page
    for code, rating in (("overall", "RED"), ("1", "RED"), ("2.1", "GREEN"), ("3", "AMBER")):
        assert re.search(
            rf'<span class="code">{re.escape(code)}</span>.*?rag-\w+">{rating}<', page, re.DOTALL
        )
    assert "/evidence/evidence_by_area?framework=sif&amp;area_code=2.1&amp;_sort_desc=date" in page


def test_evidence_by_area_counts_an_item_of_a_sub_area_under_its_parent_once(served):
    datasette, path = served
    manager = Visitor(datasette, "mia.manager")
    conn = open_library(path)
    tagged_to_2_and_21 = conn.execute(
        "SELECT evidence_id FROM evidence_areas JOIN areas ON areas.id = area_id"
        " WHERE framework = 'sif' AND code IN ('2', '2.1') GROUP BY evidence_id"
        " HAVING count(*) = 2"
    ).fetchall()
    conn.close()
    rows = manager.get(
        "/evidence/evidence_by_area.json?framework=sif&area_code=2&_shape=array&_size=max"
    ).json()
    ids = [row["evidence_id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert all(item[0] in ids for item in tagged_to_2_and_21)
    sub = manager.get(
        "/evidence/evidence_by_area.json?framework=sif&area_code=2.1&_shape=array&_size=max"
    ).json()
    assert {row["evidence_id"] for row in sub} <= set(ids)


def test_the_evidence_table_computes_every_configured_facet(served):
    datasette, _ = served
    page = Visitor(datasette, "mia.manager").get("/evidence/evidence.json").json()
    # Datasette 0.65 leaves a facet that timed out out of facet_results.
    assert set(page["facet_results"]) == {"kind", "marking", "assurance", "status"}
    assert page["suggested_facets"] == []


def test_the_dashboard_queries_only_the_statistics(served):
    datasette, _ = served
    metadata = yaml.safe_load(METADATA.read_text())
    charts = metadata["plugins"]["datasette-dashboards"]["readiness"]["charts"]
    manager = Visitor(datasette, "mia.manager")
    for name, chart in charts.items():
        assert chart["db"] == "stats", name
        rows = manager.get("/stats.json?" + _query(chart["query"])).json()["rows"]
        assert rows, name
    assert "Readiness dashboard" in manager.get("/-/dashboards/readiness").text


def _query(sql: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"sql": sql, "_shape": "objects"})


def test_everything_metadata_names_exists_and_everything_shown_is_described(served):
    datasette, path = served
    metadata = yaml.safe_load(METADATA.read_text())
    conn = sqlite3.connect(path)
    stats = sqlite3.connect(datasette.evidence_library.stats)
    for database, db_conn in (("evidence", conn), ("stats", stats)):
        declared = metadata["databases"][database]["tables"]
        actual = {
            row[0]
            for row in db_conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            )
        }
        assert set(declared) <= actual, set(declared) - actual
        for name in actual:
            assert name in declared, f"{database}.{name} is not in metadata.yml"
            table = declared[name]
            columns = {row[1] for row in db_conn.execute(f'PRAGMA table_info("{name}")')}
            if table.get("hidden"):
                continue
            assert table.get("title") and table.get("description"), name
            assert set(table.get("columns", {})) == columns, (
                name,
                columns ^ set(table["columns"]),
            )
            for key in ("facets", "sort", "sort_desc", "label_column"):
                named = table.get(key)
                for column in [named] if isinstance(named, str) else named or []:
                    assert column in columns, (name, key, column)
    conn.close()
    stats.close()


def test_nothing_can_be_written_through_the_web_ui(served):
    datasette, path = served
    analyst = Visitor(datasette, "ann.analyst")
    before = sqlite3.connect(path).execute("SELECT count(*) FROM evidence").fetchone()[0]
    for sql in ("delete from evidence_areas", "update evidence set title = 'x'",
                "insert into settings values ('a', 'b')", "drop table evidence"):  # fmt: skip
        response = analyst.get("/evidence.json?" + _query(sql))
        assert response.status_code in (400, 403), sql
    after = sqlite3.connect(path).execute("SELECT count(*) FROM evidence").fetchone()[0]
    assert before == after
    assert not any(
        query.get("write")
        for query in yaml.safe_load(METADATA.read_text())["databases"]["evidence"][
            "queries"
        ].values()
    )


def test_with_no_accounts_the_person_at_this_computer_is_an_analyst(tmp_path, cli, monkeypatch):
    monkeypatch.setattr(plugin, "CACHE_SECONDS", 0)
    path = tmp_path / "local" / "evidence.db"
    cli("demo", "--db", path)
    datasette = make_datasette(path)
    visitor = Visitor(datasette)
    assert visitor.get("/evidence/evidence").status_code == 200
    assert visitor.get("/evidence?sql=select+1").status_code == 200
    assert visitor.get("/-/login").status_code == 302
    # Once an account exists, the same visitor must log in.
    Accounts(path).add("first.one", "manager", PASSWORD, by="tester")
    assert visitor.get("/evidence/evidence").status_code == 302


def test_facet_counts_are_kept_until_the_library_changes(tmp_path, cli):
    path = tmp_path / "facets" / "evidence.db"
    for title in ("First audit", "Second audit"):
        cli.add("audit", title, "2017-01-10", ["1"], "--db", path, "--create")
    datasette = make_datasette(path)
    cache = datasette.execute.__self__
    asked = []
    counted = cache._execute

    async def counting(db_name, sql, *args, **options):
        asked.append(sql)
        return await counted(db_name, sql, *args, **options)

    cache._execute = counting
    visitor = Visitor(datasette)

    def kinds(facet: str = "kind") -> dict:
        facets = visitor.get("/evidence/evidence.json").json()["facet_results"]
        return {row["value"]: row["count"] for row in facets[facet]["results"]}

    assert kinds() == {"audit": 2}
    facet_queries = sum(" as value, count(*) as count from (" in sql for sql in asked)
    assert facet_queries == 4  # kind, marking, assurance, status
    assert kinds() == {"audit": 2}
    assert sum(" as value, count(*) as count from (" in sql for sql in asked) == facet_queries
    cli.add("voice", "A child's view", "2017-02-10", ["1"], "--db", path)
    assert kinds() == {"audit": 2, "voice": 1}
    cli("withdraw", "1", "--reason", "Superseded", "--db", path)
    assert kinds("status") == {"current": 2, "withdrawn": 1}


def test_the_statistics_follow_the_library(tmp_path, cli):
    path = tmp_path / "follow" / "evidence.db"
    cli.add("audit", "First audit", "2017-01-10", ["1"], "--db", path, "--create")
    datasette = make_datasette(path)
    state = datasette.evidence_library

    def items() -> int:
        return sqlite3.connect(state.stats).execute("SELECT items FROM totals").fetchone()[0]

    assert items() == 1
    assert state.refresh_stats() is False
    cli.add("audit", "Second audit", "2017-02-10", ["1"], "--db", path)
    assert state.refresh_stats() is True
    assert items() == 2


def test_statistics_made_by_an_earlier_version_are_made_again(tmp_path, cli):
    path = tmp_path / "upgraded" / "evidence.db"
    cli.add("audit", "First audit", "2017-01-10", ["1"], "--db", path, "--create")
    stats = make_datasette(path).evidence_library.stats
    conn = sqlite3.connect(stats)
    conn.executescript("DROP TABLE totals; CREATE TABLE totals (id INTEGER PRIMARY KEY);")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    state = make_datasette(path).evidence_library
    assert state.stats == stats
    conn = sqlite3.connect(stats)
    assert conn.execute("SELECT items FROM totals").fetchone()[0] == 1
    conn.close()


# The command line


def test_serve_refuses_another_computer_with_no_accounts(cli, library_path):
    cli.add()
    result = cli("serve", "--host", "0.0.0.0", expect=1)
    assert result.stderr.startswith("Error: --host '0.0.0.0' is reachable from other computers")
    assert result.stderr.count("\n") == 1
    assert not Accounts(library_path).path.exists()


def test_serving_on_every_address_names_the_hosts_it_answers(cli, library_path):
    cli.add()
    cli("user", "add", "j.smith", "--role", "manager", "--password-stdin", input=PASSWORD + "\n")
    result = cli("serve", "--host", "0.0.0.0", expect=1)
    assert result.stderr.startswith("Error: --host '0.0.0.0' listens on every address")
    assert result.stderr.count("\n") == 1
    for bad in ("http://evidence.example", "evidence.example:8001", "*.example", "0.0.0.0",
                "évidence.example", "evidence..example", "[::]"):  # fmt: skip
        result = cli("serve", "--host", "0.0.0.0", "--allowed-host", bad, expect=1)
        assert result.stderr.startswith(f"Error: --allowed-host {bad!r} must be"), bad
        assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("host", "allowed", "names"),
    [
        ("127.0.0.1", [], ["127.0.0.1"]),
        ("localhost", [], ["localhost"]),  # and a name of this computer's, such as vm
        ("10.0.0.5", ["evidence.example"], ["10.0.0.5", "evidence.example"]),
        ("2001:db8:0:0::1", [], ["[2001:db8::1]"]),
        ("0.0.0.0", ["evidence.example"], ["evidence.example"]),
    ],
)
def test_the_server_answers_to_the_host_it_listens_on(host, allowed, names):
    from evidence.cli import web as cli_web

    assert cli_web._names(host, allowed) == names


def test_an_accounts_file_is_brought_up_to_date_by_one_process_at_a_time(tmp_path):
    """Every process of the server opens the accounts file as it starts."""
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "evidence.db"
    conn = sqlite3.connect(Accounts(path).path)
    conn.execute("CREATE TABLE failed_logins (name TEXT NOT NULL, at REAL NOT NULL)")
    conn.close()
    with ThreadPoolExecutor(8) as pool:
        secrets = list(pool.map(lambda _: Accounts(path).secret(), range(16)))
    assert len(set(secrets)) == 1


def test_a_server_process_answers_the_names_serve_gave_it(tmp_path, cli, monkeypatch):
    import httpx

    from evidence import web

    path = tmp_path / "named" / "evidence.db"
    cli.add("audit", "Audit", "2017-01-10", ["1"], "--db", path, "--create")
    web.prepare(path)
    monkeypatch.setenv(web.SERVE_LIBRARY_ENV, str(path))
    monkeypatch.setenv(web.SERVE_LOCAL_ENV, "1")
    monkeypatch.setenv(web.SERVE_HOSTS_ENV, "evidence.example,10.0.0.5")
    app = web.serving_app()

    async def ask(host):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
            return (await client.get("/evidence/evidence.json")).status_code

    assert [run(ask(host)) for host in ("evidence.example", "10.0.0.5:8001", "127.0.0.1",
                                        "localhost", "other.example")] == [200] * 4 + [400]  # fmt: skip


def test_serve_checks_its_options_before_starting(cli):
    cli.add()
    assert "Error: --port 'eighty'" in cli("serve", "--port", "eighty", expect=1).stderr
    assert "Error: --port '70000'" in cli("serve", "--port", "70000", expect=1).stderr
    assert "Error: " in cli("serve", "--as-of", "2017-13-01", expect=1).stderr
    assert "does not exist" in cli("serve", "--db", "/nonexistent/x.db", expect=1).stderr


def test_user_accounts_from_the_command_line(cli, library_path):
    cli.add()
    added = cli("user", "add", "j.smith", "--role", "manager", "--password-stdin",
                input=PASSWORD + "\n")  # fmt: skip
    assert "Added j.smith as manager" in added.stdout
    accounts = Accounts(library_path)
    assert accounts.check_password("j.smith", PASSWORD) == "manager"
    assert accounts.check_password("j.smith", PASSWORD + "x") is None
    stored = sqlite3.connect(accounts.path).execute("SELECT password FROM accounts").fetchone()[0]
    assert PASSWORD not in stored and stored.startswith("scrypt$")
    assert accounts.path.stat().st_mode & 0o077 == 0

    def state() -> tuple:
        (account,) = accounts.list()
        return account["role"], account["enabled"]

    cli("user", "set-role", "j.smith", "analyst")
    assert state() == ("analyst", True)
    cli("user", "password", "j.smith", "--password-stdin", input="another long password\n")
    assert accounts.check_password("j.smith", "another long password") == "analyst"
    cli("user", "disable", "j.smith")
    assert state() == ("analyst", False)
    assert accounts.check_password("j.smith", "another long password") is None
    listed = cli.json("user", "list")
    assert [(a["name"], a["role"], a["enabled"]) for a in listed] == [
        ("j.smith", "analyst", False)
    ]
    assert "password" not in listed[0]
    changes = (
        sqlite3.connect(accounts.path)
        .execute("SELECT change, changed_by FROM account_changes ORDER BY id")
        .fetchall()
    )
    assert changes == [("added as manager", "tester"), ("role set to analyst", "tester"),
                       ("password changed", "tester"), ("disabled", "tester")]  # fmt: skip
    cli("user", "enable", "j.smith")
    assert state() == ("analyst", True)


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["add", "j smith", "--role", "manager"], PASSWORD, "Error: name 'j smith' must be"),
        (
            ["add", "j.smith", "--role", "admin"],
            PASSWORD,
            "Error: role 'admin' must be one of: manager, analyst, viewer.",
        ),
        (
            ["add", "j.smith", "--role", "manager"],
            "short",
            "Error: password '(hidden)' is too short",
        ),
        (["disable", "nobody"], None, "Error: account 'nobody' does not exist"),
        (["set-role", "nobody", "manager"], None, "Error: account 'nobody' does not exist"),
        (["password", "nobody"], PASSWORD, "Error: account 'nobody' does not exist"),
    ],
)
def test_bad_account_commands_say_why_and_change_nothing(cli, library_path, args, stdin, message):
    cli.add()
    if args[0] == "add" or args[0] == "password":
        args = [*args, "--password-stdin"]
    result = cli("user", *args, expect=1, input=(stdin + "\n") if stdin else None)
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1
    assert Accounts(library_path).list() == []


def test_an_account_name_is_taken_once(cli):
    cli.add()
    cli("user", "add", "j.smith", "--role", "manager", "--password-stdin", input=PASSWORD + "\n")
    again = cli("user", "add", "j.smith", "--role", "analyst", "--password-stdin",
                input=PASSWORD + "\n", expect=1)  # fmt: skip
    assert again.stderr == "Error: account 'j.smith' already exists: see `evidence user list`.\n"


def test_the_password_prompt_asks_twice(cli, library_path):
    cli.add()
    cli("user", "add", "j.smith", "--role", "manager", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert Accounts(library_path).check_password("j.smith", PASSWORD) == "manager"


def test_serving_does_not_weigh_on_logging(cli):
    """The web UI's modules stay out of `evidence add`."""
    import subprocess
    import sys

    code = (
        "import sys; from evidence.__main__ import main; sys.argv = ['evidence', 'add', '--help'];"
        "\ntry: main()\nexcept SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('datasette', 'uvicorn', 'evidence') and m.startswith(('datasette', 'uvicorn', 'evidence.web', 'evidence.cli.web'))))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip().splitlines()[-1] == "[]"


def test_five_wrong_passwords_lock_a_name_for_a_while(served):
    datasette, path = served
    Accounts(path).add("locked.out", "manager", PASSWORD, by="tester")

    async def attempts():
        client = datasette.client
        page = await client.get("/-/login")
        token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
        cookies = {"ds_csrftoken": page.cookies["ds_csrftoken"]}
        answers = []
        for password in ["wrong password 1"] * 5 + [PASSWORD]:
            form = {"csrftoken": token, "name": "locked.out", "password": password}
            answers.append(await client.post("/-/login", data=form, cookies=cookies))
        return answers

    answers = run(attempts())
    assert [answer.status_code for answer in answers] == [401] * 6
    assert "Too many failed attempts" in answers[-1].text
    counted = (
        sqlite3.connect(Accounts(path).path)
        .execute("SELECT name, count(*) FROM failed_logins GROUP BY name")
        .fetchall()
    )
    assert ("locked.out", 5) in counted
    assert "mia.manager" not in dict(counted)


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "/\t/evil.example/", "/\\evil.example", "https://evil.example/",
     "/ /evil.example", "/\r\nSet-Cookie: x=1", "evil.example"],
)  # fmt: skip
def test_logging_in_never_sends_anyone_to_another_site(target):
    assert plugin._safe_next(target) == "/"
    assert plugin._safe_next("/evidence/evidence?_search=a+b") == "/evidence/evidence?_search=a+b"


def test_guesses_sent_at_once_are_counted_before_they_are_checked(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    accounts = Accounts(tmp_path / "evidence.db")
    accounts.add("target", "manager", PASSWORD, by="tester")
    with ThreadPoolExecutor(8) as pool:
        refused = list(
            pool.map(lambda _: accounts.attempt_login("target", "192.0.2.1"), range(20))
        )
    assert refused.count(None) == 5
    assert set(refused) == {None, "name"}
    assert accounts.attempt_login("target", "192.0.2.1") == "name"


def test_an_accounts_file_of_an_earlier_version_is_brought_up_to_date(tmp_path):
    accounts = Accounts(tmp_path / "evidence.db")
    conn = sqlite3.connect(accounts.path)
    conn.executescript(
        "CREATE TABLE failed_logins (name TEXT NOT NULL, at REAL NOT NULL);"
        "INSERT INTO failed_logins VALUES ('target', 1e12);"
    )
    conn.close()
    accounts.add("target", "manager", PASSWORD, by="tester")
    assert accounts.attempt_login("target", "192.0.2.1") is None
    token = accounts.log_in("target", "192.0.2.1")
    assert accounts.session_role("target", token) == "manager"


def test_a_new_password_ends_sessions_made_with_the_old_one(served):
    datasette, path = served
    Accounts(path).add("changes.password", "manager", PASSWORD, by="tester")
    before = Visitor(datasette, "changes.password")
    assert before.get("/evidence/evidence").status_code == 200
    Accounts(path).set_password("changes.password", "a whole new password", by="tester")
    assert before.get("/evidence/evidence").status_code == 302
    assert Visitor(datasette, "changes.password").get("/evidence/evidence").status_code == 200


def test_root_is_not_a_name_anyone_can_take(cli):
    cli.add()
    result = cli("user", "add", "root", "--role", "manager", "--password-stdin",
                 input=PASSWORD + "\n", expect=1)  # fmt: skip
    assert result.stderr.startswith("Error: name 'root' is kept for the web server's own use")


def test_no_database_but_the_library_and_its_figures_is_served(served):
    datasette, _ = served
    assert set(datasette.databases) == {"evidence", "stats", "_internal"}
    assert Visitor(datasette, "mia.manager").get("/_memory.json?sql=select+1").status_code == 404


def test_with_no_accounts_a_visitor_from_another_computer_is_no_one(tmp_path, cli):
    path = tmp_path / "remote" / "evidence.db"
    cli.add("audit", "Audit", "2017-01-10", ["1"], "--db", path, "--create")
    datasette = make_datasette(path)

    async def from_elsewhere():
        import httpx

        transport = httpx.ASGITransport(app=datasette.app(), client=("192.0.2.7", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            return await client.get("/evidence/evidence.json")

    assert run(from_elsewhere()).status_code == 403


def test_purge_empties_the_web_uis_figures(cli, library_path):
    item = cli.add("child-story", "Story naming Quixwright", "2017-01-10", ["1"])
    state = make_datasette(library_path).evidence_library
    assert b"Quixwright" in state.stats.read_bytes()
    cli("purge", item, "--reason", "named a child", "--yes")
    for path in library_path.parent.glob("evidence.stats*"):
        assert b"Quixwright" not in path.read_bytes(), path
