"""Generate the rulebook document ``docs/rulebook.md`` and ``docs/rulebook.html``.

Both are written from the shipped rulebook (``rules/``) with every example run on both
evaluators; nothing in them depends on the date, the machine or the working directory.
``tests/test_rules_docs.py`` regenerates them and fails when the committed files are stale.

Usage::

    python tools/gen_rulebook_docs.py            # (re)write the documents
    python tools/gen_rulebook_docs.py --check    # exit 1 if a committed document is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kpcheck.engine import durable
from kpcheck.rulebook.loader import RULES_DIR, load_rulebook
from kpcheck.tooling.docs import render

DOCS = Path(__file__).resolve().parents[1] / "docs"
OUTPUTS = {"markdown": DOCS / "rulebook.md", "html": DOCS / "rulebook.html"}


def generate(rules_dir: Path = RULES_DIR) -> dict[Path, str]:
    """The text of each document, by the path it is committed at."""
    book = load_rulebook(rules_dir)
    return {path: render(book, fmt) for fmt, path in OUTPUTS.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed document is stale")
    args = parser.parse_args(argv)
    if not durable.AVAILABLE:
        print("durable_rules does not import here; the documents show both evaluators' outcomes", file=sys.stderr)
        return 2
    stale = []
    for path, text in generate().items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {path.relative_to(DOCS.parent)}")
    if args.check and stale:
        print(
            "stale: " + ", ".join(str(p.relative_to(DOCS.parent)) for p in stale) + "; run python tools/gen_rulebook_docs.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
