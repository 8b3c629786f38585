"""The interface catalogues: compiled copies up to date, fall-backs as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kpcheck.i18n import LANGUAGES, gettext_for, translations

ROOT = Path(__file__).resolve().parents[1]


def test_compiled_catalogues_are_up_to_date():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "compile_catalogues.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr + "\nrun `python tools/compile_catalogues.py`"


def test_english_is_the_source_language():
    assert gettext_for("en")("Legal basis") == "Legal basis"


def test_russian_translates():
    assert gettext_for("ru")("Legal basis") == "Правовое основание"


def test_kazakh_falls_back_to_russian_then_english():
    _ = gettext_for("kk")
    assert _("Legal basis") == "Құқықтық негіз"
    assert _("REVIEW") == "ТЕКСЕРУДІ ҚАЖЕТ ЕТЕДІ"
    assert _("no such text anywhere") == "no such text anywhere"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown interface language"):
        translations("de")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_loads(lang):
    assert translations(lang) is translations(lang)
