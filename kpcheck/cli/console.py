"""The standard-error console every command reports problems on (NO_COLOR is honoured)."""

from __future__ import annotations

import importlib

import click
from rich.console import Console
from rich.markup import escape

err_console = Console(stderr=True, highlight=False)


def error(message: str) -> None:
    """``message`` on standard error as given: file names and values are never read as markup."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", markup=True, soft_wrap=True)


def warning(message: str) -> None:
    err_console.print(f"[yellow]warning:[/] {escape(message)}", markup=True, soft_wrap=True)


class LazyGroup(click.Group):
    """A command group whose subcommands are imported when first used, so that a desk check
    does not pay for loading the rulebook tools, statistics and impact analysis."""

    def __init__(self, *args: object, lazy: dict[str, str] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, _, attribute = self.lazy[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)
