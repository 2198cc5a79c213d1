"""Run every benchmark in bench/ and print one line per figure held to a goal.

Each line gives the figure, ours, the baseline's, their ratio, the goal and whether it
was met. The figures are kept in bench/results.jsonl (a benchmark not run, or that
failed, keeps its earlier ones), and the README's Guarantees are written again from them
(by cog). Exits 0 when every benchmark ran, met or missed; 1 if one failed or reported
nothing.

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
    figures = []
    with tempfile.TemporaryDirectory() as scratch:
        for script in chosen:
            print(f"== {script.stem}", flush=True)
            kept = Path(scratch) / f"{script.stem}.jsonl"
            kept.touch()
            start = time.perf_counter()
            run = subprocess.run(
                [sys.executable, script], env={**os.environ, RESULTS_ENV: str(kept)}, check=False
            )
            print(f"   ({time.perf_counter() - start:.0f} s)", flush=True)
            # A benchmark that failed part way is not reported, even the figures it had.
            found = read(kept)
            if run.returncode != 0:
                failed.append(f"{script.stem} exited {run.returncode}")
            elif not found:
                failed.append(f"{script.stem} reported no figure")
            else:
                figures += found
    # A benchmark not run this time, or that failed, keeps the figures it had before.
    fresh = {figure.bench for figure in figures}
    earlier = read(options.results) if options.results.exists() else []
    kept_figures = sorted(
        [figure for figure in earlier if figure.bench not in fresh] + figures,
        key=lambda figure: figure.bench,
    )
    options.results.write_text(
        "".join(json.dumps(asdict(figure)) + "\n" for figure in kept_figures),
        encoding="utf-8",
    )
    # The README's Guarantees quote these figures: write them again.
    cog = Path(sys.executable).parent / "cog"
    if cog.exists() and options.results == RESULTS:
        subprocess.run([cog, "-r", "README.md"], cwd=HERE.parent, check=True)
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
