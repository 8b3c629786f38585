"""Never a silent pass (rulebook 1.1): who reports each absent value a rule needs.

A rule may be "not applicable" because a value it compares with is absent only when another
rule reports that absence (or the input refuses it). :func:`reporters` finds, for every field
of a submission, the active rules whose condition triggers when it is absent (an ``is: absent``
test, ``not`` of an ``is: present`` one, or ``not`` of a comparison, which holds when its side is
absent; a let counts as the fields its derived fact reads; a field's absence is also that of
everything below it); :func:`silent_passes` lists every ``applies_when``
of an active rule that tests the presence of a field nobody reports, which ``kpcheck rules
lint`` refuses (LNT110). Fields that may lawfully be absent are not asked about: the optional
blocks (a customs declaration, a duplicate request) and totals the certificate may give, and
booleans, whose null means "not recorded" (rulebook, "Absent values"). A ``let`` tested for
presence is the rule's own reading of several fields; its reason names who reports them (the
docs' table, docs/silent-pass.md, holds every rule).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from kpcheck.rulebook.conditions import All, AnyOf, Compare, Node, Not, Presence, Quantified, Ref, nnf
from kpcheck.rulebook.loader import Rule, Rulebook
from kpcheck.rulebook.rulefile import Status
from kpcheck.rulebook.schema import BOOL, SUBMISSION_FIELDS

REQUIRED = frozenset(
    {"schema_version", "id", "direction", "presented_on", "certificate", "certificate.number", "certificate.issuing_country"}
)
"""Refused by the input when absent or blank (status error): reported by reading itself."""
OPTIONAL = frozenset({"customs", "duplicate", "certificate.total_carats", "certificate.total_value_usd"})
"""May lawfully be absent: the optional blocks, and the totals a certificate may give (FORM-14)."""
INPUT = "input"  # who reports a required field's absence


@dataclass(frozen=True)
class SilentPass:
    rule: str
    index: int  # of the applies_when entry
    field: str
    reason: str


def _leaves(node: Node) -> Iterator[Node]:
    """The tests of a condition, outside ``for_any``/``for_all`` (whose fields are an item's)."""
    if isinstance(node, (All, AnyOf)):
        for item in node.items:
            yield from _leaves(item)
    elif isinstance(node, Not):
        yield from _leaves(node.item)
    elif not isinstance(node, Quantified):
        yield node


def _presence(node: Node, present: bool) -> list[str]:
    return [n.ref.name for n in _leaves(nnf(node)) if isinstance(n, Presence) and n.present is present and n.ref.name in SUBMISSION_FIELDS]


def _active(book: Rulebook) -> list[Rule]:
    return [r for r in book.rules if r.spec.status is Status.ACTIVE]


def _triggered_by_absence(rule: Rule, book: Rulebook) -> set[str]:
    """The fields whose absence makes the rule's condition hold (see the module's docstring)."""
    refs: list[Ref] = []
    for leaf in _leaves(nnf(rule.condition)):
        if isinstance(leaf, Presence) and not leaf.present:
            refs.append(leaf.ref)
        elif isinstance(leaf, Compare) and leaf.negated:
            refs.append(leaf.left)
    names: set[str] = set()
    for ref in refs:
        if ref.name in SUBMISSION_FIELDS:
            names.add(ref.name)
        elif ref.name in book.lets:
            names.update(a.name for _, a in book.lets[ref.name].args if isinstance(a, Ref) and a.name in SUBMISSION_FIELDS)
    parents = {name.rsplit(".", n)[0] for name in names for n in range(name.count(".") + 1)}
    return parents - {name for node, _ in rule.applies for name in _presence(node, True)}  # not what it needs to apply


def reporters(book: Rulebook) -> dict[str, set[str]]:
    """Field path -> the active rules that trigger when it is absent (``input`` for a required one)."""
    out: dict[str, set[str]] = defaultdict(set)
    for name in REQUIRED:
        out[name].add(INPUT)
    for rule in _active(book):
        for name in _triggered_by_absence(rule, book):
            out[name].add(rule.id)
    return out


def may_be_absent(name: str) -> bool:
    """A field whose absence is no silent pass: optional by the format, or a boolean not recorded."""
    kind = SUBMISSION_FIELDS.get(name)
    return name in OPTIONAL or (kind is not None and kind.kind == BOOL)


def silent_passes(book: Rulebook) -> list[SilentPass]:
    """Every ``applies_when`` entry of an active rule that tests the presence of a field that no
    other rule reports as missing, the input does not require and the format lets be absent."""
    found = reporters(book)
    out = []
    for rule in _active(book):
        for i, (node, reason) in enumerate(rule.applies):
            for name in dict.fromkeys(_presence(node, True)):
                if may_be_absent(name) or found.get(name, set()) - {rule.id}:
                    continue
                out.append(SilentPass(rule.id, i, name, reason))
    return out
