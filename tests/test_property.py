"""Both evaluators agree on thousands of random submissions (hypothesis)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import base
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpcheck.engine import durable
from kpcheck.input.reader import parse_json
from kpcheck.tooling.examples import apply_change

pytestmark = pytest.mark.skipif(not durable.AVAILABLE, reason="durable_rules does not import here")

dates = st.one_of(st.none(), st.dates(dt.date(2010, 1, 1), dt.date(2027, 12, 31)).map(dt.date.isoformat))
countries = st.sampled_from(["KZ", "AE", "VE", "CF", "GB", "UZ", "NO", "DE", "HK", "TW", "RU", "AM", "KG", "GL", "XX", "", None])
amounts = st.one_of(
    st.none(),
    st.decimals(-5, 10**6, places=3, allow_nan=False).map(str),
    st.sampled_from(["0", "0.01", "1250.50", "1250.505", "812500.00", "812500.01"]),
)
flags = st.sampled_from([True, False, None])
words = st.sampled_from(["KZ-SC-014", "KZ-SC-021", "KZ-SC-030", "KZ-SC-999", "", None])
MUTATIONS = {
    "direction": st.sampled_from(["export", "import"]),
    "presented_on": st.dates(dt.date(2010, 1, 1), dt.date(2027, 12, 31)).map(dt.date.isoformat),
    "certificate.number": st.sampled_from(["KZ000123", "kz 000-123", "AE0045871", "DE123", "EU99", "X1", "KZ"]),
    "certificate.issuing_country": countries.filter(lambda c: bool(c)),  # required: a blank one is an input error
    "certificate.issuing_authority": st.sampled_from(["Authority", " ", None]),
    "certificate.title": st.sampled_from(["Kimberley  Process CERTIFICATE", "Certificate", None]),
    "certificate.languages": st.lists(st.sampled_from(["en", "ru", "kk", "ar"]), max_size=3),
    "certificate.issued_on": dates,
    "certificate.expires_on": dates,
    "certificate.origin": st.one_of(
        st.none(), st.fixed_dictionaries({"mixed": flags, "countries": st.lists(countries.filter(bool), max_size=3)})
    ),
    "certificate.exporter.country": countries,
    "certificate.importer.country": countries,
    "certificate.importer.bin": st.sampled_from(["180540067896", "140240012345", "123", None]),
    "certificate.exporter.bin": st.sampled_from(["180540067896", "140240012345", "123", None]),
    "certificate.parcels": st.one_of(st.none(), st.integers(-1, 4)),
    "certificate.lines": st.lists(
        st.fixed_dictionaries(
            {"hs_code": st.sampled_from(["7102.10", "7102.21", "7102.31", "7103.10", None]), "carats": amounts, "value_usd": amounts}
        ),
        max_size=3,
    ),
    "certificate.total_carats": amounts,
    "certificate.total_value_usd": amounts,
    "certificate.signatures": st.lists(
        st.fixed_dictionaries(
            {"role": st.sampled_from(["state_controller", "exporting_authority", None]), "name": st.just("N"), "signer_id": words}
        ),
        max_size=3,
    ),
    "certificate.seals": st.lists(st.fixed_dictionaries({"authority": st.just("A")}), max_size=2),
    "certificate.condition": st.one_of(st.none(), st.fixed_dictionaries({"erasures": flags, "stains": flags, "damaged": flags})),
    "certificate.corrections": st.lists(
        st.fixed_dictionaries({"field": st.just("parcels"), "certified": flags, "certified_by": st.none()}), max_size=2
    ),
    "certificate.tamper_resistant": flags,
    "certificate.coupon": st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {"attached": flags, "received_on": dates, "authenticated": flags, "handwritten": flags, "sent_to_exporter_on": dates}
        ),
    ),
    "state_control_act": st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {
                "number": st.just("ASC-1"),
                "issued_on": dates,
                "controller_id": words,
                "carats": amounts,
                "value_usd": amounts,
                "parcels": st.one_of(st.none(), st.integers(0, 3)),
            }
        ),
    ),
    "customs": st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {
                "office": st.sampled_from(["ALA-CP-01", "NQZ-CP-01", "XXX", None]),
                "declared_on": dates,
                "tnved_codes": st.lists(st.sampled_from(["7102310000", "7102210000", "7102100000", "7103"]), max_size=2),
                "documents": st.lists(
                    st.fixed_dictionaries(
                        {
                            "code": st.sampled_from(["01241", "01143", "09999"]),
                            "number": st.sampled_from(["KZ000123", "ASC-ALA-2024-0031", "ASC-1", "x"]),
                            "date": dates,
                        }
                    ),
                    max_size=3,
                ),
            }
        ),
    ),
    "duplicate": st.one_of(
        st.none(),
        st.fixed_dictionaries({"original_number": st.sampled_from(["KZ000100", " ", None]), "damaged_on": dates, "returned_on": dates}),
    ),
}


@st.composite
def submissions(draw):
    doc = base(draw(st.sampled_from(["compliant-export", "compliant-import"])))
    for path in draw(st.lists(st.sampled_from(sorted(MUTATIONS)), max_size=8, unique=True)):
        apply_change(doc, path, draw(MUTATIONS[path]))
    return doc


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(submissions())
def test_durable_and_python_agree(engines, doc):
    loaded = parse_json(json.dumps(doc).encode(), "random")
    assert loaded.error is None, loaded.error
    python = engines["python"].evaluate(loaded.submission)
    other = engines["durable"].evaluate(loaded.submission)
    assert [f.rule for f in other.findings] == [f.rule for f in python.findings]
    assert other == python
