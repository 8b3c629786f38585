"""A small document tree, written out as Markdown or as one self-contained HTML page.

The rulebook document (:mod:`kpcheck.tooling.docs`) is built once as these blocks and
written by :func:`to_markdown` or :func:`to_html`, so that the two never disagree. Inline
pieces are plain text, ``Code``, ``Strong`` and in-page ``Link``; blocks are headings (with an
anchor), paragraphs, nested bullet lists and tables. Text is escaped for each format here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Link:
    text: str
    anchor: str


Inline = str | Code | Strong | Link
Line = tuple[Inline, ...]


@dataclass(frozen=True)
class Heading:
    level: int
    line: Line
    anchor: str | None = None


@dataclass(frozen=True)
class Para:
    line: Line


@dataclass(frozen=True)
class Item:
    line: Line
    children: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Bullets:
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Table:
    head: tuple[str, ...]
    rows: tuple[tuple[Line, ...], ...]


Block = Heading | Para | Bullets | Table


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
_SPACE = re.compile(r"\s+")


def _md_inline(x: Inline, table: bool = False) -> str:
    if isinstance(x, Code):
        text = _SPACE.sub(" ", x.text).replace("|", "\\|" if table else "|")
        fence, pad = ("``", " ") if "`" in text else ("`", "")
        return f"{fence}{pad}{text}{pad}{fence}"
    if isinstance(x, Strong):
        return f"**{_md_inline(x.text)}**"
    if isinstance(x, Link):
        return f"[{_md_inline(x.text)}](#{x.anchor})"
    return _MD_SPECIAL.sub(r"\\\1", _SPACE.sub(" ", x))


def _md_line(line: Line, table: bool = False) -> str:
    return "".join(_md_inline(x, table) for x in line).strip()


def _md_items(items: Iterable[Item], depth: int = 0) -> list[str]:
    out = []
    for item in items:
        out.append("  " * depth + "- " + _md_line(item.line))
        out += _md_items(item.children, depth + 1)
    return out


def to_markdown(blocks: list[Block]) -> str:
    parts = []
    for b in blocks:
        if isinstance(b, Heading):
            parts.append("#" * b.level + " " + (f'<a id="{b.anchor}"></a>' if b.anchor else "") + _md_line(b.line))
        elif isinstance(b, Para):
            parts.append(_md_line(b.line))
        elif isinstance(b, Bullets):
            parts.append("\n".join(_md_items(b.items)))
        else:
            rows = [b.head, tuple("---" for _ in b.head)] + [tuple(_md_line(c, True) for c in r) for r in b.rows]
            parts.append("\n".join("| " + " | ".join(r) + " |" for r in rows))
    return "\n\n".join(parts) + "\n"


def _html_inline(x: Inline) -> str:
    if isinstance(x, Code):
        return f"<code>{html.escape(_SPACE.sub(' ', x.text), quote=False)}</code>"
    if isinstance(x, Strong):
        return f"<strong>{_html_inline(x.text)}</strong>"
    if isinstance(x, Link):
        return f'<a href="#{x.anchor}">{_html_inline(x.text)}</a>'
    return html.escape(_SPACE.sub(" ", x), quote=False)


def _html_line(line: Line) -> str:
    return "".join(_html_inline(x) for x in line).strip()


def _html_items(items: Iterable[Item]) -> str:
    lis = [f"<li>{_html_line(i.line)}{_html_items(i.children) if i.children else ''}</li>" for i in items]
    return "<ul>\n" + "\n".join(lis) + "\n</ul>"


def _html_block(b: Block) -> str:
    if isinstance(b, Heading):
        ident = f' id="{b.anchor}"' if b.anchor else ""
        return f"<h{b.level}{ident}>{_html_line(b.line)}</h{b.level}>"
    if isinstance(b, Para):
        return f"<p>{_html_line(b.line)}</p>"
    if isinstance(b, Bullets):
        return _html_items(b.items)
    head = "".join(f"<th>{html.escape(h, quote=False)}</th>" for h in b.head)
    rows = "\n".join("<tr>" + "".join(f"<td>{_html_line(c)}</td>" for c in r) + "</tr>" for r in b.rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"


_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; margin: 0; }
main { max-width: 62rem; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
h1 { font-size: 1.9rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #d0d7de; padding-bottom: .3rem; }
h3 { margin-top: 2rem; border-top: 1px solid #e5e7eb; padding-top: 1rem; }
code { font: .88em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f4f6;
       padding: .05em .3em; border-radius: 3px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92em; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
ul { padding-left: 1.4rem; } li { margin: .15rem 0; }
a { color: #0a58ca; text-decoration: none; } a:hover { text-decoration: underline; }
@media print { main { max-width: none; } a { color: inherit; } }
""".strip()


def to_html(blocks: list[Block], title: str, lang: str = "en") -> str:
    """One self-contained page in ``lang``: inline CSS, no scripts, no external resources."""
    body = "\n".join(_html_block(b) for b in blocks)
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n<main>\n"
        f"{body}\n</main>\n</body>\n</html>\n"
    )
