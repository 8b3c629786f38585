"""The submission-format document (``docs/submission-format.md``), made from the models and the
desk form, so that it cannot drift from either.

Every field of a submission (:class:`kpcheck.input.models.Submission`, walked) is one row: its
path (lists as ``[]``), its type and whether it is required (read from the model), its meaning
and its Russian and Kazakh labels (the desk form's label and help, :mod:`kpcheck.serve.form`,
through the gettext catalogue) and an example (the first value the fixture submissions give).
``kpcheck rules fields [--lang ru|kk]`` prints it for legal staff; ``tests/test_fields_doc.py``
fails when the committed document differs from what this module makes. It lives beside the
form whose labels it reads.
"""

from __future__ import annotations

import datetime as dt
import json
import types
import typing
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kpcheck.i18n import gettext_for
from kpcheck.i18n.labels import N_
from kpcheck.input.models import Submission
from kpcheck.serve.form import GROUPS, join

EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "submissions"

# fields the desk form does not show: their label and meaning here (catalogue msgids)
NOT_ON_THE_FORM: dict[str, tuple[str, str]] = {
    "schema_version": (N_("Schema version"), N_("The version of this format: the integer 1.")),
    "certificate.signatures": (N_("Signatures"), N_("The signatures on the certificate, one object each.")),
    "certificate.seals": (N_("Seals"), N_("The official seals impressed on the certificate, one object each.")),
    "certificate.corrections": (N_("Corrections"), N_("Each correction on the form, one object each.")),
    "certificate.lines": (N_("Lines"), N_("The certificate's lines: an HS code with its carats and value, one object each.")),
    "customs.documents": (N_("Cited documents"), N_("The permissive documents the declaration cites, one object each.")),
}
OBJECTS: dict[str, tuple[str, str]] = {
    "certificate": (N_("Certificate"), N_("The KP certificate (on import: the exporting state's certificate).")),
    "certificate.origin": (N_("Origin"), N_("Country of origin; mixed for parcels of mixed origin.")),
    "certificate.exporter": (N_("Exporter"), N_("The exporter as printed.")),
    "certificate.importer": (N_("Importer"), N_("The importer as printed.")),
    "certificate.condition": (N_("Condition"), N_("The certificate's physical state as the controller found it.")),
    "certificate.coupon": (N_("Coupon"), N_("The import confirmation coupon.")),
    "state_control_act": (N_("Act of state control"), N_("The act the state controller issued after state control.")),
    "customs": (N_("Customs declaration"), N_("The customs declaration, once made.")),
    "duplicate": (N_("Duplicate request"), N_("Present when this submission asks for a duplicate of a damaged certificate.")),
}
TYPES = {
    "text": N_("text"),
    "date": N_("date YYYY-MM-DD"),
    "decimal": N_("decimal (a number or a text such as 1250.50)"),
    "integer": N_("integer"),
    "boolean": N_("true or false"),
    "code": N_("country code (ISO 3166-1 alpha-2)"),
    "object": N_("object"),
    "list": N_("list"),
    "any": N_("any JSON object"),
}
WORDS = {
    "title": N_("Submission format, version 1"),
    "made": N_("Made from kpcheck's models and the desk form by `kpcheck rules fields`; do not edit by hand."),
    "path": N_("path"),
    "type": N_("type"),
    "required": N_("required"),
    "meaning": N_("meaning"),
    "example": N_("example value"),
    "yes": N_("yes"),
    "no": N_("no"),
}
INTRO = """\
A *submission* is what a state controller (export) or inspector (import) has on the desk: one
Kimberley Process certificate and the procedure around it (the act of state control, the customs
declaration, a request for a duplicate). kpcheck reads submissions as JSON or YAML files (one
submission a file: `.json`, `.yaml`, `.yml`) and JSON Lines files (`.jsonl`, one submission a
line); a folder is read recursively for all three, in sorted path order.

Field names, types and meanings are fixed: more fields are accepted only under `extensions`, and
an unknown field elsewhere is an input error naming it with its path. An optional field absent
(or `null`) is for the rules to weigh, and a report says so (never a silent pass). Dates are ISO
`YYYY-MM-DD` texts; country codes ISO 3166-1 alpha-2 (read trimmed and upper-cased), `EU` for
the European Union as one participant; money is US dollars; carats and dollars are decimals read
without binary rounding. Paths in reports and errors use these names with 0-based list indexes:
`certificate.lines[0].carats` is the first line. The JSON report is described in
[report-format.md](report-format.md).
"""


def _form() -> dict[str, tuple[str, str]]:
    """The desk form's (label, help) of every field, by path."""
    found: dict[str, tuple[str, str]] = {}
    for group in GROUPS:
        for f in (*group.fields, *group.after):
            found[join(group.prefix, f.name)] = (f.label, f.help)
        for rows in group.rows:
            for f in rows.fields:
                found[f"{join(group.prefix, rows.path)}[].{f.name}"] = (f.label, f.help)
    return found


def _kind(annotation: Any) -> tuple[str, Any]:
    """(kind, nested model or item annotation) of a field's annotation, ``None`` left out."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return _kind(args[0])
    if origin is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        if base is str and _coded(meta):
            return "code", None
        return _kind(base)
    if origin is list:
        return "list", args[0]
    if origin is typing.Literal:
        return "literal", typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object", annotation
    simple = {str: "text", int: "integer", bool: "boolean", Decimal: "decimal", dt.date: "date"}
    if annotation in simple:
        return simple[annotation], None
    return "any", None


def _coded(metadata: list[Any]) -> bool:
    """Whether a text is read as a country code (the models' ``Code``: trimmed, upper-cased)."""
    return any(getattr(getattr(m, "func", None), "__name__", "") in ("_code", "_required_code") for m in metadata)


def rows() -> Iterator[tuple[str, str, bool, bool]]:
    """(path, type, required, an object or list of objects) of every field, in the models' order."""
    yield from _walk(Submission, "")


def _walk(model: type[BaseModel], prefix: str) -> Iterator[tuple[str, str, bool, bool]]:
    for name, info in model.model_fields.items():
        path = join(prefix, name)
        kind, inner = _kind(info.annotation)
        if kind == "text" and _coded(info.metadata):
            kind = "code"
        required = info.is_required()
        if kind == "object":
            yield path, "object", required, True
            yield from _walk(inner, path)
        elif kind == "list":
            item, item_model = _kind(inner)
            if item == "object":
                yield path, "list of object", required, True
                yield from _walk(item_model, path + "[]")
            else:
                yield path, f"list of {item}", required, False
        elif kind == "literal":
            yield path, " | ".join(json.dumps(v) for v in inner), required, False
        else:
            yield path, kind, required, False


def _examples() -> dict[str, Any]:
    """The first value each path has in the fixture submissions (sorted by file name)."""
    found: dict[str, Any] = {}

    def visit(value: Any, path: str) -> None:
        if path == "extensions":  # free-form: no example
            return
        if isinstance(value, dict):
            for key, inner in value.items():
                visit(inner, join(path, key))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                visit(item, path + "[]")
        elif value is not None and value != [] and path not in found:
            found[path] = value

    for file in sorted(EXAMPLES.glob("*.json")):
        visit(json.loads(file.read_text(encoding="utf-8"), parse_float=Decimal), "")
    return found


def _json(value: Any) -> str:
    """A value as JSON, decimals as written (``1250.50``, not ``1250.5``)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _type_words(kind: str, _: Any) -> str:
    if kind.startswith("list of "):
        return f"{_(TYPES['list'])}: {_(TYPES.get(kind[len('list of ') :], kind[len('list of ') :]))}"
    return str(_(TYPES[kind])) if kind in TYPES else kind


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(lang: str = "en") -> str:
    """The document (Markdown) in ``lang``: its headings, types and meanings in that language;
    the Russian and Kazakh labels always (the words a controller sees on the desk)."""
    _ = gettext_for(lang)
    ru, kk = gettext_for("ru"), gettext_for("kk")
    form, examples = _form(), _examples()
    texts = {**form, **NOT_ON_THE_FORM, **OBJECTS}
    out = [f"# {_(WORDS['title'])}", "", f"<!-- {_(WORDS['made'])} -->", ""]
    if lang == "en":
        out += [INTRO]
    head = [_(WORDS[w]) for w in ("path", "type", "required", "meaning")] + ["Русский", "Қазақша", _(WORDS["example"])]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for path, kind, required, _nested in rows():
        label, meaning = texts.get(path, ("", ""))
        example = examples.get(path)
        shown = "" if example is None else f"`{_json(example)}`"
        cells = [
            f"`{path}`",
            _cell(_type_words(kind, _)),
            _(WORDS["yes"]) if required else _(WORDS["no"]),
            _cell(_(meaning)) if meaning else "",
            _cell(ru(label)) if label else "",
            _cell(kk(label)) if label else "",
            _cell(shown),
        ]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def missing() -> list[str]:
    """The paths of the models that have no label (the form, or this module's own lists)."""
    texts = {**_form(), **NOT_ON_THE_FORM, **OBJECTS}
    return [path for path, *_ in rows() if path not in texts]
