"""`check`, `audit`, `register`, `rules impact`, `explain`, `users`, `config` and `stats` under --lang ru|kk say their own
lines in that language: the errors, warnings and notes on standard error, the audit's summary,
`register show`'s listing, `users list`, `config`'s table, the statistics of `stats` (text and
Markdown) and its production file's errors, the refusals of inputs and options
kpcheck words itself, and click's own words: its usage errors and their frame ("Usage:", "Error:",
"Invalid value for", "No such option", "Missing argument"). Numbers, ids, paths, URLs, codes,
option names, a usage line's metavars and commands to type (in «») stay as they are. English
stays as it was (the tests of each command pin it).

Each scenario's output is scanned for English words (tests/english_scan.py); the same scenarios
in English must be caught by the scan, so the scan cannot pass for want of text.
"""

from __future__ import annotations

import ast
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import ROOT, kpcheck
from english_scan import english_words

from kpcheck.i18n import gettext_for

SUBMISSIONS = ROOT / "fixtures" / "submissions"
ONE = SUBMISSIONS / "compliant-export.json"
NUMBER = "KZ000123"  # ONE's certificate
# names, not English prose: formats and file suffixes, the database, the spool's variable, a metavar of the usage line
PROGRAM_WORDS = {"json", "csv", "html", "text", "yaml", "yml", "jsonl", "txt", "SQLite", "TMPDIR", "SOURCE"}
CLICK_FRAME = re.compile(r"^(Использование|Қолданылуы): .*$", re.M)  # the usage line's metavars ([OPTIONS] FILES...)
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
    (folder / "notes.txt").write_text("{}", encoding="utf-8")
    assert kpcheck("register", "init", folder / "register.sqlite").exit_code == 0
    history = folder / "history.sqlite"  # a decision, an event, an account in use and one disabled
    assert kpcheck("register", "init", history).exit_code == 0
    assert kpcheck("check", ONE, "--register", history, "--record", "--by", "Иванов", "-q").exit_code == 0
    assert kpcheck("register", "event", NUMBER, "damaged", "--on", "2026-03-15", "--by", "Петров", "--register", history).exit_code == 0
    assert kpcheck("users", "add", "Асель", "--role", "auditor", "--register", history).exit_code == 0
    assert kpcheck("users", "add", "Ерлан", "--role", "controller", "--register", history).exit_code == 0
    assert kpcheck("users", "disable", "Ерлан", "--register", history).exit_code == 0
    with sqlite3.connect(folder / "other.sqlite") as other:  # another application's database
        other.execute("CREATE TABLE crm_clients (id INTEGER)")
    (folder / "production.csv").write_text('year,carats,value\n2024,"1,000",5\n', encoding="utf-8")  # 1,000: a thousand, or one?
    (folder / "production.yaml").write_text("production:\n  - 2024\n", encoding="utf-8")  # an entry that is no mapping
    with sqlite3.connect(folder / "newer.sqlite") as newer:  # a register of a later kpcheck
        newer.execute("CREATE TABLE kpcheck_schema (version INTEGER NOT NULL)")
        newer.execute("INSERT INTO kpcheck_schema VALUES (99)")
    return folder


def scenarios(place: Path) -> dict[str, tuple[list[object], tuple[int, ...]]]:
    """name -> (arguments after the command's --lang, exit codes expected)."""
    missing, folder, reg, history = place / "none.sqlite", place, place / "register.sqlite", place / "history.sqlite"
    return {
        "check: no register here": (["check", ONE, "--register", missing], (2,)),
        "check: the register is a folder": (["check", ONE, "--register", folder], (2,)),
        "check: a register in memory": (["check", ONE, "--register", "sqlite://"], (2,)),
        "check: a report over an input": (["check", ONE, "--format", f"json={ONE}"], (2,)),
        "check: an unknown format": (["check", ONE, "--format", "fancy"], (2,)),
        "check: an option that does not exist": (["check", ONE, "--bogus"], (2,)),
        "check: no file given": (["check"], (2,)),
        "check: an engine that does not exist": (["check", ONE, "--engine", "drools"], (2,)),
        "check: an option without its value": (["check", ONE, "--output"], (2,)),
        "audit: --jobs not a number": (["audit", ONE, "--jobs", "abc"], (2,)),
        "check: --record without a register": (["check", ONE, "--record"], (2,)),
        "audit: two reports in one file": (
            ["audit", place / "batch", "-j", "1", "--format", f"json={place}/r.x", "--format", f"csv={place}/r.x"],
            (2,),
        ),
        "audit: a report over a submission": (["audit", place / "batch", "-j", "1", "--format", f"json={place}/batch/one.json"], (2,)),
        "check: no such file": (["check", place / "nowhere.json"], (2,)),
        "check: an unknown file type": (["check", place / "notes.txt"], (2,)),
        "check: an unreadable --against": (["check", ONE, "--against", place / "nowhere"], (2,)),
        "audit: a missing source among good ones": (
            ["audit", place / "batch", place / "nowhere", "-j", "1", "--format", f"json={place}/m.json"],
            (2,),
        ),
        "audit: an unknown register scheme": (["audit", place / "batch", "-j", "1", "--register", "ftp://host/db"], (2,)),
        "audit: the summary and the example registers": (["audit", place / "batch", "-j", "1", "--format", f"json={place}/a.json"], (0, 1)),
        "register due: no register here": (["register", "due", "--register", missing], (2,)),
        "rules impact: a rulebook compared with itself": (["rules", "impact", "--new", ROOT / "rules", place / "batch"], (2,)),
        "rules impact: sources and --register": (["rules", "impact", "--new", ROOT / "rules", place / "batch", "--register", reg], (2,)),
        "explain: no submission in the file": (["explain", "FORM-01", place / "empty.jsonl"], (2,)),
        "register event: an unknown number": (["register", "event", "KZ-000999", "damaged", "--on", "2026-03-15", "--register", reg], (2,)),
        "register init: a register ready": (["register", "init", place / "made.sqlite"], (0,)),
        "register init: in a folder that does not exist": (["register", "init", place / "no" / "r.sqlite"], (2,)),
        "register import: one stored, one unreadable": (
            ["register", "import", ONE, place / "nowhere.json", "--register", place / "in.sqlite"],
            (2,),
        ),
        "register import: the register is a folder": (["register", "import", ONE, "--register", folder], (2,)),
        "register show: a certificate's history": (["register", "show", NUMBER, "--register", history], (0,)),
        "register show: a number not in the register": (["register", "show", "KZ-000999", "--register", history], (2,)),
        "register show: no register here": (["register", "show", NUMBER, "--register", missing], (2,)),
        "register export: the export": (["register", "export", "--register", history, "-o", place / "out.jsonl"], (0,)),
        "register show: not a register": (["register", "show", NUMBER, "--register", place / "other.sqlite"], (2,)),
        "register export: a register of a later kpcheck": (["register", "export", "--register", place / "newer.sqlite"], (2,)),
        "register export: over the register": (["register", "export", "--register", history, "-o", history], (2,)),
        "users list: the accounts": (["users", "list", "--register", history], (0,)),
        "users list: no accounts yet": (["users", "list", "--register", reg], (0,)),
        "users add: a name taken": (["users", "add", "Асель", "--role", "auditor", "--register", history], (2,)),
        "users add: a name too long": (["users", "add", "Ж" * 201, "--role", "auditor", "--register", history], (2,)),
        "users disable: disabled already": (["users", "disable", "Ерлан", "--register", history], (0,)),
        "users disable: no such account": (["users", "disable", "Нет", "--register", history], (2,)),
        "users list: no register here": (["users", "list", "--register", missing], (2,)),
        "stats: no source": (["stats"], (2,)),
        "stats: --from after --to": (["stats", ONE, "--from", "2024", "--to", "2023"], (2,)),
        "stats: a missing source": (["stats", place / "nowhere.json"], (2,)),
        "stats: no register here": (["stats", "--register", missing], (2,)),
        "stats: the text tables and their notes": (["stats", place / "batch", "--from", "2023", "--to", "2024"], (0,)),
        "stats: the Markdown tables": (["stats", place / "batch", "--format", "markdown"], (0,)),
        "stats: the notes beside the CSV": (["stats", place / "batch", "--format", "csv", "-o", place / "stats.csv"], (0,)),
        "stats: an ambiguous amount in the production file": (["stats", ONE, "--production", place / "production.csv"], (2,)),
        "stats: a production entry that is no mapping": (["stats", ONE, "--production", place / "production.yaml"], (2,)),
        "config: no such command": (["config", "nosuch"], (2,)),
        "config: a group, not a command": (["config", "register"], (2,)),
        "config: one command's settings": (["config", "register", "init"], (0,)),
        "report annual: no source": (["report", "annual", "--year", "2024"], (2,)),
        "report annual: a missing source": (["report", "annual", place / "nowhere.json", "--year", "2024"], (2,)),
        "report annual: a production file that does not load": (
            ["report", "annual", ONE, "--year", "2024", "--production", place / "production.yaml"],
            (2,),
        ),
        "report annual: no register here": (["report", "annual", "--year", "2024", "--register", missing], (2,)),
    }


GROUPS = ("register", "report", "rules", "users")


def run(args: list[object], lang: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``kpcheck COMMAND --lang LANG ARGS`` (COMMAND: a word, or a group and a word)."""
    cut = 2 if args[0] in GROUPS else 1
    result = kpcheck(*args[:cut], "--lang", lang, *args[cut:], env=env)
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
        if any(ch.isalpha() for ch in line):  # a table's rule is no line of text
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


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_an_account_made_is_said_in_the_language(tmp_path, lang):
    """``users add`` prints the token alone on standard output and says the rest in the language."""
    assert kpcheck("register", "init", tmp_path / "r.sqlite").exit_code == 0
    result = kpcheck("users", "add", "--lang", lang, "Нурлан", "--role", "controller", "--register", tmp_path / "r.sqlite")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.split()) == 1  # the token
    assert result.stderr.strip() and not words(result.stderr) and CYRILLIC.search(result.stderr), result.stderr
    english = kpcheck("users", "add", "Ержан", "--role", "controller", "--register", tmp_path / "r.sqlite")
    assert "account 'Ержан' (controller) made in sqlite:///" in english.stderr


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_kpcheck_lang_is_honoured_by_the_commands_that_took_lang_last(place, lang):
    """KPCHECK_LANG (as for check and audit) gives the language where --lang is not given."""
    for args in (["users", "list", "--register", place / "history.sqlite"], ["stats", place / "nowhere.json"], ["config", "nosuch"]):
        result = kpcheck(*args, env={"KPCHECK_LANG": lang})
        said = result.stdout + result.stderr
        assert not words(said) and CYRILLIC.search(said), said
        assert said == run(args, lang)[1]


def test_register_show_in_english_is_as_it_was(place):
    result = kpcheck("register", "show", NUMBER, "--register", place / "history.sqlite")
    lines = result.stdout.splitlines()
    assert lines[0] == f"{NUMBER} export ALA-2024-0007 presented 2024-03-04  (first use)"
    assert re.fullmatch(r"  \S+ check by Иванов: compliant; no findings; rulebook \S+ [0-9a-f]{12}", lines[2]), lines[2]
    assert re.fullmatch(r"  2026-03-15 damaged by Петров \(recorded \S+\)", lines[3]), lines[3]


def templates_in(path: Path) -> list[tuple[int, str | tuple[str, int]]]:
    """The texts a module marks for the catalogue: N_("…"), _("…") and say("…"), and the plurals
    of n_("…", "…", n) (as the catalogue keys them: the singular and form 0)."""
    found: list[tuple[int, str | tuple[str, int]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("N_", "_", "say", "n_") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, (first.value, 0) if node.func.id == "n_" else first.value))
    return found


MARKED = [
    ROOT / "kpcheck" / "cli",
    ROOT / "kpcheck" / "register",
    ROOT / "kpcheck" / "batch" / "audit.py",
    ROOT / "kpcheck" / "input",
    ROOT / "kpcheck" / "stats",
]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_every_marked_text_of_the_command_line_and_the_register_is_translated(lang):
    """A text marked in the command line, the register, the audit's spool, the reading of inputs
    or the statistics has its own entry in each catalogue (Kazakh its own, not the Russian fall-back)."""
    from kpcheck.i18n import translations

    own = translations(lang)._catalog  # type: ignore[attr-defined]
    files = [f for p in MARKED for f in ([p] if p.is_file() else sorted(p.glob("*.py")))]
    missing = [f"{f.relative_to(ROOT)}:{line}: {text!r}" for f in files for line, text in templates_in(f) if text not in own]
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_report_says_an_unreadable_submission_in_its_language(place, lang):
    """The JSON report of a source that does not read says why in the report's language (and
    in English as it always did)."""
    from english_scan import scan_json

    report = place / f"unreadable-{lang}.json"
    result = kpcheck("audit", place / "nowhere", place / "notes.txt", "-j", "1", "--lang", lang, "--format", f"json={report}", "-q")
    assert result.exit_code == 2, result.output
    assert not scan_json(report.read_text(encoding="utf-8"), PROGRAM_WORDS), report.read_text(encoding="utf-8")
    english = place / "unreadable-en.json"
    kpcheck("audit", place / "nowhere", "-j", "1", "--format", f"json={english}", "-q")
    assert '"message":"no such file or folder"' in english.read_text(encoding="utf-8")


def test_a_template_filled_in_russian():
    from kpcheck.problems import fill

    _ = gettext_for("ru")
    assert fill(_("the folder {folder} does not exist"), {"folder": "/x/y"}) == "папки /x/y не существует"
