"""The standard-error console every command reports problems on (NO_COLOR is honoured)."""

from __future__ import annotations

from rich.console import Console

err_console = Console(stderr=True, highlight=False)


def error(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)


def warning(message: str) -> None:
    err_console.print(f"[yellow]warning:[/] {message}", markup=True, soft_wrap=True)
