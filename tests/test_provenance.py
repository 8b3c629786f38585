"""Provenance: every report names the register it was checked against (no password) and the
waivers file, and a setting that came from the environment or a configuration file and changes
findings is named in the text summary, so an exported variable never silently changes an audit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT, kpcheck

from kpcheck.register.urls import without_password

SUBMISSION = ROOT / "fixtures" / "submissions" / "compliant-export.json"
FORMATS = ("json", "csv", "html", "junit", "text")


@pytest.fixture
def register(tmp_path):
    path = tmp_path / "register.sqlite"
    assert kpcheck(*["register", "init", "--register", path]).exit_code == 0
    return path


def reports(tmp_path, command="audit", env=None, extra=()):
    outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in FORMATS}
    args = [command, "--engine", "python", *(["--jobs", "1"] if command == "audit" else []), *extra]
    for fmt, path in outputs.items():
        if command == "check" and fmt in ("csv", "html", "junit"):
            continue
        args += ["--format", f"{fmt}={path}"]
    outcome = kpcheck(*[*args, SUBMISSION], env=env)
    assert outcome.exit_code == 0, outcome.output
    return outcome, outputs


def test_an_audit_with_kpcheck_register_says_so_in_its_summary_and_every_report(tmp_path, register):
    outcome, out = reports(tmp_path, env={"KPCHECK_REGISTER": str(register)})
    url = f"sqlite:///{register}"
    said = "set outside the command line: register = " + url + " (KPCHECK_REGISTER)"
    assert said in outcome.output  # the summary printed at the end
    meta = json.loads(out["json"].read_text())
    assert meta["provenance"]["register"] == url
    assert meta["provenance"]["settings"] == {"register": "KPCHECK_REGISTER"}
    text = out["text"].read_text()
    assert f"register: {url}" in text and said in text
    assert said in out["html"].read_text()
    sidecar = json.loads((tmp_path / "report.csv.json").read_text())
    assert sidecar["provenance"] == meta["provenance"] and sidecar["rulebook"] == meta["rulebook"]
    props = {p.get("name"): p.get("value") for p in ET.parse(out["junit"]).iter("property")}
    assert props["provenance.register"] == url and props["provenance.settings.register"] == "KPCHECK_REGISTER"


def test_a_register_given_on_the_command_line_is_named_but_not_as_a_setting(tmp_path, register):
    _, out = reports(tmp_path, "check", extra=["--register", register])
    meta = json.loads(out["json"].read_text())
    assert meta["provenance"]["register"] == f"sqlite:///{register}" and meta["provenance"]["settings"] == {}
    assert "set outside the command line" not in out["text"].read_text()


def test_settings_from_a_configuration_file_are_named_with_file_and_line(tmp_path, monkeypatch):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers: []\n", encoding="utf-8")
    rules = tmp_path / "rules"
    import shutil

    from kpcheck.rulebook.loader import RULES_DIR

    shutil.copytree(RULES_DIR, rules)
    (tmp_path / "kpcheck.toml").write_text(f'lang = "en"\nwaivers = "{waivers}"\n[check]\nrules = "{rules}"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, out = reports(tmp_path, "check")
    meta = json.loads(out["json"].read_text())
    assert meta["provenance"]["waivers"] == str(waivers)
    assert meta["provenance"]["settings"] == {"rules": f"{tmp_path / 'kpcheck.toml'}:4", "waivers": f"{tmp_path / 'kpcheck.toml'}:2"}
    text = out["text"].read_text()
    assert f"waivers file: {waivers}" in text
    assert f"rules = {rules} ({tmp_path / 'kpcheck.toml'}:4)" in text


def test_the_summary_is_in_the_report_language(tmp_path, register):
    _, out = reports(tmp_path, env={"KPCHECK_REGISTER": str(register)}, extra=["--lang", "ru"])
    assert "задано вне командной строки: register = " in out["text"].read_text()
    assert "реестр: sqlite:///" in out["html"].read_text()


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://kp:s3cret@db.lan/kpcheck", "postgresql://kp:***@db.lan/kpcheck"),
        ("postgresql+psycopg://kp@db.lan:5432/kpcheck", "postgresql+psycopg://kp@db.lan:5432/kpcheck"),
        ("sqlite:////var/kp/register.sqlite", "sqlite:////var/kp/register.sqlite"),
        ("postgresql://kp:p%40ss@db.lan/x?sslmode=require", "postgresql://kp:***@db.lan/x?sslmode=require"),
    ],
)
def test_a_register_url_is_shown_without_its_password(url, shown):
    assert without_password(url) == shown


def test_a_password_never_reaches_a_report(tmp_path):
    """An unusable PostgreSQL URL: the run stops (exit 2) and nothing shows the password."""
    outcome = kpcheck(
        *["check", "--engine", "python", "--register", "postgresql://kp:s3cret@127.0.0.1:1/none", "--format", "json", SUBMISSION]
    )
    assert outcome.exit_code == 2
    assert "s3cret" not in outcome.output


def test_the_desk_reports_name_its_register(tmp_path, register):
    from starlette.testclient import TestClient

    from kpcheck.api import Checker
    from kpcheck.register.store import Register
    from kpcheck.serve.app import create_app
    from kpcheck.serve.service import CheckService
    from kpcheck.serve.settings import Settings

    svc = CheckService(Checker.load(engine="python"), register=Register.open(str(register)))
    try:
        with TestClient(create_app(svc, Settings()), base_url="http://127.0.0.1") as client:
            response = client.post("/api/v1/check", content=SUBMISSION.read_bytes())
    finally:
        svc.close()
    assert response.status_code == 200
    assert response.json()["provenance"]["register"] == f"sqlite:///{register}"
