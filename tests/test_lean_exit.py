"""A desk check that starts and ends lean (issue 26): the program's entry ends a finished check
with ``os._exit`` (after its exit handlers, with its streams flushed), keeps the garbage
collector off while it starts, and puts no pydantic plugin scan in its way. Nothing of what
the check writes may be lost on the way."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pydantic
from click.testing import CliRunner

from kpcheck.cli import entry
from kpcheck.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "submissions"
PROGRAM = "import sys; from kpcheck.cli.entry import run; sys.argv[0] = 'kpcheck'; sys.exit(run())"


def _program(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROGRAM, *args], capture_output=True, text=True, check=False, env=env, cwd=ROOT)


def test_a_lean_check_writes_every_report_whole_and_exits_with_its_code(tmp_path):
    """A check of the fixtures as the program runs it (os._exit at the end) writes the same
    reports, byte for byte, and exits with the same code as the check under click's runner
    (which never ends lean)."""
    files = sorted(str(p.relative_to(ROOT)) for p in FIXTURES.glob("*.json"))[:12]
    outputs = {fmt: tmp_path / f"lean.{fmt}" for fmt in ("json",)}
    formats = [a for fmt, path in outputs.items() for a in ("--format", f"{fmt}={path}")]
    done = _program("check", *files, *formats, "--format", "text", env={**os.environ, "COLUMNS": "100"})
    runner = CliRunner()
    expected = {fmt: tmp_path / f"runner.{fmt}" for fmt in outputs}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = runner.invoke(
            main,
            ["check", *files, *(a for fmt, path in expected.items() for a in ("--format", f"{fmt}={path}")), "--format", "text"],
            env={"COLUMNS": "100"},
        )
    finally:
        os.chdir(cwd)
    assert done.returncode == result.exit_code == 1, done.stderr  # findings at or above --fail-on
    for fmt in outputs:
        assert outputs[fmt].read_bytes() == expected[fmt].read_bytes(), fmt
    assert done.stdout == result.stdout  # the text report on standard output, flushed before the end
    assert json.loads(outputs["json"].read_text())["summary"]["submissions"] == len(files)


def test_a_lean_check_runs_the_exit_handlers_and_flushes_a_pipe(tmp_path):
    """What was registered to run at exit runs (the probe prints from one), and the report on
    a pipe is complete."""
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('handler ran', gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr, flush=True))\n"
        "from kpcheck.cli.entry import run\n"
        "sys.argv = ['kpcheck', 'check', '--format', 'json', sys.argv[1]]\n"
        "sys.exit(run())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(FIXTURES / "compliant-export.json")], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert "handler ran True True" in done.stderr  # the collector back on, what start-up loaded frozen out of it
    assert json.loads(done.stdout)["summary"]["submissions"] == 1


def test_commands_that_do_not_say_so_end_the_usual_way():
    """Only ``check`` says it may end lean; any other command (here a usage error and
    ``rules list``) leaves by SystemExit and the interpreter's teardown."""
    assert _program("check").returncode == 2  # no files: click's usage error, exit 2
    done = _program("rules", "list")
    assert done.returncode == 0 and "FORM-01" in done.stdout


def test_the_empty_plugin_loader_has_every_name_pydantic_takes_from_its_own():
    """pydantic takes only ``get_plugins`` from ``pydantic.plugin._loader`` (read from its
    sources, so that a pydantic that takes more fails here, not in a user's check)."""
    taken: set[str] = set()
    for path in Path(pydantic.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("_loader") and "plugin" in str(path.parent):
                taken.update(alias.name for alias in node.names)
    assert taken == {"get_plugins"}
    saved = sys.modules.pop("pydantic.plugin._loader", None)
    try:
        entry.no_plugin_scan()
        loader = sys.modules["pydantic.plugin._loader"]
        assert all(hasattr(loader, name) for name in taken)
        assert list(loader.get_plugins()) == []
    finally:
        sys.modules.pop("pydantic.plugin._loader", None)
        if saved is not None:
            sys.modules["pydantic.plugin._loader"] = saved


def test_the_plugin_scan_can_be_asked_for(tmp_path):
    """KPCHECK_PYDANTIC_PLUGINS=1 leaves pydantic's own loader in place (a check then imports
    importlib.metadata for it)."""
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('metadata' if 'importlib.metadata' in sys.modules else 'none', file=sys.stderr, flush=True))\n"
        "from kpcheck.cli.entry import run\n"
        "sys.argv = ['kpcheck', 'check', '-q', sys.argv[1]]\n"
        "sys.exit(run())\n"
    )
    sample = str(FIXTURES / "compliant-export.json")
    plain = subprocess.run([sys.executable, "-c", probe, sample], capture_output=True, text=True, check=False, cwd=ROOT)
    asked = subprocess.run(
        [sys.executable, "-c", probe, sample],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "KPCHECK_PYDANTIC_PLUGINS": "1"},
    )
    assert plain.stderr.split()[-1] == "none" and asked.stderr.split()[-1] == "metadata"
