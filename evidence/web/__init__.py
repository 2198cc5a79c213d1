"""The web UI: Datasette on the library, with our metadata, templates and plugin.

`make_datasette()` builds the instance `evidence serve` runs and the tests drive. The
library is always served under the name `evidence` (whatever its file is called), so
that `metadata.yml` applies to it, next to `stats`, the small statistics database the
dashboard queries. Datasette is imported only here, by the commands that serve.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence.errors import EvidenceError

PROJECT = Path(__file__).resolve().parents[2]
TEMPLATES = PROJECT / "templates" / "datasette"
METADATA = PROJECT / "metadata.yml"
LIBRARY = "evidence"
STATS = "stats"
# Datasette's settings for this instance. Facets are computed for the columns
# metadata.yml names, never guessed (suggesting facets costs a query per column on every
# page); each is given time enough on a large library. Nothing is downloaded whole.
SETTINGS = {
    "suggest_facets": False,
    "facet_time_limit_ms": 3000,
    "sql_time_limit_ms": 5000,
    "default_page_size": 50,
    "max_returned_rows": 1000,
    "allow_download": False,
    "truncate_cells_html": 300,
    "default_cache_ttl": 0,
}
SESSION_HOURS = 12


@dataclass
class WebState:
    """What our plugin knows about the instance it serves."""

    library: Path
    stats: Path
    as_of: str | None
    accounts: Any  # evidence.accounts.Accounts
    banner: dict[str, Any] = field(default_factory=dict)
    signature: tuple = ()
    lock: threading.Lock = field(default_factory=threading.Lock)

    def library_signature(self) -> tuple:
        """What changes when anything is written to the library: its file and its
        write-ahead log, by size and time."""
        parts = []
        for path in (self.library, Path(f"{self.library}-wal")):
            try:
                info = path.stat()
                parts.append((info.st_size, info.st_mtime_ns))
            except FileNotFoundError:
                parts.append(None)
        return tuple(parts)

    def refresh_stats(self, *, force: bool = False) -> bool:
        """Rebuild the statistics file if the library changed since it was last built."""
        import db
        from evidence.web import stats

        with self.lock:
            signature = self.library_signature()
            if signature == self.signature and not force:
                return False
            conn = db.open_db(self.library, create=False)
            try:
                self.banner = stats.build(conn, self.stats, as_of=self.as_of)
            finally:
                conn.close()
            self.signature = signature
            return True

    def keep_refreshing(self, seconds: float) -> threading.Thread:
        """Check the library every `seconds` while serving, and rebuild the statistics
        when it has changed; a failure keeps the last figures and says why."""

        def loop() -> None:
            while True:
                time.sleep(seconds)
                try:
                    self.refresh_stats()
                except (EvidenceError, OSError, sqlite3.Error) as error:
                    print(f"Warning: the statistics were not refreshed ({error}).", flush=True)

        thread = threading.Thread(target=loop, name="statistics", daemon=True)
        thread.start()
        return thread


def load_metadata() -> dict[str, Any]:
    import yaml

    with open(METADATA, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def make_datasette(
    library: str | os.PathLike[str],
    *,
    as_of: str | None = None,
):
    """Datasette on the library at `library` (migrated, with its statistics built), as
    things stand at the end of `as_of` (default today)."""
    from datasette.app import Datasette
    from datasette.database import Database
    from datasette.plugins import pm

    import db
    from evidence.accounts import Accounts
    from evidence.web import plugin
    from evidence.web.stats import stats_path

    library = Path(library).resolve()
    db.open_db(library, create=False).close()  # migrated: the views exist
    plugin.quiet_rich_errors()
    if not pm.is_registered(plugin):
        pm.register(plugin, name="evidence-library")
    accounts = Accounts(library)
    state = WebState(
        library=library,
        stats=stats_path(library),
        as_of=as_of,
        accounts=accounts,
    )
    state.refresh_stats(force=True)
    datasette = Datasette(
        [],
        metadata=load_metadata(),
        template_dir=str(TEMPLATES),
        static_mounts=[("assets", str(TEMPLATES / "static"))],
        settings=SETTINGS,
        secret=_secret(accounts),
    )
    datasette.add_database(Database(datasette, path=str(library), is_mutable=True), name=LIBRARY)
    datasette.add_database(Database(datasette, path=str(state.stats), is_mutable=True), name=STATS)
    datasette.evidence_library = state
    return datasette


def _secret(accounts) -> str:
    """The secret that signs sessions and forms, kept with the accounts so that logins
    survive a restart; one for this run alone if that file cannot be written."""
    try:
        return accounts.secret()
    except (OSError, sqlite3.Error):
        return secrets.token_hex(32)
