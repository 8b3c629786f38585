"""A desk check that starts and ends lean (issue 26): the program's entry ends a finished check
with ``os._exit`` (after its exit handlers, with its streams flushed), keeps the garbage
collector off while it starts, puts no pydantic plugin scan in its way, and takes the code
dataclasses and typing generate from a table instead of compiling it again. Nothing of what
the check writes may be lost on the way."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import os
import subprocess
import sys
import typing
from pathlib import Path

import pydantic
from click.testing import CliRunner

from kpcheck.cli import entry
from kpcheck.cli.main import main
from kpcheck.rulebook import cache

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


def _classes() -> dict[str, typing.Any]:
    """Dataclasses of every kind dataclasses writes methods for, and string annotations."""

    @dataclasses.dataclass(frozen=True, order=True)
    class Frozen:
        number: int
        names: tuple[str, ...] = dataclasses.field(default_factory=tuple)
        note: str = "none"

    @dataclasses.dataclass
    class Plain:
        when: "int | None"  # noqa: UP037  # a string annotation: typing compiles it
        frozen: "Frozen"  # noqa: UP037

    return {"Frozen": Frozen, "Plain": Plain, "hints": typing.get_type_hints(Plain, localns={"Frozen": Frozen})}


def test_generated_code_builds_the_same_classes_and_is_kept(tmp_path, monkeypatch):
    """Classes and type hints built through the table of generated code behave as those built
    without it, method for method; the table, stored, serves the next start without compiling."""
    plain = _classes()
    table = cache.GeneratedCode(tmp_path, b"k" * 32, {})
    monkeypatch.setattr(dataclasses, "exec", table.exec_, raising=False)
    monkeypatch.setattr(typing, "compile", table.compile_, raising=False)
    built = _classes()
    assert table.compiled >= 8  # __init__, __repr__, __eq__, the order, __hash__, __setattr__, ... and the hints
    for name in ("Frozen", "Plain"):
        for method in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__", "__lt__", "__ge__"):
            mine, theirs = getattr(built[name], method, None), getattr(plain[name], method, None)
            assert (mine is None) == (theirs is None), (name, method)
            if hasattr(theirs, "__code__"):
                assert mine.__code__.co_code == theirs.__code__.co_code, (name, method)
                assert inspect.signature(mine) == inspect.signature(theirs), (name, method)
    one, two = built["Frozen"](1, ("a",)), built["Frozen"](2)
    assert repr(one) == repr(plain["Frozen"](1, ("a",))) and repr(one).endswith("Frozen(number=1, names=('a',), note='none')")
    assert one < two and one == built["Frozen"](1, ("a",)) and hash(one) == hash(built["Frozen"](1, ("a",)))
    try:
        one.number = 3  # type: ignore[misc]
        raise AssertionError("a frozen dataclass took an assignment")
    except dataclasses.FrozenInstanceError:
        pass
    assert str(built["hints"]["when"]) == str(plain["hints"]["when"])
    table.save()
    assert list(tmp_path.glob(f"generated-*{cache.SUFFIX}")) == [table.path]
    monkeypatch.setenv("KPCHECK_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "user_secret", lambda where: b"k" * 32)
    again = cache.GeneratedCode.load()
    assert again is not None and set(again.codes) == set(table.codes)
    monkeypatch.setattr(dataclasses, "exec", again.exec_, raising=False)
    monkeypatch.setattr(typing, "compile", again.compile_, raising=False)
    _classes()
    assert again.compiled == 0 and again.used == table.used


def test_a_forged_table_of_generated_code_is_not_used(tmp_path, monkeypatch):
    import marshal

    monkeypatch.setenv("KPCHECK_CACHE_DIR", str(tmp_path))
    table = cache.GeneratedCode.load()
    assert table is not None and table.codes == {}
    planted = {("exec", "x = 1\n"): compile("import os; os._exit(9)\n", "<string>", "exec")}
    table.path.write_bytes(cache.MAGIC + b"\0" * 32 + marshal.dumps(planted))
    forged = cache.GeneratedCode.load()
    assert forged is not None and forged.codes == {}


PROBE = (
    "import sys, dataclasses, typing\n"
    "from kpcheck.cli.entry import cache_generated_code\n"
    "table = cache_generated_code()\n"
    "import kpcheck.cli.main\n"
    "print(table and table.compiled, table and len(table.used), 'exec' in vars(dataclasses), 'compile' in vars(typing))\n"
    "table and table.save()\n"
)


def test_the_program_compiles_generated_code_once(tmp_path):
    """The first start compiles the code its dataclasses and annotations generate; the next takes
    every text from the table. Only the program's entry does it, and not with KPCHECK_NO_CACHE."""
    env = {**os.environ, "KPCHECK_CACHE_DIR": str(tmp_path)}
    env.pop("KPCHECK_NO_CACHE", None)
    first, second = (
        subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env=env, cwd=ROOT).stdout.split()
        for _ in range(2)
    )
    assert int(first[0]) > 100 and first[2:] == ["True", "True"]
    assert second[0] == "0" and second[1] == first[1]
    off = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env={**env, "KPCHECK_NO_CACHE": "1"}, cwd=ROOT
    )
    assert off.stdout.split() == ["None", "None", "False", "False"]
    library = "import dataclasses, typing, kpcheck.api; print('exec' in vars(dataclasses), 'compile' in vars(typing))"
    alone = subprocess.run([sys.executable, "-c", library], capture_output=True, text=True, check=True, env=env, cwd=ROOT)
    assert alone.stdout.split() == ["False", "False"]


def test_the_generated_code_goes_through_the_names_the_table_stands_in_for():
    """dataclasses compiles the methods it writes by ``exec`` alone and typing its forward
    references by ``compile`` (read from their sources, so that a Python that does otherwise
    fails here rather than starting slowly unnoticed)."""

    def called(module: typing.Any, within: str | None = None) -> set[str]:
        tree = ast.parse(inspect.getsource(module))
        if within is not None:
            tree = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == within)
        return {
            n.func.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("exec", "eval", "compile")
        }

    assert called(dataclasses) == {"exec"}
    assert "compile" in called(typing, "ForwardRef")  # (its eval runs the code compiled)
