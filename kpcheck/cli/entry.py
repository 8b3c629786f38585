"""The ``kpcheck`` program.

Signals are taken over before anything heavy is imported, so that Ctrl-C (or SIGTERM, SIGHUP,
SIGQUIT) at any moment, even while kpcheck starts, ends the run with exit 2 and one line, never
a traceback or click's "Aborted!" with exit 1. The run's exit code comes from the one main
(:func:`kpcheck.cli.console.main`); :func:`run` returns it to the console script (or
``python -m kpcheck``), which exits with it, as pip's entry point does.
"""

from __future__ import annotations

from kpcheck.cli.exits import EXIT_ERROR, Interrupted, raise_on_signals, said_interrupted


def run() -> int:
    """``kpcheck``'s entry point: the exit code of the run."""
    raise_on_signals()
    try:
        from kpcheck.cli.main import main
    except Interrupted as exc:  # while kpcheck starts, before the one main is there
        said_interrupted(exc)
        return EXIT_ERROR
    code: int = main.main(prog_name="kpcheck", standalone_mode=False)
    return code
