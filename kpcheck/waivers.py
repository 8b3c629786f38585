"""Waivers: findings the authorised body has excused by an order or decision.

A waiver file is YAML 1.2 kept by the authorised body::

    waivers:
      - certificate: KZ000200            # or  submission: ALA-2024-0007  (exactly one of the two)
        rule: DUP-01
        reason: The territorial department was closed by flood from 18 to 29 March 2024.
        granted_by: Order of the Industry Committee No 45-p of 02.04.2024
        expires_on: 2024-12-31

A waived finding stays in the result, marked with its waiver, and no longer counts toward
the status. Expiry is compared with the submission's ``presented_on``, never the clock. A
finding of severity ``invalid`` cannot be waived: the certificate is void. A waiver that is
malformed, refused, expired or matches no finding is ignored with a warning (a
:class:`~kpcheck.problems.Problem`) naming its line. This module neither prints nor exits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError, model_validator

from kpcheck.input.text import normalise_number
from kpcheck.input.yamlio import YamlSyntaxError, key_location, load_yaml, value_location
from kpcheck.problems import KpcheckError, Level, Location, Problem
from kpcheck.results import Result, status_of
from kpcheck.rulebook.schema import suggest
from kpcheck.verdicts import Severity, Verdict

FIELDS = ("submission", "certificate", "rule", "reason", "granted_by", "expires_on")
TARGET = "give exactly one of 'submission' and 'certificate'"
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
MALFORMED, UNKNOWN_RULE, REFUSED, EXPIRED, INAPPLICABLE = "WAI001", "WAI002", "WAI003", "WAI004", "WAI005"


def _iso_date(value: Any) -> Any:
    """A YAML date as it is; a quoted ``YYYY-MM-DD`` text read as one; anything else refused."""
    if isinstance(value, dt.datetime):
        raise ValueError("a date without a time")
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    return value


class WaiverFileError(KpcheckError):
    """The waiver file as a whole cannot be read: ``file:line:col: message``."""

    code = "WAI010"


@dataclass(frozen=True)
class Waiver:
    """One waiver; ``certificate`` is normalised (upper case, no spaces or hyphens)."""

    rule: str
    reason: str
    granted_by: str
    expires_on: dt.date
    line: str
    submission: str | None = None
    certificate: str | None = None

    @property
    def target(self) -> str:
        return f"submission {self.submission}" if self.submission is not None else f"certificate {self.certificate}"

    def matches(self, submission: str | None, certificate: str | None, rule: str) -> bool:
        if rule != self.rule:
            return False
        if self.submission is not None:
            return submission == self.submission
        return certificate is not None and normalise_number(certificate) == self.certificate

    def mark(self) -> dict[str, str]:
        """The ``waived`` value of a finding (JSON-ready)."""
        return {"reason": self.reason, "granted_by": self.granted_by, "expires_on": self.expires_on.isoformat(), "line": self.line}


MAX_WAIVER_BYTES = 1 << 20  # read at once (YAML with lines and columns: about 1.5 ms a waiver); beyond it, refused before parsing


def load_waivers(path: Path | str, rule_severities: Mapping[str, str]) -> tuple[list[Waiver], list[Problem]]:
    """The usable waivers of a file and a warning per entry ignored.

    ``rule_severities`` maps every rule ID of the rulebook to its severity. Raises
    :class:`WaiverFileError` when the file is missing, not YAML or has no ``waivers`` list.
    """
    file = str(path)
    try:
        size = Path(path).stat().st_size
    except OSError as exc:
        raise WaiverFileError(file, f"cannot read the waiver file ({exc.strerror})") from None
    if size > MAX_WAIVER_BYTES:
        raise WaiverFileError(
            file,
            f"the waiver file is {size / (1 << 20):.1f} MiB; a waiver file holds at most {MAX_WAIVER_BYTES >> 20} MiB "
            f"(some {MAX_WAIVER_BYTES // 200:,} waivers): keep in it the waivers in force",
        )
    try:
        doc = load_yaml(path)
    except YamlSyntaxError as exc:
        raise WaiverFileError(exc.location, exc.message) from None
    except OSError as exc:
        raise WaiverFileError(file, f"cannot read the waiver file ({exc.strerror})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("waivers"), list):
        raise WaiverFileError(file, "a waiver file holds a top-level 'waivers:' list")
    extra = [k for k in doc if k != "waivers"]
    if extra:
        raise WaiverFileError(key_location(doc, extra[0], file), f"unknown top-level key '{extra[0]}'; a waiver file holds only 'waivers:'")
    waivers: list[Waiver] = []
    warnings: list[Problem] = []
    for index, entry in enumerate(doc["waivers"]):
        line = _line(key_location(doc["waivers"], index, file))
        waiver, problem = _parse_entry(entry, line, file, rule_severities)
        if problem is not None:
            warnings.append(problem)
        if waiver is not None:
            waivers.append(waiver)
    return waivers, warnings


def _line(location: Location) -> str:
    return str(Location(location.file, location.line))


class WaiverEntry(BaseModel):
    """One entry of a waiver file as written: exactly one of ``submission`` and ``certificate``."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    submission: _Text | None = None
    certificate: _Text | None = None
    rule: _Text
    reason: _Text
    granted_by: _Text
    expires_on: Annotated[dt.date, BeforeValidator(_iso_date)]

    @model_validator(mode="after")
    def _one_target(self) -> WaiverEntry:
        if (self.submission is None) == (self.certificate is None):
            raise ValueError(TARGET)
        return self


def _parse_entry(entry: Any, line: str, file: str, severities: Mapping[str, str]) -> tuple[Waiver | None, Problem | None]:
    def bad(message: str, code: str = MALFORMED, key: str | None = None) -> tuple[None, Problem]:
        where = _line(value_location(entry, key, file)) if key is not None else line
        return None, Problem(where, code, f"waiver ignored: {message}", Level.WARNING)

    if not isinstance(entry, dict):
        return bad("an entry is a mapping of " + ", ".join(FIELDS))
    targets = [k for k in ("submission", "certificate") if entry.get(k) is not None]
    if len(targets) != 1 and all(k in FIELDS for k in entry):
        return bad(TARGET)
    try:
        spec = WaiverEntry.model_validate(dict(entry))
    except ValidationError as exc:
        first = min(exc.errors(), key=_priority)
        key = str(first["loc"][0]) if first["loc"] else None
        return bad(_wording(first, entry), key=key if key in entry else None)
    if spec.rule not in severities:
        return bad(f"no rule {spec.rule} in the rulebook{suggest(spec.rule, severities)}", UNKNOWN_RULE, "rule")
    if severities[spec.rule] == Severity.INVALID:
        return bad(f"{spec.rule} has severity invalid and cannot be waived: the certificate is void", REFUSED, "rule")
    return Waiver(
        spec.rule,
        spec.reason,
        spec.granted_by,
        spec.expires_on,
        line,
        submission=spec.submission,
        certificate=normalise_number(spec.certificate) if spec.certificate else None,
    ), None


def _priority(error: Any) -> tuple[int, int]:
    """Unknown keys first, then the fields in the order a waiver is written."""
    key = error["loc"][0] if error["loc"] else None
    return (0 if error["type"] == "extra_forbidden" else 1, FIELDS.index(key) if key in FIELDS else -1)


def _wording(error: Any, entry: dict[str, Any]) -> str:
    key = str(error["loc"][0]) if error["loc"] else ""
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown field '{key}'{suggest(key, FIELDS)}"
    if kind == "missing":
        return f"'{key}' is missing"
    if key == "expires_on":
        return f"'expires_on' is not a date (YYYY-MM-DD): {entry[key]}"
    if kind == "string_too_short":
        return f"'{key}' is empty"
    if kind == "string_type":
        return f"'{key}' is not text (quote it)"
    return str(error["msg"])


def apply_waivers(
    result: Result,
    submission_presented_on: dt.date | None,
    certificate_number: str | None,
    waivers: Iterable[Waiver],
    matched: set[Waiver] | None = None,
) -> tuple[Result, list[Problem]]:
    """The result with its waived findings marked and its status recomputed.

    For each finding the first waiver (in file order) of its rule and submission or
    certificate that has not expired on ``submission_presented_on`` applies; matching waivers
    that have expired are reported. Every waiver that matches a finding is added to
    ``matched`` (for :func:`inapplicable`). Results with status ``error`` are left alone.
    """
    if result.status is Verdict.ERROR or submission_presented_on is None:
        return result, []
    warnings: list[Problem] = []
    findings = []
    candidates = list(waivers)
    for finding in result.findings:
        hits = [w for w in candidates if w.matches(result.submission, certificate_number, finding.rule)]
        if matched is not None:
            matched.update(hits)
        valid = next((w for w in hits if w.expires_on >= submission_presented_on), None)
        if valid is not None and finding.severity != Severity.INVALID:
            finding = replace(finding, waived=valid.mark())
        elif valid is None:
            warnings.extend(_expired(w, result, submission_presented_on) for w in hits)
        findings.append(finding)
    counted = [f for f in findings if f.waived is None]
    return replace(result, findings=findings, status=status_of(counted)), warnings


def _expired(waiver: Waiver, result: Result, presented_on: dt.date) -> Problem:
    return Problem(
        waiver.line,
        EXPIRED,
        f"waiver of {waiver.rule} for {waiver.target} expired on "
        f"{waiver.expires_on.isoformat()}, before submission {result.submission} was presented "
        f"on {presented_on.isoformat()}; not applied",
        Level.WARNING,
        waiver.rule,
    )


def inapplicable(waivers: Iterable[Waiver], matched: set[Waiver]) -> list[Problem]:
    """A warning for every waiver that matched no finding of the submissions checked."""
    return [
        Problem(
            w.line,
            INAPPLICABLE,
            f"waiver of {w.rule} for {w.target} matches no finding of the submissions checked; ignored",
            Level.WARNING,
            w.rule,
        )
        for w in waivers
        if w not in matched
    ]


@dataclass
class WaiverBook:
    """The usable waivers of one file, remembering which ones matched a finding."""

    waivers: list[Waiver]
    warnings: list[Problem] = field(default_factory=list)
    matched: set[Waiver] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path | str, rule_severities: Mapping[str, str]) -> WaiverBook:
        waivers, warnings = load_waivers(path, rule_severities)
        return cls(waivers, warnings)

    def __post_init__(self) -> None:
        self._by_target: dict[tuple[str, str], list[tuple[int, Waiver]]] = {}
        for index, waiver in enumerate(self.waivers):
            key = ("submission", waiver.submission) if waiver.submission is not None else ("certificate", waiver.certificate or "")
            self._by_target.setdefault(key, []).append((index, waiver))

    def candidates(self, result: Result) -> list[Waiver]:
        """The waivers naming the result's submission or certificate, in file order."""
        found = [
            *self._by_target.get(("submission", result.submission or ""), []),
            *self._by_target.get(("certificate", normalise_number(result.certificate) or ""), []),
        ]
        return [waiver for _, waiver in sorted(found, key=lambda pair: pair[0])]

    def apply(self, result: Result) -> tuple[Result, list[Problem]]:
        return apply_waivers(result, result.presented_on, result.certificate, self.candidates(result), self.matched)

    def waive(self, results: Iterable[Result], warn: Callable[[Problem], None]) -> Iterator[Result]:
        """The results with waivers applied; every warning goes to ``warn``, unused waivers last."""
        for problem in self.warnings:
            warn(problem)
        for result in results:
            waived, problems = self.apply(result)
            for problem in problems:
                warn(problem)
            yield waived
        for problem in inapplicable(self.waivers, self.matched):
            warn(problem)


def severities_of(book: Any) -> dict[str, str]:
    """Rule ID → severity of every rule of a :class:`~kpcheck.rulebook.loader.Rulebook`, retired ones included."""
    return {rule.id: rule.spec.severity.value for rule in book.rules}
