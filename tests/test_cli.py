"""The command line: exit codes first, then what is printed."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import ENGINE_KINDS, ROOT, base, kpcheck
from rulebook_factory import make_rulebook, rule_text

from kpcheck.cli.main import main

CONFORMANCE = ROOT.parent / "shared" / "conformance" / "compliant-export.json"
if not CONFORMANCE.is_file():  # a checkout without shared/ beside it: the same example, shipped
    CONFORMANCE = ROOT / "fixtures" / "submissions" / "compliant-export.json"


def write(path, doc):
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


def test_compliant_submission_exits_0_with_json_contract(tmp_path):
    path = write(tmp_path / "ok.json", base())
    result = kpcheck("check", "--format", "json", path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) >= {"kpcheck", "rulebook", "reference", "results", "summary"}
    assert report["reference"] == "example"
    assert report["results"][0]["status"] == "compliant"
    assert report["summary"] == {"submissions": 1, "compliant": 1, "review": 0, "non_compliant": 0, "invalid": 0, "error": 0}


def test_invalid_certificate_exits_1_and_cites_the_law(tmp_path):
    doc = base()
    doc["certificate"]["condition"]["erasures"] = True
    result = kpcheck("check", "--format", "json", write(tmp_path / "bad.json", doc))
    assert result.exit_code == 1
    (res,) = json.loads(result.stdout)["results"]
    assert res["status"] == "invalid"
    (finding,) = [v for v in res["violations"] if v["rule"] == "COND-01"]
    assert finding["fields"] == ["certificate.condition.erasures"]
    assert finding["legal_basis"] and finding["severity"] == "invalid"


def test_fail_on_never_and_invalid(tmp_path):
    doc = base()
    doc["certificate"]["condition"]["erasures"] = True
    path = write(tmp_path / "bad.json", doc)
    assert kpcheck("check", "--fail-on", "never", path).exit_code == 0
    assert kpcheck("check", "--fail-on", "invalid", path).exit_code == 1


def test_bad_inputs_exit_2_while_the_others_are_checked(tmp_path):
    wrong_type = base()
    wrong_type["certificate"]["parcels"] = "two"
    unknown = base()
    unknown["certificate"]["colour"] = "D"
    paths = [
        write(tmp_path / "1-malformed.json", "{oops"),
        write(tmp_path / "2-type.json", wrong_type),
        write(tmp_path / "3-unknown.json", unknown),
        tmp_path / "4-missing.json",
        write(tmp_path / "5-good.json", base()),
    ]
    result = kpcheck("check", "--format", "json", *paths)
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert [r["status"] for r in report["results"]] == ["error"] * 4 + ["compliant"]
    locations = [r["error"]["location"] for r in report["results"][:4]]
    assert locations[0] == f"{paths[0]}:1:2"
    assert locations[1].endswith("certificate.parcels")
    assert locations[2].endswith("certificate.colour")
    assert locations[3] == str(paths[3])
    assert "certificate.parcels" in result.stderr and "Traceback" not in result.output + result.stderr


def test_broken_rule_file_exits_2_and_checks_nothing(tmp_path):
    rules = make_rulebook(tmp_path, {"T-01": rule_text("T-01", "condition: {feld: x, equals: 1}\n")})
    result = kpcheck("check", "--rules", rules, "--format", "json", write(tmp_path / "ok.json", base()))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "T-01.yaml:10:13" in result.stderr and "did you mean 'field'" in result.stderr


def test_usage_errors_exit_2(tmp_path):
    assert kpcheck("check").exit_code == 2
    assert kpcheck("check", "--format", "xml", write(tmp_path / "ok.json", base())).exit_code == 2
    assert kpcheck("check", "--format", "text", "--format", "json", write(tmp_path / "ok.json", base())).exit_code == 2


def test_several_formats_at_once(tmp_path):
    path = write(tmp_path / "ok.json", base())
    out = tmp_path / "r.json"
    result = kpcheck("check", "--format", "text", "--format", f"json={out}", path)
    assert result.exit_code == 0
    assert "COMPLIANT" in result.stdout
    assert json.loads(out.read_text())["results"][0]["submission"] == "ALA-2024-0007"


def test_text_report_shows_verdict_finding_field_and_basis(tmp_path):
    doc = base()
    doc["certificate"]["condition"]["erasures"] = True
    result = CliRunner().invoke(main, ["check", str(write(tmp_path / "bad.json", doc))], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    for text in ("INVALID", "COND-01", "certificate.condition.erasures", "Resolution No 356", "EXAMPLE REGISTERS"):
        assert text in result.stdout


def test_conformance_example_with_each_engine():
    for kind in ENGINE_KINDS:
        result = kpcheck("check", "--engine", kind, "--format", "json", CONFORMANCE)
        assert result.exit_code == 0, (kind, result.stdout)
        assert json.loads(result.stdout)["results"][0]["status"] == "compliant"


def test_rules_list_show_and_test():
    listed = CliRunner().invoke(main, ["rules", "list"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0 and "COND-01" in listed.stdout
    shown = kpcheck("rules", "show", "COND-01")
    assert shown.exit_code == 0 and "erasures" in shown.stdout
    assert kpcheck("rules", "show", "NOPE-01").exit_code == 2
    tested = kpcheck("rules", "test")
    assert tested.exit_code == 0, tested.stdout[-3000:]
    assert " 0 failed" in tested.stdout


def test_broken_reference_file_exits_2_naming_file_and_line(tmp_path):
    import shutil

    from kpcheck.rulebook.loader import RULES_DIR

    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    participants = rules / "reference" / "participants.yaml"
    text = participants.read_text()
    participants.write_text(text.replace("VE:\n    name: Venezuela", "VE:\n    name: Venezuela\n    colour: red"))
    result = kpcheck("check", "--rules", rules, "--format", "json", write(tmp_path / "ok.json", base()))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{participants}:" in result.stderr and "unknown key 'colour'" in result.stderr


def test_norway_from_a_yaml_submission_is_a_participant(tmp_path):
    doc = base()
    doc["certificate"]["importer"]["country"] = "NO"
    text = json.dumps(doc).replace('"country": "NO"', "country: NO")  # unquoted: YAML 1.1 would read false
    path = tmp_path / "norway.yaml"
    path.write_text(text)
    result = kpcheck("check", "--format", "json", path)
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["results"][0]["status"] == "compliant"
    elsewhere = tmp_path / "nowhere.yaml"
    elsewhere.write_text(text.replace("country: NO", "country: XX"))
    rules = [v["rule"] for v in json.loads(kpcheck("check", "--format", "json", elsewhere).stdout)["results"][0]["violations"]]
    assert "TRADE-01" in rules


def test_progress_bar_counts_on_a_terminal(monkeypatch):
    import io

    from rich.console import Console

    from kpcheck.cli import main as cli

    screen = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=screen, force_terminal=True, width=100))
    seen = []
    with cli.progress_bar(3) as advance:
        for _ in range(3):
            advance(1)
            seen.append(1)
    assert seen == [1, 1, 1]
    assert "auditing" in screen.getvalue() and "3/3" in screen.getvalue()
    with cli.progress_bar(0) as nothing:
        assert nothing is None
