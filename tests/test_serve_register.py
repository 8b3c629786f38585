"""The register's events and open items through the desk's API (token-protected like every API
write), answering as ``kpcheck register event`` and ``register due --format json`` do."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, SERVE_TOKEN, kpcheck
from starlette.testclient import TestClient

from kpcheck.api import Checker
from kpcheck.register.store import Register
from kpcheck.serve.app import create_app
from kpcheck.serve.service import CheckService
from kpcheck.serve.settings import Settings

FIXTURES = ROOT / "fixtures" / "submissions"
LOCAL = "http://127.0.0.1"
AUTH = {"authorization": f"Bearer {SERVE_TOKEN}"}


@pytest.fixture()
def desk(tmp_path):
    url = str(tmp_path / "register.sqlite")
    recorded = kpcheck(
        "check", "--register", url, "--record", "--format", "json", FIXTURES / "compliant-export.json", FIXTURES / "compliant-import.json"
    )
    assert recorded.exit_code == 0, recorded.output
    service = CheckService(Checker.load(engine="python"), register=Register.open(url), by="desk 3")
    with TestClient(create_app(service, Settings(token=SERVE_TOKEN, coupon_days=3)), base_url=LOCAL) as client:
        yield client, url
    service.close()


def post(client, event, **params):
    return client.post(
        "/api/v1/register/events", content=json.dumps(event), headers={**AUTH, "content-type": "application/json"}, params=params
    )


def test_events_need_the_token_and_are_recorded_once(desk):
    client, url = desk
    event = {"number": "kz 000-123", "kind": "damaged", "on": "15.03.2024"}
    assert client.post("/api/v1/register/events", content=json.dumps(event)).status_code == 401
    assert client.get("/api/v1/register/due").status_code == 401
    first = post(client, event)
    assert first.status_code == 201, first.text
    assert first.json()["event"] == {
        "number": "KZ000123",
        "direction": "export",
        "kind": "damaged",
        "on": "2024-03-15",
        "by": "desk 3",
        "already_recorded": False,
    }
    again = post(client, {**event, "by": "A. Nurlanov"})
    assert again.status_code == 200 and again.json()["event"]["already_recorded"]
    shown = json.loads(kpcheck("register", "show", "KZ000123", "--register", url, "--format", "json").stdout)
    assert shown[0]["submission_id"]


def test_due_answers_as_the_command_line_and_closes_with_the_event(desk):
    client, url = desk
    assert post(client, {"number": "KZ000123", "kind": "damaged", "on": "2024-03-15", "by": "A. Nurlanov"}).status_code == 201
    api = client.get("/api/v1/register/due", params={"on": "2024-06-12", "lang": "ru"}, headers=AUTH)
    assert api.status_code == 200
    cli = kpcheck("register", "due", "--register", url, "--on", "2024-06-12", "--lang", "ru", "--format", "json", "--coupon-days", "3")
    assert api.json() == json.loads(cli.stdout)
    assert [i["item"] for i in api.json()["items"]] == ["duplicate", "receipt", "coupon"]
    assert api.json()["items"][0]["deadline"] == "2024-03-27" and "просрочено" in api.json()["items"][0]["state"]
    assert post(client, {"number": "KZ000123", "kind": "duplicate-issued", "on": "2024-04-01"}).status_code == 201
    after = client.get("/api/v1/register/due", params={"on": "2024-06-12"}, headers=AUTH).json()
    assert [i["item"] for i in after["items"]] == ["receipt", "coupon"]


@pytest.mark.parametrize(
    ("event", "status", "location", "message"),
    [
        ({"number": "KZ999", "kind": "damaged", "on": "2024-05-01"}, 422, "KZ999", "сертификата с номером KZ999 нет в реестре"),
        ({"number": "KZ000123", "kind": "coupon-sent", "on": "2024-05-01"}, 422, "KZ000123", "«импорт»"),
        ({"number": "KZ000123", "kind": "damaged", "on": "2024-03-01"}, 422, "KZ000123", "предшествует дате представления"),
        ({"number": "KZ000123", "kind": "lost", "on": "2024-05-01"}, 400, "kind", "kind is one of"),
        ({"number": "KZ000123", "kind": "damaged", "on": "1 May"}, 400, "on", "written 2026-03-15"),
        ({"number": "KZ000123", "kind": "damaged"}, 400, "on", "is a day"),
        ({"number": "", "kind": "damaged", "on": "2024-05-01"}, 400, "number", "1 to 200 characters"),
        ({"number": "KZ000123", "kind": "damaged", "on": "2024-05-01", "when": 1}, 400, "when", "unknown key"),
        ([1, 2], 400, "body", "JSON object"),
    ],
)
def test_refused_and_malformed_events(desk, event, status, location, message):
    client, url = desk
    answer = post(client, event, lang="ru")
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["location"] == location and message in answer.json()["error"]["message"]
    register = Register.open(url, readonly=True)
    with register.reading() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 0
    register.close()


def test_without_a_register_and_from_another_site(tmp_path):
    service = CheckService(Checker.load(engine="python"))
    try:
        with TestClient(create_app(service, Settings()), base_url=LOCAL) as client:
            event = {"number": "KZ000123", "kind": "damaged", "on": "2024-05-01"}
            assert client.post("/api/v1/register/events", content=json.dumps(event)).status_code == 409
            assert client.get("/api/v1/register/due").status_code == 409
            foreign = client.post("/api/v1/register/events", content=json.dumps(event), headers={"origin": "http://evil.example"})
            assert foreign.status_code == 403
            yaml = client.post("/api/v1/register/events", content=b"number: x", headers={"content-type": "application/yaml"})
            assert yaml.status_code == 415
            assert client.get("/api/v1/register/due", params={"on": "tomorrow"}).status_code == 400
    finally:
        service.close()
