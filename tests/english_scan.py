"""A scanner for English left on a Russian or Kazakh page, print or JSON report.

Text is cut into chunks at white space. A chunk that is an identifier or a code (it holds a
digit, an underscore or an inner dot or slash: ``COND-01``, ``certificate.lines[0]``,
``SHA-256``, ``7102.31``, ``https://…``) is left alone; in every other chunk each run of two or
more Latin letters is a word, and a word is English unless it is

- a code in capitals of at most three letters (``KZ``, ``AE``, ``US``, ``HS``, ``BIN``, ``UTC``),
- on the short allow-list below (names of formats and of the program), or
- one of the submission's own words (names, addresses, authorities as typed: its data).

So "Government Resolution No 356 of 20.06.2016" yields Government, Resolution, No, of; and
"applies to imports only" yields all four words.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

ALLOWED = frozenset({"kpcheck", "JSON", "YAML", "SHA", "ISO", "kk", "ru", "en", "ar", "durable", "python"})
LATIN_RUN = re.compile(r"[A-Za-z]{2,}")
IDENTIFIER = re.compile(r"\d|_|[A-Za-z][./\\][A-Za-z0-9]|://")
CODE = re.compile(r"^[A-Z]{2,3}$")
# the report's text fields: what a person reads (codes, paths, ids and hashes are not scanned)
JSON_TEXT_KEYS = frozenset({"title", "message", "act", "provision", "reason", "notes"})
SCANNED_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


def own_words(*documents: Any) -> set[str]:
    """Every Latin word of the submission's own values (its data: names, addresses, …)."""
    words: set[str] = set()
    stack = list(documents)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
            stack.extend(node.keys())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            words.update(LATIN_RUN.findall(node))
    return words


def english_words(text: str, own: set[str] | frozenset[str] = frozenset()) -> list[str]:
    found = []
    for chunk in text.split():
        core = chunk.strip("()[]{}«»“”\"',.;:!?—–-·")
        if not core or IDENTIFIER.search(core):
            continue
        for word in LATIN_RUN.findall(core):
            if word in ALLOWED or word in own or CODE.match(word):
                continue
            found.append(word)
    return found


class _Text(HTMLParser):
    """The text a person sees in a page (and the scanned attributes), leaving out scripts,
    styles, templates, code (a command to type) and every element marked as another language
    (``lang="en"``)."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})

    def __init__(self, lang: str):
        super().__init__(convert_charrefs=True)
        self.lang, self.stack, self.parts = lang, [], []

    def skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        other = values.get("lang") not in (None, self.lang)
        skip = tag in ("script", "style", "template", "code") or other
        if not skip and not self.skipping():
            self.parts += [v for k, v in attrs if k in SCANNED_ATTRIBUTES and v]
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.parts.append(values["value"] or "")
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping():
            self.parts.append(data)


def html_text(html: str, lang: str) -> str:
    parser = _Text(lang)
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def scan_html(html: str, lang: str, own: set[str] | frozenset[str] = frozenset()) -> list[str]:
    return english_words(html_text(html, lang), own)


def json_texts(node: Any, key: str = "") -> list[str]:
    """The text fields of a JSON report: titles, messages, acts, provisions, reasons, notes,
    error messages."""
    if isinstance(node, dict):
        out = []
        for k, v in node.items():
            if k == "error" and isinstance(v, dict):
                out.append(str(v.get("message", "")))
            else:
                out += json_texts(v, k)
        return out
    if isinstance(node, list):
        return [t for item in node for t in json_texts(item, key)]
    return [node] if isinstance(node, str) and key in JSON_TEXT_KEYS else []


def scan_json(report: str | dict[str, Any], own: set[str] | frozenset[str] = frozenset()) -> list[str]:
    data = json.loads(report) if isinstance(report, str) else report
    return [w for text in json_texts(data) for w in english_words(text, own)]
