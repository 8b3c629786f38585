"""Interface texts in the user's language, from one gettext catalogue per language.

English is the source language: code marks a text with ``_ = gettext_for(lang)`` and
``_("Legal basis")``. Translations live in ``kpcheck/i18n/locale/<lang>/LC_MESSAGES/kpcheck.po``
(edited by people) and are compiled to ``kpcheck.mo`` by ``tools/compile_catalogues.py`` (a test
fails when a compiled catalogue is stale). Kazakh falls back to Russian, then to English, text by
text, as the rule texts do. Catalogues are read through ``importlib.resources``, so a zipped
install works too.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Callable
from importlib import resources

LANGUAGES: tuple[str, ...] = ("en", "ru", "kk")
DOMAIN = "kpcheck"
FALLBACKS: dict[str, tuple[str, ...]] = {"en": (), "ru": (), "kk": ("ru",)}


def catalogue_path(lang: str, suffix: str = "mo") -> str:
    """The catalogue's path relative to this package (``locale/ru/LC_MESSAGES/kpcheck.mo``)."""
    return f"locale/{lang}/LC_MESSAGES/{DOMAIN}.{suffix}"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The translations for ``lang`` with its fall-backs chained; English is the identity."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown interface language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    if lang == "en":
        return gettext.NullTranslations()
    source = resources.files(__package__).joinpath(catalogue_path(lang))
    with source.open("rb") as stream:
        found: gettext.NullTranslations = gettext.GNUTranslations(stream)
    for fallback in FALLBACKS[lang]:
        found.add_fallback(translations(fallback))
    return found


def gettext_for(lang: str) -> Callable[[str], str]:
    """The ``_`` function of one language."""
    return translations(lang).gettext


def ngettext_for(lang: str) -> Callable[[str, str, int], str]:
    """The plural-aware ``ngettext`` of one language (Russian has three plural forms)."""
    return translations(lang).ngettext
