"""Annual statistics (kpcheck stats): hand-computed figures of fixtures/stats, the golden report,
the production file and the command line.

The fixture batch, by hand:
  2021 export KZ000501  1,000.00 ct    500,000.00 US$
  2021 export KZ000502  2,500.50 ct    375,075.00 US$ + 4,000.25 ct 200,012.50 US$ (two lines)
  2021 import AE0045871   640.25 ct     96,037.50 US$
  2022 import BE0123456 1,200.40 ct    168,056.00 US$ (issued 2021-12-28, presented 2022-02-14)
  2022 export KZ000610    300.00 ct    150,000.00 US$ (issued 2022-12-30, presented 2023-01-04)
       the same export, "kz 000-610", presented again 2023-01-09 with other lines: counted once
       a duplicate request (KZ000650 for KZ000501): left out; an unreadable file: left out
  2021 exports 7,500.75 ct, 1,075,087.50 US$, 143.33 US$/ct; imports 150.00 US$/ct
  2022 exports 500.00 US$/ct; imports 140.00 US$/ct
"""

from __future__ import annotations

import importlib
import io
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import kpcheck

from kpcheck.input.models import Submission
from kpcheck.input.reader import Loaded, parse_json, read_sources
from kpcheck.input.text import normalise_number
from kpcheck.stats.compute import Production, ProductionFileError, compute_stats, load_production
from kpcheck.stats.render import notes, render_text, table1_cells, table2_cells

ROOT = Path(__file__).parents[1]
BATCH = ROOT / "fixtures" / "stats"
GOLDEN = ROOT / "fixtures" / "expected" / "stats.md"
DASHES_1 = ["-"] * 8
DASHES_2 = ["-"] * 3


def stats_of(*args: str) -> tuple[int, str, str]:
    """``kpcheck stats ARGS...``: its exit code, standard output and standard error."""
    result = kpcheck("stats", *args)
    return result.exit_code, result.stdout, result.stderr


def _load_tool(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"tools.{name}")


# --- the figures -------------------------------------------------------------------------------


def test_hand_computed_figures() -> None:
    result = compute_stats(read_sources([BATCH]))
    assert (result.year_from, result.year_to) == (2021, 2022)
    y2021, y2022 = result.years
    assert (y2021.exports.carats, y2021.exports.value_usd) == (Decimal("7500.75"), Decimal("1075087.50"))
    assert y2021.exports.usd_per_ct == Decimal("143.33")
    assert (y2021.imports.carats, y2021.imports.value_usd, y2021.imports.usd_per_ct) == (
        Decimal("640.25"),
        Decimal("96037.50"),
        Decimal("150.00"),
    )
    assert (y2022.exports.carats, y2022.exports.value_usd, y2022.exports.usd_per_ct) == (
        Decimal("300.00"),
        Decimal("150000.00"),
        Decimal("500.00"),
    )
    assert (y2022.imports.carats, y2022.imports.value_usd, y2022.imports.usd_per_ct) == (
        Decimal("1200.40"),
        Decimal("168056.00"),
        Decimal("140.00"),
    )
    assert [(r.imports.certificates, r.exports.certificates, r.certificates) for r in result.years] == [(1, 2, 3), (1, 1, 2)]
    left = result.left_out
    assert (left.unreadable, left.duplicate_requests, left.repeated, left.undated, left.outside) == (1, 1, 1, 0, 0)
    assert result.submissions == 8 and len(left.errors) == 1 and "08-unreadable.json" in left.errors[0]


def test_five_year_table_with_dashes() -> None:
    result = compute_stats(read_sources([BATCH]), 2019, 2023)
    rows1, rows2 = table1_cells(result), table2_cells(result)
    assert [r[0] for r in rows1] == ["2019", "2020", "2021", "2022", "2023"]
    for i in (0, 1, 4):
        assert rows1[i][1:] == DASHES_1 and rows2[i][1:] == DASHES_2
    assert rows1[2] == ["2021", "-", "-", "640.25", "96,037.50", "150.00", "7,500.75", "1,075,087.50", "143.33"]
    assert rows1[3] == ["2022", "-", "-", "1,200.40", "168,056.00", "140.00", "300.00", "150,000.00", "500.00"]
    assert rows2[2:4] == [["2021", "1", "2", "3"], ["2022", "1", "1", "2"]]


def test_a_period_without_any_certificate_is_all_dashes() -> None:
    result = compute_stats(read_sources([BATCH]), 2015, 2019)
    assert all(row[1:] == DASHES_1 for row in table1_cells(result))
    assert all(row[1:] == DASHES_2 for row in table2_cells(result))
    assert result.left_out.outside == 5


def test_years_by_issue_for_exports_and_presentation_for_imports() -> None:
    result = compute_stats(read_sources([BATCH]), 2023, 2023)
    assert result.years[0].certificates == 0 and result.left_out.outside == 5


def test_open_ended_periods() -> None:
    assert [r.year for r in compute_stats(read_sources([BATCH]), 2020).years] == [2020, 2021, 2022]
    assert [r.year for r in compute_stats(read_sources([BATCH]), None, 2024).years] == [2021, 2022, 2023, 2024]
    assert compute_stats(iter(())).years == []


def test_numbers_compare_normalised_and_count_once() -> None:
    base = json.loads((BATCH / "01-export-2021-a.json").read_text())
    twins = []
    for i, number in enumerate(["KZ000501", "kz-000 501", "KZ 000501"]):
        sub = dict(base, id=f"T-{i}", certificate=dict(base["certificate"], number=number))
        twins.append(parse_json(json.dumps(sub).encode(), f"t{i}"))
    result = compute_stats(twins)
    assert result.years[0].exports.certificates == 1 and result.left_out.repeated == 2
    assert result.years[0].exports.carats == Decimal("1000.00")


def test_same_number_in_both_directions_counts_twice() -> None:
    export = json.loads((BATCH / "01-export-2021-a.json").read_text())
    imported = json.loads((BATCH / "03-import-2021.json").read_text())
    imported["certificate"]["number"] = export["certificate"]["number"]
    result = compute_stats([parse_json(json.dumps(s).encode(), "x") for s in (export, imported)])
    assert (result.years[0].imports.certificates, result.years[0].exports.certificates) == (1, 1)


def test_matches_a_naive_count_on_generated_data() -> None:
    generate = _load_tool("generate").generate
    subs = [Submission.model_validate_json(json.dumps(s)) for s in generate(800, 0.3, 4)]
    expected: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    seen: set[tuple[str, str | None]] = set()
    for sub in subs:
        key = (sub.direction, normalise_number(sub.certificate.number))
        if sub.duplicate or key in seen:
            continue
        seen.add(key)
        year = sub.certificate.issued_on.year if sub.direction == "export" else sub.presented_on.year
        row = expected[(year, sub.direction)]
        row[0] += 1
        row[1] += sum(ln.carats for ln in sub.certificate.lines)
        row[2] += sum(ln.value_usd for ln in sub.certificate.lines)
    result = compute_stats(Loaded(source="gen", submission=s) for s in subs)
    got = {
        (r.year, d): [Decimal(f.certificates), f.carats, f.value_usd]
        for r in result.years
        for d, f in (("import", r.imports), ("export", r.exports))
        if f.certificates
    }
    assert got == dict(expected)
    assert result.left_out.duplicate_requests == sum(1 for s in subs if s.duplicate)


# --- the reports -------------------------------------------------------------------------------


def test_golden_markdown_is_up_to_date() -> None:
    assert _load_tool("gen_stats_golden").golden() == GOLDEN.read_text(encoding="utf-8")


def test_command_markdown_matches_golden() -> None:
    code, out, _ = stats_of(str(BATCH), "--from", "2019", "--to", "2023", "--format", "markdown")
    assert code == 2  # 08-unreadable.json is left out and reported: exit 2, the tables still made
    assert out == GOLDEN.read_text(encoding="utf-8")


def test_text_report() -> None:
    code, out, err = stats_of(str(BATCH), "--from", "2019", "--to", "2023")
    assert code == 2
    assert "Table 1. Production, import and export of rough diamonds" in out
    assert "Table 2. Number of KP certificates" in out
    assert "1,075,087.50" in out and "143.33" in out and "7,500.75" in out
    assert "1 submission with status error (unreadable), 1 duplicate request" in out
    assert "08-unreadable.json" in err


def test_text_report_stays_on_one_line_per_year() -> None:
    stream = io.StringIO()
    render_text(compute_stats(read_sources([BATCH]), 2019, 2023), stream)
    rows = [line for line in stream.getvalue().splitlines() if line.startswith("│ 20")]
    assert len(rows) == 10 and all(len(r) == len(rows[0]) for r in rows[:5])


def test_csv_report_is_plain() -> None:
    code, out, err = stats_of(str(BATCH), "--format", "csv")
    assert code == 2
    assert out.splitlines() == [
        "year,production_carats,production_usd,import_carats,import_usd,import_usd_per_ct,"
        "export_carats,export_usd,export_usd_per_ct,kpc_import,kpc_export,kpc_total",
        "2021,,,640.25,96037.50,150.00,7500.75,1075087.50,143.33,1,2,3",
        "2022,,,1200.40,168056.00,140.00,300.00,150000.00,500.00,1,1,2",
    ]
    assert "1 duplicate request" in err


def test_json_report() -> None:
    code, out, _ = stats_of(str(BATCH), "--from", "2019", "--to", "2023", "--format", "json")
    assert code == 2
    assert '"value_usd": 1075087.50' in out
    doc = json.loads(out, parse_float=Decimal)
    assert doc["years"] == {"from": 2019, "to": 2023}
    assert doc["table1"][0]["import"] == {"carats": None, "value_usd": None, "usd_per_ct": None}
    assert doc["table1"][2]["export"] == {"carats": Decimal("7500.75"), "value_usd": Decimal("1075087.50"), "usd_per_ct": Decimal("143.33")}
    assert doc["table2"][3] == {"year": 2022, "import": 1, "export": 1, "total": 2}
    assert doc["left_out"] == {"error": 1, "duplicate_requests": 1, "undated_exports": 0}
    assert doc["counted_once"] == {"repeated_presentations": 1}


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "stats.md"
    code, out, _ = stats_of(str(BATCH), "--from", "2019", "--to", "2023", "--format", "markdown", "-o", str(target))
    assert code == 2 and out == ""
    assert target.read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")


# --- production --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, text",
    [
        ("p.csv", 'year,carats,value\n2021,"1,000.50",2500000\n2022,,\n'),
        ("p.yaml", "production:\n  - {year: 2021, carats: 1000.50, value: 2500000}\n  - {year: 2022}\n"),
        ("p.yml", "- year: 2021\n  carats: 1000.5\n  value: 2500000.00\n- {year: 2022, carats: null, value: '-'}\n"),
    ],
)
def test_production_file(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert load_production(path) == {2021: Production(Decimal("1000.50"), Decimal("2500000")), 2022: Production(None, None)}
    code, out, _ = stats_of(str(BATCH), "--production", str(path), "--format", "markdown")
    assert code == 2
    assert "| 2021 | 1,000.50 | 2,500,000.00 | 640.25 |" in out
    assert "| 2022 | - | - | 1,200.40 |" in out
    assert "no production file" not in out


@pytest.mark.parametrize(
    "name, text, where, what",
    [
        ("bad.csv", "year,carats,value\n2021,many,1\n", ":2", "carats must be a number"),
        ("bad.csv", "year,carats,volume\n", ":1", "unknown column 'volume'"),
        ("bad.csv", "year,carats,value\n2021,1,1\n2021,2,2\n", ":3", "year 2021 is given twice"),
        ("bad.csv", "year,carats,value\n21,1,1\n", ":2", "four-digit year"),
        ("bad.yaml", "- {year: 2021, carats: -5, value: 1}\n", ":1:3", "carats must be a number >= 0"),
        ("big.csv", "year,carats,value\n2021,1e16,1\n", ":2", "is too large for a year's production (at most 10^15)"),
        ("bad.yaml", "- {year: 2021, carat: 5}\n", ":1:3", "unknown key 'carat'"),
        ("bad.yaml", "production: [\n", ":2", "invalid YAML"),
        ("bad.yaml", "year: 2021\n", ":1", "expected a list"),
        ("bad.txt", "year,carats,value\n", "", "must be .csv, .yaml or .yml"),
    ],
)
def test_bad_production_file(tmp_path: Path, name: str, text: str, where: str, what: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProductionFileError) as caught:
        load_production(path)
    assert f"{path}{where}" in str(caught.value) and what in str(caught.value)
    code, out, err = stats_of(str(BATCH), "--production", str(path))
    assert code == 2 and out == ""
    assert what in err and "no statistics were made" in err


def test_missing_production_file(tmp_path: Path) -> None:
    code, _, err = stats_of(str(BATCH), "--production", str(tmp_path / "none.csv"))
    assert code == 2 and "cannot read the production file" in err


# --- the command's errors ----------------------------------------------------------------------


def test_missing_source(tmp_path: Path) -> None:
    code, out, err = stats_of(str(BATCH), str(tmp_path / "nowhere"))
    assert code == 2 and out == ""
    assert "nowhere: no such file or folder" in err


def test_from_after_to() -> None:
    code, _, err = stats_of(str(BATCH), "--from", "2023", "--to", "2019")
    assert code == 2 and "--from 2023 is after --to 2019" in err


def test_no_source_is_a_usage_error() -> None:
    code, _, _ = stats_of()
    assert code == 2


# --- languages ---------------------------------------------------------------------------------


def test_text_report_in_russian_and_kazakh() -> None:
    """Headings, columns and notes in the language, numbers as the annual report writes them
    (a no-break space between thousands, a decimal comma); Russian's plural forms."""
    result = compute_stats(read_sources([BATCH]), 2019, 2023)
    said = {}
    for lang in ("ru", "kk"):
        stream = io.StringIO()
        render_text(result, stream, lang)
        said[lang] = stream.getvalue()
        assert "1\u00a0075\u00a0087,50" in said[lang] and "143,33" in said[lang] and "7\u00a0500,75" in said[lang]
        assert "Table" not in said[lang] and "US$" not in said[lang]
    assert "Таблица 2. Число сертификатов Кимберлийского процесса\n" in said["ru"]  # one line, not wrapped to table 2's width
    assert "Не учтены: 1 заявка со статусом «ошибка» (не читается), 1 запрос дубликата." in said["ru"]
    assert "2-кесте. Кимберли процесі сертификаттарының саны\n" in said["kk"]
    assert "Есепке алынбағаны: «қате» мәртебесі бар 1 өтінім (оқылмайды), 1 телнұсқа сұрауы." in said["kk"]
    result.left_out.outside = 2
    assert "Вне периода 2019-2023: 2 сертификата." in notes(result, "ru")
    result.left_out.outside = 5
    assert "Вне периода 2019-2023: 5 сертификатов." in notes(result, "ru")
    assert "2019-2023 кезеңінен тыс: 5 сертификат." in notes(result, "kk")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_are_the_same_in_every_language(fmt: str) -> None:
    """Machine-readable: English column names and keys, plain numbers, whatever --lang says
    (as the audit's CSV and JSON keep theirs); only the notes on standard error follow it."""
    code, english, _ = stats_of(str(BATCH), "--format", fmt)
    for lang in ("ru", "kk"):
        assert stats_of(str(BATCH), "--format", fmt, "--lang", lang)[:2] == (code, english)
    _, _, err = stats_of(str(BATCH), "--format", fmt, "--lang", "ru")
    assert fmt == "json" or "Учтены один раз: 1 повторное представление уже учтённого сертификата." in err


def test_a_production_file_error_is_a_template_said_in_the_language(tmp_path: Path) -> None:
    path = tmp_path / "production.csv"
    path.write_text("year,carats,value\n2021,12,5\n2021,13,6\n", encoding="utf-8")
    with pytest.raises(ProductionFileError) as caught:
        load_production(path)
    assert str(caught.value) == f"{path}:3: year 2021 is given twice"
    assert (caught.value.template, dict(caught.value.template_args)) == ("year {year} is given twice", {"year": "2021"})
    assert stats_of(str(BATCH), "--production", str(path), "--lang", "ru")[2].startswith(f"ошибка: {path}:3: 2021 год указан дважды\n")
    assert stats_of(str(BATCH), "--production", str(path), "--lang", "kk")[2].startswith(f"қате: {path}:3: 2021 жыл екі рет көрсетілген\n")
