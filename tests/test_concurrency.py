"""Several managers logging at once: every item lands, none is lost or half-written."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from proof import ADDS_EACH, IMPORTED_ROWS, WRITERS

from db.migrations import migration_names
from evidence.library import open_library

pytestmark = pytest.mark.slow  # many processes writing at once

SCRIPT = Path(sys.executable).parent / "evidence"


def test_parallel_adds_into_a_new_library_all_land(library_path):
    """Four processes start on a library that does not exist yet: migrations run once."""
    procs = [
        subprocess.Popen(
            [
                "sh",
                "-c",
                " && ".join(
                    f"{SCRIPT} add audit --title 'Audit {worker}-{n}' --date 2017-01 --area 1"
                    f" --db {library_path} --by worker{worker}"
                    for n in range(5)
                ),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(4)
    ]
    results = [proc.communicate(timeout=120) + (proc.returncode,) for proc in procs]
    assert [code for _, _, code in results] == [0, 0, 0, 0], results
    conn = open_library(library_path)
    assert conn.execute("SELECT count(*) FROM evidence").fetchone()[0] == 20
    assert conn.execute("SELECT count(*) FROM evidence_areas").fetchone()[0] == 20
    assert (
        conn.execute("SELECT count(*) FROM changes WHERE table_name = 'evidence'").fetchone()[0]
        == 20
    )
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(
        migration_names()
    )
    assert conn.execute("SELECT count(*) FROM kinds").fetchone()[0] == 16
    assert conn.execute("SELECT count(*) FROM area_mappings").fetchone()[0] == 19


# One process of many: the command line's `add`, run ADDS_EACH times in turn in one
# Python process (each a whole command: arguments read, library opened, item written in its
# own transaction, library closed), so that 8 writers cost seconds, not a minute of starts.
WRITER = """
import sys
from evidence.__main__ import main

library, writer, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
failed = 0
for n in range(count):
    sys.argv = ["evidence", "add", "audit", "--title", f"Writer {writer} item {n}",
                "--date", "2017-01", "--area", "2.1", "--db", library, "--by", f"writer{writer}"]
    try:
        main()
    except SystemExit as stop:
        failed += stop.code not in (0, None)
sys.exit(failed)
"""


def test_eight_writers_and_an_import_at_once_lose_nothing(cli, tmp_path, library_path):
    cli.add(title="Already there")
    rows = tmp_path / "year.csv"
    rows.write_text(
        "ref,kind,title,date,areas\n"
        + "".join(f"Y{n:04d},voice,Imported {n},2017-02,2.1\n" for n in range(IMPORTED_ROWS)),
        encoding="utf-8",
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(library_path), str(writer), str(ADDS_EACH)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for writer in range(WRITERS)
    ]
    # The import starts once the writers are under way, so they write before and after it.
    conn = open_library(library_path)
    deadline = time.monotonic() + 60
    while conn.execute("SELECT count(*) FROM evidence").fetchone()[0] < 1 + WRITERS:
        assert time.monotonic() < deadline, "the writers did not start"
        time.sleep(0.02)
    conn.close()
    importer = subprocess.Popen(
        [SCRIPT, "import", rows, "--db", library_path, "--by", "importer"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    outcomes = [proc.communicate(timeout=240) + (proc.returncode,) for proc in writers]
    outcomes.append(importer.communicate(timeout=240) + (importer.returncode,))
    assert [code for _, _, code in outcomes] == [0] * (WRITERS + 1), outcomes
    assert not [err for _, err, _ in outcomes if "locked" in err or "Error" in err]
    assert (
        outcomes[-1][0]
        == f"Imported year.csv: {IMPORTED_ROWS} items added, 0 updated, 0 unchanged.\n"
    )

    conn = open_library(library_path)
    total = 1 + WRITERS * ADDS_EACH + IMPORTED_ROWS
    assert conn.execute("SELECT count(*) FROM evidence").fetchone()[0] == total
    titles = {row[0] for row in conn.execute("SELECT title FROM evidence")}
    assert titles == (
        {"Already there"}
        | {f"Writer {w} item {n}" for w in range(WRITERS) for n in range(ADDS_EACH)}
        | {f"Imported {n}" for n in range(IMPORTED_ROWS)}
    )
    # One audit row for each item's creation, credited to whoever wrote it.
    audited = conn.execute(
        "SELECT evidence.created_by, changes.changed_by, count(*) FROM evidence"
        " JOIN changes ON changes.table_name = 'evidence' AND changes.action = 'insert'"
        " AND changes.row_id = evidence.id GROUP BY 1, 2 ORDER BY 1"
    ).fetchall()
    assert [tuple(row) for row in audited] == sorted(
        [("importer", "importer", IMPORTED_ROWS), ("tester", "tester", 1)]
        + [(f"writer{w}", f"writer{w}", ADDS_EACH) for w in range(WRITERS)]
    )
    assert (
        conn.execute(
            "SELECT count(*) FROM changes WHERE table_name = 'evidence' AND action = 'insert'"
        ).fetchone()[0]
        == total
    )
    # They did write at the same time: the import's items, written in one transaction,
    # have items of the writers on either side.
    first, last = conn.execute(
        "SELECT min(id), max(id) FROM evidence WHERE created_by = 'importer'"
    ).fetchone()
    assert last - first + 1 == IMPORTED_ROWS
    before, after = conn.execute(
        "SELECT sum(id < ?), sum(id > ?) FROM evidence WHERE created_by LIKE 'writer%'",
        [first, last],
    ).fetchone()
    assert before >= WRITERS and after > 0, (before, after)
    conn.close()
    assert cli("check").stdout == f"The library is sound: {total} items and 0 files checked.\n"
