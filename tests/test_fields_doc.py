"""docs/submission-format.md is made from the models and the desk form's labels
(kpcheck/serve/fields.py) and printed by ``kpcheck rules fields``: it cannot drift."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import ROOT

from kpcheck.cli.main import main
from kpcheck.serve import fields

DOC = ROOT / "docs" / "submission-format.md"


def test_the_committed_document_is_what_the_models_and_the_form_make():
    assert DOC.read_text(encoding="utf-8") == fields.render("en"), "run: kpcheck rules fields -o docs/submission-format.md"


def test_every_field_of_the_models_has_a_label_a_meaning_and_a_row():
    assert fields.missing() == []
    text = DOC.read_text(encoding="utf-8")
    paths = [path for path, *_ in fields.rows()]
    assert len(paths) > 60 and len(set(paths)) == len(paths)
    for path in paths:
        assert f"| `{path}` |" in text, path
    for needed in ("certificate.lines[].carats", "state_control_act.controller_id", "customs.documents[].code", "duplicate.damaged_on"):
        assert needed in paths


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_rules_fields_prints_every_field_in_the_language_asked(lang):
    done = CliRunner().invoke(main, ["rules", "fields", "--lang", lang])
    assert done.exit_code == 0, done.output
    assert done.stdout == fields.render(lang)
    rows = [line for line in done.stdout.splitlines() if line.startswith("| `")]
    assert len(rows) == len(list(fields.rows()))
    ru, kk = "Номер сертификата", "Сертификат нөмірі"  # certificate.number's labels on the desk
    assert ru in done.stdout and kk in done.stdout
    if lang != "en":
        assert "required" not in done.stdout and "country code" not in done.stdout  # the headings and types translated too
