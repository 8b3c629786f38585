"""The annual report's template: the texts the ministry edits (YAML), read and checked.

The shipped example is ``annual-report.yaml`` among the example registers
(``registers/example/``, inside the wheel as ``kpcheck/_data/registers``: found through
:func:`kpcheck.paths.shipped`, that is :mod:`importlib.resources`); ``--template FILE`` gives
the ministry's own. A file that does not read, or does not follow the schema, raises
:class:`TemplateError` with its file, line and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kpcheck.input.yamlio import YamlSyntaxError, decode, load_yaml_text, value_location
from kpcheck.paths import shipped
from kpcheck.problems import KpcheckError, Location

TEMPLATE_NAME = "annual-report.yaml"
LETTERS = ("A", "B", "C", "D", "E", "F", "G", "H")
Lang = Literal["en", "ru", "kk"]


class TemplateError(KpcheckError):
    """The annual report's template does not load."""

    code = "STA002"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(_Strict):
    """One text in the report's languages: English and Russian required, Kazakh optional."""

    en: str
    ru: str
    kk: str | None = None

    def get(self, lang: str) -> str:
        if lang == "kk":
            return self.kk if self.kk is not None else self.ru
        return self.ru if lang == "ru" else self.en


class Translated(_Strict):
    """A text the rule files give in English, in the other languages."""

    ru: str
    kk: str | None = None


class SectionTexts(_Strict):
    title: Texts
    constant: Texts
    variable: Texts


class LegalActs(_Strict):
    sources: list[str] = Field(default_factory=list)  # cited by rules, not legal acts: left out of section B
    names: dict[str, Translated] = Field(default_factory=dict)
    provisions: dict[str, Translated] = Field(default_factory=dict)


class Template(_Strict):
    format: Literal[1]
    participant: Texts
    sections: dict[Literal["A", "B", "C", "D", "E", "F", "G", "H"], SectionTexts]
    regime_families: list[str]
    families: dict[str, Texts] = Field(default_factory=dict)
    legal_acts: LegalActs = Field(default_factory=LegalActs)

    def section(self, letter: str) -> SectionTexts:
        return self.sections[letter]  # type: ignore[index]

    def filled(self, text: str, lang: str, year: int) -> str:
        """A template text with ``{year}`` and ``{participant}`` replaced."""
        return text.replace("{year}", str(year)).replace("{participant}", self.participant.get(lang))

    def act(self, english: str, lang: str) -> str:
        """A legal act's name in ``lang`` (as the rule file gives it where none is translated)."""
        return _translated(self.legal_acts.names, english, lang)

    def provision(self, english: str, lang: str) -> str:
        return _translated(self.legal_acts.provisions, english, lang)

    def family(self, code: str, lang: str) -> str:
        texts = self.families.get(code)
        return texts.get(lang) if texts else code


def _translated(table: dict[str, Translated], english: str, lang: str) -> str:
    found = table.get(english)
    if lang == "en" or found is None:
        return english
    return found.kk if lang == "kk" and found.kk is not None else found.ru


def default_path() -> Path:
    """The shipped example template."""
    return shipped("registers") / TEMPLATE_NAME


def load_template(path: str | Path | None = None) -> Template:
    """The template at ``path`` (default: the shipped example); raises :class:`TemplateError`."""
    file = Path(path) if path is not None else default_path()
    try:
        text = decode(file.read_bytes(), str(file))
        doc = load_yaml_text(text, str(file))
    except OSError as exc:
        raise TemplateError(str(file), f"cannot read the annual report's template ({exc.strerror})") from None
    except YamlSyntaxError as exc:
        raise TemplateError(exc.location, f"invalid YAML: {exc.message}") from None
    if not isinstance(doc, dict):
        raise TemplateError(Location(str(file), 1, 1), "the template is a mapping with format, participant, sections, regime_families")
    try:
        template = Template.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _located(doc, first["loc"], str(file))
        path_text = ".".join(str(part) for part in first["loc"])
        raise TemplateError(where, f"{path_text}: {first['msg']}") from None
    missing = [letter for letter in LETTERS if letter not in template.sections]
    if missing:
        raise TemplateError(value_location(doc, "sections", str(file)), f"sections: section {missing[0]} is missing (A-H are all needed)")
    return template


def _located(doc: Any, loc: tuple[Any, ...], file: str) -> Location:
    """Where the value at a validation error's path stands (as deep as the document goes)."""
    node, where = doc, Location(file, 1, 1)
    for part in loc:
        if isinstance(node, dict) and part in node:
            where = value_location(node, part, file)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            where = value_location(node, part, file)
            node = node[part]
        else:
            break
    return where
