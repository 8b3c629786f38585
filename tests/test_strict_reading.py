"""Strict reading (rulebook 1.1, "Input validation versus rules"): every case of issue 21 is an
input error with its field path, in JSON, JSON Lines, YAML and in-memory data alike; country
codes are read once, trimmed and upper-cased, so that every rule sees the same code."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from conftest import base
from hypothesis import given, settings
from hypothesis import strategies as st

from kpcheck.api import Checker
from kpcheck.input.reader import parse_data, parse_json, parse_jsonl_line, parse_yaml, read_sources
from kpcheck.input.yamlio import dump_yaml


def _set(doc: dict, path: str, value: object) -> dict:
    node = doc
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    node[last] = value
    return doc


ERRORS = [
    # (field path, value, a word of the message)
    ("schema_version", True, "expected 1, got True"),
    ("schema_version", 1.0, "expected 1, got"),
    ("schema_version", "1", "expected 1, got '1'"),
    ("id", "   ", "required field is blank"),
    ("certificate.number", "", "required field is blank"),
    ("certificate.number", " \t", "required field is blank"),
    ("certificate.number", "\u200b\u00ad", "required field is blank"),
    ("certificate.issuing_country", "", "required field is blank"),
    ("certificate.issuing_country", "  ", "required field is blank"),
    ("presented_on", "1709510400", "expected a date YYYY-MM-DD"),
    ("presented_on", 1709510400, "expected a date YYYY-MM-DD"),
    ("presented_on", "2024-03-04T00:00:00", "expected a date YYYY-MM-DD"),
    ("certificate.issued_on", "20240304", "expected a date YYYY-MM-DD"),
    ("certificate.number", 123, "string"),
    ("certificate.number", 1234567890123456.5, "string"),
    ("certificate.title", 1.5, "string"),
    ("certificate.issuing_authority", True, "string"),
    ("certificate.parcels", 2.0, "integer"),
    ("certificate.parcels", True, "integer"),
    ("certificate.parcels", "2", "integer"),
    ("certificate.tamper_resistant", 1, "boolean"),
    ("certificate.tamper_resistant", "true", "boolean"),
    ("certificate.total_carats", True, "expected a number"),
    ("certificate.total_carats", "1e3", "plain decimal"),
    ("certificate.total_carats", " 1250.50", "plain decimal"),
    ("certificate.total_carats", "1_250.50", "plain decimal"),
    ("certificate.total_carats", "+1250.50", "plain decimal"),
]


@pytest.mark.parametrize("path, value, words", ERRORS, ids=[f"{p}={v!r}" for p, v, _ in ERRORS])
def test_each_case_is_an_error_with_its_field_path(path, value, words):
    raw = json.dumps(_set(base(), path, value)).encode()
    for loaded, where in (
        (parse_json(raw, "s.json"), "s.json: "),
        (parse_jsonl_line(raw, "b.jsonl", 3), "b.jsonl:3: "),
        (parse_data(_set(base(), path, value), "<data>"), "<data>: "),
    ):
        assert loaded.submission is None, (path, value)
        assert loaded.error.location == where + path
        assert words in loaded.error.message


@pytest.mark.parametrize(
    "path, value", [("schema_version", True), ("schema_version", 1.0), ("certificate.number", 123), ("presented_on", "1709510400")]
)
def test_yaml_reads_as_strictly(path, value):
    text = dump_yaml(_set(base(), path, value))
    assert path.rsplit(".", 1)[-1] + ":" in text
    loaded = parse_yaml(text.encode(), "s.yaml")
    assert loaded.submission is None
    assert loaded.error.location.endswith(f"({path})")


def test_a_yaml_decimal_in_a_text_field_is_an_error():
    text = dump_yaml(base()).replace("title: Kimberley Process Certificate", "title: 1.5")
    loaded = parse_yaml(text.encode(), "s.yaml")
    assert loaded.error is not None and loaded.error.location.endswith("(certificate.title)")


def test_amounts_read_exactly_from_numbers_and_plain_decimal_texts():
    doc = base()
    doc["certificate"]["total_carats"] = "1250.50"
    doc["certificate"]["lines"][0]["value_usd"] = 812500
    doc["state_control_act"]["carats"] = "-1"  # a negative amount is the rules' to report
    raw = json.dumps(doc).replace('"total_value_usd": 812500.0', '"total_value_usd": 12345678901234.567891')
    sub = parse_json(raw.encode(), "s.json")
    assert sub.error is None or "10^12" in sub.error.message
    raw = json.dumps(doc).replace('"total_value_usd": 812500.0', '"total_value_usd": 812500.000000000000000001')
    sub = parse_json(raw.encode(), "s.json").submission
    assert sub.certificate.total_carats == Decimal("1250.50") and str(sub.certificate.total_carats) == "1250.50"
    assert sub.certificate.lines[0].value_usd == Decimal(812500)
    assert sub.certificate.total_value_usd == Decimal("812500.000000000000000001")
    assert sub.state_control_act.carats == Decimal(-1)


@pytest.mark.parametrize("key", ["title", "direction", "number"])
def test_a_repeated_json_key_is_an_error_naming_it(key, tmp_path):
    text = json.dumps(base())
    if key == "direction":
        text = text.replace('"direction": "export"', '"direction": "export", "direction": "import"')
    elif key == "title":
        text = text.replace('"title": ', '"title": "Kimberley Process Certificate", "title": ')
    else:
        text = text.replace('"number": "KZ000123"', '"number": "KZ000123", "number": "KZ000124"')
    (tmp_path / "s.json").write_text(text, encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(json.dumps(base()) + "\n" + text + "\n", encoding="utf-8")
    loaded = list(read_sources([tmp_path]))
    assert [one.submission is None for one in loaded] == [False, True, True]
    for one in loaded[1:]:
        assert f"the key '{key}' is repeated in one object" in one.error.message
        assert one.error.location.endswith(f": {key}")
    assert loaded[1].source.endswith("b.jsonl:2")
    assert loaded[2].raw_id == "ALA-2024-0007"


def test_a_repeated_key_in_a_body_of_the_library_face_is_an_error():
    text = json.dumps(base()).replace('"direction": "export"', '"direction": "export", "direction": "import"')
    result = Checker.load(engine="python").check_data(text)
    assert result.status == "error" and "repeated" in result.error["message"]


@pytest.mark.parametrize("where", ["issuing_country", "exporter", "importer", "origin"])
def test_country_codes_are_read_trimmed_and_upper_cased(where):
    doc = base()
    cert = doc["certificate"]
    if where == "issuing_country":
        cert["issuing_country"] = " kz"
    elif where == "origin":
        cert["origin"]["countries"] = ["ru "]
    else:
        cert[where]["country"] = cert[where]["country"].lower()
    sub = parse_data(doc, "<data>").submission
    assert sub.certificate.issuing_country == "KZ"
    assert sub.certificate.exporter.country == "KZ" and sub.certificate.importer.country == "AE"
    assert sub.certificate.origin.countries == ["RU"]


def test_a_lower_case_issuing_country_is_kz_for_every_rule():
    """`kz` gave COND-04 and TRADE-04 but not FORM-04: read once as KZ, a compliant export stays compliant."""
    checker = Checker.load(engine="python")
    doc = base()
    doc["certificate"]["issuing_country"] = "kz"
    doc["certificate"]["exporter"]["country"] = "kz "
    result = checker.check_data(doc)
    assert result.status == "compliant", [f.rule for f in result.findings]


@pytest.mark.parametrize(
    "path, value", [("schema_version", True), ("schema_version", 1.0), ("certificate.number", ""), ("certificate.issuing_country", "")]
)
def test_check_reports_status_error_with_the_path(path, value, tmp_path):
    from kpcheck.cli.main import main

    file = tmp_path / "s.json"
    file.write_text(json.dumps(_set(base(), path, value)), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(file), "--engine", "python", "--format", "json"])
    assert result.exit_code == 2
    (one,) = json.loads(result.stdout)["results"]
    assert one["status"] == "error" and one["error"]["location"] == f"{file}: {path}"


AMOUNTS = [
    # (the value as given, the Decimal read, or the words of the error)
    (Decimal("812500.00"), Decimal("812500.00"), None),
    (Decimal("1E+5"), Decimal("100000"), None),
    (Decimal("0E-30"), Decimal("0E-30"), None),
    (Decimal("1.0000000000000000000"), Decimal("1.0000000000000000000"), None),
    (Decimal("1.00000000000000000001"), None, "more than 18 decimal places"),
    (Decimal("999999999999.999"), Decimal("999999999999.999"), None),
    (Decimal("-1E+12"), None, "10^12 or more"),
    (Decimal("NaN"), None, "finite number"),
    (Decimal("-Infinity"), None, "finite number"),
    (999999999999, Decimal("999999999999"), None),
    (10**12, None, "10^12 or more"),
    (123.456, Decimal("123.456"), None),
    (1.2345678901234567e-4, None, "more than 18 decimal places"),
    (1e16, None, "10^12 or more"),
    (float("nan"), None, "finite number"),
    (Decimal("1E-7"), Decimal("1E-7"), None),
    (Decimal("1.23E-16"), Decimal("1.23E-16"), None),
    (Decimal("1.23E-17"), None, "more than 18 decimal places"),
    (Decimal("1000000000000.0"), None, "10^12 or more"),
    (Decimal("-999999999999.5"), Decimal("-999999999999.5"), None),
    (Decimal("-0.0"), Decimal("-0.0"), None),
    (Decimal("0E+20"), Decimal("0"), None),
    ("-0.50", Decimal("-0.50"), None),
    ("1e5", None, "plain decimal number"),
    (True, None, "a number or a text"),
]


@pytest.mark.parametrize(("given", "read", "words"), AMOUNTS, ids=[repr(a[0]) for a in AMOUNTS])
def test_an_amount_of_every_kind_reads_exactly_or_says_why_not(given, read, words):
    """One validator reads an amount and holds it to the input limits (issue 26): what it reads
    keeps its digits and exponent; what it refuses says why, at the field's path."""
    from pydantic import ValidationError

    from kpcheck.input.models import Line

    if read is not None:
        got = Line.model_validate({"carats": given}).carats
        assert got == read and got.as_tuple() == read.as_tuple()
    else:
        with pytest.raises(ValidationError) as caught:
            Line.model_validate({"carats": given})
        assert words in str(caught.value) and caught.value.errors()[0]["loc"] == ("carats",)


def _by_digit_tuple(value: Decimal) -> Decimal | str:
    """The amount's reading as it was written before issue 26 took the places from the text:
    from the digit tuple's exponent (the oracle of the test below)."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        return "not finite"
    if exponent > 0:
        value = Decimal(format(value, "f"))
    if not Decimal(-(10**12)) < value < Decimal(10**12):
        return "10^12 or more"
    if exponent < -18 and value.scaleb(18) != value.scaleb(18).to_integral_value():
        return "more than 18 decimal places"
    return value


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True),
        st.builds(lambda d, e: d.scaleb(e), st.decimals(allow_nan=False, allow_infinity=False, places=3), st.integers(-30, 16)),
        st.builds(Decimal, st.from_regex(r"-?[0-9]{1,14}\.[0-9]{0,22}", fullmatch=True)),
    )
)
def test_an_amount_reads_as_its_digit_tuple_says(value):
    """The places and the limit are read from the Decimal's text (cheaper than its digit tuple);
    on every Decimal the reading is the one the digit tuple gives: the same value, digits and
    exponent, or the same refusal."""
    from pydantic import ValidationError

    from kpcheck.input.models import Line

    expected = _by_digit_tuple(value)
    try:
        got = Line.model_validate({"carats": value}).carats
    except ValidationError as exc:
        assert isinstance(expected, str) and (expected in str(exc) or expected == "not finite"), (value, str(exc))
    else:
        assert not isinstance(expected, str), (value, got)
        assert got.as_tuple() == expected.as_tuple()
