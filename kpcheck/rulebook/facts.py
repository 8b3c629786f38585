"""The library of derived facts: what the rules engine cannot compute itself.

durable_rules cannot count, sum, look a code up in a dated register or count working
days, so those values are computed here, before the engine runs, by pure named functions.
A rule file calls them in its ``let:`` section with its own parameters::

    let:
      deadline: {fact: working_day_deadline, with: {after: duplicate.damaged_on, days: 5}}

Parameters of kind ``path`` name a submission field (inside ``for_any``/``for_all`` an
item field first), or an earlier ``let``; the function receives its value (``None`` when
absent). Other kinds are literals the legal staff set (the 5, the 0.01). A fact returns
``None`` when an input it needs is absent: the rule then treats the value as absent.

Adding a fact: write a function ``(ctx, **params)`` and one :class:`DerivedFact` line in
:data:`FACTS`. Functions read neither files nor the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kpcheck.input.models import Submission
from kpcheck.input.text import blank, normalise_number, normalise_text, plain_number
from kpcheck.reference.queries import Reference
from kpcheck.rulebook.schema import BOOL, DATE, DECIMAL, INT, TEXT

PATH, NUMBER, COUNT, WORD, WORDS = "path", "number", "count", "text", "texts"
MAX_NUMBER = 10**6  # a number parameter lies within +-MAX_NUMBER
HISTORY, BATCH = "history", "batch"  # what of the other submissions a fact reads (a rule's ``needs:``)
MAX_COUNT = 10_000  # a count parameter (days, places, lines) is a whole number 0..MAX_COUNT


@dataclass(frozen=True, slots=True)
class FactContext:
    """What a derived fact of one submission reads: the submission and the reference data."""

    sub: Submission
    reference: Reference


@dataclass(frozen=True, slots=True)
class BatchContext:
    """What a derived fact across submissions reads: the reference data and the batch view of
    one submission among the others (an XrefView of kpcheck.batch.xref)."""

    reference: Reference
    batch: Any


Context = FactContext | BatchContext
"""Facts that read only their parameters and the reference data take either."""


@dataclass(frozen=True)
class DerivedFact:
    name: str
    returns: str
    params: dict[str, str]  # parameter name -> kind (path, number, count, text, texts)
    func: Callable[..., Any]
    doc: str
    calendar: bool = False  # counts Kazakh working days: a finding notes provisional years
    across: str | None = None  # reads other submissions: "history" (their numbers) or "batch" (all of them)
    reads_submission: bool = False  # reads the submission itself, beyond its parameters (one submission only)


def _text_contains(ctx: Context, text: str | None, phrase: str) -> bool:
    norm = normalise_text(text)
    wanted = normalise_text(phrase)
    return norm is not None and wanted is not None and wanted in norm


def _contains(ctx: Context, values: list[Any] | None, value: str) -> bool:
    return value in (values or [])


def _count(ctx: Context, values: list[Any] | None) -> int:
    return len(values or [])


def _all_in(ctx: Context, values: list[Any] | None, allowed: list[str]) -> bool | None:
    return None if not values else all(v in allowed for v in values)


def _sum(ctx: Context, items: list[Any] | None, amount: str) -> Decimal | None:
    if not items:
        return None
    total = _ZERO
    for item in items:
        value = getattr(item, amount)
        if value is None:
            return None
        total += value
    return total


_ZERO = Decimal(0)


def _decimal(value: Any) -> Decimal:
    return value if type(value) is Decimal else Decimal(value)


def _differs(ctx: Context, a: Any, b: Any, tolerance: Decimal) -> bool | None:
    if a is None or b is None:
        return None
    return abs(_decimal(a) - _decimal(b)) > _decimal(tolerance)


_QUANTA: dict[Any, Decimal] = {}


def _decimal_places_exceed(ctx: Context, value: Decimal | None, places: Decimal) -> bool | None:
    if value is None:
        return None
    quantum = _QUANTA.get(places)
    if quantum is None:
        quantum = _QUANTA[places] = Decimal(1).scaleb(-int(places))
    return value != value.quantize(quantum, rounding="ROUND_DOWN")


def _numbers_equal(ctx: Context, a: str | None, b: str | None) -> bool | None:
    na, nb = normalise_number(a), normalise_number(b)
    return None if na is None or nb is None else na == nb


def _number_prefix_accepted(ctx: Context, number: str | None, country: str | None, on: dt.date | None) -> bool | None:
    norm = normalise_number(number)
    if norm is None or country is None or blank(country) or on is None:
        return None
    for prefix in ctx.reference.number_prefixes(country.strip().upper(), on):
        if norm.startswith(prefix) and norm[len(prefix) : len(prefix) + 1].isdigit():
            return True
    return False


def _number_plain(ctx: Context, number: str | None) -> bool | None:
    return plain_number(number)


def _counterparty_country(ctx: FactContext) -> str | None:
    cert = ctx.sub.certificate
    if ctx.sub.direction == "export":
        country = cert.importer.country if cert.importer else None
    else:
        country = cert.issuing_country
    return None if blank(country) else country


def _kazakh_party(ctx: FactContext, part: str) -> Any:
    sub = ctx.sub
    party = sub.certificate.exporter if sub.direction == "export" else sub.certificate.importer
    value = getattr(party, part) if party is not None else None
    return None if blank(value) else value


def _participant_status(ctx: Context, country: str | None, on: dt.date | None) -> str | None:
    if blank(country) or on is None:
        return None
    return ctx.reference.participant_status(country, on) or "not_participant"


def _eaeu_member(ctx: Context, country: str | None, on: dt.date | None) -> bool | None:
    if blank(country) or on is None:
        return None
    return ctx.reference.is_eaeu_member(country, on)


def _any_status_in(ctx: Context, values: list[Any] | None, on: dt.date | None, statuses: list[str]) -> bool | None:
    if not values or on is None:
        return None
    return any((_participant_status(ctx, c, on) or "not_participant") in statuses for c in values)


def _on_register(lookup: Callable[[Reference, str, dt.date], bool]) -> Callable[..., bool | None]:
    """A fact "is this entry in that register on that date"; absent when either is absent."""

    def fact(ctx: Context, on: dt.date | None, **entry: str | None) -> bool | None:
        (value,) = entry.values()
        return None if value is None or blank(value) or on is None else lookup(ctx.reference, value, on)

    return fact


_signer_registered = _on_register(Reference.signer_registered)
_entity_registered = _on_register(Reference.entity_registered)
_customs_point_designated = _on_register(Reference.customs_point_designated)


def _is_signer(ctx: FactContext, value: str | None, role: str) -> bool | None:
    ids = [s.signer_id for s in ctx.sub.certificate.signatures or [] if s.role == role and not blank(s.signer_id)]
    if blank(value) or not ids:
        return None
    return value in ids


def _document_with_code(ctx: FactContext, code: str) -> bool:
    customs = ctx.sub.customs
    for doc in (customs.documents if customs else None) or ():
        if doc.code == code:
            return True
    return False


def _document_cited(ctx: FactContext, code: str, number: str | None) -> bool | None:
    wanted = normalise_number(number)
    if wanted is None:
        return None
    customs = ctx.sub.customs
    for doc in (customs.documents if customs else None) or ():
        if doc.code == code and normalise_number(doc.number) == wanted:
            return True
    return False


def _tnved_match_lines(ctx: FactContext) -> bool | None:
    customs, lines = ctx.sub.customs, ctx.sub.certificate.lines or []
    if customs is None:
        return None
    hs = {ctx.reference.tnved_of(line.hs_code) or f"?{line.hs_code}" for line in lines}
    return set(customs.tnved_codes or []) == hs


def _working_day_deadline(ctx: Context, after: dt.date | None, days: Decimal) -> dt.date | None:
    return None if after is None else ctx.reference.working_day_deadline(after, int(days))


def _working_days_late(ctx: Context, after: dt.date | None, days: Decimal, returned: dt.date | None) -> int | None:
    if after is None or returned is None:
        return None
    return ctx.reference.working_days_late(after, int(days), returned)


def _values_unless_true(ctx: Context, items: list[Any] | None, value: str, flag: str) -> str | None:
    picked = [getattr(item, value, None) for item in items or [] if getattr(item, flag, None) is not True]
    if not picked:
        return None
    return ", ".join("(not named)" if blank(v) else str(v).strip() for v in picked)


def _countries_with_status(ctx: Context, countries: list[Any] | None, on: dt.date | None, statuses: list[str]) -> str | None:
    if not countries or on is None:
        return None
    found = [(c, _participant_status(ctx, c, on)) for c in countries]
    hits = [f"{c} ({status})" for c, status in found if status in statuses]
    return ", ".join(hits) or None


def _xref_same_number(ctx: BatchContext) -> int | None:
    others: int | None = ctx.batch.index.same_number_others(ctx.batch.key)
    return others


def _xref_same_number_who(ctx: BatchContext) -> str | None:
    return "; ".join(str(other) for other in ctx.batch.index.same_number_who(ctx.batch.key)) or None


def _xref_searched(ctx: BatchContext) -> str | None:
    return ", ".join(ctx.batch.index.searched) or None


def _xref_original_known(ctx: BatchContext) -> bool | None:
    known: bool | None = ctx.batch.index.original_known(ctx.batch.key)
    return known


def _xref_price_outliers(ctx: BatchContext, ratio: Decimal, min_lines: Decimal) -> str | None:
    hits = ctx.batch.index.price_outliers(ctx.batch.key, Decimal(ratio), int(min_lines))
    scale = Decimal(10**6)
    return "; ".join(f"line {i + 1}: {Decimal(p) / scale:,.2f} US$/ct against a median of {m / scale:,.2f}" for i, p, m in hits) or None


def _fact(
    name: str, returns: str, params: dict[str, str], func: Callable[..., Any], doc: str, calendar: bool = False, across: str | None = None
) -> DerivedFact:
    """A fact whose function takes a :class:`FactContext` reads the submission itself."""
    reads = func.__annotations__.get("ctx") in ("FactContext", FactContext)
    return DerivedFact(name, returns, params, func, doc, calendar, across, reads)


FACTS: dict[str, DerivedFact] = {
    f.name: f
    for f in (
        _fact(
            "text_contains",
            BOOL,
            {"text": PATH, "phrase": WORD},
            _text_contains,
            "the text contains the phrase (text comparison); false when the text is absent",
        ),
        _fact("contains", BOOL, {"values": PATH, "value": WORD}, _contains, "a list of codes contains the value"),
        _fact("count", INT, {"values": PATH}, _count, "how many entries a list has (0 when absent)"),
        _fact("all_in", BOOL, {"values": PATH, "allowed": WORDS}, _all_in, "every entry of a non-empty list is one of the allowed values"),
        _fact(
            "sum",
            DECIMAL,
            {"items": PATH, "amount": WORD},
            _sum,
            "exact decimal sum of one amount over a list's items; absent when any is missing",
        ),
        _fact(
            "differs",
            BOOL,
            {"a": PATH, "b": PATH, "tolerance": NUMBER},
            _differs,
            "two amounts differ by more than the tolerance (exact decimals)",
        ),
        _fact(
            "decimal_places_exceed",
            BOOL,
            {"value": PATH, "places": COUNT},
            _decimal_places_exceed,
            "the amount has a non-zero digit beyond the given number of decimal places",
        ),
        _fact(
            "numbers_equal",
            BOOL,
            {"a": PATH, "b": PATH},
            _numbers_equal,
            "two certificate or document numbers are equal (number comparison)",
        ),
        _fact(
            "number_prefix_accepted",
            BOOL,
            {"number": PATH, "country": PATH, "on": PATH},
            _number_prefix_accepted,
            "the number starts with an accepted code of the issuing participant followed by a digit",
        ),
        _fact(
            "number_plain",
            BOOL,
            {"number": PATH},
            _number_plain,
            "the number (number comparison's normalisation) holds only the Latin letters A-Z and the digits 0-9",
        ),
        _fact("counterparty_country", TEXT, {}, _counterparty_country, "on export the importer's country, on import the issuing country"),
        _fact(
            "kazakh_party",
            TEXT,
            {"part": WORD},
            _kazakh_party,
            "a field of the Kazakh party: the exporter on export, the importer on import",
        ),
        _fact(
            "participant_status",
            TEXT,
            {"country": PATH, "on": PATH},
            _participant_status,
            "member, suspended, self_suspended, partial or not_participant, after participant resolution",
        ),
        _fact("eaeu_member", BOOL, {"country": PATH, "on": PATH}, _eaeu_member, "the country is an EAEU member on the date"),
        _fact(
            "any_status_in",
            BOOL,
            {"values": PATH, "on": PATH, "statuses": WORDS},
            _any_status_in,
            "one of the listed countries has one of the statuses on the date",
        ),
        _fact(
            "signer_registered",
            BOOL,
            {"signer": PATH, "on": PATH},
            _signer_registered,
            "the signer is in the signature specimen register on the date",
        ),
        _fact(
            "entity_registered",
            BOOL,
            {"bin": PATH, "on": PATH},
            _entity_registered,
            "the BIN is in the register of entities on special account on the date",
        ),
        _fact(
            "customs_point_designated",
            BOOL,
            {"office": PATH, "on": PATH},
            _customs_point_designated,
            "the customs office is a designated point for precious stones on the date",
        ),
        _fact(
            "is_signer",
            BOOL,
            {"value": PATH, "role": WORD},
            _is_signer,
            "the id is the signer_id of a signature with that role; absent when there is none",
        ),
        _fact("document_with_code", BOOL, {"code": WORD}, _document_with_code, "the customs declaration cites a document with that code"),
        _fact(
            "document_cited",
            BOOL,
            {"code": WORD, "number": PATH},
            _document_cited,
            "the declaration cites a document with that code and number (number comparison)",
        ),
        _fact(
            "tnved_match_lines", BOOL, {}, _tnved_match_lines, "the declaration's TN VED codes are exactly the certificate lines' HS codes"
        ),
        _fact(
            "working_day_deadline",
            DATE,
            {"after": PATH, "days": COUNT},
            _working_day_deadline,
            "the n-th Kazakh working day after a date (the date itself not counted); "
            "absent when the working-day calendar does not cover the date or the deadline",
            calendar=True,
        ),
        _fact(
            "working_days_late",
            INT,
            {"after": PATH, "days": COUNT, "returned": PATH},
            _working_days_late,
            "working days from that deadline to the return date (0 when on time); "
            "absent when the working-day calendar does not cover the three days",
            calendar=True,
        ),
        _fact(
            "values_unless_true",
            TEXT,
            {"items": PATH, "value": WORD, "flag": WORD},
            _values_unless_true,
            "one field of every item whose flag field is not true, joined with ', '; absent when none",
        ),
        _fact(
            "countries_with_status",
            TEXT,
            {"countries": PATH, "on": PATH, "statuses": WORDS},
            _countries_with_status,
            "the listed countries having one of the statuses on the date, as 'CF (partial), ...'; absent when none",
        ),
        _fact(
            "xref_same_number",
            INT,
            {},
            _xref_same_number,
            "batch: other submissions of the same direction with the same certificate number (exempt pairs left out)",
            across=HISTORY,
        ),
        _fact(
            "xref_same_number_who",
            TEXT,
            {},
            _xref_same_number_who,
            "the other submissions xref_same_number counts: id (presented_on, where read: file, file:line or register#row: last decision)",
            across=HISTORY,
        ),
        _fact(
            "xref_searched",
            TEXT,
            {},
            _xref_searched,
            "where the other submissions were read: the sources and registers of the check or audit",
            across=HISTORY,
        ),
        _fact(
            "xref_original_known",
            BOOL,
            {},
            _xref_original_known,
            "batch: a duplicate request's original number is another audited submission's certificate number",
            across=HISTORY,
        ),
        _fact(
            "xref_price_outliers",
            TEXT,
            {"ratio": NUMBER, "min_lines": COUNT},
            _xref_price_outliers,
            "batch: lines whose US$/ct is beyond ratio times (or under 1/ratio of) the median for their HS code",
            across=BATCH,
        ),
    )
}
