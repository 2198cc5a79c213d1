import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The pages with generated parts: the README's Guarantees, the command reference.
GENERATED = ["README.md", "docs/commands.md"]
DOCS = ["README.md", *sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("docs/*.md"))]
README_LINES = 700


@pytest.mark.parametrize("page", GENERATED)
def test_the_generated_parts_match_the_commands_and_figures(page):
    cog = Path(sys.executable).parent / "cog"
    result = subprocess.run(
        [cog, "--check", page], check=False, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, (
        f"{page} is out of date: run .venv/bin/cog -r {page}\n" + result.stdout + result.stderr
    )


def test_the_command_reference_lists_every_command():
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    for command in ("evidence add", "evidence pack", "evidence serve", "evidence user password"):
        assert f"### `{command}`" in reference


def test_the_readme_opens_with_the_two_set_up_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:12]
    commands = [line.split("#")[0].strip() for line in head if line.startswith("make ")]
    assert commands == ["make demo", "make test"]


def test_the_readme_is_short_enough_to_read_in_ten_minutes():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < README_LINES, "move reference material to docs/"
    assert "## Guarantees" in lines


@pytest.mark.parametrize("page", DOCS)
def test_every_link_between_the_pages_leads_somewhere(page):
    path = ROOT / page
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        assert linked.is_file(), f"{page} links to {target}, which does not exist"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), re.M)
            slugs = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
            assert anchor in slugs, f"{page} links to {target}: no such heading"
