"""Word output of 创建工作 in 公文 layout (GB/T 9704, helpers in ``wenming/web/docx.py``): the
工作任务分解表 — every task with its criterion, responsible department and person and due date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from wenming.campaigns.models import Campaign, Task
from wenming.web import docx as gw

HEADERS = ["序号", "任务编码", "测评项目", "工作任务", "责任科室", "责任人", "完成时限", "完成情况"]
# Landscape A4: 297 − 37 − 35 = 225 mm of text width.
WIDTHS_MM = [12, 18, 30, 75, 24, 20, 25, 21]


def _person(user) -> str:
    if user is None:
        return ""
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile and profile.display_name else "") or user.username


def task_breakdown_docx(*, campaign: Campaign, tasks: Iterable[Task], issued_on: dt.date) -> bytes:
    """The 工作任务分解表 as .docx bytes (landscape: the table is wide)."""
    tasks = list(tasks)
    doc = gw.gongwen_document(landscape=True)
    gw.title(doc, f"{campaign.unit.name}{campaign.title}工作任务分解表")
    milestones = "，".join(
        f"{m.title}{gw.chinese_date(m.due_for(campaign.acceptance_date))}" for m in campaign.milestones.all()
    )
    gw.paragraph(
        doc,
        f"为确保{campaign.target_label}创建工作按期完成，对照《{campaign.framework.title}》，将创建任务分解如下。"
        f"创建工作自{gw.chinese_date(campaign.start_date)}启动，计划于{gw.chinese_date(campaign.acceptance_date)}迎接验收"
        + (f"，时间节点：{milestones}" if milestones else "")
        + "。各责任科室要按照完成时限抓好落实，及时上传佐证材料。",
        indent=True,
    )
    rows = []
    for n, t in enumerate(tasks, 1):
        rows.append(
            [
                n,
                t.code,
                f"{t.item.code} {t.item.title}",
                t.title,
                t.department.name if t.department else "未分配",
                _person(t.assignee),
                t.due_date.isoformat() if t.due_date else "",
                t.get_status_display(),
            ]
        )
    gw.table(doc, HEADERS, rows, widths_mm=WIDTHS_MM, size=10.5, center_columns=(0, 1, 6, 7))
    gw.paragraph(doc, f"共 {len(tasks)} 项任务。", indent=True)
    gw.signature(doc, campaign.unit.name, issued_on)
    return gw.docx_bytes(doc)
