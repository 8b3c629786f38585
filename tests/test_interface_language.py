"""With --lang ru and --lang kk no English interface text is left: the HTML report, the text
reports of check and audit, the audit summary and the rulebook document are scanned for Latin
words once what is data is set aside (identifiers, field paths, codes, file names, the English
texts a certificate must carry, the values of the submission format)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import kpcheck

from kpcheck.cli.main import main
from kpcheck.rulebook.loader import RULES_DIR, load_rulebook
from kpcheck.rulebook.schema import SUBMISSION_FIELDS
from kpcheck.tooling.docs import render

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "fixtures" / "submissions"

# English that is data, not interface: what a certificate itself must say (FORM-01, FORM-02),
# names of the format's fields and values, the evaluators' names, command-line words.
DATA_PHRASES = (
    "Altyn Almas LLP",
    "Qazaq Rough JSC",
    "Mirny Rough Trading JSC",
    "Mirny",
    "Almaty",
    "Astana",
    "Certificate of Origin",  # parties, places and a wrong title given in the fixtures
    "Kimberley Process Certificate",
    "The rough diamonds in this shipment have been handled in accordance with the provisions of the "
    "Kimberley Process Certification Scheme for rough diamonds",
)
DATA_WORDS = {
    "kpcheck",
    "sha",
    "python",
    "durable",
    "member",
    "suspended",
    "partial",
    "certified",
    "attached",
    "authenticated",
    "true",
    "false",
    "null",
    "let",
    "csv",
    "text",
    "never",
    "format",
    "fail",
    "on",
    "en",
    "from",
    "to",
    "with",
    "fact",
    "param",
    "draft",
    "batch",
    "html",
    "ratio",
} | {name for name in SUBMISSION_FIELDS if "." not in name}  # a field path is data: Field: direction

# ids, numbers, placeholders, paths and URLs (an inner . / :), options, two-to-six-letter codes
IDENTIFIER = re.compile(r"\S*[0-9_{}=@\\]\S*|\S*\w[./:]\w\S*|(?<!\S)-\S+|\b[A-Z]+(?:-[A-Z0-9]+)+\b|\b[A-Z]{2,6}\b")


def latin_words(text: str) -> set[str]:
    text = " ".join(text.split())  # a quotation wrapped over lines is still one
    for phrase in DATA_PHRASES:
        text = text.replace(phrase, " ")
    text = IDENTIFIER.sub(" ", text)
    return {w for w in re.findall(r"[A-Za-z]{2,}", text) if w.lower() not in DATA_WORDS}


def markdown_prose(text: str) -> str:
    text = re.sub(r"\]\(#[^)]*\)", "]", text)  # link targets are anchors
    return re.sub(r"`[^`]*`", " ", text)  # code spans are field paths and YAML


def page_prose(page: str) -> str:
    page = page.replace("<wbr>", "")  # a field path's break points
    page = re.sub(r"<(style|script|code)>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<svg.*?</svg>", lambda m: " ".join(re.findall(r"<title>(.*?)</title>", m.group(0))), page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def stdout_of(*args: str) -> str:
    """The standard output of ``kpcheck ARGS...``, which found or found nothing (0 or 1)."""
    result = kpcheck(*args)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


@pytest.fixture(scope="module", params=["ru", "kk"])
def lang(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def outputs(lang, tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp(f"lang-{lang}")
    page, table = out / "audit.html", out / "audit.csv"
    texts = {
        "audit text": stdout_of("audit", str(SUBMISSIONS), "-j", "1", "--lang", lang, "--fail-on", "warning"),
        "audit summary": stdout_of(
            "audit", str(SUBMISSIONS), "-j", "1", "--lang", lang, "--format", f"html={page}", "--format", f"csv={table}"
        ),
        "check text": stdout_of("check", "--lang", lang, *sorted(str(p) for p in SUBMISSIONS.glob("*.json"))),
    }
    texts["html report"] = page_prose(page.read_text(encoding="utf-8"))
    book = load_rulebook(RULES_DIR)
    texts["rulebook document (md)"] = markdown_prose(render(book, "markdown", lang=lang))
    texts["rulebook document (html)"] = page_prose(render(book, "html", lang=lang))
    return texts


@pytest.mark.parametrize(
    "what", ["audit text", "audit summary", "check text", "html report", "rulebook document (md)", "rulebook document (html)"]
)
def test_no_english_interface_text_left(outputs, what, lang):
    left = latin_words(outputs[what])
    assert not left, f"English words in the {lang} {what}: {sorted(left)[:40]}"


def test_the_scan_finds_english():
    """The scan itself: English interface text is caught, data is not."""
    assert latin_words("Legal basis: Постановление") == {"Legal", "basis"}
    assert not latin_words("Поле: certificate.condition.erasures · COND-01 · KZ000123 · «Kimberley Process Certificate»")


def test_html_and_documents_say_their_language(outputs, lang, tmp_path):
    page = tmp_path / "a.html"
    stdout_of("audit", str(SUBMISSIONS / "compliant-export.json"), "-j", "1", "--lang", lang, "--format", f"html={page}")
    assert f'<html lang="{lang}">' in page.read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in render(load_rulebook(RULES_DIR), "html", lang=lang)


def test_rules_docs_takes_a_language(tmp_path):
    out = tmp_path / "rulebook.md"
    result = CliRunner().invoke(main, ["rules", "docs", "--lang", "kk", "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Құқықтық негіз" in text and "Сертификатта өшірулер бар" in text
