"""Reference data: the shipped files, the "as of date" queries, and every refused kind of file."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpcheck.input.yamlio import load_yaml
from kpcheck.reference.queries import (
    DEFAULT_REGISTERS,
    Reference,
    ReferenceDataError,
    bin_check_digit_ok,
    check_reference,
    load_reference,
)

ROOT = Path(__file__).parents[1]
RULES = ROOT / "rules"
D = date.fromisoformat


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference(RULES)


# --- Helpers: small rules folders and error checks ----------------------------------------

MINIMAL_PARTICIPANTS = """\
participants:
  EU: {name: European Union, periods: [{from: 2003-01-01, status: member}]}
  CF:
    name: Central African Republic
    periods:
      - {from: 2003-01-01, to: 2013-05-22, status: member}
      - {from: 2013-05-23, status: suspended}
"""

CALENDAR_HEAD = """\
generated_by: test
package: holidays
package_version: "0.109"
country: KZ
years: {from: 2024, to: 2024}
calendar:
  2024:
    non_working:
      - {date: 2024-01-01, name: New Year's Day}
    working:
      - {date: 2024-05-04, name: transfer}
    status: confirmed
"""


def rules_copy(tmp_path: Path, source: Path = RULES) -> Path:
    """A writable copy of a rules folder's reference data (by default the shipped one)."""
    rules = tmp_path / "rules"
    shutil.copytree(source / "reference", rules / "reference")
    return rules


HS_TNVED = 'tnved_of_hs:\n  "7102.10": "7102100000"\n  "7102.21": "7102210000"\n'


def write(rules: Path, name: str, text: str) -> Path:
    path = rules / "reference" / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small valid rules folder, so that each load in a property test is quick."""
    rules = tmp_path_factory.mktemp("tiny") / "rules"
    (rules / "reference").mkdir(parents=True)
    write(rules, "participants.yaml", MINIMAL_PARTICIPANTS)
    write(rules, "eaeu.yaml", "members:\n  KZ: {from: 2015-01-01}\n")
    write(rules, "calendar-kz.yaml", CALENDAR_HEAD)
    write(rules, "calendar-overrides.yaml", "overrides: []\n")
    write(rules, "hs-tnved.yaml", HS_TNVED)
    assert check_reference(rules) == []
    return rules


def first_error(rules: Path, registers: Path | None = None) -> ReferenceDataError:
    """The first problem found, which the loader raises."""
    errors = check_reference(rules, registers)
    assert errors
    with pytest.raises(ReferenceDataError) as raised:
        load_reference(rules, registers)
    assert str(raised.value) == str(errors[0])
    assert str(errors[0]) == f"{errors[0].location}: {errors[0].message}"
    return errors[0]


def assert_error(error: ReferenceDataError, path: Path, line: int, code: str) -> None:
    assert (error.location.file, error.location.line, error.code) == (str(path), line, code), str(error)


# --- The shipped files ---------------------------------------------------------------------


def test_shipped_reference_has_no_problems() -> None:
    assert check_reference(RULES, None) == []


def test_files_read(ref: Reference) -> None:
    assert [p.name for p in ref.law_files] == [
        "participants.yaml",
        "eaeu.yaml",
        "calendar-kz.yaml",
        "calendar-overrides.yaml",
        "hs-tnved.yaml",
    ]
    assert all(p.parent == RULES / "reference" for p in ref.law_files)
    assert ref.register_files == tuple(DEFAULT_REGISTERS / n for n in ("signers.yaml", "customs-points.yaml", "entities.yaml"))
    assert DEFAULT_REGISTERS == ROOT / "registers" / "example"


def test_example_registers_hold_exactly_the_rulebook_entries() -> None:
    expected = {
        "signers.yaml": {
            "KZ-SC-014": ("A. Nurlanov", "2020-01-01", None),
            "KZ-SC-021": ("D. Seitkali", "2018-01-01", "2023-12-31"),
            "KZ-SC-030": ("M. Omarova", "2022-06-01", None),
        },
        "customs-points.yaml": {"ALA-CP-01": ("Almaty", "2016-06-20", None), "NQZ-CP-01": ("Astana", "2016-06-20", None)},
        "entities.yaml": {"140240012345": ("Altyn Almas LLP", "2016-01-01", None), "180540067896": ("Qazaq Rough JSC", "2018-05-01", None)},
    }
    for name, entries in expected.items():
        path = DEFAULT_REGISTERS / name
        assert "EXAMPLE DATA" in path.read_text(encoding="utf-8").splitlines()[0]
        doc = load_yaml(path)
        assert doc["example"] is True
        (key,) = set(doc) - {"example"}
        found = {
            k: (v["name"], str(v["periods"][0]["from"]), str(v["periods"][0]["to"]) if "to" in v["periods"][0] else None)
            for k, v in doc[key].items()
        }
        assert found == entries
        assert all(len(v["periods"]) == 1 for v in doc[key].values())


def test_loading_does_not_import_holidays() -> None:
    code = (
        "import sys; from pathlib import Path; from kpcheck.reference.queries import load_reference; "
        f"load_reference(Path({str(RULES)!r})); print('holidays' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "False"


# --- Working days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "damaged, deadline",
    [
        ("2024-03-15", "2024-03-27"),  # Nauryz 21-23 March and the 25th off
        ("2024-04-29", "2024-05-06"),  # 1 May off; Saturday 4 May worked by transfer
        ("2024-05-03", "2024-05-14"),  # Saturday 4 May worked; 7, 8 and 9 May off
        ("2025-01-01", "2025-01-10"),  # 2, 3 and 7 January off; Sunday 5 January worked
    ],
)
def test_rulebook_worked_deadlines(ref: Reference, damaged: str, deadline: str) -> None:
    assert ref.add_working_days(D(damaged), 5) == D(deadline)
    assert ref.working_days_between(D(damaged), D(deadline)) == 5
    assert ref.working_days_between(D(damaged), D(deadline) - timedelta(days=1)) == 4


@pytest.mark.parametrize(
    "day, working",
    [
        ("2024-05-04", True),  # Saturday made a working day
        ("2024-05-08", False),  # Wednesday, the day off moved from 4 May
        ("2024-03-25", False),  # Monday, Nauryz moved off Saturday 23 March
        ("2025-01-05", True),  # Sunday made a working day
        ("2024-03-26", True),
        ("2024-03-30", False),  # an ordinary Saturday
        ("2026-08-31", True),  # no Constitution Day in 2026 (holidays 0.109; see the overrides file)
        ("2027-03-15", False),  # Constitution Day on its new date
    ],
)
def test_is_working_day(ref: Reference, day: str, working: bool) -> None:
    assert ref.is_working_day(D(day)) is working


def test_calendar_matches_pinned_holidays_package(ref: Reference) -> None:
    holidays = pytest.importorskip("holidays")
    assert holidays.__version__ == "0.109"
    kz = holidays.country_holidays("KZ", years=range(2012, 2051))
    day = date(2012, 1, 1)
    while day <= date(2050, 12, 31):
        assert ref.is_working_day(day) is kz.is_working_day(day), day
        day += timedelta(days=1)


def test_generated_calendar_is_up_to_date() -> None:
    pytest.importorskip("holidays")
    from tools import gen_calendar as module

    assert module.main(["--check"]) == 0


def test_working_day_edge_cases(ref: Reference) -> None:
    assert ref.add_working_days(D("2024-05-03"), 0) == D("2024-05-03")
    assert ref.working_days_between(D("2024-05-10"), D("2024-05-01")) == 0
    assert ref.working_days_between(D("2024-05-10"), D("2024-05-10")) == 0
    with pytest.raises(ValueError):
        ref.add_working_days(D("2024-05-03"), -1)
    assert not ref.calendar.covers(D("2051-01-02"))
    assert ref.is_working_day(D("2051-01-02")) is True  # plain week outside the generated years
    assert ref.working_day_deadline(D("2051-01-02"), 5) is None  # but no deadline is computed there
    assert ref.working_day_deadline(D("2050-12-28"), 5) is None  # nor one that ends there


@settings(max_examples=300, deadline=None)
@given(start=st.dates(date(2011, 12, 1), date(2028, 1, 31)), n=st.integers(0, 40))
def test_add_and_count_agree(ref: Reference, start: date, n: int) -> None:
    end = ref.add_working_days(start, n)
    assert ref.working_days_between(start, end) == n
    if n:
        assert ref.is_working_day(end)
        assert ref.working_days_between(start, end - timedelta(days=1)) == n - 1
    brute = sum(ref.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))
    assert brute == n


# --- Participants ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, on, resolved, status",
    [
        ("VE", "2012-06-01", "VE", "self_suspended"),
        ("VE", "2019-06-01", "VE", "member"),
        ("CF", "2014-06-01", "CF", "suspended"),
        ("CF", "2020-06-01", "CF", "partial"),
        ("CF", "2024-11-14", "CF", "partial"),
        ("CF", "2025-06-01", "CF", "member"),
        ("GB", "2019-06-01", "EU", "member"),
        ("GB", "2020-12-31", "EU", "member"),
        ("GB", "2021-01-01", "GB", "member"),
        ("GB", "2022-06-01", "GB", "member"),
        ("UZ", "2024-11-14", "UZ", None),
        ("UZ", "2024-11-15", "UZ", "member"),
        ("NO", "2024-01-01", "NO", "member"),
        ("DE", "2024-01-01", "EU", "member"),
        ("HR", "2013-06-30", None, None),  # before accession; not a participant on its own
        ("HR", "2013-07-01", "EU", "member"),
        ("GL", "2024-01-01", "EU", "member"),
        ("HK", "2024-01-01", "CN", "member"),
        ("MO", "2024-01-01", "CN", "member"),
        ("TW", "2024-01-01", "TW", "member"),
        ("EU", "2024-01-01", "EU", "member"),
        ("CG", "2005-01-01", "CG", None),  # expelled 2004, readmitted 2007
        ("XX", "2024-01-01", None, None),
        (None, "2024-01-01", None, None),
        ("  ", "2024-01-01", None, None),
        (" no ", "2024-01-01", "NO", "member"),  # trimmed and upper-cased
    ],
)
def test_participant_resolution_and_status(ref: Reference, code: str | None, on: str, resolved: str | None, status: str | None) -> None:
    assert ref.resolve_participant(code, D(on)) == resolved
    assert ref.participant_status(code, D(on)) == status


def test_norway_is_a_string_key_under_yaml_1_2(ref: Reference) -> None:
    assert "NO" in ref.participants
    assert False not in ref.participants
    assert ref.resolve_participant("NO", D("2020-01-01")) == "NO"


def test_number_prefixes(ref: Reference) -> None:
    assert ref.number_prefixes("KZ", D("2024-01-01")) == {"KZ"}
    assert ref.number_prefixes("HK", D("2024-01-01")) == {"HK", "CN"}
    assert ref.number_prefixes("TW", D("2024-01-01")) == {"TW"}
    assert ref.number_prefixes("XX", D("2024-01-01")) == {"XX"}
    assert ref.number_prefixes(None, D("2024-01-01")) == frozenset()
    eu_2024 = ref.number_prefixes("DE", D("2024-01-01"))
    assert {"EU", "DE", "FR", "HR", "PL"} <= eu_2024 and "GB" not in eu_2024
    assert len(eu_2024) == 28  # EU and the 27 member states
    assert "HR" not in ref.number_prefixes("DE", D("2013-06-30"))
    assert "HR" in ref.number_prefixes("DE", D("2013-07-01"))
    assert "GB" in ref.number_prefixes("FR", D("2020-12-31"))
    assert ref.number_prefixes("GB", D("2019-06-01")) >= {"GB", "EU", "DE"}
    assert ref.number_prefixes("GB", D("2022-06-01")) == {"GB"}
    assert ref.number_prefixes("GL", D("2024-01-01")) >= {"GL", "EU", "DK"}


@pytest.mark.parametrize(
    "code, on, member",
    [
        ("AM", "2015-01-01", False),
        ("AM", "2015-01-02", True),
        ("KG", "2015-08-11", False),
        ("KG", "2015-08-12", True),
        ("KZ", "2014-12-31", False),
        ("KZ", "2015-01-01", True),
        ("BY", "2024-01-01", True),
        ("RU", "2024-01-01", True),
        ("AE", "2024-01-01", False),
        ("XX", "2024-01-01", False),
        (None, "2024-01-01", False),
    ],
)
def test_eaeu_membership(ref: Reference, code: str | None, on: str, member: bool) -> None:
    assert ref.is_eaeu_member(code, D(on)) is member


# --- Registers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "signer, on, registered",
    [
        ("KZ-SC-021", "2017-12-31", False),
        ("KZ-SC-021", "2018-01-01", True),
        ("KZ-SC-021", "2023-12-31", True),
        ("KZ-SC-021", "2024-01-01", False),
        ("KZ-SC-014", "2019-12-31", False),
        ("KZ-SC-014", "2020-01-01", True),
        ("KZ-SC-030", "2022-05-31", False),
        ("KZ-SC-030", "2022-06-01", True),
        ("KZ-SC-999", "2024-01-01", False),
        (None, "2024-01-01", False),
        ("", "2024-01-01", False),
    ],
)
def test_signers(ref: Reference, signer: str | None, on: str, registered: bool) -> None:
    assert ref.signer_registered(signer, D(on)) is registered


def test_customs_points_and_entities(ref: Reference) -> None:
    for office in ("ALA-CP-01", "NQZ-CP-01"):
        assert not ref.customs_point_designated(office, D("2016-06-19"))
        assert ref.customs_point_designated(office, D("2016-06-20"))
    assert not ref.customs_point_designated("SCO-CP-01", D("2024-01-01"))
    assert not ref.entity_registered("140240012345", D("2015-12-31"))
    assert ref.entity_registered("140240012345", D("2016-01-01"))
    assert not ref.entity_registered("180540067896", D("2018-04-30"))
    assert ref.entity_registered("180540067896", D("2018-05-01"))
    assert not ref.entity_registered("140240012346", D("2024-01-01"))
    assert not ref.entity_registered(None, D("2024-01-01"))


def test_bin_check_digit() -> None:
    assert bin_check_digit_ok("140240012345")
    assert bin_check_digit_ok("180540067896")
    for good in ("140240012345", "180540067896"):
        for digit in "0123456789":
            if digit != good[-1]:
                assert not bin_check_digit_ok(good[:-1] + digit)
    for bad in ("", "14024001234", "1402400123456", "14024001234a", "١٤٠٢٤٠٠١٢٣٤٥"):
        assert not bin_check_digit_ok(bad)


def test_bin_check_digit_second_weights() -> None:
    def weighted(prefix: str, weights: tuple[int, ...]) -> int:
        return sum(w * int(c) for w, c in zip(weights, prefix)) % 11

    first, second = tuple(range(1, 12)), (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
    prefixes = (f"{i:011d}" for i in range(10**5, 10**6))
    retry = next(p for p in prefixes if weighted(p, first) == 10 and weighted(p, second) < 10)
    assert bin_check_digit_ok(retry + str(weighted(retry, second)))
    invalid = next(p for p in (f"{i:011d}" for i in range(10**6)) if weighted(p, first) == 10 and weighted(p, second) == 10)
    assert not any(bin_check_digit_ok(invalid + d) for d in "0123456789")


def test_example_registers_by_default(ref: Reference) -> None:
    assert ref.example_registers is True


SIGNERS_OFFICIAL = "signers:\n  KZ-SC-777: {name: B. Test, periods: [{from: 2021-01-01}]}\n"
CUSTOMS_OFFICIAL = "customs_points:\n  SCO-CP-01: {name: Shymkent, periods: [{from: 2020-01-01}]}\n"
ENTITIES_OFFICIAL = 'entities:\n  "180540067896": {name: Qazaq Rough JSC, periods: [{from: 2019-01-01}]}\n'


def test_official_registers_replace_all(tmp_path: Path) -> None:
    (tmp_path / "signers.yaml").write_text(SIGNERS_OFFICIAL)
    (tmp_path / "customs-points.yaml").write_text("example: false\n" + CUSTOMS_OFFICIAL)
    (tmp_path / "entities.yaml").write_text(ENTITIES_OFFICIAL)
    ref = load_reference(RULES, tmp_path)
    assert ref.example_registers is False
    assert ref.register_files == tuple(tmp_path / n for n in ("signers.yaml", "customs-points.yaml", "entities.yaml"))
    assert ref.signer_registered("KZ-SC-777", D("2021-01-01"))
    assert not ref.signer_registered("KZ-SC-014", D("2021-01-01"))
    assert ref.customs_point_designated("SCO-CP-01", D("2021-01-01"))
    assert not ref.customs_point_designated("ALA-CP-01", D("2021-01-01"))
    assert not ref.entity_registered("180540067896", D("2018-12-31"))
    assert not ref.entity_registered("140240012345", D("2021-01-01"))


def test_registers_replaced_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "signers.yaml").write_text(SIGNERS_OFFICIAL)
    ref = load_reference(RULES, tmp_path)
    assert ref.example_registers is True  # customs points and entities are still the examples
    assert ref.register_files[0] == tmp_path / "signers.yaml"
    assert ref.register_files[1:] == (DEFAULT_REGISTERS / "customs-points.yaml", DEFAULT_REGISTERS / "entities.yaml")
    assert ref.signer_registered("KZ-SC-777", D("2021-01-01"))
    assert not ref.signer_registered("KZ-SC-014", D("2021-01-01"))
    assert ref.customs_point_designated("ALA-CP-01", D("2021-01-01"))


def test_a_supplied_file_marked_example_counts_as_example(tmp_path: Path) -> None:
    for name in ("signers.yaml", "customs-points.yaml", "entities.yaml"):
        shutil.copy(DEFAULT_REGISTERS / name, tmp_path / name)
    assert load_reference(RULES, tmp_path).example_registers is True


# --- Overrides -------------------------------------------------------------------------


def test_overrides_win(tmp_path: Path) -> None:
    rules = rules_copy(tmp_path)
    write(
        rules,
        "calendar-overrides.yaml",
        (
            "overrides:\n"
            "  - {date: 2024-03-27, working: false, reason: test, source: test}\n"
            "  - {date: 2024-05-04, working: false, reason: test, source: test}\n"
            "  - {date: 2024-03-23, working: true, reason: test, source: test}\n"
            "  - {date: 2051-01-03, working: false, reason: beyond the generated years, source: test}\n"
        ),
    )
    ref = load_reference(rules)
    assert ref.add_working_days(D("2024-03-15"), 5) == D("2024-03-26")  # Saturday 23rd worked
    assert not ref.is_working_day(D("2024-03-27"))
    assert not ref.is_working_day(D("2024-05-04"))
    assert ref.add_working_days(D("2024-04-29"), 5) == D("2024-05-10")  # 4 May no longer worked
    assert not ref.is_working_day(D("2051-01-03"))


# --- Refused files: each kind, with its file, line and code ------------------------------


@pytest.mark.parametrize(
    "text, line, code, words",
    [
        (MINIMAL_PARTICIPANTS.replace("2013-05-23", "2013-13-23"), 7, "REF001", "2013-13-23 is not a valid date"),
        (MINIMAL_PARTICIPANTS.replace("from: 2013-05-23", 'from: "2013-05-23"'), 7, "REF001", "date"),
        (MINIMAL_PARTICIPANTS.replace("to: 2013-05-22", "to: 2002-05-22"), 6, "REF001", "before"),
        (MINIMAL_PARTICIPANTS.replace("status: suspended", "status: banned"), 7, "REF002", "banned"),
        (MINIMAL_PARTICIPANTS.replace("2013-05-23", "2013-05-22"), 7, "REF003", "overlaps"),
        (MINIMAL_PARTICIPANTS.replace("to: 2013-05-22, ", ""), 7, "REF003", "overlaps"),
        (
            MINIMAL_PARTICIPANTS.replace("to: 2013-05-22, ", "").replace(
                "{from: 2013-05-23, status: suspended}",
                "{from: 2013-05-23, to: 2013-06-01, status: suspended}\n      - {from: 2014-01-01, status: partial}",
            ),
            7,
            "REF003",
            "overlaps",
        ),
        (MINIMAL_PARTICIPANTS.replace("    name: Central", "    nmae: Central"), 4, "REF005", "'name'"),
        (MINIMAL_PARTICIPANTS.replace("    name: Central African Republic\n", ""), 3, "REF005", "missing required key 'name'"),
        (MINIMAL_PARTICIPANTS.replace("{from: 2013-05-23, status: suspended}", "{from: 2013-05-23}"), 7, "REF005", "status"),
        (MINIMAL_PARTICIPANTS.replace("  CF:", "  Cf:"), 3, "REF008", "country code"),
        (MINIMAL_PARTICIPANTS.replace("  CF:", "  CAF:"), 3, "REF008", "country code"),
        (MINIMAL_PARTICIPANTS + "  CF: {name: Again, periods: [{from: 2020-01-01, status: member}]}\n", 8, "REF007", "duplicate key 'CF'"),
        (MINIMAL_PARTICIPANTS + "trading_entities:\n  CF: {name: X, since: 2003-01-01}\n", 9, "REF007", "already listed"),
        (MINIMAL_PARTICIPANTS + "also_resolve:\n  HK: CN\n", 9, "REF008", "not a participant"),
        (
            "eu_members:\n  DE: {from: 2003-01-01}\nparticipants:\n  CF: {name: X, periods: [{from: 2003-01-01, status: member}]}\n",
            3,
            "REF008",
            "EU",
        ),
        (MINIMAL_PARTICIPANTS + "eu_members:\n  CF: {from: 2003-01-01}\n", 9, "REF003", "same days"),
        (MINIMAL_PARTICIPANTS + "eu_also: [GL, GL]\n", 8, "REF007", "already listed"),
        (MINIMAL_PARTICIPANTS + "eaeu_members:\n  AM: {from: 2015-01-02}\n", 8, "REF005", "unknown key"),
        ("- AO\n- AM\n", 1, "REF005", "mapping"),
        ("", 1, "REF005", "empty"),
        ("participants: {EU: [}\n", 1, "REF009", ""),
        ("participants: []\n", 1, "REF005", "dictionary"),
    ],
)
def test_refused_participants(tmp_path: Path, tiny_rules: Path, text: str, line: int, code: str, words: str) -> None:
    rules = rules_copy(tmp_path, tiny_rules)
    path = write(rules, "participants.yaml", text)
    error = first_error(rules)
    assert_error(error, path, line, code)
    assert words in error.message


def test_minimal_participants_load(tiny_rules: Path) -> None:
    ref = load_reference(tiny_rules)
    assert ref.participant_status("CF", D("2013-05-23")) == "suspended"


def test_unknown_key_comes_first_and_suggests_the_known_one(tmp_path: Path, tiny_rules: Path) -> None:
    rules = rules_copy(tmp_path, tiny_rules)
    write(rules, "participants.yaml", MINIMAL_PARTICIPANTS.replace("status: suspended", "statsu: x"))
    errors = check_reference(rules)
    assert [e.code for e in errors] == ["REF005", "REF005"]
    assert errors[0].message.endswith("unknown key 'statsu' (did you mean 'status'?)")
    assert errors[1].message.endswith("missing required key 'status'")
    assert errors[0].location.line == errors[1].location.line == 7


@pytest.mark.parametrize(
    "name, text, line, code",
    [
        ("calendar-kz.yaml", CALENDAR_HEAD.replace("2024-05-04", "2024-05-06"), 11, "REF001"),
        ("calendar-kz.yaml", CALENDAR_HEAD.replace("2024-01-01", "2023-01-02"), 9, "REF001"),
        ("calendar-kz.yaml", CALENDAR_HEAD.replace("    status:", "      - {date: 2024-05-04, name: again}\n    status:"), 12, "REF007"),
        ("calendar-kz.yaml", CALENDAR_HEAD.replace("to: 2024}", "to: 2025}"), 6, "REF005"),
        ("calendar-kz.yaml", CALENDAR_HEAD.replace("package: holidays", "package: workalendar"), 2, "REF005"),
        ("calendar-kz.yaml", CALENDAR_HEAD.replace('package_version: "0.109"\n', ""), 1, "REF005"),
        ("calendar-overrides.yaml", "overrides:\n  - {date: 2024-01-02, working: yes, reason: r, source: s}\n", 2, "REF005"),
        ("calendar-overrides.yaml", "overrides:\n  - {date: 2024-01-02, working: true, reason: r}\n", 2, "REF005"),
        (
            "calendar-overrides.yaml",
            "overrides:\n  - {date: 2024-01-02, working: true, reason: r, source: s}\n"
            "  - {date: 2024-01-02, working: false, reason: r, source: s}\n",
            3,
            "REF007",
        ),
        ("eaeu.yaml", "members:\n  AM: {from: 2015-01-02}\n  kg: {from: 2015-08-12}\n", 3, "REF008"),
        ("eaeu.yaml", "members:\n  AM: {from: 2015-01-02, to: 2014-01-01}\n", 2, "REF001"),
        ("eaeu.yaml", "members:\n  AM: {from: 2015-02-30}\n", 2, "REF001"),
        ("hs-tnved.yaml", "tnved_of_hs: {}\n", 1, "REF005"),
        ("hs-tnved.yaml", HS_TNVED + '  "7102.3": "7102300000"\n', 4, "REF008"),
        ("hs-tnved.yaml", HS_TNVED + '  "7102.39": "710239000"\n', 4, "REF008"),
        ("hs-tnved.yaml", HS_TNVED + '  "7102.39": 7102390000\n', 4, "REF005"),
        ("hs-tnved.yaml", HS_TNVED + '  "7102.39": "7102310000"\n', 4, "REF008"),
        ("hs-tnved.yaml", HS_TNVED.replace('"7102210000"', '"7102100000"'), 3, "REF008"),
        ("hs-tnved.yaml", HS_TNVED + "tnved: {}\n", 4, "REF005"),
    ],
)
def test_refused_law_files(tmp_path: Path, tiny_rules: Path, name: str, text: str, line: int, code: str) -> None:
    rules = rules_copy(tmp_path, tiny_rules)
    path = write(rules, name, text)
    assert_error(first_error(rules), path, line, code)


@pytest.mark.parametrize(
    "name, text, line, code",
    [
        ("entities.yaml", 'entities:\n  "140240012346": {name: X, periods: [{from: 2016-01-01}]}\n', 2, "REF004"),
        ("entities.yaml", "entities:\n  140240012345: {name: X, periods: [{from: 2016-01-01}]}\n", 2, "REF004"),
        ("entities.yaml", 'entities:\n  "1402400123": {name: X, periods: [{from: 2016-01-01}]}\n', 2, "REF004"),
        (
            "signers.yaml",
            "signers:\n  KZ-SC-1: {name: X, periods: [{from: 2016-01-01, to: 2018-01-01}, {from: 2017-01-01}]}\n",
            2,
            "REF003",
        ),
        ("signers.yaml", "signers:\n  KZ-SC-1: {name: X, periods: []}\n", 2, "REF005"),
        (
            "signers.yaml",
            "example: false\nsigners:\n  KZ-SC-1: {name: X, periods: [{from: 2016-01-01}]}\n"
            "  KZ-SC-1: {name: Y, periods: [{from: 2017-01-01}]}\n",
            4,
            "REF007",
        ),
        ("customs-points.yaml", "customs_point:\n  ALA-CP-01: {name: Almaty, periods: [{from: 2016-06-20}]}\n", 1, "REF005"),
        ("customs-points.yaml", "customs_points:\n  ALA-CP-01: {name: Almaty, from: 2016-06-20}\n", 2, "REF005"),
    ],
)
def test_refused_registers(tmp_path: Path, tiny_rules: Path, name: str, text: str, line: int, code: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert_error(first_error(tiny_rules, tmp_path), path, line, code)


def test_missing_files(tmp_path: Path, tiny_rules: Path) -> None:
    rules = rules_copy(tmp_path, tiny_rules)
    (rules / "reference" / "eaeu.yaml").unlink()
    error = first_error(rules)
    assert error.code == "REF006" and error.location.file.endswith("eaeu.yaml")
    error = first_error(tiny_rules, tmp_path / "no-such-folder")
    assert error.code == "REF006" and "no-such-folder" in str(error)


def test_check_reference_collects_every_problem(tmp_path: Path, tiny_rules: Path) -> None:
    rules = rules_copy(tmp_path, tiny_rules)
    write(rules, "eaeu.yaml", "members:\n  AM: {from: 2015-01-02, since: 2015-01-02}\n  kg: 1\n")
    write(rules, "calendar-overrides.yaml", "overrides: {}\n")
    (tmp_path / "entities.yaml").write_text('entities:\n  "140240012346": {name: X, periods: []}\n')
    errors = check_reference(rules, tmp_path)
    assert [(Path(e.location.file).name, e.code) for e in errors] == [
        ("eaeu.yaml", "REF005"),
        ("eaeu.yaml", "REF008"),
        ("eaeu.yaml", "REF005"),
        ("calendar-overrides.yaml", "REF005"),
        ("entities.yaml", "REF004"),
        ("entities.yaml", "REF005"),
    ]
    with pytest.raises(ReferenceDataError) as raised:
        load_reference(rules, tmp_path)
    assert raised.value.code == "REF005" and raised.value.location.line == 2


def test_not_utf8_is_refused(tmp_path: Path, tiny_rules: Path) -> None:
    rules = rules_copy(tmp_path, tiny_rules)
    (rules / "reference" / "eaeu.yaml").write_bytes(b"members:\n  AM: {from: 2015-01-02} \xff\n")
    assert first_error(rules).code == "REF009"


YAML_BITS = st.sampled_from(
    [
        "",
        " ",
        "\n",
        ":",
        "- ",
        "{",
        "}",
        "[",
        "]",
        ",",
        "'",
        '"',
        "#",
        "&a ",
        "*a",
        "!!str ",
        "? ",
        "2020-13-01",
        "2020-02-30",
        "NO",
        "null",
        "true",
        "1.5",
        "140240012345",
        "from: ",
        "to: ",
        "status: ",
        "periods: ",
        "\t",
        "%YAML 1.1\n---\n",
        "\xff",
    ]
)


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_broken_files_raise_only_reference_errors(tiny_rules: Path, data: st.DataObject) -> None:
    """Whatever a register file holds, the loader answers with ReferenceErrors, never a crash."""
    name, base = data.draw(
        st.sampled_from(
            [
                ("signers.yaml", SIGNERS_OFFICIAL),
                ("entities.yaml", ENTITIES_OFFICIAL),
                ("customs-points.yaml", CUSTOMS_OFFICIAL),
                ("signers.yaml", MINIMAL_PARTICIPANTS.replace("participants", "signers")),
            ]
        )
    )
    at = data.draw(st.integers(0, len(base)))
    cut = data.draw(st.integers(0, 12))
    text = base[:at] + data.draw(YAML_BITS) + base[at + cut :]
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, name).write_text(text, encoding="utf-8", errors="surrogateescape")
        errors = check_reference(tiny_rules, Path(folder))
        assert all(isinstance(e, ReferenceDataError) and e.code.startswith("REF") for e in errors)
        try:
            load_reference(tiny_rules, Path(folder))
        except ReferenceDataError:
            assert errors
        else:
            assert not errors


def test_a_mapping_as_a_key_is_refused(tmp_path: Path, tiny_rules: Path) -> None:
    (tmp_path / "signers.yaml").write_text("? signers: {}\n: x\n")
    error = first_error(tiny_rules, tmp_path)
    assert error.code == "REF009" and error.location.file == str(tmp_path / "signers.yaml")


def test_tnved_of_the_shipped_hs_codes(ref: Reference) -> None:
    assert {hs: ref.tnved_of(hs) for hs in ("7102.10", "7102.21", "7102.31")} == {
        "7102.10": "7102100000",
        "7102.21": "7102210000",
        "7102.31": "7102310000",
    }
    assert ref.tnved_of("7102.39") is None and ref.tnved_of(None) is None


def test_hs_tnved_codes_are_described(tmp_path: Path, tiny_rules: Path) -> None:
    rules = rules_copy(tmp_path, tiny_rules)
    write(rules, "hs-tnved.yaml", 'tnved_of_hs:\n  "7102-10": "7102100000"\n  "7102.21": "71022100"\n')
    messages = [e.message for e in check_reference(rules)]
    assert any("'7102-10' is not an HS code" in m for m in messages), messages
    assert any("'71022100' is not a TN VED code" in m for m in messages), messages


def test_a_missing_hs_tnved_file_is_located(tmp_path: Path, tiny_rules: Path) -> None:
    rules = rules_copy(tmp_path, tiny_rules)
    (rules / "reference" / "hs-tnved.yaml").unlink()
    error = first_error(rules)
    assert error.code == "REF006" and error.location.file.endswith("hs-tnved.yaml")
