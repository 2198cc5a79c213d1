"""The `evidence` console script (and `python -m evidence`).

A command lives for a fraction of a second, and most of that is importing Typer and
pydantic, which allocate many long-lived objects; cyclic garbage collection during those
imports is wasted work. Collection is paused until the arguments are parsed, then turned
back on with everything imported so far frozen out of its reach (see `_started` in
evidence/cli/common.py).

A command told to stop (SIGTERM, as `kill` sends, or SIGHUP, as a closed terminal sends)
stops as it would on Ctrl-C: its transaction rolls back and the files it had begun to store
are removed.
"""

import gc
import signal
import sys


def main() -> None:
    gc.disable()
    for stop in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(stop) is not signal.SIG_IGN:  # `nohup` asked for it to be ignored
            signal.signal(stop, _stop)
    from evidence.cli import app, register

    register(sys.argv[1:])
    app()


def _stop(signum: int, frame: object) -> None:
    sys.exit(128 + signum)


if __name__ == "__main__":
    main()
