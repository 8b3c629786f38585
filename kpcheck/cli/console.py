"""The standard-error console every command reports problems on (NO_COLOR is honoured), and how
talkative a run is: ``-q/--quiet`` (errors only) and ``-v/--verbose`` (every detail), options of
every command, kept in the run's click context so that each invocation starts afresh."""

from __future__ import annotations

import importlib
import io
import os
import sys
from collections.abc import Callable
from typing import Any

import click
from rich.markup import escape

from kpcheck.cli.exits import EXIT_ERROR, EXIT_FAIL, EXIT_OK, Failed, Interrupted, said_interrupted
from kpcheck.cli.settings import CommandDefaults, Settings, adopt
from kpcheck.input.shorten import shorten
from kpcheck.problems import KpcheckError, fill
from kpcheck.report.text import SafeConsole

err_console = SafeConsole(stderr=True, highlight=False)  # data shown escaped, never run by the terminal
QUIET, NORMAL, VERBOSE = -1, 0, 1
_KEY = "kpcheck.verbosity"
_LANG = "kpcheck.lang"


def _meta() -> dict[str, Any]:
    ctx = click.get_current_context(silent=True)
    return ctx.meta if ctx is not None else {}


def verbosity() -> int:
    """QUIET, NORMAL or VERBOSE for the running command (NORMAL outside a command)."""
    return int(_meta().get(_KEY, NORMAL))


def _set(level: int) -> Any:
    def callback(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            ctx.meta[_KEY] = level

    return callback


def verbosity_options(func: Any) -> Any:
    """``-q/--quiet`` and ``-v/--verbose`` on a command (they set the run's verbosity; the last given wins)."""
    func = click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        callback=_set(VERBOSE),
        help="Show everything: every failing submission, every warning in full.",
    )(func)
    return click.option(
        "-q",
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=_set(QUIET),
        help="Print nothing but errors (and the reports asked for with --format).",
    )(func)


def lang_option(help: str = "Language of the messages.") -> Callable[[Any], Any]:
    """``--lang en|ru|kk`` of a command (``KPCHECK_LANG`` and the configuration files as for every
    option): :class:`Command` makes it the language of the command's own lines."""
    from kpcheck.i18n import LANGUAGES

    return click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help=help)


def language() -> str:
    """The language of the running command's own lines (its ``--lang``, else English): what
    :func:`error`, :func:`warning` and the commands' messages are said in."""
    return str(_meta().get(_LANG, "en"))


def say(template: str, **args: object) -> str:
    """``template`` (an English msgid with ``{names}``) in the running command's language, filled
    with ``args`` (numbers, ids, paths and codes, left as they are)."""
    from kpcheck.i18n import gettext_for

    return fill(gettext_for(language())(template), {name: str(value) for name, value in args.items()})


def located(exc: BaseException) -> str:
    """``location: message`` of an error (``str(exc)``) in the running command's language when
    the error carries its message as a template (a :class:`~kpcheck.problems.KpcheckError`
    given one, an audit's :class:`~kpcheck.batch.audit.AuditStopped`), else as written."""
    template = getattr(exc, "template", None)
    if language() == "en" or template is None:
        return str(exc)
    where = getattr(exc, "location", None)
    message = say(template, **dict(getattr(exc, "template_args", ())))
    return message if where is None else f"{where}: {message}"


def _level(word: str, lang: str | None) -> str:
    """``error`` or ``warning`` in the language (English: as it always was)."""
    if (lang or language()) == "en":
        return word
    from kpcheck.i18n import gettext_for

    return gettext_for(lang or language())(word)


def error(message: str, lang: str | None = None) -> None:
    """An error on standard error: ``error: message``, its first word in the command's language
    (``lang``: where the command's context is gone, the language it ran in)."""
    err_console.print(f"[bold red]{_level('error', lang)}:[/] {escape(message)}", markup=True, soft_wrap=True)


def warning(message: str, once: str | None = None) -> None:
    """A warning on standard error, unless the run is quiet; with ``once``, at most once per run."""
    if verbosity() <= QUIET:
        return
    if once is not None:
        said = _meta().setdefault("kpcheck.warned", set())
        if once in said:
            return
        said.add(once)
    err_console.print(f"[yellow]{_level('warning', None)}:[/] {escape(message)}", markup=True, soft_wrap=True)


def note(message: str) -> None:
    """Information on standard error (not an error, not a warning), unless the run is quiet."""
    if verbosity() > QUIET:
        err_console.print(message, markup=False, soft_wrap=True, highlight=False)


def main(command: click.Command, args: Any = None, prog_name: str | None = None, standalone_mode: bool = True, **extra: Any) -> int:
    """The one place kpcheck exits (as pip's ``Command.main``): every command returns its
    outcome's exit code and every helper raises (:class:`~kpcheck.cli.exits.Failed`, a
    :class:`~kpcheck.problems.KpcheckError`, :class:`~kpcheck.cli.exits.Interrupted`); here they
    are mapped to the exit contract of :mod:`kpcheck.cli.exits` (click's own usage errors exit
    2). Exits with the code, or returns it when not ``standalone_mode`` (``kpcheck``'s entry point)."""
    code = _outcome(command, args, prog_name, extra)
    if not standalone_mode:
        return code
    sys.exit(code)


def _outcome(command: click.Command, args: Any, prog_name: str | None, extra: Any) -> int:
    """The exit code of one run: what the command returned, else what it raised, mapped."""
    _RUNS.append([[str(arg) for arg in (sys.argv[1:] if args is None else args)], None])
    try:
        return _mapped(command, args, prog_name, extra)
    finally:
        _RUNS.pop()


def _mapped(command: click.Command, args: Any, prog_name: str | None, extra: Any) -> int:
    try:
        returned = click.Command.main(command, args, prog_name, standalone_mode=False, **extra)
        return returned if isinstance(returned, int) else EXIT_OK
    except Interrupted as exc:
        said_interrupted(exc)
        return EXIT_ERROR
    except Failed as exc:
        if exc.message:
            error(exc.message, exc.lang)
        return exc.code
    except click.ClickException as exc:
        _show(exc)
        return exc.exit_code
    except click.Abort:
        click.echo(_click_gettext("Aborted!"), err=True)
        return EXIT_FAIL
    except KpcheckError as exc:
        error(str(exc))
        return EXIT_ERROR


# click's own words (its usage errors, "Usage:", the help's headings) in the run's language:
# click marks them for gettext in each of its modules (``_``, ``ngettext``), which are pointed
# here; outside a run of kpcheck's one main they stay click's English
_RUNS: list[list[Any]] = []  # [arguments, language once known] of the runs under way, innermost last
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "shell_completion", "termui", "types")


def _click_language() -> str:
    """The language of click's words in the running command: its ``--lang`` as written on the
    command line (click words a usage error before any option is read), else ``KPCHECK_LANG``,
    else the configuration files' ``lang`` for the command, else English."""
    if not _RUNS:
        return "en"
    run = _RUNS[-1]
    if run[1] is None:
        run[1] = _early_language(run[0])
    return str(run[1])


def _early_language(args: list[str]) -> str:
    from kpcheck.i18n import LANGUAGES

    given = None
    for at, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and at + 1 < len(args):
            given = args[at + 1]
        elif arg.startswith("--lang="):
            given = arg.partition("=")[2]
    if given in LANGUAGES:
        return str(given)
    if os.environ.get("KPCHECK_LANG") in LANGUAGES:
        return os.environ["KPCHECK_LANG"]
    command = next((arg for arg in args if not arg.startswith("-")), None)
    try:
        found = Settings.load().lookup(command, "lang") if command else None
    except Exception:  # a configuration file that does not read: its own error follows, in English
        found = None
    return str(found[0]) if found is not None and found[0] in LANGUAGES else "en"


def _click_gettext(message: str) -> str:
    lang = _click_language()
    if lang == "en":
        return message
    from kpcheck.i18n import gettext_for

    return gettext_for(lang)(message)


def _click_ngettext(singular: str, plural: str, count: int) -> str:
    lang = _click_language()
    if lang == "en":
        return singular if count == 1 else plural
    from kpcheck.i18n import ngettext_for

    return ngettext_for(lang)(singular, plural, count)


def _show(exc: click.ClickException) -> None:
    """A usage error as click shows it; in Russian or Kazakh, also the one hint click writes
    without gettext (an option's environment variable, "(env var: KPCHECK_JOBS)")."""
    if _click_language() == "en":
        exc.show()
        return
    shown = io.StringIO()
    exc.show(shown)
    words = _click_gettext("env var: {var}").format(var="").strip()
    click.echo(shown.getvalue().replace(" (env var: ", f" ({words} "), err=True, nl=False)


def _speak_click() -> None:
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _click_gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext  # type: ignore[attr-defined]


_speak_click()


def _main(command: click.Command, args: Any, prog_name: str | None, complete_var: str | None, standalone_mode: bool, extra: Any) -> Any:
    return main(command, args, prog_name, standalone_mode, complete_var=complete_var, **extra)


class Command(click.Command):
    """Every kpcheck command: run on its own (as the tests do), it exits through the one main
    (:func:`main`) as it does under ``kpcheck``. A command with ``--lang`` says its own lines
    in that language (:func:`language`); its failures carry the language to the one main."""

    def invoke(self, ctx: click.Context) -> Any:
        lang = ctx.params.get("lang")
        if lang in ("en", "ru", "kk"):
            ctx.meta[_LANG] = lang
        try:
            return super().invoke(ctx)
        except Failed as exc:
            exc.lang = exc.lang or language()
            raise
        except KpcheckError as exc:
            if language() == "en":
                raise
            from kpcheck.tooling.lint_render import located

            raise Failed(located(exc, language()), lang=language()) from None

    def main(
        self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None, standalone_mode: bool = True, **extra: Any
    ) -> Any:
        return _main(self, args, prog_name, complete_var, standalone_mode, extra)


class LazyGroup(click.Group):
    """A command group whose subcommands are imported when first used, so that a desk check
    does not pay for loading the rulebook tools, statistics and impact analysis."""

    def __init__(self, *args: object, lazy: dict[str, str] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy or {}

    command_class = Command

    def main(
        self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None, standalone_mode: bool = True, **extra: Any
    ) -> Any:
        """The one :func:`main`: outcomes and errors mapped to the exit contract."""
        return _main(self, args, prog_name, complete_var, standalone_mode, extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; a failure of kpcheck's own is one message and exit 2, never a
        traceback or exit 1 (``KPCHECK_DEBUG=1`` lets the traceback through)."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, Failed, KpcheckError):
            raise  # mapped to the exit contract by the one main (a KpcheckError: a setting or input refused, located: one line, exit 2)
        except Exception as exc:
            if os.environ.get("KPCHECK_DEBUG"):
                raise
            error(
                f"kpcheck stopped on an internal error ({type(exc).__name__}: {shorten(str(exc), 300)}); "
                "please report it with the command and its input (KPCHECK_DEBUG=1 shows where)"
            )
            ctx.exit(EXIT_ERROR)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, _, attribute = self.lazy[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        command = super().get_command(ctx, name)
        return None if command is None else adopt(command)

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any) -> click.Context:
        """The top command reads the configuration files (on first use) as its ``default_map``."""
        if parent is None and "default_map" not in extra and not self.context_settings.get("default_map"):
            extra["default_map"] = CommandDefaults(Settings.load, self)
        return super().make_context(info_name, args, parent, **extra)
