"""Generate ``fixtures/expected/stats.md``: the Markdown annual statistics of ``fixtures/stats/``.

The golden report is the five years 2019-2023 of the fixture batch, without a production file,
as ``kpcheck stats fixtures/stats --from 2019 --to 2023 --format markdown`` prints it. The tests
compare a fresh run with it; regenerate it only with this script, after checking the change.

Usage::

    python tools/gen_stats_golden.py            # (re)write the golden file
    python tools/gen_stats_golden.py --check    # exit 1 if the golden file differs from a fresh run
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from kpcheck.input.reader import read_sources
from kpcheck.stats.compute import compute_stats
from kpcheck.stats.render import render_markdown

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "fixtures" / "stats"
OUTPUT = ROOT / "fixtures" / "expected" / "stats.md"
YEAR_FROM, YEAR_TO = 2019, 2023


def golden() -> str:
    """The Markdown report of the fixture batch, 2019-2023."""
    stream = io.StringIO()
    render_markdown(compute_stats(read_sources([SOURCE]), YEAR_FROM, YEAR_TO, None), stream)
    return stream.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = golden()
    if args.check:
        same = OUTPUT.is_file() and OUTPUT.read_text(encoding="utf-8") == text
        print(f"{OUTPUT.relative_to(ROOT)}: {'up to date' if same else 'DIFFERS from a fresh run'}", file=sys.stderr)
        return 0 if same else 1
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
