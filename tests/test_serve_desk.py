"""The desk as the controller's workplace, in process: their language (the scan for English),
their numbers, their accounts and decisions, their register. The same in real Chromium:
tests/test_serve_desk_browser.py."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SERVE_TOKEN, base
from english_scan import english_words, own_words, scan_html, scan_json
from starlette.testclient import TestClient

from kpcheck.api import Checker
from kpcheck.cli.main import main
from kpcheck.register import accounts
from kpcheck.register.store import Register
from kpcheck.serve.app import create_app
from kpcheck.serve.present import field_label, input_errors, moment, number, plural
from kpcheck.serve.service import CheckService
from kpcheck.serve.settings import Settings, UnknownTimezone

FIXTURES = sorted((ROOT / "fixtures" / "submissions").glob("*.json"))
LOCAL = "http://127.0.0.1"
ALMATY = "Asia/Almaty"
STATEMENT = base()["certificate"]["kp_statement"]  # the wording a certificate must bear, quoted by FORM rules: the certificate's data


@pytest.fixture(scope="module")
def checker():
    return Checker.load()


@pytest.fixture(scope="module")
def client(checker):
    service = CheckService(checker)
    with TestClient(create_app(service, Settings(timezone=ALMATY)), base_url=LOCAL) as c:
        yield c
    service.close()


def csrf_of(client: TestClient, path: str = "/") -> str:
    found = re.search(r'data-csrf="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


# ---- the scanner itself ------------------------------------------------------------------------


def test_the_scanner_finds_todays_english_and_leaves_codes_ids_and_data_alone():
    english_basis = "Government Resolution No 356 of 20.06.2016 (rules for import and export of rough natural diamonds), to be confirmed"
    assert {"Government", "Resolution", "No", "of", "rules", "confirmed"} <= set(english_words(english_basis))
    assert english_words("applies to imports only") == ["applies", "to", "imports", "only"]
    assert english_words("desk: id: required field is missing")
    # codes, identifiers, hashes, numbers and the submission's own words are not English text
    own = own_words({"certificate": {"exporter": {"name": "Altyn Almas LLP"}}})
    clean = "COND-01 certificate.lines[0].carats SHA-256 3b4bfd70 7102.31 KZ000601 KZ AE раздел C Altyn Almas LLP kpcheck 0.1.0"
    assert english_words(clean, own) == []
    # the JSON report as kpcheck wrote it before this desk (English legal basis in a Russian report) fails
    old = {"results": [{"violations": [{"title": "На сертификате есть подчистки", "legal_basis": [{"act": english_basis}]}]}]}
    assert scan_json(old)
    # in a page: text and titles are read, other-language elements (the language switch) are not
    html = '<html lang="ru"><p title="Legal basis">Основание</p><a lang="en">English</a><script>var x = "English";</script></html>'
    assert scan_html(html, "ru") == ["Legal", "basis"]


# ---- their language: the API's JSON and the printed report of every fixture --------------------


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_api_and_the_print_of_every_fixture_speak_the_language(client, lang):
    csrf = csrf_of(client)
    english = {}
    for path in FIXTURES:
        raw = path.read_bytes()
        own = own_words(json.loads(raw), STATEMENT)
        api = client.post(f"/api/v1/check?lang={lang}", content=raw)
        assert api.status_code == 200
        found = scan_json(api.text, own)
        printed = client.post("/report", data={"submission": raw.decode(), "lang": lang, "csrf": csrf})
        assert printed.status_code == 200
        found += scan_html(printed.text, lang, own)
        if found:
            english[path.name] = sorted(set(found))
    assert not english, english


def test_the_json_names_legal_bases_and_reasons_by_their_official_names(client):
    raw = (ROOT / "fixtures" / "submissions" / "cond-erasure-stains.json").read_bytes()
    result = client.post("/api/v1/check?lang=ru", content=raw).json()["results"][0]
    acts = {b["act"] for v in result["violations"] for b in v["legal_basis"]}
    assert "Постановление Правительства Республики Казахстан от 20 июня 2016 года № 356" in " ".join(acts)
    assert {n["reason"] for n in result["not_applicable"]} >= {"применяется только к ввозу"}
    assert result["violations"][0]["fields"] == ["certificate.condition.erasures"]  # the path stays in the JSON
    # English stays English, byte for byte as before
    en = client.post("/api/v1/check", content=raw).json()["results"][0]
    assert en["violations"][0]["legal_basis"][0]["provision"] == "to be confirmed"


def test_every_reason_of_the_rulebook_is_translated(checker):
    from kpcheck.i18n import gettext_for
    from kpcheck.i18n.labels import reason_text

    reasons = {reason for rule in checker.book.rules for _, reason in rule.applies}
    reasons.add("not in force on 2016-06-19 (in force from 2016-06-20)")
    reasons.add("not in force on 2030-01-01 (in force from 2016-06-20 to 2021-05-23)")
    for lang in ("ru", "kk"):
        _ = gettext_for(lang)
        untranslated = [r for r in reasons if english_words(reason_text(r, _))]
        assert not untranslated, (lang, untranslated)


def test_an_unreadable_submission_is_refused_in_the_page_language_at_each_field(client):
    doc = base()
    doc["certificate"]["lines"][0]["carats"] = "1250,5"
    del doc["id"]
    for lang, words in (("ru", ("Караты", "нужно число")), ("kk", ("Карат", "сан керек"))):
        api = client.post(f"/api/v1/check?lang={lang}", content=json.dumps(doc).encode())
        assert api.status_code == 422
        message = api.json()["results"][0]["error"]["message"]
        assert all(w in message for w in words), message
        assert not english_words(message), message
    errors = input_errors(json.dumps(doc).encode(), "ru")
    assert {e["path"] for e in errors} == {"id", "certificate.lines[0].carats"}
    assert {e["label"] for e in errors} == {"Номер заявления", "Позиция 1: Караты"}


def test_an_empty_form_is_answered_in_russian_at_its_fields(client):
    csrf = csrf_of(client)
    empty = {"schema_version": 1, "direction": "export", "certificate": {}}
    answer = client.post("/desk/check?lang=ru", content=json.dumps(empty).encode(), headers={"x-csrf-token": csrf})
    assert answer.status_code == 422
    data = answer.json()
    assert {"id", "presented_on", "certificate.number"} <= {e["path"] for e in data["errors"]}
    assert not scan_html(data["html"], "ru")
    assert "desk: id" not in data["html"] and "required" not in data["html"]
    assert "Проверено" not in data["html"]  # not "checked" above a submission that was not read


def test_field_labels_numbers_plurals_dates_and_the_time_zone():
    assert field_label("certificate.lines[1].carats", "ru") == "Позиция 2: Караты"
    assert field_label("certificate.condition.erasures", "kk") != "certificate.condition.erasures"
    assert number(Decimal("812500"), "ru") == "812\xa0500" and number(Decimal("1250.5"), "kk") == "1\xa0250,5"
    assert number(Decimal("1250.5"), "en") == "1,250.5"
    forms = [plural("ru", "{n} decision", "{n} decisions", n) for n in (1, 2, 5, 21)]
    assert forms == ["1 решение", "2 решения", "5 решений", "21 решение"]
    assert plural("kk", "{n} decision", "{n} decisions", 2) == "2 шешім"
    noon_utc = dt.datetime(2024, 3, 4, 7, 0, tzinfo=dt.timezone.utc)
    from zoneinfo import ZoneInfo

    shown = moment(noon_utc, "ru", ZoneInfo(ALMATY))
    assert "12:00" in shown and "UTC+05:00" in shown and "мар" in shown
    with pytest.raises(UnknownTimezone):
        Settings(timezone="Mars/Olympus")


def test_the_cli_refuses_an_unknown_time_zone():
    result = CliRunner().invoke(main, ["serve", "--timezone", "Mars/Olympus"])
    assert result.exit_code == 2 and "Asia/Almaty" in result.output


def test_a_switch_of_language_shows_the_kept_result_without_a_new_check(client):
    csrf = csrf_of(client)
    raw = (ROOT / "fixtures" / "submissions" / "cond-erasure-stains.json").read_bytes()
    service = client.app.state.service
    checked = client.post("/desk/check?lang=ru", content=raw, headers={"x-csrf-token": csrf}).json()
    count = service.checks
    kk = client.get(f"/desk/result/{checked['result']}?lang=kk").json()
    assert service.checks == count  # nothing checked anew
    assert kk["status"] == checked["status"] == "invalid"
    assert "Сертификатта өшірулер бар" in kk["html"] and "жоба" in kk["html"]  # Kazakh, and says its texts are drafts
    assert 'id="draft-notice"' in kk["html"] and 'id="draft-notice"' not in checked["html"]
    assert "Өшірулер" in kk["html"]  # the field by its label, not its path
    gone = client.get("/desk/result/no-such-token?lang=ru")
    assert gone.status_code == 404 and not english_words(gone.json()["error"]["message"])


def test_the_print_of_a_kept_check_is_that_check_and_says_kazakh_drafts(client):
    csrf = csrf_of(client)
    raw = (ROOT / "fixtures" / "submissions" / "cond-erasure-stains.json").read_bytes()
    service = client.app.state.service
    checked = client.post("/desk/check?lang=kk", content=raw, headers={"x-csrf-token": csrf}).json()
    count = service.checks
    printed = client.post("/report", data={"submission": raw.decode(), "result": checked["result"], "lang": "kk", "csrf": csrf})
    assert service.checks == count
    assert "заңгерлер әлі тексермеген" in printed.text and "UTC+05:00" in printed.text
    assert not client.post("/report", data={"submission": raw.decode(), "lang": "kk"}).is_success  # no CSRF token: refused


# ---- their decision: accounts, sessions, CSRF ---------------------------------------------------


@pytest.fixture
def desk(checker, tmp_path):
    """A desk over a fresh register with a controller and an auditor: (url, client, tokens)."""
    url = str(tmp_path / "register.sqlite")
    register = Register.open(url, create=True)
    tokens = {"controller": accounts.add(register, "A. Seitkali", "controller"), "auditor": accounts.add(register, "B. Auditor", "auditor")}
    service = CheckService(checker, register=register)
    with TestClient(create_app(service, Settings(timezone=ALMATY)), base_url=LOCAL) as c:
        yield url, c, tokens
    service.close()


def sign_in(client: TestClient, token: str, lang: str = "ru") -> str:
    csrf = csrf_of(client, "/signin")
    done = client.post("/signin", data={"token": token, "csrf": csrf, "lang": lang}, follow_redirects=False)
    assert done.status_code == 303, done.text
    return csrf_of(client)


def check_page(client: TestClient, csrf: str, doc: dict, lang: str = "ru") -> dict:
    answer = client.post(f"/desk/check?lang={lang}", content=json.dumps(doc).encode(), headers={"x-csrf-token": csrf})
    assert answer.status_code == 200, answer.text
    return answer.json()


def record(client: TestClient, csrf: str | None, token: str, outcome: str, comment: str = "", lang: str = "ru"):
    data = {"result": token, "outcome": outcome, "comment": comment, "lang": lang}
    if csrf is not None:
        data["csrf"] = csrf
    return client.post("/desk/decision", data=data)


def test_users_add_prints_a_token_once_and_keeps_only_its_hash(tmp_path):
    url = str(tmp_path / "r.sqlite")
    runner = CliRunner()
    missing = runner.invoke(main, ["users", "add", "A. Seitkali", "--role", "controller", "--register", url])
    assert missing.exit_code == 2 and "register init" in missing.output  # no register is made by accident
    assert runner.invoke(main, ["register", "init", url]).exit_code == 0
    made = runner.invoke(main, ["users", "add", "A. Seitkali", "--role", "controller", "--register", url])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert len(token) >= 43  # 32 random bytes
    assert token.encode() not in Path(url).read_bytes()
    with sqlite3.connect(url) as db:
        (stored,) = db.execute("SELECT token_sha256 FROM accounts").fetchone()
    assert len(stored) == 64 and stored != token
    listed = runner.invoke(main, ["users", "list", "--register", url])
    assert "A. Seitkali\tcontroller" in listed.stdout and token not in listed.stdout
    assert runner.invoke(main, ["users", "add", "A. Seitkali", "--role", "auditor", "--register", url]).exit_code == 2
    assert runner.invoke(main, ["users", "add", "X", "--role", "boss", "--register", url]).exit_code == 2
    assert runner.invoke(main, ["users", "disable", "A. Seitkali", "--register", url]).exit_code == 0
    assert "disabled" in runner.invoke(main, ["users", "list", "--register", url]).stdout
    assert accounts.signed_in(Register.open(url), token) is None
    assert runner.invoke(main, ["users", "disable", "nobody", "--register", url]).exit_code == 2


def test_the_page_asks_to_sign_in_and_refuses_a_wrong_token(desk):
    _, client, tokens = desk
    assert client.get("/?lang=kk", follow_redirects=False).headers["location"].endswith("/signin?lang=kk")
    csrf = csrf_of(client, "/signin")
    wrong = client.post("/signin", data={"token": "nope", "csrf": csrf, "lang": "ru"})
    assert wrong.status_code == 401 and "не подходит" in wrong.text
    forged = client.post("/signin", data={"token": tokens["controller"], "lang": "ru"})
    assert forged.status_code == 403  # no CSRF token
    sign_in(client, tokens["controller"])
    page = client.get("/?lang=ru")
    assert page.status_code == 200 and "A. Seitkali" in page.text
    cookie = page.request.headers.get("cookie", "")
    assert "kpcheck_session=" in cookie


def test_the_session_cookie_is_httponly_and_samesite_strict(desk):
    _, client, tokens = desk
    csrf = csrf_of(client, "/signin")
    done = client.post("/signin", data={"token": tokens["controller"], "csrf": csrf, "lang": "ru"}, follow_redirects=False)
    cookie = done.headers["set-cookie"].lower()
    assert "kpcheck_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_a_controller_records_a_refusal_that_register_show_lists(desk):
    url, client, tokens = desk
    csrf = sign_in(client, tokens["controller"])
    doc = base()
    doc["certificate"]["condition"]["erasures"] = True
    checked = check_page(client, csrf, doc)
    assert 'id="decision-form"' in checked["html"]
    # a post without the session's CSRF token is refused, and nothing is stored
    assert record(client, None, checked["result"], "refused", "erasures").status_code == 403
    assert record(client, "forged", checked["result"], "refused", "erasures").status_code == 403
    done = record(client, csrf, checked["result"], "refused", "Подчистки в графе 9")
    assert done.status_code == 200, done.text
    html = done.json()["html"]
    assert "отказано" in html and "A. Seitkali" in html and "Подчистки в графе 9" in html
    shown = CliRunner().invoke(main, ["register", "show", doc["certificate"]["number"], "--register", url])
    assert shown.exit_code == 0, shown.output
    assert "desk by A. Seitkali: refused; invalid" in shown.stdout and "comment: Подчистки в графе 9" in shown.stdout
    as_json = json.loads(
        CliRunner().invoke(main, ["register", "show", doc["certificate"]["number"], "--register", url, "--format", "json"]).stdout
    )
    decision = as_json[0]["decisions"][0]
    assert (decision["decided_by"], decision["outcome"], decision["comment"]) == ("A. Seitkali", "refused", "Подчистки в графе 9")
    assert len(decision["rulebook_sha256"]) == 64 and decision["decided_at"]
    # decisions stay append-only
    with sqlite3.connect(url) as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE decisions SET outcome = 'accepted'")


def test_an_auditor_reads_but_cannot_record(desk):
    _, client, tokens = desk
    csrf = sign_in(client, tokens["auditor"])
    checked = check_page(client, csrf, base())
    assert 'id="decision-form"' not in checked["html"]
    refused = record(client, csrf, checked["result"], "accepted")
    assert refused.status_code == 403 and refused.json()["error"]["location"] == "account"
    assert client.get("/register?lang=ru").status_code == 200


def test_a_disabled_account_loses_its_session(desk):
    url, client, tokens = desk
    csrf = sign_in(client, tokens["controller"])
    accounts.disable(Register.open(url), "A. Seitkali")
    checked = client.post("/desk/check?lang=ru", content=json.dumps(base()).encode(), headers={"x-csrf-token": csrf})
    assert checked.status_code == 401


def test_the_shared_token_still_serves_machine_clients(checker, tmp_path):
    register = Register.open(str(tmp_path / "r.sqlite"), create=True)
    service = CheckService(checker, register=register)
    with TestClient(create_app(service, Settings(token=SERVE_TOKEN)), base_url=LOCAL) as c:
        raw = json.dumps(base()).encode()
        assert c.post("/api/v1/check", content=raw).status_code == 401
        ok = c.post("/api/v1/check?record=true&by=system", content=raw, headers={"authorization": f"Bearer {SERVE_TOKEN}"})
        assert ok.status_code == 200
    service.close()


# ---- their register: the history beside the result, the register page, reports as printed -----


def test_the_page_shows_earlier_uses_with_their_decisions_and_the_collision(desk):
    _, client, tokens = desk
    csrf = sign_in(client, tokens["controller"])
    first = base()
    checked = check_page(client, csrf, first)
    assert "ещё нет в реестре" in checked["html"]
    assert record(client, csrf, checked["result"], "accepted", "в порядке").status_code == 200
    second = base()
    second["id"] = "ALA-2024-0099"  # the same certificate number used again
    again = check_page(client, csrf, second)
    html = again["html"]
    assert "XREF-01" in html
    assert "1 прежнее использование этого номера сертификата" in html
    row = re.search(r'<tr id="(h-\d+)" class=" collides">(.*?)</tr>', html, re.S)
    assert row is not None, html
    assert first["id"] in row.group(2) and "принято" in row.group(2) and "A. Seitkali" in row.group(2) and "в порядке" in row.group(2)
    assert "Алматы" not in row.group(2) and "Almaty" in row.group(2)  # the department as given
    assert f'href="#{row.group(1)}"' in html  # XREF-01 links to the submission it collides with
    assert not scan_html(f'<html lang="ru">{html}</html>', "ru", own_words(first, second, "A. Seitkali"))


def test_a_decision_is_refused_when_the_register_changed_since_the_check(desk):
    _, client, tokens = desk
    csrf = sign_in(client, tokens["controller"])
    first, second = base(), base()
    second["id"] = "ALA-2024-0099"
    checked_second = check_page(client, csrf, second)  # checked while the number is new
    assert record(client, csrf, check_page(client, csrf, first)["result"], "accepted").status_code == 200
    stale = record(client, csrf, checked_second["result"], "accepted")
    assert stale.status_code == 409 and "изменился" in stale.json()["error"]["message"]


def test_the_register_page_filters_and_opens_reports_as_printed(desk):
    url, client, tokens = desk
    csrf = sign_in(client, tokens["controller"])
    refused_doc = base()
    refused_doc["id"], refused_doc["certificate"]["number"] = "ALA-2024-0101", "KZ000777"
    refused_doc["certificate"]["condition"]["erasures"] = True
    r1 = check_page(client, csrf, refused_doc)
    assert record(client, csrf, r1["result"], "refused", "подчистки").status_code == 200
    r2 = check_page(client, csrf, base())
    assert record(client, csrf, r2["result"], "accepted").status_code == 200
    page = client.get("/register?lang=ru")
    assert page.status_code == 200 and "2 решения" in page.text
    assert "KZ000777" in page.text and "KZ000123" in page.text
    only_refused = client.get("/register?lang=ru&decision=refused")
    assert "KZ000777" in only_refused.text and "KZ000123" not in only_refused.text and "1 решение" in only_refused.text
    assert "KZ000123" in client.get("/register?lang=ru&status=compliant").text
    assert "KZ000777" not in client.get("/register?lang=ru&status=compliant").text
    assert "2 решения" in client.get("/register?lang=ru&controller=A.+Seitkali").text
    today = dt.datetime.now(dt.timezone.utc).astimezone(dt.timezone(dt.timedelta(hours=5))).date()
    assert "2 решения" in client.get(f"/register?lang=ru&from={today}&to={today}").text
    assert "0 решений" in client.get(f"/register?lang=ru&to={today - dt.timedelta(days=2)}").text
    assert not scan_html(page.text, "ru", own_words(refused_doc, base(), {"names": "A. Seitkali"}))
    pk = re.search(r'id="d-(\d+)" class="decision-refused"', page.text).group(1)
    printed = client.get(f"/register/decision/{pk}")
    with sqlite3.connect(url) as db:
        (stored,) = db.execute("SELECT report FROM decisions WHERE pk = ?", (int(pk),)).fetchone()
    assert printed.text == stored  # exactly as it was printed
    assert "отказано" in stored and "подчистки" in stored and "A. Seitkali" in stored and "COND-01" in stored
    assert client.get("/register/decision/99999").status_code == 404


def test_the_register_page_needs_a_signed_in_account(desk):
    _, client, _ = desk
    assert client.get("/register?lang=ru", follow_redirects=False).status_code == 303
    assert client.get("/register/decision/1", follow_redirects=False).status_code == 303


def desk_texts() -> list[tuple[str, str | None]]:
    """Every text of the desk: the templates' and each ``_()``, ``N_()`` and ``plural()`` of kpcheck/serve."""
    import ast

    from kpcheck.serve.page_routes import environment

    found: list[tuple[str, str | None]] = []
    env = environment("en")
    for template in sorted((ROOT / "kpcheck" / "serve" / "templates").glob("*.html")):
        found += [(m, None) for _, _, m in env.extract_translations(template.read_text(encoding="utf-8")) if isinstance(m, str)]
    for module in sorted((ROOT / "kpcheck" / "serve").glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            texts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if name in ("_", "N_") and texts:
                found.append((texts[0], None))
            elif name == "plural" and len(texts) == 2:
                found.append((texts[0], texts[1]))
    return list(dict.fromkeys(found))


def test_every_text_of_the_desk_is_in_russian_and_kazakh():
    from kpcheck.i18n import translations

    texts = desk_texts()
    assert len(texts) > 100 and ("{n} decision", "{n} decisions") in texts and ("Record decision", None) in texts
    for lang in ("ru", "kk"):
        catalogue = translations(lang)
        missing = [m for m, many in texts if (catalogue.ngettext(m, many, 5) == many if many else catalogue.gettext(m) == m)]
        assert not missing, (lang, missing)


def test_accounts_and_a_decision_from_the_page_on_sqlite_and_postgresql(checker, register_url):
    register = Register.open(register_url, create=True)
    token = accounts.add(register, "A. Seitkali", "controller")
    with pytest.raises(accounts.AccountError):
        accounts.add(register, "A. Seitkali", "auditor")
    assert accounts.signed_in(register, token).name == "A. Seitkali"
    assert accounts.signed_in(register, token + "x") is None
    service = CheckService(checker, register=register)
    doc = base()
    doc["certificate"]["condition"]["erasures"] = True
    try:
        with TestClient(create_app(service, Settings(timezone=ALMATY)), base_url=LOCAL) as client:
            csrf = sign_in(client, token)
            checked = check_page(client, csrf, doc)
            assert record(client, csrf, checked["result"], "returned", "исправить графу 9").status_code == 200
            again = check_page(client, csrf, {**doc, "id": "ALA-2024-0300"})
            assert "возвращено на доработку" in again["html"] and "исправить графу 9" in again["html"]
    finally:
        service.close()
    shown = CliRunner().invoke(main, ["register", "show", doc["certificate"]["number"], "--register", register_url])
    assert shown.exit_code == 0, shown.output
    assert "desk by A. Seitkali: returned for correction; invalid" in shown.stdout and "comment: исправить графу 9" in shown.stdout
    assert accounts.disable(Register.open(register_url), "A. Seitkali") is True
    assert accounts.signed_in(Register.open(register_url), token) is None


def test_the_apis_refusals_speak_the_asked_language(checker):
    service = CheckService(checker)
    header = {"Authorization", "Bearer"}  # a header's syntax, not words
    try:
        with TestClient(create_app(service, Settings(token=SERVE_TOKEN)), base_url=LOCAL) as c:
            denied = c.post("/api/v1/check?lang=ru", content=b"{}")
            assert denied.status_code == 401 and "токен" in denied.json()["error"]["message"]
            assert not english_words(denied.json()["error"]["message"], header)
            auth = {"authorization": f"Bearer {SERVE_TOKEN}"}
            plain = c.post("/api/v1/check?lang=kk", content=b"{}", headers={**auth, "content-type": "text/plain"})
            assert plain.status_code == 415 and not english_words(plain.json()["error"]["message"])
            flag = c.post("/api/v1/check?lang=ru&record=maybe", content=b"{}", headers=auth)
            codes = {"record", "true", "false", "maybe"}  # the parameter, its values and the value given
            assert flag.status_code == 400 and not english_words(flag.json()["error"]["message"], codes)
            unknown = c.get("/api/v1/rules/NOPE-01?lang=kk", headers=auth)
            assert unknown.status_code == 404 and "ережесі жоқ" in unknown.json()["error"]["message"]
            record = c.post("/api/v1/check?lang=ru&record=true", content=json.dumps(base()).encode(), headers=auth)
            assert record.status_code == 400 and "реестр" in record.json()["error"]["message"]
            doc = base()
            doc["certificate"]["parcels"] = "two"
            unread = c.post("/api/v1/submission?lang=ru", content=json.dumps(doc).encode(), headers=auth)
            assert unread.status_code == 422 and "нужно целое число" in unread.json()["error"]["message"]
            assert not english_words(unread.json()["error"]["message"], own_words(doc))
            # English stays as it was
            assert "needs a token" in c.post("/api/v1/check", content=b"{}").json()["error"]["message"]
    finally:
        service.close()
