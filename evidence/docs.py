"""The README's command reference, generated from the commands' own --help."""

from __future__ import annotations


def command_reference() -> str:
    from typer.main import get_command
    from typer.testing import CliRunner

    from evidence.cli import app

    runner = CliRunner()
    sections = []
    names = ["", *get_command(app).commands]  # type: ignore[attr-defined]
    for name in names:
        args = [name, "--help"] if name else ["--help"]
        result = runner.invoke(app, args, prog_name="evidence", terminal_width=88)
        if result.exit_code:
            raise RuntimeError(f"evidence {name} --help failed: {result.output}")
        title = f"evidence {name}".strip()
        sections.append(f"### `{title}`\n\n```\n{result.stdout.rstrip()}\n```\n")
    return "\n" + "\n".join(sections)
