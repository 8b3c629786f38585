"""The ``kpcheck`` program: signals are taken over before anything heavy is imported, so that
Ctrl-C (or SIGTERM, SIGHUP, SIGQUIT) at any moment, even while kpcheck starts, ends the run
with exit 2 and one line, never a traceback or click's "Aborted!" with exit 1."""

from __future__ import annotations

import sys

from kpcheck.cli.exits import EXIT_ERROR, Interrupted, raise_on_signals


def run() -> None:
    """``kpcheck``'s entry point (``python -m kpcheck`` too)."""
    raise_on_signals()
    try:
        from kpcheck.cli.main import main

        main(prog_name="kpcheck")
    except Interrupted as exc:
        try:
            sys.stderr.write(f"error: interrupted ({exc}); kpcheck stopped, nothing more was done\n")
            sys.stderr.flush()
        except (OSError, ValueError):  # the terminal is gone (SIGHUP)
            pass
        sys.exit(EXIT_ERROR)
