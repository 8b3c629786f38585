"""Write ``docs/codes.md`` from the catalogue of problem codes (``kpcheck.problems.CATALOGUE``).

    python tools/gen_codes_doc.py

``tests/test_problems.py`` fails when the committed page is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kpcheck.problems import CATALOGUE

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "codes.md"
FAMILIES = {
    "RUL": "Rule files (`kpcheck rules lint`, and any command that loads the rulebook)",
    "REF": "Reference data and registers",
    "WAI": "Waiver files (`--waivers`)",
    "STA": "Statistics (`kpcheck stats --production`)",
    "REG": "The certificate register (`--register`, `kpcheck register`)",
    "LNT": "Rulebook lint: what only running the examples shows, and texts still owed",
    "CFG": "Configuration files (`kpcheck.toml`, `[tool.kpcheck]`, `KPCHECK_CONFIG`)",
}


def render() -> str:
    out = [
        "# Problem codes",
        "",
        "Every problem kpcheck reports with a place reads `file:line:col: message [CODE]`. "
        "The codes are stable; this page is generated from `kpcheck/problems.py` by "
        "`tools/gen_codes_doc.py`.",
        "",
    ]
    for prefix, title in FAMILIES.items():
        out += [f"## {title}", "", "| code | level | meaning |", "|---|---|---|"]
        out += [f"| {c.code} | {c.level.value} | {c.summary} |" for c in CATALOGUE.values() if c.code.startswith(prefix)]
        out.append("")
    return "\n".join(out)


def main() -> int:
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(OUTPUT.parents[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
