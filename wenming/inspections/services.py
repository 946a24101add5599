"""Writes and rules of 督查整改: points, findings and the ledger's state machine.

The ledger (挂账销号) is one table, :data:`TRANSITIONS`: ``(from_status, action) → (to_status,
side)``, where ``side`` says who may take the step — ``UNIT`` (the 单位创建办 of the finding's
responsible unit) or ``OFFICE`` (an office inspector or admin whose region covers the finding).
:func:`finding_transition` is the only function that moves a finding; it refuses a step the table
does not hold with a Chinese message, checks the side, writes a :class:`FindingEvent` and audits
the change, all in one transaction with the finding row locked.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from wenming.audit.models import Action as AuditAction
from wenming.audit.services import audit_record, snapshot
from wenming.files import sniff
from wenming.files.models import FileKind, StoredFile
from wenming.files.services import file_may_act_for, file_store
from wenming.inspections.models import (
    Bulletin,
    Finding,
    FindingAction,
    FindingCategory,
    FindingEvent,
    Inspection,
    InspectionPoint,
    InspectionTarget,
    Outcome,
    PointType,
    Ranking,
    RankingEntry,
    RankingList,
    RankingStatus,
    Severity,
    Status,
    SupervisionLetter,
)
from wenming.orgs.access import Scope, get_scope
from wenming.orgs.models import Organisation, OrgKind, Region, Role

UNIT = "unit"
OFFICE = "office"
OFFICE_ROLES = (Role.OFFICE_ADMIN, Role.OFFICE_INSPECTOR)

A, S = FindingAction, Status
_NOT_CLOSED = (S.OPEN, S.RECTIFYING, S.CLOSURE_REQUESTED, S.UNDER_REVIEW)


@dataclass(frozen=True)
class Step:
    to: str
    side: str  # UNIT or OFFICE
    needs_reason: bool = False
    needs_photo: bool = False
    outcome: str = ""


# The whole ledger: (from, action) → the step. Nothing else decides what may follow what.
TRANSITIONS: dict[tuple[str, str], Step] = {
    (S.OPEN, A.START): Step(S.RECTIFYING, UNIT),
    (S.RECTIFYING, A.REQUEST_CLOSURE): Step(S.CLOSURE_REQUESTED, UNIT, needs_reason=True, needs_photo=True),
    (S.CLOSURE_REQUESTED, A.BEGIN_REVIEW): Step(S.UNDER_REVIEW, OFFICE),
    (S.UNDER_REVIEW, A.VERIFY): Step(S.CLOSED, OFFICE, outcome=Outcome.FIXED),
    (S.UNDER_REVIEW, A.REJECT): Step(S.RECTIFYING, OFFICE, needs_reason=True),
    **{(s, A.CLOSE_UNFIXED): Step(S.CLOSED, OFFICE, needs_reason=True, outcome=Outcome.UNFIXED) for s in _NOT_CLOSED},
    **{(s, A.REASSIGN): Step(S.OPEN, OFFICE, needs_reason=True) for s in _NOT_CLOSED},
    (S.CLOSED, A.REOPEN): Step(S.OPEN, OFFICE, needs_reason=True),
}

# Button order on the finding page.
ACTION_ORDER = [A.START, A.REQUEST_CLOSURE, A.BEGIN_REVIEW, A.VERIFY, A.REJECT, A.REASSIGN, A.CLOSE_UNFIXED, A.REOPEN]

POINT_TYPES = [
    # The field-inspection point types named in DOMAIN.md (文明城市 测评: 26 types, of which these
    # are the ones the sources name). The list is configurable: rows in PointType.
    "政务大厅", "银行网点", "公交站点", "室外公共厕所", "公共广场", "公园", "社区",
    "建筑工地", "医院", "集贸市场", "背街小巷", "主次干道", "小区",
]  # fmt: skip
CATEGORIES = [
    # name, days for 一般 / 较重 / 严重 — defaults, each configurable per category row.
    ("牛皮癣", 5, 3, 1),
    ("蜘蛛网", 15, 10, 7),
    ("乱停乱放", 3, 2, 1),
    ("路面破损", 15, 10, 5),
    ("卫生死角", 5, 3, 1),
    ("公益广告缺失", 10, 7, 5),
]


# --- who may do what -----------------------------------------------------------------------------


def _is_unit_side(scope: Scope, finding: Finding) -> bool:
    return finding.responsible_unit_id in scope.admin_unit_ids


def _is_office_side(scope: Scope, finding: Finding) -> bool:
    if scope.is_platform:
        return True
    return scope.has_role(*OFFICE_ROLES) and scope.covers_region(finding.region_code)


def _may_take(scope: Scope, finding: Finding, step: Step) -> bool:
    return _is_unit_side(scope, finding) if step.side == UNIT else _is_office_side(scope, finding)


def finding_actions_for(*, user, finding: Finding) -> list[str]:
    """The actions this user may take on the finding now (the buttons its page shows)."""
    scope = get_scope(user)
    return [
        action
        for action in ACTION_ORDER
        if (step := TRANSITIONS.get((finding.status, action))) is not None and _may_take(scope, finding, step)
    ]


def may_record_findings(user) -> bool:
    scope = get_scope(user)
    return scope.is_platform or scope.has_role(*OFFICE_ROLES)


# --- deadlines ------------------------------------------------------------------------------------


def local_today() -> dt.date:
    return timezone.localdate()


def deadline_default(*, category: FindingCategory, severity: str, start: dt.date | None = None) -> dt.date:
    """The default 整改期限: the category's days for this severity, counted from ``start`` (today)."""
    return (start or local_today()) + dt.timedelta(days=category.days_for(severity))


# --- photos ---------------------------------------------------------------------------------------


def _store_photos(*, photos: Iterable, finding: Finding, user, purpose: str) -> list[StoredFile]:
    """Store photos through the files service. Anything that is not an image is refused before
    it is stored. Photos are filed under the responsible unit (so the unit and the offices above
    it see them); an inspector from an office that does not cover that unit's region files them
    under their own office instead."""
    photos = list(photos)
    for photo in photos:
        detected = sniff.detect_head(photo)
        if detected.kind != FileKind.IMAGE:
            raise sniff.UploadRefused(
                f"“{getattr(photo, 'name', '') or '文件'}”不是照片：只能上传 JPG、PNG 或 WEBP 图片", code="type"
            )
    owner = finding.responsible_unit
    if user is not None and not file_may_act_for(user=user, organisation=owner):
        owner = finding.office
    return [file_store(upload=p, organisation=owner, user=user, purpose=purpose) for p in photos]


def _snap(finding: Finding) -> dict:
    """The finding's audit snapshot (durations as seconds: the audit chain stores JSON)."""
    data = snapshot(finding)
    if finding.time_lost is not None:
        data["time_lost"] = int(finding.time_lost.total_seconds())
    return data


# --- points ---------------------------------------------------------------------------------------


def _check_unit(unit: Organisation) -> None:
    if unit.kind != OrgKind.UNIT:
        raise ValidationError("包保单位必须是创建单位，不能是文明办")
    if not unit.is_active:
        raise ValidationError(f"“{unit.name}”已停用，不能作为包保单位")


def _check_coordinates(latitude: Decimal | None, longitude: Decimal | None) -> None:
    if (latitude is None) != (longitude is None):
        raise ValidationError("经度和纬度须同时填写或同时留空")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValidationError("经纬度超出范围：纬度在 -90 到 90 之间，经度在 -180 到 180 之间")


def point_create(
    *,
    name: str,
    point_type: PointType,
    region: Region,
    responsible_unit: Organisation,
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    audit: bool = True,
) -> InspectionPoint:
    _check_unit(responsible_unit)
    _check_coordinates(latitude, longitude)
    name = name.strip()
    if not name:
        raise ValidationError("点位名称不能为空")
    if InspectionPoint.objects.filter(region=region, name=name).exists():
        raise ValidationError(f"“{region.name}”已有名为“{name}”的点位")
    with transaction.atomic():
        point = InspectionPoint.objects.create(
            name=name,
            point_type=point_type,
            region=region,
            region_code=region.code,
            address=address.strip(),
            latitude=latitude,
            longitude=longitude,
            responsible_unit=responsible_unit,
        )
        if audit:
            audit_record(action=AuditAction.CREATE, obj=point, after=snapshot(point))
    return point


def point_import_apply(*, rows: Sequence[dict], source_name: str) -> list[InspectionPoint]:
    """Create checked rows (all or nothing) with one IMPORT audit entry for the file."""
    with transaction.atomic():
        created = [point_create(audit=False, **row) for row in rows]
        audit_record(
            action=AuditAction.IMPORT,
            object_type="inspections.inspectionpoint",
            object_repr=f"点位导入：{source_name}（{len(created)} 个）"[:200],
            changes={"points": [p.pk for p in created], "file": source_name},
        )
    return created


# --- findings -------------------------------------------------------------------------------------


def _office_for(scope: Scope, region_code: str) -> Organisation:
    """The inspector's office that covers the region (the deepest, if they belong to several); for
    platform admins, the deepest office whose region holds it."""
    offices = Organisation.objects.filter(kind=OrgKind.OFFICE)
    if not scope.is_platform:
        offices = offices.filter(pk__in=scope.office_ids)
    candidates = [o for o in offices.only("id", "region_code", "name") if region_code.startswith(_prefix(o.region_code))]
    if not candidates:
        raise ValidationError("没有覆盖该位置的文明办，不能在此挂账")
    return max(candidates, key=lambda o: len(_prefix(o.region_code)))


def _prefix(code: str) -> str:
    from wenming.orgs.regions import prefix_of

    return prefix_of(code)


def finding_create(
    *,
    user,
    category: FindingCategory,
    severity: str,
    point: InspectionPoint | None = None,
    responsible_unit: Organisation | None = None,
    location_text: str = "",
    description: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    criterion_code: str = "",
    deadline: dt.date | None = None,
    photos: Iterable = (),
    inspection: Inspection | None = None,
) -> Finding:
    """挂账: an inspector records a problem. The responsible unit comes from the point's 包保
    assignment unless given; the deadline defaults from the category and severity."""
    scope = get_scope(user)
    if not may_record_findings(user):
        raise PermissionDenied("只有文明办的督查员或管理员可以记录督查问题")
    if severity not in Severity.values:
        raise ValidationError("请选择严重程度")
    if not category.is_active:
        raise ValidationError(f"问题类别“{category.name}”已停用")
    _check_coordinates(latitude, longitude)
    unit = responsible_unit or (point.responsible_unit if point is not None else None)
    if unit is None:
        raise ValidationError("请选择点位或责任单位")
    _check_unit(unit)
    region_code = point.region_code if point is not None else unit.region_code
    if not scope.covers_region(region_code):
        raise PermissionDenied("该位置不在您的督查范围内")
    if not location_text.strip() and point is None:
        raise ValidationError("请填写位置描述或选择点位")
    today = local_today()
    if deadline is not None and deadline < today:
        raise ValidationError("整改期限不能早于今天")
    if inspection is not None and not region_code.startswith(_prefix(inspection.region_code)):
        raise ValidationError(f"该位置不在督查活动“{inspection.title}”的范围内")
    office = _office_for(scope, region_code)
    now = timezone.now()
    with transaction.atomic():
        finding = Finding.objects.create(
            point=point,
            inspection=inspection,
            location_text=location_text.strip()[:300],
            latitude=latitude,
            longitude=longitude,
            category=category,
            severity=severity,
            description=description.strip(),
            criterion_code=criterion_code.strip()[:50],
            responsible_unit=unit,
            office=office,
            region_code=region_code,
            status=Status.OPEN,
            deadline=deadline or deadline_default(category=category, severity=severity, start=today),
            assigned_at=now,
            created_by=user,
        )
        stored = _store_photos(photos=photos, finding=finding, user=user, purpose="督查问题照片")
        event = FindingEvent.objects.create(
            finding=finding, action=A.CREATE, from_status="", to_status=Status.OPEN, actor=user, to_unit=unit
        )
        if stored:
            event.files.add(*stored)
        audit_record(action=AuditAction.CREATE, obj=finding, after=_snap(finding))
    return finding


def finding_transition(
    *,
    finding: Finding,
    action: str,
    user,
    reason: str = "",
    photos: Iterable = (),
    new_unit: Organisation | None = None,
) -> Finding:
    """Take one step of the ledger. Raises ``ValidationError`` for a step the table does not allow
    from the current status (or missing reason, photo, unit) and ``PermissionDenied`` for a user
    who is not on the step's side. Locks the finding row, so two people cannot both move it."""
    try:
        label = FindingAction(action).label
    except ValueError as exc:
        raise ValidationError("未知的操作") from exc
    reason = reason.strip()
    photos = list(photos)
    with transaction.atomic():
        locked = Finding.objects.select_for_update().select_related("responsible_unit", "office").get(pk=finding.pk)
        step = TRANSITIONS.get((locked.status, action))
        if step is None:
            raise ValidationError(f"问题当前为“{Status(locked.status).label}”，不能执行“{label}”")
        scope = get_scope(user)
        if not _may_take(scope, locked, step):
            if step.side == UNIT:
                raise PermissionDenied(f"只有责任单位“{locked.responsible_unit.name}”的创建办可以执行“{label}”")
            raise PermissionDenied(f"只有负责该区域的文明办督查员或管理员可以执行“{label}”")
        if step.needs_reason and not reason:
            raise ValidationError(f"“{label}”须填写说明")
        if step.needs_photo and not photos:
            raise ValidationError("申请销号须上传至少一张整改后的照片")
        before = _snap(locked)
        now = timezone.now()
        event = FindingEvent(
            finding=locked, action=action, from_status=locked.status, to_status=step.to, actor=user, reason=reason
        )
        if action == A.REASSIGN:
            if new_unit is None:
                raise ValidationError("请选择转办的责任单位")
            _check_unit(new_unit)
            if new_unit.pk == locked.responsible_unit_id:
                raise ValidationError("转办单位与当前责任单位相同")
            if not scope.is_platform and not scope.covers_region(new_unit.region_code):
                raise PermissionDenied("只能转办给您辖区内的单位")
            lost = now - locked.assigned_at
            event.from_unit, event.to_unit, event.time_lost = locked.responsible_unit, new_unit, lost
            locked.time_lost = (locked.time_lost or dt.timedelta()) + lost
            locked.responsible_unit = new_unit
            locked.assigned_at = now
            # The new unit gets the category's full time, counted from today.
            locked.deadline = deadline_default(category=locked.category, severity=locked.severity)
        if action == A.REOPEN:
            locked.deadline = deadline_default(category=locked.category, severity=locked.severity)
        locked.status = step.to
        locked.outcome = step.outcome
        locked.closed_at = now if step.to == Status.CLOSED else None
        locked.save()
        event.save()
        if photos:
            purpose = "整改后照片" if action == A.REQUEST_CLOSURE else "督查问题照片"
            event.files.add(*_store_photos(photos=photos, finding=locked, user=user, purpose=purpose))
        audit_record(
            action=AuditAction.UPDATE,
            obj=locked,
            before=before,
            after={**_snap(locked), "step": action, "reason": reason},
        )
    return locked


# --- inspections (督查活动) and random samples -------------------------------------------------------


def may_plan_inspections(user) -> bool:
    return may_record_findings(user)


def inspection_create(
    *,
    user,
    kind: str,
    title: str,
    region: Region,
    start_date: dt.date,
    end_date: dt.date,
    inspectors: Sequence = (),
    point_types: Sequence[PointType] = (),
    categories: Sequence[FindingCategory] = (),
    notes: str = "",
) -> Inspection:
    """Plan an inspection in a region the user's office covers."""
    scope = get_scope(user)
    if not may_plan_inspections(user):
        raise PermissionDenied("只有文明办的督查员或管理员可以安排督查")
    if not scope.covers_region(region.code):
        raise PermissionDenied("督查范围不在您的辖区内")
    if end_date < start_date:
        raise ValidationError("结束日期不能早于开始日期")
    if not title.strip():
        raise ValidationError("请填写督查名称")
    office = _office_for(scope, region.code)
    with transaction.atomic():
        inspection = Inspection.objects.create(
            office=office,
            kind=kind,
            title=title.strip(),
            region=region,
            region_code=region.code,
            start_date=start_date,
            end_date=end_date,
            notes=notes.strip(),
            created_by=user,
        )
        inspection.inspectors.set(inspectors)
        inspection.point_types.set(point_types)
        inspection.categories.set(categories)
        audit_record(
            action=AuditAction.CREATE,
            obj=inspection,
            after={**snapshot(inspection), "inspectors": [u.pk for u in inspectors]},
        )
    return inspection


def sample_points(*, pool: Sequence[int], size: int, seed: int) -> list[int]:
    """The random sample: ``size`` ids drawn from ``pool`` (sorted first) with Python's Mersenne
    Twister seeded by ``seed``. Pure: the same pool, size and seed give the same sample anywhere."""
    ordered = sorted(pool)
    return random.Random(seed).sample(ordered, min(size, len(ordered)))


def inspection_pool(*, inspection: Inspection) -> list[int]:
    """The candidate points of an inspection: active points in its region, of its point types."""
    from wenming.orgs.regions import prefix_of

    qs = InspectionPoint.objects.filter(is_active=True, region_code__startswith=prefix_of(inspection.region_code))
    type_ids = list(inspection.point_types.values_list("id", flat=True))
    if type_ids:
        qs = qs.filter(point_type_id__in=type_ids)
    return list(qs.values_list("id", flat=True))


def inspection_draw_sample(*, inspection: Inspection, user, size: int, seed: int | None = None) -> list[InspectionTarget]:
    """随机抽查: draw ``size`` points from the pool with a stored seed (random when not given).
    An inspection is drawn once; the seed and pool size are shown so the draw can be checked."""
    scope = get_scope(user)
    if not (may_plan_inspections(user) and scope.covers_region(inspection.region_code)):
        raise PermissionDenied("只有负责该区域的文明办督查员或管理员可以抽取点位")
    if size < 1:
        raise ValidationError("抽取数量至少为 1")
    if seed is not None and not 0 <= seed < 2**62:
        raise ValidationError("抽样种子须为非负整数")
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if locked.sample_seed is not None or locked.targets.exists():
            raise ValidationError("该督查活动已抽取或选定点位，不能重复抽取")
        pool = inspection_pool(inspection=locked)
        if not pool:
            raise ValidationError("督查范围内没有符合条件的点位")
        seed = secrets.randbelow(2**31) if seed is None else seed
        chosen = sample_points(pool=pool, size=size, seed=seed)
        before = snapshot(locked)
        locked.sample_seed, locked.sample_pool = seed, len(pool)
        locked.save(update_fields=["sample_seed", "sample_pool"])
        targets = InspectionTarget.objects.bulk_create(
            InspectionTarget(inspection=locked, point_id=pid, position=i) for i, pid in enumerate(chosen, start=1)
        )
        audit_record(
            action=AuditAction.UPDATE,
            obj=locked,
            before=before,
            after={**snapshot(locked), "sample": chosen},
        )
    inspection.sample_seed, inspection.sample_pool = seed, len(pool)
    return targets


# --- 督办函 (supervision letters) -------------------------------------------------------------------

# Escalation: the n-th letter about the same unfinished findings uses the n-th level (the last level
# repeats). (title, days the unit has to reply). Configure here; a settings page is future work.
ESCALATION_LEVELS: list[tuple[str, int]] = [
    ("关于督促整改逾期问题的函", 5),
    ("关于再次督促整改逾期问题的函", 3),
    ("关于逾期问题整改约谈的通知", 2),
]


def letter_issue(*, user, unit: Organisation) -> SupervisionLetter:
    """督办: a letter to ``unit`` listing its overdue findings the user's office can see, numbered
    〔年份〕第N期 per issuing office and year, at the next escalation level, generated as .docx."""
    from django.core.files.base import ContentFile

    from wenming.inspections.documents import chinese_date, supervision_letter_docx
    from wenming.inspections.selectors import overdue_q
    from wenming.orgs.access import scoped

    scope = get_scope(user)
    if not (scope.is_platform or scope.has_role(*OFFICE_ROLES)):
        raise PermissionDenied("只有文明办的督查员或管理员可以发督办函")
    today = local_today()
    findings = list(
        scoped(Finding, user)
        .filter(overdue_q(today), responsible_unit=unit)
        .select_related("category", "point")
        .order_by("deadline", "id")
    )
    if not findings:
        raise ValidationError(f"“{unit.name}”没有逾期未销号的问题，无需督办")
    office = _office_for(scope, findings[0].region_code)
    with transaction.atomic():
        # Lock the office row: numbers are handed out one at a time per office.
        Organisation.objects.select_for_update().filter(pk=office.pk).first()
        last = SupervisionLetter.objects.filter(office=office, year=today.year).order_by("-seq").first()
        seq = (last.seq if last else 0) + 1
        earlier = SupervisionLetter.objects.filter(unit=unit, findings__in=findings).order_by("-level").first()
        level = min((earlier.level if earlier else 0) + 1, len(ESCALATION_LEVELS))
        title, reply_days = ESCALATION_LEVELS[level - 1]
        reply_deadline = today + dt.timedelta(days=reply_days)
        number = f"〔{today.year}〕第{seq}期"
        items = [
            f"{f.category.name}（{f.get_severity_display()}）：{f.point.name if f.point else f.location_text}"
            f"{'，' + f.description if f.description else ''}。整改期限{chinese_date(f.deadline)}，"
            f"已逾期 {(today - f.deadline).days} 天（问题编号 {f.pk}）"
            for f in findings
        ]
        level_note = f"此前已就其中问题发函督办（第 {level - 1} 次），至今仍未整改到位。" if level > 1 else ""
        data = supervision_letter_docx(
            office_name=office.name,
            number=number,
            title=title,
            unit_name=unit.name,
            items=items,
            reply_deadline=reply_deadline,
            issued_on=today,
            level_note=level_note,
        )
        document = file_store(
            upload=ContentFile(data, name=f"督办函{number}{unit.name}.docx"), organisation=office, user=user, purpose="督办函"
        )
        letter = SupervisionLetter.objects.create(
            office=office,
            unit=unit,
            region_code=office.region_code,
            year=today.year,
            seq=seq,
            level=level,
            title=title,
            reply_deadline=reply_deadline,
            document=document,
            issued_by=user,
        )
        letter.findings.set(findings)
        audit_record(
            action=AuditAction.CREATE,
            obj=letter,
            after={**snapshot(letter), "number": number, "findings": [f.pk for f in findings]},
        )
    return letter


def letter_mark_sent(*, letter: SupervisionLetter, user, note: str = "") -> SupervisionLetter:
    """Record that the letter was sent (by hand, fax, OA …)."""
    scope = get_scope(user)
    if not (scope.is_platform or (scope.has_role(*OFFICE_ROLES) and scope.covers_region(letter.region_code))):
        raise PermissionDenied("只有发函的文明办可以登记发送")
    if letter.sent_at is not None:
        raise ValidationError("该督办函已登记发送")
    with transaction.atomic():
        before = snapshot(letter)
        letter.sent_at, letter.sent_by, letter.sent_note = timezone.now(), user, note.strip()[:200]
        letter.save(update_fields=["sent_at", "sent_by", "sent_note"])
        audit_record(action=AuditAction.UPDATE, obj=letter, before=before, after=snapshot(letter))
    return letter


# --- 督查通报 (bulletins) ---------------------------------------------------------------------------


def bulletin_issue(*, user, start: dt.date, end: dt.date) -> Bulletin:
    """A 督查通报 of the user's office for [start, end]: figures computed once, stored with the
    bulletin and written into a .docx; numbered 〔年份〕第N期 per office and year."""
    from django.core.files.base import ContentFile

    from wenming.inspections.documents import bulletin_docx
    from wenming.inspections.selectors import bulletin_figures
    from wenming.orgs.regions import prefix_of

    scope = get_scope(user)
    if not (scope.is_platform or scope.has_role(Role.OFFICE_ADMIN)):
        raise PermissionDenied("只有文明办管理员可以发布督查通报")
    if end < start:
        raise ValidationError("截止日期不能早于起始日期")
    today = local_today()
    if end > today:
        raise ValidationError("截止日期不能晚于今天")
    admin_offices = Organisation.objects.filter(kind=OrgKind.OFFICE)
    if not scope.is_platform:
        admin_offices = admin_offices.filter(pk__in=scope.admin_office_ids)
    office = admin_offices.order_by("region_code").first()  # the widest office the user runs
    if office is None:
        raise ValidationError("您不属于任何文明办")
    figures = bulletin_figures(user=user, region_prefix=prefix_of(office.region_code), start=start, end=end)
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=office.pk).first()
        last = Bulletin.objects.filter(office=office, year=today.year).order_by("-seq").first()
        seq = (last.seq if last else 0) + 1
        number = f"〔{today.year}〕第{seq}期"
        data = bulletin_docx(office_name=office.name, number=number, start=start, end=end, figures=figures, issued_on=today)
        document = file_store(
            upload=ContentFile(data, name=f"督查通报{number}.docx"), organisation=office, user=user, purpose="督查通报"
        )
        bulletin = Bulletin.objects.create(
            office=office,
            region_code=office.region_code,
            year=today.year,
            seq=seq,
            period_start=start,
            period_end=end,
            figures=figures,
            document=document,
            issued_by=user,
        )
        audit_record(action=AuditAction.CREATE, obj=bulletin, after={**snapshot(bulletin), "number": number})
    return bulletin


# --- 红黑榜 (red and black lists) ---------------------------------------------------------------------

# The documented rules. Each ranking keeps a copy of the rules it was computed with.
#   score = 100 × (closure_weight × closed/due + on_time_weight × on_time/due)
#           − repeat_penalty × repeats, bounded to 0…100
#   due: the unit's findings whose deadline fell in the period; closed: of those, closed by the
#   period's end; on_time: closed by their deadline; overdue: still open at the end;
#   repeats: a second (third …) finding of the same category at the same point in the period.
#   红榜: score ≥ red_min_score, no overdue, no repeats — the best red_max units.
#   黑榜: score < black_max_score, or overdue ≥ black_overdue — the worst black_max units.
RANKING_RULES: dict = {
    "closure_weight": "0.6",
    "on_time_weight": "0.4",
    "repeat_penalty": "5",
    "min_due": 1,
    "red_min_score": "90",
    "red_max": 10,
    "black_max_score": "60",
    "black_overdue": 3,
    "black_max": 10,
}


def ranking_score(*, due: int, closed: int, on_time: int, repeats: int, rules: dict) -> Decimal:
    if not due:
        return Decimal("0.00")
    raw = Decimal(100) * (
        Decimal(rules["closure_weight"]) * Decimal(closed) / Decimal(due)
        + Decimal(rules["on_time_weight"]) * Decimal(on_time) / Decimal(due)
    ) - Decimal(rules["repeat_penalty"]) * repeats
    return min(max(raw, Decimal(0)), Decimal(100)).quantize(Decimal("0.01"))


def _ranking_rows(*, user, region_prefix: str, start: dt.date, end: dt.date) -> list[dict]:
    """Per unit, in two grouped queries: due, closed, on time, overdue, repeats."""
    from django.db.models import Count, F, Q

    from wenming.orgs.access import scoped

    findings = scoped(Finding, user).filter(region_code__startswith=region_prefix)
    due = findings.filter(deadline__gte=start, deadline__lte=end)
    closed_by_end = Q(status=Status.CLOSED, closed_at__date__lte=end)
    rows = {
        r["responsible_unit_id"]: {**r, "repeats": 0}
        for r in due.values("responsible_unit_id")
        .annotate(
            due=Count("id"),
            closed=Count("id", filter=closed_by_end),
            on_time=Count("id", filter=closed_by_end & Q(closed_at__date__lte=F("deadline"))),
            overdue=Count("id", filter=~closed_by_end & Q(deadline__lt=end)),
        )
        .order_by()
    }
    repeated = (
        findings.filter(created_at__date__gte=start, created_at__date__lte=end, point__isnull=False)
        .values("responsible_unit_id", "point_id", "category_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by()
    )
    for r in repeated:
        if r["responsible_unit_id"] in rows:
            rows[r["responsible_unit_id"]]["repeats"] += r["n"] - 1
    return list(rows.values())


def ranking_compute(*, user, start: dt.date, end: dt.date) -> Ranking:
    """Compute a draft 红黑榜 of the user's office for [start, end] (office admins)."""
    from wenming.orgs.regions import prefix_of

    scope = get_scope(user)
    if not (scope.is_platform or scope.has_role(Role.OFFICE_ADMIN)):
        raise PermissionDenied("只有文明办管理员可以评定红黑榜")
    if end < start:
        raise ValidationError("截止日期不能早于起始日期")
    if end > local_today():
        raise ValidationError("截止日期不能晚于今天")
    offices = Organisation.objects.filter(kind=OrgKind.OFFICE)
    if not scope.is_platform:
        offices = offices.filter(pk__in=scope.admin_office_ids)
    office = offices.order_by("region_code").first()
    if office is None:
        raise ValidationError("您不属于任何文明办")
    rules = dict(RANKING_RULES)
    rows = [r for r in _ranking_rows(user=user, region_prefix=prefix_of(office.region_code), start=start, end=end) if r["due"] >= rules["min_due"]]
    for r in rows:
        r["score"] = ranking_score(due=r["due"], closed=r["closed"], on_time=r["on_time"], repeats=r["repeats"], rules=rules)
    names = dict(Organisation.objects.filter(pk__in=[r["responsible_unit_id"] for r in rows]).values_list("id", "name"))
    rows.sort(key=lambda r: (-r["score"], r["overdue"], names.get(r["responsible_unit_id"], "")))
    red = [
        r for r in rows if r["score"] >= Decimal(rules["red_min_score"]) and not r["overdue"] and not r["repeats"]
    ][: rules["red_max"]]
    black_candidates = [
        r for r in reversed(rows) if r["score"] < Decimal(rules["black_max_score"]) or r["overdue"] >= rules["black_overdue"]
    ]
    black = black_candidates[: rules["black_max"]]
    red_ids, black_ids = {id(r) for r in red}, {id(r) for r in black}
    with transaction.atomic():
        ranking = Ranking.objects.create(
            office=office, region_code=office.region_code, period_start=start, period_end=end, rules=rules, computed_by=user
        )
        RankingEntry.objects.bulk_create(
            RankingEntry(
                ranking=ranking,
                unit_id=r["responsible_unit_id"],
                position=i,
                score=r["score"],
                due=r["due"],
                closed=r["closed"],
                on_time=r["on_time"],
                overdue=r["overdue"],
                repeats=r["repeats"],
                listed=RankingList.RED if id(r) in red_ids else (RankingList.BLACK if id(r) in black_ids else ""),
            )
            for i, r in enumerate(rows, start=1)
        )
        audit_record(
            action=AuditAction.CREATE,
            obj=ranking,
            after={**snapshot(ranking), "red": len(red), "black": len(black), "units": len(rows)},
        )
    return ranking


def ranking_publish(*, ranking: Ranking, user) -> Ranking:
    """An office admin who reviewed the draft publishes it (then it shows on the public page)."""
    scope = get_scope(user)
    if not (scope.is_platform or (scope.has_role(Role.OFFICE_ADMIN) and any(
        ranking.region_code.startswith(p) for p in scope.admin_prefixes
    ))):
        raise PermissionDenied("只有该文明办的管理员可以发布红黑榜")
    with transaction.atomic():
        locked = Ranking.objects.select_for_update().get(pk=ranking.pk)
        if locked.status == RankingStatus.PUBLISHED:
            raise ValidationError("该红黑榜已发布")
        before = snapshot(locked)
        locked.status, locked.published_by, locked.published_at = RankingStatus.PUBLISHED, user, timezone.now()
        locked.save(update_fields=["status", "published_by", "published_at"])
        audit_record(action=AuditAction.UPDATE, obj=locked, before=before, after=snapshot(locked))
    return locked


def category_seed() -> None:
    """Create the seeded categories and point types that are missing (data migration, demo)."""
    for i, (name, minor, major, severe) in enumerate(CATEGORIES):
        FindingCategory.objects.get_or_create(
            name=name, defaults={"sort_order": i, "days_minor": minor, "days_major": major, "days_severe": severe}
        )
    for i, name in enumerate(POINT_TYPES):
        PointType.objects.get_or_create(name=name, defaults={"sort_order": i})
