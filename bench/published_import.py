"""How fast `evidence published import` reads DfE's c1 file (2,132 rows: England, each
region and each council, 2013 to 2025), against the generic peer doing the same job.

The peer is `sqlite-utils insert --csv` of the same file into a fresh table. Ours also
finds the columns by name, reads each year and letter, checks every value, stores each
place's figure with what it revises, and writes the audit trail; it should stay within
one and a half times the peer's time: a ratio of 1.5 or less. Each round times both, one
after the other; the script prints the median of each and their ratio.

The file is the real one, from ../shared/fixtures/published/ beside the project.

    .venv/bin/python bench/published_import.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import record

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
C1 = (
    ROOT.parent / "shared" / "fixtures" / "published"
    / "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
)  # fmt: skip
TARGET = 1.5


def timed(argv: list) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    if not C1.exists():
        sys.exit(f"{C1} is absent: the shared fixtures must be beside the project.")
    rows = sum(1 for _ in C1.open(encoding="utf-8-sig")) - 1
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        ours, peer = [], []
        for round_ in range(options.rounds):
            library = base / f"ours-{round_}" / "evidence.db"
            # The library is set up first, as a council's would be; the import is timed.
            for setup in (
                ["measure", "define", "--from-file", ROOT / "evidence" / "measures.yml",
                 "--create"],
                ["settings", "--council-code", "869"],
            ):  # fmt: skip
                subprocess.run(
                    [BIN / "evidence", *setup, "--db", library, "--by", "bench"],
                    check=True,
                    capture_output=True,
                )
            ours.append(
                timed([BIN / "evidence", "published", "import", C1, "--measure", "re-referrals",
                       "--value", "rereferral_percent", "--db", library, "--by", "bench"])
            )  # fmt: skip
            peer.append(
                timed([BIN / "sqlite-utils", "insert", base / f"peer-{round_}.db", "c1", C1,
                       "--csv"])
            )  # fmt: skip
    ours_time, peer_time = statistics.median(ours), statistics.median(peer)
    print(f"evidence published import  {ours_time:6.3f} s for {rows:,} rows")
    print(f"sqlite-utils insert --csv  {peer_time:6.3f} s for {rows:,} rows")
    print(f"ratio                      {ours_time / peer_time:.2f} (target {TARGET} or less)")
    record(
        "published_import",
        f"c1 file, {rows:,} rows",
        ours=ours_time,
        baseline=peer_time,
        unit="s",
        baseline_name="sqlite-utils insert --csv",
        goal=f"ratio {TARGET} or less",
        met=ours_time / peer_time <= TARGET,
    )


if __name__ == "__main__":
    main()
