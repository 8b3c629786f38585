"""`check`, `audit`, `register`, `rules impact` and `explain` under --lang ru|kk say their own lines in that language: the
errors, warnings and notes on standard error, the audit's summary, the refusals of inputs and
options kpcheck words itself. Numbers, ids, paths, URLs, codes, option names and commands to
type (in «») stay as they are; click's own usage frame ("Usage:", "Error: Invalid value for")
stays English (README, under "kpcheck check"). English stays as it was (the tests of each command pin it).

Each scenario's output is scanned for English words (tests/english_scan.py); the same scenarios
in English must be caught by the scan, so the scan cannot pass for want of text.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import ROOT, kpcheck
from english_scan import english_words

from kpcheck.i18n import gettext_for

SUBMISSIONS = ROOT / "fixtures" / "submissions"
ONE = SUBMISSIONS / "compliant-export.json"
# names, not English prose: formats, the database, the spool's variable, a metavar of the usage line
PROGRAM_WORDS = {"json", "csv", "html", "text", "SQLite", "TMPDIR", "SOURCE"}
CLICK_FRAME = re.compile(r"^(Usage: .*|Try '.*' for help\.|)$|^Error: (Invalid value for [^:]+: )?", re.M)
KAZAKH = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
CYRILLIC = re.compile("[а-яА-ЯёЁ]")


def words(text: str) -> list[str]:
    """The English words of kpcheck's own lines (commands to type in «», values quoted as given
    and options set aside)."""
    text = CLICK_FRAME.sub(" ", re.sub(r"«[^»]*»|'[^'\s]*'", " ", text))
    text = " ".join(chunk for chunk in text.split() if not chunk.startswith("-"))
    return english_words(text, PROGRAM_WORDS)


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli-lang")
    (folder / "batch").mkdir()
    (folder / "batch" / "one.json").write_text(ONE.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "empty.jsonl").write_text("", encoding="utf-8")
    assert kpcheck("register", "init", folder / "register.sqlite").exit_code == 0
    return folder


def scenarios(place: Path) -> dict[str, tuple[list[object], tuple[int, ...]]]:
    """name -> (arguments after the command's --lang, exit codes expected)."""
    missing, folder, reg = place / "none.sqlite", place, place / "register.sqlite"
    return {
        "check: no register here": (["check", ONE, "--register", missing], (2,)),
        "check: the register is a folder": (["check", ONE, "--register", folder], (2,)),
        "check: a register in memory": (["check", ONE, "--register", "sqlite://"], (2,)),
        "check: a report over an input": (["check", ONE, "--format", f"json={ONE}"], (2,)),
        "check: an unknown format": (["check", ONE, "--format", "fancy"], (2,)),
        "check: --record without a register": (["check", ONE, "--record"], (2,)),
        "audit: two reports in one file": (
            ["audit", place / "batch", "-j", "1", "--format", f"json={place}/r.x", "--format", f"csv={place}/r.x"],
            (2,),
        ),
        "audit: a report over a submission": (["audit", place / "batch", "-j", "1", "--format", f"json={place}/batch/one.json"], (2,)),
        "audit: an unknown register scheme": (["audit", place / "batch", "-j", "1", "--register", "ftp://host/db"], (2,)),
        "audit: the summary and the example registers": (["audit", place / "batch", "-j", "1", "--format", f"json={place}/a.json"], (0, 1)),
        "register due: no register here": (["register", "due", "--register", missing], (2,)),
        "rules impact: a rulebook compared with itself": (["rules", "impact", "--new", ROOT / "rules", place / "batch"], (2,)),
        "rules impact: sources and --register": (["rules", "impact", "--new", ROOT / "rules", place / "batch", "--register", reg], (2,)),
        "explain: no submission in the file": (["explain", "FORM-01", place / "empty.jsonl"], (2,)),
        "register event: an unknown number": (["register", "event", "KZ-000999", "damaged", "--on", "2026-03-15", "--register", reg], (2,)),
    }


def run(args: list[object], lang: str) -> tuple[int, str]:
    path = [a for a in args if a in ("check", "audit", "register", "due", "event", "rules", "impact", "explain")]
    rest = args[len(path) :]
    result = kpcheck(*path, "--lang", lang, *rest)
    return result.exit_code, result.stdout + result.stderr


NAMES = list(scenarios(Path("/p")))


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize("name", NAMES)
def test_no_english_left_in_the_lines_of_check_audit_and_register(place, name, lang):
    args, codes = scenarios(place)[name]
    code, said = run(args, lang)
    assert code in codes, said
    assert said.strip(), "the scenario says nothing"
    left = words(said)
    assert not left, f"English in {name!r} under --lang {lang}: {left}\n{said}"
    for line in CLICK_FRAME.sub("", said).splitlines():
        if line.strip():
            assert CYRILLIC.search(line), f"a line not in {lang}: {line!r}"
    if lang == "kk":  # Kazakh of its own, not the Russian fall-back
        assert KAZAKH.search(said) and run(args, "ru")[1] != said, said


@pytest.mark.parametrize("name", NAMES)
def test_the_scan_catches_the_same_lines_in_english(place, name):
    """The scan is not blind: in English every scenario yields English words."""
    args, codes = scenarios(place)[name]
    code, said = run(args, "en")
    assert code in codes, said
    assert words(said), said


def test_the_first_word_of_an_error_and_a_warning(place):
    _, said = run(scenarios(place)["check: no register here"][0], "ru")
    assert "ошибка: " in said and "предупреждение: " in said and "error:" not in said and "warning:" not in said
    _, said = run(scenarios(place)["check: no register here"][0], "en")
    assert f"error: {place}/none.sqlite: no register here; kpcheck register init URL creates one" in said


def templates_in(path: Path) -> list[tuple[int, str]]:
    """The texts a module marks for the catalogue: N_("…"), _("…") and say("…")."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("N_", "_", "say") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
    return found


MARKED = [ROOT / "kpcheck" / "cli", ROOT / "kpcheck" / "register", ROOT / "kpcheck" / "batch" / "audit.py"]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_every_marked_text_of_the_command_line_and_the_register_is_translated(lang):
    """A text marked in the command line, the register or the audit's spool has its own entry in
    each catalogue (Kazakh its own, not the Russian fall-back)."""
    from kpcheck.i18n import translations

    own = translations(lang)._catalog  # type: ignore[attr-defined]
    files = [f for p in MARKED for f in ([p] if p.is_file() else sorted(p.glob("*.py")))]
    missing = [f"{f.relative_to(ROOT)}:{line}: {text!r}" for f in files for line, text in templates_in(f) if text not in own]
    assert not missing, "\n".join(missing)


def test_a_template_filled_in_russian():
    from kpcheck.problems import fill

    _ = gettext_for("ru")
    assert fill(_("the folder {folder} does not exist"), {"folder": "/x/y"}) == "папки /x/y не существует"
