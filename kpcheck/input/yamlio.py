"""YAML 1.2 reading with line and column for every mapping key and list item.

Every YAML file kpcheck reads (rule files, reference data, registers, YAML submissions)
goes through :func:`load_yaml`, so that ``NO`` stays Norway (YAML 1.2 has no ``no`` boolean)
and every error can name ``file:line:col``. Lines and columns are 1-based.

Documents from strangers are read within limits, each refused with a located message:
no tags beyond the standard scalars, mappings and sequences (``!foo``, ``!!binary``,
``!!set``, ``!!omap``, ``!!pairs`` are refused), at most :data:`MAX_DEPTH` levels of
nesting, integers of at most :data:`MAX_INT_DIGITS` digits, and at most
:data:`MAX_NODES` values once aliases are expanded (a "billion laughs" document is refused
before anything expands it).
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpcheck.input.limits import MAX_DEPTH, MAX_NODES
from kpcheck.problems import Location


class YamlSyntaxError(ValueError):
    """A file that is not valid YAML; carries its location."""

    def __init__(self, location: Location, message: str):
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("kpcheck_yaml_deadline", default=None)


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """YAML read inside this block stops with a :class:`YamlSyntaxError` once it has taken more
    than ``seconds`` (the desk reads strangers' bodies so; a file on disk has no budget)."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


class OverBudget(Exception):
    """Reading a YAML document went past its budget (time or values); says which."""


def _composer() -> Any:
    """ruamel's composer, counting the nodes it makes (beyond :data:`MAX_NODES` the document is
    refused before it is finished) and watching the time budget."""
    from ruamel.yaml.composer import Composer

    deadline = _DEADLINE.get()

    class BudgetComposer(Composer):
        nodes = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self.nodes += 1
            if self.nodes > MAX_NODES:
                raise OverBudget(f"the document holds more than {MAX_NODES:,} values; refused")
            if deadline is not None and not self.nodes % 256 and time.monotonic() > deadline:
                raise OverBudget("the document took too long to read (a time budget protects the desk); send it as JSON, or smaller")
            return super().compose_node(parent, index)

    return BudgetComposer


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    from kpcheck.input.yaml_constructor import DecimalConstructor

    yaml.Constructor = DecimalConstructor
    yaml.Composer = _composer()
    yaml.version = (1, 2)
    yaml.allow_duplicate_keys = False
    return yaml


def load_yaml_text(text: str, file: str) -> Any:
    """Parse YAML 1.2 text; raises :class:`YamlSyntaxError` with the file, line and column."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        doc = _yaml().load(text)
    except OverBudget as exc:
        raise YamlSyntaxError(Location(file), str(exc)) from None
    except RecursionError:
        raise YamlSyntaxError(_too_deep_at(text, file), f"nested more than {MAX_DEPTH} levels deep") from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(loc, problem) from None
    except YAMLError as exc:
        raise YamlSyntaxError(_position(text, getattr(exc, "position", None), file), str(exc).splitlines()[0]) from None
    _check_size(doc, file)
    return doc


def _check_size(doc: Any, file: str) -> None:
    """Refuse a document nested too deep or whose aliases expand to too many values."""
    sizes: dict[int, int] = {}
    aliased = False

    def size(node: Any, depth: int) -> int:
        nonlocal aliased
        if not isinstance(node, (dict, list)):
            return 1
        if depth > MAX_DEPTH:
            raise YamlSyntaxError(node_location(node, file), f"nested more than {MAX_DEPTH} levels deep")
        known = sizes.get(id(node))
        if known is None:
            children = node.values() if isinstance(node, dict) else node
            known = 1 + sum(size(child, depth + 1) for child in children)
            sizes[id(node)] = known
            if known > MAX_NODES:
                how = " once its aliases are expanded" if aliased else ""
                raise YamlSyntaxError(node_location(node, file), f"the document holds more than {MAX_NODES:,} values{how}; refused")
        else:
            aliased = True  # the same node reached again: an alias
        return known

    size(doc, 1)


def _too_deep_at(text: str, file: str) -> Location:
    """Where nesting first goes past :data:`MAX_DEPTH` (the parser is not recursive)."""
    from ruamel.yaml.error import YAMLError

    depth = 0
    try:
        for event in _yaml().parse(text):
            kind = type(event).__name__
            if kind in ("MappingStartEvent", "SequenceStartEvent"):
                depth += 1
                if depth > MAX_DEPTH:
                    return Location(file, event.start_mark.line + 1, event.start_mark.column + 1)
            elif kind in ("MappingEndEvent", "SequenceEndEvent"):
                depth -= 1
    except YAMLError:
        pass
    return Location(file)


def _position(text: str | bytes, offset: int | None, file: str) -> Location:
    """The line and column of a character (or byte) offset."""
    if offset is None:
        return Location(file)
    head = text[:offset]
    newline = "\n" if isinstance(head, str) else b"\n"
    line = head.count(newline)  # type: ignore[arg-type]
    return Location(file, line + 1, offset - (head.rfind(newline) + 1) + 1)  # type: ignore[arg-type]


def decode(raw: bytes, file: str) -> str:
    """UTF-8 text, or a :class:`YamlSyntaxError` at the first byte that is not."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(_position(raw, exc.start, file), f"not UTF-8 text ({exc.reason})") from None


def load_yaml(path: Path | str) -> Any:
    """Read and parse one YAML file (UTF-8)."""
    path = Path(path)
    return load_yaml_text(decode(path.read_bytes(), str(path)), str(path))


def _parsed_map(node: Any) -> bool:
    """A mapping as the YAML reader made it (it knows its lines and columns)."""
    return isinstance(node, dict) and hasattr(node, "lc")


def _parsed_seq(node: Any) -> bool:
    return isinstance(node, list) and hasattr(node, "lc")


def _mark(node: Any, key: Any, file: str, which: str) -> Location | None:
    """Line and column of a mapping's key or value ("key"/"value"), or of a sequence item."""
    try:
        if _parsed_map(node):
            line, col = getattr(node.lc, which)(key)
            return Location(file, line + 1, col + 1)
        if _parsed_seq(node):
            line, col = node.lc.item(key)
            return Location(file, line + 1, col + 1)
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    return None


def key_location(node: Any, key: Any, file: str) -> Location:
    """Where ``key`` of a parsed mapping (or index of a sequence) stands in ``file``."""
    return _mark(node, key, file, "key") or node_location(node, file)


def value_location(node: Any, key: Any, file: str) -> Location:
    """Where the value of ``key`` (mapping) or item ``key`` (sequence) stands."""
    return _mark(node, key, file, "value") or key_location(node, key, file)


def node_location(node: Any, file: str) -> Location:
    """Where a parsed mapping or sequence starts."""
    lc = getattr(node, "lc", None)
    if lc is not None and getattr(lc, "line", None) is not None:
        return Location(file, lc.line + 1, lc.col + 1)
    return Location(file)


def locate(root: Any, loc: tuple[Any, ...], file: str) -> Location:
    """The location of a pydantic-style ``loc`` path inside a parsed document.

    Walks as deep as the document allows and answers the deepest place found, so that a
    wrong value points at the value and a missing key points at its parent mapping.
    """
    node, last = root, None
    parent: Any = None
    for part in loc:
        if _parsed_map(node) and part in node:
            parent, last, node = node, part, node[part]
        elif _parsed_seq(node) and isinstance(part, int) and 0 <= part < len(node):
            parent, last, node = node, part, node[part]
        else:
            break
    if parent is None:
        return node_location(root, file)
    if _parsed_map(parent):
        return value_location(parent, last, file)
    return key_location(parent, last, file)


def plain(node: Any) -> Any:
    """A deep copy of a parsed document with plain ``dict``/``list`` containers and plain
    scalars (the reader's ``ScalarInt``, ``FoldedScalarString``... become ``int`` and ``str``,
    so that nothing made of it needs ruamel.yaml again, e.g. when a cached rulebook is read)."""
    if isinstance(node, dict):
        return {plain(k) if isinstance(k, str) else str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    kind = type(node)
    if kind in _PLAIN or node is None:
        return node
    if isinstance(node, str):
        return str(node)
    if kind.__name__ == "ScalarBoolean":
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


_PLAIN = frozenset({str, int, bool, float, Decimal})


def dump_yaml(node: Any) -> str:
    """A parsed node back as YAML 1.2 text (for showing rule conditions to people), never
    folded at a width: a flow mapping stays on its line as the rule file has it."""
    import io

    from ruamel.yaml import YAML

    buffer = io.StringIO()
    yaml = YAML(typ="rt")
    yaml.width = 100_000
    yaml.dump(node, buffer)
    return buffer.getvalue().rstrip()
