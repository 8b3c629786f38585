"""The annual report (:mod:`kpcheck.annual.compute`) as HTML (print-ready A4), Markdown or DOCX.

HTML is one self-contained page whose print style sets A4 pages with their margins, repeats
table headers on every page and keeps rows whole; printing it (a browser's "Save as PDF",
``chromium --headless --print-to-pdf``) gives the PDF. DOCX is for the ministry to edit the
draft in Word: headings ``A. ...`` to ``H. ...`` at level 1, the tables as Word tables.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from typing import IO

from kpcheck.annual.compute import AnnualReport, Table

CODE = re.compile(r"[A-Z]{2,6}-[0-9]{2}")  # a rule id: kept on one line

CSS = """
@page { size: A4; margin: 20mm 18mm 20mm 22mm; }
body { font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif; font-size: 11pt; line-height: 1.35;
       max-width: 190mm; margin: 0 auto; color: #000; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
.participant { font-size: 13pt; margin: 0 0 8mm; }
h2 { font-size: 13pt; margin: 7mm 0 2mm; break-after: avoid; page-break-after: avoid; }
p { margin: 0 0 2.5mm; text-align: justify; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 4mm; font-size: 9pt; }
caption { text-align: left; font-weight: bold; margin-bottom: 1mm; caption-side: top; }
th, td { border: 0.6pt solid #000; padding: 1mm 1.5mm; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; white-space: nowrap; }
td.c { white-space: nowrap; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
footer { margin-top: 8mm; font-size: 8.5pt; color: #333; }
@media print { body { max-width: none; } }
"""


def _cell(text: str, numeric: bool, tag: str = "td") -> str:
    cls = ' class="n"' if numeric and tag == "td" else ' class="c"' if tag == "td" and CODE.fullmatch(text) else ""
    return f"<{tag}{cls}>{html.escape(text)}</{tag}>"


def _html_table(table: Table) -> str:
    head = "".join(_cell(h, False, "th") for h in table.head)
    body = "".join("<tr>" + "".join(_cell(c, i in table.numeric) for i, c in enumerate(row)) + "</tr>" for row in table.rows)
    return f"<table><caption>{html.escape(table.title)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: AnnualReport, stream: IO[str]) -> None:
    parts = [
        f'<!DOCTYPE html>\n<html lang="{report.lang}"><head><meta charset="utf-8">',
        f"<title>{html.escape(report.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(report.title)}</h1>",
        f'<p class="participant">{html.escape(report.subtitle)}</p>',
    ]
    for section in report.sections:
        parts.append(f'<section id="section-{section.letter}"><h2>{section.letter}. {html.escape(section.title)}</h2>')
        for block in section.blocks:
            if block.table is not None:
                parts.append(_html_table(block.table))
            elif block.text is not None:
                parts.append(f"<p>{html.escape(block.text)}</p>")
        parts.append("</section>")
    parts.append(f"<footer>{html.escape(report.footer)}</footer></body></html>\n")
    stream.write("\n".join(parts))


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(report: AnnualReport, stream: IO[str]) -> None:
    lines = [f"# {_md(report.title)}", "", f"**{_md(report.subtitle)}**", ""]
    for section in report.sections:
        lines += [f"## {section.letter}. {_md(section.title)}", ""]
        for block in section.blocks:
            if block.table is not None:
                table = block.table
                lines += [f"**{_md(table.title)}**", ""]
                lines.append("| " + " | ".join(_md(h) for h in table.head) + " |")
                lines.append("|" + "|".join("---:" if i in table.numeric else "---" for i in range(len(table.head))) + "|")
                lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in table.rows]
                lines.append("")
            elif block.text is not None:
                lines += [block.text, ""]
    lines += [f"*{_md(report.footer)}*", ""]
    stream.write("\n".join(lines))


def render_docx(report: AnnualReport, stream: IO[bytes]) -> None:
    """A Word document: A4, the title, headings A-H, paragraphs and tables (header rows bold
    and repeated on each page)."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    page = document.sections[0]
    page.page_width, page.page_height = Mm(210), Mm(297)
    page.left_margin, page.right_margin, page.top_margin, page.bottom_margin = Mm(22), Mm(18), Mm(20), Mm(20)
    document.core_properties.title = report.title
    document.core_properties.language = report.lang
    document.add_heading(report.title, level=0)
    document.add_paragraph(report.subtitle)
    for section in report.sections:
        document.add_heading(f"{section.letter}. {section.title}", level=1)
        for block in section.blocks:
            if block.text is not None:
                document.add_paragraph(block.text)
                continue
            assert block.table is not None
            table = block.table
            caption = document.add_paragraph()
            caption.add_run(table.title).bold = True
            word = document.add_table(rows=1 + len(table.rows), cols=len(table.head))
            word.style = "Table Grid"
            word.alignment = WD_TABLE_ALIGNMENT.CENTER
            header = word.rows[0]
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            header._tr.get_or_add_trPr().append(repeat)
            for i, text in enumerate(table.head):
                cell = header.cells[i]
                cell.text = ""
                run = cell.paragraphs[0].add_run(text)
                run.bold = True
                run.font.size = Pt(8)
            for r, row in enumerate(table.rows, start=1):
                for i, text in enumerate(row):
                    paragraph = word.rows[r].cells[i].paragraphs[0]
                    run = paragraph.add_run(text)
                    run.font.size = Pt(8)
                    if i in table.numeric:
                        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            document.add_paragraph()
    footer = document.add_paragraph()
    footer.add_run(report.footer).italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    stream.write(buffer.getvalue())


TEXT_RENDERERS: dict[str, Callable[[AnnualReport, IO[str]], None]] = {"html": render_html, "markdown": render_markdown}
FORMATS = ("html", "markdown", "docx")
