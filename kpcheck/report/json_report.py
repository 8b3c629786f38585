"""The JSON report of report-format.md, written as a stream."""

from __future__ import annotations

import json
from typing import IO, Any

from kpcheck.api import Result
from kpcheck.report import result_to_dict


class JsonWriter:
    """Pretty for a desk check; one result per line for audits (``compact``), which stays
    valid JSON and is several times faster to write for millions of submissions."""

    def __init__(self, stream: IO[str], options: dict[str, Any]):
        self.stream = stream
        self.count = 0
        self.indent = None if options.get("compact") else 2

    def start(self, meta: dict[str, Any]) -> None:
        head = json.dumps(meta, indent=2, ensure_ascii=False)
        self.stream.write(head[:-2] + ',\n  "results": [')

    def add(self, result: Result) -> None:
        text = json.dumps(result_to_dict(result), indent=self.indent, ensure_ascii=False)
        self.stream.write(("," if self.count else "") + "\n    " + text.replace("\n", "\n    "))
        self.count += 1

    def finish(self, summary: dict[str, int]) -> None:
        self.stream.write(("\n  " if self.count else "") + '],\n  "summary": ' + json.dumps(summary) + "\n}\n")
