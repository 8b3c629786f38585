"""The standard-error console every command reports problems on (NO_COLOR is honoured)."""

from __future__ import annotations

import contextlib
import importlib
import sys
from typing import IO, Any, Iterator

import click
from rich.console import Console

from kpcheck.cli.settings import CommandDefaults, Settings, adopt

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
        command = super().get_command(ctx, name)
        return None if command is None else adopt(command)

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        """The top command reads the configuration files (on first use) as its ``default_map``."""
        if parent is None and "default_map" not in extra and not self.context_settings.get("default_map"):
            extra["default_map"] = CommandDefaults(Settings.load, self)
        return super().make_context(info_name, args, parent, **extra)
