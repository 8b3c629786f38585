"""Reference files: their schemas, reading one file into located errors, semantic checks.

What :mod:`kpcheck.reference.queries` loads, checked file by file: every problem is a
:class:`ReferenceDataError` naming ``file:line:col`` and a stable code (REF001-REF009).
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, PlainValidator, StrictBool, StringConstraints, ValidationError, create_model, model_validator
from pydantic_core import PydanticCustomError

from kpcheck.input.yamlio import YamlSyntaxError, key_location, load_yaml, locate
from kpcheck.paths import shipped
from kpcheck.problems import KpcheckError, Location
from kpcheck.reference.workdays import (
    CalendarFile,
    CalendarYear,
    ConfirmedYear,
    Day,
    FileIssue,
    NamedDay,
    Override,
    OverridesFile,
    StrictModel,
    Text,
    YearRange,
)

DEFAULT_REGISTERS: Path = shipped("registers")
PARTICIPANTS, EAEU = "participants.yaml", "eaeu.yaml"
CALENDAR, OVERRIDES = "calendar-kz.yaml", "calendar-overrides.yaml"
HS_TNVED = "hs-tnved.yaml"
SIGNERS, CUSTOMS_POINTS, ENTITIES = "signers.yaml", "customs-points.yaml", "entities.yaml"
EU = "EU"
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class ReferenceDataError(KpcheckError):
    """A problem in one reference file; ``str(e)`` is ``"{location}: {message}"``.

    Codes: REF001 bad date or date order, REF002 unknown status, REF003 overlapping periods,
    REF004 bad BIN, REF005 schema (not a mapping, unknown or missing key, wrong type),
    REF006 missing or unreadable file, REF007 duplicate entry, REF008 bad or unknown code,
    REF009 not valid YAML.
    """

    def __init__(self, location: Location, message: str, code: str):
        super().__init__(location, message, code)


def bin_check_digit_ok(bin: str) -> bool:
    """Whether a 12-digit Kazakh BIN/IIN has a valid check digit (12th digit)."""
    if len(bin) != 12 or not bin.isascii() or not bin.isdigit():
        return False
    digits = [int(c) for c in bin]
    for weights in (range(1, 12), (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)):
        check = sum(w * d for w, d in zip(weights, digits)) % 11
        if check != 10:
            return check == digits[11]
    return False


@dataclass(frozen=True)
class Periods(Generic[T]):
    """Non-overlapping inclusive periods, each carrying a value: the one period helper."""

    starts: tuple[date, ...]
    ends: tuple[date | None, ...]
    values: tuple[T, ...]

    @classmethod
    def of(cls, items: Iterable[tuple[date, date | None, T]]) -> Periods[T]:
        """Periods from ``(from, to, value)`` triples (validated not to overlap)."""
        ordered = sorted(items, key=lambda item: item[0])
        return cls(tuple(i[0] for i in ordered), tuple(i[1] for i in ordered), tuple(i[2] for i in ordered))

    @staticmethod
    def overlapping(spans: list[tuple[date, date | None]]) -> list[int]:
        """Indexes of the spans that overlap a span starting no later than they do."""
        found: list[int] = []
        reach: date | None = None  # the latest end among the spans seen so far
        for i in sorted(range(len(spans)), key=lambda i: spans[i][0]):
            start, end = spans[i]
            if reach is not None and reach >= start:
                found.append(i)
            reach = max(reach or date.min, end or date.max)
        return found

    def at(self, on: date) -> T | None:
        """The value of the period covering ``on``, or None."""
        i = bisect_right(self.starts, on) - 1
        if i < 0:
            return None
        end = self.ends[i]
        return self.values[i] if end is None or on <= end else None


# --- File schemas (pydantic, unknown keys refused) ------------------------------------------

Code = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Status = Literal["member", "suspended", "self_suspended", "partial"]


def _valid_bin(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise PydanticCustomError(
            "bin_unquoted", 'quote the BIN ("{bin}"): unquoted, YAML reads it as a number and drops leading zeros', {"bin": value}
        )
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{12}", value):
        raise PydanticCustomError("bin_format", "a BIN is 12 digits, got '{bin}'", {"bin": value})
    if not bin_check_digit_ok(value):
        raise PydanticCustomError("bin_check", "BIN {bin} fails the check digit", {"bin": value})
    return value


class _Span(StrictModel):
    start: Day = Field(alias="from")
    end: Day | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> _Span:
        if self.end is not None and self.end < self.start:
            raise PydanticCustomError("date_order", "`to` {to} is before `from` {start}", {"to": str(self.end), "start": str(self.start)})
        return self


class _Period(_Span):
    status: Status


class _Participant(StrictModel):
    name: Text
    periods: list[_Period] = Field(min_length=1)


class _TradingEntity(StrictModel):
    name: Text
    since: Day


class ParticipantsFile(StrictModel):
    eu_members: dict[Code, _Span] = {}
    eu_also: list[Code] = []
    also_resolve: dict[Code, Code] = {}
    trading_entities: dict[Code, _TradingEntity] = {}
    participants: dict[Code, _Participant]


class EaeuFile(StrictModel):
    members: dict[Code, _Span]


HS_PATTERN, TNVED_PATTERN = r"^[0-9]{4}\.[0-9]{2}$", r"^[0-9]{10}$"
HsCode = Annotated[str, StringConstraints(pattern=HS_PATTERN)]
TnvedCode = Annotated[str, StringConstraints(pattern=TNVED_PATTERN)]


class HsTnvedFile(StrictModel):
    """``hs-tnved.yaml``: the TN VED EAEU code of each HS code a certificate line may carry."""

    tnved_of_hs: dict[HsCode, TnvedCode] = Field(min_length=1)


class _Entry(StrictModel):
    name: Text
    periods: list[_Span] = Field(min_length=1)


def _register_file(key: str, key_type: Any) -> type[StrictModel]:
    """The schema of one register file: ``example`` and a mapping ``key`` of entries."""
    fields: dict[str, Any] = {"example": (StrictBool, False), key: (dict[key_type, _Entry], ...)}
    return create_model(f"_{key}_file", __base__=StrictModel, **fields)


REGISTERS = {  # file name -> (top-level key, schema)
    SIGNERS: ("signers", _register_file("signers", Text)),
    CUSTOMS_POINTS: ("customs_points", _register_file("customs_points", Text)),
    ENTITIES: ("entities", _register_file("entities", Annotated[str, PlainValidator(_valid_bin)])),
}


_MODELS: tuple[type[BaseModel], ...] = (
    _Period,
    _Participant,
    _TradingEntity,
    ParticipantsFile,
    EaeuFile,
    HsTnvedFile,
    _Entry,
    CalendarFile,
    CalendarYear,
    YearRange,
    NamedDay,
    OverridesFile,
    Override,
    ConfirmedYear,
    *(m for _, m in REGISTERS.values()),
)
_KNOWN_KEYS = sorted({f.alias or name for model in _MODELS for name, f in model.model_fields.items()})


# --- Reading one file and turning problems into located errors ----------------------------


@dataclass
class _Doc:
    """One reference file being checked: its parsed tree and the problems found in it."""

    path: Path
    root: Any = None
    errors: list[ReferenceDataError] = field(default_factory=list)

    def fail(self, code: str, message: str, where: Location | None = None) -> None:
        """Record a problem of the whole file (or at ``where``)."""
        self.errors.append(ReferenceDataError(where or Location(str(self.path)), message, code))

    def add(self, loc: tuple[Any, ...], code: str, message: str, at_key: bool = False) -> None:
        """Record a problem at what ``loc`` names: its key when ``at_key`` or when its value
        is a mapping or list (the line that names it), else its value."""
        file = str(self.path)
        parent = _node_at(self.root, loc[:-1]) if loc else None
        if parent is not None and (at_key or isinstance(_node_at(parent, loc[-1:]), (dict, list))):
            where = key_location(parent, loc[-1], file)
        else:
            where = locate(self.root, loc, file)
        self.fail(code, f"{_dotted(self.root, loc)}{message}", where)

    def add_pydantic(self, err: Mapping[str, Any]) -> None:
        """Record one pydantic validation error with its code and a plain message."""
        loc = tuple(err["loc"])
        at_key = loc[-1:] == ("[key]",) or err["type"] == "extra_forbidden"
        loc = tuple(part for part in loc if part != "[key]")
        code, message = _error_code(err["type"], loc), _describe(err, loc)
        if err["type"] == "missing":  # point at the mapping that lacks the key
            loc, at_key = loc[:-1], True
        self.add(loc, code, message, at_key)


def _node_at(root: Any, loc: tuple[Any, ...]) -> Any:
    """The parsed node at ``loc``, or None when the path does not exist."""
    node = root
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _dotted(root: Any, loc: tuple[Any, ...]) -> str:
    """``participants.CF.periods[1].status: `` for a path into ``root``; empty for the root."""
    text, node = "", root
    for part in loc:
        text += f"[{part}]" if isinstance(node, list) else f".{part}"
        node = _node_at(node, (part,))
    return f"{text.lstrip('.')}: " if text else ""


def _error_code(kind: str, loc: tuple[Any, ...]) -> str:
    if kind.startswith("date"):
        return "REF001"
    if kind == "literal_error" and loc[-1:] == ("status",):
        return "REF002"
    if kind.startswith("bin_"):
        return "REF004"
    return "REF008" if kind == "string_pattern_mismatch" else "REF005"


def _describe(err: Mapping[str, Any], loc: tuple[Any, ...]) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), _KNOWN_KEYS, n=2)
        close = [key for key in close if key != loc[-1]]
        return f"unknown key '{loc[-1]}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    if kind == "string_pattern_mismatch":
        return f"'{value}' is not {_PATTERN_NAMES.get(err.get('ctx', {}).get('pattern'), _COUNTRY)}"
    if kind == "literal_error" and loc[-1:] == ("status",):
        return f"unknown status '{value}'; expected member, suspended, self_suspended or partial"
    if kind.startswith("date") and kind != "date_order":
        if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", value):
            return f"{value} is not a valid date"
        return f"expected a date written YYYY-MM-DD, got {value!r}"
    if kind.endswith("_type") and not isinstance(value, (dict, list)):
        return f"{err['msg']}, got {value!r}"
    return str(err["msg"])


_COUNTRY = "a country code (two upper-case letters, ISO 3166-1 alpha-2)"
_PATTERN_NAMES = {
    HS_PATTERN: 'an HS code (four digits, a dot and two digits: "7102.10")',
    TNVED_PATTERN: 'a TN VED code (ten digits: "7102100000")',
}
_DUPLICATE_KEY = re.compile(r'found duplicate key "(.*?)" with value')


def _read(doc: _Doc) -> None:
    """Parse ``doc.path`` into ``doc.root`` (a mapping) or record why it cannot be read."""
    if not doc.path.is_file():
        return doc.fail("REF006", "file not found")
    try:
        doc.root = load_yaml(doc.path)
    except YamlSyntaxError as exc:
        duplicate = _DUPLICATE_KEY.search(exc.message)
        if duplicate:
            return doc.fail("REF007", f"duplicate key '{duplicate[1]}': list each entry once", exc.location)
        return doc.fail("REF009", f"not valid YAML: {exc.message}", exc.location)
    except OSError as exc:
        return doc.fail("REF006", f"cannot read the file: {exc}")
    except Exception as exc:
        return doc.fail("REF009", f"not valid YAML here: {type(exc).__name__}: {exc}")
    if not isinstance(doc.root, dict):
        kind = "empty" if doc.root is None else "a list" if isinstance(doc.root, list) else "a single value"
        doc.fail("REF005", f"the file must be a mapping of keys, not {kind}", Location(str(doc.path), 1, 1))


def load_file(path: Path, model: type[M], check: Callable[[M], Iterable[FileIssue]]) -> tuple[M | None, _Doc]:
    """Read one file, validate it against ``model``, then run its semantic ``check``."""
    doc = _Doc(path)
    _read(doc)
    if doc.errors:
        return None, doc
    try:
        parsed = model.model_validate(doc.root)
    except ValidationError as exc:
        for err in sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden"):
            doc.add_pydantic(err)  # an unknown key first: it often explains a missing one
        return None, doc
    for loc, code, message in check(parsed):
        doc.add(loc, code, message)
    doc.errors.sort(key=lambda e: (getattr(e.location, "line", None) or 0, getattr(e.location, "column", None) or 0))
    return (None if doc.errors else parsed), doc


# --- Semantic checks beyond the schema -----------------------------------------------------


def overlap_problems(section: str, entries: Mapping[str, Any]) -> list[FileIssue]:
    """Periods of an entry that overlap another of its periods."""
    return [
        ((section, key, "periods", i), "REF003", f"this period overlaps another of {key}")
        for key, entry in entries.items()
        for i in Periods.overlapping([(s.start, s.end) for s in entry.periods])
    ]


def participants_problems(f: ParticipantsFile) -> list[FileIssue]:
    """Overlaps, codes listed twice, resolution targets that are not participants."""
    problems = overlap_problems("participants", f.participants)
    for code, span in f.eu_members.items():
        own = [(q.start, q.end) for q in f.participants[code].periods] if code in f.participants else []
        if own and Periods.overlapping([(span.start, span.end), *own]):
            problems.append((("eu_members", code), "REF003", f"{code} is an EU member state and a participant on the same days"))
    seen: dict[str, str] = {}
    for section, codes in (
        ("participants", f.participants),
        ("trading_entities", f.trading_entities),
        ("also_resolve", f.also_resolve),
        ("eu_also", f.eu_also),
    ):
        for i, code in enumerate(codes):
            if code in seen:
                loc = (section, i if section == "eu_also" else code)
                problems.append((loc, "REF007", f"{code} is already listed in {seen[code]}"))
            seen.setdefault(code, section)
    problems += [
        (("also_resolve", code), "REF008", f"{target} is not a participant")
        for code, target in f.also_resolve.items()
        if target not in f.participants
    ]
    if (f.eu_members or f.eu_also) and EU not in f.participants:
        problems.append((("participants",), "REF008", "EU member states are listed but EU is not"))
    return problems


def hs_tnved_problems(f: HsTnvedFile) -> list[FileIssue]:
    """A TN VED code that does not begin with its HS code's digits (so no code serves two HS codes)."""
    return [
        (("tnved_of_hs", hs), "REF008", f"{tnved} does not begin with the digits of HS {hs} ({hs.replace('.', '')})")
        for hs, tnved in f.tnved_of_hs.items()
        if not tnved.startswith(hs.replace(".", ""))
    ]


def no_problems(_: Any) -> list[FileIssue]:
    return []
