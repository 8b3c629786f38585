"""The ``kpcheck`` program: signals are taken over before anything heavy is imported, so that
Ctrl-C (or SIGTERM, SIGHUP, SIGQUIT) at any moment, even while kpcheck starts, ends the run
with exit 2 and one line, never a traceback or click's "Aborted!" with exit 1."""

from __future__ import annotations

import atexit
import gc
import os
import sys
import types

from kpcheck.cli.exits import EXIT_ERROR, Interrupted, may_end_lean, raise_on_signals


def run() -> None:
    """``kpcheck``'s entry point (``python -m kpcheck`` too).

    A command that says :func:`~kpcheck.cli.exits.end_lean` (everything it wrote is flushed
    and closed) ends the process with ``os._exit`` once the exit handlers ran and the standard
    streams are flushed: no teardown of the interpreter's modules and objects, a third of a
    warm desk check's time after its report. Only here, in the program's entry: never in the
    library, nor under click's test runner."""
    raise_on_signals()
    no_plugin_scan()
    gc.disable()  # start-up allocates much and frees little: see kpcheck.cli.main.collector_back
    try:
        from kpcheck.cli.main import main

        main(prog_name="kpcheck")
    except SystemExit as exc:
        if may_end_lean() and isinstance(exc.code, int):
            _end_now(exc.code)
        raise
    except Interrupted as exc:
        try:
            sys.stderr.write(f"error: interrupted ({exc}); kpcheck stopped, nothing more was done\n")
            sys.stderr.flush()
        except (OSError, ValueError):  # the terminal is gone (SIGHUP)
            pass
        sys.exit(EXIT_ERROR)


def _end_now(code: int) -> None:
    """``os._exit(code)`` once the exit handlers ran and stdout and stderr are flushed; returns
    (the caller then exits the usual way) when a stream cannot be flushed (a closed pipe)."""
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def no_plugin_scan() -> None:
    """pydantic looks for plugins (observability hooks) among every installed package's entry
    points the first time a model is built, importing ``importlib.metadata`` and ``email`` for
    it: about a twentieth of a desk check. kpcheck's program takes no pydantic plugins (they
    would only observe its validation, never change it), so its entry puts an empty plugin
    loader in the place of pydantic's before pydantic is imported. Only here, in the program's
    entry: the library (``import kpcheck``) leaves pydantic as it is. A test holds this to the
    names pydantic takes from its loader."""
    name = "pydantic.plugin._loader"
    if name in sys.modules or os.environ.get("KPCHECK_PYDANTIC_PLUGINS"):
        return
    loader = types.ModuleType(name, "kpcheck: no pydantic plugins in the kpcheck program (kpcheck.cli.entry.no_plugin_scan)")
    loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
    sys.modules[name] = loader
