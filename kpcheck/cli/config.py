"""``kpcheck config``: the settings in force and where each comes from."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import click
from click.core import ParameterSource
from rich import box
from rich.markup import escape
from rich.table import Table

from kpcheck.cli.console import Command, lang_option, language, say, verbosity_options
from kpcheck.cli.settings import CommandDefaults, Settings, SettingsError, config_files, option_key
from kpcheck.problems import N_
from kpcheck.report.text import SafeConsole

out = SafeConsole(highlight=False)


def _leaves(ctx: click.Context, command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command below ``command`` (lazy ones imported), as (path, command)."""
    if not isinstance(command, click.Group):
        yield path, command
        return
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is not None and name != "config":
            yield from _leaves(ctx, sub, (*path, name))


def _resolve(ctx: click.Context, words: list[str]) -> tuple[tuple[str, ...], click.Command, list[str]]:
    """The command a ``kpcheck config`` argument list names, and the arguments left for it."""
    command: click.Command = ctx.find_root().command
    path: tuple[str, ...] = ()
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        sub = command.get_command(ctx, words[0])
        if sub is None:
            raise click.UsageError(say("no command {name}", name=repr(" ".join((*path, words[0])))), ctx=ctx)
        command, path, words = sub, (*path, words[0]), words[1:]
    if isinstance(command, click.Group):
        raise click.UsageError(say("name a command: kpcheck config {path} [OPTIONS]", path=" ".join((*path, "COMMAND"))), ctx=ctx)
    return path, command, words


def _context_of(root: click.Context, path: tuple[str, ...], command: click.Command, args: list[str]) -> click.Context:
    """The context ``kpcheck PATH ARGS`` would run with, parsed without running it."""
    parent, group = root, root.command
    for name in path[:-1]:
        assert isinstance(group, click.Group)
        group = group.get_command(root, name)  # type: ignore[assignment]
        parent = group.make_context(name, [], parent=parent, resilient_parsing=True)
    return command.make_context(path[-1], list(args), parent=parent, resilient_parsing=True)


def _origin(ctx: click.Context, param: click.Parameter, settings: Settings, path: tuple[str, ...]) -> str:
    source = ctx.get_parameter_source(param.name or "")
    if source is ParameterSource.COMMANDLINE:
        return say("command line")
    if source is ParameterSource.ENVIRONMENT:
        return say("environment {variable}", variable=param.envvar)
    if source is ParameterSource.DEFAULT_MAP:
        found = settings.lookup(" ".join(path), option_key(param) or "")
        if found is not None:
            _, layer, section = found
            return layer.where(section, option_key(param) or "") + (f" [{section}]" if section else "")
    return say("default")


def _shown(value: Any) -> str:
    if value is None or value == ():
        return say("(none)")
    if isinstance(value, (tuple, list)):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_flat_keys(settings: Settings, known: set[str]) -> None:
    """A key at the top of a file that no command has is a mistake."""
    for layer in settings.layers:
        for key in layer.flat:
            if key not in known:
                raise SettingsError(layer.where(None, key), say("no command has an option {key}", key=repr(key)), "CFG002")


@click.command(
    "config",
    cls=Command,
    # the options after COMMAND are that command's (``kpcheck config check --lang kk``), not config's
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "allow_interspersed_args": False},
)
@click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="[COMMAND [OPTIONS]]")
@lang_option("Language of the table's headings and of where each value comes from (values as they are).")
@verbosity_options
@click.pass_context
def config(ctx: click.Context, words: tuple[str, ...], lang: str) -> None:
    """The settings in force and where each comes from (default, a configuration file,
    the environment, the command line); with COMMAND and its options, as that command would run."""
    root = ctx.find_root()
    defaults = root.default_map
    settings = defaults.settings if isinstance(defaults, CommandDefaults) else Settings([])
    table = Table(box=box.SIMPLE, show_edge=False)
    for name in (N_("command"), N_("option"), N_("value"), N_("from")):
        table.add_column(say(name), overflow="fold")
    if words:
        targets = [_resolve(ctx, list(words))]
    else:
        targets = [(p, c, []) for p, c in _leaves(root, root.command, ())]
        _check_flat_keys(settings, {option_key(p) for _, c, _ in targets for p in c.params} - {None})  # type: ignore
    for path, command, args in targets:
        parsed = _context_of(root, path, command, args)
        for param in command.params:
            if option_key(param) is not None and param.name:
                table.add_row(
                    " ".join(path) if language() == "en" else f"«{' '.join(path)}»",  # a command to type, in «» out of English
                    f"--{option_key(param)}",
                    escape(_shown(parsed.params.get(param.name))),
                    escape(_origin(parsed, param, settings, path)),
                )
    for path_, table_name, _ in config_files():
        used = any(layer.path == path_ for layer in settings.layers)
        where = f"{path_} [{table_name}]" if table_name else str(path_)
        out.print(escape(say("used: {file}", file=where) if used else say("absent: {file}", file=where)))
    out.print(table)
    sys.stdout.flush()
