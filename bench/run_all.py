"""Run every benchmark in bench/ and print one line per figure held to a goal.

Each line gives the figure, ours, the baseline's, their ratio, the goal and whether it
was met. The figures are kept in bench/results.jsonl (a benchmark not run keeps its earlier
ones), from which the README's Guarantees are written (`make bench` does both). Exits 0 when every benchmark ran, met or missed;
1 if one failed or reported nothing.

    .venv/bin/python bench/run_all.py [--only NAME ...] [--results PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from _results import HEADER, RESULTS_ENV, read

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.jsonl"


def scripts() -> list[Path]:
    return sorted(
        path
        for path in HERE.glob("*.py")
        if not path.name.startswith("_") and path.name != Path(__file__).name
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these benchmarks only")
    parser.add_argument("--results", type=Path, default=RESULTS, help=f"default {RESULTS}")
    options = parser.parse_args()
    chosen = [path for path in scripts() if not options.only or path.stem in options.only]
    unknown = set(options.only or ()) - {path.stem for path in chosen}
    if unknown:
        parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
    failed: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        kept = Path(scratch) / "results.jsonl"
        kept.touch()
        for script in chosen:
            print(f"== {script.stem}", flush=True)
            start = time.perf_counter()
            before = len(read(kept))
            run = subprocess.run(
                [sys.executable, script], env={**os.environ, RESULTS_ENV: str(kept)}, check=False
            )
            print(f"   ({time.perf_counter() - start:.0f} s)", flush=True)
            if run.returncode != 0:
                failed.append(f"{script.stem} exited {run.returncode}")
            elif len(read(kept)) == before:
                failed.append(f"{script.stem} reported no figure")
        figures = read(kept)
    # Figures of benchmarks not run this time are kept as they were.
    ran = {path.stem for path in chosen}
    earlier = read(options.results) if options.results.exists() else []
    options.results.write_text(
        "".join(
            json.dumps(asdict(figure)) + "\n"
            for figure in [f for f in earlier if f.bench not in ran] + figures
        ),
        encoding="utf-8",
    )
    print()
    print(HEADER)
    for figure in figures:
        print(figure.line())
    missed = sum(not figure.met for figure in figures)
    print(
        f"{len(figures)} figures from {len(chosen) - len(failed)} of {len(chosen)} benchmarks:"
        f" {len(figures) - missed} met, {missed} missed"
    )
    for failure in failed:
        print(f"did not run: {failure}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
