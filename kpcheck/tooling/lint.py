"""Everything that is wrong with a rulebook, all at once: ``kpcheck rules lint``.

The loader's errors come first (``RUL0xx``, from :func:`~kpcheck.rulebook.loader.collect_rulebook`,
with every schema error of a file rather than its first), then the reference data
(``REFxxx``, from :func:`~kpcheck.reference.queries.collect_reference`), then what only running the
examples shows, and warnings about texts the legal staff still owe. Every problem is a
:class:`kpcheck.problems.Problem`; its code (``RUL0xx``, ``REFxxx``, ``LNT1xx`` errors, ``LNT2xx``
warnings) and what it means are in :data:`kpcheck.problems.CATALOGUE` (``docs/codes.md``).

:func:`select` keeps the codes a run asks for (``--select``/``--ignore``, by code or prefix);
:func:`summarise` turns the warnings that concern many rules at once (``SUMMARISED``: the
provisions to be confirmed, the translations owed or not yet reviewed) into one line each,
naming the rules, so that a run says everything once.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kpcheck.engine import EngineError
from kpcheck.i18n.labels import N_
from kpcheck.input.yamlio import YamlSyntaxError, key_location, load_yaml, plain, value_location
from kpcheck.problems import Level, Location, Problem, fill
from kpcheck.reference.files import CALENDAR
from kpcheck.reference.queries import ReferenceDataError, collect_reference
from kpcheck.reference.workdays import WorkingCalendar
from kpcheck.rulebook.conditions import Ref, refs_of, walk
from kpcheck.rulebook.dated import as_day, is_dated
from kpcheck.rulebook.loader import Rule, Rulebook, RuleError, collect_rulebook, rule_files, schema_error, section_errors
from kpcheck.rulebook.rulefile import RuleFile, Status
from kpcheck.tooling.coverage import AFTER, BEFORE, IN_FORCE, ExampleRun, run_examples, side_text, sides

# the messages of lint's own codes, as English msgids with {names} (translated for --lang ru|kk)
T_HORIZON = N_(
    "the working-day calendar's confirmed years end on {until}, within a year of {today}: "
    "when the Government's transfer decree for the next year is published, add its days to "
    "calendar-overrides.yaml and confirm the year there (or regenerate with a newer holidays "
    "release); until then deadlines in later years carry a provisional-calendar note"
)
T_HORIZON_NONE = N_(
    "the working-day calendar's confirmed years are none, within a year of {today}: "
    "when the Government's transfer decree for the next year is published, add its days to "
    "calendar-overrides.yaml and confirm the year there (or regenerate with a newer holidays "
    "release); until then deadlines in later years carry a provisional-calendar note"
)
T_REUSED = N_("rule id {rule_id} is retired ({others}); a retired id is never reused: give the new rule an id of its own")
T_NO_TRIGGERS = N_("rule {rule_id} has no example that expects it to trigger")
T_NO_CLEAN = N_("rule {rule_id} has no example that expects it to stay clean")
T_SAME_NAME = N_("{n} examples of rule {rule_id} are named '{name}'")
T_SELF_REPLACED = N_("rule {rule_id} cannot be replaced by itself")
T_TO_CONFIRM = N_("the provision of {act} is to be confirmed")
T_DAYS_ORDER = N_("{what}: {day} comes after {previous}; write the days in order, each once")
T_DAY_OUTSIDE = N_("{what}: {day} is outside the rule's dates in force ({start} to {end})")
T_DAY_OUTSIDE_OPEN = N_("{what}: {day} is outside the rule's dates in force ({start})")
T_FIRST_LATE = N_(
    "{what}: the first value takes effect on {first}, after the rule comes into force on "
    "{start}; give the value in force from {start} as well"
)
T_NO_KAZAKH = N_("rule {rule_id} has no Kazakh title and message (translations.kk)")
T_NO_RUSSIAN = N_("rule {rule_id} has no Russian text (translations.ru)")
T_RUSSIAN_LACKS = {
    ("title",): N_("the Russian text of rule {rule_id} has no title"),
    ("message",): N_("the Russian text of rule {rule_id} has no message"),
    ("title", "message"): N_("the Russian text of rule {rule_id} has no title and no message"),
}
T_DRAFT = N_("the {language} text of rule {rule_id} is a draft awaiting review by the legal staff (remove 'draft: true' once reviewed)")
T_DRAFTS = {
    "ru": N_("the Russian text of rule {rule_id} is a draft awaiting review by the legal staff (remove 'draft: true' once reviewed)"),
    "kk": N_("the Kazakh text of rule {rule_id} is a draft awaiting review by the legal staff (remove 'draft: true' once reviewed)"),
}
T_UNUSED_PARAM = N_("parameter '{name}' is never used: remove it or pass it to a let with {param: {name}}")
T_SILENT_PASS = N_(
    "applies_when of {rule_id} tests whether {field} is present, but no rule reports it missing: "
    "the rule would pass silently without it; make a rule trigger on its absence (or this one)"
)
T_NO_COMPILE = N_("an evaluator cannot compile the rulebook: {detail}")
T_UNUSED_LET = N_("let '{name}' is never read: remove it or use it")
T_MISBEHAVES = N_("example '{name}' of {rule_id} expects {expect} but gives {got}")
T_NEVER_TRIGGERS = N_("the condition of {rule_id} triggers on none of its {n} examples ({k} expect it to)")
T_NEVER_TRIGGERS_ONE = N_("the condition of {rule_id} triggers on none of its {n} examples ({k} expects it to)")
T_NONE_BEFORE = N_("rule {rule_id} has no example presented before {start}")
T_NONE_FROM = N_("rule {rule_id} has no example presented on or after {start}")
T_NONE_BETWEEN = N_("rule {rule_id} has no example presented on or after {start} and on or before {end}")
T_NONE_AFTER = N_("rule {rule_id} has no example presented after {end}")


def said(where: Location | str, code: str, template: str, level: Level = Level.ERROR, rule: str | None = None, **args: str) -> Problem:
    """A problem whose message is ``template`` filled with ``args`` (and translated with them for ``--lang``)."""
    return Problem(where, code, fill(template, args), level, rule, template=template, args=tuple(args.items()))


@dataclass
class _File:
    """One rule file as far as it reads: the parsed YAML, and the schema model when it validates."""

    path: Path
    doc: Any = None
    spec: RuleFile | None = None
    schema_errors: list[Problem] | None = None

    def at_key(self, key: str) -> Location:
        return key_location(self.doc, key, str(self.path))

    def at_value(self, key: str) -> Location:
        return value_location(self.doc, key, str(self.path))


def lint(directory: Path | str, registers: Path | str | None = None, today: date | None = None) -> list[Problem]:
    """Every problem of the rulebook folder, sorted by file, line and column.

    With ``today`` (the command gives the day it runs), also whether the working-day calendar's
    confirmed years end within a year of it (LNT204).
    """
    directory = Path(directory)
    book, errors = collect_rulebook(directory)
    files = {str(p): _read(p) for p in rule_files(directory)}
    problems = [_from_loader(e, files) for e in errors]
    for f in files.values():
        problems += f.schema_errors or []
        problems += [dataclasses.replace(e.problem, location=_as_location(e.location)) for e in section_errors(f.path, f.doc)]
        if f.spec is not None:
            problems += static_problems(f)
    if book is not None:
        problems += silent_pass_problems(book, files)
        reference, reference_errors = collect_reference(directory, Path(registers) if registers else None)
        problems += [Problem(_as_location(e.location), e.code, e.message) for e in reference_errors]
        if reference is not None and not reference_errors:
            problems += example_problems(book, files, registers)
            if today is not None:
                problems += horizon_problems(directory, reference.calendar, today)
    unique = {(str(p.location), p.code, p.message): p for p in problems}
    placed = {(p.place.file, p.code, p.message) for p in unique.values() if p.place.line}
    # the loader's copy of an error lint found section by section, without its line, is said once
    kept = [p for p in unique.values() if p.place.line or (p.place.file, p.code, p.message) not in placed]
    return sorted(kept, key=lambda p: p.sort_key)


def horizon_problems(directory: Path, calendar: WorkingCalendar, today: date) -> list[Problem]:
    """LNT204: the confirmed years of the working-day calendar end within a year of ``today``."""
    until = calendar.confirmed_until
    if until is not None and until >= today + timedelta(days=365):
        return []
    path = directory / "reference" / CALENDAR
    try:
        line = next((n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text.startswith("years:")), None)
    except OSError:
        line = None
    where = Location(str(path), line, 1 if line else None)
    if until is None:
        return [said(where, "LNT204", T_HORIZON_NONE, Level.WARNING, today=today.isoformat())]
    return [said(where, "LNT204", T_HORIZON, Level.WARNING, until=until.isoformat(), today=today.isoformat())]


def _as_location(where: Any) -> Location:
    return where if isinstance(where, Location) else Location(str(where))


def _read(path: Path) -> _File:
    f = _File(path)
    try:
        f.doc = load_yaml(path)
    except YamlSyntaxError:
        return f  # the loader reports it (RUL001)
    if not isinstance(f.doc, dict):
        return f
    try:
        f.spec = RuleFile.model_validate(plain(f.doc))
    except ValidationError as exc:
        f.schema_errors = [_schema_problem(f, err) for err in exc.errors()]
    return f


def _schema_problem(f: _File, err: Any) -> Problem:
    """One schema error, worded as the loader words its first one (RUL002)."""
    exc = schema_error(f.doc, f.path, err)
    where = exc.location if isinstance(exc.location, Location) else Location(str(exc.location))
    return dataclasses.replace(exc.problem, location=where)


def _from_loader(exc: RuleError, files: dict[str, _File]) -> Problem:
    """A loader error; those it reports against a whole file get the line of the key at fault."""
    f = files.get(str(exc.location)) if not isinstance(exc.location, Location) else None
    if f is None or f.doc is None or f.spec is None:
        return dataclasses.replace(exc.problem, location=_as_location(exc.location), level=Level.ERROR)
    if exc.code == "RUL005":
        twins = [g for g in files.values() if g.spec is not None and g.spec.id == f.spec.id]
        if any(g.spec.status is Status.RETIRED for g in twins if g.spec is not None):
            others = ", ".join(str(g.path) for g in twins if g is not f)
            return said(f.at_value("id"), "LNT106", T_REUSED, rule_id=f.spec.id, others=others)
        return dataclasses.replace(exc.problem, location=f.at_value("id"))
    if exc.code == "RUL006":
        key = "replaced_by" if "replaced_by" in f.doc else "status"
        return dataclasses.replace(exc.problem, location=f.at_value(key))
    return dataclasses.replace(exc.problem, location=f.at_key("id") if "id" in f.doc else Location(str(f.path)))


def static_problems(f: _File) -> list[Problem]:
    """What a rule file shows without running it: its examples declared, its texts owed."""
    spec, doc, out = f.spec, f.doc, []
    assert spec is not None
    at_examples = f.at_key("examples") if "examples" in doc else f.at_key("id")
    expects = [e.expect for e in spec.examples]
    if "triggers" not in expects:
        out.append(said(at_examples, "LNT101", T_NO_TRIGGERS, rule_id=spec.id))
    if "clean" not in expects:
        out.append(said(at_examples, "LNT102", T_NO_CLEAN, rule_id=spec.id))
    for name, n in sorted(Counter(e.name for e in spec.examples).items()):
        if n > 1:
            out.append(said(at_examples, "LNT108", T_SAME_NAME, n=str(n), rule_id=spec.id, name=name))
    if spec.replaced_by is not None and spec.replaced_by == spec.id:
        out.append(said(f.at_value("replaced_by"), "LNT106", T_SELF_REPLACED, rule_id=spec.id))
    for i, basis in enumerate(spec.legal_basis):
        if not basis.confirmed:
            where = value_location(doc["legal_basis"][i], "provision", str(f.path))
            out.append(said(where, "LNT201", T_TO_CONFIRM, Level.WARNING, spec.id, act=basis.act))
    return out + _russian(f) + _kazakh(f) + _drafts(f) + _unused_params(f) + dated_problems(f)


def _dated_places(doc: dict[str, Any]) -> list[tuple[str, Any]]:
    """Each value of a rule file written by date: (what it is, its mapping)."""
    places = [(f"params.{name}", value) for name, value in (doc.get("params") or {}).items() if is_dated(value)]
    places += [(key, doc[key]) for key in ("message", "legal_basis") if is_dated(doc.get(key))]
    raw = doc.get("translations")
    translations: dict[Any, Any] = raw if isinstance(raw, dict) else {}
    places += [
        (f"translations.{k}.message", t["message"]) for k, t in translations.items() if isinstance(t, dict) and is_dated(t.get("message"))
    ]
    return places


def dated_problems(f: _File) -> list[Problem]:
    """LNT109: the days of a value by date are in order, within the rule's dates in force, and the
    first is the day the rule comes into force (so that a value holds on every day it is in force)."""
    spec, out = f.spec, []
    assert spec is not None
    start, end = spec.in_force.from_, spec.in_force.to
    for what, mapping in _dated_places(f.doc):
        days = [(key, as_day(key)) for key in mapping]
        previous: date | None = None
        for key, day in days:
            if day is None:
                continue
            where = key_location(mapping, key, str(f.path))
            if previous is not None and day <= previous:
                out.append(said(where, "LNT109", T_DAYS_ORDER, what=what, day=day.isoformat(), previous=previous.isoformat()))
            elif day < start or (end is not None and day > end):
                if end is None:
                    out.append(said(where, "LNT109", T_DAY_OUTSIDE_OPEN, what=what, day=day.isoformat(), start=start.isoformat()))
                else:
                    out.append(
                        said(where, "LNT109", T_DAY_OUTSIDE, what=what, day=day.isoformat(), start=start.isoformat(), end=end.isoformat())
                    )
            previous = day if previous is None or day > previous else previous
        first = min((d for _, d in days if d is not None), default=None)
        if first is not None and first > start:
            out.append(
                said(
                    key_location(mapping, next(k for k, d in days if d == first), str(f.path)),
                    "LNT109",
                    T_FIRST_LATE,
                    what=what,
                    first=first.isoformat(),
                    start=start.isoformat(),
                )
            )
    return out


def _kazakh(f: _File) -> list[Problem]:
    spec = f.spec
    assert spec is not None
    kk = spec.translations.get("kk")
    if kk is not None and kk.title and kk.message:
        return []
    where = f.at_key("translations") if "translations" in f.doc else f.at_key("id")
    return [said(where, "LNT206", T_NO_KAZAKH, Level.WARNING, spec.id, rule_id=spec.id)]


def _drafts(f: _File) -> list[Problem]:
    spec = f.spec
    assert spec is not None
    return [
        said(
            key_location(f.doc["translations"], lang, str(f.path)),
            "LNT205",
            T_DRAFTS.get(lang, T_DRAFT),
            Level.WARNING,
            spec.id,
            language=LANGUAGE_NAMES.get(lang, lang),
            rule_id=spec.id,
        )
        for lang, t in spec.translations.items()
        if t.draft
    ]


def _params_named(node: Any) -> set[str]:
    """Every ``{param: NAME}`` inside a part of a rule file."""
    if isinstance(node, dict):
        found = {str(node["param"])} if set(node) == {"param"} else set()
        return found.union(*(_params_named(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_params_named(v) for v in node))
    return set()


def _unused_params(f: _File) -> list[Problem]:
    """A parameter under ``params:`` that no let reads and no message shows (LNT207, warning)."""
    spec = f.spec
    assert spec is not None
    used = _params_named(f.doc.get("let"))
    texts = [spec.message, *(t.message or "" for t in spec.translations.values()), *(spec.dated.message or {}).values()]
    return [
        said(key_location(f.doc["params"], name, str(f.path)), "LNT207", T_UNUSED_PARAM, Level.WARNING, spec.id, name=name)
        for name in spec.params
        if name not in used and not any(f"{{{name}}}" in t for t in texts)
    ]


def _russian(f: _File) -> list[Problem]:
    spec = f.spec
    assert spec is not None
    ru = spec.translations.get("ru")
    if ru is None:
        where = f.at_key("translations") if "translations" in f.doc else f.at_key("id")
        return [said(where, "LNT202", T_NO_RUSSIAN, Level.WARNING, spec.id, rule_id=spec.id)]
    missing = [part for part in ("title", "message") if not getattr(ru, part)]
    if missing:
        where = key_location(f.doc["translations"], "ru", str(f.path))
        return [said(where, "LNT202", T_RUSSIAN_LACKS[tuple(missing)], Level.WARNING, spec.id, rule_id=spec.id)]
    return []


def silent_pass_problems(book: Rulebook, files: dict[str, _File]) -> list[Problem]:
    """LNT110: an ``applies_when`` that tests the presence of a field no rule reports as missing
    (:func:`kpcheck.tooling.silent.silent_passes`)."""
    from kpcheck.tooling.silent import silent_passes

    out = []
    rules = {r.id: r for r in book.rules}
    for found in silent_passes(book):
        rule = rules[found.rule]
        f = files.get(str(rule.file))
        entries = f.doc.get("applies_when") if f is not None and isinstance(f.doc, dict) else None
        where = value_location(entries, found.index, str(rule.file)) if isinstance(entries, list) else Location(str(rule.file))
        out.append(said(where, "LNT110", T_SILENT_PASS, rule=found.rule, rule_id=found.rule, field=found.field))
    return out


def example_problems(book: Rulebook, files: dict[str, _File], registers: Path | str | None = None) -> list[Problem]:
    """What running every example on every evaluator shows (LNT103, LNT104, LNT105)."""
    manifest = Location(str(book.directory / "rulebook.yaml"))
    ids = Counter(r.id for r in book.rules)
    book = dataclasses.replace(book, rules=[r for r in book.rules if ids[r.id] == 1])  # a duplicate is RUL005
    try:
        run = run_examples(book, registers)
    except EngineError as exc:
        return [said(manifest, "LNT107", T_NO_COMPILE, detail=str(exc))]
    except ReferenceDataError as exc:
        return [Problem(_as_location(exc.location), exc.code, exc.message)]
    out: list[Problem] = []
    for rule in book.rules:
        f = files.get(str(rule.file))
        if f is not None and f.doc is not None:
            out += _behaviour(rule, f, run) + _dates(rule, f, run) + _unused_lets(rule, book, f)
    return out


def _unused_lets(rule: Rule, book: Rulebook, f: _File) -> list[Problem]:
    """A ``let`` that no condition, message or other let of the rule reads (LNT203, warning)."""
    used: set[str] = set()
    for node in [rule.condition, *(n for n, _ in rule.applies)]:
        for sub in walk(node):
            used.update(r.name for r in refs_of(sub))
    for ref in rule.lets.values():
        used.update(a.name for _, a in book.lets[ref.name].args if isinstance(a, Ref))
    texts = [rule.spec.message, *(t.message or "" for t in rule.spec.translations.values())]
    out = []
    for name, ref in rule.lets.items():
        if ref.name not in used and not any(f"{{{name}}}" in text for text in texts):
            out.append(said(key_location(f.doc["let"], name, str(f.path)), "LNT203", T_UNUSED_LET, Level.WARNING, name=name))
    return out


def _behaviour(rule: Rule, f: _File, run: ExampleRun) -> list[Problem]:
    out: list[Problem] = []
    for i, example in enumerate(rule.spec.examples):
        results = run.outcomes(rule.id, example.name)
        if all(r.passed for r in results.values()):
            continue
        node = f.doc["examples"][i]
        got = ", ".join(f"{r.actual} ({engine}{': ' + r.detail if r.detail else ''})" for engine, r in results.items())
        out.append(
            said(
                key_location(node, "name", str(f.path)),
                "LNT103",
                T_MISBEHAVES,
                name=example.name,
                rule_id=rule.id,
                expect=example.expect,
                got=got,
            )
        )
    declared = [e for e in rule.spec.examples if e.expect == "triggers"]
    if declared and not any(r.actual == "triggers" for r in run.of(rule.id)):
        where = f.at_key("condition") if "condition" in f.doc else f.at_key("id")
        out.append(
            said(
                where,
                "LNT104",
                T_NEVER_TRIGGERS_ONE if len(declared) == 1 else T_NEVER_TRIGGERS,
                rule_id=rule.id,
                n=str(len(rule.spec.examples)),
                k=str(len(declared)),
            )
        )
    return out


def _dates(rule: Rule, f: _File, run: ExampleRun) -> list[Problem]:
    dates = [d for e in rule.spec.examples if (d := run.dates.get((rule.id, e.name))) is not None]
    in_force = f.doc.get("in_force")
    out = []
    for side, ok in sides(rule, dates).items():
        if ok:
            continue
        key = "to" if side == AFTER else "from"
        where = value_location(in_force, key, str(f.path)) if in_force is not None else f.at_key("id")
        out.append(_side_problem(where, rule, side))
    return out


def _side_problem(where: Location, rule: Rule, side: str) -> Problem:
    """LNT105 for one side of the rule's dates in force (worded as :func:`side_text` words it)."""
    f = rule.spec.in_force
    start, end = f.from_.isoformat(), f.to.isoformat() if f.to else ""
    if side == AFTER:
        return said(where, "LNT105", T_NONE_AFTER, rule_id=rule.id, end=end)
    if side == IN_FORCE:
        if f.to:
            return said(where, "LNT105", T_NONE_BETWEEN, rule_id=rule.id, start=start, end=end)
        return said(where, "LNT105", T_NONE_FROM, rule_id=rule.id, start=start)
    if side == BEFORE:
        return said(where, "LNT105", T_NONE_BEFORE, rule_id=rule.id, start=start)
    return Problem(where, "LNT105", f"rule {rule.id} has no example presented {side_text(rule, side)}")


LANGUAGE_NAMES = {"ru": "Russian", "kk": "Kazakh"}
SUMMARISED = {  # code -> what the one summary line says of the rules concerned (msgids)
    "LNT201": N_("{n} legal bases have a provision still to be confirmed, in rules {rules} (-v lists each)"),
    "LNT202": N_("{n} rules have no Russian title and message: {rules} (-v lists each)"),
    "LNT205": N_("{n} translations are drafts awaiting review by the legal staff (draft: true), in rules {rules} (-v lists each)"),
    "LNT206": N_("{n} rules have no Kazakh title and message: {rules} (-v lists each)"),
}


def select(problems: list[Problem], chosen: tuple[str, ...] = (), ignored: tuple[str, ...] = ()) -> list[Problem]:
    """The problems whose code starts with one of ``chosen`` (all when none), less those of ``ignored``."""

    def matches(code: str, prefixes: tuple[str, ...]) -> bool:
        return any(code.upper().startswith(p.strip().upper()) for p in prefixes if p.strip())

    return [p for p in problems if (not chosen or matches(p.code, chosen)) and not matches(p.code, ignored)]


def summarise(problems: list[Problem], manifest: Path | str) -> list[Problem]:
    """The problems with each ``SUMMARISED`` code said once, at the rulebook manifest, naming its rules."""
    grouped: dict[str, list[Problem]] = {}
    out = []
    for p in problems:
        if p.code in SUMMARISED and p.rule:
            grouped.setdefault(p.code, []).append(p)
        else:
            out.append(p)
    for code, group in sorted(grouped.items()):
        rules = list(dict.fromkeys(p.rule for p in group if p.rule))
        args = (("n", str(len(group))), ("rules", ", ".join(r for r in rules if r)))
        message = fill(SUMMARISED[code], dict(args))
        out.append(Problem(Location(str(manifest)), code, message, Level.WARNING, template=SUMMARISED[code], args=args))
    return out


def count_line(problems: list[Problem], lang: str = "en") -> str:
    """``2 errors, 1 warning`` (in ``lang``)."""
    errors, warnings = counts(problems)
    if lang == "en":
        return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    from kpcheck.i18n import gettext_for

    return fill(gettext_for(lang)("errors: {errors}, warnings: {warnings}"), {"errors": str(errors), "warnings": str(warnings)})


def counts(problems: list[Problem]) -> tuple[int, int]:
    """How many errors and warnings."""
    errors = sum(1 for p in problems if p.level is Level.ERROR)
    return errors, len(problems) - errors
