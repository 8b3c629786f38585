"""The desk as a controller uses it, in real headless Chromium, in Russian and in Kazakh: sign
in, type a certificate with decimal commas, check, follow a finding to its field, record a
refusal with a comment, see it in the history and on the register page, print; and no English
word on the page, the print or the API's JSON outside codes, identifiers and the data.

Screenshots go to tests/screenshots/ (ignored by git).
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, base, start_desk, stop_desk
from english_scan import own_words, scan_html, scan_json
from test_serve_browser import CHROMIUM, SHOTS, browser, field, shot, type_example  # noqa: F401  (browser: the fixture)

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it (fails under CI)
    expect = None

from kpcheck.register import accounts
from kpcheck.register.store import Register

NAME = "Ә. Сейтқали"  # a controller's name as the department writes it
WORDS = {
    "ru": {"refused": "отказано", "draft": None, "decimal": "Не число", "checked": "Проверено", "history": "прежнее использование"},
    "kk": {"refused": "бас тартылды", "draft": "жоба", "decimal": "Сан емес", "checked": "Тексерілді", "history": "бұрын 1 рет"},
}


@pytest.fixture
def desk(tmp_path):
    """A desk over a register with a controller and an auditor: (url, controller token, auditor token, register URL)."""
    url = str(tmp_path / "register.sqlite")
    register = Register.open(url, create=True)
    controller = accounts.add(register, NAME, "controller")
    auditor = accounts.add(register, "B. Auditor", "auditor")
    register.close()
    proc, base_url = start_desk(env={"KPCHECK_REGISTER": url, "KPCHECK_TIMEZONE": "Asia/Almaty"})
    yield base_url, controller, auditor, url
    stop_desk(proc)


@pytest.fixture
def context(browser):  # noqa: F811
    made = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    problems: list[str] = []
    made.on("page", lambda p: p.on("pageerror", lambda exc: problems.append(f"script error: {exc}")))
    yield made
    made.close()
    assert not problems, problems


def sign_in(page, url: str, token: str, lang: str) -> None:
    page.goto(f"{url}/?lang={lang}")
    expect(page).to_have_url(re.compile(r"/signin\?lang=" + lang))
    assert not scan_html(page.content(), lang), "the sign-in page speaks the language"
    page.fill("#account-token", token)
    page.click("#sign-in")
    expect(page.locator("#desk-form")).to_be_visible()
    page.wait_for_function("() => window.kpcheckDesk !== undefined")  # the page's script is ready


def checks_so_far(url: str) -> int:
    with urllib.request.urlopen(url + "/healthz") as response:
        return int(json.loads(response.read())["checks"])


def english_on(html: str, lang: str, *data: object) -> list[str]:
    return scan_html(html, lang, own_words(*data, NAME, "B. Auditor"))


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_controller_checks_refuses_and_finds_it_in_the_register(context, desk, lang):
    url, token, _, _ = desk
    words = WORDS[lang]
    page = context.new_page()
    sign_in(page, url, token, lang)
    assert NAME in page.inner_text(".account")
    type_example(page)
    example = base()
    # amounts as a controller types them: decimal commas, spaces (also no-break and narrow ones) between thousands
    field(page, "certificate.lines[0].carats").fill("1250,5")
    field(page, "certificate.lines[0].value_usd").fill("812 500,00")
    field(page, "certificate.total_carats").fill("1\u00a0250,50")
    field(page, "certificate.total_value_usd").fill("812\u202f500")
    field(page, "state_control_act.carats").fill("1250.5")
    sent = page.evaluate("window.kpcheckDesk.toSubmission()")
    assert sent["certificate"]["lines"][0] == {"hs_code": "7102.31", "carats": 1250.5, "value_usd": 812500}
    assert (sent["certificate"]["total_carats"], sent["certificate"]["total_value_usd"]) == (1250.5, 812500)
    with page.expect_download() as downloaded:
        page.click("#save")
    saved = Path(downloaded.value.path()).read_text()
    assert '"carats": 1250.5,' in saved and '"total_carats": 1250.50,' in saved and '"value_usd": 812500.00' in saved  # plain decimals

    # a value the form cannot read is shown at its field, in the page's language, before any check
    field(page, "certificate.lines[0].carats").fill("1,250.5")
    before = checks_so_far(url)
    page.click("#check")
    error = page.locator('.field:has([id="f-certificate.lines[0].carats"]) .field-error')
    expect(error).to_contain_text(words["decimal"])
    assert checks_so_far(url) == before  # nothing was sent
    assert page.locator("#verdict").count() == 0
    shot(page, f"desk-{lang}-01-bad-amount")
    field(page, "certificate.lines[0].carats").fill("1 250,5")

    # check, and follow a finding to its field
    page.check('[id="f-certificate.condition.erasures"]')
    page.click("#check")
    expect(page.locator("#verdict")).to_have_attribute("data-status", "invalid")
    assert page.locator(".field-error").count() == 0
    expect(page.locator("#result-heading")).to_have_text(words["checked"])
    if words["draft"]:
        expect(page.locator("#draft-notice")).to_be_visible()
        assert words["draft"] in page.locator(".finding[data-rule=COND-01] .draft").inner_text()
    cond = page.locator(".finding[data-rule=COND-01]")
    link = cond.locator('a[data-field="certificate.condition.erasures"]')
    assert link.inner_text() != "certificate.condition.erasures"  # the form's label, not the path
    link.click()
    assert "focused" in page.locator('.field:has([id="f-certificate.condition.erasures"])').get_attribute("class")
    assert page.evaluate("document.activeElement.id") == "f-certificate.condition.erasures"
    shot(page, f"desk-{lang}-02-checked")
    typed = page.evaluate("window.kpcheckDesk.toSubmission()")
    assert not english_on(page.content(), lang, typed, example), "the desk page speaks the language"

    # record a refusal with a comment
    comment = "Подчистки в графе 9" if lang == "ru" else "9-бағандағы өшірулер"
    page.check("#outcome-refused")
    page.fill("#comment", comment)
    page.click("#record")
    recorded = page.locator("#recorded")
    expect(recorded).to_contain_text(words["refused"])
    expect(recorded).to_contain_text(comment)
    expect(recorded).to_contain_text(NAME)
    this_row = page.locator("#history tr.this")
    expect(this_row).to_contain_text(words["refused"])
    shot(page, f"desk-{lang}-03-recorded")

    # the same certificate number again: the earlier use, its refusal and who took it, beside the result
    field(page, "id").fill("ALA-2024-0199")
    page.uncheck('[id="f-certificate.condition.erasures"]')
    page.click("#check")
    expect(page.locator(".finding[data-rule=XREF-01]")).to_be_visible()
    earlier = page.locator("#history tr.collides")
    expect(earlier).to_contain_text(example["id"])
    expect(earlier).to_contain_text(words["refused"])
    expect(earlier).to_contain_text(comment)
    expect(earlier).to_contain_text(NAME)
    assert words["history"] in page.inner_text("#history h3")
    page.locator(".finding[data-rule=XREF-01] a.collision").click()
    assert page.evaluate("location.hash") == "#" + earlier.get_attribute("id")
    shot(page, f"desk-{lang}-04-history")
    assert not english_on(page.content(), lang, typed, example, page.evaluate("window.kpcheckDesk.toSubmission()"))

    # a switch of language shows the same result again, without a new check
    other = "kk" if lang == "ru" else "ru"
    count = checks_so_far(url)
    page.click(f"a.lang-switch[hreflang={other}]")
    expect(page.locator("html")).to_have_attribute("lang", other)
    expect(page.locator("#verdict")).to_have_attribute("data-status", "non_compliant")
    expect(page.locator(".finding[data-rule=XREF-01]")).to_be_visible()
    assert checks_so_far(url) == count
    assert field(page, "id").input_value() == "ALA-2024-0199"  # what was typed is kept
    assert field(page, "certificate.lines[0].carats").input_value() == "1 250,5"
    page.click(f"a.lang-switch[hreflang={lang}]")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("#verdict")).to_have_attribute("data-status", "non_compliant")

    # print: the report of the check shown, in the page's language
    with context.expect_page() as opened:
        page.click("#print")
    report = opened.value
    report.wait_for_load_state()
    text = report.inner_text("main")
    assert "XREF-01" in text and "SHA-256" in text and "UTC+05:00" in text
    assert not english_on(report.content(), lang, typed, example, page.evaluate("window.kpcheckDesk.toSubmission()"))
    report.emulate_media(media="print")
    report.screenshot(path=str(SHOTS / f"desk-{lang}-05-print.png"), full_page=True)
    assert report.pdf(format="A4", prefer_css_page_size=True).startswith(b"%PDF")

    # the register page: the refusal, with its controller and comment, and its report as it was printed
    page.click("#register-link")
    row = page.locator("#decisions tr.decision-refused")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(comment)
    expect(row).to_contain_text(NAME)
    assert not english_on(page.content(), lang, example)
    page.select_option('select[name="decision"]', "accepted")
    page.click("#filter")
    expect(page.locator("#decisions tr.decision-refused")).to_have_count(0)
    page.select_option('select[name="decision"]', "refused")
    page.click("#filter")
    row = page.locator("#decisions tr.decision-refused")
    expect(row).to_have_count(1)
    shot(page, f"desk-{lang}-06-register")
    with context.expect_page() as opened:
        row.locator("a.open-report").click()
    printed = opened.value
    printed.wait_for_load_state()
    kept = printed.inner_text("main")
    assert words["refused"] in kept and comment in kept and NAME in kept and "COND-01" in kept
    assert not english_on(printed.content(), lang, example, typed)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_api_json_speaks_the_language(desk, lang):
    url, _, _, _ = desk
    english = {}
    for path in sorted((ROOT / "fixtures" / "submissions").glob("*.json")):
        request = urllib.request.Request(
            f"{url}/api/v1/check?lang={lang}", data=path.read_bytes(), headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request) as response:
            found = scan_json(response.read().decode(), own_words(json.loads(path.read_text()), base()["certificate"]["kp_statement"]))
        if found:
            english[path.name] = sorted(set(found))
    assert not english, english


def test_an_auditor_sees_but_cannot_record(context, desk):
    url, _, auditor, _ = desk
    page = context.new_page()
    sign_in(page, url, auditor, "ru")
    page.set_input_files("#load-file", str(ROOT / "fixtures" / "submissions" / "cond-erasure-stains.json"))
    expect(field(page, "id")).not_to_have_value("")
    page.click("#check")
    expect(page.locator("#verdict")).to_have_attribute("data-status", "invalid")
    assert page.locator("#decision-form").count() == 0
    expect(page.locator("#history")).to_be_visible()
    # a forged post from this session is refused (403) even with the session's CSRF token
    status = page.evaluate(
        """async () => {
            const token = document.getElementById('verdict').dataset.result;
            const body = new URLSearchParams({csrf: document.body.dataset.csrf, result: token, outcome: 'accepted', lang: 'ru'});
            const r = await fetch('desk/decision', {method: 'POST', body});
            return r.status;
        }"""
    )
    assert status == 403


def test_a_bad_amount_is_named_in_russian_when_the_server_refuses(context, desk):
    """A value that passes the form but not the server (an amount over 10^12) is shown at its field."""
    url, token, _, _ = desk
    page = context.new_page()
    sign_in(page, url, token, "ru")
    type_example(page)
    field(page, "certificate.total_carats").fill("1 000 000 000 000")
    page.click("#check")
    error = page.locator('.field:has([id="f-certificate.total_carats"]) .field-error')
    expect(error).to_contain_text("10^12")
    expect(page.locator("#verdict")).to_have_attribute("data-status", "error")
    assert "Всего каратов" in page.inner_text(".input-errors")
    assert not scan_html(page.content(), "ru", own_words(base(), NAME))
    shot(page, "desk-ru-07-refused-by-the-server")


def test_an_empty_form_answers_in_russian(context, desk):
    url, token, _, _ = desk
    page = context.new_page()
    sign_in(page, url, token, "ru")
    page.click("#check")
    expect(page.locator("#verdict")).to_have_attribute("data-status", "error")
    # the form's defaults fill the rest; what only the controller can give is marked at its field
    expect(page.locator('.field:has([id="f-id"]) .field-error')).to_contain_text("обязательное поле")
    expect(page.locator('.field:has([id="f-certificate.number"]) .field-error')).to_contain_text("обязательное поле")
    status = page.inner_text("#status-line")
    assert "desk:" not in status and "required" not in status
    assert not scan_html(page.content(), "ru", own_words(NAME))
