"""The desk's "Due" page and its event buttons, in process: a signed-in controller records events
(CSRF-protected, in their own name), an auditor reads, the list speaks Russian. In Chromium:
tests/test_serve_due_browser.py."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from conftest import ROOT, base
from english_scan import own_words, scan_html
from starlette.testclient import TestClient

from kpcheck.api import Checker
from kpcheck.cli.main import main
from kpcheck.register import accounts
from kpcheck.register.store import Register
from kpcheck.serve.app import create_app
from kpcheck.serve.service import CheckService
from kpcheck.serve.settings import Settings

FIXTURES = ROOT / "fixtures" / "submissions"
LOCAL = "http://127.0.0.1"
NAME = "A. Seitkali"


@pytest.fixture(scope="module")
def checker():
    return Checker.load(engine="python")


@pytest.fixture
def desk(checker, tmp_path):
    """A register holding the two compliant fixtures' decisions, a controller and an auditor."""
    url = str(tmp_path / "register.sqlite")
    register = Register.open(url, create=True)
    tokens = {"controller": accounts.add(register, NAME, "controller"), "auditor": accounts.add(register, "B. Auditor", "auditor")}
    register.close()
    done = CliRunner().invoke(
        main,
        [
            "check",
            "--register",
            url,
            "--record",
            "--format",
            "json",
            str(FIXTURES / "compliant-export.json"),
            str(FIXTURES / "compliant-import.json"),
        ],
    )
    assert done.exit_code == 0, done.output
    service = CheckService(checker, register=Register.open(url))
    with TestClient(create_app(service, Settings(timezone="Asia/Almaty")), base_url=LOCAL) as client:
        yield url, client, tokens
    service.close()


def csrf_of(client: TestClient, path: str) -> str:
    found = re.search(r'data-csrf="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, token: str) -> str:
    csrf = csrf_of(client, "/signin?lang=ru")
    assert client.post("/signin", data={"token": token, "csrf": csrf, "lang": "ru"}, follow_redirects=False).status_code == 303
    return csrf_of(client, "/?lang=ru")


def event(client, csrf, number, kind, on="2024-03-15"):
    return client.post("/desk/event", data={"csrf": csrf, "lang": "ru", "number": number, "kind": kind, "on": on}, follow_redirects=False)


def rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-number="([^"]+)" data-item="([^"]+)"', html)


def test_a_controller_records_events_from_the_due_page_and_items_close(desk):
    url, client, tokens = desk
    csrf = sign_in(client, tokens["controller"])
    page = client.get("/due?lang=ru&on=2024-03-20")
    assert page.status_code == 200
    assert rows(page.text) == [("KZ000123", "receipt")]  # the import was presented later
    assert "Открытые задачи на 2024-03-20: 1, просрочено: 0" in page.text and 'id="due-link"' in page.text
    assert not scan_html(page.text, "ru", own_words(NAME, "B. Auditor")), "the Due page speaks Russian"
    assert event(client, None, "KZ000123", "damaged").status_code == 403  # no CSRF token
    assert event(client, "forged", "KZ000123", "damaged").status_code == 403
    done = event(client, csrf, "kz 000-123", "damaged")
    assert done.status_code == 303 and "/due?" in done.headers["location"]
    shown = client.get(done.headers["location"])
    assert "Записано: сертификат повреждён, сертификат KZ000123, 2024-03-15" in shown.text
    listed = client.get("/due?lang=ru&on=2024-03-20")
    assert rows(listed.text)[0] == ("KZ000123", "duplicate") and "2024-03-27" in listed.text  # DUP-01's deadline
    history = json.loads(CliRunner().invoke(main, ["register", "show", "KZ000123", "--register", url, "--format", "json"]).stdout)
    assert [(e["kind"], e["by"]) for e in history[0]["events"]] == [("damaged", NAME)]
    again = event(client, csrf, "KZ000123", "damaged")
    assert "Уже записано" in client.get(again.headers["location"]).text
    assert event(client, csrf, "KZ000123", "duplicate-issued", "2024-03-25").status_code == 303
    assert ("KZ000123", "duplicate") not in rows(client.get("/due?lang=ru&on=2024-03-26").text)


def test_a_refused_event_is_shown_in_russian_and_records_nothing(desk):
    url, client, tokens = desk
    csrf = sign_in(client, tokens["controller"])
    refused = event(client, csrf, "KZ000123", "coupon-sent")
    assert refused.status_code == 422
    assert "KZ000123: событие coupon-sent записывается для сертификата направления «импорт»" in refused.text
    unknown = event(client, csrf, "KZ999", "damaged")
    assert unknown.status_code == 422 and "сертификата с номером KZ999 нет в реестре" in unknown.text
    blank = event(client, csrf, "", "damaged")
    assert blank.status_code == 422 and "Укажите номер сертификата" in blank.text
    register = Register.open(url, readonly=True)
    with register.reading() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 0
    register.close()


def test_the_result_panel_has_the_buttons_of_the_certificates_direction(desk):
    _, client, tokens = desk
    csrf = sign_in(client, tokens["controller"])
    export = client.post("/desk/check?lang=ru", content=json.dumps(base()).encode(), headers={"x-csrf-token": csrf}).json()["html"]
    assert all(f'id="event-{kind}"' in export for kind in ("damaged", "duplicate-issued", "receipt-confirmed"))
    assert 'id="event-coupon-sent"' not in export and "После проверки" in export
    imported = json.loads((FIXTURES / "compliant-import.json").read_text())
    panel = client.post("/desk/check?lang=ru", content=json.dumps(imported).encode(), headers={"x-csrf-token": csrf}).json()["html"]
    assert 'id="event-coupon-sent"' in panel and 'id="event-damaged"' not in panel


def test_an_auditor_reads_the_list_but_records_nothing(desk):
    _, client, tokens = desk
    csrf = sign_in(client, tokens["auditor"])
    page = client.get("/due?lang=ru&on=2024-03-20")
    assert page.status_code == 200 and rows(page.text) == [("KZ000123", "receipt")]
    assert "event-close" not in page.text and 'id="event-any"' not in page.text
    assert event(client, csrf, "KZ000123", "damaged").status_code == 403
    panel = client.post("/desk/check?lang=ru", content=json.dumps(base()).encode(), headers={"x-csrf-token": csrf}).json()["html"]
    assert 'id="event-form"' not in panel


def test_the_due_page_needs_a_register_and_a_signed_in_account(desk, checker):
    _, client, _ = desk
    assert client.get("/due?lang=ru", follow_redirects=False).status_code == 303  # to the sign-in
    service = CheckService(checker)
    try:
        with TestClient(create_app(service, Settings()), base_url=LOCAL) as plain:
            assert plain.get("/due?lang=ru").status_code == 404
    finally:
        service.close()
