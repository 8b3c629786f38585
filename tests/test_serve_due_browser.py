"""The desk's event buttons and "Due" page in real headless Chromium, in Russian: a controller
checks and accepts a certificate, reports it damaged from the result, finds it on the Due page
with DUP-01's deadline, records the duplicate from the list and sees the item close."""

from __future__ import annotations

from conftest import base
from test_serve_browser import shot, type_example
from test_serve_desk_browser import browser, context, desk, english_on, sign_in  # noqa: F401  (fixtures)

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it (fails under CI)
    expect = None


def test_a_controller_reports_a_damage_and_closes_it_from_the_due_page(context, desk):  # noqa: F811
    url, token, _, _ = desk
    page = context.new_page()
    sign_in(page, url, token, "ru")
    type_example(page)
    page.click("#check")
    expect(page.locator("#verdict")).to_have_attribute("data-status", "compliant")
    page.check("#outcome-accepted")
    page.click("#record")
    expect(page.locator("#recorded")).to_be_visible()
    expect(page.locator("#event-form")).to_be_visible()
    number = page.locator('#event-form input[name="number"]').get_attribute("value")
    page.fill("#event-on", "2024-03-15")
    with page.expect_navigation():
        page.click("#event-damaged")
    expect(page.locator("#event-done")).to_contain_text("Записано: сертификат повреждён")
    row = page.locator("tr.due-duplicate")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("2024-03-27")  # five Kazakh working days after 15 March 2024 (Nauryz)
    expect(row).to_contain_text("выдать дубликат")
    assert "overdue" in (row.get_attribute("class") or "")
    assert page.locator("tr.due-receipt").count() == 1  # the accepted export awaits its confirmation of receipt
    assert not english_on(page.content(), "ru", base(), number), "the Due page speaks Russian"
    shot(page, "due-ru-01-damaged")
    with page.expect_navigation():
        row.locator("button.close-item").click()
    expect(page.locator("#event-done")).to_contain_text("дубликат выдан")
    expect(page.locator("tr.due-duplicate")).to_have_count(0)
    shot(page, "due-ru-02-closed")
    page.click("#due-link")
    expect(page.locator("#due-summary")).to_contain_text("Открытые задачи")
