"""The `evidence` console script (and `python -m evidence`).

A command lives for a fraction of a second, and most of that is importing Typer and
pydantic, which allocate many long-lived objects; cyclic garbage collection during those
imports is wasted work. Collection is paused until the arguments are parsed, then turned
back on with everything imported so far frozen out of its reach (see cli._started).
"""

import gc


def main() -> None:
    gc.disable()
    from evidence.cli import app

    app()


if __name__ == "__main__":
    main()
