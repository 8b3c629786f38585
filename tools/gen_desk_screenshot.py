"""Regenerate docs/desk.png, the README's picture of the desk page.

    python tools/gen_desk_screenshot.py

Starts `kpcheck serve` on a free loopback port, loads fixtures/submissions/cond-erasure-stains.json
into the form in Debian's Chromium (Playwright), checks it and photographs the page in English.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, start_desk, stop_desk  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402


def main() -> None:
    proc, url = start_desk()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1360, "height": 860})
            page.goto(url + "/?lang=en")
            page.set_input_files("#load-file", str(ROOT / "fixtures" / "submissions" / "cond-erasure-stains.json"))
            expect(page.locator('[id="f-id"]')).not_to_have_value("")
            page.click("#check")
            page.wait_for_selector("#verdict")
            page.click('a[data-field="certificate.condition.erasures"]')
            page.screenshot(path=str(ROOT / "docs" / "desk.png"))
            browser.close()
    finally:
        stop_desk(proc)


if __name__ == "__main__":
    main()
