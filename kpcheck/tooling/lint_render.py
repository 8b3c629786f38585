"""The problems of ``kpcheck rules lint`` for machines: JSON, and SARIF 2.1.0 for review tooling.

Both carry each problem's file, line, column, level, code and message (in the language asked
for); SARIF's ``tool.driver.rules`` lists every code that occurs, with its catalogue summary
(:data:`kpcheck.problems.CATALOGUE`), and each result refers to its code by ``ruleId`` and
``ruleIndex``. File names are written as given (relative paths as relative URIs, absolute
ones as ``file://`` URIs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kpcheck import __version__
from kpcheck.i18n import gettext_for
from kpcheck.problems import LEVEL_WORDS, KpcheckError, Problem, explain, fill

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"


def message_in(problem: Problem, lang: str) -> str:
    """The problem's message in ``lang`` (en, ru, kk) when it has a template, else as written."""
    if problem.template is None or lang == "en":
        return problem.message
    return fill(gettext_for(lang)(problem.template), dict(problem.args))


def located(exc: BaseException, lang: str = "en") -> str:
    """``location: message`` of an error (``str(exc)``), its templated message in ``lang``."""
    if lang == "en" or not isinstance(exc, KpcheckError) or exc.template is None:
        return str(exc)
    return f"{exc.location}: {fill(gettext_for(lang)(exc.template), dict(exc.template_args))}"


def render(problem: Problem, lang: str = "en") -> str:
    """``location: level: message [CODE]`` in ``lang`` (the level word and the templated message)."""
    if lang == "en":
        return str(problem)
    level = gettext_for(lang)(LEVEL_WORDS[problem.level])
    return f"{problem.location}: {level}: {message_in(problem, lang)} [{problem.code}]"


def uri(file: str) -> str:
    path = Path(file)
    return path.as_uri() if path.is_absolute() else path.as_posix()


def as_json(problems: list[Problem], lang: str = "en") -> dict[str, Any]:
    """``{"problems": [...], "summary": {"errors", "warnings"}}``."""
    rows = [
        {
            "file": p.place.file,
            "line": p.place.line,
            "column": p.place.column,
            "level": p.level.value,
            "code": p.code,
            "message": message_in(p, lang),
            **({"rule": p.rule} if p.rule else {}),
        }
        for p in problems
    ]
    errors = sum(1 for p in problems if p.level.value == "error")
    return {"problems": rows, "summary": {"errors": errors, "warnings": len(problems) - errors}}


def as_sarif(problems: list[Problem], lang: str = "en") -> dict[str, Any]:
    """One SARIF 2.1.0 log with one run of kpcheck's rulebook lint."""
    codes = sorted({p.code for p in problems})
    index = {code: i for i, code in enumerate(codes)}
    rules = [
        {
            "id": code,
            "name": code,
            "shortDescription": {"text": explain(code).summary},
            "defaultConfiguration": {"level": explain(code).level.value},
        }
        for code in codes
    ]
    results = []
    for p in problems:
        place = p.place
        region: dict[str, int] = {"startLine": place.line or 1}
        if place.column:
            region["startColumn"] = place.column
        results.append(
            {
                "ruleId": p.code,
                "ruleIndex": index[p.code],
                "level": p.level.value,
                "message": {"text": message_in(p, lang)},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(place.file)}, "region": region}}],
            }
        )
    driver = {"name": "kpcheck", "version": __version__, "rules": rules}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{"tool": {"driver": driver}, "language": lang, "columnKind": "unicodeCodePoints", "results": results}],
    }


__all__ = ["as_json", "as_sarif", "located"]
