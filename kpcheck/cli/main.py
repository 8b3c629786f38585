"""The command line: parse options, call the library, render, choose the exit code."""

from __future__ import annotations

import contextlib
import gc
import signal
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kpcheck import __version__
from kpcheck.api import Checker, EngineUnavailable, RulebookInvalid
from kpcheck.cli.console import (
    QUIET,
    VERBOSE,
    LazyGroup,
    err_console,
    error,
    lang_option,
    language,
    located,
    say,
    verbosity,
    verbosity_options,
    warning,
)
from kpcheck.cli.emit import emit_parts
from kpcheck.cli.exits import Failed, Interrupted, end_lean, raise_on_signals
from kpcheck.cli.outputs import output_files, refuse_clashes, refuse_unreadable
from kpcheck.cli.provenance import provenance
from kpcheck.cli.settings import bounded_jobs
from kpcheck.engine import KINDS, describe_default
from kpcheck.i18n.labels import N_
from kpcheck.input.reader import read_sources
from kpcheck.register.errors import RegisterError
from kpcheck.report import FORMATS_AUDIT, FORMATS_CHECK, make_writer
from kpcheck.report.parts import PartMaker
from kpcheck.results import FAIL_ON

if TYPE_CHECKING:  # a desk check imports neither the audit machinery nor the waivers (start-up time)
    from kpcheck.checking import Waived
    from kpcheck.waivers import WaiverBook


MAX_LISTED_ON_TERMINAL = 50  # failing submissions an audit lists on a terminal without -v (docs/decisions.md)


def parse_formats(formats: Iterable[str], output: str | None, allowed: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """``--format`` values as (format, file or None for standard output); none at all with
    ``--quiet`` and no ``--format`` (the default text report is not printed)."""
    out: list[tuple[str, str | None]] = []
    if not formats and verbosity() <= QUIET:
        return []
    for raw in formats or ("text",):
        fmt, _, file = raw.partition("=")
        if fmt not in allowed:
            raise click.BadParameter(
                say("unknown format {format}; expected one of {formats}", format=repr(fmt), formats=", ".join(allowed)),
                param_hint="--format",
            )
        out.append((fmt, file or None))
    to_stdout = [f for f, file in out if file is None]
    if len(to_stdout) > 1:
        raise click.BadParameter(say("only one format can go to standard output; give the others a file: json=FILE"), param_hint="--format")
    return [(f, file or output) for f, file in out]


@contextlib.contextmanager
def open_writers(targets: list[tuple[str, str | None]], options: dict[str, Any]) -> Iterator[list[Any]]:
    """One writer per format; each report file is written whole or not at all (exit 2). A writer
    is told its file (``path``: the CSV report writes its provenance beside it)."""
    with output_files([(report_name(fmt), file) for fmt, file in targets]) as streams:
        yield [make_writer(fmt, stream, {**options, "path": file}) for (fmt, file), stream in zip(targets, streams)]


def load_checker(
    rules: str | None, reference: str | None, engine: str | None, lang: str = "en", banner_shown: bool = False
) -> Checker | None:
    """The checker, or None after printing why it does not load. The example-registers warning
    is given once per run, and not at all when a text report shows its banner on the terminal."""
    try:
        checker = Checker.load(rules, reference, engine, lang=lang)
    except EngineUnavailable as exc:
        error(f"{exc}; {say('nothing was checked')}")
        return None
    except RulebookInvalid as exc:
        for problem in exc.errors:
            error(located(problem))
        error(say("the rulebook or reference data does not load; nothing was checked"))
        return None
    missing = checker.untranslated(lang)
    if missing:
        fallback = say("Russian, else English") if lang == "kk" else say("English")
        few = verbosity() >= VERBOSE or len(missing) <= 5
        more = say(" (and {n} more; -v lists them all)", n=len(missing) - 5)
        shown = ", ".join(missing if few else missing[:5]) + ("" if few else more)
        warning(
            say(
                "{n} rule(s) have no text in {lang} and are shown in {fallback}: {rules}",
                n=len(missing),
                lang=repr(lang),
                fallback=fallback,
                rules=shown,
            )
        )
    if checker.reference_kind == "example" and not banner_shown:
        warning(
            say("using the shipped EXAMPLE registers (signers, customs points, entities); pass --reference DIR for the official lists"),
            once="example-registers",
        )
    return checker


def report_name(fmt: str) -> str:
    """``json report``: a report file as the messages name it."""
    return say("{format} report", format=fmt)


def text_on_terminal(targets: list[tuple[str, str | None]]) -> bool:
    """A text report goes to standard output and that is a terminal (it shows the registers banner)."""
    return sys.stdout.isatty() and any(f in ("text", "audit-text") and file is None for f, file in targets)


def prepare(
    rules: str | None, reference: str | None, engine: str | None, lang: str, waivers: str | None, banner_shown: bool = False
) -> tuple[Checker, WaiverBook | None]:
    """The checker and the waivers of a run; exits 2 when either does not load."""
    checker = load_checker(rules, reference, engine, lang, banner_shown)
    if checker is None:
        raise Failed()
    if not waivers:
        return checker, None
    from kpcheck.waivers import WaiverFileError

    try:
        return checker, load_waivers(waivers, checker)
    except WaiverFileError as exc:
        error(f"{located(exc)}; {say('nothing was checked')}")
        raise Failed() from None


def load_waivers(path: str | None, checker: Checker) -> WaiverBook | None:
    """The ``--waivers`` file; raises :class:`WaiverFileError` when it does not read."""
    from kpcheck.waivers import WaiverBook, severities_of

    return WaiverBook.load(path, severities_of(checker.book)) if path else None


common = [
    click.option("--format", "formats", multiple=True, metavar="FMT[=FILE]", help="Output format, repeatable; FMT=FILE writes to a file."),
    click.option("--output", "-o", type=click.Path(dir_okay=False), help="File for the format without =FILE."),
    click.option("--rules", type=click.Path(file_okay=False), help="Rulebook folder (default: the shipped one)."),
    click.option(
        "--reference", type=click.Path(file_okay=False), help="Folder of registers replacing the shipped example ones file by file."
    ),
    click.option("--engine", type=click.Choice(KINDS), help="Evaluator (default: durable where it imports)."),
    click.option(
        "--fail-on", type=click.Choice(FAIL_ON), default="violation", show_default=True, help="Lowest severity that makes the exit code 1."
    ),
    lang_option("Language of titles and messages."),
    click.option(
        "--waivers",
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="Waivers granted by the authorised body (YAML); waived findings do not count.",
    ),
]


register_options = [
    click.option(
        "--register",
        "register",
        metavar="URL",
        help="Certificate register (file path, sqlite:///PATH, postgresql://user@host/db, or 'default'): "
        "run XREF-01/02 against the submissions it holds.",
    ),
    click.option("--record", is_flag=True, help="Store the submissions and decisions in the --register."),
    click.option("--by", metavar="NAME", help="The controller or department asking, stored with the decisions (--record)."),
]


def register_options_of(func: Any) -> Any:
    for option in reversed(register_options):
        func = option(func)
    return func


def with_common(func: Any) -> Any:
    for option in reversed(common):
        func = option(func)
    return func


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: which engine runs is asked only here (reading package metadata costs a
    desk check's start-up time otherwise)."""
    if value and not ctx.resilient_parsing:
        click.echo(f"kpcheck, version {__version__}\nengine: {describe_default()}")
        ctx.exit()


@click.group(
    cls=LazyGroup,
    lazy={
        "rules": "kpcheck.cli.rules:rules",
        "stats": "kpcheck.cli.stats:stats",
        "config": "kpcheck.cli.config:config",
        "register": "kpcheck.cli.register:register",
        "serve": "kpcheck.cli.serve:serve",
        "users": "kpcheck.cli.users:users",
        "explain": "kpcheck.cli.explain:explain",
        "report": "kpcheck.cli.report:report",
    },
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and the engine that runs by default, and exit.",
)
@verbosity_options
def main() -> None:
    """Check Kimberley Process rough-diamond certificates against the law of the Republic of Kazakhstan."""
    if click.get_current_context().invoked_subcommand != "check":
        collector_back()


def collector_back() -> None:
    """The garbage collector on again (:func:`kpcheck.cli.entry.run` turns it off while kpcheck
    starts: the modules, the rulebook and the engine are thousands of objects that live as long
    as the process, and collecting them over and over is start-up time). What was loaded is
    frozen out of every later collection. ``check`` calls this once its checker is loaded, every
    other command at once; under click's test runner the collector was never off."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


@main.command()
@click.argument("files", nargs=-1, required=True)
@with_common
@verbosity_options
@click.option(
    "--against",
    "against",
    multiple=True,
    metavar="SOURCE",
    help="Past submissions (files, folders, JSON Lines): also run XREF-01/02 against them.",
)
@register_options_of
def check(
    files: tuple[str, ...],
    formats: tuple[str, ...],
    output: str | None,
    rules: str | None,
    reference: str | None,
    engine: str | None,
    fail_on: str,
    lang: str,
    waivers: str | None,
    against: tuple[str, ...],
    register: str | None,
    record: bool,
    by: str | None,
) -> int:
    """Pre-check one or more submissions (JSON, YAML, JSON Lines)."""
    targets = parse_formats(formats, output, FORMATS_CHECK)
    refuse_clashes([(report_name(fmt), file) for fmt, file in targets], [*files, *against])
    refuse_unreadable(against, "--against")
    require_register(register, record)
    checker, waiver_book = prepare(rules, reference, engine, lang, waivers, text_on_terminal(targets))
    collector_back()
    meta = {**checker.meta(waivers), "provenance": provenance(click.get_current_context(), register, waivers, rules, reference)}
    from kpcheck.checking import Across, Alone, History, InRegister, Steps, run, source_keys

    history = source_keys(against) if against else None
    loaded = read_sources(files)
    across: Across
    if register:
        across = InRegister(loaded, register, meta, record, by, history or [], searched=(*files, *against))
    elif history is not None:
        across = History(loaded, history, searched=(*files, *against))
    else:
        across = Alone(loaded)
    chunks: Iterable[Waived] = run(Steps(checker, lang, waiver_book), across)
    if register:  # the register read (or written) before any report starts
        try:
            chunks = list(chunks)
        except RegisterError as exc:
            raise Failed(f"{located(exc)}; {say('nothing was checked')}") from None
    with open_writers(targets, {"fail_on": fail_on, "lang": lang}) as writers:
        code = emit_parts(map(PartMaker(writers, fail_on), chunks), writers, meta, {})
    end_lean()  # every report written and renamed into place, the register (if any) committed above
    return code


@main.command()
@click.argument("sources", nargs=-1, required=True)
@with_common
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    callback=lambda _c, _p, v: bounded_jobs(v),
    help="Worker processes (default: every core).",
)
@click.option(
    "--rulebook-url",
    metavar="URL",
    help="The rulebook document (kpcheck rules docs -o rulebook.html) the HTML report links rules to "
    "(default: the shipped docs/rulebook.html).",
)
@register_options_of
@verbosity_options
def audit(
    sources: tuple[str, ...],
    formats: tuple[str, ...],
    output: str | None,
    rules: str | None,
    reference: str | None,
    engine: str | None,
    fail_on: str,
    lang: str,
    waivers: str | None,
    jobs: int | None,
    rulebook_url: str | None,
    register: str | None,
    record: bool,
    by: str | None,
) -> int:
    """Batch-audit past submissions: files, folders, JSON Lines; with the checks across them."""
    targets = [("audit-text" if f == "text" else f, file) for f, file in parse_formats(formats, output, FORMATS_AUDIT)]
    refuse_clashes([(report_name(fmt), file) for fmt, file in targets], sources)
    require_register(register, record)
    options = {"rules": rules, "registers": reference, "engine": engine, "lang": lang}
    checker, waiver_book = prepare(rules, reference, engine, lang, waivers, text_on_terminal(targets))
    meta = {**checker.meta(waivers), "provenance": provenance(click.get_current_context(), register, waivers, rules, reference)}
    from kpcheck.batch import reaper
    from kpcheck.batch.audit import AuditStopped
    from kpcheck.batch.workers import WorkerFailed, WorkerLost, cpu_count
    from kpcheck.cli.audit_run import run_audit
    from kpcheck.input.units import plan_units

    jobs = jobs or cpu_count()
    show_progress = err_console.is_terminal and verbosity() > QUIET
    summary: dict[str, int] = {}
    recording = None
    if record:
        from kpcheck.register.desk import Recording

        recording = Recording()
    try:
        with stopped_by_signals(), contextlib.ExitStack() as stack:
            reaper.start()  # removes the spool and temporary reports should this process be killed
            stack.callback(reaper.stop)
            units = list(plan_units(sources, count=True)) if show_progress else None  # expanded once, counted for the bar
            advance = stack.enter_context(progress_bar(sum(unit.count for unit in units) if units else 0))
            with open_writers(targets, audit_options(checker, fail_on, lang, rulebook_url, rules)) as writers:
                code = run_audit(
                    list(sources),
                    options,
                    jobs,
                    advance,
                    checker,
                    waiver_book,
                    (register, record, by),
                    meta,
                    writers,
                    fail_on,
                    summary,
                    stack.callback,
                    recording,
                    units,
                )
    except RegisterError as exc:
        raise Failed(f"{located(exc)}; {say('the audit stopped there')}{_recorded(recording)}") from None
    except (WorkerLost, WorkerFailed, AuditStopped) as exc:
        raise Failed(f"{located(exc)}; {say('the audit was stopped and its report is incomplete')}{_recorded(recording)}") from None
    except Interrupted as exc:
        raise Failed(f"{say('the audit was interrupted ({signal}); its report is incomplete', signal=exc)}{_recorded(recording)}") from None
    if recording is not None and recording.resumed:
        from kpcheck.cli.console import note

        done = say("{n} submission(s) recorded now, {m} by the interrupted run", n=recording.recorded, m=recording.already)
        note(say("audit run {run} completed: {done}", run=recording.run, done=done))
    print_audit_summary(summary, targets, fail_on, lang, code, meta)
    return code


def _recorded(recording: Any) -> str:
    """What ``--record`` left in the register, for the message of an audit that stopped."""
    return "" if recording is None else f"; {recording.said(language())}"


def audit_options(checker: Checker, fail_on: str, lang: str, rulebook_url: str | None, rules: str | None) -> dict[str, Any]:
    """What the audit's writers are told: level, language, the terminal's cap, the HTML extras."""
    outliers = checker.book.calling("xref_price_outliers")  # the rule that draws the price band (XREF-03)
    shipped = Path(__file__).resolve().parents[2] / "docs" / "rulebook.html"
    if rulebook_url is None and rules is None and shipped.is_file():
        rulebook_url = shipped.as_uri()
    capped = sys.stdout.isatty() and verbosity() < VERBOSE
    return {
        "fail_on": fail_on,
        "lang": lang,
        "compact": True,
        "rulebook_url": rulebook_url,
        "max_listed": MAX_LISTED_ON_TERMINAL if capped else None,
        "price_rule": {"id": outliers[0].id, **outliers[0].spec.params} if outliers else None,
    }


def print_audit_summary(
    summary: dict[str, int], targets: list[tuple[str, str | None]], fail_on: str, lang: str, code: int, meta: dict[str, Any] | None = None
) -> None:
    """The audit's summary, last: on standard output when no report went there, else on standard
    error unless the text report (which ends with its own) did; nothing with --quiet. It names
    the register, the waivers file and the settings from outside the command line (``meta``'s
    provenance)."""
    if verbosity() <= QUIET or any(f == "audit-text" and file is None for f, file in targets):
        return
    from kpcheck.report.summary import summary_lines

    to_stdout = all(file is not None for _, file in targets)
    from kpcheck.i18n import gettext_for
    from kpcheck.report.text import provenance_parts

    lines = summary_lines(summary, [(f, file) for f, file in targets if file is not None], fail_on, lang, code)
    lines += provenance_parts(meta or {}, gettext_for(lang))
    stream = sys.stdout if to_stdout else sys.stderr
    stream.write("".join(line + "\n" for line in lines))


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Ctrl-C, SIGTERM, SIGHUP and SIGQUIT raise :class:`Interrupted`, so every ``with`` on the
    way cleans up (the ``kpcheck`` program sets this from its start; here for callers of ``main``)."""
    previous = raise_on_signals()
    try:
        yield
    except KeyboardInterrupt as exc:
        raise Interrupted("SIGINT") from exc
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def require_register(register: str | None, record: bool) -> None:
    if record and not register:
        raise click.UsageError(say("--record needs a register: --register URL (or KPCHECK_REGISTER)"))


@contextlib.contextmanager
def progress_bar(total: int, label: str = N_("auditing")) -> Iterator[Any]:
    """A rich progress bar with rate and ETA on standard error, only on a terminal."""
    if not total:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(f"{task.speed:>9,.0f}/s" if task.speed else "        –/s")

    columns = [TextColumn(say(label)), BarColumn(), MofNCompleteColumn(), RateColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("audit", total=total)
        yield lambda n: bar.advance(task, n)
