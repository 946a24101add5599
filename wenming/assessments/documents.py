"""自评报告 (and the report of a mock or formal assessment) as a .docx in 公文 layout."""

from __future__ import annotations

from decimal import Decimal

from wenming.assessments import scoring
from wenming.assessments.models import RoundKind, Score
from wenming.assessments.selectors import Item, Result
from wenming.web import docx as gongwen

REPORT_TITLES = {RoundKind.SELF: "自评报告", RoundKind.MOCK: "模拟测评报告", RoundKind.FORMAL: "测评结果报告"}


def _n(value: Decimal | None) -> str:
    if value is None:
        return "未赋分"
    return f"{value.normalize():f}"


def round_report_docx(*, result: Result, items: list[Item], scores: dict[int, Score]) -> bytes:
    r = result.round
    campaign = r.campaign
    unit = campaign.unit.name
    framework = campaign.framework
    is_self = r.kind == RoundKind.SELF
    author = unit if is_self else r.conducted_by.name
    doc = gongwen.gongwen_document()
    report = REPORT_TITLES[r.kind]
    if is_self:
        gongwen.title(doc, f"{unit}关于创建{campaign.target_label}的{report}")
    else:
        gongwen.title(doc, f"关于{unit}创建{campaign.target_label}的{report}")
    if not is_self:
        gongwen.paragraph(doc, f"{unit}：")
    who = "我单位" if is_self else "我办"
    action = (
        "组织开展了自评" if is_self else ("组织开展了模拟测评" if r.kind == RoundKind.MOCK else "进行了测评")
    )
    verdict = (
        f"达到“{result.reached.title}”分数线（{_n(result.reached.min_score)} 分）"
        if result.reached
        else ("存在否决情形" if result.vetoed else "未达到称号分数线")
    )
    gongwen.paragraph(
        doc,
        f"按照《{framework.title}》的要求，{who}于{gongwen.chinese_date(r.conducted_on)}对照各项测评标准{action}"
        f"（{r.title}）。测评得分 {_n(result.total)} 分，其中基本分 {_n(result.base)} 分（满分 {_n(result.full)} 分）、"
        f"加分 {_n(result.bonus)} 分、扣分 {_n(result.deduction)} 分，{verdict}。",
        indent=True,
    )
    if result.unweighted:
        gongwen.paragraph(
            doc, f"测评体系中有 {result.unweighted} 项测评标准未赋分值，只评定等级，不计入总分。", indent=True
        )
    gongwen.heading(doc, "一、总体情况")
    for line in (r.summary or "（未填写总体评价）").splitlines():
        if line.strip():
            gongwen.paragraph(doc, line.strip(), indent=True)
    gongwen.heading(doc, "二、各测评项目得分情况")
    gongwen.table(
        doc,
        ["测评项目", "分值", "得分", "得分率"],
        [
            [
                f"{x.item.code} {x.item.title}",
                _n(x.full),
                _n(x.points) if x.full else "—",
                f"{x.rate}%" if x.rate is not None else "—",
            ]
            for x in result.items
        ],
    )
    gongwen.paragraph(doc)
    gongwen.heading(doc, "三、失分情况及原因")
    lost = []
    for it in items:
        for c in it.leaves:
            s = scores.get(c.pk)
            if s is not None and s.reason:
                lost.append((c, s))
    lost.sort(key=lambda cs: (-((cs[1].full or 0) - (cs[1].points or 0)), cs[0].index))
    if lost:
        gongwen.table(
            doc,
            ["编码", "测评标准", "分值", "评定", "失分原因"],
            [[c.code, c.title, _n(c.score), scoring.display_value(s), s.reason] for c, s in lost],
        )
        gongwen.paragraph(doc)
    else:
        gongwen.paragraph(doc, "各项测评标准均得满分。", indent=True)
    gongwen.heading(doc, "四、加分、扣分及否决情形")
    gongwen.paragraph(
        doc, f"加分 {_n(result.bonus)} 分，扣分 {_n(result.deduction)} 分（均已按上限计算）。", indent=True
    )
    if result.vetoed:
        texts = "；".join(v.condition.text for v in result.veto_found)
        gongwen.paragraph(doc, f"经核查，存在以下否决情形：{texts}。", indent=True)
    elif result.veto_open:
        gongwen.paragraph(doc, f"尚有 {result.veto_open} 项否决情形未核查。", indent=True)
    else:
        gongwen.paragraph(doc, "经逐项核查，不存在否决情形。", indent=True)
    gongwen.heading(doc, "五、下一步工作")
    if lost:
        top = "、".join(f"{c.code}{c.title}" for c, _ in lost[:3])
        gongwen.paragraph(
            doc,
            f"对照失分项目逐项整改，优先补齐分值高、失分多的{top}等项目，明确责任科室和完成时限，"
            "按时补充完善佐证材料，确保验收前全部整改到位。",
            indent=True,
        )
    else:
        gongwen.paragraph(doc, "巩固创建成果，持续做好资料积累和日常管理。", indent=True)
    gongwen.signature(doc, author, (r.submitted_at.date() if r.submitted_at else r.conducted_on))
    return gongwen.docx_bytes(doc)
