"""The package carries its rulebook: wheel and sdist contents, a zipped install, the shipped folders."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

import kpcheck
from kpcheck.paths import shipped, user_cache_dir, user_config_dir
from kpcheck.reference.files import DEFAULT_REGISTERS
from kpcheck.rulebook.loader import RULES_DIR

SUBMISSIONS = ROOT / "fixtures" / "submissions"


def test_a_checkout_reads_its_own_folders():
    assert shipped("rules") == RULES_DIR == ROOT / "rules"
    assert shipped("registers") == DEFAULT_REGISTERS == ROOT / "registers" / "example"
    with pytest.raises(ValueError):
        shipped("fixtures")


def test_user_folders_come_from_platformdirs_unless_moved(monkeypatch, tmp_path):
    monkeypatch.delenv("KPCHECK_CONFIG_DIR", raising=False)
    assert user_config_dir().name == "kpcheck"
    monkeypatch.setenv("KPCHECK_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("KPCHECK_CACHE_DIR", str(tmp_path / "k"))
    assert user_config_dir() == tmp_path / "c" and user_cache_dir() == tmp_path / "k"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A wheel and an sdist built from this checkout with hatchling (the dev extra)."""
    pytest.importorskip("hatchling")
    from hatchling.builders.sdist import SdistBuilder
    from hatchling.builders.wheel import WheelBuilder

    out = tmp_path_factory.mktemp("dist")
    wheel = Path(next(WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"])))
    sdist = Path(next(SdistBuilder(str(ROOT)).build(directory=str(out), versions=["standard"])))
    return wheel, sdist


def test_the_wheel_carries_the_rulebook_and_the_example_registers(built):
    wheel, _ = built
    names = set(zipfile.ZipFile(wheel).namelist())
    rule_files = {
        f"kpcheck/_data/rules/{p.relative_to(RULES_DIR).as_posix()}"
        for p in RULES_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert rule_files <= names
    assert {
        "kpcheck/_data/rules/reference/calendar-kz.yaml",
        "kpcheck/_data/rules/bases/compliant-export.json",
        "kpcheck/_data/registers/signers.yaml",
        "kpcheck/_data/registers/annual-report.yaml",
        "kpcheck/__main__.py",
        "kpcheck/py.typed",
    } <= names
    assert not any(n.startswith(("rules/", "registers/", "tests/")) for n in names)
    metadata = zipfile.ZipFile(wheel).read(f"kpcheck-{kpcheck.__version__}.dist-info/METADATA").decode()
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    durable = [r for r in requires if "durable-rules" in r]
    assert durable and all("extra == 'durable'" in r or 'extra == "durable"' in r for r in durable)
    assert all("extra ==" in r for r in requires if "holidays" in r)
    assert f"Version: {kpcheck.__version__}" in metadata


def test_the_sdist_carries_what_the_docs_and_tests_need(built):
    _, sdist = built
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in (
        "rules/rulebook.yaml",
        "rules/reference/calendar-kz.yaml",
        "registers/example/signers.yaml",
        "fixtures/submissions/compliant-export.json",
        "tests/conftest.py",
        "docs/rule-language.md",
        "tools/gen_calendar.py",
        "README.md",
        "pyproject.toml",
        "kpcheck/paths.py",
    ):
        assert needed in names, needed
    assert not any(n.endswith(".whl") for n in names)


def test_a_zipped_install_runs_from_another_folder(built, tmp_path):
    """The wheel on sys.path as a zip: the rulebook is read from inside it (copied out once)."""
    wheel, _ = built
    env = {**os.environ, "PYTHONPATH": str(wheel), "KPCHECK_CACHE_DIR": str(tmp_path / "cache")}
    where = subprocess.run(
        [sys.executable, "-c", "import kpcheck, kpcheck.paths as p; print(kpcheck.__file__); print(p.shipped('rules'))"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert where[0].startswith(str(wheel)) and where[1].startswith(str(tmp_path / "cache" / "shipped"))
    for name, code in (("compliant-export.json", 0), ("cond-erasure-stains.json", 1)):
        done = subprocess.run(
            [sys.executable, "-m", "kpcheck", "check", "--engine", "python", str(SUBMISSIONS / name)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == code, done.stderr


def test_the_wheel_carries_the_desk_templates_and_static_files(built):
    wheel, _ = built
    names = set(zipfile.ZipFile(wheel).namelist())
    serve = ROOT / "kpcheck" / "serve"
    shipped_files = {
        p.relative_to(ROOT).as_posix() for folder in ("templates", "static") for p in (serve / folder).iterdir() if p.is_file()
    }
    assert shipped_files and shipped_files <= names
    assert {"kpcheck/serve/templates/desk.html", "kpcheck/serve/static/desk.js"} <= names
