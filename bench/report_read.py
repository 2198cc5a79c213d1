"""How long `evidence report` takes to read Ofsted's reports, against pypdf alone.

Ours: one `evidence report --dry-run --json` command reading the eleven readable reports
in ../shared/fixtures/ofsted/ (SIF, ILACS 2018 and 2023). The baseline: one Python process
that extracts the text of every page of the same files with pypdf, and does nothing else.
Reading is bounded by getting text out of the PDF, so reading only the pages needed
should cost no more than extracting them all: a ratio of 1.0 or less. Both are run as
commands, alternating, and the script prints both medians and their ratio.

    .venv/bin/python bench/report_read.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _results import record

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
OFSTED = ROOT.parent / "shared" / "fixtures" / "ofsted"
TARGET = 1.0
BASELINE = """
import logging, sys
from pypdf import PdfReader
logging.getLogger("pypdf").setLevel(logging.ERROR)
for name in sys.argv[1:]:
    for page in PdfReader(name).pages:
        page.extract_text()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (>= 5)")
    runs = max(parser.parse_args().runs, 5)
    if not OFSTED.is_dir():
        sys.exit(f"The Ofsted reports are not beside the project ({OFSTED} is absent).")
    # The older framework's report is refused, not read: it is left out of both.
    files = [
        str(path)
        for path in sorted(OFSTED.glob("*.pdf"))
        if "-sif-" in path.name or "-ilacs-" in path.name
    ]
    import compileall

    for package in ("db", "evidence", "readiness"):
        compileall.compile_dir(ROOT / package, quiet=1)
    commands = {
        "evidence report": [BIN / "evidence", "report", *files, "--dry-run", "--json"],
        "pypdf, every page": [sys.executable, "-c", BASELINE, *files],
    }
    timings: dict[str, list[float]] = {name: [] for name in commands}
    for attempt in range(runs + 1):  # one warm-up round, not counted
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True, cwd=ROOT)
            elapsed = time.perf_counter() - start
            if attempt >= 1:
                timings[name].append(elapsed)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    ratio = medians["evidence report"] / medians["pypdf, every page"]
    for name, median in medians.items():
        print(f"{name:<20} median {median:6.2f} s over {runs} runs ({len(files)} reports)")
    print(f"ratio                {ratio:.2f} (target {TARGET} or less)")
    record(
        "report_read",
        f"{len(files)} reports",
        ours=medians["evidence report"],
        baseline=medians["pypdf, every page"],
        unit="s",
        baseline_name="pypdf text of every page",
        goal=f"ratio {TARGET} or less",
        met=ratio <= TARGET,
    )


if __name__ == "__main__":
    main()
