"""Writes for projects, activities, sign-ups, check-in and the hours ledger (issue 5 items 3–5).

Every write is audited inside its transaction. Who may call what is checked by the views through
:mod:`wenming.volunteers.selectors` (``may_manage_vorg`` for running activities, ``is_org_admin``
for writing hours — only the organising organisation records: 谁组织谁记录). Check-in rules
(token, window, rounding, cap) are in :mod:`wenming.volunteers.checkin`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.volunteers import checkin
from wenming.volunteers.models import (
    SIGNUP_ACTIVE,
    Activity,
    ActivityMessage,
    Attendance,
    CorrectionRequest,
    CorrectionStatus,
    PointsEntry,
    PublishStatus,
    RecordSource,
    ServiceRecord,
    Signup,
    SignupStatus,
    Volunteer,
    VolunteerOrg,
    VolunteerProject,
)

MAX_HOURS_PER_RECORD = Decimal("24")


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError("时长须为数字（小时）") from exc
    return hours


# --- Projects and activities ----------------------------------------------------------------


def project_create(
    *, org: VolunteerOrg, name: str, user, service_area: str = "", description: str = ""
) -> VolunteerProject:
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写项目名称")
    with transaction.atomic():
        project = VolunteerProject.objects.create(
            org=org, name=name, service_area=service_area, description=description, created_by=user
        )
        audit_record(action=Action.CREATE, obj=project, after=snapshot(project))
    return project


def activity_create(
    *,
    project: VolunteerProject,
    title: str,
    place: str,
    start: dt.datetime,
    end: dt.datetime,
    capacity: int,
    signup_deadline: dt.datetime | None = None,
    user=None,
    description: str = "",
    required_skills: str = "",
    insurance_note: str = "",
    needs_confirmation: bool = True,
) -> Activity:
    if end <= start:
        raise ValidationError("结束时间须晚于开始时间")
    if capacity < 1:
        raise ValidationError("招募人数至少为 1")
    signup_deadline = signup_deadline or start
    if signup_deadline > end:
        raise ValidationError("报名截止时间不能晚于活动结束时间")
    with transaction.atomic():
        activity = Activity.objects.create(
            project=project,
            org_id=project.org_id,
            title=title.strip(),
            description=description,
            place=place.strip(),
            start=start,
            end=end,
            capacity=capacity,
            signup_deadline=signup_deadline,
            required_skills=required_skills,
            insurance_note=insurance_note,
            needs_confirmation=needs_confirmation,
            checkin_key=secrets.token_hex(16),
            created_by=user,
        )
        audit_record(
            action=Action.CREATE, obj=activity, after=snapshot(activity, fields=ACTIVITY_AUDIT_FIELDS)
        )
    return activity


ACTIVITY_AUDIT_FIELDS = [
    "project",
    "org",
    "title",
    "place",
    "start",
    "end",
    "capacity",
    "signup_deadline",
    "required_skills",
    "insurance_note",
    "needs_confirmation",
    "status",
    "closed_at",
]  # fmt: skip  (never the check-in key)


# --- Sign-up, waitlist, confirmation --------------------------------------------------------


class OverlapWarning(ValidationError):
    """The volunteer already holds an active sign-up for an activity at an overlapping time;
    they may sign up anyway after seeing the warning (``accept_overlap=True``)."""

    def __init__(self, overlapping: list[Activity]):
        names = "、".join(f"“{a.title}”（{timezone.localtime(a.start):%m-%d %H:%M}）" for a in overlapping)
        super().__init__(f"与您已报名的活动时间冲突：{names}。确认仍要报名吗？")
        self.overlapping = overlapping


def overlapping_activities(*, volunteer: Volunteer, activity: Activity) -> list[Activity]:
    return list(
        Activity.objects.filter(
            signups__volunteer=volunteer,
            signups__status__in=SIGNUP_ACTIVE,
            status=PublishStatus.PUBLISHED,  # a cancelled activity keeps its sign-ups, not its time
            start__lt=activity.end,
            end__gt=activity.start,
        )
        .exclude(pk=activity.pk)
        .distinct()
        .order_by("start")
    )


def _places_taken(activity: Activity) -> int:
    return Signup.objects.filter(
        activity=activity, status__in=(SignupStatus.PENDING, SignupStatus.CONFIRMED)
    ).count()


def _admitted_status(activity: Activity) -> str:
    return SignupStatus.PENDING if activity.needs_confirmation else SignupStatus.CONFIRMED


def signup_create(
    *, volunteer: Volunteer, activity: Activity, accept_overlap: bool = False, now=None
) -> Signup:
    """Sign up: a place (pending, or confirmed when the activity needs no confirmation) while
    pending + confirmed < capacity, else the waitlist. Overlapping active sign-ups raise
    :class:`OverlapWarning` unless ``accept_overlap``."""
    now = now or timezone.now()
    if activity.status != PublishStatus.PUBLISHED:
        raise ValidationError("该活动未开放报名")
    if now > activity.signup_deadline:
        raise ValidationError("报名已截止")
    if Signup.objects.filter(activity=activity, volunteer=volunteer, status__in=SIGNUP_ACTIVE).exists():
        raise ValidationError("您已报名该活动")
    overlapping = overlapping_activities(volunteer=volunteer, activity=activity)
    if overlapping and not accept_overlap:
        raise OverlapWarning(overlapping)
    with transaction.atomic():
        Activity.objects.select_for_update().filter(pk=activity.pk).first()  # serialise places per activity
        status = (
            _admitted_status(activity)
            if _places_taken(activity) < activity.capacity
            else SignupStatus.WAITLISTED
        )
        try:
            with transaction.atomic():
                signup = Signup.objects.create(
                    activity=activity, volunteer=volunteer, status=status, overlap_warned=bool(overlapping)
                )
        except IntegrityError as exc:
            raise ValidationError("您已报名该活动") from exc
        audit_record(action=Action.CREATE, obj=signup, after=snapshot(signup))
    return signup


def _promote(activity: Activity) -> Signup | None:
    """Fill a freed place with the first on the waitlist (caller holds the activity lock)."""
    if _places_taken(activity) >= activity.capacity:
        return None
    first = (
        Signup.objects.filter(activity=activity, status=SignupStatus.WAITLISTED)
        .order_by("created_at", "id")
        .first()
    )
    if first is None:
        return None
    before = snapshot(first)
    first.status = _admitted_status(activity)
    first.note = "候补递补"
    first.save(update_fields=["status", "note"])
    audit_record(action=Action.UPDATE, obj=first, before=before, after=snapshot(first))
    return first


def signup_cancel(*, signup: Signup, now=None) -> Signup:
    """The volunteer cancels (before the activity starts); the first waitlisted one moves up."""
    now = now or timezone.now()
    if signup.status not in SIGNUP_ACTIVE:
        raise ValidationError("该报名已取消或未通过")
    if now >= signup.activity.start:
        raise ValidationError("活动已开始，不能取消报名，请联系组织方")
    with transaction.atomic():
        Activity.objects.select_for_update().filter(pk=signup.activity_id).first()
        before = snapshot(signup)
        signup.status = SignupStatus.CANCELLED
        signup.cancelled_at = now
        signup.save(update_fields=["status", "cancelled_at"])
        audit_record(action=Action.UPDATE, obj=signup, before=before, after=snapshot(signup))
        _promote(signup.activity)
    return signup


def signup_decide(*, signup: Signup, approve: bool, user, note: str = "") -> Signup:
    """The organiser confirms or rejects a pending sign-up (a rejection frees the place)."""
    if signup.status != SignupStatus.PENDING:
        raise ValidationError("该报名不是待确认状态")
    with transaction.atomic():
        Activity.objects.select_for_update().filter(pk=signup.activity_id).first()
        before = snapshot(signup)
        signup.status = SignupStatus.CONFIRMED if approve else SignupStatus.REJECTED
        signup.decided_at = timezone.now()
        signup.decided_by = user
        if note:
            signup.note = note[:200]
        signup.save(update_fields=["status", "decided_at", "decided_by", "note"])
        audit_record(action=Action.UPDATE, obj=signup, before=before, after=snapshot(signup))
        if not approve:
            _promote(signup.activity)
    return signup


def message_send(*, activity: Activity, body: str, user) -> ActivityMessage:
    body = (body or "").strip()
    if not body:
        raise ValidationError("请填写通知内容")
    with transaction.atomic():
        message = ActivityMessage.objects.create(activity=activity, body=body[:2000], created_by=user)
        audit_record(action=Action.CREATE, obj=message, after=snapshot(message))
    return message


# --- Check-in and check-out -----------------------------------------------------------------


CheckinError = checkin.CheckinError


def check_in(*, activity: Activity, volunteer: Volunteer, token: str, now=None) -> tuple[Attendance, bool]:
    """Check in with a scanned token. Returns (attendance, created); a repeated scan returns the
    existing row with created=False. The rules and the race-safe insert are
    :func:`wenming.volunteers.checkin.record_check_in` (the scan view calls it directly)."""
    now = now or timezone.now()
    state = checkin.scan_state(activity_id=activity.pk, volunteer_id=volunteer.pk)
    state, created = checkin.record_check_in(state, token, now)
    return Attendance.objects.get(pk=state.attendance_id), created


def check_out(*, activity: Activity, volunteer: Volunteer, token: str, now=None) -> tuple[Attendance, bool]:
    """Check out with a scanned token and write the hours line (source=checkin) for the
    organising organisation. Repeated scans change nothing (conditional update)."""
    now = now or timezone.now()
    if not checkin.token_valid(activity, token, now):
        raise CheckinError(checkin.EXPIRED)
    attendance = Attendance.objects.filter(activity=activity, volunteer=volunteer).first()
    if attendance is None:
        raise CheckinError("您还没有签到")
    if attendance.checked_out_at is not None:
        return attendance, False
    if not checkin.checkout_open(activity, now):
        raise CheckinError("已超过签退时间，时长将在活动结项时按规则计算")
    attendance.activity = activity
    with transaction.atomic():
        changed = _close_attendance(attendance, now, auto=False)
    attendance.refresh_from_db()
    return attendance, changed


def _close_attendance(attendance: Attendance, when: dt.datetime, *, auto: bool) -> bool:
    """Set the check-out (if still open) and write the ledger line. Inside a transaction."""
    updated = Attendance.objects.filter(pk=attendance.pk, checked_out_at__isnull=True).update(
        checked_out_at=when, auto_closed=auto
    )
    if not updated:
        return False
    activity = attendance.activity
    hours = checkin.hours_between(activity, attendance.checked_in_at, when)
    record = ServiceRecord.objects.create(
        org_id=activity.org_id,
        activity=activity,
        volunteer_id=attendance.volunteer_id,
        date=timezone.localdate(activity.start),
        start=max(attendance.checked_in_at, activity.start),
        end=min(when, activity.end),
        hours=hours,
        content=activity.title[:300],
        source=RecordSource.CHECKIN,
        reason="未签退，按活动结束时间封顶" if auto else "",
    )
    audit_record(action=Action.CREATE, obj=record, after=snapshot(record))
    _award_points(record)
    return True


def activity_close(*, activity: Activity, user=None, now=None) -> int:
    """结项: check out everyone still checked in at the scheduled end (the forgotten check-out
    rule), write their hours, and close the activity. Returns how many were auto-closed."""
    now = now or timezone.now()
    if activity.status == PublishStatus.CLOSED:
        raise ValidationError("该活动已结项")
    if now < activity.end:
        raise ValidationError("活动尚未结束，不能结项")
    count = 0
    with transaction.atomic():
        for attendance in Attendance.objects.filter(
            activity=activity, checked_out_at__isnull=True
        ).select_related("activity"):
            count += _close_attendance(attendance, activity.end, auto=True)
        before = snapshot(activity, fields=ACTIVITY_AUDIT_FIELDS)
        activity.status = PublishStatus.CLOSED
        activity.closed_at = now
        activity.save(update_fields=["status", "closed_at"])
        audit_record(
            action=Action.UPDATE,
            obj=activity,
            before=before,
            after=snapshot(activity, fields=ACTIVITY_AUDIT_FIELDS),
        )
    return count


def close_finished_activities(*, now=None) -> int:
    """For the periodic command: close every published activity whose end + grace has passed."""
    now = now or timezone.now()
    closed = 0
    for activity in Activity.objects.filter(
        status=PublishStatus.PUBLISHED, end__lt=now - checkin.CHECKOUT_GRACE
    ):
        activity_close(activity=activity, now=now)
        closed += 1
    return closed


# --- The hours ledger -----------------------------------------------------------------------


def points_enabled() -> bool:
    return bool(getattr(settings, "VOLUNTEER_POINTS_ENABLED", False))


def _award_points(record: ServiceRecord) -> None:
    """积分 (when enabled): ``VOLUNTEER_POINTS_PER_HOUR`` points per hour (default 10), whole
    points, kept apart from hours; a correction adjusts them by its signed difference."""
    if not points_enabled():
        return
    per_hour = Decimal(str(getattr(settings, "VOLUNTEER_POINTS_PER_HOUR", 10)))
    points = int((record.hours * per_hour).to_integral_value())
    if points:
        PointsEntry.objects.create(
            volunteer_id=record.volunteer_id, org_id=record.org_id, record=record, points=points,
            reason=record.get_source_display(), created_by=record.created_by,
        )  # fmt: skip


def record_manual(
    *,
    org: VolunteerOrg,
    volunteer: Volunteer,
    date: dt.date,
    hours,
    reason: str,
    user,
    content: str = "",
    activity: Activity | None = None,
) -> ServiceRecord:
    """手工录入 by the organising organisation's admin (checked by the caller); reason required."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("手工录入须填写原因")
    hours = _hours(hours)
    if hours <= 0 or hours > MAX_HOURS_PER_RECORD:
        raise ValidationError("时长须大于 0 且不超过 24 小时")
    if activity is not None and activity.org_id != org.pk:
        raise ValidationError("只能为本组织的活动录入时长（谁组织谁记录）")
    if date > timezone.localdate():
        raise ValidationError("服务日期不能晚于今天")
    with transaction.atomic():
        record = ServiceRecord.objects.create(
            org=org, activity=activity, volunteer=volunteer, date=date, hours=hours, content=content[:300],
            source=RecordSource.MANUAL, reason=reason[:300], created_by=user,
        )  # fmt: skip
        audit_record(action=Action.CREATE, obj=record, after=snapshot(record))
        _award_points(record)
    return record


def record_current_hours(record: ServiceRecord) -> Decimal:
    """A line's hours after the corrections made to it."""
    extra = ServiceRecord.objects.filter(corrects=record).aggregate(s=Sum("hours"))["s"] or Decimal(0)
    return record.hours + extra


def correction_request(
    *,
    volunteer: Volunteer,
    requested_hours,
    reason: str,
    record: ServiceRecord | None = None,
    activity: Activity | None = None,
) -> CorrectionRequest:
    """The volunteer asks for a correction of one of their lines, or for a missing line of an
    activity they signed up for. Addressed to the organising organisation."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请说明更正理由")
    hours = _hours(requested_hours)
    if hours < 0 or hours > MAX_HOURS_PER_RECORD:
        raise ValidationError("申请时长须在 0 到 24 小时之间")
    if record is not None:
        if record.volunteer_id != volunteer.pk or record.source == RecordSource.CORRECTION:
            raise ValidationError("只能对自己的服务记录申请更正")
        org_id, activity = record.org_id, record.activity
    elif activity is not None:
        if (
            not Signup.objects.filter(activity=activity, volunteer=volunteer)
            .exclude(status=SignupStatus.REJECTED)
            .exists()
        ):
            raise ValidationError("您没有报名该活动")
        if ServiceRecord.objects.filter(activity=activity, volunteer=volunteer).exists():
            raise ValidationError("该活动已有您的服务记录，请对该记录申请更正")
        org_id = activity.org_id
    else:
        raise ValidationError("请选择要更正的记录或活动")
    open_q = Q(status__in=(CorrectionStatus.REQUESTED, CorrectionStatus.VERIFIED), volunteer=volunteer)
    if CorrectionRequest.objects.filter(open_q, record=record, activity=activity).exists():
        raise ValidationError("已有处理中的更正申请")
    with transaction.atomic():
        req = CorrectionRequest.objects.create(
            volunteer=volunteer,
            org_id=org_id,
            record=record,
            activity=activity,
            requested_hours=hours,
            reason=reason[:500],
        )
        audit_record(action=Action.CREATE, obj=req, after=snapshot(req))
    return req


def correction_verify(
    *, req: CorrectionRequest, approve: bool, user, hours=None, note: str = ""
) -> CorrectionRequest:
    """核实: the organising organisation's admin accepts (with the verified hours, by default the
    requested ones) or rejects (a note is required)."""
    if req.status != CorrectionStatus.REQUESTED:
        raise ValidationError("该申请不是待核实状态")
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError("不予更正须填写核实意见")
    verified = _hours(hours) if hours not in (None, "") else req.requested_hours
    if verified < 0 or verified > MAX_HOURS_PER_RECORD:
        raise ValidationError("核实时长须在 0 到 24 小时之间")
    with transaction.atomic():
        before = snapshot(req)
        req.status = CorrectionStatus.VERIFIED if approve else CorrectionStatus.REJECTED
        req.verified_hours = verified if approve else None
        req.verify_note = note[:500]
        req.verified_by = user
        req.verified_at = timezone.now()
        req.save(update_fields=["status", "verified_hours", "verify_note", "verified_by", "verified_at"])
        audit_record(action=Action.UPDATE, obj=req, before=before, after=snapshot(req))
    return req


def correction_apply(*, req: CorrectionRequest, user) -> CorrectionRequest:
    """更正: write the correction line (signed difference to the verified hours) to the ledger."""
    if req.status != CorrectionStatus.VERIFIED:
        raise ValidationError("该申请尚未核实")
    with transaction.atomic():
        if req.record is not None:
            base = req.record
            delta = req.verified_hours - record_current_hours(base)
            date, activity = base.date, base.activity
        else:
            base, delta = None, req.verified_hours
            activity = req.activity
            date = timezone.localdate(activity.start) if activity else timezone.localdate()
        record = ServiceRecord.objects.create(
            org_id=req.org_id, activity=activity, volunteer_id=req.volunteer_id, date=date, hours=delta,
            content=(activity.title if activity else "")[:300], source=RecordSource.CORRECTION,
            reason=f"更正申请 #{req.pk}：{req.reason}"[:300], corrects=base, created_by=user,
        )  # fmt: skip
        audit_record(action=Action.CREATE, obj=record, after=snapshot(record))
        _award_points(record)
        before = snapshot(req)
        req.status = CorrectionStatus.CORRECTED
        req.corrected_by = user
        req.corrected_at = timezone.now()
        req.result = record
        req.save(update_fields=["status", "corrected_by", "corrected_at", "result"])
        audit_record(action=Action.UPDATE, obj=req, before=before, after=snapshot(req))
    return req
