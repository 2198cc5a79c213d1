"""One benchmark figure against its goal, as each `bench/` script reports it.

A script calls `record()` for every figure it holds to a goal. Run on its own, a script
only prints; run by `bench/run_all.py` (`make bench`), each figure is also added, as one
line of JSON, to the file that `BENCH_RESULTS` names, for the summary and the README's
Guarantees.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass

RESULTS_ENV = "BENCH_RESULTS"


@dataclass(frozen=True)
class Figure:
    bench: str  # the script's name, such as "import_throughput"
    name: str  # what was measured, such as "100,000 rows"
    ours: float
    baseline: float
    unit: str  # "s", "ms", "adds/s"
    baseline_name: str  # what ours is held against, such as "sqlite-utils insert + fts"
    ratio: float
    goal: str  # in words, such as "ratio 2.0 or less"
    met: bool
    day: str = ""  # when it was measured
    cores: int = 0  # on a computer of this many cores

    def line(self) -> str:
        return (
            f"{self.bench + ' ' + self.name:<40} {amount(self.ours, self.unit):>13}"
            f" {amount(self.baseline, self.unit):>13} {self.ratio:>6.2f}  {self.goal:<38}"
            f" {'met' if self.met else 'MISSED'}"
        )


HEADER = f"{'benchmark':<40} {'ours':>13} {'baseline':>13} {'ratio':>6}  {'goal':<38} result"


def record(
    bench: str,
    name: str,
    *,
    ours: float,
    baseline: float,
    unit: str,
    baseline_name: str,
    goal: str,
    met: bool,
) -> Figure:
    """Print the figure's summary line and, under `make bench`, keep it."""
    figure = Figure(
        bench,
        name,
        ours,
        baseline,
        unit,
        baseline_name,
        ours / baseline,
        goal,
        met,
        dt.date.today().isoformat(),
        os.cpu_count() or 0,
    )
    print(figure.line(), flush=True)
    target = os.environ.get(RESULTS_ENV)
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(figure)) + "\n")
    return figure


def read(path: str | os.PathLike[str]) -> list[Figure]:
    with open(path, encoding="utf-8") as lines:
        return [Figure(**json.loads(line)) for line in lines if line.strip()]


def amount(value: float, unit: str) -> str:
    """A figure as people read it: "289 ms", "7.70 s", "11.1 adds/s"."""
    if unit == "s":
        return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.0f} ms"
    if unit == "ms":
        return f"{value:.0f} ms"
    return f"{value:,.1f} {unit}"
