"""How fast the web UI answers on a 100,000-item library, against bare Datasette on the file.

Three pages, as a person loads them: the evidence table with its facets, a full-text
search, and one area's evidence newest first. Each is asked for by 8 clients at once, a
fixed number of times, of `evidence serve` and of bare `datasette` (its default settings,
no metadata) started on the same file in the same run; the script prints the p50 and p95
of each and the ratio of the p95s. Our p95 should be at most 0.3 of bare Datasette's on
every page and under 400 ms, with every facet metadata.yml configures computed (checked on
each page's JSON: none timed out).

Then the inspection page (/-/inspection), which bare Datasette has no equivalent of, on an
open inspection of 2,000 requests in every state, with what was handed over: asked for by
8 clients as everyone following the inspection asks for it (now, which each server
process works out once a minute and again whenever the library changes), held to a p95
under 300 ms; and, to compare, asked for at a different `as_of` each time, so that every
answer is worked out afresh.

The library (items of every kind, tagged to the SIF's areas and sub-areas, with markings,
claimed and verified items, dates over six years, and titles and summaries in the demo
library's words) is built once and kept in /tmp/evidence-bench/serve-<items>/ for later
runs; --rebuild builds it again. A run takes about 8 minutes on two cores, most of it
waiting for bare Datasette.

    .venv/bin/python bench/serve_latency.py [--items N] [--requests N] [--clients N]
        [--cache FOLDER] [--rebuild]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _results import record

from db import transaction
from db.migrations import migration_names
from evidence.library import open_library

BIN = Path(sys.executable).parent
CACHE = Path(tempfile.gettempdir()) / "evidence-bench"
BUILD_VERSION = 2  # bump when build() changes, so cached libraries are built again
RATIO_GOAL = 0.30
P95_GOAL = 0.400
INSPECTION_REQUESTS = 2_000
INSPECTION_P95_GOAL = 0.300
INSPECTION_NOTIFIED = dt.datetime(2026, 11, 30, 10, 30, tzinfo=dt.UTC)
WARM_UP = 16  # requests of each page, not counted
START_SECONDS = 300  # our server builds its statistics of the whole library first
SEARCH_WORD = "homeless"  # in about 3% of items
STAMP = "2019-01-07T09:00:00Z"

# How often each kind, area, number of tags, date precision, status and marking occurs:
# the demo library's mix, stretched over six years of logging.
KIND_WEIGHTS = {
    "audit": 12, "performance-report": 12, "board-report": 8, "monitoring-letter": 4,
    "lscb-minutes": 6, "plan": 5, "child-story": 7, "voice": 7, "dfe-review": 2,
    "partner-report": 8, "recognition": 3, "inspection-report": 1, "scr": 1, "jtai": 1,
    "focused-visit": 1, "other": 12,
}  # fmt: skip
AREA_WEIGHTS = {"overall": 16, "1": 35, "2": 27, "2.1": 8, "2.2": 18, "3": 29, "lscb": 15}
TAGS_PER_ITEM = (1, 1, 1, 2, 2, 2, 3, 4)
PRECISIONS = ("day",) * 16 + ("month",) * 3 + ("year",)


@dataclass(frozen=True)
class Page:
    name: str
    ours: str
    bare: str
    table: str  # whose configured facets our JSON must show


def build(path: Path, items: int) -> None:
    """A library of `items` evidence items, tagged to areas and themes, written straight to
    its tables through the library's own triggers (audit trail, search indexes). Nothing a
    real library lacks is added: no ANALYZE, no index of our own."""
    from evidence.demo import read

    demo = read()["items"]
    titles = [item["title"] for item in demo if ":" in item["title"]]
    heads = [title.split(":", 1)[0] for title in titles]
    subjects = [title.split(":", 1)[1].strip() for title in titles]
    sentences = [
        sentence
        for item in demo
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(item.get("summary", "").split()))
        if sentence
    ]
    owners = sorted({item["owner"] for item in demo if item.get("owner")})
    sources = sorted({item["source"] for item in demo if item.get("source")}) + [None] * 8
    generator = random.Random(items)
    kinds = list(KIND_WEIGHTS)
    kind_weights = list(KIND_WEIGHTS.values())

    for stale in (path, *(path.parent.glob(f"{path.name}-*")), built_stamp(path)):
        stale.unlink(missing_ok=True)
    conn = open_library(path)
    area_ids = {
        code: area_id
        for area_id, code in conn.execute("SELECT id, code FROM areas WHERE framework = 'sif'")
    }
    codes = list(AREA_WEIGHTS)
    code_weights = list(AREA_WEIGHTS.values())
    themes: dict[int, list[int]] = {}
    for theme_id, area_id in conn.execute("SELECT id, area_id FROM themes"):
        themes.setdefault(area_id, []).append(theme_id)
    first_day = dt.date(2013, 1, 1).toordinal()  # six years of items, 2013 to 2018
    with transaction(conn, by="bench", at=STAMP):
        evidence, tags, theme_tags, purges = [], [], [], []
        for n in range(1, items + 1):
            day = dt.date.fromordinal(first_day + generator.randrange(6 * 365 + 1))
            precision = generator.choice(PRECISIONS)
            if precision == "month":
                day = day.replace(day=1)
            elif precision == "year":
                day = day.replace(month=1, day=1)
            logged = f"{day + dt.timedelta(days=generator.randrange(1, 40))}T10:00:00Z"
            qualifier = "approximate" if generator.random() < 0.03 else None
            roll = generator.random()
            status = "purged" if roll < 0.003 else "withdrawn" if roll < 0.03 else "current"
            claimed = generator.random() < 0.15
            title = f"{generator.choice(heads)}: {generator.choice(subjects)}"[:300]
            summary = " ".join(generator.sample(sentences, generator.choice((1, 2, 2, 3))))
            if status == "purged":
                title, summary = "(purged)", None
                purges.append((n, STAMP, "bench", "Personal data uploaded by mistake."))
            evidence.append(
                (n, generator.choices(kinds, kind_weights)[0],
                 title, summary, str(day), precision, qualifier, generator.choice(owners),
                 generator.choice(sources), f"B{n:06d}" if generator.random() < 0.4 else None,
                 "official-sensitive" if generator.random() < 0.12 else "official",
                 str(day + dt.timedelta(days=365)) if generator.random() < 0.2 else None,
                 status, "Logged twice." if status == "withdrawn" else None,
                 "claimed" if claimed else "verified", logged, logged)
            )  # fmt: skip
            chosen: list[str] = []
            for _ in range(generator.choice(TAGS_PER_ITEM)):
                code = generator.choices(codes, code_weights)[0]
                if code not in chosen:
                    chosen.append(code)
            tags += [(n, area_ids[code]) for code in chosen]
            if n % 2 and themes.get(area_ids[chosen[0]]):
                theme_tags.append((n, generator.choice(themes[area_ids[chosen[0]]])))
        conn.executemany(
            "INSERT INTO evidence (id, kind, title, summary, date, date_precision,"
            " date_qualifier, owner, source, ref, marking, review_by, status, withdrawn_reason,"
            " assurance, created_at, created_by, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'bench', ?, 'bench')",
            evidence,
        )
        conn.executemany("INSERT INTO evidence_areas VALUES (?, ?)", tags)
        conn.executemany("INSERT INTO evidence_themes VALUES (?, ?)", theme_tags)
        conn.executemany(
            "INSERT INTO purges (evidence_id, purged_at, purged_by, reason) VALUES (?, ?, ?, ?)",
            purges,
        )
        add_inspection(conn, generator, owners, INSPECTION_REQUESTS)
    conn.close()
    built_stamp(path).write_text(
        json.dumps({"version": BUILD_VERSION, "items": items}), encoding="utf-8"
    )


def add_inspection(conn, generator: random.Random, owners: list[str], count: int) -> None:
    """An open inspection of `count` requests asked over its first three days, written
    straight to its tables: 60% answered (with one to three items, and a file from
    outside the library for one in five), some of them late, some reopened and answered
    again; 6% reopened and open again, 5% withdrawn, the rest open, many of them late."""
    moment = "%Y-%m-%dT%H:%M:%SZ"
    current = [row[0] for row in conn.execute(
        "SELECT id FROM evidence WHERE status = 'current' AND kind != 'child-story' LIMIT 20000"
    )]  # fmt: skip
    areas = [row[0] for row in conn.execute("SELECT id FROM areas WHERE framework = 'sif'")]
    subjects = ("neglect", "care leavers", "the front door", "children missing from care",
                "supervision", "private fostering", "adoption tracking", "the LADO")  # fmt: skip
    inspectors = ("Jo Bloggs HMI", "Sam Patel HMI", "Alex Reid OI")
    (inspection_id,) = conn.execute(
        "INSERT INTO inspections (framework, type, notified_at, on_site, lead, created_at,"
        " created_by, updated_at, updated_by) VALUES ('sif', 'inspection', ?, ?,"
        " 'Jo Bloggs HMI', ?, 'bench', ?, 'bench') RETURNING id",
        [INSPECTION_NOTIFIED.strftime(moment), "2026-12-01", STAMP, STAMP],
    ).fetchone()
    requests, tags, events, handovers = [], [], [], []
    for n in range(1, count + 1):
        asked = INSPECTION_NOTIFIED + dt.timedelta(minutes=generator.randrange(3 * 24 * 60))
        due = asked + dt.timedelta(hours=generator.choice((2, 4, 6, 24)))
        subject = generator.choice(subjects)
        requests.append(
            (n, inspection_id, f"Audits of {subject} since April, with the audit tool",
             asked.strftime(moment), due.strftime(moment), generator.choice(inspectors),
             generator.choice(owners), STAMP)
        )  # fmt: skip
        tags.append((n, generator.choice(areas)))
        roll = generator.random()
        story = (
            ("answered",) if roll < 0.55
            else ("answered", "reopened", "answered") if roll < 0.60
            else ("answered", "reopened") if roll < 0.66
            else ("withdrawn",) if roll < 0.71
            else ()
        )  # fmt: skip
        at = asked
        for event in story:
            at += dt.timedelta(minutes=generator.randrange(10, 600))
            events.append(
                (len(events) + 1, n, event, at.strftime(moment),
                 int(at > due) if event == "answered" else None,
                 {"reopened": "They want the findings too.", "withdrawn": "Asked twice."}.get(event),
                 STAMP)
            )  # fmt: skip
            if event != "answered":
                continue
            for item in generator.sample(current, generator.choice((1, 1, 2, 3))):
                handovers.append((len(events), item, None, None, None, "official", STAMP))
            if generator.random() < 0.2:
                sha256 = f"{generator.getrandbits(256):064x}"
                handovers.append(
                    (len(events), None, sha256, f"annex-a-{n}.xlsx", 48_213, None, STAMP)
                )
    conn.executemany(
        "INSERT INTO requests (id, inspection_id, text, asked_at, due_at, asked_by, owner,"
        " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'bench')",
        requests,
    )
    conn.executemany("INSERT INTO request_areas VALUES (?, ?)", tags)
    conn.executemany(
        "INSERT INTO request_events (id, request_id, event, at, late, note, created_at,"
        " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, 'bench')",
        events,
    )
    conn.executemany(
        "INSERT INTO handovers (event_id, evidence_id, sha256, name, size, marking,"
        " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, 'bench')",
        handovers,
    )


def built_stamp(path: Path) -> Path:
    return path.with_name(f"{path.name}.built")


def is_built(path: Path, items: int) -> bool:
    """Whether `path` holds the library build() makes, at this version of the schema, with
    every item in its search index. Read without migrating, so nothing is written."""
    try:
        stamp = json.loads(built_stamp(path).read_text(encoding="utf-8"))
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except (OSError, ValueError, sqlite3.Error):
        return False
    try:
        applied = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
        (count,) = conn.execute("SELECT count(*) FROM evidence").fetchone()
        (searchable,) = conn.execute("SELECT count(*) FROM evidence_search").fetchone()
        (unpurged,) = conn.execute(
            "SELECT count(*) FROM evidence WHERE status != 'purged'"
        ).fetchone()
        (requests,) = conn.execute(
            "SELECT count(*) FROM requests JOIN inspections ON inspections.id = inspection_id"
            " WHERE ended_on IS NULL"
        ).fetchone()
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return (
        stamp == {"version": BUILD_VERSION, "items": items}
        and sorted(applied) == sorted(migration_names())
        and count == items
        and searchable == unpurged
        and requests == INSPECTION_REQUESTS
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A web server run as a child process on a port of its own, its output in a log."""

    def __init__(self, name: str, argv: list, port: int, log: Path) -> None:
        self.name, self.port, self.log = name, port, log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    def wait_until_up(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} stopped at start:\n{self.log_tail()}")
            try:
                status, _ = get(self.port, "/-/versions.json", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} did not answer in {seconds} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def get(port: int, path: str, timeout: float = 60) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Run:
    """One server's answers to one page: latencies in seconds, and the errors among them."""

    latencies: list[float]
    wall: float
    errors: list[str]

    @property
    def p50(self) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[49]

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[94]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall

    def describe(self) -> str:
        errors = f", {len(self.errors)} errors ({self.errors[0]})" if self.errors else ""
        return f"p50 {self.p50:.3f} s p95 {self.p95:.3f} s ({self.rate:.1f}/s{errors})"


def load(port: int, path: str | list[str], requests: int, clients: int) -> Run:
    """Ask for `path` `requests` times (or for each of a list of paths in turn), from
    `clients` threads each with a connection of its own kept open (as a browser's is). An
    error page (such as Datasette's "SQL query took too long") is timed like any answer,
    and counted."""
    paths = [path] if isinstance(path, str) else path
    taken = itertools.count()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            while (n := next(taken)) < requests:
                start = time.perf_counter()
                conn.request("GET", paths[n % len(paths)])
                response = conn.getresponse()
                response.read()
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    if response.status != 200:
                        errors.append(f"{response.status} {response.reason}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if len(latencies) < requests:
        raise RuntimeError(f"only {len(latencies)} of {requests} requests of {paths[0]} answered")
    return Run(latencies, wall, errors)


def page_json(port: int, path: str) -> dict:
    """The page's JSON (the same URL with .json), with its facets."""
    page, _, query = path.partition("?")
    url = f"{page}.json" + (f"?{query}" if query else "")
    status, body = get(port, url, timeout=120)
    if status != 200:
        raise RuntimeError(f"{url} answered {status}: {body[:300]!r}")
    return json.loads(body)


def configured_facets(table: str) -> set[str]:
    from evidence.web import LIBRARY, load_metadata

    return set(load_metadata()["databases"][LIBRARY]["tables"][table].get("facets", []))


@dataclass
class Outcome:
    page: Page
    ours: Run
    bare: Run
    wanted: set[str]  # the facets metadata.yml configures
    ours_json: dict
    bare_json: dict

    @property
    def missing_facets(self) -> list[str]:
        computed = set(self.ours_json.get("facet_results") or {})
        return sorted(self.wanted - computed) + list(self.ours_json.get("facets_timed_out") or [])

    @property
    def ratio(self) -> float:
        return self.ours.p95 / self.bare.p95

    @property
    def met(self) -> bool:
        return (
            self.ratio <= RATIO_GOAL
            and self.ours.p95 < P95_GOAL
            and not self.missing_facets
            and not self.ours.errors
        )

    def report(self) -> None:
        print(
            f"serve_latency {self.page.name}: ours {self.ours.describe()}, bare datasette"
            f" {self.bare.describe()}, ratio {self.ratio:.2f} (goal <= {RATIO_GOAL:.2f} and"
            f" p95 < {P95_GOAL:.3f} s): {'met' if self.met else 'missed'}"
        )
        ours, bare = self.ours_json, self.bare_json
        print(
            f"    ours: {ours.get('filtered_table_rows_count')} rows; facets"
            f" {', '.join(sorted(self.wanted))}: "
            + (
                "all computed"
                if not self.missing_facets
                else f"not computed or timed out: {', '.join(self.missing_facets)}"
            )
        )
        print(
            f"    bare: {bare.get('filtered_table_rows_count')} rows; facets computed:"
            f" {', '.join(sorted(bare.get('facet_results') or {})) or 'none'}; timed out:"
            f" {', '.join(bare.get('facets_timed_out') or []) or 'none'};"
            f" {len(bare.get('suggested_facets') or [])} suggested"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="of each page, per server")
    parser.add_argument("--clients", type=int, default=8, help="asking at once")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"default {CACHE}")
    parser.add_argument("--rebuild", action="store_true", help="build the library again")
    options = parser.parse_args()

    folder = options.cache / f"serve-{options.items}"
    library = folder / "evidence.db"  # bare Datasette serves it as /evidence, as we do
    if options.rebuild or not is_built(library, options.items):
        start = time.perf_counter()
        folder.mkdir(parents=True, exist_ok=True)
        build(library, options.items)
        print(f"serve_latency: built {library} in {time.perf_counter() - start:.0f} s")
    conn = sqlite3.connect(f"{library.resolve().as_uri()}?mode=ro", uri=True)
    try:
        (hits,) = conn.execute(
            "SELECT count(*) FROM evidence_search WHERE evidence_search MATCH ?", (SEARCH_WORD,)
        ).fetchone()
    finally:
        conn.close()
    search = urllib.parse.urlencode({"_search": SEARCH_WORD})
    facets = "&".join(f"_facet={name}" for name in sorted(configured_facets("evidence")))
    area = "framework=sif&area_code=2&_sort_desc=date"
    pages = [
        Page("evidence table", "/evidence/evidence",
             f"/evidence/evidence?{facets}&_sort_desc=date", "evidence"),
        Page("full-text search", f"/evidence/evidence?{search}",
             f"/evidence/evidence?{search}", "evidence"),
        Page("one area by date", f"/evidence/evidence_by_area?{area}",
             f"/evidence/evidence_by_area?{area}", "evidence_by_area"),
    ]  # fmt: skip
    print(
        f"serve_latency: {options.items:,} items in {library}; {options.clients} clients at"
        f" once, {options.requests} requests of each page of each server, after {WARM_UP};"
        f" {os.cpu_count()} cores; the search for {SEARCH_WORD!r} finds {hits:,} items"
    )

    ours_port = free_port()
    while (bare_port := free_port()) == ours_port:
        pass
    servers: list[Server] = []
    outcomes: list[Outcome] = []
    try:
        ours = Server(
            "evidence serve",
            [BIN / "evidence", "serve", "--db", library, "--port", str(ours_port)],
            ours_port,
            folder / "evidence-serve.log",
        )
        servers.append(ours)
        bare = Server(
            "datasette",
            [BIN / "datasette", library, "--port", str(bare_port)],
            bare_port,
            folder / "datasette.log",
        )
        servers.append(bare)
        for server in servers:
            server.wait_until_up(START_SECONDS)
        for page in pages:
            ours_json, bare_json = page_json(ours.port, page.ours), page_json(bare.port, page.bare)
            runs = []
            for server, path in ((ours, page.ours), (bare, page.bare)):
                load(server.port, path, WARM_UP, options.clients)
                runs.append(load(server.port, path, options.requests, options.clients))
            outcome = Outcome(page, *runs, configured_facets(page.table), ours_json, bare_json)
            outcome.report()
            record(
                "serve_latency",
                page.name,
                ours=outcome.ours.p95,
                baseline=outcome.bare.p95,
                unit="s",
                baseline_name="bare datasette, p95",
                goal=f"p95 under {P95_GOAL} s, ratio {RATIO_GOAL} or less",
                met=outcome.met,
            )
            outcomes.append(outcome)
        inspection_met = time_inspection_page(ours.port, options.requests, options.clients)
    finally:
        for server in servers:
            server.stop()

    missed = [outcome.page.name for outcome in outcomes if not outcome.met]
    if not inspection_met:
        missed.append("the inspection page")
    print(
        f"serve_latency goals (our p95 at most {RATIO_GOAL:.2f} of bare Datasette's and under"
        f" {P95_GOAL:.3f} s, with every configured facet computed): "
        + ("met on every page" if not missed else f"missed on {', '.join(missed)}")
    )


def time_inspection_page(port: int, requests: int, clients: int) -> bool:
    """The inspection page as everyone following the inspection asks for it, and asked for
    at a different time each request (every answer worked out afresh); whether its p95
    is under INSPECTION_P95_GOAL."""
    status, body = get(port, "/-/inspection", timeout=120)
    shown = re.search(rb"([\d,]+) requests in all", body)
    if status != 200 or not shown:
        raise RuntimeError(f"/-/inspection answered {status}: {body[:300]!r}")
    if int(shown.group(1).replace(b",", b"")) != INSPECTION_REQUESTS:
        raise RuntimeError(f"/-/inspection shows {shown.group(1)!r} requests")
    late = body.count(b'class="request request-late late"')
    # Minutes of the inspection's fourth day, each a board of its own.
    days = [
        INSPECTION_NOTIFIED + dt.timedelta(days=3, minutes=n) for n in range(requests + WARM_UP)
    ]
    afresh = [f"/-/inspection?as_of={day:%Y-%m-%d+%H:%M}Z" for day in days]
    load(port, "/-/inspection", WARM_UP, clients)
    now = load(port, "/-/inspection", requests, clients)
    load(port, afresh[requests:], WARM_UP, clients)
    worked_out = load(port, afresh[:requests], requests, clients)
    met = now.p95 < INSPECTION_P95_GOAL and not now.errors
    print(
        f"serve_latency inspection page ({INSPECTION_REQUESTS:,} requests, {late:,} late,"
        f" a page of {len(body) / 1e6:.1f} MB): now {now.describe()}; worked out afresh each"
        f" time {worked_out.describe()} (goal: p95 of now < {INSPECTION_P95_GOAL:.3f} s):"
        f" {'met' if met else 'missed'}"
    )
    record(
        "serve_latency",
        "inspection page",
        ours=now.p95,
        baseline=worked_out.p95,
        unit="s",
        baseline_name="the page worked out afresh each time (as_of), p95",
        goal=f"p95 under {INSPECTION_P95_GOAL} s",
        met=met,
    )
    return met


if __name__ == "__main__":
    main()
