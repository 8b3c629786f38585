"""The one exit-code contract of every command (README, "Exit codes"; docs/report-format.md's table
extended to every command). Only ``kpcheck/cli/`` turns outcomes and errors into these codes.

- 0: the command did its job and found nothing at or above ``--fail-on``.
- 1: it found something: a finding at or above ``--fail-on`` (``check``, ``audit``), a rule problem
  or a failing example (``rules test``, ``rules lint``).
- 2: it could not do its job: a usage error; a rulebook, reference folder, register, configuration,
  waiver or production file that does not load; a report that cannot be written; a submission that
  could not be read or checked (every other one is still checked). 2 wins over 1.
"""

from __future__ import annotations

import signal  # nothing heavier (sys is built in): the program takes the signals over with this module, first thing
import sys

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
STOPPING = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name))


class Failed(Exception):
    """A command could not do its job: raised by any helper of ``kpcheck/cli/`` (never an exit
    of its own); the one ``main`` (:func:`kpcheck.cli.console.main`) prints ``message`` as an
    error, when there is one (else it was printed already), and exits with ``code``; ``lang``:
    the language the command said it in (set by :class:`kpcheck.cli.console.Command`)."""

    def __init__(self, message: str | None = None, code: int = EXIT_ERROR, lang: str | None = None):
        super().__init__(message or "")
        self.message, self.code, self.lang = message, code, lang


class Interrupted(BaseException):
    """Ctrl-C, SIGTERM, SIGHUP (a closed terminal) or SIGQUIT during a run: every ``with`` on
    the way cleans up, and the run ends with exit 2 and one line. A ``BaseException`` (as
    ``KeyboardInterrupt``), so that no ``except Exception`` on the way turns it into a
    submission's error, and click does not turn it into "Aborted!" with exit 1."""


def said_interrupted(exc: Interrupted) -> None:
    """The one line an interrupted run ends with."""
    try:
        sys.stderr.write(f"error: interrupted ({exc}); kpcheck stopped, nothing more was done\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # the terminal is gone (SIGHUP)
        pass


def _stop(signum: int, _frame: object) -> None:
    raise Interrupted(signal.Signals(signum).name)


def raise_on_signals() -> dict[int, signal._HANDLER]:
    """Make every stopping signal raise :class:`Interrupted`; the handlers before, by signal."""
    return {sig: signal.signal(sig, _stop) for sig in STOPPING}


def run_over() -> None:
    """Said by the program's entry once the one main returned its code: the run is over (every
    report written, the register committed or rolled back) and its exit code stands. The
    stopping signals are ignored from here on, through the exit handlers and the interpreter's
    teardown: else a Ctrl-C in that last moment would raise where nothing catches it (a
    traceback and exit 1) or, once the interpreter has put the default handlers back for its
    teardown, kill the process without a word (exit -2), in place of the code the run earned.
    A signal caught just before this, still waiting for its Python handler, is dropped too."""
    for sig in STOPPING:
        signal.signal(sig, signal.SIG_IGN)


_lean = [False]


def end_lean() -> None:
    """Said by a command once everything it writes is written, flushed and closed (its reports
    renamed into place, its register committed): the process may then end at once, without the
    interpreter's teardown (:func:`kpcheck.cli.entry.run`; a desk check's tens of milliseconds)."""
    _lean[0] = True


def may_end_lean() -> bool:
    return _lean[0]


def run_exit(errors: bool, failing: bool) -> int:
    """A check's or an audit's exit code: 2 when a submission could not be checked, else 1 when
    a finding reaches ``--fail-on``, else 0 (docs/report-format.md)."""
    return EXIT_ERROR if errors else EXIT_FAIL if failing else EXIT_OK
