"""One shape for every problem kpcheck reports with a place, and the catalogue of their codes.

A :class:`Problem` is ``location: message [CODE]`` at a :class:`Level`; a :class:`KpcheckError`
is the exception that carries one (every located error of a rule file, reference file, waiver
file or production file derives from it). Every code is defined once, in :data:`CATALOGUE`,
with a one-line explanation; ``docs/codes.md`` is generated from it by
``tools/gen_codes_doc.py`` and a test fails when code uses a code the catalogue lacks.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in a file, 1-based; a bare file name when the place is the whole file."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


class Level(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    """One entry of the catalogue: what the code means and how grave it is."""

    code: str
    level: Level
    summary: str


def _codes(level: Level, table: dict[str, str]) -> dict[str, Code]:
    return {code: Code(code, level, summary) for code, summary in table.items()}


E, W = Level.ERROR, Level.WARNING
CATALOGUE: dict[str, Code] = {
    **_codes(
        E,
        {
            "RUL001": "a rule file is not valid YAML or cannot be read",
            "RUL002": "a rule file does not follow the rule-file schema (unknown, missing or mistyped key)",
            "RUL003": "a rule's id does not match its file name",
            "RUL004": "the folder has no valid rulebook.yaml (not a rulebook folder)",
            "RUL005": "two rule files share one rule id",
            "RUL006": "a retired rule has no valid replaced_by",
            "RUL010": "a condition is not a mapping of a known form, or a list where one is needed",
            "RUL011": "an unknown condition keyword",
            "RUL012": "for_any/for_all names something that is not a list of items",
            "RUL013": "a comparison names no operator, or more than one",
            "RUL014": "'is' takes present or absent; 'one_of' takes a list",
            "RUL015": "a comparison's value has the wrong form",
            "RUL016": "a type mismatch: an operator or parameter applied to a value of the wrong type",
            "RUL017": "an unknown field path",
            "RUL018": "two fields compared directly (compare them through a derived fact)",
            "RUL020": "a malformed 'let' (derived fact definition)",
            "RUL021": "an unknown derived fact",
            "RUL022": "a derived fact called with a missing or unknown parameter",
            "RUL023": "a rule parameter used but not declared under 'params:'",
            "RUL024": "a derived fact that reads further than its rule reaches (other submissions; the submission in a batch rule)",
            "RUL030": "a condition the engines cannot evaluate identically (refused for both)",
            "REF001": "a reference file has a bad date or dates in the wrong order",
            "REF002": "a reference file has an unknown status",
            "REF003": "a reference file has overlapping periods for one entry",
            "REF004": "a BIN or IIN with a wrong check digit",
            "REF005": "a reference file does not follow its schema",
            "REF006": "a reference file is missing or cannot be read",
            "REF007": "a reference file lists one entry twice",
            "REF008": "a reference file has a bad or unknown code",
            "REF009": "a reference file is not valid YAML",
            "WAI010": "the waiver file as a whole cannot be read",
            "STA001": "the production file for the annual-report statistics cannot be read",
            "STA002": "the annual report's template cannot be read or does not follow its schema",
            "REG001": "a register URL, path or setting that cannot be used (unknown scheme, missing folder, no driver)",
            "REG002": "the register cannot be reached, opened or read",
            "REG003": "the register stayed locked by another writer past KPCHECK_REGISTER_TIMEOUT",
            "REG004": "the register's schema is newer than this kpcheck knows",
            "REG010": "an event that cannot be recorded (unknown number, kind of the other direction, a day before presentation)",
            "REG011": "the rulebook has no DUP-01 computing a duplicate's deadline in working days (register due)",
            "REG005": "no register at the URL (a missing file or an empty database): only register init, import and --record make one",
            "LNT101": "no example expects the rule to trigger",
            "LNT102": "no example expects the rule to stay clean",
            "LNT103": "an example does not behave as declared (on some evaluator)",
            "LNT104": "the condition triggers on none of the rule's own examples",
            "LNT105": "no example on some side of the dates in force",
            "LNT106": "a retired rule's id is reused (or a rule replaces itself)",
            "LNT107": "an evaluator cannot compile the rulebook",
            "LNT108": "two examples of a rule share a name",
            "LNT109": "a value by date whose days are out of order, outside the rule's dates in force, or begin after it comes into force",
            "LNT110": "a rule's applies_when tests the presence of a field that no rule reports as missing (a silent pass, rulebook 1.1)",
        },
    ),
    **_codes(
        E,
        {
            "CFG001": "a configuration file cannot be read or is not valid TOML",
            "CFG002": "a configuration file names an option the command does not have (at the top: no command has)",
            "CFG003": "a configuration file gives an option a value it does not take",
            "CFG004": "KPCHECK_CONFIG names a file that does not exist",
        },
    ),
    **_codes(
        W,
        {
            "WAI001": "a waiver is malformed and is ignored",
            "WAI002": "a waiver names an unknown rule and is ignored",
            "WAI003": "a waiver of an 'invalid' finding is refused",
            "WAI004": "a waiver has expired by the submission's presented date",
            "WAI005": "a waiver matches no finding",
            "LNT201": 'a legal basis whose provision is "to be confirmed"',
            "LNT202": "a rule without a Russian title and message",
            "LNT203": "a 'let' that no condition or message reads",
            "LNT204": "the working-day calendar's confirmed years end within a year of the lint's day (--today)",
            "LNT205": "a translation marked 'draft: true', not yet reviewed by the legal staff",
            "LNT206": "a rule without a Kazakh title and message",
            "LNT207": "a rule parameter (params:) that no let or message uses",
        },
    ),
}


def explain(code: str) -> Code:
    """The catalogue entry of ``code``; an unknown code is a programming error."""
    try:
        return CATALOGUE[code]
    except KeyError:
        raise KeyError(f"problem code {code!r} is not in kpcheck.problems.CATALOGUE") from None


@dataclass(frozen=True)
class Problem:
    """One problem with its place: ``file:line:col: level: message [CODE]``; ``rule`` names the
    rule it concerns, when there is one (a lint run summarises some codes by rule)."""

    location: Location | str
    code: str
    message: str
    level: Level = Level.ERROR
    rule: str | None = None
    template: str | None = None  # the message as an English msgid with {names}, for its translations
    args: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return f"{self.location}: {self.level.value}: {self.message} [{self.code}]"

    @property
    def text(self) -> str:
        """``location: message [CODE]``, for where the level is said already (``warning:`` before it)."""
        return f"{self.location}: {self.message} [{self.code}]"

    @property
    def place(self) -> Location:
        """The location as a :class:`Location` (a bare text is the file)."""
        return self.location if isinstance(self.location, Location) else Location(str(self.location))

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        """File, line, column, code, message: the order problems are listed in."""
        loc = self.place
        return (loc.file, loc.line or 0, loc.column or 0, self.code, self.message)


def N_(text: str) -> str:
    """Mark a text for the interface catalogue without translating it here (the layers below
    :mod:`kpcheck.i18n` mark with this one; :func:`kpcheck.i18n.labels.N_` is the same)."""
    return text


def fill(template: str, args: dict[str, str]) -> str:
    """``template`` with each ``{name}`` replaced by its argument (other braces kept)."""
    for name, value in args.items():
        template = template.replace("{" + name + "}", value)
    return template


LEVEL_WORDS = {Level.ERROR: "error", Level.WARNING: "warning"}


class Worded(Exception):
    """An error without a location whose message is a ``template`` (an English msgid with
    ``{names}``) filled with ``args``, so that the command line says it in its language
    (:func:`kpcheck.cli.console.located` reads ``template`` and ``template_args``)."""

    def __init__(self, template: str, **args: str):
        super().__init__(fill(template, args))
        self.template, self.template_args = template, tuple(args.items())


class KpcheckError(Exception):
    """The base of every located error kpcheck raises: ``str(e)`` is ``location: message``.

    Given a ``template`` (an English msgid with ``{names}``) and its ``args``, the message is the
    template filled, and a report in another language translates the template (:meth:`Problem.render`)."""

    code: str = ""

    def __init__(
        self,
        location: Location | str,
        message: str = "",
        code: str | None = None,
        template: str | None = None,
        args: dict[str, str] | None = None,
    ):
        if template is not None:
            message = fill(template, args or {})
        super().__init__(f"{location}: {message}")
        self.location, self.message = location, message
        self.template, self.template_args = template, tuple((args or {}).items())
        if code is not None:
            self.code = code

    @property
    def problem(self) -> Problem:
        return Problem(self.location, self.code, self.message, explain(self.code).level, template=self.template, args=self.template_args)
