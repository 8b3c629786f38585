"""``register show``: a certificate number's submissions, decisions and events, as text or JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import IO, Any

from kpcheck.i18n import gettext_for
from kpcheck.input.shorten import safe
from kpcheck.problems import N_, fill
from kpcheck.register.due_render import kind_label

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


OUTCOME_WORDS = {"accepted": N_("accepted"), "refused": N_("refused"), "returned": N_("returned for correction")}


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


def render_text(entries: list[dict[str, Any]], stream: IO[str], lang: str = "en") -> None:
    """The entries as lines, worded in ``lang`` (numbers, ids, sources, hashes and who decided as stored)."""
    _ = gettext_for(lang)
    for item in as_json(entries):
        mark = f"  ({_('first use')})" if item["first_use"] else ""
        head = {"number": str(item["raw_number"]), "direction": _(item["direction"]), "submission": str(item["submission_id"])}
        _line(
            stream,
            "".join((fill(_("{number} {direction} {submission} presented {on}"), {**head, "on": str(item["presented_on"])}), mark, "\n")),
        )
        if item["supersedes"]:
            _line(stream, "  " + fill(_("supersedes {submission}"), {"submission": item["supersedes"]}) + "\n")
        if item["raw_original"]:
            _line(stream, "  " + fill(_("duplicate of {number}"), {"number": item["raw_original"]}) + "\n")
        stored = {"at": str(item["added_at"]), "sha": str(item["sha256"]), "source": str(item["source"])}
        _line(stream, "  " + fill(_("stored {at} from {source} sha256 {sha}"), stored) + "\n")
        for d in item["decisions"]:
            waived = f", {_('waived')}"
            findings = [f"{f['rule']} ({_(f['severity'])}{waived if f['waived'] else ''})" for f in d["findings"]]
            outcome = _(OUTCOME_WORDS[d["outcome"]]) if d["outcome"] in OUTCOME_WORDS else d["outcome"]
            decided = {
                "at": d["decided_at"],
                "command": d["command"] if lang == "en" else _command(d["command"], lang),
                "decided": f"{outcome}; " if d["outcome"] else "",
                "status": _(d["status"]),
                "rules": ", ".join(findings) or _("no findings"),
                "version": d["rulebook_version"],
                "sha": d["rulebook_sha256"][:12],
                "name": d["decided_by"],  # last: what was typed is filled in, never filled into
            }
            if d["decided_by"]:
                line = _("{at} {command} by {name}: {decided}{status}; {rules}; rulebook {version} {sha}")
            else:
                line = _("{at} {command}: {decided}{status}; {rules}; rulebook {version} {sha}")
            _line(stream, "  " + fill(line, {k: str(v) for k, v in decided.items()}) + "\n")
            if d["comment"]:
                _line(stream, "    " + fill(_("comment: {comment}"), {"comment": d["comment"]}) + "\n")
        if not item["decisions"]:
            _line(stream, "  " + _("no decision recorded (imported as history)") + "\n")
        for e in item["events"]:
            happened = {
                "on": e["on"],
                "kind": e["kind"] if lang == "en" else kind_label(e["kind"], lang),
                "at": e["recorded_at"],
                "name": e["by"],
            }
            line = _("{on} {kind} by {name} (recorded {at})") if e["by"] else _("{on} {kind} (recorded {at})")
            _line(stream, "  " + fill(line, {k: str(v) for k, v in happened.items()}) + "\n")


def _command(command: str, lang: str) -> str:
    """The command that decided, out of English: the command to type (in «»), or the desk."""
    return gettext_for(lang)("the desk") if command == "desk" else f"«kpcheck {command}»"


def _line(stream: IO[str], text: str) -> None:
    """One or more lines of ``register show``: what the register holds (numbers, ids, sources,
    who decided) escaped (:func:`kpcheck.input.shorten.safe`), the line breaks kept."""
    stream.write("\n".join(safe(part) for part in text.split("\n")))
