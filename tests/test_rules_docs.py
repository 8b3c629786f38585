"""`kpcheck rules docs`: the rulebook as a document, Markdown and HTML, and the committed copies."""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rulebook_factory import make_rulebook
from test_lint import edit, good

from kpcheck.cli.main import main
from kpcheck.engine import durable
from kpcheck.input.yamlio import load_yaml_text
from kpcheck.rulebook.conditions import Parser, Scope
from kpcheck.rulebook.loader import RULES_DIR, load_rulebook
from kpcheck.rulebook.schema import SUBMISSION_FIELDS
from kpcheck.tooling.docs import Bullets, render, to_markdown, words

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = {"md": ROOT / "docs" / "rulebook.md", "html": ROOT / "docs" / "rulebook.html"}
needs_durable = pytest.mark.skipif(not durable.AVAILABLE, reason="the documents show both evaluators' outcomes")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The documents regenerated through the command line into a temporary folder."""
    out = tmp_path_factory.mktemp("docs")
    texts = {}
    for suffix in COMMITTED:
        result = CliRunner().invoke(main, ["rules", "docs", "--output", str(out / f"rulebook.{suffix}")])
        assert result.exit_code == 0, result.output
        texts[suffix] = (out / f"rulebook.{suffix}").read_text(encoding="utf-8")
    return texts


@needs_durable
@pytest.mark.parametrize("suffix", sorted(COMMITTED))
def test_committed_document_is_up_to_date(generated, suffix):
    committed = COMMITTED[suffix].read_text(encoding="utf-8") if COMMITTED[suffix].is_file() else ""
    fresh = generated[suffix]
    first = next(
        (i for i, (a, b) in enumerate(zip(fresh.splitlines(), committed.splitlines())) if a != b),
        min(len(fresh.splitlines()), len(committed.splitlines())),
    )
    up_to_date = fresh == committed
    assert up_to_date, (
        f"docs/rulebook.{suffix} is stale (first difference on line {first + 1}): "
        "run `python tools/gen_rulebook_docs.py` and commit the result"
    )


def test_generation_is_deterministic_and_names_no_machine_path(generated):
    again = render(load_rulebook(RULES_DIR), "markdown")
    assert again == generated["md"]
    for text in generated.values():
        assert str(ROOT) not in text and "/tmp" not in text
        assert not re.search(r"`l\d+`|<code>l\d+</code>", text), "a derived fact shown by its internal key"


def test_grouped_by_act_with_cross_references(generated):
    md = generated["md"]
    sections = {title: anchor for anchor, title in re.findall(r'^## <a id="(act-\d+)"></a>(.*)$', md, re.M)}
    resolution = next(a for t, a in sections.items() if t.startswith("Government Resolution No 356"))
    report = next(a for t, a in sections.items() if t.startswith("Republic of Kazakhstan annual report"))
    assert md.count('### <a id="cond-01"></a>COND-01') == 1  # described once ...
    body = md.split(f'<a id="{report}"></a>')[1].split("\n## ")[0]
    assert "[COND-01](#cond-01)" in body  # ... and cross-referenced
    own = md.split(f'<a id="{resolution}"></a>')[1].split("\n## ")[0]
    assert '<a id="cond-01"></a>' in own


def test_each_rule_has_its_parts(generated):
    md = generated["md"]
    entry = md.split('<a id="cond-01"></a>')[1].split("\n### ")[0]
    for text in (
        "Severity: **invalid**",
        "Status: active",
        "In force: from 2016-06-20",
        "**provision to be confirmed**",
        "section C",
        "Rule file: `COND/COND-01.yaml`",
        "Not applicable (“the certificate's erasures were not recorded”) unless `certificate.condition.erasures` is present",
        "- `certificate.condition.erasures` is true",
        "**Message**: Certificate {certificate.number} bears",
        "| `erasure` | `compliant-export` with `certificate.condition.erasures: true` | triggers | ✓ triggers |",
        "| `before-resolution-356` |",
    ):
        assert text in entry, text
    assert '## <a id="derived-facts"></a>Appendix: derived facts' in md
    assert "| `working_day_deadline` | `after` (`path`), `days` (`count`) | `date` |" in md


def test_html_is_self_contained_and_its_links_resolve(generated):
    page = generated["html"]
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    for external in ("<script", "<link", "src=", "@import", "url("):
        assert external not in page
    ids = set(re.findall(r' id="([^"]+)"', page))
    links = set(re.findall(r'href="#([^"]+)"', page))
    assert links and links <= ids, links - ids
    parser = html.parser.HTMLParser()
    parser.feed(page)  # well-formed enough for the standard parser
    assert 'href="http' not in page


def parse(text: str):
    return Parser("test.yaml").parse(load_yaml_text(text, "test.yaml"), Scope(SUBMISSION_FIELDS))


@pytest.mark.parametrize(
    "condition,sentence",
    [
        ("{field: certificate.condition.erasures, equals: true}", "`certificate.condition.erasures` is true"),
        (
            "{for_any: certificate.lines, where: {field: hs_code, not_one_of: ['7102.10', '7102.21', '7102.31']}}",
            "any item of `certificate.lines` where `hs_code` is not one of `7102.10`, `7102.21`, `7102.31`",
        ),
        ("{field: certificate.issued_on, at_least: 2016-06-20}", "`certificate.issued_on` is on or after 2016-06-20"),
        ("{field: certificate.parcels, less_than: 2}", "`certificate.parcels` is less than 2"),
        ("{not: {field: certificate.importer, is: present}}", "`certificate.importer` is absent"),
        (
            "{not: {for_any: certificate.lines, where: {field: carats, at_most: 0}}}",
            "no item of `certificate.lines` where `carats` is at most 0",
        ),
        (
            "{for_all: certificate.lines, where: {field: carats, greater_than: 0.5}}",
            "each item of `certificate.lines` satisfies `carats` is greater than 0.5",
        ),
        (
            "{field: state_control_act.issued_on, not_equals: {field: certificate.issued_on}}",
            "`state_control_act.issued_on` is not `certificate.issued_on`",
        ),
        (
            "{any: [{field: direction, equals: export}, {not: {field: certificate.parcels, equals: 1}}]}",
            "- at least one of these holds:\n  - `direction` is `export`\n  - not: `certificate.parcels` is 1",
        ),
    ],
)
def test_conditions_in_words(condition, sentence):
    text = to_markdown([Bullets((words(parse(condition), {}),))])
    assert sentence in text, text


def test_an_example_that_fails_is_shown_as_it_ran(tmp_path):
    rule = edit(
        good("T-01"),
        "  - name: clean\n    expect: clean\n",
        "  - name: clean\n    expect: clean\n  - name: wrong\n    change: {certificate.condition.erasures: true}\n    expect: clean\n",
    )
    directory = make_rulebook(tmp_path, {"T-01": rule})
    out = tmp_path / "book.md"
    result = CliRunner().invoke(main, ["rules", "docs", str(directory), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "| `wrong` | `compliant-export` with `certificate.condition.erasures: true` | clean | ✗ **triggers** |" in out.read_text(
        encoding="utf-8"
    )


def test_output_must_be_markdown_or_html(tmp_path):
    result = CliRunner().invoke(main, ["rules", "docs", "--output", str(tmp_path / "book.pdf")])
    assert result.exit_code == 2
    assert ".md or .html" in result.output
