"""Changing and cancelling projects and activities after they were published (issue 5 item 3).

Who may call these is checked by the views (``selectors.may_manage_activity`` /
``may_manage_vorg``: the people who may publish them). Every write is audited in its transaction.

Rules:
- **Edit** (title, time, place, capacity, sign-up deadline, skills, insurance note, description)
  only while the activity is published (not closed, not cancelled). The capacity may not go below
  the confirmed sign-ups; raised, it promotes waitlisted volunteers in sign-up order (as a
  cancellation does). Lowered below pending + confirmed (but not below confirmed), nobody is
  dropped: pending sign-ups stay, no one moves up until places free. A change of time or place
  sends an in-app notice to the signed-up volunteers.
- **Cancel** (reason required) a published activity nobody has checked in to: status 已取消, the
  reason and time kept; the signed-up volunteers get a notice (``ActivityMessage``); their sign-ups
  keep their state so the notice reaches them on 我的活动. Check-in is refused afterwards (the scan
  accepts published activities only), so is sign-up.
- **Project**: edit name, service area, description; cancel (reason required) cancels each of its
  published activities with the same reason — refused while one of them has check-ins (close it
  instead).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.volunteers.ledger import ACTIVITY_AUDIT_FIELDS, _promote
from wenming.volunteers.models import (
    Activity,
    ActivityMessage,
    Attendance,
    PublishStatus,
    Signup,
    SignupStatus,
    VolunteerProject,
)

EDITABLE_FIELDS = (
    "title", "place", "start", "end", "capacity", "signup_deadline",
    "required_skills", "insurance_note", "description",
)  # fmt: skip
AUDIT_FIELDS = [*ACTIVITY_AUDIT_FIELDS, "description", "cancel_reason", "cancelled_at"]
PROJECT_AUDIT_FIELDS = [
    "org",
    "name",
    "service_area",
    "description",
    "status",
    "cancel_reason",
    "cancelled_at",
]


def _fmt(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def activity_update(*, activity: Activity, user, **changes) -> tuple[Activity, list[Signup]]:
    """Apply ``changes`` (a subset of :data:`EDITABLE_FIELDS`). Returns the activity and the sign-ups
    promoted from the waitlist by a raised capacity."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        # Lock the row: sign-ups count places under the same lock.
        activity = Activity.objects.select_for_update().select_related("org").get(pk=activity.pk)
        if activity.status != PublishStatus.PUBLISHED:
            raise ValidationError("只有已发布、未结项的活动可以修改")
        before = snapshot(activity, fields=AUDIT_FIELDS)
        old_start, old_end, old_place = activity.start, activity.end, activity.place
        for name, value in changes.items():
            if name == "signup_deadline" and value is None:
                value = changes.get("start", activity.start)
            if isinstance(value, str):
                value = value.strip()
            setattr(activity, name, value)
        if not activity.title:
            raise ValidationError("请填写活动名称")
        if not activity.place:
            raise ValidationError("请填写活动地点")
        if activity.end <= activity.start:
            raise ValidationError("结束时间须晚于开始时间")
        if activity.signup_deadline > activity.end:
            raise ValidationError("报名截止时间不能晚于活动结束时间")
        if activity.capacity < 1:
            raise ValidationError("招募人数至少为 1")
        confirmed = Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count()
        if activity.capacity < confirmed:
            raise ValidationError(
                f"招募人数不能少于已确认的报名人数（{confirmed} 人）；请先与志愿者沟通并调整报名"
            )
        if (activity.start, activity.end) != (old_start, old_end) and Attendance.objects.filter(
            activity=activity
        ).exists():
            raise ValidationError("已有志愿者签到，不能再修改活动时间")
        activity.save(update_fields=list(changes))
        audit_record(
            action=Action.UPDATE, obj=activity, before=before, after=snapshot(activity, fields=AUDIT_FIELDS)
        )
        promoted = []
        while (first := _promote(activity)) is not None:
            promoted.append(first)
        moved = (activity.start, activity.end) != (old_start, old_end)
        if moved or activity.place != old_place:
            parts = []
            if moved:
                parts.append(f"时间改为 {_fmt(activity.start)} 至 {_fmt(activity.end)}")
            if activity.place != old_place:
                parts.append(f"地点改为 {activity.place}")
            _notice(activity, f"活动信息变更：{'；'.join(parts)}。", user)
    return activity, promoted


def _notice(activity: Activity, body: str, user) -> ActivityMessage:
    message = ActivityMessage.objects.create(activity=activity, body=body[:2000], created_by=user)
    audit_record(action=Action.CREATE, obj=message, after=snapshot(message))
    return message


def _cancel_one(activity: Activity, *, reason: str, user, now: dt.datetime) -> None:
    """Inside a transaction, with the activity row locked."""
    if activity.status == PublishStatus.CANCELLED:
        raise ValidationError(f"活动“{activity.title}”已取消")
    if activity.status == PublishStatus.CLOSED:
        raise ValidationError(f"活动“{activity.title}”已结项，不能取消")
    if Attendance.objects.filter(activity=activity).exists():
        raise ValidationError(f"活动“{activity.title}”已有志愿者签到，不能取消；请在结束后结项")
    before = snapshot(activity, fields=AUDIT_FIELDS)
    activity.status = PublishStatus.CANCELLED
    activity.cancel_reason = reason
    activity.cancelled_at = now
    activity.save(update_fields=["status", "cancel_reason", "cancelled_at"])
    audit_record(
        action=Action.UPDATE, obj=activity, before=before, after=snapshot(activity, fields=AUDIT_FIELDS)
    )
    _notice(activity, f"活动已取消：{reason}", user)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写取消原因（将通知已报名的志愿者）")
    return reason[:300]


def activity_cancel(*, activity: Activity, reason: str, user, now=None) -> Activity:
    reason = _reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().select_related("org").get(pk=activity.pk)
        _cancel_one(activity, reason=reason, user=user, now=now)
    return activity


def project_update(
    *, project: VolunteerProject, user, name: str, service_area: str = "", description: str = ""
):
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写项目名称")
    with transaction.atomic():
        project = VolunteerProject.objects.select_for_update().select_related("org").get(pk=project.pk)
        if project.status == PublishStatus.CANCELLED:
            raise ValidationError("项目已取消，不能修改")
        before = snapshot(project, fields=PROJECT_AUDIT_FIELDS)
        project.name, project.service_area, project.description = name, service_area.strip(), description
        project.save(update_fields=["name", "service_area", "description"])
        audit_record(
            action=Action.UPDATE,
            obj=project,
            before=before,
            after=snapshot(project, fields=PROJECT_AUDIT_FIELDS),
        )
    return project


def project_cancel(*, project: VolunteerProject, reason: str, user, now=None) -> tuple[VolunteerProject, int]:
    """Cancel the project and each of its published activities (all or nothing). Returns the
    project and how many activities were cancelled."""
    reason = _reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        project = VolunteerProject.objects.select_for_update().select_related("org").get(pk=project.pk)
        if project.status == PublishStatus.CANCELLED:
            raise ValidationError("项目已取消")
        activities = list(
            Activity.objects.select_for_update()
            .filter(project=project, status=PublishStatus.PUBLISHED)
            .order_by("start", "id")
        )
        for activity in activities:
            _cancel_one(activity, reason=reason, user=user, now=now)
        before = snapshot(project, fields=PROJECT_AUDIT_FIELDS)
        project.status = PublishStatus.CANCELLED
        project.cancel_reason = reason
        project.cancelled_at = now
        project.save(update_fields=["status", "cancel_reason", "cancelled_at"])
        audit_record(
            action=Action.UPDATE,
            obj=project,
            before=before,
            after=snapshot(project, fields=PROJECT_AUDIT_FIELDS),
        )
    return project, len(activities)


# --- Check-in / check-out by hand (the organiser, from the roster) ---------------------------


def _when(value: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    when = value or now
    if when > now + dt.timedelta(minutes=1):
        raise ValidationError("签到/签退时间不能晚于当前时间")
    return when


def manual_check_in(
    *, signup: Signup, reason: str, user, when: dt.datetime | None = None, now=None
) -> Attendance:
    """The organiser checks a confirmed volunteer in (phone flat, no signal…): same window as a
    scan (30 min before the start to the end), a reason required, audited. Not the scan path: an
    ORM insert under the same unique (activity, volunteer) constraint."""
    from django.db import IntegrityError

    from wenming.volunteers import checkin

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("手工签到须说明原因")
    now = now or timezone.now()
    when = _when(when, now)
    activity = signup.activity
    if activity.status != PublishStatus.PUBLISHED:
        raise ValidationError("该活动已结项或未开放，不能签到")
    if signup.status != SignupStatus.CONFIRMED:
        raise ValidationError("只有已确认的报名可以签到，请先确认报名")
    if not checkin.checkin_open(activity, when):
        raise ValidationError("签到时间须在活动开始前 30 分钟至活动结束之间")
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                activity=activity, volunteer_id=signup.volunteer_id, signup=signup, checked_in_at=when,
                manual_note=f"手工签到：{reason}"[:400],
            )  # fmt: skip
            audit_record(
                action=Action.CREATE,
                obj=attendance,
                after=snapshot(attendance, fields=["activity", "volunteer", "checked_in_at", "manual_note"]),
            )
    except IntegrityError as exc:
        raise ValidationError("该志愿者已签到") from exc
    return attendance


def manual_check_out(
    *, attendance: Attendance, reason: str, user, when: dt.datetime | None = None, now=None
) -> Attendance:
    """The organiser checks a volunteer out: not before the check-in, not after the activity's
    end + grace; the hours line is written as for a scan (same rounding and cap), audited."""
    from wenming.volunteers import checkin
    from wenming.volunteers.ledger import _close_attendance

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("手工签退须说明原因")
    now = now or timezone.now()
    when = _when(when, now)
    activity = attendance.activity
    if attendance.checked_out_at is not None:
        raise ValidationError("该志愿者已签退")
    if when < attendance.checked_in_at:
        raise ValidationError("签退时间不能早于签到时间")
    if when > activity.end + checkin.CHECKOUT_GRACE:
        raise ValidationError("签退时间不能晚于活动结束后 30 分钟；未签退的请结项，按结束时间封顶")
    with transaction.atomic():
        before = snapshot(attendance, fields=["checked_out_at", "manual_note"])
        if not _close_attendance(attendance, when, auto=False):
            raise ValidationError("该志愿者已签退")
        note = "；".join(x for x in (attendance.manual_note, f"手工签退：{reason}") if x)[:400]
        Attendance.objects.filter(pk=attendance.pk).update(manual_note=note)
        attendance.refresh_from_db()
        audit_record(
            action=Action.UPDATE,
            obj=attendance,
            before=before,
            after=snapshot(attendance, fields=["checked_out_at", "manual_note"]),
        )
    return attendance
