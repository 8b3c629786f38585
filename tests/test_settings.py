"""Settings given once: KPCHECK_<OPTION> variables, kpcheck.toml, [tool.kpcheck], kpcheck config."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner
from conftest import ROOT, kpcheck

from kpcheck.cli.console import LazyGroup
from kpcheck.cli.settings import adopt, envvar_of

ERASURE = ROOT / "fixtures" / "submissions" / "cond-erasure-stains.json"  # COND-01, invalid
RUSSIAN = "подчистки"


@pytest.fixture
def desk(tmp_path, monkeypatch):
    """A working folder of its own and an empty user configuration folder."""
    folder = tmp_path / "desk"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("KPCHECK_CONFIG_DIR", str(tmp_path / "user-config"))
    return folder


def test_the_variable_convention():
    assert envvar_of("lang") == "KPCHECK_LANG"
    assert envvar_of("fail-on") == "KPCHECK_FAIL_ON"
    assert envvar_of("jobs") == "KPCHECK_JOBS"


def test_lang_from_the_environment_gives_russian(desk):
    result = kpcheck("check", ERASURE, env={"KPCHECK_LANG": "ru"})
    assert result.exit_code == 1, result.output
    assert RUSSIAN in result.stdout


def test_fail_on_and_engine_from_the_environment(desk):
    result = kpcheck("check", "--format", "json", ERASURE, env={"KPCHECK_FAIL_ON": "never", "KPCHECK_ENGINE": "python"})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["engine"] == "python"


def test_a_bad_value_in_the_environment_is_a_usage_error(desk):
    result = kpcheck("check", ERASURE, env={"KPCHECK_LANG": "de"})
    assert result.exit_code == 2
    assert "KPCHECK_LANG" in result.output


def test_kpcheck_toml_in_the_working_folder(desk):
    (desk / "kpcheck.toml").write_text('lang = "ru"\n\n[check]\nfail-on = "never"\n', encoding="utf-8")
    result = kpcheck("check", ERASURE)
    assert result.exit_code == 0, result.output
    assert RUSSIAN in result.stdout


def test_the_command_line_wins_over_the_environment_and_the_file(desk):
    (desk / "kpcheck.toml").write_text('lang = "ru"\nfail_on = "never"\n', encoding="utf-8")
    assert kpcheck("check", ERASURE, env={"KPCHECK_FAIL_ON": "invalid"}).exit_code == 1
    result = kpcheck("check", "--fail-on", "never", "--lang", "en", ERASURE, env={"KPCHECK_LANG": "kk"})
    assert result.exit_code == 0 and RUSSIAN not in result.stdout


def test_the_environment_wins_over_the_file(desk):
    (desk / "kpcheck.toml").write_text('lang = "ru"\n', encoding="utf-8")
    assert RUSSIAN not in kpcheck("check", ERASURE, env={"KPCHECK_LANG": "en"}).stdout


def test_a_command_table_wins_over_the_top_of_the_file(desk):
    (desk / "kpcheck.toml").write_text('fail-on = "invalid"\n[check]\nfail-on = "never"\n', encoding="utf-8")
    assert kpcheck("check", ERASURE).exit_code == 0


def test_a_relative_path_in_a_file_is_relative_to_the_file(desk, tmp_path):
    user = tmp_path / "user-config"
    (user / "our-rules").mkdir(parents=True)
    (user / "kpcheck.toml").write_text('rules = "our-rules"\n', encoding="utf-8")
    result = kpcheck("config", "check", "x.json", env={"COLUMNS": "300"})
    (row,) = [line for line in result.stdout.splitlines() if "--rules" in line]
    assert str(user / "our-rules") in row


def test_the_text_report_names_the_engine(desk):
    result = kpcheck("check", "--engine", "python", ERASURE)
    assert "engine python" in result.stdout


def test_pyproject_tool_table_when_there_is_no_kpcheck_toml(desk):
    (desk / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.kpcheck]\nlang = "ru"\n', encoding="utf-8")
    assert RUSSIAN in kpcheck("check", ERASURE).stdout
    (desk / "kpcheck.toml").write_text('lang = "en"\n', encoding="utf-8")
    assert RUSSIAN not in kpcheck("check", ERASURE).stdout


def test_the_user_folder_is_the_base_and_the_working_folder_wins(desk, tmp_path):
    user = tmp_path / "user-config"
    user.mkdir()
    (user / "kpcheck.toml").write_text('lang = "ru"\nfail-on = "never"\n', encoding="utf-8")
    result = kpcheck("check", ERASURE)
    assert result.exit_code == 0 and RUSSIAN in result.stdout
    (desk / "kpcheck.toml").write_text('lang = "en"\n', encoding="utf-8")
    result = kpcheck("check", ERASURE)
    assert result.exit_code == 0 and RUSSIAN not in result.stdout


def test_kpcheck_config_names_a_file(desk, tmp_path):
    named = tmp_path / "site.toml"
    named.write_text('lang = "ru"\n', encoding="utf-8")
    assert RUSSIAN in kpcheck("check", ERASURE, env={"KPCHECK_CONFIG": str(named)}).stdout
    missing = kpcheck("check", ERASURE, env={"KPCHECK_CONFIG": str(tmp_path / "nope.toml")})
    assert missing.exit_code == 2 and "nope.toml" in missing.output


@pytest.mark.parametrize(
    "text,where,words",
    [
        ('[check\nlang = "ru"\n', "kpcheck.toml:1:", "table declaration [CFG001]"),
        ('jobs = 1\nlang = "de"\n', "kpcheck.toml:2", "'de' is not one of"),
        ('[check]\nlnag = "ru"\n', "kpcheck.toml:2", "did you mean 'lang'?) [CFG002]"),
        ('["rules test"]\nformat = "pdf"\n', "kpcheck.toml:2", "'pdf' is not one of"),
    ],
)
def test_a_bad_configuration_file_is_exit_2_with_file_and_line(desk, text, where, words):
    (desk / "kpcheck.toml").write_text(text, encoding="utf-8")
    result = kpcheck(*(["rules", "test"] if "rules test" in text else ["check", ERASURE]))
    assert result.exit_code == 2, result.output
    assert where in result.output and words in result.output and "[CFG00" in result.output
    assert "Traceback" not in result.output


def test_version_reads_no_configuration_and_names_the_engine(desk):
    (desk / "kpcheck.toml").write_text("[broken\n", encoding="utf-8")
    result = kpcheck("--version")
    assert result.exit_code == 0
    assert "engine: " in result.output and ("durable" in result.output or "python" in result.output)


def test_help_names_the_variable(desk):
    result = kpcheck("check", "--help")
    assert result.exit_code == 0
    assert "KPCHECK_LANG" in result.output and "KPCHECK_FAIL_ON" in result.output


def test_kpcheck_config_shows_each_value_and_where_it_came_from(desk):
    (desk / "kpcheck.toml").write_text('lang = "ru"\n\n[audit]\nfail-on = "warning"\n', encoding="utf-8")
    # --lang en: config's own words in English (the file's lang = "ru" would be config's too)
    result = kpcheck("config", "--lang", "en", env={"KPCHECK_JOBS": "3", "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = {tuple(line.split()[:2]): line for line in result.stdout.splitlines() if line.strip()}
    assert "kpcheck.toml:1" in rows[("check", "--lang")] and " ru " in rows[("check", "--lang")]
    assert "kpcheck.toml:4 [audit]" in rows[("audit", "--fail-on")]
    assert "default" in rows[("check", "--fail-on")]
    assert "environment KPCHECK_JOBS" in rows[("audit", "--jobs")]
    assert "used: " in result.stdout


def test_kpcheck_config_of_one_command_line(desk):
    result = kpcheck("config", "check", "--lang", "kk", "x.json", env={"KPCHECK_ENGINE": "python", "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = {tuple(line.split()[:2]): line for line in result.stdout.splitlines() if line.strip()}
    assert "command line" in rows[("check", "--lang")]
    assert "environment KPCHECK_ENGINE" in rows[("check", "--engine")]
    assert ("audit", "--jobs") not in rows


def test_kpcheck_config_refuses_a_key_no_command_has(desk):
    (desk / "kpcheck.toml").write_text('\nlnag = "ru"\n', encoding="utf-8")
    result = kpcheck("config")
    assert result.exit_code == 2 and "kpcheck.toml:2" in result.output and "lnag" in result.output


def test_a_command_added_later_follows_the_convention(desk):
    """Any option of any command a LazyGroup resolves reads KPCHECK_<OPTION> and the files."""
    seen = {}

    @click.command()
    @click.option("--port", type=int, default=8080)
    @click.option("--host", default="127.0.0.1")
    def serve(port, host):
        seen.update(port=port, host=host)

    @click.group(cls=LazyGroup)
    def top():
        pass

    top.add_command(serve)
    (desk / "kpcheck.toml").write_text('[serve]\nhost = "127.0.0.2"\nport = 9000\n', encoding="utf-8")
    assert CliRunner().invoke(top, ["serve"], env={"KPCHECK_PORT": "8081"}).exit_code == 0
    assert seen == {"port": 8081, "host": "127.0.0.2"}
    assert CliRunner().invoke(top, ["serve", "--port", "1"]).exit_code == 0
    assert seen["port"] == 1


def test_adopt_keeps_an_explicit_envvar():
    command = click.Command("x", params=[click.Option(["--token"], envvar="OTHER")])
    adopt(command)
    assert command.params[0].envvar == "OTHER"


def test_check_reads_one_submission_from_standard_input(desk):
    result = kpcheck("check", "--format", "json", "-", input=ERASURE.read_text(encoding="utf-8"))
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["results"][0]["source"] == "<stdin>"
    assert report["results"][0]["violations"][0]["rule"] == "COND-01"


def test_standard_input_may_be_yaml(desk):
    doc = json.loads(ERASURE.read_text(encoding="utf-8"))
    from kpcheck.input.yamlio import dump_yaml

    result = kpcheck("check", "--format", "json", "-", input=dump_yaml(doc))
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["results"][0]["status"] == "invalid"


def test_standard_input_that_does_not_read_is_exit_2(desk):
    result = kpcheck("check", "-", input="{ not json")
    assert result.exit_code == 2
    assert "<stdin>" in result.output


def test_python_dash_m_kpcheck(desk):
    done = subprocess.run([sys.executable, "-m", "kpcheck", "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("kpcheck, version ")


def test_click_says_its_usage_errors_in_the_language_of_the_run(desk):
    """click's own words (a usage error and its frame) follow the run's language as kpcheck's
    lines do: its --lang as written (click words a usage error before it reads any option),
    else KPCHECK_LANG, else the configuration files; English as it was."""
    said = kpcheck("check", "--lang", "ru", ERASURE, "--bogus").output
    assert "Ошибка: Нет параметра '--bogus'" in said and "Справка: «main check --help»" in said
    assert "Қате: Аргумент көрсетілмеген 'FILES...'" in kpcheck("check", env={"KPCHECK_LANG": "kk"}).output
    (desk / "kpcheck.toml").write_text('[check]\nlang = "ru"\n', encoding="utf-8")
    assert "Использование: main check" in kpcheck("check", "--bogus").output
    english = kpcheck("check", "--lang", "en", "--bogus").output
    assert "Usage: main check" in english and "Error: No such option '--bogus'" in english
    assert "Usage: main check" in kpcheck("check", "--bogus", env={"KPCHECK_LANG": "en"}).output
