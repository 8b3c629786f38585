"""The KP annual report for a year, in one language: sections A-H as headings, paragraphs and tables.

A, D, F and H are the template's texts (its constant part, then its variable part); B adds the
legal acts cited by the rules in force in the year; C the rules of the regime families in
force; E the two tables of :mod:`kpcheck.stats.compute` for the five years to the year; G the
decisions of the year (from the register) or the findings of an audit (from files): by status,
the certificates refused or returned by rule family with their legal bases, and (register
only) the open items overdue at the end of the year. Renderers (:mod:`kpcheck.annual.render`)
only lay this out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kpcheck import __version__
from kpcheck.annual.template import LETTERS, Template
from kpcheck.i18n import gettext_for
from kpcheck.register.events import DueItem
from kpcheck.register.yearly import Decided
from kpcheck.rulebook.loader import Rule, Rulebook
from kpcheck.rulebook.rulefile import LegalBasis
from kpcheck.stats.compute import Stats
from kpcheck.stats.render import table1_cells, table2_cells
from kpcheck.verdicts import Verdict

YEARS = 5  # section E: the five years to the report's year
REFUSED = (Verdict.NON_COMPLIANT.value, Verdict.INVALID.value)
ACCEPTED = (Verdict.COMPLIANT.value, Verdict.REVIEW.value)
REFUSING_SEVERITIES = ("violation", "invalid")


@dataclass(frozen=True)
class Table:
    title: str
    head: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()  # the columns of numbers (aligned right)


@dataclass(frozen=True)
class Block:
    """A paragraph (``text``) or a table."""

    text: str | None = None
    table: Table | None = None


@dataclass
class Section:
    letter: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def say(self, text: str) -> None:
        if text.strip():
            self.blocks.append(Block(text=" ".join(text.split())))

    def add(self, table: Table) -> None:
        self.blocks.append(Block(table=table))


@dataclass
class AnnualReport:
    year: int
    lang: str
    title: str
    subtitle: str
    sections: list[Section]
    footer: str


@dataclass
class Enforcement:
    """Section G's figures."""

    from_register: bool
    by_status: dict[str, list[int]]  # status -> [decisions (or submissions), certificates whose last decision it is]
    refused: Counter[str]  # family -> certificates refused
    returned: Counter[str]  # family -> certificates returned for correction and then accepted
    rules: dict[str, set[str]]  # family -> the rules that refused
    overdue: list[DueItem] | None  # None: no register, no events
    as_of: dt.date


def enforcement(
    decided: Iterable[Decided], book: Rulebook, from_register: bool, overdue: list[DueItem] | None, as_of: dt.date
) -> Enforcement:
    """Count decisions by status and, per certificate, whether it ended refused or was
    returned and then accepted, by the families of the (unwaived) findings that refused it."""
    by_status: dict[str, list[int]] = {status.value: [0, 0] for status in Verdict}
    history: dict[tuple[str, str], list[Decided]] = {}
    for one in decided:
        by_status.setdefault(one.status, [0, 0])[0] += 1
        history.setdefault((one.direction, one.number), []).append(one)
    refused: Counter[str] = Counter()
    returned: Counter[str] = Counter()
    rules: dict[str, set[str]] = {}
    for decisions in history.values():
        last = decisions[-1]
        by_status[last.status][1] += 1
        if last.status in REFUSED:
            families = _refusing(last, book, rules)
            refused.update(families)
        elif last.status in ACCEPTED and any(d.status in REFUSED for d in decisions):
            families = set().union(*(_refusing(d, book, rules) for d in decisions if d.status in REFUSED))
            returned.update(families)
    return Enforcement(from_register, by_status, refused, returned, rules, overdue, as_of)


def _refusing(decision: Decided, book: Rulebook, rules: dict[str, set[str]]) -> set[str]:
    families = set()
    for rule_id, severity, waived in decision.findings:
        if waived or severity not in REFUSING_SEVERITIES:
            continue
        family = family_of(rule_id, book)
        families.add(family)
        rules.setdefault(family, set()).add(rule_id)
    return families


def family_of(rule_id: str, book: Rulebook) -> str:
    rule = book.get(rule_id)
    return rule.family if rule is not None and rule.family else rule_id.rsplit("-", 1)[0]


def in_force_in(rule: Rule, year: int) -> bool:
    span = rule.spec.in_force
    return span.from_ <= dt.date(year, 12, 31) and (span.to is None or span.to >= dt.date(year, 1, 1))


def rule_title(rule: Rule, lang: str) -> str:
    for code in {"ru": ("ru",), "kk": ("kk", "ru")}.get(lang, ()):
        translation = rule.spec.translations.get(code)  # type: ignore[call-overload]
        if translation is not None and translation.title:
            return str(translation.title)
    return rule.spec.title


# ---- the sections -----------------------------------------------------------------------------


def build(
    year: int, lang: str, template: Template, book: Rulebook, stats: Stats, figures: Enforcement, source: str, today: dt.date
) -> AnnualReport:
    _ = gettext_for(lang)
    sections = []
    for letter in LETTERS:
        texts = template.section(letter)
        section = Section(letter, texts.title.get(lang))
        section.say(template.filled(texts.constant.get(lang), lang, year))
        computed = COMPUTED.get(letter)
        if computed is not None:
            computed(section, year, lang, template, book, stats, figures)
        section.say(template.filled(texts.variable.get(lang), lang, year))
        sections.append(section)
    title = _("Kimberley Process Certification Scheme: annual report for {year}").format(year=year)
    footer = _("Draft drawn up by kpcheck {version} on {day} from {source}; rulebook {rulebook}.").format(
        version=__version__, day=today.isoformat(), source=source, rulebook=book.version
    )
    return AnnualReport(year, lang, title, template.participant.get(lang), sections, footer)


def _legal_acts(section: Section, year: int, lang: str, template: Template, book: Rulebook, stats: Stats, figures: Enforcement) -> None:
    _ = gettext_for(lang)
    acts: dict[str, tuple[list[str], list[str]]] = {}
    for rule in book.rules:
        if not in_force_in(rule, year):
            continue
        for basis in rule.spec.legal_basis:
            if basis.act in template.legal_acts.sources:
                continue
            provisions, rules = acts.setdefault(basis.act, ([], []))
            if basis.provision not in provisions:
                provisions.append(basis.provision)
            if rule.id not in rules:
                rules.append(rule.id)
    rows = [
        [template.act(act, lang), "; ".join(template.provision(p, lang) for p in provisions), ", ".join(sorted(rules))]
        for act, (provisions, rules) in sorted(acts.items(), key=lambda item: template.act(item[0], lang))
    ]
    head = [_("Legal act"), _("Provisions"), _("Rules")]
    section.add(Table(_("Legal acts in force in {year}").format(year=year), head, rows))


def _regime(section: Section, year: int, lang: str, template: Template, book: Rulebook, stats: Stats, figures: Enforcement) -> None:
    _ = gettext_for(lang)
    for family in template.regime_families:
        rules = [r for r in book.rules if r.family == family and in_force_in(r, year) and r.spec.status.value == "active"]
        if not rules:
            continue
        rows = [
            [
                rule.id,
                rule_title(rule, lang),
                _(rule.spec.severity.value),
                "; ".join(f"{template.act(b.act, lang)}, {template.provision(b.provision, lang)}" for b in rule.spec.legal_basis),
            ]
            for rule in rules
        ]
        title = f"{family}: {template.family(family, lang)}"
        section.add(Table(title, [_("Rule"), _("Requirement"), _("Severity"), _("Legal basis")], rows))


def _statistics(section: Section, year: int, lang: str, template: Template, book: Rulebook, stats: Stats, figures: Enforcement) -> None:
    _ = gettext_for(lang)
    head1 = [
        _("Year"),
        _("Production, carats"),
        _("Production, US$"),
        _("Import, carats"),
        _("Import, US$"),
        _("Import, US$/ct"),
        _("Export, carats"),
        _("Export, US$"),
        _("Export, US$/ct"),
    ]
    rows1 = table1_cells(stats, lang=lang)  # numbers as the language writes them: stats' own tables
    rows2 = table2_cells(stats, lang)
    numeric = tuple(range(1, len(head1)))
    section.add(Table(_("Table 1. Production, import and export of rough diamonds"), head1, rows1, numeric))
    section.add(Table(_("Table 2. Number of KP certificates"), [_("Year"), _("Import"), _("Export"), _("Total")], rows2, (1, 2, 3)))
    left = stats.left_out
    section.say(
        _(
            "Left out: unreadable submissions: {unreadable}; duplicate requests: {duplicates}; exports without a date of issue: {undated}."
        ).format(unreadable=left.unreadable, duplicates=left.duplicate_requests, undated=left.undated)
    )
    section.say(_("Counted once: further presentations of a certificate already counted: {n}.").format(n=left.repeated))
    if not stats.has_production:
        section.say(_("Production: no production file was given."))


def _enforcement(section: Section, year: int, lang: str, template: Template, book: Rulebook, stats: Stats, figures: Enforcement) -> None:
    _ = gettext_for(lang)
    labels = {
        "compliant": _("compliant"),
        "review": _("to be reviewed"),
        "non_compliant": _("non-compliant"),
        "invalid": _("invalid"),
        "error": _("not read"),
    }
    if figures.from_register:
        title, head = _("Decisions recorded in {year}").format(year=year), [_("Decision"), _("Decisions"), _("Certificates")]
    else:
        title, head = _("Submissions checked, presented in {year}").format(year=year), [_("Result"), _("Submissions"), _("Certificates")]
    rows = [[labels.get(status, status), str(n), str(certs)] for status, (n, certs) in figures.by_status.items()]
    total = [sum(v[0] for v in figures.by_status.values()), sum(v[1] for v in figures.by_status.values())]
    rows.append([_("Total"), str(total[0]), str(total[1])])
    section.add(Table(title, head, rows, (1, 2)))
    families = sorted(set(figures.refused) | set(figures.returned))
    rows = []
    for family in families:
        acts = sorted({basis.act for rule_id in figures.rules.get(family, ()) for basis in _bases(book, rule_id)})
        rows.append(
            [
                family,
                template.family(family, lang),
                str(figures.refused[family]),
                str(figures.returned[family]) if figures.from_register else "-",
                ", ".join(sorted(figures.rules.get(family, ()))),
                "; ".join(template.act(act, lang) for act in acts),
            ]
        )
    head = [_("Family"), _("Requirements"), _("Refused"), _("Returned and accepted"), _("Rules"), _("Legal basis")]
    section.add(Table(_("Certificates refused or returned, by rule family"), head, rows, (2, 3)))
    if figures.overdue is None:
        section.say(_("Events after the check (duplicates, coupons, confirmations of receipt) are kept in the register only."))
        return
    _overdue(section, lang, figures)


Computed = Callable[[Section, int, str, Template, Rulebook, Stats, Enforcement], None]
COMPUTED: dict[str, Computed] = {"B": _legal_acts, "C": _regime, "E": _statistics, "G": _enforcement}


def _bases(book: Rulebook, rule_id: str) -> list[LegalBasis]:
    rule = book.get(rule_id)
    return list(rule.spec.legal_basis) if rule is not None else []


def _overdue(section: Section, lang: str, figures: Enforcement) -> None:
    from kpcheck.register.due_render import item_label, period

    _ = gettext_for(lang)
    rows = [
        [
            item.raw_number,
            _(item.direction),
            item_label(item.item, lang),
            item.deadline.isoformat() if item.deadline else "-",
            str(item.late_by(figures.as_of)),
            period(item, lang),
        ]
        for item in figures.overdue or []
    ]
    head = [_("Certificate"), _("Direction"), _("Awaited"), _("Deadline"), _("Days late"), _("Period")]
    section.add(Table(_("Open items overdue on {day}").format(day=figures.as_of.isoformat()), head, rows, (4,)))
