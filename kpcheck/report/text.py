"""The text report for the terminal: a plain verdict per submission, its findings, a summary."""

from __future__ import annotations

import os
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kpcheck.api import Result
from kpcheck.waivers import waived_note

VERDICT = {"invalid": ("INVALID", "bold white on red"), "non_compliant": ("NON-COMPLIANT", "bold red"),
           "review": ("REVIEW", "bold yellow"), "compliant": ("COMPLIANT", "bold green"),
           "error": ("ERROR", "bold magenta")}
SEVERITY_STYLE = {"invalid": "red", "violation": "red", "warning": "yellow", "info": "cyan"}


def make_console(stream: IO[str], width: int | None = None) -> Console:
    """A console that honours NO_COLOR and colours only terminals."""
    if width is None and not (hasattr(stream, "isatty") and stream.isatty()):
        width = int(os.environ.get("COLUMNS", 0)) or 120   # files and pipes: wide enough for the tables
    return Console(file=stream, width=width, soft_wrap=False, highlight=False)


def basis_text(basis: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> str:
    parts = []
    for b in basis:
        provision = b.get("provision") or ""
        mark = " (provision unconfirmed)" if provision.strip().lower() == "to be confirmed" else f", {provision}"
        parts.append(f"{b['act']}{mark}")
    return "; ".join(parts)


def identity_line(meta: dict[str, Any]) -> str:
    """What a report was made with, so that it can be made again years later."""
    book = meta.get("rulebook", {})
    parts = [f"kpcheck {meta.get('kpcheck')}", *([f"engine {meta['engine']}"] if meta.get("engine") else []),
             f"rulebook {book.get('version')}",
             f"rulebook sha256 {book.get('sha256')}", f"reference: {meta.get('reference')}"]
    if meta.get("registers"):
        parts.append(f"registers sha256 {meta['registers']['sha256']}")
    if meta.get("waivers"):
        parts.append(f"waivers sha256 {meta['waivers']['sha256']}")
    return " · ".join(parts)


def findings_table(result: Result) -> Table:
    """One finding per row: rule and severity, then what is wrong, the field and the law,
    so that the message keeps the width and nothing is cut in the middle of a word."""
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for f in result.findings:
        severity = Text(f"{f.severity} (waived)" if f.waived else f.severity,
                        style="dim" if f.waived else SEVERITY_STYLE.get(f.severity, ""))
        body = Text(f.message + waived_note(f))
        if f.fields:
            body.append("\nField: ", style="bold dim").append(", ".join(f.fields), style="cyan")
        body.append("\nLegal basis: ", style="bold dim").append(basis_text(f.legal_basis), style="dim")
        table.add_row(Text(f"  {f.rule}", style="bold"), severity, body)
        table.add_row("", "", "")
    return table


class TextWriter:
    """Every submission with its verdict and findings (check), then the summary."""

    def __init__(self, stream: IO[str], options: dict[str, Any]):
        self.console = make_console(stream, options.get("width"))
        self.meta: dict[str, Any] = {}

    def start(self, meta: dict[str, Any]) -> None:
        self.meta = meta
        if meta.get("reference") == "example":
            self.console.print(Text("EXAMPLE REGISTERS: the signer, customs-point and entity lists are examples, "
                                    "not the authorised body's official lists.", style="bold yellow"))

    def add(self, result: Result) -> None:
        label, style = VERDICT[result.status]
        head = Text()
        head.append(f" {label} ", style=style)
        head.append(f"  {result.submission or '(no id)'}  ", style="bold")
        head.append(result.source, style="dim")
        self.console.print(head)
        if result.error:
            self.console.print(f"  {result.error['location']}: {result.error['message']}")
        elif result.findings:
            self.console.print(findings_table(result))
        else:
            self.console.print("  No findings.", style="green")
        if result.not_applicable:
            names = ", ".join(n.rule for n in result.not_applicable)
            self.console.print(Text(f"  Not applicable ({len(result.not_applicable)}): {names}", style="dim"))
        self.console.print()

    def finish(self, summary: dict[str, int]) -> None:
        parts = [f"{summary['submissions']} submission(s)"] + [
            f"{summary[k]} {VERDICT[k][0].lower()}" for k in ("compliant", "review", "non_compliant", "invalid", "error")
            if summary.get(k)]
        self.console.print(Text(" · ".join(parts), style="bold"))
        self.console.print(Text(identity_line(self.meta), style="dim"))
