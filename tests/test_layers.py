"""The house's map is true: no import cycle in kpcheck/, and no module imports a layer above
its own, by the layer table of docs/architecture.md (the table is read from the document).

Every import counts, at module level and inside functions (a lazy import is still a
dependency). Imports under ``if TYPE_CHECKING:`` count for the layers (a type from above is a
dependency upward too) but not for cycles (they never run). ``from package import name``
depends on the submodule ``package.name`` when there is one, else on the package.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "kpcheck"
ROW = re.compile(r"^\|\s*(\d+)\s*\|(.*?)\|")


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            inside |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return inside


def imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, bool, int]]:
    """(imported module, under TYPE_CHECKING, line) of every import of kpcheck's in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    typing_only = _type_checking_nodes(tree)
    out = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                stem = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*stem, base] if base else stem)
            subs = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known]
            targets = subs if len(subs) == len(node.names) else [base, *subs]
        for target in targets:
            while target not in known and "." in target:
                target = target.rpartition(".")[0]
            if target in known and target != name:
                out.append((target, id(node) in typing_only, node.lineno))
    return out


def layer_table() -> list[tuple[int, list[str]]]:
    """(layer, module prefixes) of every row of the architecture's table."""
    rows = []
    for line in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            paths = re.findall(r"`(kpcheck/[^`]*)`", match.group(2))
            rows.append((int(match.group(1)), [_prefix(p) for p in paths]))
    return rows


def _prefix(path: str) -> str:
    """``kpcheck/input/`` -> ``kpcheck.input`` (the folder); ``kpcheck/__init__.py`` -> ``=kpcheck``
    (that module alone)."""
    if path.endswith("/__init__.py"):
        return "=" + path.removesuffix("/__init__.py").replace("/", ".")
    return path.removesuffix(".py").rstrip("/").replace("/", ".")


def layer_of(module: str, table: list[tuple[int, list[str]]]) -> int | None:
    best: tuple[int, int] | None = None  # (length of the prefix matched, layer)
    for layer, prefixes in table:
        for prefix in prefixes:
            exact = prefix.startswith("=") and module == prefix[1:]
            if (exact or module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), layer)
    return best[1] if best else None


def test_the_layer_table_places_every_module():
    table = layer_table()
    assert len(table) >= 10, "docs/architecture.md has lost its layer table"
    unplaced = [name for name in modules() if layer_of(name, table) is None]
    assert unplaced == [], f"modules in no row of docs/architecture.md's table: {unplaced}"


def test_no_module_imports_a_layer_above_its_own():
    table, known = layer_table(), modules()
    upward = []
    for name, path in known.items():
        own = layer_of(name, table)
        for target, _typing, line in imports(name, path, known):
            theirs = layer_of(target, table)
            if own is not None and theirs is not None and theirs > own:
                upward.append(f"{path.relative_to(ROOT)}:{line}: {name} (layer {own}) imports {target} (layer {theirs})")
    assert upward == [], "\n".join(upward)


def test_no_import_cycle():
    known = modules()
    graph = {name: {t for t, typing_only, _ in imports(name, path, known) if not typing_only} for name, path in known.items()}
    cycles = _cycles(graph)
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(sorted(c)) for c in cycles)


def test_the_walker_finds_a_cycle_and_an_upward_import(tmp_path):
    """The checks above can fail: a made-up cycle is found, and so is a lazy import."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from kpcheck.cli.main import main\n", encoding="utf-8")
    known = {**modules(), "kpcheck.m": module}
    assert [t for t, _, _ in imports("kpcheck.m", module, known)] == ["kpcheck.cli.main"]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_command_line_exits_in_one_place():
    """Every command returns its exit code and every helper raises; the one ``main`` of
    kpcheck/cli/console.py maps them to the exit contract and alone calls ``sys.exit``. (The
    program's entry may end a lean run with ``os._exit`` of the code that main returned: no
    exit code of its own.)"""
    calls = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted((PACKAGE / "cli").glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and ast.unparse(node.func) in ("sys.exit", "exit", "quit")
    ]
    assert len(calls) == 1 and calls[0].startswith("kpcheck/cli/console.py:"), calls


def test_no_file_links_a_document_that_is_not_in_the_repository():
    """Markdown links resolve, every ``docs/….md`` named in code, docs and rules is there, and
    nothing points to the contracts' old places outside the repository."""
    dangling = []
    tracked = [
        p
        for p in ROOT.rglob("*")
        if p.is_file()
        and p.suffix in (".py", ".md", ".yaml", ".toml", ".html", ".txt", ".cfg")
        and not {".git", "out", "node_modules", "screenshots", "_data"} & set(p.relative_to(ROOT).parts)
        and ".venv" not in str(p)
    ]
    for path in tracked:
        text = path.read_text(encoding="utf-8", errors="replace")
        where = path.relative_to(ROOT)
        if path.suffix == ".md":
            for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
                if not target.startswith(("http:", "https:", "mailto:")) and not (path.parent / target).exists():
                    dangling.append(f"{where}: [..]({target})")
        for target in re.findall(r"\bdocs/[\w.-]+\.(?:md|html)\b", text):
            if not (ROOT / target).exists():
                dangling.append(f"{where}: {target}")
        gone_places = (
            "spec/" + "report-format.md",
            "spec/" + "submission-format.md",
            "shared/" + "engine-notes.md",
            "spec/" + "rulebook.md",
        )
        for gone in gone_places:  # (spelt in pieces, so that this test does not name them itself)
            if gone in text:
                dangling.append(f"{where}: {gone}")
    assert dangling == [], "\n".join(dangling)
