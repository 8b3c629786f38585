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
from kpcheck.tooling.coverage import AFTER, ExampleRun, run_examples, side_text, sides


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
    what = f"end on {until.isoformat()}" if until is not None else "are none"
    return [
        Problem(
            Location(str(path), line, 1 if line else None),
            "LNT204",
            f"the working-day calendar's confirmed years {what}, within a year of {today.isoformat()}: "
            "when the Government's transfer decree for the next year is published, add its days to "
            "calendar-overrides.yaml and confirm the year there (or regenerate with a newer holidays "
            "release); until then deadlines in later years carry a provisional-calendar note",
            Level.WARNING,
        )
    ]


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
    return Problem(where, exc.code, exc.message)


def _from_loader(exc: RuleError, files: dict[str, _File]) -> Problem:
    """A loader error; those it reports against a whole file get the line of the key at fault."""
    f = files.get(str(exc.location)) if not isinstance(exc.location, Location) else None
    if f is None or f.doc is None or f.spec is None:
        return dataclasses.replace(exc.problem, location=_as_location(exc.location), level=Level.ERROR)
    if exc.code == "RUL005":
        twins = [g for g in files.values() if g.spec is not None and g.spec.id == f.spec.id]
        if any(g.spec.status is Status.RETIRED for g in twins if g.spec is not None):
            others = ", ".join(str(g.path) for g in twins if g is not f)
            return Problem(
                f.at_value("id"),
                "LNT106",
                f"rule id {f.spec.id} is retired ({others}); a retired id is never reused: give the new rule an id of its own",
            )
        return Problem(f.at_value("id"), exc.code, exc.message)
    if exc.code == "RUL006":
        key = "replaced_by" if "replaced_by" in f.doc else "status"
        return Problem(f.at_value(key), exc.code, exc.message)
    return Problem(f.at_key("id") if "id" in f.doc else Location(str(f.path)), exc.code, exc.message)


def static_problems(f: _File) -> list[Problem]:
    """What a rule file shows without running it: its examples declared, its texts owed."""
    spec, doc, out = f.spec, f.doc, []
    assert spec is not None
    at_examples = f.at_key("examples") if "examples" in doc else f.at_key("id")
    expects = [e.expect for e in spec.examples]
    if "triggers" not in expects:
        out.append(Problem(at_examples, "LNT101", f"rule {spec.id} has no example that expects it to trigger"))
    if "clean" not in expects:
        out.append(Problem(at_examples, "LNT102", f"rule {spec.id} has no example that expects it to stay clean"))
    for name, n in sorted(Counter(e.name for e in spec.examples).items()):
        if n > 1:
            out.append(Problem(at_examples, "LNT108", f"{n} examples of rule {spec.id} are named '{name}'"))
    if spec.replaced_by is not None and spec.replaced_by == spec.id:
        out.append(Problem(f.at_value("replaced_by"), "LNT106", f"rule {spec.id} cannot be replaced by itself"))
    for i, basis in enumerate(spec.legal_basis):
        if not basis.confirmed:
            where = value_location(doc["legal_basis"][i], "provision", str(f.path))
            out.append(Problem(where, "LNT201", f"the provision of {basis.act} is to be confirmed", Level.WARNING, spec.id))
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
                out.append(
                    Problem(
                        where, "LNT109", f"{what}: {day.isoformat()} comes after {previous.isoformat()}; write the days in order, each once"
                    )
                )
            elif day < start or (end is not None and day > end):
                until = f" to {end.isoformat()}" if end else ""
                out.append(
                    Problem(where, "LNT109", f"{what}: {day.isoformat()} is outside the rule's dates in force ({start.isoformat()}{until})")
                )
            previous = day if previous is None or day > previous else previous
        first = min((d for _, d in days if d is not None), default=None)
        if first is not None and first > start:
            out.append(
                Problem(
                    key_location(mapping, next(k for k, d in days if d == first), str(f.path)),
                    "LNT109",
                    f"{what}: the first value takes effect on {first.isoformat()}, after the rule comes into force on "
                    f"{start.isoformat()}; give the value in force from {start.isoformat()} as well",
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
    return [Problem(where, "LNT206", f"rule {spec.id} has no Kazakh title and message (translations.kk)", Level.WARNING, spec.id)]


def _drafts(f: _File) -> list[Problem]:
    spec = f.spec
    assert spec is not None
    return [
        Problem(
            key_location(f.doc["translations"], lang, str(f.path)),
            "LNT205",
            f"the {LANGUAGE_NAMES.get(lang, lang)} text of rule {spec.id} is a draft awaiting "
            "review by the legal staff (remove 'draft: true' once reviewed)",
            Level.WARNING,
            spec.id,
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
        Problem(
            key_location(f.doc["params"], name, str(f.path)),
            "LNT207",
            f"parameter '{name}' is never used: remove it or pass it to a let with {{param: {name}}}",
            Level.WARNING,
            spec.id,
        )
        for name in spec.params
        if name not in used and not any(f"{{{name}}}" in t for t in texts)
    ]


def _russian(f: _File) -> list[Problem]:
    spec = f.spec
    assert spec is not None
    ru = spec.translations.get("ru")
    if ru is None:
        where = f.at_key("translations") if "translations" in f.doc else f.at_key("id")
        return [Problem(where, "LNT202", f"rule {spec.id} has no Russian text (translations.ru)", Level.WARNING, spec.id)]
    missing = [part for part in ("title", "message") if not getattr(ru, part)]
    if missing:
        where = key_location(f.doc["translations"], "ru", str(f.path))
        return [Problem(where, "LNT202", f"the Russian text of rule {spec.id} has no {' and no '.join(missing)}", Level.WARNING, spec.id)]
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
        out.append(
            Problem(
                where,
                "LNT110",
                f"applies_when of {found.rule} tests whether {found.field} is present, but no rule reports it missing: "
                f"the rule would pass silently without it; make a rule trigger on its absence (or this one)",
                rule=found.rule,
            )
        )
    return out


def example_problems(book: Rulebook, files: dict[str, _File], registers: Path | str | None = None) -> list[Problem]:
    """What running every example on every evaluator shows (LNT103, LNT104, LNT105)."""
    manifest = Location(str(book.directory / "rulebook.yaml"))
    ids = Counter(r.id for r in book.rules)
    book = dataclasses.replace(book, rules=[r for r in book.rules if ids[r.id] == 1])  # a duplicate is RUL005
    try:
        run = run_examples(book, registers)
    except EngineError as exc:
        return [Problem(manifest, "LNT107", f"an evaluator cannot compile the rulebook: {exc}")]
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
            out.append(
                Problem(
                    key_location(f.doc["let"], name, str(f.path)),
                    "LNT203",
                    f"let '{name}' is never read: remove it or use it",
                    Level.WARNING,
                )
            )
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
            Problem(
                key_location(node, "name", str(f.path)),
                "LNT103",
                f"example '{example.name}' of {rule.id} expects {example.expect} but gives {got}",
            )
        )
    declared = [e for e in rule.spec.examples if e.expect == "triggers"]
    if declared and not any(r.actual == "triggers" for r in run.of(rule.id)):
        where = f.at_key("condition") if "condition" in f.doc else f.at_key("id")
        out.append(
            Problem(
                where,
                "LNT104",
                f"the condition of {rule.id} triggers on none of its "
                f"{len(rule.spec.examples)} "
                f"examples ({len(declared)} expect{'s' * (len(declared) == 1)} it to)",
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
        out.append(Problem(where, "LNT105", f"rule {rule.id} has no example presented {side_text(rule, side)}"))
    return out


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
