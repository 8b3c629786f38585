"""One check pipeline: the same submission, checked with a register history, gives identical
findings and identical Russian and Kazakh texts through every way of checking: the command
line (``check --register``, ``check --against``, ``audit --register``), the library
(``Checker.check``), the desk's JSON API and the desk's page, its printed report and the panel
its script shows (Starlette's test client)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT
from starlette.testclient import TestClient

from kpcheck.api import Checker
from kpcheck.cli.main import main
from kpcheck.register import accounts
from kpcheck.register.store import Register
from kpcheck.serve.app import create_app
from kpcheck.serve.service import CheckService
from kpcheck.serve.settings import Settings

PAST = json.loads((ROOT / "fixtures" / "submissions" / "cond-erasure-stains.json").read_text(encoding="utf-8"))
AGAIN = {**PAST, "id": "ALA-2025-0777"}  # the same certificate presented again: XREF-01 beside its own findings
CYRILLIC = re.compile("[а-яА-ЯәғқңөұүһіӘҒҚҢӨҰҮҺІ]")

Finding = tuple[str, str, str, str]  # rule, severity, title, message


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("pipeline")
    past, again, url = folder / "past.json", folder / "again.json", folder / "register.sqlite"
    past.write_text(json.dumps(PAST), encoding="utf-8")
    again.write_text(json.dumps(AGAIN), encoding="utf-8")
    done = CliRunner().invoke(main, ["register", "import", "--register", str(url), str(past)])
    assert done.exit_code == 0, done.output
    return past, again, url


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker.load(engine="python")


def csrf_of(client: TestClient, path: str) -> str:
    found = re.search(r'data-csrf="([^"]+)"', client.get(path).text)
    assert found is not None, path
    return found.group(1)


def from_report(report: dict) -> list[Finding]:
    (result,) = [r for r in report["results"] if r["submission"] == AGAIN["id"]]
    return [(v["rule"], v["severity"], v["title"], v["message"]) for v in result["violations"]]


def without_where(finding: Finding) -> Finding:
    """The finding with the place its past submission is kept in (a file, the register's row)
    left out: the one thing a history from files and one from the register tell apart."""
    rule, severity, title, message = finding
    return rule, severity, title, re.sub(r"\((\d{4}-\d{2}-\d{2}), [^)]*\)", r"(\1, …)", message)


def cli(args: list[str]) -> list[Finding]:
    done = CliRunner().invoke(main, [*args, "--engine", "python", "--format", "json", "--fail-on", "never"])
    assert done.exit_code == 0, done.output
    return from_report(json.loads(done.stdout))


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_every_way_of_checking_gives_the_same_findings_and_texts(setting, checker, lang, monkeypatch):
    past, again, url = setting
    monkeypatch.chdir(again.parent)
    by_way: dict[str, list[Finding]] = {
        "check --register": cli(["check", "--lang", lang, "--register", str(url), again.name]),
        "check --against": cli(["check", "--lang", lang, "--against", past.name, again.name]),
        "audit --register": cli(["audit", "--lang", lang, "--register", str(url), "--jobs", "1", again.name]),
    }
    (result,) = checker.check(AGAIN, history=[Path(past.name)], lang=lang).results
    by_way["Checker.check"] = [(f.rule, f.severity, f.title, f.message) for f in result.findings]
    register = Register.open(str(url))
    token = accounts.add(register, f"Controller {lang}", "controller")  # a desk with a register has named accounts
    service = CheckService(checker, register=register)
    try:
        with TestClient(create_app(service, Settings()), base_url="http://127.0.0.1") as client:
            answer = client.post(f"/api/v1/check?lang={lang}&source={again.name}", content=again.read_bytes())
            assert answer.status_code == 200, answer.text
            by_way["desk API"] = from_report(answer.json())
            csrf = csrf_of(client, "/signin")
            assert client.post("/signin", data={"token": token, "csrf": csrf, "lang": lang}, follow_redirects=False).status_code == 303
            csrf = csrf_of(client, "/")
            page = client.post("/report", data={"submission": again.read_text(encoding="utf-8"), "lang": lang, "csrf": csrf})
            assert page.status_code == 200, page.text
            panel = client.post(f"/desk/check?lang={lang}", content=again.read_bytes(), headers={"x-csrf-token": csrf})
            assert panel.status_code == 200, panel.text
            pages = {"desk page (printed report)": page.text, "desk page (its script)": panel.json()["html"]}
    finally:
        service.close()
    expected = by_way["check --register"]
    assert "XREF-01" in [rule for rule, *_ in expected] and len(expected) >= 2
    for way in ("audit --register", "desk API"):  # the register's history: word for word
        assert by_way[way] == expected, way
    assert by_way["Checker.check"] == by_way["check --against"]  # the same history, from a file
    for way, findings in by_way.items():  # word for word but for where the past submission is kept
        assert [without_where(f) for f in findings] == [without_where(f) for f in expected], way
    (xref,) = [f for f in expected if f[0] == "XREF-01"]
    assert f"{url}#" in xref[3] and "past.json" in next(f for f in by_way["check --against"] if f[0] == "XREF-01")[3]
    for rule, _severity, title, message in expected:  # in the language asked, the register's rule too
        assert CYRILLIC.search(title) and CYRILLIC.search(message), (rule, title)
        for way, text in pages.items():
            assert html.escape(title, quote=False) in text or html.escape(title) in text, (way, rule, title)
            assert html.escape(message, quote=False) in text or html.escape(message) in text, (way, rule, message)


def test_the_language_is_no_state_of_the_shared_engine(checker):
    """Checks in three languages, one after another on one checker: each in its own."""
    titles = {lang: checker.check(AGAIN, history=[PAST], lang=lang).results[0].findings[-1].title for lang in ("ru", "kk", "en")}
    assert titles["en"] != titles["ru"] and CYRILLIC.search(titles["ru"]) and CYRILLIC.search(titles["kk"])
    assert checker.lang == "en" and not hasattr(checker.engine, "lang")
    assert checker.check(AGAIN, history=[PAST]).results[0].findings[-1].title == titles["en"]
