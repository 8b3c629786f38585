"""The text report for the terminal: a plain verdict per submission, its findings, a summary.

Every word follows the report's language (``options["lang"]``). Written to a file or a pipe,
lines are never padded with trailing blanks and the identity line is not wrapped.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import IO, Any

from rich.console import Console
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from kpcheck.i18n import gettext_for, ngettext_for
from kpcheck.i18n.labels import SEVERITY, STATUS, VERDICT, Gettext, waived_note, word
from kpcheck.i18n.labels import basis_text as _basis_text
from kpcheck.input.shorten import safe
from kpcheck.results import Result
from kpcheck.verdicts import Verdict

VERDICT_STYLE = {
    "invalid": "bold white on red",
    "non_compliant": "bold red",
    "review": "bold yellow",
    "compliant": "bold green",
    "error": "bold magenta",
}
SEVERITY_STYLE = {"invalid": "red", "violation": "red", "warning": "yellow", "info": "cyan"}


class SafeConsole(Console):
    """A rich console that shows data, not commands: every control and bidirectional
    character in what it renders (a submission's values, file names, messages) comes out
    escaped (:func:`kpcheck.input.shorten.safe`); rich's own styles and its control
    segments are left as they are. Every console of kpcheck's is one."""

    def render(self, renderable: Any, options: Any = None) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            text = segment.text if segment.control else safe(segment.text, lines=True)
            yield segment if text is segment.text or text == segment.text else Segment(text, segment.style, segment.control)


def make_console(stream: IO[str], width: int | None = None) -> Console:
    """A console that honours NO_COLOR, colours only terminals and shows data escaped."""
    if width is None and not (hasattr(stream, "isatty") and stream.isatty()):
        width = int(os.environ.get("COLUMNS", 0)) or 120  # files and pipes: wide enough for the tables
    return SafeConsole(file=stream, width=width, soft_wrap=False, highlight=False)


def print_trimmed(console: Console, renderable: Any) -> None:
    """Print without the trailing blanks rich pads table cells with (goldens, diffs, editors)."""
    with console.capture() as capture:
        console.print(renderable)
    lines = capture.get().splitlines()
    console.file.write("".join(line.rstrip() + "\n" for line in lines))


def basis_text(basis: Any, _: Gettext = str) -> str:
    """``act, provision; act (provision unconfirmed)``; ``_`` gives the acts' names in a language."""
    return _basis_text(basis, _)


def identity_line(meta: dict[str, Any], _: Gettext = str) -> str:
    """What a report was made with, so that it can be made again years later."""
    book = meta.get("rulebook", {})
    parts = [
        f"kpcheck {meta.get('kpcheck')}",
        *([f"{_('engine')} {meta['engine']}"] if meta.get("engine") else []),
        f"{_('rulebook')} {book.get('version')}",
        f"{_('rulebook')} sha256 {book.get('sha256')}",
        f"{_('reference')}: {_(str(meta.get('reference')))}",
    ]
    if meta.get("registers"):
        parts.append(f"{_('registers')} sha256 {meta['registers']['sha256']}")
    if meta.get("waivers"):
        parts.append(f"{_('waivers')} sha256 {meta['waivers']['sha256']}")
    parts += provenance_parts(meta, _)
    return " · ".join(parts)


def provenance_parts(meta: dict[str, Any], _: Gettext = str) -> list[str]:
    """The register checked against, the waivers file and the settings that came from the
    environment or a configuration file (``provenance`` of the report's identity)."""
    found = meta.get("provenance") or {}
    parts = []
    if found.get("register"):
        parts.append(f"{_('register')}: {found['register']}")
    if found.get("waivers"):
        parts.append(f"{_('waivers file')}: {found['waivers']}")
    settings = found.get("settings") or {}
    if settings:
        named = ", ".join(f"{name} = {found.get(name) or '?'} ({where})" for name, where in settings.items())
        parts.append(f"{_('set outside the command line')}: {named}")
    return parts


def example_banner(_: Gettext) -> Text:
    return Text(
        _("EXAMPLE REGISTERS: the signer, customs-point and entity lists are examples, not the authorised body's official lists."),
        style="bold yellow",
    )


def findings_table(result: Result, _: Gettext = str) -> Table:
    """One finding per row: rule and severity, then what is wrong, the field and the law,
    so that the message keeps the width and nothing is cut in the middle of a word."""
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for f in result.findings:
        name = word(SEVERITY, f.severity, _)
        severity = Text(f"{name} ({_('waived')})" if f.waived else name, style="dim" if f.waived else SEVERITY_STYLE.get(f.severity, ""))
        body = Text(f.message + waived_note(f, _))
        if f.fields:
            body.append(f"\n{_('Field')}: ", style="bold dim").append(", ".join(f.fields), style="cyan")
        body.append(f"\n{_('Legal basis')}: ", style="bold dim").append(basis_text(f.legal_basis, _), style="dim")
        table.add_row(Text(f"  {f.rule}", style="bold"), severity, body)
        table.add_row("", "", "")
    return table


def summary_parts(summary: dict[str, int], lang: str) -> list[str]:
    """``5 submissions``, ``1 compliant``, … in ``lang`` (zero counts left out)."""
    _, n_ = gettext_for(lang), ngettext_for(lang)
    total = summary["submissions"]
    parts = [n_("{n} submission", "{n} submissions", total).replace("{n}", str(total))]
    for status in Verdict:
        if summary.get(status):
            label = _("could not be read") if status is Verdict.ERROR else word(STATUS, status, _).lower()
            parts.append(f"{summary[status]} {label}")
    return parts


class TextWriter:
    """Every submission with its verdict and findings (check), then the summary."""

    def __init__(self, stream: IO[str], options: dict[str, Any]):
        self.console = make_console(stream, options.get("width"))
        self.lang = options.get("lang") or "en"
        self._ = gettext_for(self.lang)
        self.meta: dict[str, Any] = {}

    def start(self, meta: dict[str, Any]) -> None:
        self.meta = meta
        if meta.get("reference") == "example":
            self.console.print(example_banner(self._), soft_wrap=not self.console.is_terminal)

    def add(self, result: Result) -> None:
        _ = self._
        head = Text()
        head.append(f" {word(VERDICT, result.status, _)} ", style=VERDICT_STYLE.get(result.status, ""))
        head.append(f"  {safe(result.submission) if result.submission else _('(no id)')}  ", style="bold")
        head.append(safe(result.source), style="dim")
        self.console.print(head, soft_wrap=True)
        if result.error:
            self.console.print(f"  {result.error['location']}: {result.error['message']}", soft_wrap=True, markup=False)
        elif result.findings:
            print_trimmed(self.console, findings_table(result, _))
        else:
            self.console.print(f"  {_('No findings.')}", style="green")
        if result.not_applicable:
            names = ", ".join(n.rule for n in result.not_applicable)
            label = _("Not applicable ({n})").replace("{n}", str(len(result.not_applicable)))
            self.console.print(Text(f"  {label}: {names}", style="dim"))
        self.console.print()

    def finish(self, summary: dict[str, int]) -> None:
        self.console.print(Text(" · ".join(summary_parts(summary, self.lang)), style="bold"), soft_wrap=True)
        self.console.print(Text(identity_line(self.meta, self._), style="dim"), soft_wrap=True)
