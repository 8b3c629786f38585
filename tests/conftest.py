"""Shared fixtures: the shipped rulebook, reference data and both evaluators."""

from __future__ import annotations

import atexit
import copy
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

# The tests (and the kpcheck processes they start) keep their rulebook cache in a folder of
# their own, removed at the end, and never write into the user's cache folder.
_TEST_CACHE = tempfile.mkdtemp(prefix="kpcheck-test-cache-")
os.environ["KPCHECK_CACHE_DIR"] = _TEST_CACHE
atexit.register(shutil.rmtree, _TEST_CACHE, True)

from kpcheck.engine import Engine, durable  # noqa: E402 - after the cache folder is set
from kpcheck.reference.queries import load_reference  # noqa: E402
from kpcheck.rulebook.loader import RULES_DIR, load_rulebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the project's scripts import as tools.<name>
    sys.path.insert(0, str(ROOT))
ENGINE_KINDS = ["python"] + (["durable"] if durable.AVAILABLE else [])


@pytest.fixture(scope="session")
def book():
    return load_rulebook(RULES_DIR)


@pytest.fixture(scope="session")
def reference():
    return load_reference(RULES_DIR)


@pytest.fixture(scope="session")
def engines(book, reference):
    """One engine of each kind for the whole session (durable_rules: one engine per process)."""
    return {kind: Engine(book, reference, kind) for kind in ENGINE_KINDS}


def base(name: str = "compliant-export") -> dict:
    return copy.deepcopy(json.loads((RULES_DIR / "bases" / f"{name}.json").read_text()))


# ---- the desk (kpcheck serve): a real uvicorn server in its own process, for live and browser tests

SERVE_TOKEN = "desk-test-token-0123456789"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_desk(*options: str, env: dict | None = None):
    """``kpcheck serve`` on a free loopback port; returns (process, base URL) once /healthz answers."""
    import os
    import subprocess
    import sys
    import tempfile
    import time
    import urllib.request

    port = free_port()
    cmd = [sys.executable, "-c", "from kpcheck.cli.main import main; main()", "serve", "--port", str(port), *options]
    log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: the access log must never block the server
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KPCHECK_") or k in _KEPT_VARIABLES}
    clean["KPCHECK_CONFIG_DIR"] = tempfile.mkdtemp(prefix="kpcheck-no-user-config-")  # no user settings
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**clean, **(env or {})}, stdout=subprocess.DEVNULL, stderr=log, text=True)
    proc.log = log  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):  # up to a minute on a busy machine
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"kpcheck serve exited {proc.returncode}: {log.read()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("kpcheck serve did not answer /healthz within a minute")


def stop_desk(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except Exception:
        proc.kill()
        proc.wait()
    proc.log.close()


@pytest.fixture(scope="session")
def desk_url():
    """The desk served for the whole session (no token), as a controller starts it."""
    proc, url = start_desk()
    yield url
    stop_desk(proc)


# Settings of the person running the tests never reach them: no user configuration folder and
# no KPCHECK_<OPTION> variable (kpcheck.cli.settings); the cache variables stay. `rules lint`
# measures the calendar's horizon from a fixed day (KPCHECK_TODAY is its --today), so that no
# test depends on the day it runs; tests of that warning give --today themselves.
FIXED_TODAY = "2025-06-01"
_KEPT_VARIABLES = {"KPCHECK_CACHE_DIR", "KPCHECK_NO_CACHE"}


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch, tmp_path_factory):
    import os

    monkeypatch.setenv("KPCHECK_CONFIG_DIR", str(tmp_path_factory.getbasetemp() / "no-user-config"))
    for name in list(os.environ):
        if name.startswith("KPCHECK_") and name not in _KEPT_VARIABLES:
            monkeypatch.delenv(name)
    monkeypatch.setenv("KPCHECK_TODAY", FIXED_TODAY)


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for the session; under CI=true its absence fails the tests."""
    from pg_server import Server, ServerUnavailable

    server = None
    try:
        server = Server()
        server.start()
    except ServerUnavailable as exc:
        if server is not None:
            server.stop()
        unavailable(f"PostgreSQL server unavailable: {exc}")
    yield server
    server.stop()


_databases = iter(range(1, 10**6))


@pytest.fixture(params=["sqlite", "postgresql"])
def register_url(request, tmp_path):
    """A fresh, empty register on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "register.sqlite")
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"kpcheck_test_{next(_databases)}")


# Debian's Chromium as every browser test and tools/gen_desk_screenshot.py start it: headless, and
# without the background connections this machine's closed network refuses
CHROMIUM = os.environ.get("KPCHECK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def unavailable(reason: str) -> None:
    """A real server or browser a test needs is missing: a failure in CI, a skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"this test must run in CI: {reason}")
    pytest.skip(reason)


# ---- markers: ``pytest -m "not slow"`` is the inner loop --------------------------------------

# whole files that start real servers or processes, drive a browser, build packages or check
# big generated batches (registered in pyproject.toml's [tool.pytest.ini_options] markers)
SLOW_FILES = {
    "test_serve_browser.py": "browser",
    "test_serve_desk_browser.py": "browser",
    "test_serve_live.py": "server",
    "test_hostile.py": "hostile",
    "test_packaging.py": "package",
    "test_lean_exit.py": "processes",
    "test_register_concurrency.py": "processes",
    "test_reliability.py": "processes",
    "test_reliability_two.py": "processes",
    "test_workers.py": "processes",
    "test_compiled.py": "big batch",
    "test_property.py": "big batch",
    "test_generate.py": "big batch",
    "test_audit_parts.py": "big batch",
    "test_rules_coverage.py": "big batch",
    "test_annual_report.py": "documents",
}


# single tests of half a second or more in the inner loop (most run the whole rulebook's lint, test or
# documents once more); measured with --durations, 6 Dec 2026
SLOW_TESTS = {
    ("test_api_check.py", "test_the_readme_example_runs_and_prints_what_the_readme_says"),
    ("test_api_check.py", "test_the_rules_a_history_runs_are_marked_in_their_rule_files"),
    ("test_cache.py", "test_a_warm_desk_check_of_a_json_file_imports_only_what_it_needs"),
    ("test_calendar_horizon.py", "test_lint_warns_when_the_confirmed_years_end_within_a_year"),
    ("test_cli.py", "test_broken_reference_file_exits_2_naming_file_and_line"),
    ("test_cli.py", "test_rules_list_show_and_test"),
    ("test_cli_output.py", "test_lint_ignore_and_select"),
    ("test_cli_output.py", "test_lint_section_of_the_configuration_file"),
    ("test_cli_output.py", "test_lint_summarises_many_rule_warnings_in_one_line"),
    ("test_dated_values.py", "test_a_2026_damage_gets_five_working_days_and_a_2027_one_three"),
    ("test_dated_values.py", "test_checker_cache_covers_the_dated_values"),
    ("test_dated_values.py", "test_impact_shows_no_change_before_2027"),
    ("test_dated_values.py", "test_lint_checks_the_days"),
    ("test_dated_values.py", "test_lint_is_clean_on_the_amended_rulebook"),
    ("test_dated_values.py", "test_rules_test_passes_with_examples_on_each_side"),
    ("test_dated_values.py", "test_texts_and_legal_basis_by_date"),
    ("test_dated_values.py", "test_the_document_shows_both_values_with_their_dates"),
    ("test_dated_values.py", "test_the_generated_code_reads_the_dated_value"),
    ("test_exit_codes.py", "test_a_broken_reference_folder"),
    ("test_exit_codes.py", "test_a_broken_rulebook"),
    ("test_exit_codes.py", "test_the_good_cases_are_0_and_a_finding_is_1"),
    ("test_explain.py", "test_rules_test_clean_rulebook_prints_only_the_summary"),
    ("test_explain.py", "test_rules_test_in_russian"),
    ("test_explain.py", "test_rules_test_no_explain_and_json"),
    ("test_explain.py", "test_rules_test_prints_the_failures_with_their_explanation_then_the_summary"),
    ("test_explain.py", "test_rules_test_verbose_lists_passes_first_and_failures_last"),
    ("test_export.py", "test_export_lints_clean_and_checks_exactly_as_shipped"),
    ("test_impact.py", "test_a_rulebook_compared_with_itself_is_refused"),
    ("test_impact.py", "test_a_rulebook_that_does_not_load_exits_2_naming_file_line_col"),
    ("test_impact.py", "test_an_amendment_that_changes_no_outcome_changes_nothing"),
    ("test_impact.py", "test_kpcheck_rules_impact"),
    ("test_impact.py", "test_participant_suspension_changes_exactly_the_trade_with_it_that_year"),
    ("test_impact.py", "test_text_report_shows_transitions_rules_years_and_submissions"),
    ("test_impact.py", "test_the_reverse_amendment_removes_the_findings"),
    ("test_impact.py", "test_three_working_days_changes_exactly_the_returns_on_day_4_and_5"),
    ("test_interface_language.py", "test_html_and_documents_say_their_language"),
    ("test_interface_language.py", "test_no_english_interface_text_left"),
    ("test_interface_language.py", "test_rules_docs_takes_a_language"),
    ("test_lang.py", "test_kazakh_falls_back_to_russian_with_a_note"),
    ("test_lint.py", "test_cli_prints_every_problem_sorted_and_exits_1"),
    ("test_lint.py", "test_each_kind_of_problem_names_file_line_column_and_code"),
    ("test_lint.py", "test_lint_does_not_touch_the_folder"),
    ("test_lint.py", "test_shipped_rulebook_is_clean"),
    ("test_lint_languages.py", "test_lint_speaks_the_language"),
    ("test_lint_languages.py", "test_the_planted_rulebook_has_every_code"),
    ("test_lint_languages.py", "test_the_text_report_is_translated_too"),
    ("test_provenance.py", "test_settings_from_a_configuration_file_are_named_with_file_and_line"),
    ("test_reference.py", "test_broken_files_raise_only_reference_errors"),
    ("test_register_events.py", "test_a_dated_duplicate_period_is_read_on_the_day_of_damage"),
    ("test_register_impact.py", "test_a_read_only_register_file_is_read"),
    ("test_register_impact.py", "test_a_retroactive_correction_changes_the_earlier_decisions_too"),
    ("test_register_impact.py", "test_cli_text_csv_html_and_russian"),
    ("test_register_impact.py", "test_errors_exit_2"),
    ("test_register_impact.py", "test_lists_exactly_the_decisions_the_dated_amendment_changes"),
    ("test_rules_docs.py", "test_committed_document_is_up_to_date"),
    ("test_rules_docs.py", "test_generation_is_deterministic_and_names_no_machine_path"),
    ("test_silent_pass.py", "test_lint_refuses_a_planted_silent_pass"),
    ("test_silent_pass.py", "test_the_shipped_rulebook_lints_without_lnt110"),
    ("test_xref_index.py", "test_a_large_index_holds_numbers_in_runs_and_no_price_at_all"),
    ("test_yaml_slips.py", "test_a_clean_rulebook_gives_an_empty_valid_sarif_run"),
    ("test_yaml_slips.py", "test_each_slip_has_its_place_and_a_hint_in_english_and_russian"),
    ("test_yaml_slips.py", "test_impact_and_docs_speak_russian"),
    ("test_yaml_slips.py", "test_lint_json"),
    ("test_yaml_slips.py", "test_lint_sarif_is_valid_sarif_2_1_0"),
    ("test_yaml_slips.py", "test_load_errors_carry_the_hint_too"),
    ("test_yaml_slips.py", "test_summarised_warnings_in_russian"),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark what is slow: the files above, every test on PostgreSQL (``postgresql``) and every
    test in Chromium (``browser``), wherever they are."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_postgres = "postgres_server" in fixtures or params.get("register_url") == "postgresql"
        in_browser = bool({"browser", "page", "chromium"} & fixtures) or SLOW_FILES.get(item.path.name) == "browser"
        if on_postgres:
            item.add_marker(pytest.mark.postgresql)
        if in_browser:
            item.add_marker(pytest.mark.browser)
        if on_postgres or in_browser or item.path.name in SLOW_FILES or (item.path.name, getattr(item, "originalname", "")) in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


# ---- the command line, in process: every test runs kpcheck through this one helper --------------


def kpcheck(*args: object, env: dict[str, str] | None = None, input: str | bytes | None = None, catch_exceptions: bool = True) -> Result:
    """``kpcheck ARGS...`` run in process by click's test runner (arguments as text); its
    exit code, standard output and error are the result's. ``catch_exceptions=False`` lets an
    exception of kpcheck's own through to the test (an exit is always caught)."""
    from kpcheck.cli.main import main

    return CliRunner().invoke(main, [str(a) for a in args], env=env, input=input, catch_exceptions=catch_exceptions)


@pytest.fixture
def cli():
    """The command line in process (:func:`kpcheck`), for tests that take it as a fixture."""
    return kpcheck
