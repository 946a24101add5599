"""Demo data for frameworks: the built-in frameworks, and 示范市文明办's weighted local version.

The local version derives from 《全国文明单位测评体系》（15个测评项目版本）, whose national text
gives item names only. **The weights and the standards under each item are demo data** (示范权重,
示范标准), invented for this fictional city so every screen has something real to show; they are
not taken from any public document. Weights: items 1–10 × 7 points + items 11–15 × 6 points = 100,
each item split over its standards; thresholds 85 / 95. Idempotent.
"""

from __future__ import annotations

from decimal import Decimal

from wenming.frameworks.builtins import load_builtins
from wenming.frameworks.models import Framework, FrameworkStatus
from wenming.frameworks.services import (
    criterion_save,
    framework_derive,
    framework_publish,
    framework_set_rules,
    framework_update,
)
from wenming.frameworks.tree import Node
from wenming.orgs.models import Organisation, OrgKind

DEMO_TITLE = "示范市文明单位测评细则（示范权重）"
DEMO_TOTAL = Decimal(100)
SOURCE_KEY = "wmdw_national_15_items"
# (standard title, share of the item's points, methods, evidence types) — demo standards.
DEMO_STANDARDS = [
    (
        "有年度工作计划，明确责任部门和责任人（示范标准）",
        Decimal("0.4"),
        ["材料审核"],
        ["document", "situation"],
    ),
    (
        "活动经常、记录完整，有图片和台账（示范标准）",
        Decimal("0.4"),
        ["材料审核", "实地考察"],
        ["image", "situation"],
    ),
    ("干部职工知晓率高、评价好（示范标准）", Decimal("0.2"), ["问卷调查"], ["report", "opinion"]),
]


def item_weight(code: str) -> Decimal:
    return Decimal(7) if int(code) <= 10 else Decimal(6)


def seed(*, scale: str = "small", stdout=None) -> None:
    load_builtins(stdout=stdout)
    office = Organisation.objects.filter(
        kind=OrgKind.OFFICE, name="示范市文明办", region_code="990100000000"
    ).first()
    if office is None or Framework.objects.filter(owner=office, title=DEMO_TITLE).exists():
        return
    source = Framework.objects.get(builtin_key=SOURCE_KEY, status=FrameworkStatus.PUBLISHED)
    local = framework_derive(source=source, owner=office, title=DEMO_TITLE)
    framework_update(
        framework=local,
        issuer="示范市文明办",
        total_score=DEMO_TOTAL,
        report_char_limit=500,
        bonus_cap=Decimal(5),
        deduction_cap=Decimal(10),
        description="示范数据：在全国 15 个测评项目的基础上由示范市文明办赋权（示范权重，合计 100 分），各项目下的测评标准为示范标准，并非公开文件内容。",
        veto_window="申报前两年内",
        veto_effect="不得申报市级文明单位",
    )
    framework_set_rules(
        framework=local,
        thresholds=[("市级文明单位", Decimal(85)), ("市级文明单位标兵", Decimal(95))],
        veto=["领导班子成员发生严重违纪违法（示范）", "发生重大安全生产责任事故（示范）"],
        adjustments=[
            {
                "kind": "bonus",
                "code": "B1",
                "title": "获市级以上表彰（示范）",
                "points": Decimal(1),
                "cap": Decimal(3),
            },
            {
                "kind": "deduction",
                "code": "D1",
                "title": "被上级文明办通报批评（示范）",
                "points": Decimal(2),
                "cap": Decimal(5),
            },
        ],
    )
    for item in list(local.criteria.filter(depth=1).order_by("position")):
        weight = item_weight(item.code)
        criterion_save(
            framework=local,
            criterion=item,
            node=Node(code=item.code, title=item.title, score=weight, note="示范权重"),
        )
        for i, (title, share, methods, types) in enumerate(DEMO_STANDARDS, start=1):
            criterion_save(
                framework=local,
                node=Node(
                    code=f"{item.code}.{i}",
                    parent_code=item.code,
                    title=f"{item.title}：{title}",
                    score=(weight * share).quantize(Decimal("0.1")),
                    methods=list(methods),
                    evidence_types=list(types),
                    report_char_limit=500 if "report" in types else None,
                ),
            )
    framework_publish(framework=local)
    if stdout is not None:
        stdout.write(f"测评体系：{office.name} 发布了《{DEMO_TITLE}》（示范权重，总分 {DEMO_TOTAL}）")
