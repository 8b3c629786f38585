"""``kpcheck register import|show|export`` and the register's part in ``check``, ``audit`` and
``stats``. The helpers raise :class:`RegisterError`; the commands turn it into exit 2."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import click

from kpcheck.cli.console import err_console, error, verbosity_options
from kpcheck.cli.exits import EXIT_ERROR, EXIT_OK
from kpcheck.cli.outputs import output_stream
from kpcheck.input.reader import Loaded, parse_json
from kpcheck.input.text import normalise_number
from kpcheck.register.errors import RegisterError
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
    register = Register.open(url)
    with register.reading() as conn:
        for pk, document in canonical_documents(conn):
            yield parse_json(document.encode(), f"{register.shown}#{pk}")


# ---- the register group ----------------------------------------------------------------------


@click.group()
@verbosity_options
def register() -> None:
    """The certificate register: past submissions and the decisions taken on them."""


@register.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@register_option
@verbosity_options
def import_(paths: tuple[str, ...], register: str | None) -> None:
    """Store past submissions (files, folders, JSON Lines) in the register; idempotent.

    Unreadable submissions are reported with file and line and the others still go in
    (exit 2 then)."""
    from kpcheck.cli.main import progress_bar
    from kpcheck.input.units import count_submissions

    try:
        reg = Register.open(register)
        with progress_bar(count_submissions(paths) if err_console.is_terminal else 0, "importing") as advance:
            summary = import_sources(reg, paths, advance)
    except RegisterError as exc:
        error(f"{exc}; the batches read before this point were stored")
        sys.exit(EXIT_ERROR)
    for problem in summary.errors:
        error(f"{problem.location}: {problem.message}")
    err_console.print(
        f"{summary.read} submission(s) read: {summary.added} stored, {summary.already} already "
        f"in the register, {len(summary.errors)} unreadable ({reg.shown})",
        soft_wrap=True,
    )
    sys.exit(EXIT_ERROR if summary.errors else EXIT_OK)


@register.command()
@click.argument("number")
@register_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@verbosity_options
def show(number: str, register: str | None, fmt: str) -> None:
    """Every submission and decision for a certificate NUMBER (either direction), oldest first."""
    from kpcheck.register.render import render_json, render_text

    wanted = normalise_number(number) or ""
    try:
        reg = Register.open(register)
        with reg.reading() as conn:
            subs = submissions_of(conn, wanted)
            decisions = decisions_of(conn, [s["pk"] for s in subs])
    except RegisterError as exc:
        error(f"{exc}; nothing was shown")
        sys.exit(EXIT_ERROR)
    if not subs:
        error(f"certificate number {number} is not in the register {reg.shown}")
        sys.exit(EXIT_ERROR)
    entries = [{**s, "decisions": decisions[s["pk"]]} for s in subs]
    (render_json if fmt == "json" else render_text)(entries, sys.stdout)


@register.command()
@register_option
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@verbosity_options
def export(register: str | None, output: str | None) -> None:
    """Every stored submission as JSON Lines, in the order stored (readable by import and audit)."""
    n = 0
    try:
        reg = Register.open(register)
        with output_stream(output) as stream, reg.reading() as conn:
            for _, document in canonical_documents(conn):
                stream.write(document + "\n")
                n += 1
    except RegisterError as exc:
        error(f"{exc}; the export is incomplete")
        sys.exit(EXIT_ERROR)
    except OSError as exc:
        error(f"{output}: cannot write the export ({exc.strerror})")
        sys.exit(EXIT_ERROR)
    err_console.print(f"{n} submission(s) exported from {reg.shown}", soft_wrap=True)
