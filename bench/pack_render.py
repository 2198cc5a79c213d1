"""How long the briefing pack takes: the whole `evidence pack`, against WeasyPrint alone.

On the demo library and on one ten times its size, each round times the whole command
(start-up, reading the library, laying out, writing, entering it in the register) and
then WeasyPrint's own command laying out the same HTML, which our templates produced
for the same pack, into the same kind of PDF. The script prints the median of each and
their ratio. Goals: the demo pack under 5 s, the larger one under 30 s, and the whole
command within 1.10 of WeasyPrint alone.

    .venv/bin/python bench/pack_render.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _results import record

from evidence.library import open_library
from readiness import pack, printing

BIN = Path(sys.executable).parent
AS_OF = "2018-03-31"
RATIO_GOAL, DEMO_GOAL, LARGE_GOAL = 1.10, 5.0, 30.0


def build(folder: Path, copies: int) -> Path:
    """The demo library, with its evidence logged `copies` times in all."""
    db = folder / "library" / "evidence.db"
    run("demo", "--db", db)
    if copies > 1:
        exported = folder / "demo.json"
        run("export", "--out", exported, "--db", db)
        rows = json.loads(exported.read_text())
        for copy in range(2, copies + 1):
            for row in rows:
                row["ref"] = f"{row['ref']}-{copy}"
                row.pop("id", None)
            path = folder / f"copy-{copy}.json"
            path.write_text(json.dumps(rows))
            run("import", path, "--db", db)
    return db


def run(*args) -> None:
    subprocess.run([BIN / "evidence", *map(str, args)], check=True, capture_output=True)


def timed(argv: list) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def measure(folder: Path, db: Path, rounds: int) -> tuple[float, float]:
    conn = open_library(db)
    html = printing.render_html(pack.gather(conn, as_of=AS_OF, by="bench"))
    conn.close()
    # The page sits in the scratch folder; its stylesheet is found in the templates, as
    # the pack's own renderer finds it.
    page = folder / "pack.html"
    page.write_text(html, encoding="utf-8")
    base_url = printing.TEMPLATES.as_uri() + "/"
    ours, alone = [], []
    for n in range(rounds):
        ours.append(
            timed(
                [
                    BIN / "evidence",
                    "pack",
                    "--as-of",
                    AS_OF,
                    "--out",
                    folder / f"o{n}.pdf",
                    "--db",
                    db,
                    "--by",
                    "bench",
                ]
            )
        )
        alone.append(
            timed(
                [
                    BIN / "weasyprint",
                    "--pdf-variant",
                    printing.PDF_VARIANT,
                    "--base-url",
                    base_url,
                    page,
                    folder / f"w{n}.pdf",
                ]
            )
        )
    return statistics.median(ours), statistics.median(alone)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    options = parser.parse_args()
    met = True
    with tempfile.TemporaryDirectory() as scratch:
        for name, copies, goal in (("demo", 1, DEMO_GOAL), ("10x demo", 10, LARGE_GOAL)):
            folder = Path(scratch) / name.replace(" ", "-")
            folder.mkdir()
            db = build(folder, copies)
            ours, alone = measure(folder, db, options.rounds)
            ratio = ours / alone
            met &= ours < goal and ratio <= RATIO_GOAL
            record(
                "pack_render",
                name,
                ours=ours,
                baseline=alone,
                unit="s",
                baseline_name="WeasyPrint alone on the same HTML",
                goal=f"under {goal:.0f} s, ratio {RATIO_GOAL} or less",
                met=ours < goal and ratio <= RATIO_GOAL,
            )
            print(
                f"{name:<9} evidence pack {ours:6.2f} s   weasyprint alone {alone:6.2f} s"
                f"   ratio {ratio:.2f} (goals: under {goal:.0f} s, ratio {RATIO_GOAL} or less)"
            )
    print(f"goals {'met' if met else 'missed'}")


if __name__ == "__main__":
    main()
