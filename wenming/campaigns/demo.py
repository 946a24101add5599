"""Demo data for campaigns: 东城区综合行政执法局 opens a 市级文明单位 campaign on the city's local
framework (示范市文明单位测评细则（示范权重）, see ``frameworks/demo.py``).

Dates are **relative to the day the demo is seeded** so the campaign looks alive whenever it is
run: started 120 days ago, acceptance in 60 days, so the default milestones fall at −45 (自评,
15 days from now), −30 (资料收集完成, 30 days from now) and −20 days. Tasks are spread across the
unit's departments in turn; the first department (the demo ``dept_lead``'s) also has tasks
assigned to ``dept_lead`` by name. Of the tasks, every third in items 1–5 is done; items 1–3 have
some tasks with a due date 5–12 days ago (overdue) and a few due within the week. Evidence
(资料台账): each done task has a small generated text document, accepted; every other task in
progress has one awaiting review, and one of those is returned with a comment; the first task also has
an accepted link (链接/截图 without a file). One binder (资料装订) of the accepted evidence is made, so the
binder page has a download.

Three more units show the other stages of a campaign (``STAGES``): 东城区市场监督管理局 has just
opened one (nothing done yet); 东城区人民医院 is twelve days from acceptance with most tasks done
and accepted evidence, photos (generated PNGs) among it; 西湖区综合行政执法局 passed its acceptance
three weeks ago (status 已验收). Their assessment rounds are in ``assessments/demo.py``, so the
office heatmap has several units. Idempotent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.campaigns.binder import binder_start
from wenming.campaigns.evidence import evidence_review, evidence_upload
from wenming.campaigns.models import Campaign, CampaignStatus, GroupKind, TaskStatus
from wenming.campaigns.services import (
    GroupEntry,
    campaign_open,
    campaign_update,
    group_set,
    local_today,
    task_update,
)
from wenming.frameworks.demo import DEMO_TITLE
from wenming.frameworks.models import Framework
from wenming.orgs.models import Department, Membership, Organisation, OrgKind, Role

UNIT_NAME = "东城区综合行政执法局"
TITLE = "创建市级文明单位（示范）"


@dataclass(frozen=True)
class Stage:
    unit: str
    title: str
    started: int  # days ago
    acceptance: int  # days from today (negative: in the past)
    done_share: float  # share of tasks done, with accepted evidence
    accepted: bool = False  # the campaign passed its acceptance


STAGES = (
    Stage("东城区市场监督管理局", "创建区级文明单位（示范）", 7, 240, 0.0),
    Stage("东城区人民医院", "创建市级文明单位（示范·迎检）", 300, 12, 0.85),
    Stage("西湖区综合行政执法局", "创建市级文明单位（示范·已验收）", 420, -21, 1.0, True),
)


def seed(*, scale: str = "small", stdout=None) -> None:
    _seed_main(stdout)
    for stage in STAGES:
        _seed_stage(stage, stdout)


def unit_admin_of(unit: Organisation):
    """The unit's first 创建办 admin (the demo gives each stage unit one: ``other_unit_admin``, or
    the inspections demo's stand-ins), or None."""
    m = (
        Membership.objects.filter(organisation=unit, role=Role.UNIT_ADMIN, department__isnull=True)
        .select_related("user")
        .order_by("id")
        .first()
    )
    return m.user if m is not None else None


def _seed_stage(stage: Stage, stdout) -> None:
    unit = Organisation.objects.filter(kind=OrgKind.UNIT, name=stage.unit).first()
    framework = Framework.objects.filter(title=DEMO_TITLE).order_by("-version").first()
    admin = unit_admin_of(unit) if unit is not None else None
    if unit is not None and admin is None:
        # The inspections demo (seeded after this app) gives such units a stand-in 创建办 login
        # (baobao01 …); make it now, the same way, so the stage does not depend on the order.
        from wenming.inspections.demo import STAND_IN_NAMES, _unit_stand_in

        if unit.name in STAND_IN_NAMES:
            admin = _unit_stand_in(unit)
    if unit is None or framework is None or admin is None:
        return
    if Campaign.objects.filter(unit=unit, title=stage.title).exists():
        return
    today = local_today()
    campaign = campaign_open(
        unit=unit,
        framework=framework,
        title=stage.title,
        target_kind="unit",
        level="city",
        exemplar=False,
        start_date=today - dt.timedelta(days=stage.started),
        acceptance_date=today + dt.timedelta(days=stage.acceptance),
        user=admin,
    )
    tasks = list(campaign.tasks.order_by("position"))
    departments = list(Department.objects.filter(organisation=unit).order_by("sort_order"))
    done = int(len(tasks) * stage.done_share)
    for i, task in enumerate(tasks):
        fields: dict = {"department": departments[i % len(departments)]} if departments else {}
        if i < done:
            fields["status"] = TaskStatus.DONE
        elif stage.done_share:
            fields["status"] = TaskStatus.DOING
        if fields:
            task_update(task=task, **fields)
        if i < done:
            _stage_evidence(task, i, today - dt.timedelta(days=max(stage.started - 30, 1)), admin)
    if stage.accepted:
        campaign_update(campaign=campaign, status=CampaignStatus.ACCEPTED)
    if stdout is not None:
        stdout.write(f"创建任务：{unit.name}《{stage.title}》，任务 {len(tasks)} 项")


def _stage_evidence(task, i: int, since: dt.date, admin) -> None:
    """Accepted evidence for a done task: one item of every type its criterion asks for (so the
    criterion counts as complete) — a generated PNG photo for 图片资料, a link for 链接/截图, a
    short text document otherwise; a plain 情况资料 record when the criterion names no type."""
    from wenming.frameworks.models import Criterion, EvidenceType

    kinds = Criterion.objects.filter(pk=task.criterion_id).values_list("evidence_types", flat=True).first()
    labels = dict(EvidenceType.choices)
    for n, kind in enumerate(kinds or [EvidenceType.SITUATION]):
        label = str(labels.get(kind, "佐证材料"))
        extra: dict = {}
        if kind == EvidenceType.IMAGE:
            uploads = [
                SimpleUploadedFile(f"{task.code}-活动照片.png", demo_photo(i + n), content_type="image/png")
            ]
        elif kind == EvidenceType.LINK:
            uploads, extra = [], {"url": f"https://www.example.org/wenming-demo/{task.code}/"}
        else:
            body = f"{task.code} {task.title}\n{label}（示范）：工作方案、会议纪要与活动记录，演示数据，自动生成。\n"
            uploads = [SimpleUploadedFile(f"{task.code}-{label}.txt", body.encode())]
        for ev in evidence_upload(
            task=task,
            uploads=uploads,
            title=f"{task.code} {label}（示范）",
            refers_to=since + dt.timedelta(days=i % 90),
            kind=kind,
            description="示范数据，自动生成",
            user=admin,
            **extra,
        ):
            evidence_review(evidence=ev, accept=True, user=admin)


def demo_photo(seed: int) -> bytes:
    """A small generated picture (sky, a building, a banner), different for each seed: demo
    "photos" that are real PNG files, so previews and thumbnails have something to show."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 320), (178 + seed % 40, 210, 236))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 240, 480, 320), fill=(96, 140, 88))
    x = 40 + (seed * 37) % 200
    draw.rectangle((x, 110, x + 180, 250), fill=(220, 214, 200), outline=(120, 110, 100), width=3)
    for row in range(3):
        for col in range(4):
            wx, wy = x + 14 + col * 42, 124 + row * 38
            draw.rectangle((wx, wy, wx + 26, wy + 24), fill=(90, 130, 170))
    draw.rectangle((x - 10, 92, x + 190, 110), fill=(200, 30, 30))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _seed_main(stdout) -> None:
    unit = Organisation.objects.filter(kind=OrgKind.UNIT, name=UNIT_NAME).first()
    framework = Framework.objects.filter(title=DEMO_TITLE).order_by("-version").first()
    if unit is None or framework is None or Campaign.objects.filter(unit=unit, title=TITLE).exists():
        return
    users = get_user_model().objects
    admin = users.filter(username="unit_admin").first()
    lead = users.filter(username="dept_lead").first()
    today = local_today()
    campaign = campaign_open(
        unit=unit,
        framework=framework,
        title=TITLE,
        target_kind="unit",
        level="city",
        exemplar=False,
        start_date=today - dt.timedelta(days=120),
        acceptance_date=today + dt.timedelta(days=60),
        user=admin,
    )
    group_set(
        campaign=campaign,
        entries=[
            GroupEntry(GroupKind.LEADING, "张局长（示范）", "组长"),
            GroupEntry(GroupKind.LEADING, "李副局长（示范）", "副组长"),
            GroupEntry(GroupKind.OFFICE, "孙创建", "办公室主任", admin.pk if admin else None),
            GroupEntry(GroupKind.GENERAL, "王干事（示范）", "组长"),
            GroupEntry(GroupKind.MATERIALS, "周科长", "组长", lead.pk if lead else None),
            GroupEntry(GroupKind.ADMIN, "赵主任（示范）", "组长"),
        ],
    )
    departments = list(Department.objects.filter(organisation=unit).order_by("sort_order"))
    tasks = list(campaign.tasks.select_related("item").order_by("position"))
    for i, task in enumerate(tasks):
        item = int(task.item.code) if task.item.code.isdigit() else 99
        fields = {"department": departments[i % len(departments)] if departments else None}
        if fields["department"] is not None and departments and fields["department"] == departments[0]:
            fields["assignee"] = lead
        if item <= 5 and i % 3 == 0:
            fields["status"] = TaskStatus.DONE
        elif item <= 3:
            fields["due_override"] = today - dt.timedelta(days=5 + i % 8)  # overdue
            fields["status"] = TaskStatus.DOING if i % 2 else TaskStatus.TODO
        elif item <= 5:
            fields["due_override"] = today + dt.timedelta(days=2 + i % 5)  # due within the week
            fields["status"] = TaskStatus.DOING
        task_update(task=task, **fields)
        _evidence(task, fields.get("status"), i, today, admin, lead)
    if tasks and admin is not None:
        # A 链接/截图 item without a file, accepted; then one binder of the accepted evidence.
        (link,) = evidence_upload(
            task=tasks[0],
            uploads=[],
            title="单位门户网站文明创建专栏（示范）",
            refers_to=today - dt.timedelta(days=20),
            kind="link",
            url="https://www.example.org/wenming-demo/",
            description="专栏持续更新创建动态（示范链接）",
            user=admin,
        )
        evidence_review(evidence=link, accept=True, user=admin)
        binder_start(campaign=campaign, user=admin, sync=True)
    if stdout is not None:
        stdout.write(f"创建任务：{unit.name}《{TITLE}》，任务 {len(tasks)} 项")


def _evidence(task, status, i: int, today: dt.date, admin, lead) -> None:
    if status not in (TaskStatus.DONE, TaskStatus.DOING) or (status == TaskStatus.DOING and i % 2 == 0):
        return
    body = f"{task.code} {task.title}\n示范佐证材料：会议纪要与活动记录（演示数据，自动生成）。\n".encode()
    uploader = lead if task.assignee_id and lead else admin
    (ev,) = evidence_upload(
        task=task,
        uploads=[SimpleUploadedFile(f"{task.code}-佐证材料.txt", body)],
        title=f"{task.code} 工作记录（示范）",
        refers_to=today - dt.timedelta(days=30 + i % 40),
        kind="situation",
        description="会议纪要、签到表和活动照片说明（示范）",
        user=uploader,
    )
    if status == TaskStatus.DONE:
        evidence_review(evidence=ev, accept=True, user=admin)
    elif i % 7 == 1:
        evidence_review(evidence=ev, accept=False, comment="缺少负责同志签字页，请补充（示范）", user=admin)
