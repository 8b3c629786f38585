"""``kpcheck register import|show|export`` and the register's part in ``check``, ``audit`` and
``stats``. The helpers raise :class:`RegisterError`; the commands turn it into exit 2."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from kpcheck.cli.console import LazyGroup, err_console, error, lang_option, language, located, say, verbosity_options
from kpcheck.cli.exits import EXIT_ERROR, EXIT_OK, Failed
from kpcheck.cli.outputs import output_stream
from kpcheck.input.reader import Loaded, parse_json
from kpcheck.input.text import normalise_number
from kpcheck.problems import N_
from kpcheck.register.errors import RegisterError
from kpcheck.register.events import DEFAULT_COUPON_DAYS, DEFAULT_RECEIPT_DAYS
from kpcheck.register.events import KINDS as EVENT_KINDS
from kpcheck.register.importer import import_sources
from kpcheck.register.store import Register, canonical_documents, decisions_of, submissions_of

register_option = click.option(
    "--register",
    "register",
    metavar="URL",
    help="The register: a file path, sqlite:///PATH or postgresql://user@host/db (default: register.sqlite in the user's data folder).",
)


# ---- check, audit and stats: helpers that raise RegisterError ----------------------------------


def register_loaded(url: str | None) -> Iterator[Loaded]:
    """Every stored submission, read back in the order stored (``stats --register``)."""
    register = Register.open(url, readonly=True)
    with register.reading() as conn:
        for pk, document in canonical_documents(conn):
            yield parse_json(document.encode(), f"{register.shown}#{pk}")


# ---- the register group ----------------------------------------------------------------------


@click.group(cls=LazyGroup)
@verbosity_options
def register() -> None:
    """The certificate register: past submissions and the decisions taken on them."""


@register.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@register_option
@lang_option()
@verbosity_options
def import_(paths: tuple[str, ...], register: str | None, lang: str) -> int:
    """Store past submissions (files, folders, JSON Lines) in the register; idempotent.

    Unreadable submissions are reported with file and line and the others still go in
    (exit 2 then)."""
    from kpcheck.cli.main import progress_bar
    from kpcheck.input.units import count_submissions

    try:
        reg = Register.open(register, create=True)
    except RegisterError as exc:
        raise Failed(f"{located(exc)}; {say('nothing was stored')}") from None
    try:
        with progress_bar(count_submissions(paths) if err_console.is_terminal else 0, N_("importing")) as advance:
            summary = import_sources(reg, paths, advance)
    except RegisterError as exc:
        raise Failed(f"{located(exc)}; {say('the batches read before this point were stored')}") from None
    for problem in summary.errors:
        error(f"{problem.location}: {problem.message_in(say)}")
    err_console.print(
        say(
            "{read} submission(s) read: {added} stored, {already} already in the register, {unreadable} unreadable ({register})",
            read=summary.read,
            added=summary.added,
            already=summary.already,
            unreadable=len(summary.errors),
            register=reg.shown,
        ),
        soft_wrap=True,
        markup=False,
    )
    return EXIT_ERROR if summary.errors else EXIT_OK


@register.command()
@click.argument("number")
@register_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@lang_option("Language of the messages and of the text listing (JSON keeps its keys and values).")
@verbosity_options
def show(number: str, register: str | None, fmt: str, lang: str) -> None:
    """Every submission and decision for a certificate NUMBER (either direction), oldest first."""
    from kpcheck.register.events import events_of
    from kpcheck.register.render import render_json, render_text

    wanted = normalise_number(number) or ""
    try:
        reg = Register.open(register, readonly=True)
        with reg.reading() as conn:
            subs = submissions_of(conn, wanted)
            decisions = decisions_of(conn, [s["pk"] for s in subs])
            happened = events_of(conn, wanted)
    except RegisterError as exc:
        error(f"{located(exc)}; {say('nothing was shown')}")
        raise Failed() from None
    if not subs:
        raise Failed(say("certificate number {number} is not in the register {register}", number=number, register=reg.shown))
    entries = [{**s, "decisions": decisions[s["pk"]], "events": [e for e in happened if e["submission"] == s["pk"]]} for s in subs]
    if fmt == "json":
        render_json(entries, sys.stdout)
    else:
        render_text(entries, sys.stdout, language())


@register.command()
@register_option
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@lang_option()
@verbosity_options
def export(register: str | None, output: str | None, lang: str) -> None:
    """Every stored submission as JSON Lines, in the order stored (readable by import and audit)."""
    n = 0
    try:
        reg = Register.open(register, readonly=True)
        refuse_over_register(output, reg)
        with output_stream(output) as stream, reg.reading() as conn:
            for _, document in canonical_documents(conn):
                stream.write(document + "\n")
                n += 1
    except RegisterError as exc:
        raise Failed(f"{located(exc)}; {say('the export is incomplete')}") from None
    except OSError as exc:
        raise Failed(say("{output}: cannot write the export ({reason})", output=output, reason=exc.strerror)) from None
    err_console.print(say("{n} submission(s) exported from {register}", n=n, register=reg.shown), soft_wrap=True, markup=False)


# ---- events and what is due --------------------------------------------------------------------

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


def _today() -> dt.date:
    return dt.date.today()


@register.command()
@click.argument("number")
@click.argument("kind", type=click.Choice(EVENT_KINDS))
@click.option(
    "--on", "on", type=click.DateTime(DATE_FORMATS), required=True, metavar="DATE", help="The day it happened (2026-03-15 or 15.03.2026)."
)
@click.option("--by", metavar="NAME", help="Who records it (a controller or the department).")
@register_option
@lang_option()
@verbosity_options
def event(number: str, kind: str, on: dt.datetime, by: str | None, register: str | None, lang: str) -> None:
    """Record what happened to certificate NUMBER after its check: KIND is damaged,
    duplicate-issued (exports), coupon-sent (imports) or receipt-confirmed (exports).

    Events are append-only; recording the same event again adds nothing."""
    from kpcheck.register.due_render import kind_label
    from kpcheck.register.events import EventRefused, record_event

    try:
        reg = Register.open(register)
        now = dt.datetime.now(dt.timezone.utc)
        recorded = reg.write(lambda conn: record_event(conn, number, kind, on.date(), by, now, lang))
    except (EventRefused, RegisterError) as exc:
        raise Failed(f"{located(exc)}; {say('nothing was recorded')}") from None
    what = f"{recorded.raw_number} ({say(recorded.direction)}): {kind_label(kind, lang)} {recorded.occurred_on.isoformat()}"
    note = say(" (already recorded; nothing added)") if recorded.already else ""
    err_console.print(f"{what}{note} — {reg.shown}", soft_wrap=True, markup=False)


def due_period_options(func: Any) -> Any:
    """``--coupon-days`` and ``--receipt-days``: the periods the department sets for the open
    items (``register due`` and the desk's Due view); KPCHECK_COUPON_DAYS and the configuration
    files as for every option."""
    func = click.option(
        "--receipt-days",
        type=click.IntRange(0, 3650),
        default=DEFAULT_RECEIPT_DAYS,
        show_default=True,
        help="Days after an export's issue for the importing authority to confirm receipt (set by the department).",
    )(func)
    return click.option(
        "--coupon-days",
        type=click.IntRange(0, 3650),
        default=DEFAULT_COUPON_DAYS,
        show_default=True,
        help="Days after an import's presentation to send its completed coupon back (set by the department).",
    )(func)


@register.command()
@click.option("--on", "on", type=click.DateTime(DATE_FORMATS), metavar="DATE", help="The day to look from (default: today).")
@due_period_options
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
@lang_option("Language of the list.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@click.option("--rules", type=click.Path(file_okay=False), help="Rulebook folder whose DUP-01 sets the duplicate's deadline.")
@click.option("--reference", type=click.Path(file_okay=False), help="Folder of registers replacing the shipped example ones.")
@register_option
@verbosity_options
def due(
    on: dt.datetime | None,
    coupon_days: int,
    receipt_days: int,
    fmt: str,
    lang: str,
    output: str | None,
    rules: str | None,
    reference: str | None,
    register: str | None,
) -> None:
    """The open items, overdue first: duplicates of damaged certificates (DUP-01's working
    days after the damage), coupons to send back and receipts to be confirmed (the
    department's days). An item closes when its event is recorded (register event)."""
    from kpcheck.api import Checker, RulebookInvalid
    from kpcheck.register.due_render import RENDERERS
    from kpcheck.register.events import due_items
    from kpcheck.register.periods import NoDuplicateDeadline, periods_of

    day = on.date() if on else _today()
    try:
        periods = periods_of(Checker.load(rules, reference, "python"), coupon_days, receipt_days)
    except RulebookInvalid as exc:
        for problem in exc.errors:
            error(located(problem))
        error(say("the rulebook or reference data does not load; nothing is listed"))
        raise Failed() from None
    except NoDuplicateDeadline as exc:
        error(f"{located(exc)}; {say('nothing is listed')}")
        raise Failed() from None
    try:
        reg = Register.open(register, readonly=True)
        with reg.reading() as conn:
            items = due_items(conn, day, periods)
    except RegisterError as exc:
        error(f"{located(exc)}; {say('nothing is listed')}")
        raise Failed() from None
    with output_stream(output, "list of open items") as stream:
        RENDERERS[fmt](items, day, lang, stream)


def refuse_over_register(output: str | None, reg: Register) -> None:
    """Exit 2 when ``output`` is the register's own file (or its journal): no command writes over its register."""
    from kpcheck.register.urls import sqlite_path

    path = sqlite_path(reg.url)
    if output is None or path is None:
        return
    target = Path(output)
    for own in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if _same_file(target, own):
            error(
                say(
                    "{output}: the export would be written over the register {register}; give another file",
                    output=output,
                    register=reg.shown,
                )
            )
            raise Failed()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except (OSError, RuntimeError):
        return False


@register.command()
@click.argument("url", required=False, metavar="[URL]")
@register_option
@lang_option()
@verbosity_options
def init(url: str | None, register: str | None, lang: str) -> None:
    """Create an empty register at URL (a file path, sqlite:///PATH or an empty PostgreSQL
    database; default: the user's register). Only this, register import and --record create
    a register: every other command refuses a missing one."""
    try:
        reg = Register.open(url or register, create=True)
        reg.close()
    except RegisterError as exc:
        raise Failed(f"{located(exc)}; {say('no register was created')}") from None
    err_console.print(say("register ready: {register}", register=reg.shown), soft_wrap=True, markup=False)
