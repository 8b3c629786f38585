"""``kpcheck report annual``: the KP annual report drafted from a register built from the example
fixtures (and from files), read back as DOCX, scanned as Russian HTML, printed to PDF in Chromium."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import subprocess
from collections import Counter
from decimal import Decimal

import pytest
from conftest import ROOT, kpcheck, unavailable
from sqlalchemy import text

from kpcheck.register.store import Register

FIXTURES = ROOT / "fixtures" / "submissions"
YEAR = dt.datetime.now(dt.timezone.utc).year  # the decisions below are recorded now (2026 when written)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LETTERS = "ABCDEFGH"
REFUSED = ("non_compliant", "invalid")


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    """A register built from the example fixtures: each audited and recorded, one damage reported."""
    url = str(tmp_path_factory.mktemp("annual") / "register.sqlite")
    audited = kpcheck(
        "audit", "--register", url, "--record", "--by", "audit team", "--jobs", "1", "--format", "json", "-o", "/dev/null", FIXTURES
    )
    assert audited.exit_code == 1, audited.output
    assert kpcheck("register", "event", "KZ000123", "damaged", "--on", "2024-05-03", "--register", url).exit_code == 0
    return url


def docx_of(register, tmp_path, *more):
    try:
        import docx
    except ImportError:  # a venv installed before python-docx became a dependency
        pytest.fail("python-docx is a dependency of kpcheck: pip install -e '.[durable,dev,test,postgresql]' again")
    out = tmp_path / "annual.docx"
    result = kpcheck("report", "annual", "--year", YEAR, "--register", register, "--format", "docx", "-o", out, *more)
    assert result.exit_code == 0, result.output
    return docx.Document(str(out))


def tables_after(document):
    """Each table with the caption paragraph before it, in document order, and the section it is in."""
    body = document.element.body
    out, caption, section = [], None, None
    tables = iter(document.tables)
    paragraphs = {p._p: p for p in document.paragraphs}
    for child in body.iterchildren():
        if child.tag.endswith("}p"):
            paragraph = paragraphs[child]
            if paragraph.style.name == "Heading 1":
                section = paragraph.text[0]
            elif paragraph.text.strip():
                caption = paragraph.text
        elif child.tag.endswith("}tbl"):
            table = next(tables)
            out.append((section, caption, [[cell.text for cell in row.cells] for row in table.rows]))
    return out


def number(cell):
    return None if cell == "-" else Decimal(cell.replace(",", ""))


def test_docx_has_sections_a_to_h_in_order_and_section_e_equals_stats(register, tmp_path):
    document = docx_of(register, tmp_path)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert [h[0] for h in headings] == list(LETTERS) and all(h[1:3] == ". " for h in headings)
    assert headings[4] == "E. Statistics" and headings[6] == "G. Infringements and enforcement"
    tables = tables_after(document)
    stats = kpcheck("stats", "--register", register, "--from", YEAR - 4, "--to", YEAR, "--format", "json")
    assert stats.exit_code == 0, stats.output
    expected = json.loads(stats.stdout)
    (table1,) = [rows for section, caption, rows in tables if section == "E" and caption.startswith("Table 1")]
    (table2,) = [rows for section, caption, rows in tables if section == "E" and caption.startswith("Table 2")]
    assert table1[0][0] == "Year" and len(table1) == 6 == len(table2)
    for row, want in zip(table1[1:], expected["table1"]):
        assert int(row[0]) == want["year"]
        flat = [want[part][key] for part, keys in (("production", ("carats", "value_usd")),) for key in keys]
        flat += [want[part][key] for part in ("import", "export") for key in ("carats", "value_usd", "usd_per_ct")]
        assert [number(c) for c in row[1:]] == [None if v is None else Decimal(str(v)) for v in flat]
    for row, want in zip(table2[1:], expected["table2"]):
        assert [int(row[0]), *(int(c.replace(",", "")) if c != "-" else 0 for c in row[1:])] == [
            want["year"],
            want["import"],
            want["export"],
            want["total"],
        ]
    assert any(number(c) for row in table1[1:] for c in row[1:])  # the fixtures' year is among the five


def recorded_decisions(url):
    """The decisions of YEAR straight from the database: (status, direction, number, findings)."""
    reg = Register.open(url, readonly=True)
    with reg.reading() as conn:
        rows = conn.execute(
            text(
                "SELECT d.pk, d.status, s.direction, s.number, d.decided_at FROM decisions d "
                "JOIN submissions s ON s.pk = d.submission ORDER BY d.pk"
            )
        ).all()
        findings = conn.execute(text("SELECT decision, rule, severity, waived FROM findings")).all()
    reg.close()
    by_decision = {}
    for decision, rule, severity, waived in findings:
        by_decision.setdefault(decision, []).append((rule, severity, waived))
    return [
        (status, direction, numbered, by_decision.get(pk, [])) for pk, status, direction, numbered, at in rows if str(at)[:4] == str(YEAR)
    ]


def test_section_g_counts_equal_the_decisions_recorded(register, tmp_path):
    decisions = recorded_decisions(register)
    assert len(decisions) == len(list(FIXTURES.glob("*.json")))
    tables = tables_after(docx_of(register, tmp_path))
    g = [(caption, rows) for section, caption, rows in tables if section == "G"]
    assert [caption for caption, _ in g] == [
        f"Decisions recorded in {YEAR}",
        "Certificates refused or returned, by rule family",
        f"Open items overdue on {min(dt.date(YEAR, 12, 31), dt.date.today())}",
    ]
    statuses = Counter(status for status, *_ in decisions)
    labels = {
        "compliant": "compliant",
        "to be reviewed": "review",
        "non-compliant": "non_compliant",
        "invalid": "invalid",
        "not read": "error",
    }
    shown = {labels[row[0]]: int(row[1]) for row in g[0][1][1:-1]}
    assert shown == {status: statuses.get(status, 0) for status in labels.values()}
    assert g[0][1][-1][:2] == ["Total", str(len(decisions))]
    last = {}
    for status, direction, numbered, findings in decisions:
        last[(direction, numbered)] = (status, findings)
    refused = Counter()
    for status, findings in last.values():
        if status in REFUSED:
            refused.update(
                {rule.split("-")[0] for rule, severity, waived in findings if waived is None and severity in ("violation", "invalid")}
            )
    assert {row[0]: int(row[2]) for row in g[1][1][1:]} == dict(refused) and refused
    overdue = g[2][1][1:]
    assert ["KZ000123", "export", "duplicate to be issued", "2024-05-14"] in [row[:4] for row in overdue]


RUSSIAN_ALLOWED = re.compile(r"[A-Z0-9][A-Z0-9\-_./]*|kpcheck|[0-9a-f]{12,64}")  # codes, numbers and the program's name


def latin_words(page: str) -> list[str]:
    """Every word in Latin letters that the page shows, other than codes and names."""
    shown = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    words = re.findall(r"[A-Za-z][A-Za-z0-9$\-_./']*", html.unescape(re.sub(r"<[^>]+>", " ", shown)))
    return sorted({w.rstrip(".") for w in words if not RUSSIAN_ALLOWED.fullmatch(w.rstrip("."))})


@pytest.mark.parametrize(("lang", "words"), [("ru", ("Правовая основа", "Таблица 1.")), ("kk", ("Құқықтық негіз", "1-кесте."))])
def test_the_russian_and_kazakh_html_have_no_english_outside_codes_and_names(register, tmp_path, lang, words):
    out = tmp_path / f"annual-{lang}.html"
    result = kpcheck("report", "annual", "--year", YEAR, "--register", register, "--lang", lang, "-o", out)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert latin_words(page) == []
    assert f'<html lang="{lang}">' in page and all(w in page for w in words) and "TRADE-01" in page
    assert latin_words("<p>Не учтены: duplicate requests KZ000123 DUP-01</p>") == ["duplicate", "requests"]  # the scan finds English


def test_the_html_prints_to_a4_pdf_in_chromium(register, tmp_path):
    if CHROMIUM is None:
        unavailable("headless Chromium is not installed (apt-get install chromium)")
    page, pdf = tmp_path / "annual.html", tmp_path / "annual.pdf"
    assert kpcheck("report", "annual", "--year", YEAR, "--register", register, "--lang", "ru", "-o", page).exit_code == 0
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True,
        timeout=180,
        check=False,
    )
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = re.findall(rb"/Type\s*/Page(?!s)", data)
    boxes = {tuple(round(float(x)) for x in box.split()) for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)}
    assert len(pages) >= 3, len(pages)  # the register's rules and tables do not fit on fewer
    assert boxes == {(0, 0, 595, 842)}  # A4 in points
    if shutil.which("pdftotext"):
        shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "Нарушения и правоприменение" in shown


def test_from_files_section_g_is_the_audit_of_them(tmp_path):
    out = tmp_path / "annual.md"
    result = kpcheck("report", "annual", "--year", 2024, FIXTURES, "--format", "markdown", "-o", out)
    assert result.exit_code == 0, result.output
    markdown = out.read_text(encoding="utf-8")
    assert [line[3] for line in markdown.splitlines() if line.startswith("## ")] == list(LETTERS)
    audit = json.loads(kpcheck("audit", "--jobs", "1", "--format", "json", FIXTURES).stdout)
    presented = {str(path): json.loads(path.read_text())["presented_on"] for path in FIXTURES.glob("*.json")}
    in_year = Counter(r["status"] for r in audit["results"] if presented[r["source"]].startswith("2024"))
    assert 0 < sum(in_year.values()) < len(presented)  # some fixtures are of other years
    section_g = markdown.split("## G.")[1].split("## H.")[0]
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ")[1] for line in section_g.splitlines() if line.startswith("| ")}
    assert int(rows["non-compliant"]) == in_year["non_compliant"] and int(rows["compliant"]) == in_year["compliant"]
    assert int(rows["Total"]) == sum(in_year.values())
    assert "kept in the register only" in section_g
    stats = json.loads(kpcheck("stats", FIXTURES, "--from", 2020, "--to", 2024, "--format", "json").stdout)
    assert "| 2024 | - | - | 8,963.50 | 1,344,525.00 | 150.00 |" in markdown
    assert stats["table1"][-1]["import"]["carats"] == 8963.5


def test_bad_inputs_are_exit_2_with_where_and_what(tmp_path, register):
    broken = tmp_path / "template.yaml"
    broken.write_text("format: 1\nparticipant: {en: X, ru: Y}\nsections: {}\nregime_families: []\n", encoding="utf-8")
    result = kpcheck("report", "annual", "--year", YEAR, "--register", register, "--template", broken)
    assert result.exit_code == 2 and f"{broken}:3:11: sections: section A is missing" in result.stderr
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("format: 2\n", encoding="utf-8")
    result = kpcheck("report", "annual", "--year", YEAR, "--register", register, "--template", wrong)
    assert result.exit_code == 2 and f"{wrong}:1:9: format" in result.stderr and "Traceback" not in result.output
    neither = kpcheck("report", "annual", "--year", YEAR)
    assert neither.exit_code == 2 and "give SOURCE... or --register URL" in neither.output
    missing = kpcheck("report", "annual", "--year", YEAR, tmp_path / "nothing")
    assert missing.exit_code == 2 and "no such file or folder" in missing.stderr
    production = tmp_path / "production.csv"
    production.write_text("year,carats,value\n2024,abc,1\n", encoding="utf-8")
    bad = kpcheck("report", "annual", "--year", YEAR, "--register", register, "--production", production)
    assert bad.exit_code == 2 and "carats must be a number" in bad.stderr


def test_register_and_files_together_count_each_certificate_once_in_e(tmp_path, register):
    extra = json.loads((FIXTURES / "compliant-export.json").read_text())
    extra.update(id="NEW-1", presented_on=f"{YEAR}-02-02")
    extra["certificate"].update(number="KZ777777", issued_on=f"{YEAR}-02-02")
    (tmp_path / "new.json").write_text(json.dumps(extra))
    both = kpcheck("report", "annual", "--year", YEAR, "--register", register, tmp_path / "new.json", FIXTURES, "--format", "markdown")
    assert both.exit_code == 0, both.output
    stats = json.loads(
        kpcheck(
            "stats", "--register", register, tmp_path / "new.json", FIXTURES, "--from", YEAR - 4, "--to", YEAR, "--format", "json"
        ).stdout
    )
    assert stats["table2"][-1]["export"] == 1
    assert f"| {YEAR} | - | - | - | - |" in both.stdout and f"| {YEAR} | - | 1 | 1 |" in both.stdout
    assert f"Decisions recorded in {YEAR}" in both.stdout


def test_production_and_kazakh(tmp_path, register):
    production = tmp_path / "production.csv"
    production.write_text(f"year,carats,value\n{YEAR},1250.5,99000\n", encoding="utf-8")
    out = tmp_path / "annual-kk.md"
    result = kpcheck(
        "report",
        "annual",
        "--year",
        YEAR,
        "--register",
        register,
        "--production",
        production,
        "--lang",
        "kk",
        "--format",
        "markdown",
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    markdown = out.read_text(encoding="utf-8")
    assert f"| {YEAR} | 1\u00a0250,50 | 99\u00a0000,00 |" in markdown
    assert "## E. Статистика" in markdown and "1-кесте." in markdown
