"""Compile the interface catalogues (``kpcheck/i18n/locale/*/LC_MESSAGES/kpcheck.po``) to ``.mo``.

Run after editing a ``.po`` file and commit both; ``tests/test_i18n.py`` fails when a compiled
catalogue is stale. Needs Babel (the ``dev`` and ``test`` extras).

    python tools/compile_catalogues.py           # write every .mo
    python tools/compile_catalogues.py --check   # exit 1 if a .mo is stale
"""

from __future__ import annotations

import gettext
import io
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[1] / "kpcheck" / "i18n" / "locale"


def compiled(po: Path) -> bytes:
    with po.open("rb") as stream:
        catalog = read_po(stream)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def messages(mo: bytes) -> dict[object, str]:
    """What a compiled catalogue says, without its header (whose dates change at every compile)."""
    catalog = gettext.GNUTranslations(io.BytesIO(mo))._catalog  # type: ignore[attr-defined]
    return {key: text for key, text in catalog.items() if key != ""}


def main(argv: list[str]) -> int:
    stale = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo, fresh = po.with_suffix(".mo"), compiled(po)
        if mo.is_file() and messages(mo.read_bytes()) == messages(fresh):
            continue
        stale.append(mo)
        if "--check" not in argv:
            mo.write_bytes(fresh)
            print(f"wrote {mo.relative_to(LOCALE.parents[2])}")
    if "--check" in argv and stale:
        print("stale: " + ", ".join(str(m.relative_to(LOCALE.parents[2])) for m in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
