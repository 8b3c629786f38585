"""The desk's JSON API and guards, in process (Starlette's test client): every status code."""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SERVE_TOKEN, base
from starlette.testclient import TestClient

from kpcheck.api import Checker
from kpcheck.cli.main import main
from kpcheck.serve.app import create_app
from kpcheck.serve.security import host_of
from kpcheck.serve.service import CheckService
from kpcheck.serve.settings import BindingRefused, Settings

FIXTURES = sorted((ROOT / "fixtures" / "submissions").glob("*.json"))
LOCAL = "http://127.0.0.1"


@pytest.fixture(scope="module")
def service():
    svc = CheckService(Checker.load())
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def client(service):
    with TestClient(create_app(service, Settings()), base_url=LOCAL) as c:
        yield c


@pytest.fixture(scope="module")
def guarded(service):
    with TestClient(create_app(service, Settings(token=SERVE_TOKEN)), base_url=LOCAL) as c:
        yield c


def csrf_of(client: TestClient) -> str:
    """The session's CSRF token, as the page carries it (the client keeps the session cookie)."""
    found = re.search(r'data-csrf="([^"]+)"', client.get("/").text)
    assert found is not None
    return found.group(1)


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_check_gives_exactly_what_the_cli_gives(client, path, monkeypatch):
    monkeypatch.chdir(ROOT)
    cli = CliRunner().invoke(main, ["check", "--format", "json", relative(path)])
    assert cli.exit_code in (0, 1), cli.output
    response = client.post(
        f"/api/v1/check?source={relative(path)}", content=path.read_bytes(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.text == cli.stdout


def test_check_in_russian_and_kazakh_as_lang_does(client):
    raw = (ROOT / "fixtures" / "submissions" / "cond-erasure-stains.json").read_bytes()
    for lang in ("ru", "kk"):
        cli = CliRunner().invoke(
            main, ["check", "--format", "json", "--lang", lang, str(ROOT / "fixtures" / "submissions" / "cond-erasure-stains.json")]
        )
        api = client.post(f"/api/v1/check?lang={lang}&source=x", content=raw).json()
        assert api["results"][0]["violations"] == json.loads(cli.stdout)["results"][0]["violations"]
    ru = client.post("/api/v1/check?lang=ru", content=raw).json()["results"][0]["violations"]
    assert next(v for v in ru if v["rule"] == "COND-01")["title"] != "Certificate bears erasures"
    # the language of one request does not stick to the next
    en = client.post("/api/v1/check", content=raw).json()["results"][0]["violations"]
    assert next(v for v in en if v["rule"] == "COND-01")["title"] == "Certificate bears erasures"


def test_yaml_body_is_read_as_yaml(client):
    yaml = (ROOT / "fixtures" / "submissions" / "compliant-export.json").read_text()  # JSON is YAML 1.2
    response = client.post("/api/v1/check", content=yaml, headers={"content-type": "application/yaml"})
    assert response.status_code == 200 and response.json()["results"][0]["status"] == "compliant"


@pytest.mark.parametrize(
    "body, location",
    [
        (b"{bad", "request:1:2"),
        (b"[]", "request"),
        (b"", "request:1:1"),  # columns count from 1
        (json.dumps({**base(), "colour": "red"}).encode(), "request: colour"),
        (json.dumps({**base(), "presented_on": "2024-13-01"}).encode(), "request: presented_on"),
    ],
)
def test_a_body_that_is_not_a_submission_gets_422_with_the_cli_message(client, body, location, tmp_path):
    response = client.post("/api/v1/check", content=body)
    assert response.status_code == 422
    result = response.json()["results"][0]
    assert result["status"] == "error" and result["error"]["location"] == location
    (tmp_path / "request.json").write_bytes(body)
    cli = CliRunner().invoke(main, ["check", "--format", "json", str(tmp_path / "request.json")])
    assert cli.exit_code == 2
    assert json.loads(cli.stdout)["results"][0]["error"]["message"] == result["error"]["message"]


def test_a_body_over_1_mib_gets_413_by_length_and_while_streaming(client):
    big = b" " * (1024 * 1024 + 1)
    assert client.post("/api/v1/check", content=big).status_code == 413

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(17):
            yield b" " * 65536

    response = client.post("/api/v1/check", content=chunks())
    assert response.status_code == 413
    assert "1 MiB" in response.json()["error"]["message"]
    just = json.dumps(base()).encode()
    assert client.post("/api/v1/check", content=just + b" " * (1024 * 1024 - len(just))).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "127.0.0.2", "[::2]:80"])
def test_a_foreign_host_is_refused(client, host):
    response = client.get("/healthz", headers={"host": host})
    assert response.status_code == 421


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "localhost", "LOCALHOST:1", "[::1]:8080"])
def test_loopback_hosts_are_answered(client, host):
    assert client.get("/healthz", headers={"host": host}).status_code == 200


def test_host_of():
    assert host_of("[::1]:8080") == "::1" and host_of("a.b:1") == "a.b" and host_of("a.b") == "a.b"


def test_every_api_call_needs_the_token_when_one_is_set(guarded):
    raw = json.dumps(base()).encode()
    for method, path in (
        ("post", "/api/v1/check"),
        ("post", "/api/v1/submission"),
        ("get", "/api/v1/rules"),
        ("get", "/api/v1/rules/COND-01"),
        ("get", "/api/v1/openapi.json"),
    ):
        denied = getattr(guarded, method)(path, **({"content": raw} if method == "post" else {}))
        assert denied.status_code == 401, path
        assert denied.headers["www-authenticate"].startswith("Bearer")
        wrong = getattr(guarded, method)(path, headers={"authorization": "Bearer nope"}, **({"content": raw} if method == "post" else {}))
        assert wrong.status_code == 401
        ok = getattr(guarded, method)(
            path, headers={"authorization": f"Bearer {SERVE_TOKEN}"}, **({"content": raw} if method == "post" else {})
        )
        assert ok.status_code == 200, path
    assert guarded.get("/healthz").status_code == 200  # liveness stays open
    assert guarded.get("/").status_code == 200  # the page holds no data; its calls carry the token
    csrf = csrf_of(guarded)
    assert guarded.post("/report", data={"submission": raw.decode(), "csrf": csrf}).status_code == 401
    assert guarded.post("/report", data={"submission": raw.decode(), "token": SERVE_TOKEN, "csrf": csrf}).status_code == 200
    assert guarded.post("/report", data={"submission": raw.decode(), "token": SERVE_TOKEN}).status_code == 403  # no CSRF token


def test_rules_and_one_rule(client, service):
    listed = client.get("/api/v1/rules").json()
    assert [r["id"] for r in listed["rules"]] == [r.id for r in service.checker.book.rules]
    assert listed["rulebook"]["sha256"] == service.checker.rules_sha256
    one = client.get("/api/v1/rules/cond-01")
    assert one.status_code == 200
    rule = one.json()
    assert rule["id"] == "COND-01" and rule["severity"] == "invalid" and rule["legal_basis"]
    assert rule["condition"] and rule["examples"]
    missing = client.get("/api/v1/rules/NOPE-99")
    assert missing.status_code == 404 and "NOPE-99" in missing.json()["error"]["message"]


def test_unknown_endpoint_and_method(client):
    assert client.get("/api/v1/nothing").status_code == 404
    assert client.get("/api/v1/check").status_code == 405


def test_bad_query_parameters_get_400(client):
    raw = json.dumps(base()).encode()
    assert client.post("/api/v1/check?lang=fr", content=raw).status_code == 400
    assert client.post("/api/v1/check?record=perhaps", content=raw).status_code == 400
    refused = client.post("/api/v1/check?record=true", content=raw)
    assert refused.status_code == 400 and "--register" in refused.json()["error"]["message"]


def test_openapi_describes_every_route(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/api/v1/check",
        "/api/v1/submission",
        "/api/v1/explain",
        "/api/v1/rules",
        "/api/v1/rules/{rule_id}",
        "/api/v1/openapi.json",
        "/api/v1/register/events",
        "/api/v1/register/due",
        "/healthz",
    }
    assert set(spec["paths"]["/api/v1/check"]["post"]["responses"]) >= {"200", "401", "413", "421", "422"}


def test_healthz_names_the_rulebook(client, service):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["rulebook"]["sha256"] == service.checker.rules_sha256
    client.post("/api/v1/check", content=json.dumps(base()).encode())
    assert client.get("/healthz").json()["checks"] == health["checks"] + 1


def test_reading_a_submission_file_for_the_form(client):
    raw = (ROOT / "fixtures" / "submissions" / "compliant-export.json").read_bytes()
    read = client.post("/api/v1/submission", content=raw)
    assert read.status_code == 200
    sub = read.json()["submission"]
    assert Decimal(sub["certificate"]["lines"][0]["carats"]) == Decimal("1250.50")  # a decimal text, exact
    bad = client.post("/api/v1/submission?source=mine.yaml", content=b"id: [", headers={"content-type": "text/yaml"})
    assert bad.status_code == 422 and bad.json()["error"]["location"].startswith("mine.yaml:")


def test_the_page_has_a_strict_csp_and_no_inline_code(client):
    page = client.get("/?lang=en")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    html = page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert "<style" not in html and not re.search(r"\sstyle=", html), "inline style"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    for path in (
        "certificate.condition.erasures",
        "certificate.lines[0].carats",
        "customs.tnved_codes",
        "state_control_act.controller_id",
        "duplicate.returned_on",
        "certificate.coupon.attached",
    ):
        assert f'data-path="{path}"' in html, path
    assert client.get("/static/desk.js").status_code == 200 and client.get("/static/desk.css").status_code == 200


def test_the_page_speaks_russian_by_default_and_switches(client):
    assert 'lang="ru"' in client.get("/").text
    assert "Подчистки" in client.get("/").text
    assert "Erasures" in client.get("/?lang=en").text
    kk = client.get("/?lang=kk").text
    assert 'lang="kk"' in kk and "Өшірулер" in kk


def test_user_text_is_escaped_in_the_report(client):
    doc = base()
    doc["id"] = "<script>alert(1)</script>"
    page = client.post("/report", data={"submission": json.dumps(doc), "lang": "en", "csrf": csrf_of(client)})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


def test_the_printable_report_carries_identity_and_hashes(client, service):
    raw = (ROOT / "fixtures" / "submissions" / "cond-erasure-stains.json").read_text()
    page = client.post("/report", data={"submission": raw, "lang": "en", "csrf": csrf_of(client)})
    assert page.status_code == 200
    html = page.text
    for needle in (
        "INVALID",
        "COND-01",
        "Government Resolution No 356",
        hashlib.sha256(raw.encode()).hexdigest(),
        service.checker.rules_sha256,
        service.checker.registers_sha256,
        "EXAMPLE registers",
        "State controller (name, signature)",
        json.loads(raw)["certificate"]["number"],
    ):
        assert needle in html, needle
    unreadable = client.post("/report", data={"submission": "{", "lang": "ru", "csrf": csrf_of(client)})
    assert unreadable.status_code == 422 and "НЕ ПРОЧИТАНО" in unreadable.text


def test_with_a_register_checks_run_xref_and_record(service, tmp_path, monkeypatch):
    from kpcheck.register.store import Register, decisions_of, submissions_of

    url = str(tmp_path / "register.sqlite")
    first, second = base(), base()
    second["id"] = "ALA-2024-0099"  # another submission, the same certificate number
    svc = CheckService(service.checker, register=Register.open(url, create=True), by="desk 3")
    try:
        with TestClient(create_app(svc, Settings()), base_url=LOCAL) as c:
            stored = c.post("/api/v1/check?record=true", content=json.dumps(first).encode())
            assert stored.status_code == 200 and stored.json()["results"][0]["status"] == "compliant"
            again = c.post("/api/v1/check?source=second.json", content=json.dumps(second).encode())
            assert "XREF-01" in [v["rule"] for v in again.json()["results"][0]["violations"]]
    finally:
        svc.close()
    register = Register.open(url, create=True)
    with register.reading() as conn:
        rows = submissions_of(conn, first["certificate"]["number"])
        decisions = decisions_of(conn, [row["pk"] for row in rows])
    register.close()
    assert len(rows) == 1  # the check without record=true stored nothing
    assert [d["decided_by"] for ds in decisions.values() for d in ds] == ["desk 3"]
    # the same answer as the command line's check against the same register
    monkeypatch.chdir(tmp_path)
    (tmp_path / "second.json").write_text(json.dumps(second))
    cli = CliRunner().invoke(main, ["check", "--format", "json", "--register", url, "second.json"])
    assert cli.exit_code == 1, cli.output
    assert json.loads(cli.stdout)["results"] == again.json()["results"]


def test_binding_beyond_loopback_needs_a_token():
    with pytest.raises(BindingRefused, match="token"):
        Settings(host="0.0.0.0")
    assert Settings(host="0.0.0.0", token=SERVE_TOKEN).trusted_hosts() == ["127.0.0.1", "::1", "localhost"]
    assert Settings(host="10.1.2.3", token=SERVE_TOKEN, allow_hosts=("desk.lan",)).trusted_hosts() == ["10.1.2.3", "desk.lan"]


def desk_msgids() -> list[str]:
    """Every interface text of the desk: the form, the templates, the labels handed to the script."""
    from kpcheck.serve.form import msgids
    from kpcheck.serve.page_routes import environment, script_texts

    found = list(msgids())
    env = environment("en")
    for template in sorted((ROOT / "kpcheck" / "serve" / "templates").glob("*.html")):
        found += [m for _, _, m in env.extract_translations(template.read_text(encoding="utf-8")) if isinstance(m, str)]
    texts = script_texts("en")
    found += [*texts["verdicts"].values(), *texts["severities"].values(), *texts["words"].values(), "export", "import"]
    return list(dict.fromkeys(found))


def test_every_desk_text_is_translated():
    """Russian has every text; Kazakh every text but the verdict words the shared catalogue
    leaves to its Russian fall-back; nothing shows in English on a ru or kk page."""
    from kpcheck.i18n import translations

    ru, kk = translations("ru"), translations("kk")
    assert not [m for m in desk_msgids() if ru.gettext(m) == m]
    assert not [m for m in desk_msgids() if kk.gettext(m) == m]
    own_kk = [m for m in desk_msgids() if kk.gettext(m) != ru.gettext(m)]
    assert len(own_kk) >= len(desk_msgids()) - 5  # a Kazakh text of its own, not the Russian one


def test_the_library_checks_in_memory_submissions(service):
    checker = service.checker
    doc = json.loads((ROOT / "fixtures" / "submissions" / "cond-erasure-stains.json").read_text())
    as_bytes = checker.check_data(json.dumps(doc).encode(), "mem")
    assert as_bytes.status == "invalid" and as_bytes.source == "mem"
    assert checker.check_data(json.dumps(doc)).findings == as_bytes.findings
    assert checker.check_data(doc).findings == as_bytes.findings
    yaml = "".join(f"{k}: {json.dumps(v)}\n" for k, v in doc.items())
    assert checker.check_data(yaml, kind="yaml").findings == as_bytes.findings
    russian = checker.check_data(doc, lang="ru")
    assert [f.rule for f in russian.findings] == [f.rule for f in as_bytes.findings]
    assert russian.findings[0].title != as_bytes.findings[0].title
    assert checker.check_data(doc).findings == as_bytes.findings  # the language did not stick
    broken = checker.check_data(b"{", "mem")
    assert broken.status == "error" and broken.error["location"] == "mem:1:2"  # where a key was expected
    with pytest.raises(ValueError, match="kind"):
        checker.check_data(b"{}", kind="toml")


def test_a_page_of_another_site_cannot_post(client):
    """CSRF: a foreign page can send a plain form or text without a preflight; both are refused."""
    raw = json.dumps(base())
    as_text = client.post("/api/v1/check", content=raw, headers={"content-type": "text/plain"})
    assert as_text.status_code == 415 and "application/json" in as_text.json()["error"]["message"]
    as_form = client.post("/api/v1/check", content=raw, headers={"content-type": "application/x-www-form-urlencoded"})
    assert as_form.status_code == 415
    foreign = client.post("/report", data={"submission": raw}, headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert client.post("/report", data={"submission": raw}, headers={"origin": "null"}).status_code == 403
    other_port = client.post("/api/v1/check", content=raw, headers={"origin": "http://127.0.0.1:9999", "content-type": "application/json"})
    assert other_port.status_code == 403
    same = client.post("/report", data={"submission": raw, "csrf": csrf_of(client)}, headers={"origin": LOCAL})
    assert same.status_code == 200
    assert client.post("/api/v1/check", content=raw, headers={"origin": LOCAL, "content-type": "application/json"}).status_code == 200
