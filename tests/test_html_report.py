"""The HTML audit report as an auditor sees it: labels, legal basis, the US$/ct picture, the
breakdowns, the language, and (in headless Chromium, when installed) cards that fit at 1280 and
1920 px. Screenshots go to ``build/screenshots/`` (git-ignored) for people to look at."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import unavailable

from kpcheck.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html") / "batch.jsonl"
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "generate.py"), "--count", "600", "--violations", "0.2", "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return out


def audit_page(batch: Path, lang: str, *extra: str) -> str:
    page = batch.parent / f"audit-{lang}.html"
    result = CliRunner().invoke(
        main, ["audit", str(batch), "-j", "1", "--fail-on", "never", "--lang", lang, "--format", f"html={page}", *extra]
    )
    assert result.exit_code == 0, result.output
    return page.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page_en(batch) -> str:
    return audit_page(batch, "en")


@pytest.fixture(scope="module")
def page_ru(batch) -> str:
    return audit_page(batch, "ru")


def visible(page: str) -> str:
    """The text a reader sees: no style, script, tags or attributes."""
    page = re.sub(r"<(style|script)>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_statuses_are_human_and_titles_visible(page_en):
    text = visible(page_en)
    assert "Non-compliant" in text and "non_compliant" not in text
    assert "Certificate bears erasures" in text  # a rule title, not a tooltip
    assert re.search(r'<td class="rl"><a href="#rule-cond-01">COND-01</a><small>Certificate bears erasures', page_en)


def test_each_finding_names_its_legal_basis(page_en):
    assert "<th>Legal basis</th>" in page_en
    assert re.search(r'<td class="law">Government Resolution No 356 of 20\.06\.2016[^<]*\(provision unconfirmed\)', page_en)


def test_prices_per_hs_code_with_the_median_band_and_the_outliers(page_en):
    section = page_en[page_en.index("US$ per carat per HS code") : page_en.index("Per territorial department")]
    assert section.count("<svg") == 3 and "HS code 7102.10" in section
    assert 'fill="#dcfce7"' in section  # the band XREF-03 accepts
    outliers = re.findall(r'<circle [^>]*fill="#dc2626"', section)
    reported = [int(n) for n in re.findall(r"(\d+) outliers reported by XREF-03", section)]
    assert outliers and len(outliers) == sum(reported) > 0


def test_breakdowns_by_department_and_counterparty(page_en):
    text = visible(page_en)
    assert "Per territorial department" in text and "Per counterparty country" in text
    departments = page_en[page_en.index("Per territorial department") : page_en.index("Per counterparty country")]
    assert "<td>Almaty</td>" in departments and "<td>Astana</td>" in departments


def test_rules_link_to_the_rulebook_document(batch):
    page = audit_page(batch, "en", "--rulebook-url", "https://example.org/rulebook.html")
    assert '<a href="https://example.org/rulebook.html#cond-01">COND-01</a>' in page
    assert 'id="rule-cond-01"' in page


def test_self_contained(page_en):
    assert not re.search(r'(src|href)="(https?:)?//', page_en.replace('href="file://', ""))
    assert "default-src 'none'" in page_en and "<script>" in page_en


def test_russian_page_says_so(page_ru):
    assert page_ru.startswith('<!DOCTYPE html>\n<html lang="ru">')
    text = visible(page_ru)
    assert "Правовое основание" in text and "Постановление Правительства Республики Казахстан" in text
    assert "Не соответствует" in text and "Цена в долларах США за карат по кодам ТН ВЭД" in text


MEASURE = """<script>
window.addEventListener('load', function(){
  var bad = [].slice.call(document.querySelectorAll('.card,.panel,.cards,main')).filter(function(el){
    return el.scrollWidth > el.clientWidth + 1;});
  document.body.setAttribute('data-overflow', String(bad.length));
  document.body.setAttribute('data-page-wide', String(document.documentElement.scrollWidth > window.innerWidth));
});
</script></body>"""


@pytest.fixture(scope="module")
def chromium() -> str:
    if CHROMIUM is None:
        unavailable("headless Chromium is not installed (apt-get install chromium)")
    return str(CHROMIUM)


@pytest.mark.parametrize("width", [1280, 1400, 1920])
def test_cards_fit_in_chromium(batch, page_en, width, chromium):
    SHOTS.mkdir(parents=True, exist_ok=True)
    probe = batch.parent / f"probe-{width}.html"
    probe.write_text(page_en.replace("</body>", MEASURE), encoding="utf-8")
    flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", f"--window-size={width},2400"]
    dom = subprocess.run([*flags, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert 'data-overflow="0"' in dom and 'data-page-wide="false"' in dom, re.findall(r"data-(?:overflow|page-wide)=\"[^\"]*\"", dom)
    shot = SHOTS / f"audit-{width}.png"
    subprocess.run([*flags, f"--screenshot={shot}", (batch.parent / "audit-en.html").as_uri()], capture_output=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_rows_are_paged_in_chromium(tmp_path, chromium):
    """Only one page of rows is laid out; the count says which rows of how many are shown."""
    import io

    from kpcheck.report.html import HtmlWriter
    from kpcheck.report.html_assets import PAGE

    spec_dir = ROOT / "tools"
    sys.path.insert(0, str(spec_dir))
    try:
        import gen_format_goldens as gen
    finally:
        sys.path.remove(str(spec_dir))
    stream = io.StringIO()
    writer = HtmlWriter(stream, {"fail_on": "violation"})
    writer.start(gen.META)
    _, failing, *_ = gen.sample_results()
    for _ in range(450):
        writer.add(failing)
    writer.finish({})
    page = tmp_path / "paged.html"
    page.write_text(stream.getvalue(), encoding="utf-8")
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    ).stdout
    assert dom.count('class="on"') == PAGE
    assert f"rows 1–{PAGE} of 900 shown (900 in all)" in dom
