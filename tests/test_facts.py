"""Every derived fact of the library, table-driven: a value, the edge cases, and absent inputs.

The table names each fact once per case; a test fails when a fact of ``FACTS`` has no case, so a
new derived fact cannot land untested.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from conftest import base

from kpcheck.input.models import Submission
from kpcheck.rulebook.facts import FACTS, BatchContext, FactContext

D = dt.date


def submission(**changes):
    doc = base("compliant-export")
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = doc
        for key in parents:
            target = target[key]
        target[last] = value
    return Submission.model_validate_json(json.dumps(doc))


def item(**fields):
    return SimpleNamespace(**fields)


class FakeIndex:
    searched = ("a.jsonl", "sqlite:///r.db")

    def same_number_others(self, key):
        return 2

    def same_number_who(self, key):
        from kpcheck.batch.xref import Other

        return [Other("A-1", D(2024, 3, 4), "a.jsonl:3"), Other("A-2", D(2024, 3, 5), "sqlite:///r.db#7: compliant 2024-03-05")]

    def original_known(self, key):
        return True

    def price_outliers(self, key, ratio, min_lines):
        return [(1, 250_000_000, Decimal(20_000_000))] if ratio == 10 else []


BATCH = SimpleNamespace(key="k", index=FakeIndex())
IMPORT = {"direction": "import", "certificate.issuing_country": "AE"}
NO_CUSTOMS = {"customs": None}

# (fact, {submission changes} or None for the base, batch view or None, arguments, expected)
CASES = [
    ("text_contains", None, None, {"text": "The  Rough   DIAMONDS", "phrase": "rough diamonds"}, True),
    ("text_contains", None, None, {"text": "cut stones", "phrase": "rough"}, False),
    ("text_contains", None, None, {"text": None, "phrase": "rough"}, False),
    ("contains", None, None, {"values": ["kk", "ru"], "value": "ru"}, True),
    ("contains", None, None, {"values": None, "value": "ru"}, False),
    ("count", None, None, {"values": [1, 2, 3]}, 3),
    ("count", None, None, {"values": None}, 0),
    ("all_in", None, None, {"values": ["kk", "en"], "allowed": ["kk", "ru", "en"]}, True),
    ("all_in", None, None, {"values": ["kk", "de"], "allowed": ["kk", "ru", "en"]}, False),
    ("all_in", None, None, {"values": [], "allowed": ["kk"]}, None),
    ("sum", None, None, {"items": [item(c=Decimal("1.10")), item(c=Decimal("2.05"))], "amount": "c"}, Decimal("3.15")),
    ("sum", None, None, {"items": [item(c=Decimal("1")), item(c=None)], "amount": "c"}, None),
    ("sum", None, None, {"items": None, "amount": "c"}, None),
    ("differs", None, None, {"a": Decimal("812500.01"), "b": Decimal("812500.00"), "tolerance": Decimal("0.01")}, False),
    ("differs", None, None, {"a": Decimal("812500.02"), "b": Decimal("812500.00"), "tolerance": Decimal("0.01")}, True),
    ("differs", None, None, {"a": None, "b": Decimal("1"), "tolerance": Decimal("0.01")}, None),
    ("decimal_places_exceed", None, None, {"value": Decimal("1.005"), "places": Decimal(2)}, True),
    ("decimal_places_exceed", None, None, {"value": Decimal("1.050"), "places": Decimal(2)}, False),
    ("decimal_places_exceed", None, None, {"value": None, "places": Decimal(2)}, None),
    ("numbers_equal", None, None, {"a": "kz-000 123", "b": "KZ000123"}, True),
    ("numbers_equal", None, None, {"a": "KZ000124", "b": "KZ000123"}, False),
    ("numbers_equal", None, None, {"a": " ", "b": "KZ000123"}, None),
    ("number_prefix_accepted", None, None, {"number": "KZ000123", "country": "KZ", "on": D(2024, 3, 4)}, True),
    ("number_prefix_accepted", None, None, {"number": "XX000123", "country": "KZ", "on": D(2024, 3, 4)}, False),
    ("number_prefix_accepted", None, None, {"number": "KZ000123", "country": None, "on": D(2024, 3, 4)}, None),
    ("number_plain", None, None, {"number": "kz 000-123"}, True),
    ("number_plain", None, None, {"number": "KZ000123."}, False),
    ("number_plain", None, None, {"number": "\u041aZ000123"}, False),  # a Cyrillic look-alike
    ("number_plain", None, None, {"number": "KZ\u200b000123"}, True),  # a format character is no part of it
    ("number_plain", None, None, {"number": "KZ\u0660\u0661"}, False),  # Arabic-Indic digits
    ("number_plain", None, None, {"number": None}, None),
    ("counterparty_country", None, None, {}, "AE"),
    ("counterparty_country", IMPORT, None, {}, "AE"),
    ("counterparty_country", {"certificate.importer.country": " "}, None, {}, None),
    ("kazakh_party", None, None, {"part": "bin"}, "140240012345"),
    ("kazakh_party", None, None, {"part": "name"}, "Altyn Almas LLP"),
    ("kazakh_party", {"certificate.exporter": None}, None, {"part": "bin"}, None),
    ("participant_status", None, None, {"country": "AE", "on": D(2024, 3, 4)}, "member"),
    ("participant_status", None, None, {"country": "ZZ", "on": D(2024, 3, 4)}, "not_participant"),
    ("participant_status", None, None, {"country": "AE", "on": None}, None),
    ("eaeu_member", None, None, {"country": "RU", "on": D(2024, 3, 4)}, True),
    ("eaeu_member", None, None, {"country": "AE", "on": D(2024, 3, 4)}, False),
    ("eaeu_member", None, None, {"country": None, "on": D(2024, 3, 4)}, None),
    ("any_status_in", None, None, {"values": ["AE", "ZZ"], "on": D(2024, 3, 4), "statuses": ["not_participant"]}, True),
    ("any_status_in", None, None, {"values": ["AE"], "on": D(2024, 3, 4), "statuses": ["suspended"]}, False),
    ("any_status_in", None, None, {"values": [], "on": D(2024, 3, 4), "statuses": ["suspended"]}, None),
    ("signer_registered", None, None, {"signer": "KZ-SC-014", "on": D(2024, 3, 4)}, True),
    ("signer_registered", None, None, {"signer": "KZ-SC-999", "on": D(2024, 3, 4)}, False),
    ("signer_registered", None, None, {"signer": None, "on": D(2024, 3, 4)}, None),
    ("entity_registered", None, None, {"bin": "140240012345", "on": D(2024, 3, 4)}, True),
    ("entity_registered", None, None, {"bin": "000000000000", "on": D(2024, 3, 4)}, False),
    ("entity_registered", None, None, {"bin": "140240012345", "on": None}, None),
    ("customs_point_designated", None, None, {"office": "ALA-CP-01", "on": D(2024, 3, 5)}, True),
    ("customs_point_designated", None, None, {"office": "NOWHERE", "on": D(2024, 3, 5)}, False),
    ("customs_point_designated", None, None, {"office": "", "on": D(2024, 3, 5)}, None),
    ("is_signer", None, None, {"value": "KZ-SC-014", "role": "state_controller"}, True),
    ("is_signer", None, None, {"value": "KZ-SC-015", "role": "state_controller"}, False),
    ("is_signer", None, None, {"value": "KZ-SC-014", "role": "exporter"}, None),
    ("document_with_code", None, None, {"code": "01143"}, True),
    ("document_with_code", None, None, {"code": "99999"}, False),
    ("document_with_code", NO_CUSTOMS, None, {"code": "01143"}, False),
    ("document_cited", None, None, {"code": "01241", "number": "kz-000123"}, True),
    ("document_cited", None, None, {"code": "01241", "number": "KZ000999"}, False),
    ("document_cited", None, None, {"code": "01241", "number": None}, None),
    ("tnved_match_lines", None, None, {}, True),
    ("tnved_match_lines", {"customs.tnved_codes": ["7102210000"]}, None, {}, False),
    ("tnved_match_lines", NO_CUSTOMS, None, {}, None),
    ("working_day_deadline", None, None, {"after": D(2024, 3, 15), "days": Decimal(5)}, D(2024, 3, 27)),
    ("working_day_deadline", None, None, {"after": None, "days": Decimal(5)}, None),
    ("working_days_late", None, None, {"after": D(2024, 3, 15), "days": Decimal(5), "returned": D(2024, 3, 27)}, 0),
    ("working_days_late", None, None, {"after": D(2024, 3, 15), "days": Decimal(5), "returned": D(2024, 3, 29)}, 2),
    ("working_days_late", None, None, {"after": D(2024, 3, 15), "days": Decimal(5), "returned": None}, None),
    (
        "values_unless_true",
        None,
        None,
        {"items": [item(n="A", ok=True), item(n=" B ", ok=None), item(n=None, ok=False)], "value": "n", "flag": "ok"},
        "B, (not named)",
    ),
    ("values_unless_true", None, None, {"items": [item(n="A", ok=True)], "value": "n", "flag": "ok"}, None),
    ("values_unless_true", None, None, {"items": None, "value": "n", "flag": "ok"}, None),
    (
        "countries_with_status",
        None,
        None,
        {"countries": ["AE", "ZZ"], "on": D(2024, 3, 4), "statuses": ["not_participant"]},
        "ZZ (not_participant)",
    ),
    ("countries_with_status", None, None, {"countries": ["AE"], "on": D(2024, 3, 4), "statuses": ["suspended"]}, None),
    ("countries_with_status", None, None, {"countries": ["AE"], "on": None, "statuses": ["suspended"]}, None),
    ("xref_same_number", None, BATCH, {}, 2),
    ("xref_original_known", None, BATCH, {}, True),
    ("xref_same_number_who", None, BATCH, {}, "A-1 (2024-03-04, a.jsonl:3); A-2 (2024-03-05, sqlite:///r.db#7: compliant 2024-03-05)"),
    ("xref_searched", None, BATCH, {}, "a.jsonl, sqlite:///r.db"),
    (
        "xref_price_outliers",
        None,
        BATCH,
        {"ratio": Decimal(10), "min_lines": Decimal(5)},
        "line 2: 250.00 US$/ct against a median of 20.00",
    ),
    ("xref_price_outliers", None, BATCH, {"ratio": Decimal(3), "min_lines": Decimal(5)}, None),
]


def test_every_fact_has_cases():
    assert {case[0] for case in CASES} == set(FACTS)


@pytest.mark.parametrize("fact,changes,batch,args,expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_fact(reference, fact, changes, batch, args, expected):
    sub = submission(**(changes or {}))
    ctx = FactContext(sub, reference) if FACTS[fact].across is None else BatchContext(reference, batch)
    assert FACTS[fact].func(ctx, **args) == expected
