"""How fast `evidence import` loads 100,000 rows, against the generic peer doing the same job.

The peer is `sqlite-utils insert --csv` of the same file into a fresh table followed by
`sqlite-utils enable-fts` on title and summary. Our import also validates every row, tags
areas, indexes the text and writes the audit trail, and should stay within twice the
peer's time: a ratio of 2.0 or less. Each round times both, one after the other; the
script prints the median of each and their ratio.

    .venv/bin/python bench/import_throughput.py [--rows N] [--rounds N]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import record

BIN = Path(sys.executable).parent
TARGET = 2.0
AREAS = ("1", "2", "2.1", "2.2", "3", "lscb", "overall", "1;lscb", "2;2.2")
KINDS = ("audit", "performance-report", "board-report", "voice", "plan", "other")


def write_rows(path: Path, count: int) -> None:
    generator = random.Random(2017)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["ref", "kind", "title", "date", "areas", "summary"])
        for n in range(count):
            writer.writerow(
                [
                    f"B{n:06d}",
                    generator.choice(KINDS),
                    f"Evidence item {n} on practice and outcomes",
                    f"{2015 + n % 3}-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
                    generator.choice(AREAS),
                    f"Summary of item {n}: supervision, caseloads and audit findings reviewed",
                ]
            )


def timed(*commands: list) -> float:
    start = time.perf_counter()
    for argv in commands:
        subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        rows = base / "rows.csv"
        write_rows(rows, options.rows)
        ours, peer = [], []
        for round_ in range(options.rounds):
            library = base / f"ours-{round_}" / "evidence.db"
            # The library is created first, as a council's would be; the import is timed.
            subprocess.run(
                [BIN / "evidence", "kinds", "--db", library, "--create"],
                check=True,
                capture_output=True,
            )
            ours.append(
                timed([BIN / "evidence", "import", rows, "--db", library, "--by", "bench"])
            )
            table = base / f"peer-{round_}.db"
            peer.append(
                timed(
                    [BIN / "sqlite-utils", "insert", table, "evidence", rows, "--csv"],
                    [BIN / "sqlite-utils", "enable-fts", table, "evidence", "title", "summary"],
                )
            )
    ours_time, peer_time = statistics.median(ours), statistics.median(peer)
    print(f"evidence import            {ours_time:6.2f} s for {options.rows:,} rows")
    print(f"sqlite-utils insert + fts  {peer_time:6.2f} s for {options.rows:,} rows")
    print(f"ratio                      {ours_time / peer_time:.2f} (target {TARGET} or less)")
    record(
        "import_throughput",
        f"{options.rows:,} rows",
        ours=ours_time,
        baseline=peer_time,
        unit="s",
        baseline_name="sqlite-utils insert --csv and enable-fts",
        goal=f"ratio {TARGET} or less",
        met=ours_time / peer_time <= TARGET,
    )


if __name__ == "__main__":
    main()
