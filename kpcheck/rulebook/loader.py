"""The loading of a rulebook folder (the rule-file schema is :mod:`kpcheck.rulebook.rulefile`).

A rulebook folder holds ``rulebook.yaml`` (its version), one rule per YAML file in a
folder per family (``COND/COND-01.yaml``), the law-level reference data in ``reference/``
and the base submissions of the examples in ``bases/``. Every problem is reported as a
:class:`RuleError` with ``file:line:col`` and a stable code; a rulebook with any error is
refused whole.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pydantic import ValidationError

from kpcheck.i18n.labels import N_
from kpcheck.input.reader import loc_path
from kpcheck.input.shorten import shorten
from kpcheck.input.yamlio import YamlSyntaxError, key_location, load_yaml, locate, node_location, plain, value_location
from kpcheck.paths import shipped
from kpcheck.problems import KpcheckError, Location
from kpcheck.rulebook.conditions import ConditionError, Node, Parser, Ref, Scope
from kpcheck.rulebook.dated import Dated, as_day, is_dated, reading_days
from kpcheck.rulebook.facts import BATCH, COUNT, FACTS, HISTORY, MAX_COUNT, MAX_NUMBER, NUMBER, PATH, WORD, WORDS
from kpcheck.rulebook.rulefile import (  # noqa: F401
    DEFAULT_BASE,
    Applicability,
    Example,
    InForce,
    LegalBasis,
    RuleFile,
    Severity,  # the schema's names, re-exported
    Status,
    Translation,
)
from kpcheck.rulebook.schema import DATE, LIST, SUBMISSION_FIELDS, VALUES, hinted
from kpcheck.rulebook.slips import value_text, yaml_slip

RULES_DIR: Path = shipped("rules")
NOT_RULES = {"reference", "bases"}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


# the messages of the loader's errors, as English msgids with {names} (translated for --lang ru|kk)
T_LET_MAPPING = N_("'let' takes a mapping of names")
T_LET_HIDES = N_("let name '{name}' hides a field of the submission")
T_LET_FORM = N_("let '{name}' takes 'fact' and 'with'")
T_UNKNOWN_FACT = N_("unknown derived fact '{name}'")
T_UNKNOWN_FACT_HINT = N_("unknown derived fact '{name}'; did you mean '{close}'?")
T_NO_PARAM = N_("'{fact}' has no parameter '{param}'")
T_NO_PARAM_HINT = N_("'{fact}' has no parameter '{param}'; did you mean '{close}'?")
T_NEEDS_PARAM = N_("'{fact}' needs the parameter '{param}'")
T_READS_ITSELF = N_("'{fact}' reads the submission itself: a rule across submissions (scope: batch) cannot call it")
T_READS_OTHERS = N_("'{fact}' reads other submissions: the rule needs 'scope: batch'")
T_READS_BATCH = N_("'{fact}' reads the whole audited batch: a rule with 'needs: history' cannot call it (make it 'needs: batch')")
T_UNDECLARED = N_("unknown rule parameter '{name}'; declare it under 'params:'")
T_UNDECLARED_HINT = N_("unknown rule parameter '{name}'; did you mean '{close}'?; declare it under 'params:'")
T_UNKNOWN_FIELD = N_("unknown field '{name}'")
T_UNKNOWN_FIELD_HINT = N_("unknown field '{name}'; did you mean '{close}'?")
T_NOT_A_DAY = N_("'{key}' is not a day: a value by date is written {2016-06-20: 5, 2027-01-01: 3} (YYYY-MM-DD: value)")
T_TAKES_NUMBER = N_("parameter '{param}' takes a number from -{max} to {max}, not {value}")
T_TAKES_COUNT = N_("parameter '{param}' takes a whole number from 0 to {max}, not {value}")
T_TAKES_TEXT = N_("parameter '{param}' takes a text, not {value}")
T_TAKES_TEXTS = N_("parameter '{param}' takes a list of texts, not {value}")
T_REFERENCE_NOT_DATE = N_(
    "reference_date: '{path}' is not a date; it names the date field dated values are read on (for example duplicate.damaged_on)"
)
T_REFERENCE_UNKNOWN = N_(
    "reference_date: unknown field '{path}'; it names the date field dated values are read on (for example duplicate.damaged_on)"
)
T_REFERENCE_UNKNOWN_HINT = N_(
    "reference_date: unknown field '{path}'; did you mean '{close}'?; it names the date field dated values are read on "
    "(for example duplicate.damaged_on)"
)
T_MESSAGE_UNKNOWN = N_("message names unknown fact '{{name}}'")
T_MESSAGE_UNKNOWN_HINT = N_("message names unknown fact '{{name}}'; did you mean '{close}'?")
T_EXTRA = N_("{path}: unknown field")
T_EXTRA_HINT = N_("{path}: unknown field; did you mean '{close}'?")
T_ONE_OF = N_("{path}: Input should be {values} or {last}")
T_ONE_OF_SINGLE = N_("{path}: Input should be {expected}")
SCHEMA_MESSAGES = {  # (pydantic's error type, its message) -> the same words as a msgid
    ("missing", "Field required"): N_("{path}: Field required"),
    ("string_type", "Input should be a valid string"): N_("{path}: Input should be a valid string"),
    ("list_type", "Input should be a valid list"): N_("{path}: Input should be a valid list"),
    ("dict_type", "Input should be a valid dictionary"): N_("{path}: Input should be a valid dictionary"),
    ("model_type", "Input should be a valid dictionary or instance of Text"): N_(
        "{path}: Input should be a valid dictionary or instance of Text"
    ),
    ("bool_type", "Input should be a valid boolean"): N_("{path}: Input should be a valid boolean"),
    ("bool_parsing", "Input should be a valid boolean, unable to interpret input"): N_(
        "{path}: Input should be a valid boolean, unable to interpret input"
    ),
    ("date_type", "Input should be a valid date"): N_("{path}: Input should be a valid date"),
    ("date_from_datetime_parsing", "Input should be a valid date or datetime, input is too short"): N_(
        "{path}: Input should be a valid date or datetime, input is too short"
    ),
    ("string_too_short", "String should have at least 1 character"): N_("{path}: String should have at least 1 character"),
    ("value_error", "Value error, unknown field 'dated'"): N_("{path}: Value error, unknown field 'dated'"),
    ("value_error", "Value error, 'needs' is given only with 'scope: batch' (a rule across submissions)"): N_(
        "{path}: Value error, 'needs' is given only with 'scope: batch' (a rule across submissions)"
    ),
}
T_FILE_MAPPING = N_("a rule file must be a mapping")
T_ID_FILE = N_("rule id '{rule_id}' does not match the file name '{file}'")
T_UNREADABLE = N_("cannot read the file ({reason})")
T_MANIFEST_MAPPING = N_("rulebook.yaml must be a mapping with a 'version'")
T_MANIFEST_KEY = N_("unknown key '{key}' in rulebook.yaml; it holds {keys}")
T_MANIFEST_KEY_HINT = N_("unknown key '{key}' in rulebook.yaml; did you mean '{close}'?; it holds {keys}")
T_NO_MANIFEST = N_("no rulebook.yaml: not a rulebook folder")
T_DUPLICATE_ID = N_("duplicate rule id {rule_id} (also {other})")
T_NO_REPLACEMENT = N_("retired rule {rule_id} has no replaced_by")
T_UNKNOWN_REPLACEMENT = N_("replaced_by names unknown rule {rule_id}")


class RuleError(KpcheckError):
    """One problem in a rulebook: ``file:line:col: message [CODE]`` (RUL001-RUL006)."""

    def __str__(self) -> str:
        return self.problem.text


@dataclass(frozen=True)
class LetDef:
    """A derived fact call, shared by every rule that makes the same call."""

    key: str
    fact: str
    args: tuple[tuple[str, Any], ...]  # (param, Ref for path params | literal)
    item_of: str | None  # list path for item-level lets


@dataclass
class Rule:
    spec: RuleFile
    file: Path
    family: str
    condition: Node
    applies: list[tuple[Node, str]]
    lets: dict[str, Ref]
    names: dict[str, str] = field(default_factory=dict)  # let key -> the rule's own name (items' lets too)

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass
class Rulebook:
    directory: Path
    version: str
    rules: list[Rule]
    lets: dict[str, LetDef] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def active(self, scope: str = "submission") -> list[Rule]:
        return [r for r in self.rules if r.spec.status is Status.ACTIVE and r.spec.scope == scope]

    def history_rules(self) -> set[str]:
        """The active rules across submissions that need only a history of other submissions
        (``needs: history``): ``check --against``/``--register`` run them; an audit runs every one."""
        return {r.id for r in self.active("batch") if r.spec.needs == "history"}

    def calling(self, fact: str, scope: str = "batch") -> list[Rule]:
        """The active rules of ``scope`` with a let that calls the derived fact ``fact``."""
        return [r for r in self.active(scope) if any(self.lets[ref.name].fact == fact for ref in r.lets.values())]


def sha256_files(files: list[Path], root: Path | None = None) -> str:
    """One SHA-256 over files, each named by its path relative to ``root`` (or its file name),
    so the same content gives the same hash wherever the folder lies."""

    def name(path: Path) -> str:
        return path.relative_to(root).as_posix() if root else path.name

    digest = hashlib.sha256()
    for path in sorted(files, key=name):
        digest.update(name(path).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


class _LetTable:
    def __init__(self) -> None:
        self.defs: dict[tuple[Any, ...], LetDef] = {}

    def add(self, fact: str, args: tuple[Any, ...], item_of: str | None) -> LetDef:
        sig = (item_of, fact, tuple((p, a.name if isinstance(a, Ref) else repr(a)) for p, a in args))
        if sig not in self.defs:
            self.defs[sig] = LetDef(f"l{len(self.defs)}", fact, args, item_of)
        return self.defs[sig]


class _RuleCompiler:
    """Parses one rule file's lets, applicability and condition."""

    def __init__(self, file: Path, doc: Any, lets: _LetTable):
        self.file, self.doc, self.table = file, doc, lets
        self.parser = Parser(str(file), let_parser=self.parse_lets)
        self.names: dict[str, str] = {}

    def parse_lets(self, node: Any, scope: Scope) -> dict[str, Ref]:
        out: dict[str, Ref] = {}
        if not isinstance(node, dict):
            raise ConditionError(node_location(node, str(self.file)), "", "RUL020", T_LET_MAPPING)
        for name, call in node.items():
            if name in scope.fields or (scope.item_of and name in (scope.fields[scope.item_of].items or {})):
                raise ConditionError(key_location(node, name, str(self.file)), "", "RUL020", T_LET_HIDES, {"name": str(name)})
            out[name] = self.parse_let(name, call, scope, node)
            self.names.setdefault(out[name].name, str(name))
            if scope.item_of is None:
                scope.lets[name] = out[name]
            else:
                scope.item_lets[name] = out[name]
        return out

    def parse_let(self, name: str, call: Any, scope: Scope, parent: Any) -> Ref:
        where = key_location(parent, name, str(self.file))
        if not isinstance(call, dict) or "fact" not in call or set(call) - {"fact", "with"}:
            raise ConditionError(where, "", "RUL020", T_LET_FORM, {"name": name})
        fact = FACTS.get(call["fact"])
        if fact is None:
            template, hint = hinted(T_UNKNOWN_FACT, T_UNKNOWN_FACT_HINT, str(call["fact"]), FACTS, name=str(call["fact"]))
            raise ConditionError(where, "", "RUL021", template, hint)
        self.check_reach(fact.name, fact.across, where, fact.reads_submission)
        given = call.get("with") or {}
        for param in given:
            if param not in fact.params:
                template, hint = hinted(T_NO_PARAM, T_NO_PARAM_HINT, str(param), fact.params, fact=fact.name, param=str(param))
                raise ConditionError(key_location(given, param, str(self.file)), "", "RUL022", template, hint)
        args: list[Any] = []
        fields: list[Any] = []
        for param, kind in fact.params.items():
            if param not in given:
                raise ConditionError(where, "", "RUL022", T_NEEDS_PARAM, {"fact": fact.name, "param": param})
            value = self.argument(given, param, kind, scope)
            args.append((param, value))
            if isinstance(value, Ref):
                fields.extend(value.fields)
        let = self.table.add(fact.name, tuple(args), scope.item_of)
        return Ref(let.key, fact.returns, tuple(dict.fromkeys(fields)))

    def check_reach(self, fact: str, across: str | None, where: Location, reads_submission: bool = False) -> None:
        """A fact that reads other submissions needs a rule across submissions that reads as much;
        one that reads the submission itself needs a rule on one submission (RUL024)."""
        batch = isinstance(self.doc, dict) and self.doc.get("scope") == "batch"
        if reads_submission and batch:
            raise ConditionError(where, "", "RUL024", T_READS_ITSELF, {"fact": fact})
        if across is not None and not batch:
            raise ConditionError(where, "", "RUL024", T_READS_OTHERS, {"fact": fact})
        if across == BATCH and self.doc.get("needs") == HISTORY:
            raise ConditionError(where, "", "RUL024", T_READS_BATCH, {"fact": fact})

    def argument(self, given: Any, param: str, kind: str, scope: Scope) -> Any:
        value = given[param]
        where = key_location(given, param, str(self.file))
        if kind != PATH and isinstance(value, dict) and set(value) == {"param"}:
            params = self.doc.get("params") or {}
            if value["param"] not in params:
                template, args = hinted(T_UNDECLARED, T_UNDECLARED_HINT, str(value["param"]), params, name=str(value["param"]))
                raise ConditionError(where, "", "RUL023", template, args)
            value = params[value["param"]]
            if is_dated(value) and kind != PATH:
                return self.dated_argument(value, param, kind, where)
        if kind == PATH:
            ref = scope.resolve(value) if isinstance(value, str) else None
            if ref is None:
                template, args = hinted(T_UNKNOWN_FIELD, T_UNKNOWN_FIELD_HINT, str(value), scope.known(), name=str(value))
                raise ConditionError(where, "", "RUL017", template, args)
            return ref
        return self.literal_argument(value, param, kind, where)

    def dated_argument(self, value: dict[Any, Any], param: str, kind: str, where: Location) -> Dated:
        """A parameter whose value changes on dates: each day and each value checked at its place."""
        steps = []
        for key, item in value.items():
            day = as_day(key)
            if day is None:
                raise ConditionError(key_location(value, key, str(self.file)), "", "RUL016", T_NOT_A_DAY, {"key": shorten(str(key))})
            steps.append((day, self.literal_argument(item, param, kind, value_location(value, key, str(self.file)))))
        return Dated(tuple(sorted(steps, key=lambda s: s[0])), reading_days(self.doc.get("reference_date")))

    def literal_argument(self, value: Any, param: str, kind: str, where: Location) -> Any:
        number = isinstance(value, (int, Decimal)) and not isinstance(value, bool) and Decimal(value).is_finite()
        if kind == NUMBER and number and abs(value) <= MAX_NUMBER:
            return Decimal(value)
        if kind == COUNT and number and value == int(value) and 0 <= value <= MAX_COUNT:
            return Decimal(int(value))
        if kind == WORD and isinstance(value, str):
            return str(value)
        if kind == WORDS and isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(str(v) for v in value)
        template, args = {
            NUMBER: (T_TAKES_NUMBER, {"max": f"{MAX_NUMBER:,}"}),
            COUNT: (T_TAKES_COUNT, {"max": f"{MAX_COUNT:,}"}),
            WORD: (T_TAKES_TEXT, {}),
            WORDS: (T_TAKES_TEXTS, {}),
        }[kind]
        raise ConditionError(where, "", "RUL016", template, {"param": param, **args, "value": value_text(value)})

    def compile(self, spec: RuleFile, family: str) -> Rule:
        scope = Scope(SUBMISSION_FIELDS)
        self.check_reference_date(spec.reference_date)
        lets = self.parse_lets(self.doc.get("let") or {}, scope) if "let" in self.doc else {}
        applies = []
        for i, entry in enumerate(spec.applies_when):
            node = self.doc["applies_when"][i]["condition"]
            applies.append((self.parser.parse(node, scope), entry.reason))
        condition = self.parser.parse(self.doc["condition"], scope)
        self.check_message(spec, scope)
        return Rule(spec, self.file, family, condition, applies, lets, self.names)

    def check_reference_date(self, path: str | None) -> None:
        """``reference_date`` names a date of the submission (not inside a list)."""
        if path is None:
            return
        kind = SUBMISSION_FIELDS.get(path)
        if kind is None or kind.kind != DATE:
            dates = [name for name, field in SUBMISSION_FIELDS.items() if field.kind == DATE]
            where = value_location(self.doc, "reference_date", str(self.file))
            if kind is not None:
                raise ConditionError(where, "", "RUL016", T_REFERENCE_NOT_DATE, {"path": path})
            template, args = hinted(T_REFERENCE_UNKNOWN, T_REFERENCE_UNKNOWN_HINT, path, dates, path=path)
            raise ConditionError(where, "", "RUL017", template, args)

    def check_message(self, spec: RuleFile, scope: Scope) -> None:
        texts = [("message", spec.message)] + [("translations", t.message) for t in spec.translations.values() if t.message]
        dated = getattr(spec, "dated", None)
        if dated is not None:
            texts += [("message", text) for text in (dated.message or {}).values()]
            texts += [("translations", text) for history in dated.translations.values() for text in history.values()]
        for key, text in texts:
            for name in _PLACEHOLDER.findall(text):
                if name in spec.params:
                    continue
                resolved = scope.resolve(name)
                if resolved is None or resolved.type in (LIST, VALUES):
                    template, args = hinted(T_MESSAGE_UNKNOWN, T_MESSAGE_UNKNOWN_HINT, name, scope.known(), name=name)
                    raise ConditionError(key_location(self.doc, key, str(self.file)), "", "RUL030", template, args)


def rule_files(directory: Path) -> list[Path]:
    """Every rule file of a rulebook folder, sorted."""
    return sorted(
        p
        for p in directory.rglob("*.y*ml")
        if p.suffix in (".yaml", ".yml") and p.name != "rulebook.yaml" and not NOT_RULES.intersection(p.relative_to(directory).parts[:-1])
    )


def schema_error(doc: Any, path: Path, err: Any) -> RuleError:
    """One pydantic error of a rule file as a RUL002 problem at its place, with a hint."""
    loc = tuple(err["loc"])
    if loc[:1] == ("dated",):  # a dated text's value: at its place under its own key
        loc = loc[1:] if loc[1:2] != ("translations",) else ("translations", *loc[2:3], "message", *loc[3:])
        err = {**err, "loc": loc}
    where = locate(doc, loc, str(path))
    path_text = loc_path(err["loc"])
    if err["type"] == "extra_forbidden":
        template, args = hinted(T_EXTRA, T_EXTRA_HINT, str(err["loc"][-1]), RuleFile.model_fields, path=path_text)
        return RuleError(where, "", "RUL002", template, args)
    known = SCHEMA_MESSAGES.get((err["type"], err["msg"]))
    if known is not None:
        return RuleError(where, "", "RUL002", known, {"path": path_text})
    if err["type"] in ("literal_error", "enum"):
        expected = str((err.get("ctx") or {}).get("expected", ""))
        if err["msg"] == f"Input should be {expected}":
            if " or " in expected:
                values, last = expected.rsplit(" or ", 1)
                return RuleError(where, "", "RUL002", T_ONE_OF, {"path": path_text, "values": values, "last": last})
            return RuleError(where, "", "RUL002", T_ONE_OF_SINGLE, {"path": path_text, "expected": expected})
    return RuleError(where, f"{path_text}: {err['msg']}", "RUL002")


def load_rule_file(path: Path, table: _LetTable, directory: Path) -> Rule:
    try:
        doc = load_yaml(path)
    except YamlSyntaxError as exc:
        raise yaml_error(exc, path) from None
    if not isinstance(doc, dict):
        where = node_location(doc, str(path))
        raise RuleError(where if where.line else Location(str(path), 1, 1), "", "RUL002", T_FILE_MAPPING)
    try:
        spec = RuleFile.model_validate(plain(doc))
    except ValidationError as exc:
        raise schema_error(doc, path, exc.errors()[0]) from None
    if spec.id != path.stem:
        raise RuleError(key_location(doc, "id", str(path)), "", "RUL003", T_ID_FILE, {"rule_id": spec.id, "file": path.name})
    family = path.relative_to(directory).parts[0] if len(path.relative_to(directory).parts) > 1 else ""
    try:
        return _RuleCompiler(path, doc, table).compile(spec, family)
    except ConditionError as exc:
        raise RuleError(exc.location, exc.message, exc.code, exc.template, dict(exc.template_args)) from None


def yaml_error(exc: YamlSyntaxError, path: Path) -> RuleError:
    """A rule file that is not valid YAML (RUL001), worded for the slip it most likely is."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    where, template, args = yaml_slip(exc, text)
    if template is None:
        return RuleError(exc.location, exc.message, "RUL001")
    return RuleError(where, "", "RUL001", template, args)


MANIFEST_KEYS = {
    "version": N_("rulebook.yaml needs '{key}': a text such as \"2024.1\""),
    "title": N_("rulebook.yaml needs '{key}': a text"),
}


def read_manifest(manifest: Path) -> tuple[str | None, list[RuleError]]:
    """``rulebook.yaml``: its version, and every problem with its place (RUL004)."""
    try:
        meta = load_yaml(manifest)
    except YamlSyntaxError as exc:
        return None, [RuleError(exc.location, exc.message, "RUL004")]
    except OSError as exc:
        return None, [RuleError(str(manifest), "", "RUL004", T_UNREADABLE, {"reason": str(exc.strerror)})]
    if not isinstance(meta, dict):
        return None, [RuleError(Location(str(manifest), 1, 1), "", "RUL004", T_MANIFEST_MAPPING)]
    errors = [
        RuleError(
            key_location(meta, key, str(manifest)),
            "",
            "RUL004",
            *hinted(T_MANIFEST_KEY, T_MANIFEST_KEY_HINT, str(key), MANIFEST_KEYS, key=shorten(str(key)), keys=", ".join(MANIFEST_KEYS)),
        )
        for key in meta
        if key not in MANIFEST_KEYS
    ]
    for key, expected in MANIFEST_KEYS.items():
        value = meta.get(key)
        if ((key == "version" or value is not None) and not isinstance(value, (str, int, Decimal))) or isinstance(value, bool):
            where = value_location(meta, key, str(manifest)) if key in meta else Location(str(manifest), 1, 1)
            errors.append(RuleError(where, "", "RUL004", expected, {"key": key}))
    version = meta.get("version")
    return (str(version) if isinstance(version, (str, int, Decimal)) and not isinstance(version, bool) else None), errors


def section_errors(path: Path, doc: Any) -> list[RuleError]:
    """Every condition-language error of a rule file, each section parsed on its own (lets one by
    one, each ``applies_when`` condition, the condition, the message templates), so that lint
    reports them all in one run where loading stops at the first. A let that does not parse
    leaves out the "unknown field" errors its uses would add."""
    if not isinstance(doc, dict):
        return []
    compiler, scope = _RuleCompiler(path, doc, _LetTable()), Scope(SUBMISSION_FIELDS)
    out: list[Any] = []
    broken: list[Any] = []

    def attempt(parse: Any, *args: Any) -> None:
        try:
            parse(*args)
        except ConditionError as exc:
            if not (exc.code == "RUL017" and any(f"'{name}'" in exc.message for name in broken)):
                out.append(RuleError(exc.location, exc.message, exc.code, exc.template, dict(exc.template_args)))

    raw_lets = doc.get("let")
    lets: dict[Any, Any] = raw_lets if isinstance(raw_lets, dict) else {}
    for name in lets:
        before = len(out)
        attempt(compiler.parse_lets, {name: lets[name]}, scope)
        if len(out) > before:
            broken.append(str(name))
    for entry in doc.get("applies_when") or []:
        if isinstance(entry, dict) and "condition" in entry:
            attempt(compiler.parser.parse, entry["condition"], scope)
    if "condition" in doc:
        attempt(compiler.parser.parse, doc["condition"], scope)
    raw_translations = doc.get("translations")
    translations: dict[Any, Any] = raw_translations if isinstance(raw_translations, dict) else {}

    def versions(text: Any) -> list[str]:  # a text, or each text of a dated one
        return [str(v) for v in text.values() if isinstance(v, str)] if is_dated(text) else [str(text)] if isinstance(text, str) else []

    own = [(None, t) for t in versions(doc.get("message"))]
    own += [(k, t) for k, v in translations.items() if isinstance(v, dict) for t in versions(v.get("message"))]
    texts = SimpleNamespace(
        message=own[0][1] if own and own[0][0] is None else "",
        params=doc.get("params") or {},
        translations={f"{k}#{i}": SimpleNamespace(message=t) for i, (k, t) in enumerate(own) if k is not None or i},
    )
    if not broken:
        attempt(compiler.check_message, texts, scope)
    return out


def collect_rulebook(directory: Path) -> tuple[Rulebook | None, list[RuleError]]:
    """Load a rulebook folder, collecting every error instead of stopping at the first."""
    directory = Path(directory)
    errors: list[RuleError] = []
    manifest = directory / "rulebook.yaml"
    if not manifest.is_file():
        return None, [RuleError(str(manifest), "", "RUL004", T_NO_MANIFEST)]
    version, errors = read_manifest(manifest)
    if version is None:
        return None, errors
    table = _LetTable()
    rules: list[Rule] = []
    seen: dict[str, Any] = {}
    files = rule_files(directory)
    for path in files:
        try:
            rule = load_rule_file(path, table, directory)
        except RuleError as exc:
            errors.append(exc)
            continue
        if rule.id in seen:
            errors.append(RuleError(str(path), "", "RUL005", T_DUPLICATE_ID, {"rule_id": rule.id, "other": str(seen[rule.id])}))
        seen[rule.id] = path
        rules.append(rule)
    for rule in rules:
        if rule.spec.status is Status.RETIRED and not rule.spec.replaced_by:
            errors.append(RuleError(str(rule.file), "", "RUL006", T_NO_REPLACEMENT, {"rule_id": rule.id}))
        if rule.spec.replaced_by and rule.spec.replaced_by not in seen:
            errors.append(RuleError(str(rule.file), "", "RUL006", T_UNKNOWN_REPLACEMENT, {"rule_id": str(rule.spec.replaced_by)}))
    rules.sort(key=lambda r: r.id)
    book = Rulebook(directory, version, rules, {d.key: d for d in table.defs.values()}, [manifest, *files])
    return book, errors


def load_rulebook(directory: Path | str = RULES_DIR) -> Rulebook:
    """Load a rulebook folder; raises the first :class:`RuleError` (all are in ``collect_rulebook``)."""
    book, errors = collect_rulebook(Path(directory))
    if errors:
        raise errors[0]
    assert book is not None
    return book
