"""Adds per second with 8 managers logging at once, against one manager logging alone.

Each writer runs `evidence add` (a new process each time, as a person at a terminal
does) 250 times in turn; 8 writers start together on one library. The baseline is one
writer doing the same 250 adds alone on a library of its own. The script prints both
rates and their ratio. Goal: nothing lost and no "database is locked", and 8 writers
together log at least as many items a second as one alone (a ratio of 1.0 or more):
waiting for the write lock must not cost more than the extra writers bring.

    .venv/bin/python bench/concurrency.py [--writers N] [--adds N]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _results import record

BIN = Path(sys.executable).parent
GOAL = 1.0


def writer(library: Path, name: str, adds: int, failures: list[str]) -> None:
    env = {**os.environ, "EVIDENCE_USER": name}
    for n in range(adds):
        run = subprocess.run(
            [BIN / "evidence", "add", "audit", "--title", f"{name} item {n}", "--date",
             "2017-01", "--area", "2.1", "--db", library],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if run.returncode != 0:
            failures.append(run.stderr.strip() or f"exit {run.returncode}")


def run_writers(library: Path, writers: int, adds: int) -> tuple[float, list[str]]:
    """Seconds for `writers` writers of `adds` items each, started together."""
    subprocess.run(
        [BIN / "evidence", "kinds", "--db", library, "--create"], check=True, capture_output=True
    )
    failures: list[str] = []
    threads = [
        threading.Thread(target=writer, args=(library, f"writer{n}", adds, failures))
        for n in range(writers)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    conn = sqlite3.connect(library)
    (items,) = conn.execute("SELECT count(*) FROM evidence").fetchone()
    (audited,) = conn.execute(
        "SELECT count(DISTINCT row_id) FROM changes WHERE table_name = 'evidence'"
        " AND action = 'insert'"
    ).fetchone()
    conn.close()
    if items != writers * adds or audited != items:
        failures.append(f"{items} items and {audited} audited, not {writers * adds}")
    return elapsed, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--adds", type=int, default=250, help="by each writer")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        alone, alone_failures = run_writers(
            Path(folder) / "alone" / "evidence.db", 1, options.adds
        )
        together, failures = run_writers(
            Path(folder) / "together" / "evidence.db", options.writers, options.adds
        )
    # Only the adds that succeeded count.
    alone_rate = (options.adds - len(alone_failures)) / alone
    rate = (options.writers * options.adds - len(failures)) / together
    locked = sum("locked" in failure for failure in failures + alone_failures)
    for failure in sorted(set(failures + alone_failures))[:5]:
        print(f"failed: {failure}")
    print(
        f"{options.writers} writers x {options.adds} adds: {together:6.1f} s,"
        f" {rate:6.1f} adds/s ({len(failures)} failed, {locked} 'locked')"
    )
    print(f"1 writer  x {options.adds} adds: {alone:6.1f} s, {alone_rate:6.1f} adds/s")
    print(f"ratio {rate / alone_rate:.2f} (goal {GOAL} or more, with nothing failed)")
    record(
        "concurrency",
        f"{options.writers} writers x {options.adds} adds",
        ours=rate,
        baseline=alone_rate,
        unit="adds/s",
        baseline_name="one writer alone",
        goal=f"ratio {GOAL} or more, none failed or locked",
        met=rate / alone_rate >= GOAL and not failures and not alone_failures,
    )


if __name__ == "__main__":
    main()
