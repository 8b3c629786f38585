"""The ``kpcheck`` program.

Signals are taken over before anything heavy is imported, so that Ctrl-C (or SIGTERM, SIGHUP,
SIGQUIT) at any moment, even while kpcheck starts, ends the run with exit 2 and one line, never
a traceback or click's "Aborted!" with exit 1. The run's exit code comes from the one main
(:func:`kpcheck.cli.console.main`); :func:`run` returns it to the console script (or
``python -m kpcheck``), which exits with it, as pip's entry point does.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import types
from typing import TYPE_CHECKING

from kpcheck.cli.exits import EXIT_ERROR, Interrupted, may_end_lean, raise_on_signals, run_over, said_interrupted

if TYPE_CHECKING:
    from kpcheck.rulebook.cache import GeneratedCode


def run() -> int:
    """``kpcheck``'s entry point (``python -m kpcheck`` too): the exit code of the run.

    A command that says :func:`~kpcheck.cli.exits.end_lean` (everything it wrote is flushed
    and closed) ends the process with ``os._exit`` of the code the one main returned, once the
    exit handlers ran and the standard streams are flushed: no teardown of the interpreter's
    modules and objects, a third of a warm desk check's time after its report. Only here, in
    the program's entry: never in the library, nor under click's test runner."""
    raise_on_signals()
    no_plugin_scan()
    gc.disable()  # start-up allocates much and frees little: see kpcheck.cli.main.collector_back
    try:
        generated = cache_generated_code()
        from kpcheck.cli.main import main

        code: int = main.main(prog_name="kpcheck", standalone_mode=False)
        run_over()
    except Interrupted as exc:  # while kpcheck starts (before the one main is there), or just after it returned
        run_over()
        said_interrupted(exc)
        return EXIT_ERROR
    if generated is not None:
        generated.save()
    if may_end_lean():
        _end_now(code)
    return code


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


def cache_generated_code() -> GeneratedCode | None:
    """The methods ``dataclasses`` writes as text for every dataclass and the string annotations
    ``typing`` compiles are parsed and compiled on every start, a fifth of a warm desk check:
    the program's entry has those two modules take them from a table of compiled code kept in
    the cache folder (:class:`~kpcheck.rulebook.cache.GeneratedCode`; the classes and types
    built are the same), before anything defines a dataclass. Only here, in the program's
    entry: the library leaves both modules as they are; none with ``KPCHECK_NO_CACHE``. A
    test holds the two names to the modules' sources."""
    import dataclasses
    import typing

    from kpcheck.rulebook.cache import GeneratedCode

    table = GeneratedCode.load()
    if table is not None:
        dataclasses.exec = table.exec_  # type: ignore[attr-defined]  # a global of the module's own: the builtin for everyone else
        typing.compile = table.compile_  # type: ignore[attr-defined]
    return table
