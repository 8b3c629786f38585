"""Titles and messages in the working languages, with the fall-back kk -> ru -> en."""

from __future__ import annotations

import json
import re
import shutil

from click.testing import CliRunner
from conftest import base

from kpcheck.cli.main import main
from kpcheck.rulebook.loader import RULES_DIR


def check(tmp_path, lang):
    doc = base()
    doc["certificate"]["condition"]["erasures"] = True
    doc["certificate"]["languages"] = ["kk", "ru"]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    result = CliRunner().invoke(main, ["check", "--lang", lang, "--format", "json", str(path)])
    assert result.exit_code == 1
    findings = {v["rule"]: v for v in json.loads(result.stdout)["results"][0]["violations"]}
    return findings, result.stderr


def test_english(tmp_path):
    findings, stderr = check(tmp_path, "en")
    assert findings["COND-01"]["message"].startswith("Certificate KZ000123 bears erasures")
    assert findings["FORM-03"]["title"].isascii()
    assert "no text in" not in stderr


def test_russian(tmp_path):
    findings, _ = check(tmp_path, "ru")
    assert findings["COND-01"]["title"] == "На сертификате есть подчистки"
    assert "KZ000123" in findings["COND-01"]["message"] and "недействителен" in findings["COND-01"]["message"]
    assert not findings["FORM-03"]["message"].isascii()


def test_kazakh(tmp_path):
    findings, stderr = check(tmp_path, "kk")
    assert findings["COND-01"]["title"] == "Сертификатта өшірулер бар"
    assert "жарамсыз" in findings["COND-01"]["message"]
    assert findings["FORM-03"]["message"].startswith("KZ000123 сертификаты ағылшын тілінде ресімделмеген")
    assert "no text in" not in stderr
    assert findings["COND-01"]["rule"] == "COND-01" and findings["COND-01"]["legal_basis"]


def test_kazakh_falls_back_to_russian_with_a_note(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    form03 = rules / "FORM" / "FORM-03.yaml"
    text = form03.read_text(encoding="utf-8")
    form03.write_text(re.sub(r"\n  kk:\n(    .*\n|      .*\n)+", "\n", text), encoding="utf-8")
    doc = base()
    doc["certificate"]["languages"] = ["kk", "ru"]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    result = CliRunner().invoke(main, ["check", "--lang", "kk", "--rules", str(rules), "--format", "json", str(path)])
    assert result.exit_code == 1, result.output
    findings = {v["rule"]: v for v in json.loads(result.stdout)["results"][0]["violations"]}
    russian, _ = check(tmp_path, "ru")
    assert findings["FORM-03"]["message"] == russian["FORM-03"]["message"]
    # the note is said in the run's language (Kazakh), naming the rule and the fall-back
    assert "'kk' тілінде мәтіні жоқ ережелер: 1" in result.stderr and "орыс тілінде" in result.stderr and "FORM-03" in result.stderr
    english = CliRunner().invoke(main, ["check", "--rules", str(rules), "--format", "json", str(path)])
    assert "no text in" not in english.stderr  # English has every text
