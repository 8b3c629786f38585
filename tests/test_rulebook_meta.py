"""Meta-tests on the shipped rulebook: the promises every rule file keeps."""

from __future__ import annotations

import re

import pytest

from kpcheck.rulebook.loader import RULES_DIR, Status, load_rulebook, rule_files
from kpcheck.tooling.examples import build

BOOK = load_rulebook(RULES_DIR)
IDS = [r.id for r in BOOK.rules]


def test_ids_unique_and_match_file_names():
    assert len(IDS) == len(set(IDS))
    assert sorted(p.stem for p in rule_files(RULES_DIR)) == sorted(IDS)
    for rule in BOOK.rules:
        assert rule.file.stem == rule.id
        assert rule.id.startswith(rule.family + "-"), f"{rule.id} is not in its family folder"


@pytest.mark.parametrize("rule", BOOK.rules, ids=IDS)
def test_triggering_and_clean_examples(rule):
    expects = [e.expect for e in rule.spec.examples]
    assert expects.count("triggers") >= 2, f"{rule.id} needs two triggering examples"
    assert "clean" in expects, f"{rule.id} needs a clean example"


@pytest.mark.parametrize("rule", BOOK.rules, ids=IDS)
def test_legal_basis_non_empty(rule):
    assert rule.spec.legal_basis
    for basis in rule.spec.legal_basis:
        assert basis.act.strip() and basis.provision.strip()


@pytest.mark.parametrize(
    "rule", [r for r in BOOK.rules if r.spec.scope == "submission"], ids=[r.id for r in BOOK.rules if r.spec.scope == "submission"]
)
def test_examples_on_each_side_of_entry_into_force(rule):
    start = rule.spec.in_force.from_
    dates = []
    for ex in rule.spec.examples:
        loaded = build(BOOK, ex, ex.name)
        if loaded.submission is not None:
            dates.append(loaded.submission.presented_on)
    assert any(d < start for d in dates), f"{rule.id}: no example presented before {start}"
    assert any(d >= start for d in dates)


def test_retired_rules_name_their_replacement():
    for rule in BOOK.rules:
        if rule.spec.status is Status.RETIRED:
            assert rule.spec.replaced_by and rule.spec.in_force.to


def test_every_rule_has_a_russian_text():
    missing = [r.id for r in BOOK.rules if "ru" not in r.spec.translations]
    assert not missing, f"rules without a Russian title/message: {missing}"


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_KAZAKH_ONLY = set("әғқңөұүһі")


@pytest.mark.parametrize("rule", BOOK.rules, ids=IDS)
def test_kazakh_title_and_message_in_draft_with_the_english_placeholders(rule):
    kk = rule.spec.translations.get("kk")
    assert kk is not None and kk.title and kk.message, f"{rule.id} has no Kazakh title and message"
    assert kk.draft, f"{rule.id}: the Kazakh text is marked draft until the legal staff review it"
    assert set(_PLACEHOLDER.findall(kk.message)) == set(_PLACEHOLDER.findall(rule.spec.message))
    assert _KAZAKH_ONLY & set((kk.title + kk.message).lower()), f"{rule.id}: not written in Kazakh letters"


def test_draft_is_a_yes_or_no(tmp_path):
    from pydantic import ValidationError

    from kpcheck.rulebook.loader import Translation

    assert Translation.model_validate({"title": "t", "message": "m", "draft": True}).draft
    assert not Translation.model_validate({"title": "t", "message": "m"}).draft
    with pytest.raises(ValidationError):
        Translation.model_validate({"title": "t", "message": "m", "draft": "maybe"})
