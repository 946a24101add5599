"""Word documents in 公文 layout (GB/T 9704-2012) for 督查整改: the 督办函.

Page: A4; 天头 (top margin) 37 mm, 订口 (left) 28 mm, 版心 156 × 225 mm, so right 26 mm and bottom
35 mm. 发文机关标志 in red 小标宋; title 2号 (22 pt) 小标宋; body 3号 (16 pt) 仿宋, 28 pt line
spacing (22 lines a page). Fonts are named, not embedded: Word substitutes where they are missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from docx.enum.text import WD_ALIGN_PARAGRAPH

# The 公文 helpers live in wenming/web/docx.py (shared with the 自评报告 and the 任务分解表).
from wenming.web.docx import HEITI, RED, TITLE_FONT, chinese_date
from wenming.web.docx import docx_bytes as to_bytes
from wenming.web.docx import gongwen_document as new_document
from wenming.web.docx import paragraph as _paragraph
from wenming.web.docx import table as _table

__all__ = ["bulletin_docx", "chinese_date", "supervision_letter_docx"]


def supervision_letter_docx(
    *,
    office_name: str,
    number: str,
    title: str,
    unit_name: str,
    items: Sequence[str],
    reply_deadline: dt.date,
    issued_on: dt.date,
    level_note: str = "",
) -> bytes:
    """The 督办函 as .docx bytes."""
    doc = new_document()

    _paragraph(
        doc, f"{office_name}督办函", align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=26, color=RED
    )
    _paragraph(doc, number, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc)
    _paragraph(doc, title, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=22)
    _paragraph(doc)
    _paragraph(doc, f"{unit_name}：")
    intro = (
        f"经督查，你单位以下 {len(items)} 个问题已超过整改期限仍未销号。"
        f"{level_note}请高度重视，立即组织整改，并于{chinese_date(reply_deadline)}前将整改情况书面回复我办。"
    )
    _paragraph(doc, intro, indent=True)
    _paragraph(doc, "一、逾期未整改问题清单", indent=True, font=HEITI)
    for i, item in enumerate(items, start=1):
        _paragraph(doc, f"{i}. {item}", indent=True)
    _paragraph(doc, "二、工作要求", indent=True, font=HEITI)
    _paragraph(
        doc,
        "请逐项落实整改责任人和整改措施，整改完成后在平台上传整改后照片并申请销号。逾期仍未整改的，将予以通报。",
        indent=True,
    )
    _paragraph(doc)
    _paragraph(doc, office_name, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, chinese_date(issued_on), align=WD_ALIGN_PARAGRAPH.RIGHT)
    return to_bytes(doc)


def bulletin_docx(
    *, office_name: str, number: str, start: dt.date, end: dt.date, figures: dict, issued_on: dt.date
) -> bytes:
    """The 督查通报 as .docx bytes, from the figures stored with it."""
    doc = new_document()
    ins, f = figures["inspections"], figures["findings"]

    _paragraph(doc, "督查通报", align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=26, color=RED)
    _paragraph(doc, number, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, office_name, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc)
    _paragraph(
        doc,
        f"关于{chinese_date(start)}至{chinese_date(end)}创建工作督查情况的通报",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        font=TITLE_FONT,
        size=22,
    )
    _paragraph(doc)
    _paragraph(doc, "一、督查开展情况", indent=True, font=HEITI)
    kinds = "，".join(f"{label} {n} 次" for label, n in ins["by_kind"])
    _paragraph(
        doc, f"本期共开展督查 {ins['total']} 次" + (f"，其中{kinds}" if kinds else "") + "。", indent=True
    )
    _paragraph(doc, "二、问题发现与整改情况", indent=True, font=HEITI)
    _paragraph(
        doc,
        f"本期共发现问题 {f['found']} 个，截至{chinese_date(end)}已销号 {f['closed']} 个（其中整改到位 {f['fixed']} 个），"
        f"销号率 {f['closure_rate']}；本期销号的问题平均整改用时 {f['avg_days']} 天。",
        indent=True,
    )
    if figures["units"]:
        _paragraph(doc, "（一）各单位问题整改情况", indent=True)
        _table(doc, ["责任单位", "发现问题", "已销号", "销号率"], figures["units"])
    if figures["categories"]:
        _paragraph(doc, "（二）各类问题整改情况", indent=True)
        _table(doc, ["问题类别", "发现问题", "已销号", "销号率"], figures["categories"])
    _paragraph(doc, "三、逾期未整改单位", indent=True, font=HEITI)
    if figures["overdue_units"]:
        names = "、".join(f"{name}（{n} 个）" for name, n in figures["overdue_units"])
        _paragraph(
            doc, f"截至{chinese_date(end)}，以下单位存在逾期未整改问题，予以通报：{names}。", indent=True
        )
    else:
        _paragraph(doc, f"截至{chinese_date(end)}，无逾期未整改的单位。", indent=True)
    _paragraph(doc, "四、下一步要求", indent=True, font=HEITI)
    _paragraph(
        doc,
        "各责任单位要对照问题清单逐项整改，按期申请销号；对逾期未整改的问题将发函督办，情节严重的予以问责。",
        indent=True,
    )
    _paragraph(doc)
    _paragraph(doc, office_name, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, chinese_date(issued_on), align=WD_ALIGN_PARAGRAPH.RIGHT)
    return to_bytes(doc)
