"""The audit's output formats: CSV, JUnit XML, HTML and the audit text, from constructed results."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kpcheck.api import Result
from kpcheck.engine import Finding
from kpcheck.report import make_writer
from kpcheck.report.audit_text import AuditTextWriter
from kpcheck.report.csv_report import COLUMNS, CsvWriter
from kpcheck.report.html import HtmlWriter
from kpcheck.report.junit import JunitWriter
from tools import gen_format_goldens as gen

ROOT = Path(__file__).resolve().parents[1]

render = gen.render


def result(
    sub: str | None, status: str, *findings: Finding, year: int = 2024, direction: str = "export", source: str = "batch.jsonl:1"
) -> Result:
    return Result(sub, source, status, list(findings), certificate="KZ1", direction=direction, presented_on=dt.date(year, 1, 15))


def finding(rule: str, severity: str, message: str = "m", *fields: str) -> Finding:
    return Finding(rule, severity, f"title {rule}", message, fields, ())


# --- CSV ------------------------------------------------------------------------------------


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_one_row_per_finding_and_per_error():
    header, *rows = csv_rows(render("csv"))
    assert tuple(header) == COLUMNS
    assert all(len(r) == len(COLUMNS) for r in rows)
    col = {name: i for i, name in enumerate(COLUMNS)}
    assert [(r[col["submission"]], r[col["rule"]]) for r in rows] == [
        ("ALA-2024-0007", "COND-01"),
        ("ALA-2024-0007", "FORM-03"),
        ("ALA-2023-0042", "FORM-03"),
        ("AST-2024-0100", "DEADL-02"),
        ("", ""),
    ]
    assert "ALA-2023-0001" not in render("csv")  # compliant: no finding, no row
    invalid = rows[1]
    assert invalid[col["status"]] == "invalid" and invalid[col["severity"]] == "violation"
    assert invalid[col["fields"]] == "exporter.name; exporter.bin"
    assert invalid[col["message"]].startswith('Exporter "Alpha & Co" <KZ-77>')
    assert invalid[col["presented_on"]] == "2024-03-05" and invalid[col["certificate"]] == "KZ000123"
    error = rows[-1]
    assert error[col["status"]] == "error" and error[col["severity"]] == "error" and error[col["rule"]] == ""
    assert error[col["message"]] == "audit/batch.jsonl:4:17: invalid JSON: Expecting ',' delimiter"
    assert error[col["source"]] == "audit/batch.jsonl:4"


def test_csv_cells_that_would_be_formulas_are_made_inert():
    bad = result('=HYPERLINK("x")', "non_compliant", finding("FORM-03", "violation", "@SUM(A1)"))
    _, row = csv_rows(render("csv", [bad]))
    assert row[0] == '\'=HYPERLINK("x")' and row[COLUMNS.index("message")] == "'@SUM(A1)"


# --- JUnit ----------------------------------------------------------------------------------


def junit(fail_on: str = "violation", results: list[Result] | None = None) -> ET.Element:
    return ET.fromstring(render("junit", results, {"fail_on": fail_on}))


def test_junit_counts_and_test_cases():
    suite = junit().find("testsuite")
    assert suite.attrib["name"] == "kpcheck"
    assert (suite.attrib["tests"], suite.attrib["failures"], suite.attrib["errors"]) == ("5", "2", "1")
    cases = {c.attrib["name"]: c for c in suite.findall("testcase")}
    assert list(cases) == ["ALA-2023-0001", "ALA-2024-0007", "ALA-2023-0042", "AST-2024-0100", "audit/batch.jsonl:4"]
    assert cases["AST-2024-0100"].attrib["classname"] == "kpcheck.import"
    assert cases["audit/batch.jsonl:4"].attrib["classname"] == "kpcheck.error"
    failure = cases["ALA-2024-0007"].find("failure")
    assert "COND-01, FORM-03" in failure.attrib["message"]
    assert 'Exporter "Alpha & Co" <KZ-77>' in failure.text and "invalid" in failure.text
    assert cases["ALA-2023-0001"].find("failure") is None and cases["AST-2024-0100"].find("failure") is None
    assert "DEADL-02 (warning)" in cases["AST-2024-0100"].find("system-out").text
    error = cases["audit/batch.jsonl:4"].find("error")
    assert error.attrib["message"] == "audit/batch.jsonl:4:17: invalid JSON: Expecting ',' delimiter"
    assert len(suite.findall("testcase/failure")) == 2 and len(suite.findall("testcase/error")) == 1


@pytest.mark.parametrize("fail_on, failures", [("invalid", 1), ("violation", 2), ("warning", 3), ("never", 0)])
def test_junit_failures_follow_fail_on(fail_on, failures):
    suite = junit(fail_on).find("testsuite")
    assert int(suite.attrib["failures"]) == failures == len(suite.findall("testcase/failure"))
    assert suite.attrib["errors"] == "1"


def test_junit_escapes_markup_quotes_and_control_characters():
    nasty = result('a"<b>&\x01', "invalid", finding("COND-01", "invalid", "x\x00y ]]> </failure> 'q'"))
    case = junit(results=[nasty]).find("testsuite/testcase")
    assert case.attrib["name"] == 'a"<b>&\ufffd'
    assert "]]> </failure> 'q'" in case.find("failure").text


# --- HTML -----------------------------------------------------------------------------------

REMOTE = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//""", re.I)


def test_html_is_self_contained_and_has_every_row():
    page = render("html")
    assert "http://" not in page and "https://" not in page and not REMOTE.search(page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert page.count("<tr data-sev=") == 5
    assert '<tr data-sev="error" data-rule="">' in page
    assert "Exporter &quot;Alpha &amp; Co&quot; &lt;KZ-77&gt;" in page and "<KZ-77>" not in page
    assert 'id="q"' in page and 'id="sev"' in page and '<option value="FORM-03">' in page
    assert "EXAMPLE REGISTERS" in page
    assert "rulebook sha256 " + "0" * 64 in page and "kpcheck 0.0.0-golden" in page
    assert page.index("Findings per rule") < page.index("FORM-03") < page.index("COND-01")


def test_html_caps_the_embedded_rows_and_says_so():
    page = render("html", options={"fail_on": "violation", "html_max_rows": 2})
    assert page.count("<tr data-sev=") == 2
    assert "first 2 of 5 rows; 3 rows were left out" in page and "CSV report" in page
    assert "left out" not in render("html")


def test_html_official_reference_has_no_banner():
    page = render("html", meta={**gen.META, "reference": "official"})
    assert "EXAMPLE REGISTERS" not in page and "reference: official" in page


# --- audit text -----------------------------------------------------------------------------


def lines_of(text: str, start: str, end: str) -> list[str]:
    body = text[text.index(start) : text.index(end)]
    return [line.split() for line in body.splitlines() if line.strip()]


def test_audit_text_summary_sections():
    text = render("audit-text")
    status = lines_of(text, "Submissions per status", "Findings per rule")
    assert ["COMPLIANT", "1", "20.0%"] in status and ["ERROR", "1", "20.0%"] in status
    assert ["TOTAL", "5", "100.0%"] in status
    rules = [line[0] for line in lines_of(text, "Findings per rule", "Per year") if re.match(r"[A-Z]+-\d", line[0])]
    assert rules == ["FORM-03", "COND-01", "DEADL-02"]  # most frequent first, then by ID
    periods = lines_of(text, "Per year", "kpcheck 0.0.0-golden")
    assert ["2023", "export", "2", "1", "0", "1", "0", "0", "1"] in periods
    assert ["2024", "import", "1", "0", "1", "0", "0", "0", "1"] in periods
    assert ["unknown", "unknown", "1", "0", "0", "0", "0", "1", "0"] in periods
    assert "EXAMPLE REGISTERS" in text and "rulebook sha256 " + "0" * 64 in text
    assert not any(line != line.rstrip() for line in text.splitlines())


def test_audit_text_lists_what_fails_and_what_could_not_be_read():
    text = render("audit-text")
    listed = text[text.index("Submissions to look at: 2 at or above violation; 1 could not be read") : text.index("Submissions per status")]
    assert "INVALID  ALA-2024-0007" in listed and "NON-COMPLIANT  ALA-2023-0042" in listed
    assert "ERROR  (no id)  audit/batch.jsonl:4" in listed and "invalid JSON" in listed
    assert "AST-2024-0100" not in listed and "ALA-2023-0001" not in listed
    warning = render("audit-text", options={"fail_on": "warning", "width": 110})
    assert "REVIEW  AST-2024-0100" in warning


# --- every writer -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, cls", [("csv", CsvWriter), ("junit", JunitWriter), ("html", HtmlWriter), ("audit-text", AuditTextWriter)])
def test_make_writer_knows_the_audit_formats(fmt, cls):
    assert isinstance(make_writer(fmt, io.StringIO(), {}), cls)


def test_empty_batch():
    assert csv_rows(render("csv", [])) == [list(COLUMNS)]
    assert junit(results=[]).find("testsuite").attrib["tests"] == "0"
    assert "No findings." in render("html", [])
    empty = render("audit-text", [])
    assert "No submission at or above violation; every submission was read." in empty
    assert "None." not in empty and "could not be read: 0" not in empty


@pytest.mark.parametrize("fmt", ["junit", "html", "audit-text"])
def test_per_submission_output_is_spooled_not_held(fmt):
    """Only counts stay in memory: many submissions with the same rules keep the tallies small."""
    stream = io.StringIO()
    writer = make_writer(fmt, stream, {})
    writer.start(gen.META)
    for i in range(3000):
        writer.add(result(f"S{i}", "invalid", finding("COND-01", "invalid"), year=2020 + i % 3))
    assert stream.getvalue() == ""  # nothing written before finish(): it went to the spool
    assert writer.spool.tell() > 3000 * 20
    tally = getattr(writer, "tally", None)
    if tally is not None:
        assert len(tally.rules) == 1 and len(tally.periods) == 3
    writer.finish({})
    assert "S2999" in stream.getvalue()


# --- goldens ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, name", sorted(gen.GOLDENS.items()))
def test_golden(fmt, name):
    expected = (gen.EXPECTED / name).read_bytes().decode("utf-8")
    assert render(fmt) == expected, f"{name} drifted; regenerate with python tools/gen_format_goldens.py"


def test_period_counts_keep_statuses_and_severities_apart():
    """A status and a severity are both called "invalid": the per-year table counts statuses."""
    import datetime as dt

    from kpcheck.api import Result
    from kpcheck.engine import Finding
    from kpcheck.report.audit_text import Tally

    finding = Finding("COND-01", "invalid", "t", "m", (), ())
    tally = Tally()
    tally.add(Result("A", "a.json", "invalid", [finding, finding], direction="export", presented_on=dt.date(2024, 1, 1)))
    counts = tally.periods[(2024, "export")]
    assert counts["submissions"] == 1 and counts["invalid"] == 1 and counts["findings"] == 2
    assert counts["severity:invalid"] == 2


def test_json_compact_lines_read_as_the_pretty_report():
    """An audit writes one result per line (orjson); a desk check pretty-prints (the standard
    library): both read back to the same results, a text orjson refuses included."""
    import json

    from kpcheck.report.json_report import JsonWriter

    results = [
        result("S-1", "non_compliant", finding("COND-01", "invalid", "Café «ü» — 40 ct")),
        result("S-2", "compliant"),
        result("S-\udcff", "compliant"),
    ]
    texts = {}
    for compact in (True, False):
        stream = io.StringIO()
        writer = JsonWriter(stream, {"compact": compact})
        writer.start({"kpcheck": "test"})
        for r in results:
            writer.add(r)
        writer.finish({"submissions": 3})
        texts[compact] = stream.getvalue()
    assert json.loads(texts[True]) == json.loads(texts[False])
    lines = [line for line in texts[True].splitlines() if line.startswith("    {")]
    assert len(lines) == 3 and all(json.loads(line.rstrip(",")) for line in lines)
    assert "Café «ü»" in texts[True]  # not escaped: the report is UTF-8
