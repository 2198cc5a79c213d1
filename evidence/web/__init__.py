"""The web UI: Datasette on the library, with our metadata, templates and plugin.

`make_datasette()` builds the instance `evidence serve` runs and the tests drive. The
library is always served under the name `evidence` (whatever its file is called), so
that `metadata.yml` applies to it, next to `stats`, the small statistics database the
dashboard queries. Datasette is imported only here, by the commands that serve.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence import project
from evidence.errors import EvidenceError

TEMPLATES = project.TEMPLATES / "datasette"
METADATA = project.METADATA
LIBRARY = "evidence"
STATS = "stats"
# Datasette's settings for this instance. Facets are computed for the columns
# metadata.yml names, never guessed (suggesting facets costs a query per column on every
# page); each is given time enough on a large library. A page shows 25 rows: an
# item has 26 columns, and at 100,000 items a search's p95 under load fell from 0.49 s
# to 0.35 s from 50 rows to 25 (bench/serve_latency.py). Nothing is downloaded whole.
SETTINGS = {
    "suggest_facets": False,
    "facet_time_limit_ms": 3000,
    "sql_time_limit_ms": 5000,
    "default_page_size": 25,
    "max_returned_rows": 1000,
    "allow_download": False,
    "truncate_cells_html": 300,
    "default_cache_ttl": 0,
}
SESSION_HOURS = 12
BANNER_SECONDS = 2.0
# After a form's write, the statistics are rebuilt once this long has passed with no other.
REFRESH_DELAY = 0.5
# How `evidence serve` tells its worker processes what to serve.
SERVE_LIBRARY_ENV = "EVIDENCE_SERVE_LIBRARY"
SERVE_AS_OF_ENV = "EVIDENCE_SERVE_AS_OF"
SERVE_LOCAL_ENV = "EVIDENCE_SERVE_LOCAL"
SERVE_HOSTS_ENV = "EVIDENCE_SERVE_HOSTS"
SERVE_BY_ENV = "EVIDENCE_SERVE_BY"
# The names this computer goes by on loopback, answered by every server.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclass
class WebState:
    """What our plugin knows about the instance it serves."""

    library: Path
    stats: Path
    as_of: str | None
    accounts: Any  # evidence.accounts.Accounts
    # Served on this computer only: with no accounts, the person at it is an analyst.
    local: bool = True
    # The host names a request may use: a browser sends the one in its address bar.
    allowed_hosts: frozenset[str] = frozenset(LOOPBACK_HOSTS)
    # Who writes from the browser when there are no accounts, for the audit trail: the
    # `--by` (or EVIDENCE_USER) that `evidence serve` was started with.
    by: str = "unknown"
    signature: tuple = ()
    lock: threading.Lock = field(default_factory=threading.Lock)
    _banner: tuple[float, dict[str, Any], tuple] = (0.0, {}, ())
    _soon: dict[str, Any] = field(default_factory=dict)
    _soon_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def banner(self) -> dict[str, Any]:
        """What every page shows (the marking, the council, the day), as the statistics
        last built say: read again at most every 2 seconds, in whichever process serves,
        and at once when the library has changed. The marking is read from the library
        itself, so the page after a form that logged the first OFFICIAL-SENSITIVE item says
        so before the statistics are rebuilt."""
        read_at, banner, seen = self._banner
        signature = self.library_signature()
        if time.monotonic() - read_at < BANNER_SECONDS and signature == seen:
            return banner
        about = self._about()
        if about is None:
            return banner
        banner = about
        banner["today"] = banner.get("today") == "True"
        marking = self._marking()
        if marking:
            banner["marking"] = marking
        self._banner = (time.monotonic(), banner, signature)
        return banner

    def _marking(self) -> str | None:
        """The highest marking of anything in the library, read from it; None if it
        cannot be read (the statistics' own stands)."""
        from evidence.web import stats

        try:
            conn = sqlite3.connect(f"{self.library.as_uri()}?mode=ro", uri=True)
            try:
                return stats.marking(conn)
            finally:
                conn.close()
        except sqlite3.Error:
            return None

    def library_signature(self) -> tuple:
        """What changes when anything is written to the library: its file and its
        write-ahead log, by size and time. An empty log (a reader opening the library
        makes one) is no change."""
        from evidence.dates import as_of_day

        parts: list[Any] = [as_of_day(self.as_of)]  # "today" moves at midnight
        for path in (self.library, Path(f"{self.library}-wal")):
            try:
                info = path.stat()
            except FileNotFoundError:
                info = None
            parts.append((info.st_size, info.st_mtime_ns) if info and info.st_size else None)
        return tuple(parts)

    def refresh_stats(self, *, force: bool = False) -> bool:
        """Rebuild the statistics file if the library changed since it was last built, by
        this process or another one serving it (the file says what it was built from)."""
        from evidence.library import open_library
        from evidence.web import stats

        with self.lock:
            signature = self.library_signature()
            if signature == self.signature and not force:
                return False
            if not force and (self._about() or {}).get("built_from") == repr(signature):
                self.signature = signature
                self._banner = (0.0, {}, ())
                return False
            conn = open_library(self.library, create=False)
            try:
                stats.build(conn, self.stats, as_of=self.as_of, built_from=repr(signature))
            finally:
                conn.close()
            self._banner = (0.0, {}, ())
            self.signature = signature
            return True

    def _about(self) -> dict[str, Any] | None:
        """What the statistics file says of itself (the banner, the state of the library
        it was built from); None if it cannot be read."""
        try:
            conn = sqlite3.connect(f"file:{self.stats}?mode=ro", uri=True)
            try:
                rows = conn.execute("SELECT key, value FROM about").fetchall()
            finally:
                conn.close()
        except sqlite3.Error:
            return None
        return {key: value for key, value in rows}

    def refresh_soon(self, delay: float = REFRESH_DELAY) -> None:
        """Rebuild the statistics in the background once no write has come for `delay`
        seconds: a burst of forms makes one rebuild, not one each, and no form waits for
        it. A page that shows the figures rebuilds them first if they are behind
        (evidence.web.guard), so none shows figures older than the library."""
        with self._soon_lock:
            self._soon["at"] = time.monotonic() + delay
            thread = self._soon.get("thread")
            if thread is not None and thread.is_alive():
                return
            thread = threading.Thread(target=self._refresh_when_quiet, daemon=True)
            self._soon["thread"] = thread
        thread.start()

    def _refresh_when_quiet(self) -> None:
        while True:
            with self._soon_lock:
                wait = self._soon["at"] - time.monotonic()
                if wait <= 0:
                    self._soon["thread"] = None
                    break
            time.sleep(wait)
        try:
            self.refresh_stats()
        except (EvidenceError, OSError, sqlite3.Error) as error:
            print(f"Warning: the statistics were not refreshed ({error}).", flush=True)

    def keep_refreshing(self, seconds: float) -> threading.Thread:
        """Check the library every `seconds` while serving, and rebuild the statistics
        when it has changed; a failure keeps the last figures and says why."""

        def loop() -> None:
            from evidence.web.forms import sweep_uploads

            while True:
                time.sleep(seconds)
                try:
                    sweep_uploads(self.library)
                    self.refresh_stats()
                except (EvidenceError, OSError, sqlite3.Error) as error:
                    print(f"Warning: the statistics were not refreshed ({error}).", flush=True)

        thread = threading.Thread(target=loop, name="statistics", daemon=True)
        thread.start()
        return thread


def is_loopback_address(address: str) -> bool:
    """Whether `address` (an IP address) is this computer's own."""
    ip = _ip(address)
    return bool(ip and ip.is_loopback)


def is_wildcard_address(address: str) -> bool:
    """Whether `address` listens on every address of this computer (0.0.0.0, ::)."""
    ip = _ip(address)
    return bool(ip and ip.is_unspecified)


def host_name(value: str) -> str:
    """The host name of a `Host` header, as `allowed_host` writes it (`Localhost:8001` is
    `localhost`, `[2001:db8:0::1]:8001` is `[2001:db8::1]`), or "" if it is not one."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, port = value[1:].partition("]")
        ip = _ip(name)
        if not bracket or not ip or ip.version != 6:
            return ""
        if port and not (port.startswith(":") and port[1:].isdigit()):
            return ""
        return f"[{ip}]"
    name, colon, port = value.partition(":")
    if colon and not port.isdigit():
        return ""
    ip = _ip(name)
    if ip is not None:
        return str(ip) if ip.version == 4 else ""
    return name if _host(name) else ""


def allowed_host(value: str, field: str = "--allowed-host") -> str:
    """A host name or address given to `evidence serve --host` or `--allowed-host`, as
    requests will name it; an error if it is not one (a port, a scheme or a wildcard)."""
    from evidence.errors import InvalidValue

    text = value.strip().lower()
    bracketed = text.startswith("[") and text.endswith("]")
    ip = _ip(text[1:-1] if bracketed else text)
    if ip is not None and not ip.is_unspecified and (ip.version == 6 or not bracketed):
        return f"[{ip}]" if ip.version == 6 else str(ip)
    if ip is None and not bracketed and _host(text):
        return text
    raise InvalidValue(
        field,
        value,
        "must be a host name or an address, with no port, scheme or wildcard, such as"
        " evidence.fenmoor.gov.uk or 10.0.0.5 (a name with letters beyond a-z in its"
        " xn-- form).",
    )


def _ip(text: str):
    """`text` as an IP address, or None if it is not one."""
    import ipaddress

    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _host(text: str) -> bool:
    return len(text) <= 253 and all(_LABEL.fullmatch(label) for label in text.split("."))


async def ensure_can_view(datasette, actor, tables: Sequence[str] = (), database: str = LIBRARY):
    """Refuse (Datasette's Forbidden) a visitor who may not see the web UI, or any of
    `tables` of `database`, as metadata.yml says. Datasette's ensure_permissions stops at
    the first of its permissions that has an answer, so each table is asked about as
    Datasette's own table page asks, most particular first: its own `allow`, then its
    database's, then the instance's (which, asked first, would answer for every table)."""
    await datasette.ensure_permissions(actor, ["view-instance"])
    for table in tables:
        await datasette.ensure_permissions(
            actor,
            [("view-table", (database, table)), ("view-database", database), "view-instance"],
        )


def load_metadata() -> dict[str, Any]:
    import yaml

    with open(METADATA, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def prepare(
    library: str | os.PathLike[str],
    *,
    as_of: str | None = None,
    allowed_hosts: Sequence[str] = (),
    by: str | None = None,
) -> WebState:
    """The library at `library` migrated (the views exist) and its statistics built, as
    things stand at the end of `as_of` (default today), to be served under the loopback
    names and `allowed_hosts`; `by` writes from the browser when there are no accounts."""
    from evidence.library import open_library

    state = _state(library, as_of, allowed_hosts, by)
    open_library(state.library, create=False).close()
    _secret(state.accounts)  # made (or brought up to date) once, before any worker starts
    from evidence.web.forms import sweep_uploads

    sweep_uploads(state.library)  # left by a server killed while reading a form
    state.refresh_stats(force=True)
    return state


def serving_app():
    """The ASGI app of one of `evidence serve`'s worker processes: the library named in
    the environment, migrated and its statistics built (and kept) by the command itself."""
    state = _state(
        os.environ[SERVE_LIBRARY_ENV],
        os.environ.get(SERVE_AS_OF_ENV) or None,
        [name for name in os.environ.get(SERVE_HOSTS_ENV, "").split(",") if name],
        os.environ.get(SERVE_BY_ENV) or None,
    )
    state.local = os.environ.get(SERVE_LOCAL_ENV) == "1"
    return make_datasette(state.library, state=state).app()


def _state(
    library: str | os.PathLike[str],
    as_of: str | None,
    allowed_hosts: Sequence[str] = (),
    by: str | None = None,
) -> WebState:
    from evidence.accounts import Accounts
    from evidence.disk import statistics_path
    from evidence.fields import check_actor

    library = Path(library).resolve()
    return WebState(
        by=check_actor(by or _login_name()),
        library=library,
        stats=statistics_path(library, as_of),
        as_of=as_of,
        accounts=Accounts(library),
        allowed_hosts=frozenset(LOOPBACK_HOSTS) | {allowed_host(name) for name in allowed_hosts},
    )


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def make_datasette(
    library: str | os.PathLike[str],
    *,
    as_of: str | None = None,
    allowed_hosts: Sequence[str] = (),
    by: str | None = None,
    state: WebState | None = None,
):
    """Datasette on the library at `library`, as things stand at the end of `as_of`
    (default today), answering to the loopback names and `allowed_hosts`: migrated and
    its statistics built, unless `state` says they are."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from evidence.web import plugin
    from evidence.web.bounds import BoundedDatabase

    state = state or prepare(library, as_of=as_of, allowed_hosts=allowed_hosts, by=by)
    plugin.adjust_datasette()
    if not pm.is_registered(plugin):
        pm.register(plugin, name="evidence-library")
    datasette = Datasette(
        [],
        metadata=load_metadata(),
        template_dir=str(TEMPLATES),
        static_mounts=[("assets", str(TEMPLATES / "static"))],
        settings=SETTINGS,
        secret=_secret(state.accounts),
    )
    datasette.remove_database("_memory")  # an in-memory database anyone may query: not here
    for name, path in ((LIBRARY, state.library), (STATS, state.stats)):
        datasette.add_database(
            BoundedDatabase(datasette, path=str(path), is_mutable=True), name=name
        )
    datasette.evidence_library = state
    datasette.execute = FacetCache(state.library, datasette.execute).execute
    return datasette


# The query Datasette's facets run: `select <column> as value, count(*) as count from (`.
FACET_SQL = re.compile(r"\s*select \S+ as value, count\(\*\) as count from \(")


class FacetCache:
    """Facet counts, which every visitor to a page of the library asks for again, change
    only when the library does: kept in each server process, keyed by the query, and
    forgotten when SQLite's data_version says another connection has written, or the day
    turns in UTC (views count against SQLite's date('now'), which is UTC). Nothing else
    is kept."""

    SIZE = 512

    def __init__(self, library: Path, execute) -> None:
        self._execute = execute
        self._watch = sqlite3.connect(
            f"{library.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
        )
        self._stamp: tuple = ()
        self._results: OrderedDict[tuple, Any] = OrderedDict()

    async def execute(self, db_name, sql, params=None, **options):
        if db_name != LIBRARY or not FACET_SQL.match(sql):
            return await self._execute(db_name, sql, params, **options)
        stamp = (
            self._watch.execute("PRAGMA data_version").fetchone()[0],
            time.strftime("%F", time.gmtime()),
        )
        if stamp != self._stamp:
            self._stamp = stamp
            self._results.clear()
        given = sorted(params.items()) if isinstance(params, dict) else list(params or ())
        key = (sql, repr(given), repr(sorted(options.items())))
        if key in self._results:
            self._results.move_to_end(key)
            return self._results[key]
        results = await self._execute(db_name, sql, params, **options)  # raises if timed out
        self._results[key] = results
        if len(self._results) > self.SIZE:
            self._results.popitem(last=False)
        return results


def _secret(accounts) -> str:
    """The secret that signs sessions and forms, kept with the accounts so that logins
    survive a restart; one for this run alone if that file cannot be written."""
    try:
        return accounts.secret()
    except (OSError, sqlite3.Error):
        return secrets.token_hex(32)
