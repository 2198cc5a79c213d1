"""How long `evidence add` and `evidence request add` take, against sqlite-utils' generic
one-row insert.

Each pair of commands writes one equivalent row (an evidence item; an inspection's
request) into its own copy of the same library (the demo library, with an inspection
open, its audit and search triggers), alternating, and the script prints the medians and
their ratios. Logging a validated, tagged, audited item or request should cost at most a
tenth more than the generic insert: a ratio of 1.1 or less.

    .venv/bin/python bench/add_latency.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import record

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="runs of each command (>= 10)")
    runs = max(parser.parse_args().runs, 10)
    # Both commands start as they do once installed, with their modules compiled: where
    # PYTHONDONTWRITEBYTECODE is set, a module changed since it was last compiled would
    # otherwise be compiled again at every start of ours, and never of theirs.
    import compileall

    for package in ("db", "evidence", "readiness"):
        compileall.compile_dir(ROOT / package, quiet=1)

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        library = base / "library.db"
        subprocess.run(
            [BIN / "evidence", "demo", "--db", library], check=True, capture_output=True
        )
        subprocess.run(
            [BIN / "evidence", "inspection", "start", "--notified", "2026-01-05 10:00",
             "--type", "standard", "--db", library],
            check=True, capture_output=True, env={**os.environ, "EVIDENCE_USER": "bench"},
        )  # fmt: skip
        ours, theirs = base / "ours" / "evidence.db", base / "theirs" / "evidence.db"
        for copy in (ours, theirs):
            copy.parent.mkdir()
            shutil.copy(library, copy)

        env = {**os.environ, "EVIDENCE_USER": "bench"}
        stamp = "2026-01-01T00:00:00Z"
        row = json.dumps(
            {
                "kind": "audit",
                "title": "Repeat CP plans audit",
                "date": "2017-02-01",
                "date_precision": "month",
                "marking": "official",
                "status": "current",
                "assurance": "verified",
                "verified_by": "bench",
                "verified_at": stamp,
                "created_at": stamp,
                "created_by": "bench",
                "updated_at": stamp,
                "updated_by": "bench",
            }
        ).encode()
        request = json.dumps(
            {
                "inspection_id": 1,
                "text": "Audits of children in care since April",
                "asked_at": "2026-01-05T11:00:00Z",
                "due_at": "2026-01-06T12:00:00Z",
                "asked_by": "Lead inspector",
                "owner": "Head of QA",
                "created_at": stamp,
                "created_by": "bench",
            }
        ).encode()
        commands = {
            "evidence add": (
                [
                    BIN / "evidence",
                    "add",
                    "audit",
                    "--title",
                    "Repeat CP plans audit",
                    "--date",
                    "2017-02",
                    "--area",
                    "1",
                    "--area",
                    "lscb",
                    "--db",
                    ours,
                ],
                None,
            ),
            "sqlite-utils insert": (
                [BIN / "sqlite-utils", "insert", theirs, "evidence", "-"],
                row,
            ),
            "evidence request add": (
                [
                    BIN / "evidence",
                    "request",
                    "add",
                    "Audits of children in care since April",
                    "--due",
                    "2026-01-06 12:00",
                    "--asked-by",
                    "Lead inspector",
                    "--owner",
                    "Head of QA",
                    "--at",
                    "2026-01-05 11:00",
                    "--db",
                    ours,
                ],
                None,
            ),
            "sqlite-utils insert (request)": (
                [BIN / "sqlite-utils", "insert", theirs, "requests", "-"],
                request,
            ),
        }
        timings: dict[str, list[float]] = {name: [] for name in commands}
        for attempt in range(runs + 2):  # two warm-up rounds, not counted
            for name, (argv, stdin) in commands.items():
                start = time.perf_counter()
                subprocess.run(argv, input=stdin, env=env, check=True, capture_output=True)
                elapsed = time.perf_counter() - start
                if attempt >= 2:
                    timings[name].append(elapsed)

    medians = {name: statistics.median(values) for name, values in timings.items()}
    for name, median in medians.items():
        print(f"{name:<30} median {median * 1000:6.1f} ms over {runs} runs")
    for ours_name, theirs_name, what in (
        ("evidence add", "sqlite-utils insert", "one item"),
        ("evidence request add", "sqlite-utils insert (request)", "one request"),
    ):
        ratio = medians[ours_name] / medians[theirs_name]
        print(f"{what:<30} ratio {ratio:.2f} (target {TARGET} or less)")
        record(
            "add_latency",
            what,
            ours=medians[ours_name] * 1000,
            baseline=medians[theirs_name] * 1000,
            unit="ms",
            baseline_name="sqlite-utils insert of one row",
            goal=f"ratio {TARGET} or less",
            met=ratio <= TARGET,
        )


if __name__ == "__main__":
    main()
