"""The text normalisers (kpcheck.input.text): how numbers and texts of a submission compare."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kpcheck.input import text


@pytest.mark.parametrize(
    "value, expected", [("kz 000-200", "KZ000200"), ("KZ\t000 200", "KZ000200"), ("  ", None), (None, None), ("", None)]
)
def test_numbers_compare_upper_cased_without_spaces_and_hyphens(value, expected):
    assert text.normalise_number(value) == expected


@pytest.mark.parametrize("value, expected", [("  Rough   Diamonds\n", "rough diamonds"), ("", ""), (None, None)])
def test_texts_compare_lower_cased_with_whitespace_folded(value, expected):
    assert text.normalise_text(value) == expected


@pytest.mark.parametrize("value, blank", [(None, True), ("", True), (" \t", True), ("x", False), (0, False)])
def test_blank(value, blank):
    assert text.blank(value) is blank


@pytest.mark.parametrize(
    "value, shown",
    [
        (None, "(none)"),
        (True, "true"),
        (False, "false"),
        (dt.date(2024, 3, 5), "2024-03-05"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.010"), "0.010"),
        (7, "7"),
        ("KZ1", "KZ1"),
    ],
)
def test_format_value(value, shown):
    assert text.format_value(value) == shown


def test_the_facts_library_uses_the_one_normaliser():
    from kpcheck.rulebook import facts

    assert facts.normalise_number is text.normalise_number and facts.blank is text.blank
