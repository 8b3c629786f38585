"""The standard-error console every command reports problems on (NO_COLOR is honoured)."""

from __future__ import annotations

import contextlib
import sys
from typing import IO, Iterator

from rich.console import Console

err_console = Console(stderr=True, highlight=False)


def error(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)


def warning(message: str) -> None:
    err_console.print(f"[yellow]warning:[/] {message}", markup=True, soft_wrap=True)


@contextlib.contextmanager
def output_stream(output: str | None) -> Iterator[IO[str]]:
    """Standard output, or the file ``--output`` names (UTF-8, newlines as written)."""
    if output is None:
        yield sys.stdout
    else:
        with open(output, "w", encoding="utf-8", newline="") as stream:
            yield stream
