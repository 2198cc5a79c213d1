"""The README's command reference, generated from the commands' own --help."""

from __future__ import annotations


def command_reference() -> str:
    from typer.main import get_command
    from typer.testing import CliRunner

    from evidence.cli import full_app

    app = full_app()

    runner = CliRunner()
    sections: list[str] = []

    def document(path: list[str], command) -> None:
        result = runner.invoke(app, [*path, "--help"], prog_name="evidence", terminal_width=88)
        if result.exit_code:
            raise RuntimeError(f"evidence {' '.join(path)} --help failed: {result.output}")
        title = " ".join(["evidence", *path])
        sections.append(f"### `{title}`\n\n```\n{result.stdout.rstrip()}\n```\n")
        for name, sub in getattr(command, "commands", {}).items():  # a group's commands
            document([*path, name], sub)

    document([], get_command(app))
    return "\n" + "\n".join(sections)
