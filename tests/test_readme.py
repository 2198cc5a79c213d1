import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_command_reference_matches_the_commands():
    cog = Path(sys.executable).parent / "cog"
    result = subprocess.run(
        [cog, "--check", "README.md"], check=False, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, (
        "README.md is out of date: run .venv/bin/cog -r README.md\n"
        + result.stdout
        + result.stderr
    )


def test_the_readme_opens_with_the_two_set_up_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:12]
    commands = [line.split("#")[0].strip() for line in head if line.startswith("make ")]
    assert commands == ["make demo", "make test"]
