"""Demo data for 督查整改: points across the demo city with their 包保 units, and findings in every
state of the ledger with their histories — all made through the services, deterministically.

Some findings are moved back in time afterwards (their dates shifted by whole days) so that the
demo has overdue findings and realistic histories; nothing else is written around the services.
"""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from PIL import Image, ImageDraw

from wenming.audit.context import Actor, acting_as
from wenming.inspections import services
from wenming.inspections.models import (
    Finding,
    FindingAction,
    FindingCategory,
    FindingEvent,
    InspectionPoint,
    PointType,
)
from wenming.orgs.models import Organisation, Region

A = FindingAction
# (county code, [(point name, type, town index or 0 for the county itself, unit name)]).
POINTS = [
    (
        "990102000000",
        [
            ("东城区政务服务大厅", "政务大厅", 0, "东城区人民政府办公室"),
            ("朝阳路公交站", "公交站点", 1, "东城区综合行政执法局"),
            ("人民路（解放路—朝阳路段）", "主次干道", 1, "东城区综合行政执法局"),
            ("新华街道和平巷", "背街小巷", 2, "东城区新华街道办事处"),
            ("光明农贸市场", "集贸市场", 3, "东城区市场监督管理局"),
            ("东城区人民医院门诊部", "医院", 0, "东城区人民医院"),
            ("朝阳街道幸福小区", "小区", 1, "东城区朝阳街道办事处"),
            ("东湖公园", "公园", 2, "东城区综合行政执法局"),
        ],
    ),
    (
        "990103000000",
        [
            ("文昌广场", "公共广场", 1, "西湖区文昌街道办事处"),
            ("翠苑公交枢纽站", "公交站点", 2, "西湖区综合行政执法局"),
            ("北山路公共厕所", "室外公共厕所", 3, "西湖区综合行政执法局"),
            ("西湖区人民医院", "医院", 0, "西湖区人民医院"),
            ("翠苑社区", "社区", 2, "西湖区翠苑街道办事处"),
        ],
    ),
    (
        "990121000000",
        [
            ("城关镇集贸市场", "集贸市场", 1, "示范县市场监督管理局"),
            ("桃源镇主街", "主次干道", 2, "示范县桃源镇人民政府"),
            ("示范县第一小学周边", "背街小巷", 0, "示范县第一小学"),
        ],
    ),
]

# (point index in the flattened list, category, severity, description, path of actions, days back).
FINDINGS = [
    (1, "牛皮癣", "minor", "站台立柱和候车亭背面张贴小广告 6 处", [], 0),
    (2, "路面破损", "major", "人行道地砖松动破损约 3 平方米", [A.START], 2),
    (3, "卫生死角", "minor", "巷口垃圾堆放，未及时清运", [A.START, A.REQUEST_CLOSURE], 4),
    (
        4,
        "乱停乱放",
        "major",
        "市场东门非机动车乱停放，占用盲道",
        [A.START, A.REQUEST_CLOSURE, A.BEGIN_REVIEW],
        5,
    ),
    (
        6,
        "公益广告缺失",
        "minor",
        "小区主出入口无公益广告",
        [A.START, A.REQUEST_CLOSURE, A.BEGIN_REVIEW, A.VERIFY],
        9,
    ),
    (7, "蜘蛛网", "severe", "公园南门线缆凌乱悬挂，存在安全隐患", [A.CLOSE_UNFIXED], 12),
    (0, "公益广告缺失", "minor", "大厅内公益广告破损褪色", [A.REASSIGN], 6),
    (
        5,
        "卫生死角",
        "major",
        "门诊楼北侧医疗垃圾暂存点周边脏乱",
        [A.START, A.REQUEST_CLOSURE, A.BEGIN_REVIEW, A.REJECT],
        8,
    ),
    (
        8,
        "牛皮癣",
        "minor",
        "广场灯杆小广告",
        [A.START, A.REQUEST_CLOSURE, A.BEGIN_REVIEW, A.VERIFY, A.REOPEN],
        20,
    ),
    (9, "乱停乱放", "severe", "枢纽站出入口机动车违停", [], 10),
    (10, "卫生死角", "major", "公厕地面积水、异味明显", [A.START], 9),
    (13, "路面破损", "major", "市场入口路面坑洼", [A.START, A.REQUEST_CLOSURE, A.BEGIN_REVIEW, A.VERIFY], 15),
    (14, "蜘蛛网", "minor", "主街电杆线缆缠绕", [A.START], 1),
]
REASONS = {
    A.REQUEST_CLOSURE: "已按要求整改完毕，附整改后照片",
    A.REJECT: "复核发现仍有残留，请彻底整改",
    A.CLOSE_UNFIXED: "线缆迁改纳入年度管网改造计划，本次不具备整改条件",
    A.REASSIGN: "该大厅由市政务服务中心管理，非本单位责任",
    A.REOPEN: "回头看发现问题反弹",
    A.VERIFY: "现场复核，整改到位",
}


def _photo(label: str, colour: tuple[int, int, int]) -> SimpleUploadedFile:
    """A small generated JPEG standing in for a phone photo (no binary files in the repository)."""
    image = Image.new("RGB", (480, 360), colour)
    ImageDraw.Draw(image).rectangle((40, 40, 440, 320), outline=(255, 255, 255), width=6)
    ImageDraw.Draw(image).text((60, 60), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile(f"{label}.jpg", out.getvalue(), content_type="image/jpeg")


def _backdate(finding: Finding, days: int) -> None:
    """Move a finding back in time: recorded ``days`` days ago (its deadline with it), each later
    step spread evenly over the time since, the last one ``days / (steps + 1)`` ago — so the
    dashboards' and bulletins' 平均整改用时 is real (all steps ran within seconds when seeded)."""
    if days <= 0:
        return
    delta = dt.timedelta(days=days)
    Finding.objects.filter(pk=finding.pk).update(
        created_at=F("created_at") - delta,
        assigned_at=F("assigned_at") - delta,
        deadline=F("deadline") - delta,
    )
    events = list(FindingEvent.objects.filter(finding=finding).order_by("created_at", "id"))
    steps = [e for e in events if e.from_status]  # the recording itself has no "from"
    for e in events:
        if not e.from_status:
            FindingEvent.objects.filter(pk=e.pk).update(created_at=F("created_at") - delta)
    closing = None
    for k, e in enumerate(steps, 1):
        back = delta * (1 - k / (len(steps) + 1))
        if e.action == FindingAction.REASSIGN:  # the wrong unit held it until this step
            lost = delta - back
            FindingEvent.objects.filter(pk=e.pk).update(created_at=F("created_at") - back, time_lost=lost)
            Finding.objects.filter(pk=finding.pk).update(assigned_at=F("assigned_at") + lost, time_lost=lost)
        else:
            FindingEvent.objects.filter(pk=e.pk).update(created_at=F("created_at") - back)
        closing = back
    if closing is not None:  # a closed finding was closed by its last step
        Finding.objects.filter(pk=finding.pk, closed_at__isnull=False).update(
            closed_at=F("closed_at") - closing
        )


@transaction.atomic
def seed(*, scale: str = "small", stdout=None) -> None:
    services.category_seed()
    if InspectionPoint.objects.filter(name=POINTS[0][1][0][0]).exists():
        if stdout:
            stdout.write("督查数据已存在，跳过")
        return
    User = get_user_model()
    users = {
        u.username: u for u in User.objects.filter(username__in=["city_inspector", "unit_admin", "admin"])
    }
    if "city_inspector" not in users:
        if stdout:
            stdout.write("未找到演示督查员，跳过督查数据")
        return
    inspector = users["city_inspector"]
    units = {o.name: o for o in Organisation.objects.filter(kind="unit")}
    types = {t.name: t for t in PointType.objects.all()}
    points: list[InspectionPoint] = []
    for county_code, rows in POINTS:
        county = Region.objects.get(code=county_code)
        towns = list(Region.objects.filter(parent=county).order_by("code"))
        for name, type_name, town, unit_name in rows:
            region = towns[town - 1] if town else county
            points.append(
                services.point_create(
                    name=name, point_type=types[type_name], region=region, responsible_unit=units[unit_name]
                )
            )
    categories = {c.name: c for c in FindingCategory.objects.all()}
    city = Region.objects.get(code="990100000000")
    today = services.local_today()
    with acting_as(Actor(user_id=inspector.pk, label=inspector.username, ip=None)):
        daily = services.inspection_create(
            user=inspector,
            kind="daily",
            title="示范市创城日常督查",
            region=city,
            start_date=today - dt.timedelta(days=20),
            end_date=today,
            inspectors=[inspector],
        )
        sample = services.inspection_create(
            user=inspector,
            kind="random",
            title="东城区点位随机抽查",
            region=Region.objects.get(code="990102000000"),
            start_date=today,
            end_date=today + dt.timedelta(days=3),
            inspectors=[inspector],
        )
        services.inspection_draw_sample(inspection=sample, user=inspector, size=4, seed=20260301)
        services.inspection_create(
            user=inspector,
            kind="special",
            title="牛皮癣、蜘蛛网专项整治",
            region=city,
            start_date=today + dt.timedelta(days=7),
            end_date=today + dt.timedelta(days=21),
            inspectors=[inspector],
            categories=[categories["牛皮癣"], categories["蜘蛛网"]],
        )
    reassign_to = units["示范市政务服务中心"]
    for i, (point_index, category, severity, text, path, days_back) in enumerate(FINDINGS):
        point = points[point_index]
        unit_admin = User.objects.filter(
            memberships__organisation=point.responsible_unit, memberships__role="unit_admin"
        ).first()
        with acting_as(Actor(user_id=inspector.pk, label=inspector.username, ip=None)):
            finding = services.finding_create(
                user=inspector,
                category=categories[category],
                severity=severity,
                point=point,
                location_text=point.name,
                description=text,
                photos=[_photo(f"finding-{i + 1}", (150, 40 + 12 * i, 40))],
                inspection=daily,
            )
        for action in path:
            step = next(s for (_, a), s in services.TRANSITIONS.items() if a == action)
            # Unit-side steps are taken by the unit's 单位创建办 (a demo user made for it if none).
            actor = (
                inspector
                if step.side == services.OFFICE
                else (unit_admin or _unit_stand_in(point.responsible_unit))
            )
            with acting_as(Actor(user_id=actor.pk, label=actor.username, ip=None)):
                finding = services.finding_transition(
                    finding=finding,
                    action=action,
                    user=actor,
                    reason=REASONS.get(action, ""),
                    photos=[_photo(f"after-{i + 1}", (40, 140, 60))] if step.needs_photo else [],
                    new_unit=reassign_to if action == A.REASSIGN else None,
                )
        _backdate(finding, days_back)
    _seed_reports(inspector=inspector, points=points, categories=categories)
    # One 督办函 to the unit with the most overdue findings (西湖区综合行政执法局 in this data).
    with acting_as(Actor(user_id=inspector.pk, label=inspector.username, ip=None)):
        services.letter_issue(user=inspector, unit=units["西湖区综合行政执法局"])
    # One 督查通报 of the city office over the last 30 days.
    city_admin = User.objects.filter(username="city_admin").first()
    if city_admin is not None:
        with acting_as(Actor(user_id=city_admin.pk, label=city_admin.username, ip=None)):
            services.bulletin_issue(user=city_admin, start=today - dt.timedelta(days=30), end=today)
            # And a published 红黑榜 for the same period.
            ranking = services.ranking_compute(
                user=city_admin, start=today - dt.timedelta(days=30), end=today
            )
            services.ranking_publish(ranking=ranking, user=city_admin)
    if stdout:
        stdout.write(
            f"督查：{len(points)} 个点位，3 次督查活动，{len(FINDINGS)} 个问题，1 份督办函，1 期通报，1 期红黑榜，3 条随手拍"
        )


def _seed_reports(*, inspector, points, categories) -> None:
    """Three 随手拍 in 东城区: one waiting, one rejected with a reason, one made a finding."""
    office = Organisation.objects.filter(kind="office", region__code=POINTS[0][0]).first()
    if office is None:
        return
    as_inspector = Actor(user_id=inspector.pk, label=inspector.username, ip=None)
    with acting_as(Actor(user_id=None, label="匿名", ip=None)):
        waiting = services.report_submit(
            office=office,
            location_text="朝阳路与解放路路口",
            description="共享单车倒伏一片，堵住了盲道",
            photos=[_photo("report-1", (60, 90, 160))],
            phone="13900001234",
        )
        rejected = services.report_submit(
            office=office,
            location_text="幸福小区 3 幢楼下",
            description="邻居长期占用我的车位",
            photos=[_photo("report-2", (90, 90, 90))],
        )
        accepted = services.report_submit(
            office=office,
            location_text="东湖公园南门",
            description="垃圾桶满溢，周边有散落垃圾",
            photos=[_photo("report-3", (120, 100, 40))],
            phone="13900005678",
        )
    park = next(p for p in points if p.name == "东湖公园")
    with acting_as(as_inspector):
        services.report_reject(
            report=rejected, user=inspector, reason="属小区物业管理纠纷，请联系所在社区或物业处理"
        )
        services.report_accept(
            report=accepted,
            user=inspector,
            category=categories["卫生死角"],
            severity="minor",
            point=park,
            description="随手拍：垃圾桶满溢，周边有散落垃圾",  # not the random receipt: the demo is deterministic
        )
    assert waiting.status == "pending"


STAND_IN_NAMES = {
    name: f"baobao{i + 1:02d}" for i, name in enumerate(sorted({r[3] for _, rows in POINTS for r in rows}))
}


def _unit_stand_in(unit: Organisation):
    """A 单位创建办 user for a demo unit that has none (fixed usernames baobao01…, demo password)."""
    from wenming.orgs import services as org_services
    from wenming.orgs.demo import DEMO_PASSWORD
    from wenming.orgs.models import Role

    User = get_user_model()
    username = STAND_IN_NAMES[unit.name]
    user = User.objects.filter(username=username).first()
    if user is None:
        user = org_services.user_create(
            username=username, display_name=f"{unit.name}创建办", password=DEMO_PASSWORD
        )
        org_services.membership_add(user=user, role=Role.UNIT_ADMIN, organisation=unit)
    return user
