"""A power cut, as far as a program can see one: the process killed (SIGKILL) mid-command,
with no chance to clean up. The library must hold all of the command's work or none, be
sound, and take the command again; a pack's file must be whole or absent."""

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from proof import KILL_AT, KILLED_IMPORT_ROWS, PACK_KILL_AT
from pypdf import PdfReader

pytestmark = pytest.mark.slow  # commands killed mid-way, at many moments

BIN = Path(sys.executable).parent


def run(*argv, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BIN / "evidence", *map(str, argv)], check=False, capture_output=True, text=True, **options
    )


def killed_after(seconds: float, *argv) -> int:
    """Start a command, SIGKILL it after `seconds`; its exit code (negative if killed)."""
    proc = subprocess.Popen(
        [BIN / "evidence", *map(str, argv)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    return proc.returncode


def sound(library: Path) -> None:
    conn = sqlite3.connect(library)  # not open_db: nothing may be written before the check
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def count(library: Path) -> int:
    conn = sqlite3.connect(library)
    try:
        return conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
    finally:
        conn.close()


def test_an_import_killed_at_any_moment_leaves_none_or_all_of_its_rows(tmp_path):
    rows = tmp_path / "rows.csv"
    with rows.open("w", encoding="utf-8") as out:
        out.write("ref,kind,title,date,areas,summary\n")
        for n in range(KILLED_IMPORT_ROWS):
            out.write(f"P{n:06d},audit,Audit {n},2017-{n % 12 + 1:02d},2.1,Findings {n}\n")
    base = tmp_path / "base"
    for n in range(3):
        assert run("add", "plan", "--title", f"Plan {n}", "--date", "2017-01", "--area", "3",
                   "--db", base / "evidence.db", "--create").returncode == 0  # fmt: skip

    whole = tmp_path / "whole"
    shutil.copytree(base, whole)
    start = time.perf_counter()
    assert run("import", rows, "--db", whole / "evidence.db").returncode == 0
    duration = time.perf_counter() - start
    assert count(whole / "evidence.db") == 3 + KILLED_IMPORT_ROWS

    outcomes = []
    for fraction in KILL_AT:
        folder = tmp_path / f"killed-{fraction}"
        shutil.copytree(base, folder)
        library = folder / "evidence.db"
        code = killed_after(duration * fraction, "import", rows, "--db", library)
        sound(library)
        held = count(library)
        assert held in (3, 3 + KILLED_IMPORT_ROWS), (fraction, held)
        outcomes.append("none" if held == 3 else "all")
        again = run("import", rows, "--db", library)
        assert again.returncode == 0, again.stderr
        if held == 3:
            assert again.stdout.startswith(f"Imported rows.csv: {KILLED_IMPORT_ROWS} items added")
        else:
            assert f"0 updated, {KILLED_IMPORT_ROWS} unchanged" in again.stdout
        assert count(library) == 3 + KILLED_IMPORT_ROWS
        check = run("check", "--db", library)
        assert check.returncode == 0, check.stderr
        assert code == -signal.SIGKILL or held == 3 + KILLED_IMPORT_ROWS
    # The kills did land mid-import: the early ones found nothing committed.
    assert outcomes[0] == "none", outcomes


def test_a_pack_killed_while_printing_never_leaves_a_broken_file(tmp_path):
    library = tmp_path / "library" / "evidence.db"
    assert run("demo", "--db", library).returncode == 0
    out = tmp_path / "pack.pdf"
    # One area's pack: any pack is written the same way, and a short one is killed sooner.
    pack = ("pack", "--as-of", "2018-03-31", "--area", "2.1", "--out", out, "--db", library)
    # The pack already there has another title, so the new one is told from it (by its
    # title, not its hash: the cover names the minute it was printed).
    assert run(*pack, "--title", "The pack before").returncode == 0
    first = hashlib.sha256(out.read_bytes()).hexdigest()
    start = time.perf_counter()
    assert run(*pack).returncode == 0
    duration = time.perf_counter() - start
    pages = len(PdfReader(out).pages)
    assert hashlib.sha256(out.read_bytes()).hexdigest() != first
    assert "The pack before" not in PdfReader(out).pages[0].extract_text()

    kept = 0
    for fraction in PACK_KILL_AT:
        assert run(*pack, "--title", "The pack before").returncode == 0
        killed_after(duration * fraction, *pack)
        # Whole: the last pack, or a new one complete to its last page.
        reader = PdfReader(out, strict=True)
        assert len(reader.pages) == pages
        assert "page" in reader.pages[-1].extract_text().lower()
        kept += "The pack before" in reader.pages[0].extract_text()
        sound(library)
    # A killed print leaves nothing beside the pack: its copy was in the library's work
    # folder, which the next command sweeps.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["library", "pack.pdf"]
    assert kept >= 1  # the early kills stopped before the new pack took the name
    again = run(*pack)
    assert again.returncode == 0, again.stderr
    assert os.path.getsize(out) > 0
    assert not (library.parent / ".evidence.db.work").exists()


def test_a_report_killed_at_any_moment_leaves_none_or_all_of_it(tmp_path):
    ofsted = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "ofsted"
    names = ("birmingham-sif-2014-05-23.pdf", "birmingham-sif-2016-11-25.pdf",
             "birmingham-ilacs-2019-01-17.pdf", "birmingham-ilacs-2023-04-18.pdf")  # fmt: skip
    reports = [ofsted / name for name in names]
    if not all(path.exists() for path in reports):
        pytest.skip(f"the shared fixtures are not beside the project ({ofsted} is absent)")
    base = tmp_path / "base"
    assert run("add", "plan", "--title", "Plan", "--date", "2017-01", "--area", "3",
               "--db", base / "evidence.db", "--create").returncode == 0  # fmt: skip
    whole = tmp_path / "whole"
    shutil.copytree(base, whole)
    start = time.perf_counter()
    assert run("report", *reports, "--db", whole / "evidence.db").returncode == 0
    duration = time.perf_counter() - start

    def held(library: Path) -> tuple[int, int, int]:
        conn = sqlite3.connect(library)
        try:
            return tuple(
                conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("evidence", "grades", "actions")
            )
        finally:
            conn.close()

    everything = held(whole / "evidence.db")
    assert everything == (1 + 4, 7 + 6 + 4 + 5, 28 + 17 + 6 + 4)
    outcomes = []
    for fraction in KILL_AT:
        folder = tmp_path / f"killed-{fraction}"
        shutil.copytree(base, folder)
        library = folder / "evidence.db"
        killed_after(duration * fraction, "report", *reports, "--db", library)
        sound(library)
        found = held(library)
        assert found in ((1, 0, 0), everything), (fraction, found)
        outcomes.append("none" if found == (1, 0, 0) else "all")
        again = run("report", *reports, "--db", library)
        assert again.returncode == 0, again.stderr
        assert held(library) == everything
        check = run("check", "--db", library)
        assert check.returncode == 0, check.stdout + check.stderr
    assert outcomes[0] == "none", outcomes
