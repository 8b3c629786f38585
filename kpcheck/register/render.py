"""``register show``: a certificate number's submissions, decisions and events, as text or JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import IO, Any

from kpcheck.input.shorten import safe

_SUBMISSION = ("submission_id", "direction", "raw_number", "presented_on", "supersedes", "raw_original", "sha256", "source", "added_at")
_DECISION = (
    "decided_at",
    "command",
    "status",
    "decided_by",
    "outcome",
    "comment",
    "engine",
    "kpcheck",
    "rulebook_version",
    "rulebook_sha256",
    "registers_sha256",
    "waivers_sha256",
)


OUTCOME_WORDS = {"accepted": "accepted", "refused": "refused", "returned": "returned for correction"}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def as_json(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries as JSON values: the first use of the number in each direction marked."""
    firsts: set[str] = set()
    out = []
    for entry in entries:
        item = {name: _plain(entry[name]) for name in _SUBMISSION}
        item["first_use"] = entry["direction"] not in firsts and not entry["duplicate_request"]
        if item["first_use"]:
            firsts.add(entry["direction"])
        item["decisions"] = [
            {
                **{name: _plain(d.get(name)) for name in _DECISION},
                "findings": [
                    {
                        "rule": f["rule"],
                        "severity": f["severity"],
                        "fields": json.loads(f["fields"]),
                        "waived": json.loads(f["waived"]) if f["waived"] else None,
                    }
                    for f in d["findings"]
                ],
            }
            for d in entry["decisions"]
        ]
        item["events"] = [
            {"kind": e["kind"], "on": _plain(e["occurred_on"]), "by": e["recorded_by"], "recorded_at": _plain(e["recorded_at"])}
            for e in entry.get("events", [])
        ]
        out.append(item)
    return out


def render_json(entries: list[dict[str, Any]], stream: IO[str]) -> None:
    json.dump(as_json(entries), stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def render_text(entries: list[dict[str, Any]], stream: IO[str]) -> None:
    for item in as_json(entries):
        mark = "  (first use)" if item["first_use"] else ""
        _line(stream, f"{item['raw_number']} {item['direction']} {item['submission_id']} presented {item['presented_on']}{mark}\n")
        if item["supersedes"]:
            _line(stream, f"  supersedes {item['supersedes']}\n")
        if item["raw_original"]:
            _line(stream, f"  duplicate of {item['raw_original']}\n")
        _line(stream, f"  stored {item['added_at']} from {item['source']} sha256 {item['sha256']}\n")
        for d in item["decisions"]:
            by = f" by {d['decided_by']}" if d["decided_by"] else ""
            rules = ", ".join(f"{f['rule']} ({f['severity']}{', waived' if f['waived'] else ''})" for f in d["findings"]) or "no findings"
            decided = f"{OUTCOME_WORDS.get(d['outcome'], d['outcome'])}; " if d["outcome"] else ""
            _line(
                stream,
                f"  {d['decided_at']} {d['command']}{by}: {decided}{d['status']}; {rules}; "
                f"rulebook {d['rulebook_version']} {d['rulebook_sha256'][:12]}\n",
            )
            if d["comment"]:
                _line(stream, f"    comment: {d['comment']}\n")
        if not item["decisions"]:
            _line(stream, "  no decision recorded (imported as history)\n")
        for e in item["events"]:
            by = f" by {e['by']}" if e["by"] else ""
            _line(stream, f"  {e['on']} {e['kind']}{by} (recorded {e['recorded_at']})\n")


def _line(stream: IO[str], text: str) -> None:
    """One or more lines of ``register show``: what the register holds (numbers, ids, sources,
    who decided) escaped (:func:`kpcheck.input.shorten.safe`), the line breaks kept."""
    stream.write("\n".join(safe(part) for part in text.split("\n")))
