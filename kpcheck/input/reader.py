"""Reading submissions from files: JSON, YAML and JSON Lines, folders recursively.

Every input yields exactly one :class:`Loaded` per submission it holds, or one with an
:class:`InputError` where it cannot be read, so that nothing is silently dropped.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import jiter
from pydantic import ValidationError

from kpcheck.input.limits import max_size, size_text
from kpcheck.input.models import Submission
from kpcheck.input.shorten import internal_error, shorten, shown
from kpcheck.input.yamlio import YamlSyntaxError, decode, load_yaml_text, locate, plain
from kpcheck.problems import N_, fill

SUFFIXES = (".json", ".yaml", ".yml", ".jsonl")
_SURROGATE = re.compile(rb"\\[uU][dD][89a-fA-F]")
_SURROGATES = re.compile("[\ud800-\udfff]")
SURROGATE_MESSAGE = "a text holds an unpaired UTF-16 surrogate (\\ud800-\\udfff), which is not Unicode text"
_MAX_ERRORS = 5
# jiter as the standard library reads with parse_float=Decimal and the repeated-key hook; what
# it refuses is read again by the standard library (parse_json)
_JITER: dict[str, Any] = {"allow_inf_nan": False, "catch_duplicate_keys": True, "float_mode": "decimal"}
_REFUSED = object()
STDIN_NAME = "<stdin>"
STDIN = Path("-")  # what :func:`expand` yields for ``-``; a file named "-" is given as ./-


@dataclass(frozen=True)
class InputError:
    """Why one submission could not be read, and where. A message kpcheck words itself keeps
    its ``template`` (an English msgid with ``{names}``) and ``args``, so that a report or the
    command line in another language says it in that language (:meth:`message_in`)."""

    message: str
    location: str
    template: str | None = field(default=None, compare=False)
    args: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    @classmethod
    def said(cls, location: str, template: str, **args: str) -> InputError:
        """The error of ``template`` filled with ``args``, at ``location``."""
        return cls(fill(template, args), location, template, tuple(args.items()))

    def message_in(self, translate: Callable[[str], str]) -> str:
        """The message in a language (``translate``: its gettext); as written without a template."""
        return self.message if self.template is None else fill(translate(self.template), dict(self.args))


@dataclass(frozen=True)
class Loaded:
    """One submission read from a source, or the error that kept it from being read."""

    source: str
    submission: Submission | None = None
    error: InputError | None = None
    raw_id: str | None = None

    @property
    def submission_id(self) -> str | None:
        return self.submission.id if self.submission else self.raw_id


def expand(paths: Iterable[str | Path]) -> Iterator[Path | InputError]:
    """Files to read, in the order given; a folder is read recursively in sorted path order.

    ``-`` (as text) stands for standard input and is yielded as :data:`STDIN`. Whatever cannot
    be read is an :class:`InputError` with its path, never skipped: a source that does not
    exist, a special file (named pipe, device, socket), and, inside a folder, a subfolder that
    cannot be read and an entry with a submission's suffix that is no regular file (a dangling
    link, a named pipe, a device).
    """
    for raw in paths:
        if isinstance(raw, str) and raw == "-":
            yield STDIN
            continue
        path = Path(raw)
        if path.is_dir():
            yield from _folder(path)
        elif path.is_file():
            yield path
        else:
            yield not_a_file(path, display_name(path))


NOT_A_FILE = {
    stat.S_ISFIFO: N_("a named pipe (FIFO), not a file: kpcheck reads regular files, folders and standard input (-)"),
    stat.S_ISCHR: N_("a character device, not a file: kpcheck reads regular files, folders and standard input (-)"),
    stat.S_ISBLK: N_("a block device, not a file: kpcheck reads regular files, folders and standard input (-)"),
    stat.S_ISSOCK: N_("a socket, not a file: kpcheck reads regular files, folders and standard input (-)"),
}
CANNOT_READ_FILE = N_("cannot read the file ({reason})")


def not_a_file(path: Path, where: str) -> InputError:
    """Why ``path``, which is neither a folder nor a regular file, cannot be read: what it is."""
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            return InputError.said(where, N_("no such file or folder"))
        return InputError.said(where, N_("cannot read it ({reason})"), reason=str(exc.strerror))
    if stat.S_ISLNK(mode):
        return InputError.said(where, N_("a link to nothing (its target does not exist)"))
    other = N_("not a regular file, not a file: kpcheck reads regular files, folders and standard input (-)")
    return InputError.said(where, next((text for test, text in NOT_A_FILE.items() if test(mode)), other))


def _folder(folder: Path) -> Iterator[Path | InputError]:
    """The submission files of a folder, recursively, in sorted path order, with what cannot be
    read among them as errors."""
    found: list[tuple[str, Path | InputError]] = []

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else folder
        found.append(
            (
                str(where),
                InputError.said(
                    display_name(where),
                    N_("the folder cannot be read ({reason}); its submissions were not checked"),
                    reason=str(exc.strerror),
                ),
            )
        )

    for top, dirs, files in os.walk(folder, onerror=unreadable):
        dirs.sort()
        for name in files:
            path = Path(top) / name
            if path.suffix.lower() not in SUFFIXES:
                continue
            if path.is_file():
                found.append((str(path), path))
            else:
                found.append((str(path), not_a_file(path, display_name(path))))
    yield from (item for _, item in sorted(found, key=lambda pair: Path(pair[0]).parts))


def read_sources(paths: Iterable[str | Path]) -> Iterator[Loaded]:
    """Every submission of every source, in input order."""
    for item in expand(paths):
        if isinstance(item, InputError):
            yield Loaded(source=item.location, error=item)
        elif item is STDIN:
            yield read_stdin()
        else:
            yield from read_file(item)


def read_stdin(stream: IO[bytes] | None = None) -> Loaded:
    """One submission from standard input: JSON when it starts with ``{``, else YAML; at most
    :func:`~kpcheck.input.limits.max_size` bytes are read."""
    limit = max_size()
    try:
        data = (stream or sys.stdin.buffer).read(limit + 1)
    except OSError as exc:
        return Loaded(
            source=STDIN_NAME, error=InputError.said(STDIN_NAME, N_("cannot read standard input ({reason})"), reason=str(exc.strerror))
        )
    if len(data) > limit:
        return Loaded(source=STDIN_NAME, error=too_big("standard input holds", limit, STDIN_NAME))
    data = unmarked(data)
    if data.lstrip(b" \t\r\n").startswith(b"{"):
        return parse_json(data, STDIN_NAME)
    return parse_yaml(data, STDIN_NAME)


TOO_BIG = {
    "the file holds": N_("the file holds more than {size}, the most kpcheck reads at once (KPCHECK_MAX_SIZE raises it); nothing was read"),
    "the line holds": N_("the line holds more than {size}, the most kpcheck reads at once (KPCHECK_MAX_SIZE raises it); nothing was read"),
    "standard input holds": N_(
        "standard input holds more than {size}, the most kpcheck reads at once (KPCHECK_MAX_SIZE raises it); nothing was read"
    ),
}


def too_big(what: str, limit: int, where: str) -> InputError:
    """The error of an input above the size limit (``what``: a key of :data:`TOO_BIG`)."""
    return InputError.said(where, TOO_BIG[what], size=size_text(limit))


def unmarked(data: bytes, source: str | None = None) -> bytes:
    """UTF-8 bytes without a byte-order mark: a UTF-8 mark is dropped, a UTF-16 or UTF-32 text
    (by its mark) is read and given back as UTF-8. Raises :class:`EncodingError` for text that
    is UTF-16 or UTF-32 without a mark (it then holds NUL bytes), naming the encoding."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).encode("utf-8") if encoding != "utf-8-sig" else data[len(bom) :]
            except UnicodeDecodeError as exc:
                raise EncodingError(f"not {encoding.upper()} text past its byte-order mark ({exc.reason})") from None
    if _wide(data[:4]):
        raise EncodingError("UTF-16 or UTF-32 text without a byte-order mark; save it as UTF-8 (or with its byte-order mark)")
    return data


def _wide(head: bytes) -> bool:
    """Whether text begins as UTF-16 or UTF-32 does (ASCII with NUL bytes beside it)."""
    if len(head) < 4:
        return False
    utf32 = head[1:] == b"\x00\x00\x00" or head[:3] == b"\x00\x00\x00"
    utf16 = (head[1] == head[3] == 0 and head[0] and head[2]) or (head[0] == head[2] == 0 and head[1] and head[3])
    return bool(utf32 or utf16)


class EncodingError(ValueError):
    """Text in an encoding kpcheck does not read (named in the message)."""


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def read_file(path: Path) -> Iterator[Loaded]:
    """The submissions of one file, by its suffix: a JSON or YAML file of at most
    :func:`~kpcheck.input.limits.max_size` bytes, JSON Lines line by line (each line within it)."""
    suffix, name = path.suffix.lower(), display_name(path)
    if suffix == ".jsonl":
        yield from _jsonl_file(path, name)
        return
    limit = max_size()
    try:
        with path.open("rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                yield Loaded(source=name, error=not_a_file(path, name))
                return
            data = stream.read(limit + 1)
    except OSError as exc:
        yield Loaded(source=name, error=InputError.said(name, CANNOT_READ_FILE, reason=str(exc.strerror)))
        return
    if len(data) > limit:
        yield Loaded(source=name, error=too_big("the file holds", limit, name))
        return
    try:
        data = unmarked(data)
    except EncodingError as exc:
        yield Loaded(source=name, error=InputError(str(exc), name))
        return
    if suffix in (".yaml", ".yml"):
        yield guarded(parse_yaml, data, name)
    elif suffix == ".json":
        yield guarded(parse_json, data, name)
    else:
        unknown = N_("unknown file type {suffix}; expected .json, .yaml, .yml or .jsonl")
        yield Loaded(source=name, error=InputError.said(name, unknown, suffix=repr(suffix or "(none)")))


def display_name(path: Path | str) -> str:
    """A path as reports show it: a file name that is not UTF-8 keeps its bytes as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def guarded(parse: Any, raw: bytes, source: str, *args: Any) -> Loaded:
    """``parse(raw, source, *args)``, with any failure of kpcheck's own as an error of this input."""
    try:
        loaded: Loaded = parse(raw, source, *args)
        return loaded
    except Exception as exc:
        return Loaded(source=source, error=InputError(internal_error("reading", exc), source))


def _jsonl_file(path: Path, name: str) -> Iterator[Loaded]:
    """A JSON Lines file read line by line, no line longer than the size limit held whole."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        yield Loaded(source=name, error=InputError.said(name, CANNOT_READ_FILE, reason=str(exc.strerror)))
        return
    with stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            yield Loaded(source=name, error=not_a_file(path, name))
            return
        try:
            limit = max_size()
            for number, line in jsonl_lines(bounded_lines(stream, limit)):
                yield parse_jsonl_line(line, name, number, limit)
        except OSError as exc:
            yield Loaded(source=name, error=InputError.said(name, CANNOT_READ_FILE, reason=str(exc.strerror)))


def bounded_lines(stream: IO[bytes], limit: int) -> Iterator[bytes]:
    """The lines of a binary stream (each with its LF), a line longer than ``limit`` given as
    its first ``limit + 1`` bytes only (the rest is skipped): :func:`parse_jsonl_line` refuses it."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # skip the rest of the long line
                rest = stream.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
        yield line


def jsonl_lines(stream: Iterable[bytes], first: int = 1) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of a JSON Lines stream, numbered from ``first``: lines end at LF
    only (a lone CR stays inside its line, as JSON Lines says), without their LF or CRLF; a
    UTF-8 byte-order mark before the first line is dropped. ``check`` and ``audit`` both read
    JSON Lines through this one function."""
    for number, line in enumerate(stream, start=first):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if line.endswith(b"\n"):
            line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
        if line.strip():
            yield number, line


def parse_jsonl_line(line: bytes, path: str, number: int, limit: int | None = None) -> Loaded:
    """One line of a JSON Lines file, located as ``path:line`` (errors ``path:line:column``);
    ``limit``: :func:`~kpcheck.input.limits.max_size`, when the caller read it for the file."""
    source = f"{path}:{number}"
    if limit is None:
        limit = max_size()
    if len(line) > limit:
        return Loaded(source=source, error=too_big("the line holds", limit, source))
    if (number == 1 and line[:2] in (b"\xff\xfe", b"\xfe\xff")) or b"\x00" in line[:4]:
        return Loaded(
            source=source,
            error=InputError.said(source, N_("JSON Lines must be UTF-8 (this text is UTF-16 or UTF-32); convert the file to UTF-8")),
        )
    return parse_json(line, source, line_offset=number - 1, file=path)


def parse_data(data: bytes | str | dict[str, Any], source: str, kind: str = "json") -> Loaded:
    """One submission held in memory: JSON or YAML (``kind``) bytes or text, or a parsed mapping."""
    if isinstance(data, dict):
        return parse_json(json.dumps(jsonable(data), ensure_ascii=False).encode(), source)
    raw = data.encode() if isinstance(data, str) else data
    if kind == "yaml":
        return parse_yaml(raw, source)
    if kind != "json":
        raise ValueError(f"unknown submission kind {kind!r}; expected json or yaml")
    return parse_json(raw, source)


def parse_json(raw: bytes, source: str, line_offset: int = 0, file: str | None = None) -> Loaded:
    """Validate one JSON document: numbers with a fraction exactly as :class:`Decimal`
    (``NaN`` and ``Infinity`` too, for the models to refuse by field path), a key repeated in an
    object refused (as YAML refuses it).

    It is parsed by jiter (pydantic's own JSON parser, in Rust: about 60% of the time of the
    standard library's parser with the repeated-key hook, measured on generated batches), which
    reads fractions as :class:`Decimal` from their digits and refuses a repeated key. What jiter
    refuses (invalid JSON, a repeated key, ``NaN``, a lone surrogate, nesting deeper than 200) is
    read again by the standard library, whose messages and locations kpcheck has always reported
    and which reads ``NaN`` and lone surrogates for the checks below to refuse by field path; on
    every text jiter reads, the two give the same values (tests/test_reader_jiter.py)."""
    try:
        data = jiter.from_json(raw, **_JITER)
    except ValueError:  # refused: read again by the standard library, whose words kpcheck reports
        data = _REFUSED
    try:
        if data is _REFUSED:
            data = json.loads(raw, parse_float=Decimal, parse_constant=Decimal, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:  # located in the file (a JSON Lines line: ``file`` and its offset)
        where = f"{file or source}:{exc.lineno + line_offset}:{exc.colno}"
        return Loaded(source=source, error=InputError(f"invalid JSON: {shorten(exc.msg, 200)}", where))
    except RepeatedKey as exc:
        return Loaded(source=source, error=InputError(str(exc), f"{source}: {shorten(exc.key)}"), raw_id=_guess_id(raw))
    except (ValueError, RecursionError) as exc:  # an integer too long, nesting too deep
        return Loaded(source=source, error=InputError(f"invalid JSON: {shorten(str(exc) or type(exc).__name__, 200)}", source))
    if _SURROGATE.search(raw):
        lone = lone_surrogate(data)
        if lone is not None:
            return Loaded(source=source, error=InputError(SURROGATE_MESSAGE, f"{source}: {loc_path(lone)}"))
    try:
        return Loaded(source=source, submission=Submission.model_validate(data))
    except ValidationError as exc:
        raw_id = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None
        first = exc.errors()[0]
        path = f": {loc_path(first['loc'])}" if first["loc"] else ""
        return Loaded(source=source, error=InputError(describe_errors(exc), f"{source}{path}"), raw_id=raw_id)


class RepeatedKey(ValueError):
    """A JSON object that repeats a key: an input error (rulebook 1.1), as in YAML."""

    def __init__(self, key: str):
        super().__init__(f"the key {shown(key)} is repeated in one object; each field may be given once")
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise RepeatedKey(key)
            seen.add(key)
    return found


def lone_surrogate(node: Any, path: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """The path of the first text (or key) holding an unpaired surrogate, or None."""
    stack = [(node, path)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str) and _SURROGATES.search(node):
            return path
        if isinstance(node, dict):
            for key, value in reversed(list(node.items())):
                if isinstance(key, str) and _SURROGATES.search(key):
                    return (*path, key.encode("utf-8", "backslashreplace").decode())
                stack.append((value, (*path, key)))
        elif isinstance(node, list):
            stack.extend((value, (*path, i)) for i, value in reversed(list(enumerate(node))))
    return None


def parse_yaml(raw: bytes, source: str) -> Loaded:
    """Validate one YAML 1.2 document; errors name the field path and the line and column."""
    try:
        doc = load_yaml_text(decode(raw, source), source)
    except YamlSyntaxError as exc:
        return Loaded(source=source, error=InputError(f"invalid YAML: {shorten(exc.message, 200)}", str(exc.location)))
    raw_id = doc.get("id") if isinstance(doc, dict) and isinstance(doc.get("id"), str) else None
    lone = lone_surrogate(doc)
    if lone is not None:
        return Loaded(source=source, error=InputError(SURROGATE_MESSAGE, f"{locate(doc, lone, source)} ({loc_path(lone)})"))
    try:
        return Loaded(source=source, submission=Submission.model_validate(plain(doc)))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = locate(doc, tuple(first["loc"]), source)
        path = f" ({loc_path(first['loc'])})" if first["loc"] else ""
        return Loaded(source=source, raw_id=raw_id, error=InputError(describe_errors(exc), f"{where}{path}"))


def jsonable(node: Any) -> Any:
    """YAML values as JSON values: dates as ISO text, decimals as exact strings."""
    if isinstance(node, dict):
        return {str(k): jsonable(v) for k, v in node.items()}
    if isinstance(node, list):
        return [jsonable(v) for v in node]
    if isinstance(node, datetime):
        return node.isoformat()
    if isinstance(node, date):
        return node.isoformat()
    if isinstance(node, Decimal):
        return str(node) if node.is_finite() else "NaN"
    return node


def loc_path(loc: Iterable[Any]) -> str:
    """A pydantic ``loc`` as a field path: ``certificate.lines[1].carats``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + shorten(str(part))
    return out or "(document)"


def describe_errors(exc: ValidationError) -> str:
    """All validation problems of one submission: the first (whose field path the location
    names) explained, then the others each with its own path."""
    errors = exc.errors()
    others = [f"{loc_path(err['loc'])}: {_explain(err)}" for err in errors[1:_MAX_ERRORS]]
    more = max(len(errors) - _MAX_ERRORS, 0)
    text = _explain(errors[0]) + "".join(f"; also {part}" for part in others)
    if more:
        text += f" (and {more} more problem{'s' * (more != 1)})"
    return text


def _explain(err: Any) -> str:
    kind = err["type"]
    if not err["loc"] and kind in ("model_type", "dict_type", "model_attributes_type"):
        kind_got = "nothing" if err.get("input") is None else type(err["input"]).__name__
        return f"a submission is one mapping (an object) of the fields of submission-format.md, got {kind_got}"
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (extra fields are allowed only under 'extensions')"
    if kind == "schema_version":
        return f'expected 1, got {shown(err["input"])} (the JSON integer 1 only: not true, 1.0 or "1")'
    if kind == "literal_error":
        return f"expected {err['ctx']['expected']}, got {shown(err['input'])}"
    if kind.startswith("date"):
        return f"expected a date YYYY-MM-DD, got {shown(err['input'])}"
    value = err.get("input")
    got = f", got {shown(value)}" if not isinstance(value, (dict, list)) else f", got {type(value).__name__}"
    return shorten(err["msg"][0].lower() + err["msg"][1:], 200) + got


def _guess_id(raw: bytes) -> str | None:
    try:
        data = json.loads(raw, object_pairs_hook=dict)
    except (ValueError, RecursionError):
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None
