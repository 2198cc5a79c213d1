"""How the readiness assessment scales: libraries of 1,000, 10,000 and 100,000 items.

Each library has proportional actions (one per 20 items, each with dated updates), 50
measures with 60 months of figures, and, for 10 of the measures, the figures published for
England, 9 regions and 153 councils over 13 years, with a statistical neighbour model. At each size the script times `assess()` (every
area, as of a day) against the baseline of reading every row of the tables it uses into
Python once (`fetchall`), alternating, and prints the median of each and their ratio.
Aggregating in SQL must beat pulling the rows: at 100,000 items the assessment should take
under 0.5 s, and its ratio to one read of the rows should be under 1.0.

    .venv/bin/python bench/readiness_scale.py [--sizes 1000 10000 100000] [--rounds N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _results import record

from db import transaction
from evidence.library import open_library
from readiness.assess import assess

AS_OF = "2018-06-30"
SECONDS_GOAL = 0.5
RATIO_GOAL = 1.0
TABLES = (
    "frameworks", "areas", "themes", "area_mappings", "kinds", "evidence", "evidence_areas",
    "evidence_themes", "actions", "action_areas", "action_updates", "measures", "readings",
    "challenges", "self_evaluations", "grades", "published_imports", "published_figures",
    "neighbour_models", "neighbours",
)  # fmt: skip
COUNCILS = [str(code) for code in range(800, 953)]  # 153 councils, as DfE publishes
PUBLISHED_MEASURES = 10
PUBLISHED_YEARS = range(2006, 2019)
KINDS = ("audit", "performance-report", "board-report", "voice", "plan", "child-story", "other")
STATUSES = ("not-started", "in-progress", "complete-awaiting-assurance", "closed", "paused")


def build(path: Path, items: int) -> None:
    """A library of `items` evidence items, tagged and themed, with actions, measures,
    figures, challenges, self-evaluations and grades, written straight to its tables."""
    generator = random.Random(items)
    conn = open_library(path)
    stamp = "2018-07-01T09:00:00Z"
    areas = conn.execute("SELECT id FROM areas WHERE framework = 'sif'").fetchall()
    area_ids = [row[0] for row in areas]
    themes: dict[int, list[int]] = {}
    for theme_id, area_id in conn.execute("SELECT id, area_id FROM themes"):
        themes.setdefault(area_id, []).append(theme_id)
    with transaction(conn, by="bench", at=stamp):
        evidence, tags, theme_tags = [], [], []
        for n in range(1, items + 1):
            day = f"{2013 + n % 6}-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
            review = f"2018-{n % 12 + 1:02d}-15" if n % 9 == 0 else None
            claimed = "claimed" if n % 20 == 0 else "verified"
            evidence.append(
                (n, generator.choice(KINDS), f"Evidence item {n} on practice and outcomes", day,
                 f"Summary of item {n}: supervision, caseloads and audit findings reviewed",
                 review, claimed, stamp, "bench", stamp, "bench")
            )  # fmt: skip
            chosen = generator.sample(area_ids, generator.choice((1, 1, 2)))
            tags += [(n, area_id) for area_id in chosen]
            if n % 2 and themes.get(chosen[0]):
                theme_tags.append((n, generator.choice(themes[chosen[0]])))
        conn.executemany(
            "INSERT INTO evidence (id, kind, title, date, date_precision, summary, review_by,"
            " assurance, created_at, created_by, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, 'day', ?, ?, ?, ?, ?, ?, ?)",
            evidence,
        )
        conn.executemany("INSERT INTO evidence_areas VALUES (?, ?)", tags)
        conn.executemany("INSERT INTO evidence_themes VALUES (?, ?)", theme_tags)
        actions, action_tags, updates = [], [], []
        for n in range(1, items // 20 + 1):
            source = generator.randint(1, items)
            agreed = f"{2015 + n % 3}-{n % 12 + 1:02d}-01"
            due = f"{2016 + n % 3}-{n % 12 + 1:02d}-28" if n % 7 else None
            actions.append((n, source, str(n), f"Action {n}", agreed, due, stamp, stamp))
            action_tags.append((n, generator.choice(area_ids)))
            updates.append((n, agreed, "not-started", 1, due))
            if n % 3:
                later = f"{2017 + n % 2}-{n % 12 + 1:02d}-10"
                updates.append((n, max(later, agreed), generator.choice(STATUSES), 0, None))
        conn.executemany(
            "INSERT INTO actions (id, source_id, ref, text, agreed_on, due_on, status,"
            " created_at, created_by, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, 'in-progress', ?, 'bench', ?, 'bench')",
            actions,
        )
        conn.executemany("INSERT INTO action_areas VALUES (?, ?)", action_tags)
        conn.executemany(
            "INSERT INTO action_updates (action_id, on_date, status, due_changed, due_on,"
            f" created_at, created_by) VALUES (?, ?, ?, ?, ?, '{stamp}', 'bench')",
            updates,
        )
        measures, readings, challenges = [], [], []
        for m in range(50):
            code = f"measure-{m:02d}"
            better = "higher" if m % 3 else "lower"
            floor, target = (80, 90) if better == "higher" else (25, 15)
            measures.append(
                (code, f"Measure {m}", better, floor, target, area_ids[m % 7], m % 10 == 9)
            )
            for month in range(60):
                period = f"{2013 + month // 12}-{month % 12 + 1:02d}"
                value = (
                    generator.uniform(70, 100) if better == "higher" else generator.uniform(5, 30)
                )
                readings.append((code, period, round(value, 1), f"{period}-20"))
            challenges.append((code, "2018-03", "Is this figure right?", "2018-04-10"))
        conn.executemany(
            "INSERT INTO measures (code, name, unit, better, floor, target, area_id, context,"
            f" created_at, created_by, updated_at, updated_by) VALUES (?, ?, 'percent', ?, ?,"
            f" ?, ?, ?, '{stamp}', 'bench', '{stamp}', 'bench')",
            measures,
        )
        conn.executemany(
            "INSERT INTO readings (measure, period, value, reported_on, created_at, created_by)"
            f" VALUES (?, ?, ?, ?, '{stamp}', 'bench')",
            readings,
        )
        conn.executemany(
            "INSERT INTO challenges (measure, period, question, raised_on, raised_by,"
            f" created_at, created_by) VALUES (?, ?, ?, ?, 'bench', '{stamp}', 'bench')",
            challenges,
        )
        conn.executemany(
            "INSERT INTO self_evaluations (area_id, grade, text, on_date, created_at,"
            f" created_by) VALUES (?, 'good', 'Our view.', ?, '{stamp}', 'bench')",
            [(area_id, f"201{year}-06-30") for area_id in area_ids for year in (6, 7, 8)],
        )
        conn.executemany(
            "INSERT INTO grades (source_id, area_id, grade, created_at, created_by)"
            f" VALUES (1, ?, 'requires-improvement', '{stamp}', 'bench')",
            [(area_id,) for area_id in area_ids],
        )
        _published(conn, generator, stamp)
    conn.execute("ANALYZE")
    conn.close()


def _published(conn, generator: random.Random, stamp: str) -> None:
    """The council's code, a neighbour model of every council, and every place's
    published figure for 10 measures, each year."""
    conn.execute("INSERT INTO settings (key, value) VALUES ('council_code', '869')")
    conn.execute(
        "INSERT INTO neighbour_models (id, year, file, sha256, created_at, created_by)"
        f" VALUES (1, '2018', 'sn_model_2018_wide.csv', '{'0' * 64}', '{stamp}', 'bench')"
    )
    conn.executemany(
        "INSERT INTO neighbours (model_id, council, council_name, rank, neighbour)"
        " VALUES (1, ?, ?, ?, ?)",
        [
            (code, f"Council {code}", rank, near)
            for code in COUNCILS
            for rank, near in enumerate(
                generator.sample([c for c in COUNCILS if c != code], 10), start=1
            )
        ],
    )
    places = [("england", "E92000001", "England", None)]
    places += [("region", f"E1200000{r}", f"Region {r}", f"E1200000{r}") for r in range(1, 10)]
    places += [("council", code, f"Council {code}", f"E1200000{int(code) % 9 + 1}")
               for code in COUNCILS]  # fmt: skip
    for m in range(PUBLISHED_MEASURES):
        code = f"measure-{m:02d}"
        conn.execute(
            "INSERT INTO published_imports (id, measure, file, sha256, value_column, period,"
            " source, published_on, figures, created_at, created_by) VALUES (?, ?, 'c1.csv',"
            " ?, 'value', 'year to 31 March', 'DfE', '2018-05-01', ?, ?, 'bench')",
            [m + 1, code, f"{m:064d}", len(places) * len(PUBLISHED_YEARS), stamp],
        )
        conn.executemany(
            "INSERT INTO published_figures (import_id, measure, year, level, code, name,"
            " region_code, value, letter, published_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " '2018-05-01')",
            [
                (m + 1, code, str(year), level, place, name, region,
                 *((None, "c") if generator.random() < 0.03
                   else (round(generator.uniform(5, 95), 1), None)))
                for year in PUBLISHED_YEARS
                for level, place, name, region in places
            ],
        )  # fmt: skip


def read_every_row(conn) -> int:
    return sum(len(conn.execute(f"SELECT * FROM {table}").fetchall()) for table in TABLES)


def timed(work, conn) -> float:
    start = time.perf_counter()
    work(conn)
    return time.perf_counter() - start


def assess_as_of(conn) -> None:
    assess(conn, as_of=AS_OF)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    print(f"{'items':>9}  {'assess':>9}  {'fetchall':>9}  ratio")
    with tempfile.TemporaryDirectory() as folder:
        for size in options.sizes:
            path = Path(folder) / f"library-{size}" / "evidence.db"
            build(path, size)
            conn = open_library(path)
            ours: list[float] = []
            baseline: list[float] = []
            assess_as_of(conn)  # warm both the page cache and the code
            read_every_row(conn)
            for _ in range(options.rounds):
                ours.append(timed(assess_as_of, conn))
                baseline.append(timed(read_every_row, conn))
            conn.close()
            ours_time, base_time = statistics.median(ours), statistics.median(baseline)
            ratio = ours_time / base_time
            print(f"{size:>9,}  {ours_time:8.3f}s  {base_time:8.3f}s  {ratio:.2f}")
    print(
        f"goal at the largest size: assess under {SECONDS_GOAL} s and a ratio under {RATIO_GOAL}:"
        f" {'met' if ours_time < SECONDS_GOAL and ratio < RATIO_GOAL else 'missed'}"
    )
    record(
        "readiness_scale",
        f"{size:,} items",
        ours=ours_time,
        baseline=base_time,
        unit="s",
        baseline_name="one read of every row",
        goal=f"under {SECONDS_GOAL} s, ratio under {RATIO_GOAL}",
        met=ours_time < SECONDS_GOAL and ratio < RATIO_GOAL,
    )


if __name__ == "__main__":
    main()
