"""Word documents in 公文 layout (GB/T 9704-2012), shared by every module that writes one.

Page: A4; 天头 (top margin) 37 mm, 订口 (left) 28 mm, 版心 156 × 225 mm, so right 26 mm and bottom
35 mm (a landscape page — for wide tables, which GB/T 9704 allows — turns the same margins with
the sheet). Title 2号 (22 pt) 小标宋; body 3号 (16 pt) 仿宋, 28 pt line spacing (22 lines a page);
level-1 headings 黑体. Fonts are named, not embedded: Word substitutes where they are missing.

Usage::

    doc = gongwen_document()
    title(doc, "关于……的报告")
    paragraph(doc, "正文……", indent=True)
    table(doc, ["序号", "名称"], rows, widths_mm=[15, 141])
    return docx_bytes(doc)

Every Word document of the project uses this module (督办函, 督查通报, 工作任务分解表, 自评报告).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
RED = RGBColor(0xE6, 0x00, 0x12)
BODY_PT = 16
LINE_PT = 28

CENTER = WD_ALIGN_PARAGRAPH.CENTER
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def gongwen_document(*, landscape: bool = False) -> Document:
    """An empty A4 document with the GB/T 9704 margins and the body style set to 3号仿宋."""
    doc = Document()
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        # The binding edge (订口 28 mm) stays on the long side that is bound: top when turned.
        section.top_margin, section.bottom_margin = Mm(28), Mm(26)
        section.left_margin, section.right_margin = Mm(37), Mm(35)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    return doc


def run(p, text: str, *, font: str = BODY_FONT, size: float = BODY_PT, bold: bool = False, color=None):
    r = p.add_run(text)
    r.font.name = font
    r.font.size = Pt(size)
    r.font.bold = bold
    if color is not None:
        r.font.color.rgb = color
    # East Asian text takes its font from eastAsia, not from the Latin name.
    r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return r


def paragraph(doc, text: str = "", *, align=None, indent: bool = False, line_pt: float = LINE_PT, **run_kw):
    """A body paragraph: fixed 28 pt lines, no space around, optional two-character indent."""
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing = Pt(line_pt)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(2 * run_kw.get("size", BODY_PT))
    if align is not None:
        p.alignment = align
    if text:
        run(p, text, **run_kw)
    return p


def title(doc, text: str) -> None:
    """The document title (2号小标宋, centred), followed by an empty line."""
    paragraph(doc, text, align=CENTER, font=TITLE_FONT, size=22, line_pt=36)
    paragraph(doc)


def heading(doc, text: str, *, level: int = 1) -> None:
    """A heading in the body, indented like the text: level 1 (一、…) in 黑体, level 2 (（一）…) in 楷体."""
    paragraph(doc, text, indent=True, font=HEITI if level == 1 else KAITI)


def signature(doc, issuer: str, day: dt.date) -> None:
    """落款: the issuer and the date, right-aligned, after an empty line."""
    paragraph(doc)
    paragraph(doc, issuer, align=RIGHT)
    paragraph(doc, chinese_date(day), align=RIGHT)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def table(
    doc,
    header: Sequence[str],
    rows: Sequence[Sequence],
    *,
    widths_mm: Sequence[float] | None = None,
    size: float = 12,
    center_columns: Sequence[int] = (),
) -> None:
    """A gridded table: header row in 黑体 (repeated on every page), cells in 仿宋 ``size`` pt."""
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    _repeat_header(t.rows[0])
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        cell.paragraphs[0].alignment = CENTER
        run(cell.paragraphs[0], str(text), font=HEITI, size=size)
    for row in rows:
        cells = t.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, row, strict=True)):
            if i in center_columns:
                cell.paragraphs[0].alignment = CENTER
            run(cell.paragraphs[0], "" if value is None else str(value), size=size)
    if widths_mm:
        for row in t.rows:
            for cell, w in zip(row.cells, widths_mm, strict=True):
                cell.width = Mm(w)


def docx_bytes(doc) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


__all__ = [
    "BODY_FONT",
    "HEITI",
    "KAITI",
    "RED",
    "TITLE_FONT",
    "chinese_date",
    "docx_bytes",
    "gongwen_document",
    "heading",
    "paragraph",
    "run",
    "signature",
    "table",
    "title",
]
