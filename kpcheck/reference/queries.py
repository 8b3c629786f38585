"""Reference data: load it, validate it, and answer "as of date D" questions.

Law-level files (kept and hashed with the rules) live in ``RULES/reference/``: the KP
participants, the EAEU members, the generated Kazakh calendar and its overrides, the TN VED codes
of the HS codes. Registers (kept by the authorised body) are taken file by file from a registers
folder, else from the shipped example folder :data:`DEFAULT_REGISTERS`. Every file is validated on load; each
problem is a :class:`ReferenceDataError` naming ``file:line:col`` and a stable code. This module
knows nothing about rules. Period dates are inclusive at both ends; no ``to`` means open.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kpcheck.problems import Location
from kpcheck.reference.files import (  # the public names are re-exported here
    CALENDAR,
    CUSTOMS_POINTS,
    DEFAULT_REGISTERS,
    EAEU,
    ENTITIES,
    EU,
    HS_TNVED,
    OVERRIDES,
    PARTICIPANTS,
    REGISTERS,
    SIGNERS,
    EaeuFile,
    HsTnvedFile,
    ParticipantsFile,
    Periods,
    ReferenceDataError,
    bin_check_digit_ok,
    hs_tnved_problems,
    load_file,
    no_problems,
    overlap_problems,
    participants_problems,
)
from kpcheck.reference.workdays import (
    CalendarFile,
    FileIssue,
    OverridesFile,
    WorkingCalendar,
    calendar_from_files,
    calendar_problems,
    override_problems,
)


def _norm_code(code: str | None) -> str | None:
    """A country code as looked up: trimmed, upper-cased; None when absent or blank."""
    if not isinstance(code, str):
        return None
    return code.strip().upper() or None


def _norm_id(value: str | None) -> str | None:
    """A register key as looked up: trimmed; None when absent or blank."""
    if not isinstance(value, str):
        return None
    return value.strip() or None


MEMO_LIMIT = 4096
_UNSET = object()


@dataclass(frozen=True, eq=False)
class Reference:
    """Validated reference data with precomputed lookups; every query is a dict hit or a bisect."""

    law_files: tuple[Path, ...]
    register_files: tuple[Path, ...]
    example_registers: bool
    participants: Mapping[str, Periods[str]] = field(repr=False)
    eu_members: Mapping[str, Periods[bool]] = field(repr=False)
    eu_also: frozenset[str] = field(repr=False)
    also_resolve: Mapping[str, str] = field(repr=False)
    eaeu_members: Mapping[str, Periods[bool]] = field(repr=False)
    calendar: WorkingCalendar = field(repr=False)
    signers: Mapping[str, Periods[bool]] = field(repr=False)
    customs_points: Mapping[str, Periods[bool]] = field(repr=False)
    entities: Mapping[str, Periods[bool]] = field(repr=False)
    tnved_of_hs: Mapping[str, str] = field(repr=False)
    _eu_timeline: Periods[frozenset[str]] = field(init=False, repr=False)
    epochs: tuple[date, ...] = field(init=False, repr=False)
    _memo: dict[tuple[str, str, int], Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_memo", {})
        cuts = sorted(
            {s for p in self.eu_members.values() for s in p.starts}
            | {e + timedelta(days=1) for p in self.eu_members.values() for e in p.ends if e is not None}
        )
        members = [frozenset(c for c, p in self.eu_members.items() if p.at(cut)) for cut in cuts]
        object.__setattr__(
            self,
            "_eu_timeline",
            Periods.of((cut, None if i + 1 == len(cuts) else cuts[i + 1] - timedelta(days=1), members[i]) for i, cut in enumerate(cuts)),
        )
        dated: list[Periods[Any]] = [
            *self.participants.values(),
            *self.eu_members.values(),
            *self.eaeu_members.values(),
            *self.signers.values(),
            *self.customs_points.values(),
            *self.entities.values(),
        ]
        object.__setattr__(
            self,
            "epochs",
            tuple(
                sorted(
                    {s for p in dated for s in p.starts}
                    | {e + timedelta(days=1) for p in dated for e in p.ends if e is not None and e < date.max}
                )
            ),
        )

    def epoch(self, on: date) -> int:
        """Which of the periods cut by every start and end in the reference data ``on`` falls
        in: every dated answer (status, membership, register entry) is the same for two days
        of one epoch, so lookups are memoised by epoch rather than by day."""
        return bisect_right(self.epochs, on)

    def resolve_participant(self, code: str | None, on: date) -> str | None:
        """The participant a country code trades as on ``on`` (rulebook: participant resolution)."""
        key = _norm_code(code)
        if key is None:
            return None
        membership = self.eu_members.get(key)
        if key in self.eu_also or (membership is not None and membership.at(on)):
            return EU
        if key in self.also_resolve:
            return self.also_resolve[key]
        return key if key in self.participants else None

    def participant_status(self, code: str | None, on: date) -> str | None:
        """``member``/``suspended``/``self_suspended``/``partial`` after resolution, or None."""
        return None if code is None else self._remembered("status", code, on, self._participant_status)

    def _participant_status(self, code: str, on: date) -> str | None:
        resolved = self.resolve_participant(code, on)
        return None if resolved is None else self.participants[resolved].at(on)

    def number_prefixes(self, issuing_country: str | None, on: date) -> frozenset[str]:
        """Accepted certificate-number prefixes (FORM-04) for an issuing country on ``on``."""
        key = _norm_code(issuing_country)
        if key is None:
            return frozenset()
        prefixes: frozenset[str] = self._remembered("prefixes", key, on, self._number_prefixes)
        return prefixes

    def _remembered(self, query: str, code: str, on: date, answer: Callable[[str, date], Any]) -> Any:
        """``answer(code, on)``, remembered per epoch of ``on`` (the same for every day of it):
        these queries run for every certificate checked, on a handful of codes and epochs."""
        memo = (query, code, self.epoch(on))
        found = self._memo.get(memo, _UNSET)
        if found is _UNSET:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[memo] = answer(code, on)
        return found

    def _number_prefixes(self, key: str, on: date) -> frozenset[str]:
        resolved = self.resolve_participant(key, on)
        if resolved == EU:
            return frozenset({key, EU}) | (self._eu_timeline.at(on) or frozenset())
        return frozenset(code for code in (key, resolved) if code is not None)

    def is_eaeu_member(self, code: str | None, on: date) -> bool:
        """Whether a country (as given, no resolution) is an EAEU member on ``on``."""
        return _member_on(self.eaeu_members, _norm_code(code), on)

    def tnved_of(self, hs_code: str | None) -> str | None:
        """The TN VED EAEU code of a certificate line's HS code as given (``hs-tnved.yaml``), or None."""
        return self.tnved_of_hs.get(hs_code or "")

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a Kazakh working day (calendar file, overrides win)."""
        return self.calendar.is_working_day(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself not counted)."""
        return self.calendar.add_working_days(start, n)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days ``d`` with ``start < d <= end`` (0 if ``end <= start``)."""
        return self.calendar.working_days_between(start, end)

    def working_day_deadline(self, start: date, n: int) -> date | None:
        """The ``n``-th working day after ``start``, or None when the calendar does not cover
        ``start`` or that day (never a guess from the plain week)."""
        if not self.calendar.covers(start):
            return None
        deadline = self.calendar.add_working_days(start, n)
        return deadline if self.calendar.covers(deadline) else None

    def working_days_late(self, start: date, n: int, returned: date) -> int | None:
        """Working days from the ``n``-th working day after ``start`` to ``returned`` (0 when on
        time), or None when the calendar does not cover all three days."""
        deadline = self.working_day_deadline(start, n)
        if deadline is None or not self.calendar.covers(returned):
            return None
        return self.calendar.working_days_between(deadline, returned)

    def signer_registered(self, signer_id: str | None, on: date) -> bool:
        """Whether a signer is in the signature specimen register on ``on``."""
        return _member_on(self.signers, _norm_id(signer_id), on)

    def customs_point_designated(self, office: str | None, on: date) -> bool:
        """Whether a customs office is a designated point for precious stones on ``on``."""
        return _member_on(self.customs_points, _norm_id(office), on)

    def entity_registered(self, bin: str | None, on: date) -> bool:
        """Whether a BIN is in the register of entities on special account on ``on``."""
        return _member_on(self.entities, _norm_id(bin), on)


def _member_on(register: Mapping[str, Periods[bool]], key: str | None, on: date) -> bool:
    periods = register.get(key) if key is not None else None
    return periods is not None and periods.at(on) is True


# --- Loading everything ----------------------------------------------------------------------

_LAW: dict[str, tuple[type[BaseModel], Callable[[Any], Iterable[FileIssue]]]] = {
    PARTICIPANTS: (ParticipantsFile, participants_problems),
    EAEU: (EaeuFile, no_problems),
    CALENDAR: (CalendarFile, calendar_problems),
    OVERRIDES: (OverridesFile, override_problems),
    HS_TNVED: (HsTnvedFile, hs_tnved_problems),
}


def register_paths(
    registers_dir: Path | None,
) -> tuple[dict[str, Path], list[ReferenceDataError]]:
    """Each register from ``registers_dir`` when that file is there, else the shipped example."""
    errors = []
    if registers_dir is not None and not Path(registers_dir).is_dir():
        errors.append(ReferenceDataError(Location(str(registers_dir)), "register folder not found", "REF006"))
    paths = {}
    for name in REGISTERS:
        given = Path(registers_dir) / name if registers_dir is not None else None
        paths[name] = given if given is not None and given.is_file() else DEFAULT_REGISTERS / name
    return paths, errors


def _periods(spans: Iterable[Any], value: Any) -> Periods[Any]:
    return Periods.of((s.start, s.end, value) for s in spans)


def _build(parsed: Mapping[str, Any], law_files: tuple[Path, ...], register_files: tuple[Path, ...]) -> Reference:
    """The queryable :class:`Reference` from checked files."""
    p: ParticipantsFile = parsed[PARTICIPANTS]
    participants: dict[str, Periods[str]] = {
        code: Periods.of((q.start, q.end, q.status) for q in entry.periods) for code, entry in p.participants.items()
    }
    participants.update({code: Periods.of([(t.since, None, "member")]) for code, t in p.trading_entities.items()})
    registers = {
        name: {key: _periods(entry.periods, True) for key, entry in getattr(parsed[name], REGISTERS[name][0]).items()} for name in REGISTERS
    }
    return Reference(
        law_files=law_files,
        register_files=register_files,
        example_registers=any(parsed[name].example for name in REGISTERS),
        participants=participants,
        eu_members={code: _periods([span], True) for code, span in p.eu_members.items()},
        eu_also=frozenset(p.eu_also),
        also_resolve=dict(p.also_resolve),
        eaeu_members={code: _periods([span], True) for code, span in parsed[EAEU].members.items()},
        calendar=calendar_from_files(parsed[CALENDAR], parsed[OVERRIDES]),
        tnved_of_hs=dict(parsed[HS_TNVED].tnved_of_hs),
        signers=registers[SIGNERS],
        customs_points=registers[CUSTOMS_POINTS],
        entities=registers[ENTITIES],
    )


def _register_overlaps(key: str, parsed: Any) -> Any:
    return overlap_problems(key, getattr(parsed, key))


def _gather(
    rules_dir: Path,
    registers_dir: Path | None,
) -> tuple[Reference | None, list[ReferenceDataError]]:
    """Load and check every file; the reference data, or None and every problem found."""
    law_paths = {name: Path(rules_dir) / "reference" / name for name in _LAW}
    registers, errors = register_paths(registers_dir)
    parsed: dict[str, Any] = {}
    for name, path in law_paths.items():
        parsed[name], doc = load_file(path, *_LAW[name])
        errors += doc.errors
    for name, path in registers.items():
        key, model = REGISTERS[name]
        parsed[name], doc = load_file(path, model, functools.partial(_register_overlaps, key))
        errors += doc.errors
    if errors:
        return None, errors
    return _build(parsed, tuple(law_paths.values()), tuple(registers.values())), []


def collect_reference(
    rules_dir: Path,
    registers_dir: Path | None = None,
) -> tuple[Reference | None, list[ReferenceDataError]]:
    """The reference data, or None and every problem found."""
    return _gather(rules_dir, registers_dir)


def check_reference(
    rules_dir: Path,
    registers_dir: Path | None = None,
) -> list[ReferenceDataError]:
    """Every problem in the reference data (empty when it loads), for a linter."""
    return _gather(rules_dir, registers_dir)[1]


def load_reference(rules_dir: Path, registers_dir: Path | None = None) -> Reference:
    """Load and validate the reference data; raises the first :class:`ReferenceDataError` found.

    Law-level files come from ``rules_dir/"reference"``; each register from ``registers_dir``
    when that file exists there, else from :data:`DEFAULT_REGISTERS`.
    """
    reference, errors = _gather(rules_dir, registers_dir)
    if errors:
        raise errors[0]
    assert reference is not None
    return reference


__all__ = [
    "DEFAULT_REGISTERS",
    "Periods",
    "Reference",
    "ReferenceDataError",
    "ReferenceError",
    "bin_check_digit_ok",
    "check_reference",
    "collect_reference",
    "load_reference",
]
