"""The JSON report of docs/report-format.md, written as a stream."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import IO, Any

import orjson

from kpcheck.i18n import gettext_for
from kpcheck.i18n.labels import Gettext, localised_entry
from kpcheck.report import result_to_dict
from kpcheck.results import Result


class JsonWriter:
    """Pretty for a desk check; one result per line for audits (``compact``), which stays
    valid JSON and is several times faster to write for millions of submissions."""

    def __init__(self, stream: IO[str], options: dict[str, Any]):
        self.stream = stream
        self.count = 0
        self.indent = None if options.get("compact") else 2
        lang = options.get("lang") or "en"
        self.entry: Callable[[Result], dict[str, Any]] = (
            result_to_dict if lang == "en" else functools.partial(_localised, gettext_for(lang))
        )

    def start(self, meta: dict[str, Any]) -> None:
        head = json.dumps(meta, indent=2, ensure_ascii=False)
        self.stream.write(head[:-2] + ',\n  "results": [')

    def add(self, result: Result) -> None:
        self.add_rendered(self.render([result]), 1)

    def render(self, results: list[Result]) -> str:
        """The report's text of consecutive results, as :meth:`add` writes them, without the
        comma before the first: pure, so that an audit's workers render their own part."""
        if self.indent is None:
            return ",".join("\n    " + _compact(self.entry(r)) for r in results)
        return ",".join(
            "\n    " + json.dumps(self.entry(r), indent=self.indent, ensure_ascii=False).replace("\n", "\n    ") for r in results
        )

    def add_rendered(self, text: str, count: int) -> None:
        """Write what :meth:`render` made of ``count`` results."""
        if count:
            self.stream.write(("," if self.count else "") + text)
            self.count += count

    def finish(self, summary: dict[str, int]) -> None:
        self.stream.write(("\n  " if self.count else "") + '],\n  "summary": ' + json.dumps(summary) + "\n}\n")


def _localised(_: Gettext, result: Result) -> dict[str, Any]:
    """A result in a report whose ``--lang`` is not English: legal bases and reasons in it too."""
    return localised_entry(result_to_dict(result), _)


def _compact(value: Any) -> str:
    """One result on one line: orjson (a fifth of the standard library's time, for millions of
    results); a text it refuses (a lone surrogate) the standard library writes, escaped."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)
