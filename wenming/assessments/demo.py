"""Demo data for assessments: a finished (submitted) 自评 of 东城区综合行政执法局's campaign
“创建市级文明单位（示范）” (see ``campaigns/demo.py``), and a 模拟测评 by 东城区文明办 after it.

The scores follow the state of the demo campaign so the gap list tells a consistent story: a
criterion whose task is done with accepted evidence gets full marks (relying on that evidence);
an overdue task loses half its points, evidence still awaiting review a fifth, and in items 6–15
(work not started yet) every fourth criterion loses 30 % for incomplete records — each with a
reason marked 示范. One 加分 occurrence, the veto list checked clear. The mock assessment (by
``county_inspector``) is a little stricter on the overdue items.

The other demo stages (``campaigns.demo.STAGES``): 东城区人民医院, twelve days from acceptance, has
submitted its 自评 and had a 模拟测评 by 东城区文明办; 西湖区综合行政执法局's accepted campaign
has 自评, 模拟测评 and the recorded 正式测评 by 示范市文明办. Idempotent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model

from wenming.assessments.models import Round, RoundKind
from wenming.assessments.selectors import framework_items
from wenming.assessments.services import (
    ScoreInput,
    round_create,
    round_extras_save,
    round_submit,
    scores_save,
)
from wenming.campaigns.demo import STAGES, TITLE, UNIT_NAME, unit_admin_of
from wenming.campaigns.models import Campaign, Evidence, EvidenceStatus, Task
from wenming.campaigns.services import local_today

SUMMARY = (
    "我局创建工作领导小组对照测评细则逐项开展自评。组织领导、制度建设等基础工作扎实，"
    "资料台账基本齐全；部分测评项目的任务逾期、佐证材料尚未审核，需在验收前集中整改。（示范）"
)


def _plan(campaign: Campaign, today: dt.date, *, strict: bool) -> list[ScoreInput]:
    tasks = {
        t.criterion_id: t
        for t in Task.objects.filter(campaign=campaign, merged_into__isnull=True, parent__isnull=True)
    }
    accepted: dict[int, list[int]] = {}
    pending: set[int] = set()
    for ev in Evidence.objects.filter(campaign=campaign).exclude(status=EvidenceStatus.RETURNED):
        if ev.status == EvidenceStatus.ACCEPTED:
            accepted.setdefault(ev.criterion_id, []).append(ev.pk)
        else:
            pending.add(ev.criterion_id)
    out = []
    n = 0
    for item in framework_items(framework=campaign.framework):
        for c in item.leaves:
            n += 1
            if c.score is None:
                continue
            task = tasks.get(c.pk)
            item_no = int(item.node.code) if item.node.code.isdigit() else 99
            factor, reason = Decimal(1), ""
            if task is not None and task.is_overdue(today):
                factor = Decimal("0.4") if strict else Decimal("0.5")
                reason = "任务逾期未完成，相关工作尚未开展到位（示范）"
            elif c.pk in pending and c.pk not in accepted:
                factor, reason = Decimal("0.8"), "佐证材料尚未审核通过，记录不够完整（示范）"
            elif item_no > 5 and n % 4 == 0:
                factor, reason = Decimal("0.7"), "活动记录和图片资料尚不完整（示范）"
            points = (c.score * factor).quantize(Decimal("0.1"))
            out.append(
                ScoreInput(c.pk, f"{points}", reason if points < c.score else "", accepted.get(c.pk, []))
            )
    return out


def _run(campaign, kind: str, user, today: dt.date, *, days_ago: int, strict: bool, summary: str) -> Round:
    r = round_create(
        campaign=campaign, kind=kind, user=user, conducted_on=today - dt.timedelta(days=days_ago)
    )
    scores_save(round=r, entries=_plan(campaign, today, strict=strict), user=user)
    framework = campaign.framework
    bonus = framework.adjustments.filter(kind="bonus").first()
    round_extras_save(
        round=r,
        user=user,
        summary=summary,
        adjustments={bonus.pk: (1, "2025 年获评市级文明示范窗口（示范）")} if bonus else {},
        veto={v.pk: (False, "经核查不存在（示范）") for v in framework.veto_conditions.all()},
    )
    return round_submit(round=r, user=user)


def seed(*, scale: str = "small", stdout=None) -> None:
    _seed_main(stdout)
    seed_stages(stdout)


def _seed_main(stdout) -> None:
    campaign = Campaign.objects.filter(unit__name=UNIT_NAME, title=TITLE).select_related("framework").first()
    if campaign is None or Round.objects.filter(campaign=campaign).exists():
        return
    users = get_user_model().objects
    admin = users.filter(username="unit_admin").first()
    inspector = users.filter(username="county_inspector").first()
    if admin is None:
        return
    today = local_today()
    own = _run(campaign, RoundKind.SELF, admin, today, days_ago=10, strict=False, summary=SUMMARY)
    line = f"测评：{UNIT_NAME}提交了{own.title}"
    if inspector is not None:
        mock = _run(
            campaign,
            RoundKind.MOCK,
            inspector,
            today,
            days_ago=3,
            strict=True,
            summary="模拟测评发现逾期任务较多，请对照失分项目限期整改。（示范）",
        )
        line += f"，东城区文明办完成了{mock.title}"
    if stdout is not None:
        stdout.write(line)


# (stage title, [(kind, username — None: the unit's admin —, days ago, strict, summary)])
STAGE_ROUNDS = {
    STAGES[1].title: [
        (RoundKind.SELF, None, 20, False, "迎检前全面自评，逾期任务正在集中整改。（示范）"),
        (RoundKind.MOCK, "county_inspector", 8, True, "模拟测评：资料基本齐全，个别项目仍需补充。（示范）"),
    ],
    STAGES[2].title: [
        (RoundKind.SELF, None, 70, False, "对照测评细则逐项自评，资料齐全。（示范）"),
        (RoundKind.MOCK, "city_inspector", 45, True, "模拟测评：整体达标，建议完善活动记录。（示范）"),
        (RoundKind.FORMAL, "city_inspector", 21, False, "正式测评结果录入。（示范）"),
    ],
}


def seed_stages(stdout=None) -> None:
    users = get_user_model().objects
    today = local_today()
    for title, rounds in STAGE_ROUNDS.items():
        campaign = Campaign.objects.filter(title=title).select_related("framework").first()
        if campaign is None or Round.objects.filter(campaign=campaign).exists():
            continue
        for kind, username, days_ago, strict, summary in rounds:
            user = (
                unit_admin_of(campaign.unit) if username is None else users.filter(username=username).first()
            )
            if user is None:
                break
            _run(campaign, kind, user, today, days_ago=days_ago, strict=strict, summary=summary)
        if stdout is not None:
            stdout.write(f"测评：{campaign.unit.name}《{title}》{len(rounds)} 次测评")
