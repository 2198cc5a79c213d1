"""`evidence add` must start fast: it imports nothing it does not use."""

import subprocess
import sys
from pathlib import Path

HEAVY = ("weasyprint", "datasette", "openpyxl", "pypdf", "rich", "yaml", "sqlite_utils", "jinja2")

PROBE = """
import sys
sys.argv = ["evidence", *sys.argv[1:]]
from evidence.__main__ import main
try:
    main()
except SystemExit as exit:
    assert not exit.code, exit.code
print(" ".join(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def run_probe(tmp_path, *args):
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "EVIDENCE_DB": str(tmp_path / "db" / "evidence.db"),
            "EVIDENCE_USER": "tester",
        },
    ).stdout.splitlines()


def test_add_imports_nothing_heavy(tmp_path):
    run_probe(tmp_path, "kinds")  # creates and migrates the library first
    out = run_probe(tmp_path, "add", "audit", "--title", "T", "--date", "2017", "--area", "1")
    assert out == ["Logged evidence 1", ""]


def test_the_console_script_is_installed():
    script = Path(sys.executable).parent / "evidence"
    out = subprocess.run([script, "--help"], capture_output=True, text=True, check=True).stdout
    assert "Log one piece of evidence" in out
