"""How long a manager waits from sending the "log evidence" form to seeing the saved item,
with 8 managers logging at once, against `evidence add` run from 8 processes at once.

A real `evidence serve` serves a demo library with 8 manager accounts, each logged in with
a browser of its own (its own cookies). The 8 start together, each logging 50 items in
turn as a person does: open the form (/-/log, not counted), send it (multipart, as a
browser sends it, with no file chosen), follow the 303 to the item's page. What is timed
is the send to the saved page's last byte. Before its 50, each manager sends one form
twice at once with the same key (a double click), which must make one item. The baseline,
in the same run: the same 400 items logged by `evidence add` (a new process each time, as
at a terminal), 50 in turn by each of 8 processes started together, into a copy of the
same demo library, each command timed.

The script prints the p50 and p95 of each, where the form's time goes (the send alone,
the saved page alone), and the ratio of the p95s, for information. Goal: every item
present in the library once, credited to its manager, and a p95 from send to saved page
under 300 ms. It exits 1 if any item of either run was lost or doubled.

    .venv/bin/python bench/form_latency.py [--managers N] [--items N]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _results import record

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
P95_GOAL = 0.300
START_SECONDS = 120
PASSWORD = "correct horse battery"  # at least 12 characters
# Each item as both ways log it: the form's fields and `evidence add`'s options.
KIND, DATE, AREA, MARKING = "audit", "2018-02-14", "1", "official"
CSRF_COOKIE, SESSION_COOKIE = "ds_csrftoken", "ds_actor"
FORM_PAGE = re.compile(r'<form class="library-form" action="/-/log".*?</form>', re.DOTALL)


def title(manager: str, n: int) -> str:
    return f"{manager} item {n}"


def double_click_title(manager: str) -> str:
    return f"{manager} double click"


def percentile(values: list[float], n: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[n - 1]


def spread(values: list[float]) -> str:
    if len(values) < 2:
        return "too few to tell"
    return (
        f"p50 {percentile(values, 50) * 1000:4.0f} ms  p95 {percentile(values, 95) * 1000:4.0f} ms"
    )


# The web server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`evidence serve` in a process group of its own, so that it and its workers can be
    stopped together whatever happens."""

    def __init__(self, library: Path, port: int, log: Path) -> None:
        self.port, self.log = port, log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [BIN / "evidence", "serve", "--db", library, "--port", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "EVIDENCE_USER": "bench"},
                start_new_session=True,
            )

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"evidence serve stopped at start:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/-/login", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"evidence serve did not answer in {START_SECONDS} s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])

    def stop(self) -> None:
        """Ask the whole group to stop, then kill whatever of it is left."""
        group = self.process.pid  # the leader of its own session and group
        try:
            os.killpg(group, signal.SIGTERM)
            self.process.wait(10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


# A manager at a browser


def multipart(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    """A form as a browser sends it, fields in order, with a file input left empty."""
    boundary = f"----bench{secrets.token_hex(12)}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
    )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


@dataclass
class Timings:
    """One run's times in seconds, and what went wrong in it."""

    total: list[float] = field(default_factory=list)
    send: list[float] = field(default_factory=list)  # the form's POST alone
    page: list[float] = field(default_factory=list)  # the saved page alone
    form: list[float] = field(default_factory=list)  # opening the form, not counted
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **times: float) -> None:
        with self.lock:
            for name, value in times.items():
                getattr(self, name).append(value)

    def fail(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


class Browser:
    """One manager's browser: its own cookies, logged in."""

    def __init__(self, url: str, name: str) -> None:
        self.name = name
        self.client = httpx.Client(base_url=url, timeout=120)

    def log_in(self) -> None:
        self.client.get("/-/login").raise_for_status()
        answer = self.client.post(
            "/-/login",
            data={
                "csrftoken": self.client.cookies[CSRF_COOKIE],
                "name": self.name,
                "password": PASSWORD,
                "next": "/",
            },
        )
        if answer.status_code != 302 or SESSION_COOKIE not in self.client.cookies:
            raise RuntimeError(f"{self.name} could not log in: {answer.status_code}")

    def open_form(self) -> tuple[str, str]:
        """The form page's CSRF token and key."""
        answer = self.client.get("/-/log")
        found = FORM_PAGE.search(answer.text) if answer.status_code == 200 else None
        if not found:
            raise RuntimeError(f"/-/log answered {answer.status_code}")
        token = re.search(r'name="csrftoken" value="([^"]+)"', found.group(0))
        key = re.search(r'name="key" value="([^"]+)"', found.group(0))
        if not token or not key or token.group(1) != self.client.cookies.get(CSRF_COOKIE):
            raise RuntimeError("the form has no key, or not its cookie's token")
        return token.group(1), key.group(1)

    def send(self, body: bytes, content_type: str) -> httpx.Response:
        return self.client.post("/-/log", content=body, headers={"content-type": content_type})

    def item_form(self, item_title: str) -> tuple[bytes, str]:
        token, key = self.open_form()
        return multipart(
            [("csrftoken", token), ("key", key), ("kind", KIND), ("title", item_title),
             ("date", DATE), ("precision", "exact"), ("areas", f"sif:{AREA}"),
             ("marking", MARKING), ("summary", ""), ("claimed", "on")]
        )  # fmt: skip

    def double_click(self, timings: Timings) -> None:
        """One form sent twice at once: both must be sent to the one item it made."""
        body, content_type = self.item_form(double_click_title(self.name))
        answers: list[httpx.Response | Exception] = []

        def click() -> None:
            try:
                answers.append(self.send(body, content_type))
            except httpx.HTTPError as error:
                answers.append(error)

        clicks = [threading.Thread(target=click) for _ in range(2)]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join()
        places = {getattr(answer, "headers", {}).get("location") for answer in answers}
        if (
            any(getattr(answer, "status_code", None) != 303 for answer in answers)
            or len(places) != 1
        ):
            timings.fail(f"{self.name}'s double click answered {answers}")

    def log_items(self, items: int, timings: Timings, start: threading.Barrier) -> None:
        try:
            self.double_click(timings)  # also warms the server's processes: not timed
        except Exception as error:  # reported with the rest; the others must not wait
            timings.fail(f"{self.name}'s double click: {error!r}")
        start.wait()
        for n in range(items):
            item_title = title(self.name, n)
            try:
                began = time.perf_counter()
                body, content_type = self.item_form(item_title)
                sent = time.perf_counter()
                answer = self.send(body, content_type)
                answered = time.perf_counter()
                if answer.status_code != 303:
                    timings.fail(f"{item_title}: {answer.status_code} {answer.text[:200]!r}")
                    continue
                page = self.client.get(answer.headers["location"])
                shown = time.perf_counter()
                if page.status_code != 200 or item_title not in page.text:
                    timings.fail(f"{item_title}: its page answered {page.status_code}")
                    continue
                timings.add(
                    total=shown - sent, send=answered - sent, page=shown - answered,
                    form=sent - began,
                )  # fmt: skip
            except (httpx.HTTPError, RuntimeError) as error:
                timings.fail(f"{item_title}: {error!r}")


def by_form(library: Path, folder: Path, managers: list[str], items: int) -> Timings:
    for name in managers:
        subprocess.run(
            [BIN / "evidence", "user", "add", name, "--role", "manager", "--password-stdin",
             "--db", library],
            input=f"{PASSWORD}\n", text=True, check=True, capture_output=True,
            env={**os.environ, "EVIDENCE_USER": "bench"},
        )  # fmt: skip
    server = Server(library, free_port(), folder / "evidence-serve.log")
    browsers: list[Browser] = []
    try:
        server.wait_until_up()
        browsers = [Browser(server.url, name) for name in managers]
        for browser in browsers:
            browser.log_in()
        timings = Timings()
        start = threading.Barrier(len(browsers) + 1)
        threads = [
            threading.Thread(target=browser.log_items, args=(items, timings, start))
            for browser in browsers
        ]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        timings.wall = time.perf_counter() - began
        return timings
    except Exception:
        print(f"evidence serve's log ends:\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        for browser in browsers:
            browser.client.close()
        server.stop()


# The baseline: the same items from the command line


def by_command(library: Path, managers: list[str], items: int) -> Timings:
    timings = Timings()
    start = threading.Barrier(len(managers) + 1)

    def writer(name: str) -> None:
        env = {**os.environ, "EVIDENCE_USER": name}
        start.wait()
        for n in range(items):
            began = time.perf_counter()
            run = subprocess.run(
                [BIN / "evidence", "add", KIND, "--title", title(name, n), "--date", DATE,
                 "--area", AREA, "--marking", MARKING, "--claimed", "--db", library],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            elapsed = time.perf_counter() - began
            if run.returncode != 0:
                timings.fail(f"{title(name, n)}: {run.stderr.strip() or run.returncode}")
            else:
                timings.add(total=elapsed)

    threads = [threading.Thread(target=writer, args=(name,)) for name in managers]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    timings.wall = time.perf_counter() - began
    return timings


# What the library holds afterwards


def problems(library: Path, first_id: int, expected: dict[str, str]) -> list[str]:
    """What is wrong with the items after `first_id`, against the titles `expected` and
    who should have logged each: lost, doubled, strays, credited to another, not audited
    once."""
    conn = sqlite3.connect(f"{library.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT id, title, created_by FROM evidence WHERE id > ?", [first_id]
        ).fetchall()
        audited = collections.Counter(
            row_id
            for (row_id,) in conn.execute(
                "SELECT row_id FROM changes WHERE table_name = 'evidence' AND action = 'insert'"
                " AND row_id > ?",
                [first_id],
            )
        )
    finally:
        conn.close()
    counts = collections.Counter(row_title for _, row_title, _ in rows)
    found = []
    lost = sorted(set(expected) - set(counts))
    doubled = sorted(row_title for row_title, count in counts.items() if count > 1)
    strays = sorted(set(counts) - set(expected))
    misnamed = sorted(
        row_title
        for _, row_title, by in rows
        if row_title in expected and by != expected[row_title]
    )
    unaudited = sorted(row_id for row_id, _, _ in rows if audited[row_id] != 1)
    for what, which in (("lost", lost), ("doubled", doubled), ("not expected", strays),
                        ("credited to someone else", misnamed),
                        ("not audited exactly once", unaudited)):  # fmt: skip
        if which:
            found.append(f"{len(which)} items {what}, such as {which[:3]}")
    return found


def last_id(library: Path) -> int:
    conn = sqlite3.connect(library)
    try:
        return conn.execute("SELECT coalesce(max(id), 0) FROM evidence").fetchone()[0]
    finally:
        conn.close()


def stop_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)  # so that the server is stopped and the folder removed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managers", type=int, default=8, help="logging at once")
    parser.add_argument("--items", type=int, default=50, help="by each manager")
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    # Both start as they do once installed, with their modules compiled.
    import compileall

    for package in ("db", "evidence", "readiness"):
        compileall.compile_dir(ROOT / package, quiet=1)

    managers = [f"manager{n}" for n in range(1, options.managers + 1)]
    total = options.managers * options.items
    expected = {title(name, n): name for name in managers for n in range(options.items)}
    with tempfile.TemporaryDirectory(prefix="form-latency-") as scratch:
        folder = Path(scratch)
        demo = folder / "demo.db"
        subprocess.run([BIN / "evidence", "demo", "--db", demo], check=True, capture_output=True)
        ours, theirs = folder / "ours" / "evidence.db", folder / "theirs" / "evidence.db"
        for copy in (ours, theirs):
            copy.parent.mkdir()
            shutil.copy(demo, copy)
        first_id = last_id(demo)

        form = by_form(ours, folder, managers, options.items)
        form_problems = problems(
            ours, first_id, {**expected, **{double_click_title(name): name for name in managers}}
        )
        command = by_command(theirs, managers, options.items)
        command_problems = problems(theirs, first_id, expected)

    print(
        f"form_latency: {options.managers} managers x {options.items} items at once, on"
        f" {os.cpu_count()} cores ({min(4, len(os.sched_getaffinity(0)))} server processes)"
    )
    print(
        f"  the form, post to saved page: {spread(form.total)}  ({len(form.total)} items in"
        f" {form.wall:.1f} s, {len(form.total) / form.wall:.1f} items/s)"
    )
    print(f"    the post alone (303):      {spread(form.send)}")
    print(f"    the saved page alone:      {spread(form.page)}")
    print(f"    opening the form (untimed): {spread(form.form)}")
    print(
        f"  evidence add, {options.managers} processes:   {spread(command.total)}  ({len(command.total)} items"
        f" in {command.wall:.1f} s, {len(command.total) / command.wall:.1f} items/s)"
    )
    for run, found in (("the form", form.errors + form_problems),
                       ("evidence add", command.errors + command_problems)):  # fmt: skip
        for problem in found[:5]:
            print(f"  {run}: {problem}")
        print(f"  {run}: " + (f"{len(found)} problems" if found else f"all {total} items"
              " present once, each credited to its manager"
              + (", and each double click made one item" if run == "the form" else "")))  # fmt: skip
    if len(form.total) < 2 or len(command.total) < 2:
        print("form_latency: too few items were logged to time")
        return 1
    ours_p95, theirs_p95 = percentile(form.total, 95), percentile(command.total, 95)
    intact = not (form.errors or form_problems or command.errors or command_problems)
    met = ours_p95 < P95_GOAL and intact
    print(
        f"  ratio of p95s (form / evidence add) {ours_p95 / theirs_p95:.2f}, for information;"
        f" goal: p95 under {P95_GOAL * 1000:.0f} ms with none lost or doubled:"
        f" {'met' if met else 'missed'}"
    )
    record(
        "form_latency",
        f"{options.managers} managers x {options.items} items",
        ours=ours_p95,
        baseline=theirs_p95,
        unit="s",
        baseline_name=f"`evidence add` from {options.managers} processes, p95",
        goal=f"p95 under {P95_GOAL} s, none lost or doubled",
        met=met,
    )
    return 0 if intact else 1


if __name__ == "__main__":
    sys.exit(main())
