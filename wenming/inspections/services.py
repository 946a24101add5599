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
from django.db import IntegrityError, transaction
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
    **{
        (s, A.CLOSE_UNFIXED): Step(S.CLOSED, OFFICE, needs_reason=True, outcome=Outcome.UNFIXED)
        for s in _NOT_CLOSED
    },
    **{(s, A.REASSIGN): Step(S.OPEN, OFFICE, needs_reason=True) for s in _NOT_CLOSED},
    (S.CLOSED, A.REOPEN): Step(S.OPEN, OFFICE, needs_reason=True),
}

# Button order on the finding page.
ACTION_ORDER = [
    A.START,
    A.REQUEST_CLOSURE,
    A.BEGIN_REVIEW,
    A.VERIFY,
    A.REJECT,
    A.REASSIGN,
    A.CLOSE_UNFIXED,
    A.REOPEN,
]

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
                f"“{getattr(photo, 'name', '') or '文件'}”不是照片：只能上传 JPG、PNG 或 WEBP 图片",
                code="type",
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


def may_manage_points(user) -> bool:
    """Who may create, edit and import points: platform and office admins (the import's rule)."""
    return get_scope(user).has_role(Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN)


def point_may_edit(user, point: InspectionPoint) -> bool:
    """May manage points, and the point lies in their subtree (a unit sees its points but does not
    manage them; an office admin who is also a unit's admin elsewhere edits only their subtree's)."""
    return may_manage_points(user) and get_scope(user).covers_region(point.region_code)


def _check_point_scope(*, user, region: Region, responsible_unit: Organisation) -> None:
    """The region and the 包保单位 must be in the user's scope (the import's rule: regions in their
    subtree, units they may see)."""
    from wenming.orgs.access import scoped

    if not may_manage_points(user):
        raise PermissionDenied("只有平台管理员和文明办管理员可以新增或修改点位")
    if not get_scope(user).covers_region(region.code):
        raise ValidationError(f"区划“{region.name}”（{region.code}）不在您的管辖范围内")
    if not scoped(Organisation, user).filter(pk=responsible_unit.pk).exists():
        raise ValidationError(f"包保单位“{responsible_unit.name}”不在您的管辖范围内")


def _point_name(name: str, region: Region, exclude_pk: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError("点位名称不能为空")
    clash = InspectionPoint.objects.filter(region=region, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(f"“{region.name}”已有名为“{name}”的点位")
    return name


def _duplicate_name(region: Region, name: str) -> ValidationError:
    # The unique constraint caught a concurrent save of the same name (the check above passed).
    return ValidationError(f"“{region.name}”已有名为“{name}”的点位")


def point_create(
    *,
    name: str,
    point_type: PointType,
    region: Region,
    responsible_unit: Organisation,
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    is_active: bool = True,
    user=None,
    audit: bool = True,
) -> InspectionPoint:
    """Create a point. With ``user`` (the 新增点位 page): only platform and office admins, with the
    region and the 包保单位 in their scope. Without (the import, which checked every row against the
    importer's scope first; the demo): the caller vouches for the scope."""
    if user is not None:
        _check_point_scope(user=user, region=region, responsible_unit=responsible_unit)
        if not point_type.is_active:
            raise ValidationError(f"点位类型“{point_type.name}”已停用")
    _check_unit(responsible_unit)
    _check_coordinates(latitude, longitude)
    name = _point_name(name, region)
    try:
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
                is_active=is_active,
            )
            if audit:
                audit_record(action=AuditAction.CREATE, obj=point, after=snapshot(point))
    except IntegrityError as exc:
        raise _duplicate_name(region, name) from exc
    return point


def point_update(
    *,
    point: InspectionPoint,
    user,
    name: str,
    point_type: PointType,
    region: Region,
    responsible_unit: Organisation,
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    is_active: bool = True,
) -> InspectionPoint:
    """Edit a point (the 编辑 page): same rules as creating one, and the point must lie in the
    editor's subtree. An unchanged type or 包保单位 that has since been deactivated may stay; a new
    one must be active. Findings already recorded keep their unit and region (a finding is moved by
    转办, not by editing its point); new findings take the point's new 包保单位. Audited before → after."""
    if not point_may_edit(user, point):
        raise PermissionDenied("只有负责该区域的平台管理员或文明办管理员可以修改点位")
    _check_point_scope(user=user, region=region, responsible_unit=responsible_unit)
    _check_coordinates(latitude, longitude)
    name = _point_name(name, region, exclude_pk=point.pk)
    try:
        with transaction.atomic():
            locked = InspectionPoint.objects.select_for_update().get(pk=point.pk)
            if responsible_unit.pk != locked.responsible_unit_id:
                _check_unit(responsible_unit)
            if point_type.pk != locked.point_type_id and not point_type.is_active:
                raise ValidationError(f"点位类型“{point_type.name}”已停用")
            before = snapshot(locked)
            locked.name, locked.point_type, locked.address = name, point_type, address.strip()
            locked.region, locked.region_code = region, region.code
            locked.latitude, locked.longitude = latitude, longitude
            locked.responsible_unit, locked.is_active = responsible_unit, is_active
            locked.save()
            audit_record(action=AuditAction.UPDATE, obj=locked, before=before, after=snapshot(locked))
    except IntegrityError as exc:
        raise _duplicate_name(region, name) from exc
    return locked


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
    candidates = [
        o for o in offices.only("id", "region_code", "name") if region_code.startswith(_prefix(o.region_code))
    ]
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
    stored_photos: Sequence[StoredFile] = (),
    criterion=None,
) -> Finding:
    """挂账: an inspector records a problem. The responsible unit comes from the point's 包保
    assignment unless given; the deadline defaults from the category and severity.
    ``stored_photos`` are photos already stored (a 随手拍's), attached to the first event."""
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
    if criterion is not None:
        from wenming.frameworks.models import Criterion
        from wenming.orgs.access import scoped

        if not scoped(Criterion, user).filter(pk=criterion.pk).exists():
            raise ValidationError("所选测评标准不存在或不可见")
        if (
            inspection is not None
            and inspection.framework_id
            and criterion.framework_id != inspection.framework_id
        ):
            raise ValidationError("所选测评标准不属于该督查活动的测评体系")
        criterion_code = criterion.code
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
            criterion=criterion,
            responsible_unit=unit,
            office=office,
            region_code=region_code,
            status=Status.OPEN,
            deadline=deadline or deadline_default(category=category, severity=severity, start=today),
            assigned_at=now,
            created_by=user,
        )
        stored = _store_photos(photos=photos, finding=finding, user=user, purpose="督查问题照片") + list(
            stored_photos
        )
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
        locked = (
            Finding.objects.select_for_update()
            .select_related("responsible_unit", "office")
            .get(pk=finding.pk)
        )
        step = TRANSITIONS.get((locked.status, action))
        if step is None:
            raise ValidationError(f"问题当前为“{Status(locked.status).label}”，不能执行“{label}”")
        scope = get_scope(user)
        if not _may_take(scope, locked, step):
            if step.side == UNIT:
                raise PermissionDenied(
                    f"只有责任单位“{locked.responsible_unit.name}”的创建办可以执行“{label}”"
                )
            raise PermissionDenied(f"只有负责该区域的文明办督查员或管理员可以执行“{label}”")
        if step.needs_reason and not reason:
            raise ValidationError(f"“{label}”须填写说明")
        if step.needs_photo and not photos:
            raise ValidationError("申请销号须上传至少一张整改后的照片")
        before = _snap(locked)
        now = timezone.now()
        event = FindingEvent(
            finding=locked,
            action=action,
            from_status=locked.status,
            to_status=step.to,
            actor=user,
            reason=reason,
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


# --- ledger export (问题台账导出) -------------------------------------------------------------------

LEDGER_EXPORT_KIND = "inspections.ledger_export"


def finding_export_start(*, user, params: dict[str, str]):
    """Start 问题台账导出: the findings the ledger shows this user with these filters (the ledger's
    query parameters, ``selectors.ledger_params``), as xlsx, in a background job.

    Audited as an export when it is asked for (who, from where, which filters), like
    ``jobs.services.organisation_export_start``; the job page shows how many rows it wrote. The
    job and its file are the starter's own: what they contain depends on the starter's scope."""
    from wenming.inspections.selectors import ledger_query
    from wenming.inspections.tasks import export_findings
    from wenming.jobs.services import job_start
    from wenming.orgs.models import Membership

    title = ledger_query(user=user, params=params).title
    home = (
        Membership.objects.filter(user=user, organisation__isnull=False)
        .select_related("organisation")
        .first()
    )
    with transaction.atomic():
        job = job_start(
            kind=LEDGER_EXPORT_KIND,
            title="导出问题台账" + (f"（{title}）" if title != "问题台账" else ""),
            user=user,
            task=export_findings,
            params={"filters": params},
        )
        audit_record(
            action=AuditAction.EXPORT,
            obj=job,
            object_repr="问题台账",
            changes={"filters": [None, params]},
            region_code=home.organisation.region_code if home else "",
            org_id=home.organisation_id if home else None,
        )
    return job


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

    qs = InspectionPoint.objects.filter(
        is_active=True, region_code__startswith=prefix_of(inspection.region_code)
    )
    type_ids = list(inspection.point_types.values_list("id", flat=True))
    if type_ids:
        qs = qs.filter(point_type_id__in=type_ids)
    return list(qs.values_list("id", flat=True))


@dataclass(frozen=True)
class _Draw:
    """What a random draw picks (points or units) and where it keeps its seed, pool size and targets."""

    noun: str
    seed_field: str
    pool_field: str
    targets: str  # the Inspection's related name of the drawn targets
    audit_key: str
    already: str  # the message when the inspection was drawn before
    empty: str  # the message when the pool is empty


_POINTS = _Draw("点位", "sample_seed", "sample_pool", "targets", "sample",
                "该督查活动已抽取或选定点位，不能重复抽取", "督查范围内没有符合条件的点位")  # fmt: skip
_UNITS = _Draw("单位", "unit_sample_seed", "unit_sample_pool", "unit_targets", "units",
               "该督查活动已抽取单位，不能重复抽取", "督查范围内没有单位")  # fmt: skip


def _draw(
    kind: _Draw, *, inspection: Inspection, user, size: int, seed: int | None, pool_of, target_of
) -> list:
    """The one drawing procedure: checks, the pool, ``sample_points`` with a stored seed (random
    when not given), the targets in drawn order, one audit entry. Drawn once per kind."""
    scope = get_scope(user)
    if not (may_plan_inspections(user) and scope.covers_region(inspection.region_code)):
        raise PermissionDenied(f"只有负责该区域的文明办督查员或管理员可以抽取{kind.noun}")
    if size < 1:
        raise ValidationError("抽取数量至少为 1")
    if seed is not None and not 0 <= seed < 2**62:
        raise ValidationError("抽样种子须为非负整数")
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if getattr(locked, kind.seed_field) is not None or getattr(locked, kind.targets).exists():
            raise ValidationError(kind.already)
        pool = pool_of(inspection=locked)
        if not pool:
            raise ValidationError(kind.empty)
        seed = secrets.randbelow(2**31) if seed is None else seed
        chosen = sample_points(pool=pool, size=size, seed=seed)
        before = snapshot(locked)
        setattr(locked, kind.seed_field, seed)
        setattr(locked, kind.pool_field, len(pool))
        locked.save(update_fields=[kind.seed_field, kind.pool_field])
        targets = [target_of(locked, pk, i) for i, pk in enumerate(chosen, start=1)]
        targets = type(targets[0]).objects.bulk_create(targets)
        audit_record(
            action=AuditAction.UPDATE,
            obj=locked,
            before=before,
            after={**snapshot(locked), kind.audit_key: chosen},
        )
    setattr(inspection, kind.seed_field, seed)
    setattr(inspection, kind.pool_field, len(pool))
    return targets


def inspection_draw_sample(
    *, inspection: Inspection, user, size: int, seed: int | None = None
) -> list[InspectionTarget]:
    """随机抽查: draw ``size`` points from the pool with a stored seed (random when not given).
    An inspection is drawn once; the seed and pool size are shown so the draw can be checked."""
    return _draw(
        _POINTS, inspection=inspection, user=user, size=size, seed=seed, pool_of=inspection_pool,
        target_of=lambda locked, pk, i: InspectionTarget(inspection=locked, point_id=pk, position=i),
    )  # fmt: skip


def inspection_unit_pool(*, inspection: Inspection) -> list[int]:
    """The candidate units of an inspection: active units in its region."""
    from wenming.orgs.regions import prefix_of

    return list(
        Organisation.objects.filter(
            kind=OrgKind.UNIT, is_active=True, region_code__startswith=prefix_of(inspection.region_code)
        ).values_list("id", flat=True)
    )


def inspection_draw_units(*, inspection: Inspection, user, size: int, seed: int | None = None) -> list:
    """随机抽查单位: draw ``size`` units of the inspection's region with a stored seed (random when
    not given), by the same pure ``sample_points`` (sorted ids, ``random.Random(seed).sample``): the
    seed and pool size shown on the page let anyone redo the draw. Drawn once; audited."""
    from wenming.inspections.models import InspectionUnitTarget

    return _draw(
        _UNITS, inspection=inspection, user=user, size=size, seed=seed, pool_of=inspection_unit_pool,
        target_of=lambda locked, pk, i: InspectionUnitTarget(inspection=locked, unit_id=pk, position=i),
    )  # fmt: skip


def inspection_is_finished(inspection: Inspection, today: dt.date | None = None) -> bool:
    """An inspection is finished once its end date has passed."""
    return inspection.end_date < (today or local_today())


def inspection_update(
    *,
    inspection: Inspection,
    user,
    title: str,
    start_date: dt.date,
    end_date: dt.date,
    region: Region,
    inspectors: Sequence = (),
    point_types: Sequence[PointType] = (),
    categories: Sequence[FindingCategory] = (),
    notes: str = "",
) -> Inspection:
    """Edit an inspection while it is not finished (its end date not passed): title, dates,
    inspectors and scope (region, point types, 专项整治 categories), notes. The scope is fixed
    once points or units were drawn (the draw's pool depends on it) or findings were recorded in it
    (they must lie in its region). Audited before → after."""
    scope = get_scope(user)
    if not (may_plan_inspections(user) and scope.covers_region(inspection.region_code)):
        raise PermissionDenied("只有负责该区域的文明办督查员或管理员可以修改督查活动")
    if not scope.covers_region(region.code):
        raise PermissionDenied("督查范围不在您的辖区内")
    if not title.strip():
        raise ValidationError("请填写督查名称")
    if end_date < start_date:
        raise ValidationError("结束日期不能早于开始日期")
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if inspection_is_finished(locked):
            raise ValidationError("督查活动已结束（结束日期已过），不能再修改")
        if end_date < local_today():
            raise ValidationError("结束日期不能早于今天：已结束的督查活动不能修改")
        old_types = sorted(locked.point_types.values_list("id", flat=True))
        scope_changed = region.pk != locked.region_id or sorted(t.pk for t in point_types) != old_types
        if scope_changed:
            if locked.sample_seed is not None or locked.targets.exists() or locked.unit_targets.exists():
                raise ValidationError("已抽取或选定点位、单位，不能再修改督查范围和点位类型")
            if Finding.objects.filter(inspection=locked).exists():
                raise ValidationError("已记录问题，不能再修改督查范围和点位类型")

        def state(obj):
            return {
                **snapshot(obj),
                "inspectors": sorted(obj.inspectors.values_list("id", flat=True)),
                "point_types": sorted(obj.point_types.values_list("id", flat=True)),
                "categories": sorted(obj.categories.values_list("id", flat=True)),
            }

        before = state(locked)
        locked.title, locked.start_date, locked.end_date = title.strip(), start_date, end_date
        locked.region, locked.region_code, locked.notes = region, region.code, notes.strip()
        locked.save(update_fields=["title", "start_date", "end_date", "region", "region_code", "notes"])
        locked.inspectors.set(inspectors)
        locked.point_types.set(point_types)
        locked.categories.set(categories)
        after = state(locked)
        audit_record(action=AuditAction.UPDATE, obj=locked, before=before, after=after)
    return locked


# --- 督办函 (supervision letters) -------------------------------------------------------------------

# Escalation: the n-th letter about the same unfinished findings uses the n-th level (the last level
# repeats). (title, days the unit has to reply). The defaults when no EscalationLevel rows are
# configured (settings page /inspections/letters/levels/: an office's own rows, else the platform's).
ESCALATION_LEVELS: list[tuple[str, int]] = [
    ("关于督促整改逾期问题的函", 5),
    ("关于再次督促整改逾期问题的函", 3),
    ("关于逾期问题整改约谈的通知", 2),
]


def escalation_levels(office: Organisation | None) -> list[tuple[str, int]]:
    """The levels that apply to the office's letters: its own rows, else the platform default
    rows (office empty), else :data:`ESCALATION_LEVELS`."""
    from wenming.inspections.models import EscalationLevel

    rows = list(EscalationLevel.objects.filter(office=office).order_by("level")) if office else []
    if not rows:
        rows = list(EscalationLevel.objects.filter(office__isnull=True).order_by("level"))
    return [(r.title, r.reply_days) for r in rows] or list(ESCALATION_LEVELS)


def escalation_levels_save(*, user, office: Organisation | None, levels: Sequence[tuple[str, int]]) -> None:
    """Replace the office's levels (``office=None``: the platform default, platform admins only)."""
    from wenming.inspections.models import EscalationLevel

    scope = get_scope(user)
    if office is None:
        if not scope.is_platform:
            raise PermissionDenied("只有平台管理员可以修改默认督办级别")
    elif not (scope.is_platform or office.pk in scope.admin_office_ids):
        raise PermissionDenied("只有该文明办的管理员可以修改督办级别")
    levels = [(t.strip(), int(d)) for t, d in levels if t.strip()]
    if not levels:
        raise ValidationError("至少设置一个督办级别")
    if any(not 1 <= d <= 90 for _, d in levels):
        raise ValidationError("回复期限须在 1 到 90 天之间")
    with transaction.atomic():
        before = escalation_levels(office)
        EscalationLevel.objects.filter(office=office).delete()
        EscalationLevel.objects.bulk_create(
            EscalationLevel(office=office, level=i, title=t[:100], reply_days=d)
            for i, (t, d) in enumerate(levels, start=1)
        )
        audit_record(
            action=AuditAction.UPDATE,
            object_type="inspections.escalationlevel",
            object_repr=f"督办级别：{office.name if office else '平台默认'}",
            changes={"levels": [before, levels]},
            region_code=office.region_code if office else "",
            org_id=office.pk if office else None,
        )


def _letter_create(
    *, office: Organisation, unit: Organisation, findings: list[Finding], user, today: dt.date
) -> SupervisionLetter:
    """Number, write and store one letter (inside the caller's transaction)."""
    from django.core.files.base import ContentFile

    from wenming.inspections.documents import chinese_date, supervision_letter_docx

    # Lock the office row: numbers are handed out one at a time per office.
    Organisation.objects.select_for_update().filter(pk=office.pk).first()
    last = SupervisionLetter.objects.filter(office=office, year=today.year).order_by("-seq").first()
    seq = (last.seq if last else 0) + 1
    levels = escalation_levels(office)
    earlier = SupervisionLetter.objects.filter(unit=unit, findings__in=findings).order_by("-level").first()
    level = min((earlier.level if earlier else 0) + 1, len(levels))
    title, reply_days = levels[level - 1]
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
        upload=ContentFile(data, name=f"督办函{number}{unit.name}.docx"),
        organisation=office,
        user=user,
        purpose="督办函",
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


def letter_issue(*, user, unit: Organisation) -> SupervisionLetter:
    """督办: a letter to ``unit`` listing its overdue findings the user's office can see, numbered
    〔年份〕第N期 per issuing office and year, at the next escalation level, generated as .docx."""
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
        return _letter_create(office=office, unit=unit, findings=findings, user=user, today=today)


def letter_reply(*, letter: SupervisionLetter, user, text: str, upload=None) -> SupervisionLetter:
    """The addressed unit's written reply (text, and optionally a document), once."""
    scope = get_scope(user)
    if letter.unit_id not in scope.admin_unit_ids:
        raise PermissionDenied("只有受函单位的创建办可以回复督办函")
    text = text.strip()
    if not text:
        raise ValidationError("请填写回复内容")
    with transaction.atomic():
        locked = SupervisionLetter.objects.select_for_update().get(pk=letter.pk)
        if locked.replied_at is not None:
            raise ValidationError("该督办函已回复")
        before = snapshot(locked)
        if upload is not None:
            locked.reply_file = file_store(
                upload=upload, organisation=locked.unit, user=user, purpose="督办函回复"
            )
        locked.reply_text, locked.replied_at, locked.replied_by = text[:5000], timezone.now(), user
        locked.save(update_fields=["reply_text", "reply_file", "replied_at", "replied_by"])
        audit_record(action=AuditAction.UPDATE, obj=locked, before=before, after=snapshot(locked))
    return locked


def letters_escalate(*, today: dt.date | None = None) -> dict:
    """Automatic escalation (run daily by cron: ``manage.py inspections_escalate``). Every letter
    whose reply deadline has passed without a reply and that was not handled before is handled
    once: if findings it listed are still overdue with the same unit, the next level's letter is
    issued for them (by the same office, as the system); otherwise it is only marked. Idempotent:
    a second run the same day (or any later day) issues nothing for the same letters."""
    from wenming.inspections.selectors import overdue_q

    today = today or local_today()
    done = {"checked": 0, "issued": 0, "resolved": 0}
    due = list(
        SupervisionLetter.objects.filter(
            replied_at__isnull=True, escalated_at__isnull=True, reply_deadline__lt=today
        )
        .order_by("reply_deadline", "id")
        .values_list("pk", flat=True)
    )
    for pk in due:
        with transaction.atomic():
            letter = (
                SupervisionLetter.objects.select_for_update()
                .select_related("office", "unit")
                .filter(pk=pk, replied_at__isnull=True, escalated_at__isnull=True)
                .first()
            )
            if letter is None:  # replied or handled meanwhile
                continue
            done["checked"] += 1
            findings = list(
                letter.findings.filter(overdue_q(today), responsible_unit=letter.unit_id)
                .select_related("category", "point")
                .order_by("deadline", "id")
            )
            before = snapshot(letter)
            if findings:
                nxt = _letter_create(
                    office=letter.office, unit=letter.unit, findings=findings, user=None, today=today
                )
                letter.escalated_to = nxt
                letter.escalation_note = f"逾期未回复，已自动升级为{nxt.title}{nxt.number}"
                done["issued"] += 1
            else:
                letter.escalation_note = "逾期未回复；所列问题已整改或转办，未升级"
                done["resolved"] += 1
            letter.escalated_at = timezone.now()
            letter.save(update_fields=["escalated_at", "escalated_to", "escalation_note"])
            audit_record(action=AuditAction.UPDATE, obj=letter, before=before, after=snapshot(letter))
    return done


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


def bulletin_issue(*, user, start: dt.date, end: dt.date, office: Organisation | None = None) -> Bulletin:
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
    if office is not None:  # a draft's office (the caller checked the user runs it)
        office = admin_offices.filter(pk=office.pk).first()
    else:
        office = admin_offices.order_by("region_code").first()  # the widest office the user runs
    if office is None:
        raise ValidationError("您不属于任何文明办")
    figures = bulletin_figures(user=user, region_prefix=prefix_of(office.region_code), start=start, end=end)
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=office.pk).first()
        last = Bulletin.objects.filter(office=office, year=today.year).order_by("-seq").first()
        seq = (last.seq if last else 0) + 1
        number = f"〔{today.year}〕第{seq}期"
        data = bulletin_docx(
            office_name=office.name, number=number, start=start, end=end, figures=figures, issued_on=today
        )
        document = file_store(
            upload=ContentFile(data, name=f"督查通报{number}.docx"),
            organisation=office,
            user=user,
            purpose="督查通报",
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


def _previous_month(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def bulletin_drafts_prepare(*, today: dt.date | None = None) -> int:
    """The scheduler's monthly 通报 draft: for every active office, the figures of the previous
    calendar month (its region), once — the (office, period) unique constraint makes a second run in
    the same month, or on any later day, add nothing. Returns how many drafts were created."""
    from wenming.inspections.models import BulletinDraft
    from wenming.inspections.selectors import bulletin_figures
    from wenming.orgs.regions import prefix_of

    start, end = _previous_month(today or local_today())
    have = set(
        BulletinDraft.objects.filter(period_start=start, period_end=end).values_list("office_id", flat=True)
    )
    made = 0
    for office in Organisation.objects.filter(kind=OrgKind.OFFICE, is_active=True).order_by("region_code"):
        if office.pk in have:
            continue
        figures = bulletin_figures(
            user=None, region_prefix=prefix_of(office.region_code), start=start, end=end
        )
        with transaction.atomic():
            draft, created = BulletinDraft.objects.get_or_create(
                office=office,
                period_start=start,
                period_end=end,
                defaults={"region_code": office.region_code, "figures": figures},
            )
            if created:
                audit_record(action=AuditAction.CREATE, obj=draft, after=snapshot(draft))
                made += 1
    return made


def bulletin_draft_issue(*, user, draft) -> Bulletin:
    """Issue a draft as a numbered 督查通报 (figures recomputed as of now for its period, so late
    closures are counted as for any bulletin). Office admins of the draft's office."""
    from wenming.inspections.models import BulletinDraft

    scope = get_scope(user)
    if not (scope.is_platform or draft.office_id in scope.admin_office_ids):
        raise PermissionDenied("只有该文明办的管理员可以发布这份通报")
    with transaction.atomic():
        locked = BulletinDraft.objects.select_for_update().get(pk=draft.pk)
        if locked.bulletin_id is not None:
            raise ValidationError("这份草稿已发布为通报")
        bulletin = bulletin_issue(
            user=user, start=locked.period_start, end=locked.period_end, office=locked.office
        )
        locked.bulletin = bulletin
        locked.save(update_fields=["bulletin"])
    return bulletin


def findings_remind(*, today: dt.date | None = None) -> int:
    """The scheduled reminder before the deadline: every unfinished finding due within
    ``selectors.REMIND_DAYS`` gets one 到期提醒 event in its timeline (actor: the system) for its
    current deadline. ``reminded_for`` makes it idempotent: a second run adds nothing; a new
    deadline (reassignment, reopening) gets a new reminder. There is no message channel (SMS, mail)
    yet: the unit sees the reminder in the finding's timeline and the home page's 即将到期 list."""
    from django.db.models import F

    from wenming.inspections.selectors import due_soon_q

    today = today or local_today()
    due = list(
        Finding.objects.filter(due_soon_q(today))
        .exclude(reminded_for=F("deadline"))
        .only("id", "status", "deadline", "region_code", "responsible_unit_id")
    )
    if not due:
        return 0
    with transaction.atomic():
        FindingEvent.objects.bulk_create(
            FindingEvent(
                finding=f,
                action=FindingAction.REMIND,
                from_status=f.status,
                to_status=f.status,
                reason=f"整改期限 {f.deadline:%Y-%m-%d} 即将到期（还有 {(f.deadline - today).days} 天），请按期整改并申请销号",
            )
            for f in due
        )
        Finding.objects.filter(pk__in=[f.pk for f in due]).update(reminded_for=F("deadline"))
        audit_record(
            action=AuditAction.UPDATE,
            object_type="inspections.finding",
            object_repr=f"到期提醒 {len(due)} 个问题",
            changes={"reminded": [None, [f.pk for f in due][:500]]},
        )
    return len(due)


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


@dataclass(frozen=True)
class RuleField:
    key: str
    label: str
    kind: str  # "decimal" (stored as a string, 2 places) or "int"
    low: int | float
    high: int | float
    explain: str


# The rules an office may set, in the order the settings page shows them, with what each one does.
RANKING_RULE_FIELDS: tuple[RuleField, ...] = (
    RuleField(
        "closure_weight",
        "销号率权重",
        "decimal",
        0,
        1,
        "到期问题中已销号（含未整改销号）的比例在得分中的权重。与按期率权重之和必须等于 1，满分才是 100。",
    ),
    RuleField(
        "on_time_weight",
        "按期率权重",
        "decimal",
        0,
        1,
        "到期问题中在整改期限内销号的比例在得分中的权重。加大它，更看重“按时”而不只是“做完”。",
    ),
    RuleField(
        "repeat_penalty",
        "重复问题扣分",
        "decimal",
        0,
        100,
        "同一点位、同一类别在统计期间内再次被发现，每出现一次扣的分数（得分最低为 0）。",
    ),
    RuleField(
        "min_due",
        "参评最少到期问题数",
        "int",
        1,
        1000,
        "统计期间内整改期限到期的问题少于这个数的单位不参加评定，避免一两个问题定名次。",
    ),
    RuleField(
        "red_min_score",
        "红榜最低得分",
        "decimal",
        0,
        100,
        "得分不低于此值，且没有逾期未整改和重复问题的单位才能上红榜。",
    ),
    RuleField("red_max", "红榜名额", "int", 1, 100, "红榜最多列出的单位数，按得分从高到低取。"),
    RuleField(
        "black_max_score",
        "黑榜得分线",
        "decimal",
        0,
        100,
        "得分低于此值的单位进入黑榜候选；不能高于红榜最低得分。",
    ),
    RuleField(
        "black_overdue",
        "黑榜逾期问题数",
        "int",
        1,
        1000,
        "逾期未整改的问题达到这个数的单位，无论得分多少，都进入黑榜候选。",
    ),
    RuleField("black_max", "黑榜名额", "int", 1, 100, "黑榜最多列出的单位数，按得分从低到高取。"),
)


def ranking_rules_clean(raw: dict) -> dict:
    """Parse and check submitted rules (strings); return them in the stored form (decimals as
    strings with two places, counts as ints) or raise ``ValidationError({key: [Chinese message]})``."""
    from decimal import InvalidOperation

    errors: dict[str, str] = {}
    clean: dict = {}
    for f in RANKING_RULE_FIELDS:
        text = str(raw.get(f.key, "")).strip()
        if not text:
            errors[f.key] = f"请填写{f.label}"
            continue
        try:
            value = Decimal(text) if f.kind == "decimal" else int(text)
        except (InvalidOperation, ValueError):
            errors[f.key] = f"{f.label}须为{'数字' if f.kind == 'decimal' else '整数'}"
            continue
        if f.kind == "decimal" and (not value.is_finite() or value != value.quantize(Decimal("0.01"))):
            errors[f.key] = f"{f.label}最多保留两位小数"
            continue
        if not f.low <= value <= f.high:
            errors[f.key] = f"{f.label}须在 {f.low} 到 {f.high} 之间"
            continue
        clean[f.key] = str(value.quantize(Decimal("0.01"))) if f.kind == "decimal" else value
    if "closure_weight" in clean and "on_time_weight" in clean:
        total = Decimal(clean["closure_weight"]) + Decimal(clean["on_time_weight"])
        if total != 1:
            errors["on_time_weight"] = f"销号率权重与按期率权重之和须等于 1（现在是 {total}）"
    if "red_min_score" in clean and "black_max_score" in clean:
        if Decimal(clean["black_max_score"]) > Decimal(clean["red_min_score"]):
            errors["black_max_score"] = "黑榜得分线不能高于红榜最低得分"
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    return clean


def ranking_rules(office: Organisation | None) -> dict:
    """The rules an office's 红黑榜 is computed with: its own, else the platform default, else RANKING_RULES."""
    from wenming.inspections.models import RankingRuleSet

    keys = ([str(office.pk)] if office else []) + ["default"]
    found = {r.key: r.rules for r in RankingRuleSet.objects.filter(key__in=keys)}
    for key in keys:
        if key in found:
            return {**RANKING_RULES, **found[key]}
    return dict(RANKING_RULES)


def ranking_rules_save(*, user, office: Organisation | None, raw: dict) -> dict:
    """Set the office's rules (``office=None``: the platform default, platform admins only). Audited."""
    from wenming.inspections.models import RankingRuleSet

    scope = get_scope(user)
    if office is None:
        if not scope.is_platform:
            raise PermissionDenied("只有平台管理员可以修改默认的红黑榜规则")
    elif not (scope.is_platform or office.pk in scope.admin_office_ids):
        raise PermissionDenied("只有该文明办的管理员可以修改红黑榜规则")
    rules = ranking_rules_clean(raw)
    with transaction.atomic():
        before = ranking_rules(office)
        RankingRuleSet.objects.update_or_create(
            key=str(office.pk) if office else "default",
            defaults={"office": office, "rules": rules, "updated_by": user},
        )
        changed = {k: [before.get(k), v] for k, v in rules.items() if str(before.get(k)) != str(v)}
        audit_record(
            action=AuditAction.UPDATE,
            object_type="inspections.rankingruleset",
            object_repr=f"红黑榜规则：{office.name if office else '平台默认'}",
            changes=changed,
            region_code=office.region_code if office else "",
            org_id=office.pk if office else None,
        )
    return rules


def ranking_score(*, due: int, closed: int, on_time: int, repeats: int, rules: dict) -> Decimal:
    if not due:
        return Decimal("0.00")
    raw = (
        Decimal(100)
        * (
            Decimal(rules["closure_weight"]) * Decimal(closed) / Decimal(due)
            + Decimal(rules["on_time_weight"]) * Decimal(on_time) / Decimal(due)
        )
        - Decimal(rules["repeat_penalty"]) * repeats
    )
    return min(max(raw, Decimal(0)), Decimal(100)).quantize(Decimal("0.01"))


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _ranking_rows(*, user, region_prefix: str, start: dt.date, end: dt.date) -> list[dict]:
    """Per unit, in two grouped queries: due, closed, on time, overdue, repeats."""
    from django.db.models import Count, F, Q

    from wenming.orgs.access import scoped

    findings = scoped(Finding, user).filter(region_code__startswith=region_prefix)
    due = findings.filter(deadline__gte=start, deadline__lte=end)
    # Local-day bounds as datetimes, not ``closed_at__date``: the same days, but comparable on the
    # column itself (SQLite computes ``__date`` in Python for every row: 3 s at 100,000 findings).
    start_at, end_before = _local_midnight(start), _local_midnight(end + dt.timedelta(days=1))
    closed_by_end = Q(status=Status.CLOSED, closed_at__lt=end_before)
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
        findings.filter(created_at__gte=start_at, created_at__lt=end_before, point__isnull=False)
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
    rules = ranking_rules(office)
    rows = [
        r
        for r in _ranking_rows(user=user, region_prefix=prefix_of(office.region_code), start=start, end=end)
        if r["due"] >= rules["min_due"]
    ]
    for r in rows:
        r["score"] = ranking_score(
            due=r["due"], closed=r["closed"], on_time=r["on_time"], repeats=r["repeats"], rules=rules
        )
    names = dict(
        Organisation.objects.filter(pk__in=[r["responsible_unit_id"] for r in rows]).values_list("id", "name")
    )
    rows.sort(key=lambda r: (-r["score"], r["overdue"], names.get(r["responsible_unit_id"], "")))
    red = [
        r
        for r in rows
        if r["score"] >= Decimal(rules["red_min_score"]) and not r["overdue"] and not r["repeats"]
    ][: rules["red_max"]]
    black_candidates = [
        r
        for r in reversed(rows)
        if r["score"] < Decimal(rules["black_max_score"]) or r["overdue"] >= rules["black_overdue"]
    ]
    black = black_candidates[: rules["black_max"]]
    red_ids, black_ids = {id(r) for r in red}, {id(r) for r in black}
    with transaction.atomic():
        ranking = Ranking.objects.create(
            office=office,
            region_code=office.region_code,
            period_start=start,
            period_end=end,
            rules=rules,
            computed_by=user,
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
                listed=RankingList.RED
                if id(r) in red_ids
                else (RankingList.BLACK if id(r) in black_ids else ""),
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
    if not (
        scope.is_platform
        or (
            scope.has_role(Role.OFFICE_ADMIN)
            and any(ranking.region_code.startswith(p) for p in scope.admin_prefixes)
        )
    ):
        raise PermissionDenied("只有该文明办的管理员可以发布红黑榜")
    with transaction.atomic():
        locked = Ranking.objects.select_for_update().get(pk=ranking.pk)
        if locked.status == RankingStatus.PUBLISHED:
            raise ValidationError("该红黑榜已发布")
        before = snapshot(locked)
        locked.status, locked.published_by, locked.published_at = (
            RankingStatus.PUBLISHED,
            user,
            timezone.now(),
        )
        locked.save(update_fields=["status", "published_by", "published_at"])
        audit_record(action=AuditAction.UPDATE, obj=locked, before=before, after=snapshot(locked))
    return locked


def category_seed() -> None:
    """Create the seeded categories and point types that are missing (data migration, demo)."""
    for i, (name, minor, major, severe) in enumerate(CATEGORIES):
        FindingCategory.objects.get_or_create(
            name=name,
            defaults={"sort_order": i, "days_minor": minor, "days_major": major, "days_severe": severe},
        )
    for i, name in enumerate(POINT_TYPES):
        PointType.objects.get_or_create(name=name, defaults={"sort_order": i})


# --- 随手拍 (public reports) ----------------------------------------------------------------------

# Anti-abuse limits for the public form, overridable with the PUBLIC_REPORT_LIMITS setting (a dict
# with any of these keys). Every POST counts against its address; a POST that gives a phone number
# also counts against that number (by its blind index — the number itself is never kept here).
PUBLIC_REPORT_LIMITS: dict = {
    "per_ip": 5,  # submissions from one address …
    "ip_window_minutes": 60,  # … within this many minutes
    "per_phone": 3,  # submissions giving one phone number …
    "phone_window_minutes": 24 * 60,  # … within this many minutes
}
REPORT_MAX_PHOTOS = 3
# The receipt code: 10 characters from 32 that cannot be confused when typed (no 0/O, 1/I/L):
# 50 random bits, shown as two groups of five.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 10


def report_limits() -> dict:
    from django.conf import settings

    return {**PUBLIC_REPORT_LIMITS, **getattr(settings, "PUBLIC_REPORT_LIMITS", {})}


def receipt_new() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def receipt_normalise(text: str) -> str:
    """What a person typed → the stored form: upper case, separators and spaces dropped."""
    import re

    return re.sub(r"[^0-9A-Z]", "", str(text or "").upper())[: RECEIPT_LENGTH + 2]


def report_offices():
    """The offices a reporter may choose (the area of the problem), widest first: the first one is
    the default for a reporter who does not know the county."""
    from wenming.orgs.regions import prefix_of

    offices = list(Organisation.objects.filter(kind=OrgKind.OFFICE, is_active=True).select_related("region"))
    offices.sort(key=lambda o: (len(prefix_of(o.region_code)), o.region_code, o.name))
    return offices


def report_over_limit(*, ip: str | None, phone: str = "") -> str:
    """Record one public submission and say why it is refused ("" when within the limits)."""
    from wenming.inspections.models import PublicReportAttempt
    from wenming.orgs.personal import phone_hash as hash_phone

    limits = report_limits()
    now = timezone.now()
    ip_since = now - dt.timedelta(minutes=limits["ip_window_minutes"])
    phone_since = now - dt.timedelta(minutes=limits["phone_window_minutes"])
    PublicReportAttempt.objects.filter(created_at__lt=min(ip_since, phone_since)).delete()
    hashed = hash_phone(phone) if phone else ""
    PublicReportAttempt.objects.create(ip=ip, phone_hash=hashed)
    if PublicReportAttempt.objects.filter(ip=ip, created_at__gte=ip_since).count() > limits["per_ip"]:
        return "提交过于频繁，请稍后再试"
    if (
        hashed
        and PublicReportAttempt.objects.filter(phone_hash=hashed, created_at__gte=phone_since).count()
        > limits["per_phone"]
    ):
        return "该手机号今日提交次数已达上限，请明天再试"
    return ""


def report_clean_photo(upload):
    """The photo re-encoded from its pixels alone: turned upright by its EXIF orientation, then
    written as a new JPEG (PNG if it has transparency) with no metadata at all — no EXIF, GPS,
    XMP, comments or ICC profile. Anything that is not a decodable image is refused first."""
    import io
    import warnings

    from django.core.files.base import ContentFile
    from PIL import Image, ImageOps

    detected = sniff.detect_head(upload)
    if detected.kind != FileKind.IMAGE:
        raise sniff.UploadRefused(
            f"“{getattr(upload, 'name', '') or '文件'}”不是照片：只能上传 JPG、PNG 或 WEBP 图片", code="type"
        )
    size = getattr(upload, "size", None)
    if size is not None and size > sniff.max_bytes(FileKind.IMAGE):
        raise sniff.refuse_size(FileKind.IMAGE)
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as im:
                im.load()
                upright = ImageOps.exif_transpose(im)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise sniff.UploadRefused("图片像素过多，已拒绝", code="pixels") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise sniff.UploadRefused("图片已损坏或无法识别", code="corrupt") from exc
    alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    mode = "RGBA" if alpha else "RGB"
    clean = Image.new(mode, upright.size)
    clean.paste(upright.convert(mode))
    out = io.BytesIO()
    if alpha:
        clean.save(out, format="PNG", optimize=True)
        name = "随手拍.png"
    else:
        clean.save(out, format="JPEG", quality=88)
        name = "随手拍.jpg"
    return ContentFile(out.getvalue(), name=name)


def report_submit(
    *,
    office: Organisation,
    location_text: str,
    description: str,
    photos: Sequence = (),
    phone: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
):
    """随手拍: store a resident's report (no account). Photos are cleaned of metadata before they
    are stored; the phone is kept encrypted with a blind index and a masked copy. Returns the
    report, whose ``receipt`` the reporter keeps."""
    from django.db import IntegrityError

    from wenming.inspections.models import PublicReport
    from wenming.orgs import personal

    if office.kind != OrgKind.OFFICE or not office.is_active:
        raise ValidationError("请选择问题所在的区域")
    location_text, description = location_text.strip(), description.strip()
    if not location_text:
        raise ValidationError("请填写问题所在的地点")
    if not description:
        raise ValidationError("请描述发现的问题")
    _check_coordinates(latitude, longitude)
    photos = list(photos)
    if not photos:
        raise ValidationError("请至少上传一张现场照片")
    if len(photos) > REPORT_MAX_PHOTOS:
        raise ValidationError(f"最多上传 {REPORT_MAX_PHOTOS} 张照片")
    phone = personal.validate_phone(phone) if phone.strip() else ""
    cleaned = [report_clean_photo(p) for p in photos]  # all refused before anything is stored
    with transaction.atomic():
        stored = [file_store(upload=c, organisation=office, user=None, purpose="随手拍照片") for c in cleaned]
        for _ in range(5):
            try:
                with transaction.atomic():
                    report = PublicReport.objects.create(
                        code=receipt_new(),
                        office=office,
                        region=office.region,
                        region_code=office.region_code,
                        location_text=location_text[:300],
                        latitude=latitude,
                        longitude=longitude,
                        description=description[:2000],
                        phone_enc=personal.encrypt(phone),
                        phone_hash=personal.phone_hash(phone) if phone else "",
                        phone_masked=personal.mask_phone(phone),
                    )
                break
            except IntegrityError:  # the same code drawn twice (1 in 2^50): draw again
                continue
        else:
            raise ValidationError("系统繁忙，请重试")
        report.photos.set(stored)
        audit_record(
            action=AuditAction.CREATE,
            obj=report,
            after={**_report_snap(report), "photos": [s.pk for s in stored]},
        )
    return report


def _report_snap(report) -> dict:
    """The audit snapshot of a report without the receipt code (it opens the public page) and
    without the phone in any form but the masked one."""
    return {k: v for k, v in snapshot(report).items() if k not in ("phone_enc", "phone_hash", "code")}


def may_triage(user, report) -> bool:
    scope = get_scope(user)
    return scope.is_platform or (scope.has_role(*OFFICE_ROLES) and scope.covers_region(report.region_code))


def _locked_pending(report, user):
    from wenming.inspections.models import PublicReport, ReportStatus

    if not may_triage(user, report):
        raise PermissionDenied("只有该区域的文明办督查员或管理员可以处理随手拍")
    locked = PublicReport.objects.select_for_update().get(pk=report.pk)
    if locked.status != ReportStatus.PENDING:
        raise ValidationError(f"该随手拍已{locked.get_status_display()}，不能重复处理")
    return locked


def report_accept(
    *,
    report,
    user,
    category: FindingCategory,
    severity: str,
    point: InspectionPoint | None = None,
    responsible_unit: Organisation | None = None,
    location_text: str = "",
    description: str = "",
):
    """受理: the report becomes a finding on the ledger, routed like any other (category, severity,
    point or unit → 包保单位, default deadline), with the report's cleaned photos and position."""
    from wenming.inspections.models import ReportStatus

    with transaction.atomic():
        locked = _locked_pending(report, user)
        before = _report_snap(locked)
        finding = finding_create(
            user=user,
            category=category,
            severity=severity,
            point=point,
            responsible_unit=responsible_unit,
            location_text=location_text or locked.location_text,
            description=description or f"随手拍 {locked.receipt}：{locked.description}",
            latitude=locked.latitude,
            longitude=locked.longitude,
            stored_photos=list(locked.photos.all()),
        )
        locked.status, locked.finding = ReportStatus.ACCEPTED, finding
        locked.triaged_by, locked.triaged_at = user, timezone.now()
        locked.save(update_fields=["status", "finding", "triaged_by", "triaged_at"])
        audit_record(action=AuditAction.UPDATE, obj=locked, before=before, after=_report_snap(locked))
    return locked


def report_reject(*, report, user, reason: str):
    """不予受理, with the reason the reporter reads on the status page."""
    from wenming.inspections.models import ReportStatus

    reason = reason.strip()
    if not reason:
        raise ValidationError("请填写不予受理的理由（举报人可以看到）")
    with transaction.atomic():
        locked = _locked_pending(report, user)
        before = _report_snap(locked)
        locked.status, locked.reject_reason = ReportStatus.REJECTED, reason[:1000]
        locked.triaged_by, locked.triaged_at = user, timezone.now()
        locked.save(update_fields=["status", "reject_reason", "triaged_by", "triaged_at"])
        audit_record(action=AuditAction.UPDATE, obj=locked, before=before, after=_report_snap(locked))
    return locked


# --- 模拟测评 (mock assessment) --------------------------------------------------------------------

# How a result counts against a criterion's possible points (its score in the framework, or 1 when
# the framework gives none): met = all, partly = half, not met = none — unless an explicit score is
# recorded, which then counts as it is (0 ≤ score ≤ possible).
RESULT_SHARE = {"met": Decimal(1), "partly": Decimal("0.5"), "not_met": Decimal(0)}


def observation_points(*, criterion, result: str, score: Decimal | None = None) -> tuple[Decimal, Decimal]:
    """(possible, achieved) of one observation. 得分率 = Σ achieved / Σ possible over any group."""
    possible = criterion.score if criterion.score is not None and criterion.score > 0 else Decimal(1)
    if result not in RESULT_SHARE:
        raise ValidationError("请选择测评结果")
    if score is not None:
        if not 0 <= score <= possible:
            raise ValidationError(f"“{criterion.code}”的得分须在 0 到 {possible} 之间")
        return possible, score
    return possible, (possible * RESULT_SHARE[result]).quantize(Decimal("0.01"))


def inspection_set_framework(*, inspection: Inspection, user, framework) -> Inspection:
    """Choose the framework a 模拟测评 observes against (before any observation is recorded)."""
    from wenming.frameworks.models import Framework, FrameworkStatus
    from wenming.orgs.access import scoped

    scope = get_scope(user)
    if not (may_plan_inspections(user) and scope.covers_region(inspection.region_code)):
        raise PermissionDenied("只有负责该区域的文明办督查员或管理员可以设置测评体系")
    if inspection.kind != "mock":
        raise ValidationError("只有模拟测评需要选择测评体系")
    if (
        not scoped(Framework, user)
        .filter(pk=framework.pk, status__in=[FrameworkStatus.PUBLISHED, FrameworkStatus.FROZEN])
        .exists()
    ):
        raise ValidationError("请选择已发布的测评体系")
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if locked.observations.exists():
            raise ValidationError("已有测评记录，不能更换测评体系")
        before = snapshot(locked)
        locked.framework = framework
        locked.save(update_fields=["framework"])
        audit_record(action=AuditAction.UPDATE, obj=locked, before=before, after=snapshot(locked))
    return locked


def leaf_criteria(framework):
    """The criteria observed in the field: those without children, in tree order."""
    from wenming.frameworks.models import Criterion

    parents = Criterion.objects.filter(framework=framework, parent__isnull=False).values("parent_id")
    return Criterion.objects.filter(framework=framework).exclude(pk__in=parents).order_by("code", "pk")


def observations_save(*, inspection: Inspection, point: InspectionPoint, user, rows: Sequence[dict]) -> int:
    """Record (or change) a point's observations in one go. ``rows``: dicts with ``criterion``,
    ``result`` ("" = not observed: an existing observation is removed), optional ``score`` and
    ``note``. One audit entry for the point. Returns how many observations the point now has."""
    from wenming.inspections.models import InspectionKind, Observation

    scope = get_scope(user)
    if not (may_plan_inspections(user) and scope.covers_region(inspection.region_code)):
        raise PermissionDenied("只有负责该区域的文明办督查员或管理员可以记录测评")
    if inspection.kind != InspectionKind.MOCK or inspection.framework_id is None:
        raise ValidationError("只有已选择测评体系的模拟测评可以记录测评结果")
    if not inspection.targets.filter(point=point).exists():
        raise ValidationError("该点位不在本次模拟测评的点位中")
    leaf_ids = set(leaf_criteria(inspection.framework_id).values_list("pk", flat=True))
    prepared, removed = [], []
    for row in rows:
        criterion = row["criterion"]
        if criterion.pk not in leaf_ids:
            raise ValidationError(f"“{criterion.code}”不是本测评体系的末级测评标准")
        if not row.get("result"):
            removed.append(criterion.pk)
            continue
        possible, achieved = observation_points(
            criterion=criterion, result=row["result"], score=row.get("score")
        )
        prepared.append(
            (
                criterion,
                row["result"],
                row.get("score"),
                possible,
                achieved,
                (row.get("note") or "").strip()[:300],
            )
        )
    with transaction.atomic():
        Observation.objects.filter(inspection=inspection, point=point, criterion_id__in=removed).delete()
        existing = {
            o.criterion_id: o
            for o in Observation.objects.select_for_update().filter(inspection=inspection, point=point)
        }
        for criterion, result, score, possible, achieved, note in prepared:
            obs = existing.get(criterion.pk) or Observation(
                inspection=inspection, point=point, criterion=criterion
            )
            obs.result, obs.score, obs.possible, obs.achieved, obs.note = (
                result,
                score,
                possible,
                achieved,
                note,
            )
            obs.region_code, obs.unit_id, obs.point_type_id = (
                point.region_code,
                point.responsible_unit_id,
                point.point_type_id,
            )
            obs.recorded_by = user
            obs.save()
        audit_record(
            action=AuditAction.UPDATE,
            obj=inspection,
            object_repr=f"模拟测评记录：{inspection.title} · {point.name}"[:200],
            changes={"point": point.pk, "recorded": {c.code: r for c, r, *_ in prepared}, "removed": removed},
        )
    return Observation.objects.filter(inspection=inspection, point=point).count()


# --- settings: point types and finding categories -------------------------------------------------


def may_configure_lists(user) -> bool:
    """Point types and categories are platform-wide lists: platform and office admins edit them."""
    scope = get_scope(user)
    return scope.is_platform or scope.has_role(Role.OFFICE_ADMIN)


def _list_save(*, user, model, pk: int | None, name: str, fields: dict):
    if not may_configure_lists(user):
        raise PermissionDenied("只有平台管理员或文明办管理员可以修改")
    name = name.strip()
    if not name:
        raise ValidationError("名称不能为空")
    if model.objects.filter(name=name).exclude(pk=pk).exists():
        raise ValidationError(f"已有名为“{name}”的{model._meta.verbose_name}")
    with transaction.atomic():
        obj = model.objects.select_for_update().get(pk=pk) if pk else model()
        before = snapshot(obj) if pk else None
        obj.name = name[:50]
        for key, value in fields.items():
            setattr(obj, key, value)
        obj.save()
        audit_record(
            action=AuditAction.UPDATE if pk else AuditAction.CREATE,
            obj=obj,
            before=before,
            after=snapshot(obj),
        )
    return obj


def point_type_save(
    *, user, pk: int | None = None, name: str, sort_order: int = 0, is_active: bool = True
) -> PointType:
    return _list_save(
        user=user,
        model=PointType,
        pk=pk,
        name=name,
        fields={"sort_order": sort_order, "is_active": is_active},
    )


def category_save(
    *,
    user,
    pk: int | None = None,
    name: str,
    days_minor: int,
    days_major: int,
    days_severe: int,
    sort_order: int = 0,
    is_active: bool = True,
) -> FindingCategory:
    if min(days_minor, days_major, days_severe) < 1 or max(days_minor, days_major, days_severe) > 365:
        raise ValidationError("整改期限须在 1 到 365 天之间")
    return _list_save(
        user=user,
        model=FindingCategory,
        pk=pk,
        name=name,
        fields={
            "days_minor": days_minor,
            "days_major": days_major,
            "days_severe": days_severe,
            "sort_order": sort_order,
            "is_active": is_active,
        },
    )


def report_reveal_phone(*, report, user) -> str:
    """The reporter's full number, for a call-back: office staff who may triage the report only,
    audited (VIEW_SENSITIVE) every time."""
    from wenming.orgs import personal

    if not may_triage(user, report):
        raise PermissionDenied("只有该区域的文明办督查员或管理员可以查看举报人的完整手机号")
    if not report.phone_enc:
        raise ValidationError("举报人未留手机号")
    with transaction.atomic():
        audit_record(
            action=AuditAction.VIEW_SENSITIVE,
            obj=report,
            object_repr=f"随手拍举报人手机号（{report.phone_masked}）",
            changes={"字段": [None, "联系电话"]},
        )
    return personal.decrypt(report.phone_enc)
