"""Several managers logging at once: every item lands, none is lost or half-written."""

import subprocess
import sys
from pathlib import Path

from db import open_db
from db.migrations import migration_names

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
    conn = open_db(library_path)
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
