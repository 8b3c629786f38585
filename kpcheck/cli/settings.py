"""Settings a desk gives once: configuration files and ``KPCHECK_*`` environment variables.

Every option of every command can be set outside the command line. Where a value comes
from, the first that gives one wins:

1. the command line;
2. the environment variable ``KPCHECK_<OPTION>``: the option's long name upper-cased, ``-``
   as ``_`` (``--lang`` → ``KPCHECK_LANG``, ``--fail-on`` → ``KPCHECK_FAIL_ON``); options
   taking several values split it on spaces;
3. the configuration files, the first that has the key: the file ``KPCHECK_CONFIG`` names;
   ``kpcheck.toml`` in the working folder, else ``[tool.kpcheck]`` of its ``pyproject.toml``;
   ``kpcheck.toml`` in the user's configuration folder. In a file, a key at the top applies to
   every command that has that option; a table named after a command (``[check]``,
   ``["rules test"]``, or nested: ``[register.add]``) applies to that command only and wins;
4. the option's own default.

:func:`adopt` gives every option its environment variable (commands reached through a
:class:`~kpcheck.cli.console.LazyGroup` adopt it when resolved, so commands added later follow
the same convention without code); :class:`CommandDefaults` is click's ``default_map``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import click

from kpcheck.paths import user_config_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PREFIX = "KPCHECK"
FILE_NAME = "kpcheck.toml"
CONFIG_VARIABLE = "KPCHECK_CONFIG"
_NEVER_SET = ("help", "version")  # options no file or variable gives
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_HEADER = re.compile(r"^\s*\[+\s*(.+?)\s*\]+\s*(?:#.*)?$")


class SettingsError(click.ClickException):
    """A configuration file that does not read or names what does not exist (exit 2):
    ``file:line: message [CFG00x]``."""

    exit_code = 2

    def __init__(self, location: str, message: str, code: str):
        super().__init__(f"{location}: {message} [{code}]")
        self.location, self.code = location, code


@dataclass
class Layer:
    """One configuration file: its options at the top and per command."""

    path: Path
    text: str
    table: str | None  # "tool.kpcheck" in a pyproject.toml
    flat: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def line_of(self, section: str | None, key: str) -> int | None:
        """The line where ``key`` is set (in ``section``, or at the top), for messages."""
        current = ""
        for number, line in enumerate(self.text.splitlines(), 1):
            header = _HEADER.match(line)
            if header:
                current = _section_name(header.group(1), self.table)
            elif current == (section or "") and _norm(line.partition("=")[0].strip().strip("\"'")) == key:
                return number
        return None

    def where(self, section: str | None, key: str) -> str:
        line = self.line_of(section, key)
        return f"{self.path}:{line}" if line else str(self.path)

    def where_table(self, section: str) -> str:
        """``file:line`` of the first header that makes the table ``section`` (or a table above it)."""
        for number, line in enumerate(self.text.splitlines(), 1):
            header = _HEADER.match(line)
            named = _section_name(header.group(1), self.table) if header else None
            if named and (named == section or section.startswith(named + " ")):
                return f"{self.path}:{number}"
        return str(self.path)


def option_key(param: click.Parameter) -> str | None:
    """The name an option is known by in files and variables: its long name without ``--``."""
    if not isinstance(param, click.Option):
        return None
    longs = [o for o in param.opts if o.startswith("--")]
    return max(longs, key=len)[2:] if longs else None


def envvar_of(key: str) -> str:
    return f"{PREFIX}_{key.upper().replace('-', '_')}"


def adopt(command: click.Command) -> click.Command:
    """Give every option of ``command`` (and of its subcommands) its ``KPCHECK_*`` variable."""
    for param in command.params:
        key = option_key(param)
        if key is not None and param.envvar is None and key not in _NEVER_SET:
            param.envvar = envvar_of(key)
            param.show_envvar = True  # type: ignore[attr-defined]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            adopt(sub)
    return command


def _norm(key: str) -> str:
    return key.strip().replace("_", "-")


def _section_name(header: str, table: str | None) -> str:
    """``[check]``, ``["rules test"]``, ``[rules.test]``, ``[tool.kpcheck.check]`` as a command path."""
    parts = [p.strip().strip("\"'") for p in re.split(r"\.(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", header)]
    if table and parts[: len(table.split("."))] == table.split("."):
        parts = parts[len(table.split(".")) :]
    return " ".join(" ".join(parts).split())


def _split(path: Path, text: str, data: dict[str, Any], table: str | None) -> Layer:
    """Options at the top (``flat``) and in tables named after a command path (``sections``)."""
    layer = Layer(path, text, table)
    pending: list[tuple[str, dict[str, Any]]] = [("", data)]
    while pending:
        prefix, values = pending.pop()
        for key, value in values.items():
            if isinstance(value, dict):
                pending.append((" ".join(f"{prefix} {key}".split()), value))
            elif prefix:
                layer.sections.setdefault(prefix, {})[_norm(key)] = value
            else:
                layer.flat[_norm(key)] = value
    return layer


def read_layer(path: Path, table: str | None = None) -> Layer | None:
    """One file, or None when a ``pyproject.toml`` has no ``[tool.kpcheck]``."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise SettingsError(str(path), f"cannot read the configuration file ({exc.strerror})", "CFG001") from exc
    except UnicodeDecodeError as exc:
        raise SettingsError(str(path), f"not UTF-8 text ({exc.reason})", "CFG001") from exc
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_POSITION.search(str(exc))
        where = f"{path}:{found.group(1)}:{found.group(2)}" if found else str(path)
        raise SettingsError(where, f"not valid TOML: {_TOML_POSITION.sub('', str(exc)).strip()}", "CFG001") from exc
    if table:
        node: Any = data
        for part in table.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
        if not isinstance(node, dict):
            raise SettingsError(str(path), f"[{table}] must be a table", "CFG001")
        data = node
    return _split(path, text, data, table)


def config_files(cwd: Path | None = None) -> list[tuple[Path, str | None, bool]]:
    """The files looked at, highest first: (path, table or None, whether it must exist)."""
    cwd = cwd or Path.cwd()
    found: list[tuple[Path, str | None, bool]] = []
    named = os.environ.get(CONFIG_VARIABLE)
    if named:
        found.append((Path(named), None, True))
    local = cwd / FILE_NAME
    found.append((local, None, False) if local.is_file() else (cwd / "pyproject.toml", "tool.kpcheck", False))
    found.append((user_config_dir() / FILE_NAME, None, False))
    return found


@dataclass
class Settings:
    """The configuration files in force, highest priority first."""

    layers: list[Layer]
    checked: bool = False

    @classmethod
    def load(cls, cwd: Path | None = None) -> Settings:
        layers = []
        for path, table, required in config_files(cwd):
            if not path.is_file():
                if required:
                    raise SettingsError(str(path), f"no such configuration file ({CONFIG_VARIABLE})", "CFG004")
                continue
            layer = read_layer(path, table)
            if layer is not None:
                layers.append(layer)
        return cls(layers)

    def lookup(self, command: str, key: str) -> tuple[Any, Layer, str | None] | None:
        """(value, file, section or None) of ``key`` for the command path, or None."""
        for layer in self.layers:
            section = layer.sections.get(command)
            if section is not None and key in section:
                return section[key], layer, command
            if key in layer.flat:
                return layer.flat[key], layer, None
        return None

    def check_unknown(self, root: click.Command, command: str, keys: set[str]) -> None:
        """Refuse, in every command, a key at the top of a file that no command has (``fial-on``)
        and a table named after no command (``[audti]``), naming the file and line, with a
        did-you-mean. The other commands are imported only when a key is not the running one's."""
        if self.checked:
            return
        self.checked = True
        ctx = click.Context(root)
        every: dict[str, list[click.Parameter]] | None = None
        for layer in self.layers:
            for key, value in layer.flat.items():
                if key in keys:
                    continue  # the running command reads it, and checks its type then
                every = every if every is not None else _every_key(ctx, root)
                if key not in every:
                    close = get_close_matches(key, sorted(every), n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise SettingsError(layer.where(None, key), f"no command has an option {key!r}{hint}", "CFG002")
                problem = type_problem(every[key][0], value)
                if problem:
                    raise SettingsError(layer.where(None, key), f"{key} = {_toml(value)}: {problem}", "CFG003")
            for section in layer.sections:
                group = _group_of(ctx, root, section.split())
                if group is not None:
                    first = sorted(group.list_commands(ctx))[0]
                    raise SettingsError(
                        layer.where_table(section),
                        f"[{section}] is a group of commands, not a command; "
                        f"its options go in a command's table, for example [{section} {first}]",
                        "CFG002",
                    )
                if section != command and not _is_command(ctx, root, section.split()):
                    names = _command_paths(ctx, root, section.split())
                    close = get_close_matches(section, names, n=1)
                    hint = f" (did you mean [{close[0]}]?)" if close else ""
                    raise SettingsError(layer.where_table(section), f"[{section}] is no command of kpcheck{hint}", "CFG002")

    def check_section(self, command: str, keys: set[str]) -> None:
        """Refuse an option a command's own table names that the command does not have."""
        for layer in self.layers:
            for key in layer.sections.get(command, {}):
                if key not in keys:
                    close = get_close_matches(key, sorted(keys), n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise SettingsError(layer.where(command, key), f"[{command}] has no option {key!r}{hint}", "CFG002")


def _every_key(ctx: click.Context, command: click.Command) -> dict[str, list[click.Parameter]]:
    """The option keys of every command (the lazy ones imported), each with its options."""
    keys: dict[str, list[click.Parameter]] = {}
    for param in command.params:
        key = option_key(param)
        if key is not None and key not in _NEVER_SET:
            keys.setdefault(key, []).append(param)
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                for key, params in _every_key(ctx, sub).items():
                    keys.setdefault(key, []).extend(params)
    return keys


def _is_command(ctx: click.Context, root: click.Command, words: list[str]) -> bool:
    """Whether ``words`` name a command or a group of kpcheck's."""
    command: click.Command | None = root
    for word in words:
        if not isinstance(command, click.Group) or word not in command.list_commands(ctx):
            return False
        command = command.get_command(ctx, word)
    return command is not None


def _group_of(ctx: click.Context, root: click.Command, words: list[str]) -> click.Group | None:
    """The group ``words`` name, when they name a group rather than a command."""
    command: click.Command | None = root
    for word in words:
        if not isinstance(command, click.Group) or word not in command.list_commands(ctx):
            return None
        command = command.get_command(ctx, word)
    return command if isinstance(command, click.Group) and words else None


def _command_paths(ctx: click.Context, root: click.Command, words: list[str]) -> list[str]:
    """The command paths a did-you-mean may offer for ``words``: the top names, and below the
    groups the words begin with."""
    paths: list[str] = []
    command: click.Command | None = root
    prefix: list[str] = []
    for word in [*words, ""]:
        if not isinstance(command, click.Group):
            break
        names = command.list_commands(ctx)
        paths += [" ".join([*prefix, name]) for name in names]
        if word not in names:
            break
        command, prefix = command.get_command(ctx, word), [*prefix, word]
    return paths


def type_problem(param: click.Parameter, value: Any) -> str | None:
    """Why a configuration file's value is of the wrong type for the option (TOML keeps its
    types: ``quiet = 1`` is a number, not true or false), or None."""
    items = value if isinstance(value, list) and (param.multiple or (param.nargs or 1) != 1) else [value]
    kind = param.type
    for item in items:
        if isinstance(param, click.Option) and param.is_flag and not isinstance(kind, click.types.StringParamType):
            if not isinstance(item, bool):
                return "expected true or false"
        elif isinstance(kind, (click.Path, click.Choice, click.types.StringParamType)):
            if not isinstance(item, str):
                return "expected a text in quotes" + (
                    f" (one of {', '.join(map(str, kind.choices))})" if isinstance(kind, click.Choice) else ""
                )
        elif isinstance(kind, (click.types.IntParamType, click.IntRange)):
            if isinstance(item, bool) or not isinstance(item, int):
                return "expected a whole number"
        elif isinstance(kind, (click.types.FloatParamType, click.FloatRange)):
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                return "expected a number"
        elif isinstance(kind, click.types.BoolParamType) and not isinstance(item, bool):
            return "expected true or false"
    return None


def _from_folder(folder: Path, value: Any) -> Any:
    """A relative path in a configuration file is relative to the file's folder."""
    if isinstance(value, list):
        return [_from_folder(folder, v) for v in value]
    if isinstance(value, str) and value and value != "-" and not Path(value).expanduser().is_absolute():
        return str(folder / value)
    return value


def _toml(value: Any) -> str:
    """A value as the file wrote it (roughly): true/false, numbers, quoted texts."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


class CommandDefaults(Mapping[str, Any]):
    """click's ``default_map`` for one command path, read from :class:`Settings`.

    Looked up by parameter name (an option's value) or, on a group, by subcommand name
    (the child command's defaults).
    """

    def __init__(
        self,
        settings: Settings | Callable[[], Settings],
        command: click.Command,
        path: tuple[str, ...] = (),
        root: click.Command | None = None,
    ):
        self._settings, self.command, self.path = settings, command, path
        self.root = root or command
        self.options = {p.name: p for p in command.params if p.name and option_key(p) not in (None, *_NEVER_SET)}
        if path and not isinstance(command, click.Group):
            keys = {k for p in self.options.values() if (k := option_key(p)) is not None}
            self.settings.check_section(" ".join(path), keys)
            self.settings.check_unknown(self.root, " ".join(path), keys)

    @property
    def settings(self) -> Settings:
        """The files, read on first use (``kpcheck --version`` reads none)."""
        if callable(self._settings):
            self._settings = self._settings()
        return self._settings

    def __getitem__(self, name: str) -> Any:
        if isinstance(self.command, click.Group) and name in self.command.commands:
            return CommandDefaults(self.settings, self.command.commands[name], (*self.path, name), self.root)
        param = self.options.get(name)
        if param is None:
            raise KeyError(name)
        found = self.settings.lookup(" ".join(self.path), option_key(param))  # type: ignore[arg-type]
        if found is None:
            raise KeyError(name)
        value, layer, section = found
        if param.multiple and isinstance(value, str):
            value = [value]
        problem = type_problem(param, value)
        if problem:
            where = layer.where(section, option_key(param) or "")
            raise SettingsError(where, f"{option_key(param)} = {_toml(value)}: {problem}", "CFG003")
        if isinstance(param.type, click.Path):
            value = _from_folder(layer.path.parent, value)
        try:
            param.type_cast_value(None, value)  # type: ignore[arg-type]
        except click.BadParameter as exc:
            raise SettingsError(
                layer.where(section, option_key(param) or ""), f"{option_key(param)} = {value!r}: {exc.message}", "CFG003"
            ) from exc
        return value

    def origin_of(self, name: str) -> str | None:
        """Where the value of option ``name`` was read (``file:line``), or None."""
        param = self.options.get(name)
        found = self.settings.lookup(" ".join(self.path), option_key(param)) if param is not None else None  # type: ignore[arg-type]
        if found is None:
            return None
        _, layer, section = found
        return layer.where(section, option_key(param) or "")  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[str]:
        return (name for name in self.options if name in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, name: object) -> bool:
        try:
            self[name]  # type: ignore[index]
        except KeyError:
            return False
        return True


def bounded_jobs(jobs: int | None) -> int | None:
    """``--jobs`` (or ``KPCHECK_JOBS``) within what the machine can use; a usage error above it."""
    if jobs is None:
        return None
    from kpcheck.batch.workers import jobs_problem

    problem = jobs_problem(jobs)
    if problem:
        raise click.BadParameter(problem, param_hint="--jobs / KPCHECK_JOBS")
    return jobs


__all__ = [
    "CONFIG_VARIABLE",
    "FILE_NAME",
    "CommandDefaults",
    "Layer",
    "Settings",
    "SettingsError",
    "adopt",
    "bounded_jobs",
    "config_files",
    "envvar_of",
    "option_key",
    "read_layer",
    "type_problem",
]
