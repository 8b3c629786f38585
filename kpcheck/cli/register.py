"""``kpcheck register import|show|export`` and the register's part in ``check``, ``audit`` and
``stats``: every register failure is a clear message and exit 2 here, never a skipped check."""

from __future__ import annotations

import sys
from typing import Any, Callable, Iterable, Iterator, TypeVar

import click

from kpcheck.api import Checker, Result
from kpcheck.batch.xref import key_of
from kpcheck.cli.console import err_console, error, output_stream
from kpcheck.input.reader import Loaded, parse_json, read_sources
from kpcheck.register.connect import RegisterError
from kpcheck.register.desk import audit_history, check_register, record_decisions
from kpcheck.register.importer import import_sources, read_all
from kpcheck.register.store import Register, canonical_documents, decisions_of, submissions_of
from kpcheck.rulebook.facts import normalise_number

EXIT_OK, EXIT_ERROR = 0, 2
T = TypeVar("T")

register_option = click.option(
    "--register", "register_url", metavar="URL", envvar="KPCHECK_REGISTER",
    help="The register: a file path, sqlite:///PATH or postgresql://user@host/db "
         "(default: register.sqlite in the user's data folder).")


def fail(message: str) -> None:
    error(message)
    sys.exit(EXIT_ERROR)


def guarded(work: Callable[[], T], what: str) -> T:
    """Run ``work``; a register failure is reported and ends the command with exit 2."""
    try:
        return work()
    except RegisterError as exc:
        fail(f"{exc}; {what}")
        raise AssertionError("unreachable")


def open_register(url: str | None, what: str = "nothing was checked") -> Register:
    return guarded(lambda: Register.open(url), what)


# ---- check and audit -------------------------------------------------------------------------

def desk_check(url: str, checker: Checker, files: Iterable[str], against: list[str], meta: dict[str, Any],
               waive: Callable[[list[Result]], list[Result]], record: bool, by: str | None) -> list[Result]:
    """``check --register``: the checked files' results with XREF-01/02 against the register
    (and the ``--against`` files), recorded with ``--record``."""
    checked = []
    for loaded in read_sources(files):
        sub = loaded.submission
        checked.append((checker.check_loaded(loaded), key_of(sub) if sub else None, sub))
    extra = [key_of(l.submission) for l in read_all(against) if l.submission is not None]
    register = open_register(url)
    meta = {**meta, "engine": checker.engine.kind}
    return guarded(lambda: check_register(register, checker, checked, meta, waive, record, by, extra),
                   "nothing was checked")


def audit_hooks(url: str, sources: list[str], record: bool) -> tuple[Register, Callable[[], Iterator[Any]], dict[str, int]]:
    """``audit --register``: the register, its history (as it stood before this audit) and,
    with ``--record``, the audited submissions stored (row number by source location)."""
    register = open_register(url)
    keys = guarded(lambda: audit_history(register), "nothing was audited")

    def history() -> Iterator[Any]:
        try:
            yield from keys()
        except RegisterError as exc:
            fail(f"{exc}; nothing was audited")
    stored: dict[str, int] = {}
    if record:
        stored = guarded(lambda: import_sources(register, sources, keep_rows=True).stored, "nothing was audited")
    return register, history, stored


def recorded(register: Register, results: Iterable[Result], stored: dict[str, int], meta: dict[str, Any],
             engine: str, by: str | None) -> Iterator[Result]:
    """The audit's results, each decision stored as it passes; a failure ends with exit 2."""
    try:
        yield from record_decisions(register, results, stored, {**meta, "engine": engine}, by)
    except RegisterError as exc:
        err_console.print()
        fail(f"{exc}; the audit's decisions from this point on were not recorded")


# ---- the register group ----------------------------------------------------------------------

@click.group()
def register() -> None:
    """The certificate register: past submissions and the decisions taken on them."""


@register.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@register_option
def import_(paths: tuple[str, ...], register_url: str | None) -> None:
    """Store past submissions (files, folders, JSON Lines) in the register; idempotent."""
    from kpcheck.batch.audit import count_submissions
    from kpcheck.cli.main import progress_bar

    reg = open_register(register_url, "nothing was imported")
    total = count_submissions(paths) if err_console.is_terminal else 0
    with progress_bar(total, "importing") as advance:
        summary = guarded(lambda: import_sources(reg, paths, advance), "the batches before this one were stored")
    for problem in summary.errors:
        error(f"{problem.location}: {problem.message}")
    err_console.print(f"{summary.read} submission(s) read: {summary.added} stored, {summary.already} already in "
                      f"the register, {len(summary.errors)} unreadable ({reg.shown})")
    sys.exit(EXIT_ERROR if summary.errors else EXIT_OK)


@register.command()
@click.argument("number")
@register_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show(number: str, register_url: str | None, fmt: str) -> None:
    """Every submission and decision for a certificate NUMBER (either direction), oldest first."""
    reg = open_register(register_url, "nothing was shown")
    wanted = normalise_number(number) or ""

    def read() -> list[dict[str, Any]]:
        with reg.reading() as conn:
            subs = submissions_of(conn, wanted)
            decisions = decisions_of(conn, [s["pk"] for s in subs])
        return [{**s, "decisions": decisions[s["pk"]]} for s in subs]

    entries = guarded(read, "nothing was shown")
    if not entries:
        fail(f"certificate number {number} is not in the register {reg.shown}")
    from kpcheck.register.render import render_json, render_text

    (render_json if fmt == "json" else render_text)(entries, sys.stdout)


@register.command()
@register_option
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
def export(register_url: str | None, output: str | None) -> None:
    """Every stored submission as JSON Lines, in the order stored (readable by import and audit)."""
    reg = open_register(register_url, "nothing was exported")

    def write() -> int:
        n = 0
        with output_stream(output) as stream, reg.reading() as conn:
            for _, document in canonical_documents(conn):
                stream.write(document + "\n")
                n += 1
        return n

    try:
        n = guarded(write, "the export is incomplete")
    except OSError as exc:
        fail(f"{output}: cannot write the export ({exc.strerror})")
    err_console.print(f"{n} submission(s) exported from {reg.shown}")


def register_loaded(url: str | None) -> Iterator[Loaded]:
    """Every stored submission, read back in the order stored (``stats --register``)."""
    reg = open_register(url, "no statistics were made")
    try:
        with reg.reading() as conn:
            for pk, document in canonical_documents(conn):
                yield parse_json(document.encode(), f"{reg.shown}#{pk}")
    except RegisterError as exc:
        fail(f"{exc}; no statistics were made")


__all__ = ["register", "register_option", "desk_check", "audit_hooks", "recorded", "register_loaded"]
