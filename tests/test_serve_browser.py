"""The desk page driven in a real headless Chromium (Debian's ``chromium``) through Playwright.

Screenshots of every step go to ``tests/screenshots/`` (ignored by git). Where Chromium or
Playwright is missing these tests are skipped on a developer's machine and FAIL under CI=true.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, unavailable

try:
    from playwright.sync_api import expect
except ImportError:  # the fixture reports it (fails under CI)
    expect = None

SHOTS = ROOT / "tests" / "screenshots"
FIXTURES = sorted((ROOT / "fixtures" / "submissions").glob("*.json"))
EXAMPLE = json.loads((ROOT / "fixtures" / "submissions" / "compliant-export.json").read_text())


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        unavailable("playwright is not installed (pip install -e '.[test]')")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, desk_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    opened.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    opened.goto(desk_url + "/")
    yield opened
    context.close()
    assert not problems, problems  # no script error, no CSP violation, no missing resource


def field(page, path: str):
    return page.locator(f'[id="f-{path}"]')


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def verdict(page) -> str:
    page.wait_for_selector("#verdict")
    return page.get_attribute("#verdict", "data-status")


def check(page) -> str:
    page.evaluate("document.getElementById('results').replaceChildren()")
    page.click("#check")
    return verdict(page)


def type_example(page) -> None:
    """Type the spec's compliant export into the form, as a controller would from the paper."""
    cert = EXAMPLE["certificate"]
    for path in ("id", "presented_on", "territorial_department"):
        field(page, path).fill(EXAMPLE[path])
    for name in ("number", "issuing_authority", "issued_on", "expires_on"):
        field(page, f"certificate.{name}").fill(cert[name])
    field(page, "certificate.parcels").fill(str(cert["parcels"]))
    for role in ("exporter", "importer"):
        for key, value in cert[role].items():
            if value:
                field(page, f"certificate.{role}.{key}").fill(value)
    field(page, "certificate.origin.countries").fill("RU")
    line = cert["lines"][0]
    field(page, "certificate.lines[0].hs_code").fill(line["hs_code"])
    field(page, "certificate.lines[0].carats").fill("1250.50")
    field(page, "certificate.lines[0].value_usd").fill("812500.00")
    field(page, "certificate.total_carats").fill("1250.50")
    field(page, "certificate.total_value_usd").fill("812500.00")
    field(page, "certificate.signatures[0].name").fill(cert["signatures"][0]["name"])
    field(page, "certificate.signatures[0].signer_id").fill(cert["signatures"][0]["signer_id"])
    field(page, "certificate.seals[0].authority").fill(cert["seals"][0]["authority"])
    act = EXAMPLE["state_control_act"]
    for key in ("number", "issued_on", "controller_id"):
        field(page, f"state_control_act.{key}").fill(act[key])
    field(page, "state_control_act.carats").fill("1250.50")
    field(page, "state_control_act.value_usd").fill("812500.00")
    field(page, "state_control_act.parcels").fill("2")
    page.check('[id="b-customs"]')
    customs = EXAMPLE["customs"]
    for key in ("office", "declared_on"):
        field(page, f"customs.{key}").fill(customs[key])
    field(page, "customs.tnved_codes").fill("7102310000")
    for i, doc in enumerate(customs["documents"]):
        page.click('[data-add-row="customs.documents"]')
        for key in ("code", "number", "date"):
            field(page, f"customs.documents[{i}].{key}").fill(doc[key])


def test_a_typed_compliant_export_then_erasures(page):
    shot(page, "01-empty-form")
    type_example(page)
    assert check(page) == "compliant"
    assert page.inner_text("#verdict") == "СООТВЕТСТВУЕТ"  # Russian by default
    shot(page, "02-compliant")

    page.check('[id="f-certificate.condition.erasures"]')
    assert check(page) == "invalid"
    cond = page.locator(".finding", has=page.locator(".rule", has_text="COND-01"))
    assert cond.count() == 1
    assert "Правовое основание" in cond.inner_text()
    cond.locator('a[data-field="certificate.condition.erasures"]').click()
    box = page.locator('.field:has([id="f-certificate.condition.erasures"])')
    assert "focused" in box.get_attribute("class")
    assert page.evaluate("document.activeElement.id") == "f-certificate.condition.erasures"
    shot(page, "03-invalid-erasures-highlighted")
    # nothing typed was lost by the checks
    assert field(page, "certificate.number").input_value() == EXAMPLE["certificate"]["number"]
    assert field(page, "customs.documents[1].number").input_value() == EXAMPLE["customs"]["documents"][1]["number"]


def test_load_a_fixture_check_and_print(page, desk_url):
    path = ROOT / "fixtures" / "submissions" / "cond-erasure-stains.json"
    page.set_input_files("#load-file", str(path))
    expect(field(page, "id")).not_to_have_value("")
    assert field(page, "id").input_value() == json.loads(path.read_text())["id"]
    assert field(page, "certificate.condition.erasures").is_checked()
    assert check(page) == "invalid"
    shot(page, "04-loaded-fixture-checked")

    with page.context.expect_page() as opened:
        page.click("#print")
    report = opened.value
    report.wait_for_load_state()
    text = report.inner_text("main")
    assert "НЕДЕЙСТВИТЕЛЕН" in text and "COND-01" in text and "SHA-256" in text
    report.emulate_media(media="print")
    assert not report.locator("#print-now").is_visible()
    report.screenshot(path=str(SHOTS / "05-print-view.png"), full_page=True)
    pdf = report.pdf(format="A4", print_background=False, prefer_css_page_size=True)
    (SHOTS / "05-report.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "the report fits one A4 page"
    assert re.search(rb"/MediaBox\s*\[\s*0 0 59[45]\.?\d* 84[12]\.?\d*\s*\]", pdf), "A4"


def test_every_fixture_round_trips_through_the_form(page, desk_url):
    """Loaded into the form and checked from it, every shipped fixture gets the verdict and the
    findings that the API gives for the file itself."""
    differ = []
    for path in FIXTURES:
        request = urllib.request.Request(
            desk_url + "/api/v1/check?lang=ru", data=path.read_bytes(), headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request) as response:
            want = json.loads(response.read())["results"][0]
        page.set_input_files("#load-file", str(path))
        expect(field(page, "id")).to_have_value(want["submission"])
        got = check(page)
        rules = page.eval_on_selector_all(".finding .rule", "nodes => nodes.map(n => n.textContent)")
        if (got, rules) != (want["status"], [v["rule"] for v in want["violations"]]):
            differ.append((path.name, want["status"], got, rules))
        page.evaluate("document.getElementById('f-id').value = ''")
    shot(page, "06-last-fixture")
    assert not differ, differ


def test_rows_language_switch_and_save(page):
    type_example(page)
    page.click('[data-add-row="certificate.lines"]')
    field(page, "certificate.lines[1].hs_code").fill("7102.21")
    page.locator('[id="f-certificate.lines[0]"] [data-remove-row]').click()
    assert field(page, "certificate.lines[0].hs_code").input_value() == "7102.21"
    assert field(page, "certificate.lines[1].hs_code").count() == 0

    page.click("a.lang-switch[hreflang=kk]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "kk"
    assert "Өшірулер" in page.inner_text("#desk-form")
    assert field(page, "certificate.number").input_value() == EXAMPLE["certificate"]["number"]  # kept
    assert field(page, "certificate.lines[0].hs_code").input_value() == "7102.21"
    assert check(page) in ("non_compliant", "invalid", "review")
    shot(page, "07-kazakh")

    with page.expect_download() as downloaded:
        page.click("#save")
    saved = json.loads(Path(downloaded.value.path()).read_text())
    assert saved["id"] == EXAMPLE["id"] and saved["schema_version"] == 1
    assert saved["certificate"]["lines"] == [{"hs_code": "7102.21"}]
    assert saved["customs"]["documents"] == EXAMPLE["customs"]["documents"]


def test_a_bad_extensions_field_is_named_not_sent(page):
    field(page, "extensions").fill("[1, 2")
    page.click("#check")
    assert "JSON" in page.inner_text("#status-line")
    assert "focused" in page.locator('.field:has([id="f-extensions"])').get_attribute("class")


def test_missing_chromium_fails_under_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run in CI"):
        unavailable("no chromium")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        unavailable("no chromium")


def test_with_a_token_the_page_asks_for_it(browser):
    from conftest import SERVE_TOKEN, start_desk, stop_desk

    proc, url = start_desk(env={"KPCHECK_TOKEN": SERVE_TOKEN})
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(url + "/?lang=en")
        page.click("#check")
        expect(page.locator("#status-line")).to_contain_text("token")
        page.fill("#token", SERVE_TOKEN)
        page.set_input_files("#load-file", str(ROOT / "fixtures" / "submissions" / "compliant-export.json"))
        expect(field(page, "id")).not_to_have_value("")
        assert check(page) == "compliant"
        with context.expect_page() as opened:
            page.click("#print")
        opened.value.wait_for_load_state()
        assert "COMPLIANT" in opened.value.inner_text("main")
        shot(page, "08-with-token")
    finally:
        context.close()
        stop_desk(proc)


def test_a_finding_link_finds_the_nearest_part_of_the_form(page):
    def found(path):
        return page.evaluate("p => window.kpcheckDesk.target(p).map(e => e.id)", path)

    assert found("certificate.condition.erasures") == ["f-certificate.condition.erasures"]
    assert found("certificate.exporter") == [f"f-certificate.exporter.{k}" for k in ("name", "address", "country", "bin")]
    assert found("certificate.lines[0]") == ["f-certificate.lines[0]"]
    assert found("certificate.lines[5].carats") == ["f-certificate.lines"]
    assert found("customs.documents[0].code") == ["f-customs.documents"]
    assert found("schema_version") == []  # nothing to show, and no endless search


def test_defaults_follow_the_direction(page):
    assert field(page, "certificate.issuing_country").input_value() == "KZ"
    page.select_option('[id="f-direction"]', "import")
    assert field(page, "certificate.issuing_country").input_value() == ""
    assert field(page, "certificate.signatures[0].role").input_value() == "exporting_authority"
    page.click('[data-add-row="certificate.signatures"]')
    assert field(page, "certificate.signatures[1].role").input_value() == "exporting_authority"
    field(page, "certificate.issuing_country").fill("AE")
    page.select_option('[id="f-direction"]', "export")
    assert field(page, "certificate.issuing_country").input_value() == "AE"  # typed: kept
    assert field(page, "certificate.signatures[1].role").input_value() == "state_controller"


def test_an_untouched_act_block_sends_no_act(page):
    """The act block is ticked by default: left empty it sends no act (CTRL-01 reports the missing
    act), never ``{}``; a partly filled one is sent as it is (CTRL-01 names what it lacks)."""
    assert "state_control_act" not in page.evaluate("window.kpcheckDesk.toSubmission()")
    field(page, "state_control_act.number").fill("ASC-1")
    assert page.evaluate("window.kpcheckDesk.toSubmission()")["state_control_act"] == {"number": "ASC-1"}


def test_why_under_a_finding_and_a_rule_not_applicable(page):
    """Each finding and each rule not applicable opens its explanation (kpcheck explain's lines)."""
    page.set_input_files("#load-file", str(ROOT / "fixtures" / "submissions" / "dup-deadline-2024-03-15.json"))
    expect(field(page, "id")).not_to_have_value("")
    check(page)
    dup = page.locator(".finding", has=page.locator(".rule", has_text="DUP-01"))
    dup.locator("details.why summary").click()
    explanation = dup.locator("pre.explanation")
    expect(explanation).to_contain_text("← срок")
    text = explanation.inner_text()
    assert "2024-03-18 Пн  рабочий день 1" in text and "2024-03-27 Ср  рабочий день 5  ← срок" in text
    shot(page, "why-dup-01")
    page.locator("details.not-applicable > summary").click()
    first = page.locator("details.not-applicable li").first
    first.locator("details.why summary").click()
    expect(first.locator("pre.explanation")).to_contain_text("Результат")
