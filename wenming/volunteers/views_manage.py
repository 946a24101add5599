"""Edit and cancel pages for projects and activities (organisers), beside views_activities.py.

Thin: fetch through vaccess (out of scope → 404), check ``may_manage_*`` (→ 403), hand the write
to ``activity_changes`` (audited)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from wenming.orgs.access import get_scope
from wenming.volunteers import activity_changes, forms, selectors
from wenming.volunteers.models import SIGNUP_ACTIVE, Activity, PublishStatus, Signup, VolunteerProject
from wenming.volunteers.scoping import vaccess, vscoped


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _activity(request, activity_id: int) -> Activity:
    activity = vaccess(Activity.objects.select_related("org", "project"), request.user, pk=activity_id)
    if not selectors.may_manage_activity(user=request.user, activity=activity):
        raise PermissionDenied("只有活动组织方的管理员可以修改或取消活动")
    return activity


def _project(request, project_id: int) -> VolunteerProject:
    project = vaccess(VolunteerProject.objects.select_related("org"), request.user, pk=project_id)
    if not selectors.may_manage_vorg(user=request.user, org=project.org):
        raise PermissionDenied("只有项目所属组织的管理员可以修改或取消项目")
    return project


def _activity_crumbs(activity: Activity, last: str) -> list:
    return [
        ("活动", reverse("volunteers:activity_list")),
        (activity.title, reverse("volunteers:activity_detail", args=[activity.pk])),
        (last, None),
    ]


@require_http_methods(["GET", "POST"])
def activity_edit(request, activity_id: int):
    activity = _activity(request, activity_id)
    if activity.status != PublishStatus.PUBLISHED:
        messages.error(request, "只有已发布、未结项的活动可以修改")
        return redirect("volunteers:activity_detail", activity_id=activity.pk)
    initial = {name: getattr(activity, name) for name in activity_changes.EDITABLE_FIELDS}
    for name in ("start", "end", "signup_deadline"):
        initial[name] = timezone.localtime(initial[name])
    form = forms.ActivityEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k in activity_changes.EDITABLE_FIELDS}
        try:
            activity, promoted = activity_changes.activity_update(
                activity=activity, user=request.user, **changes
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            text = "活动已修改"
            if promoted:
                text += f"；{len(promoted)} 位候补志愿者已按报名先后递补"
            messages.success(request, text)
            return redirect("volunteers:activity_detail", activity_id=activity.pk)
    return render(request, "volunteers/form.html", {
        "title": f"修改活动 · {activity.title}", "form": form, "breadcrumbs": _activity_crumbs(activity, "修改"),
    })  # fmt: skip


@require_http_methods(["GET", "POST"])
def activity_cancel(request, activity_id: int):
    activity = _activity(request, activity_id)
    form = forms.CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity_changes.activity_cancel(
                activity=activity, reason=form.cleaned_data["reason"], user=request.user
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, "活动已取消，已通知报名的志愿者")
            return redirect("volunteers:activity_detail", activity_id=activity.pk)
    signed_up = Signup.objects.filter(activity=activity, status__in=SIGNUP_ACTIVE).count()
    return render(request, "volunteers/cancel.html", {
        "title": f"取消活动 · {activity.title}", "form": form, "what": "活动", "signed_up": signed_up,
        "back": reverse("volunteers:activity_detail", args=[activity.pk]),
        "breadcrumbs": _activity_crumbs(activity, "取消活动"),
    })  # fmt: skip


@require_http_methods(["GET", "POST"])
def project_edit(request, project_id: int):
    project = _project(request, project_id)
    initial = {"name": project.name, "service_area": project.service_area, "description": project.description}
    form = forms.ProjectEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            activity_changes.project_update(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, "项目已修改")
            return redirect("volunteers:project_detail", project_id=project.pk)
    return render(request, "volunteers/form.html", {
        "title": f"修改项目 · {project.name}", "form": form,
        "breadcrumbs": [("项目", reverse("volunteers:project_list")),
                        (project.name, reverse("volunteers:project_detail", args=[project.pk])), ("修改", None)],
    })  # fmt: skip


@require_http_methods(["GET", "POST"])
def project_cancel(request, project_id: int):
    project = _project(request, project_id)
    form = forms.CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, count = activity_changes.project_cancel(
                project=project, reason=form.cleaned_data["reason"], user=request.user
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, f"项目已取消；{count} 个未开展的活动一并取消，已通知报名的志愿者")
            return redirect("volunteers:project_detail", project_id=project.pk)
    signed_up = Signup.objects.filter(
        activity__project=project, activity__status=PublishStatus.PUBLISHED, status__in=SIGNUP_ACTIVE
    ).count()
    return render(request, "volunteers/cancel.html", {
        "title": f"取消项目 · {project.name}", "form": form, "what": "项目（及其已发布的活动）", "signed_up": signed_up,
        "back": reverse("volunteers:project_detail", args=[project.pk]),
        "breadcrumbs": [("项目", reverse("volunteers:project_list")),
                        (project.name, reverse("volunteers:project_detail", args=[project.pk])), ("取消项目", None)],
    })  # fmt: skip


# --- 星级标准 ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def star_ladders(request):
    """The star ladders this user sees (offices: their subtree) and, for office admins, the form
    to set or remove one."""
    from wenming.volunteers import stars
    from wenming.volunteers.models import StarLadder

    if not stars.may_edit_ladders(user=request.user) and not get_scope(request.user).region_prefixes:
        raise PermissionDenied("星级标准由文明办管理员设置")
    can_edit = stars.may_edit_ladders(user=request.user)
    regions = stars.ladder_regions(user=request.user)
    form = forms.StarLadderForm(request.POST or None, regions=regions)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("星级标准由文明办管理员设置")
        if request.POST.get("delete"):
            ladder = vaccess(
                StarLadder.objects.select_related("region"), request.user, pk=request.POST["delete"]
            )
            stars.ladder_delete(ladder=ladder, user=request.user)
            messages.success(request, f"已删除{ladder.region.name}的星级标准，改按上级或默认标准评定")
            return redirect("volunteers_more:star_ladders")
        if form.is_valid():
            try:
                stars.ladder_save(region=form.cleaned_data["region"], thresholds=form.cleaned_data["thresholds"],
                                  user=request.user)  # fmt: skip
            except ValidationError as exc:
                form.add_error("thresholds", _errors(exc))
            else:
                messages.success(request, f"已保存{form.cleaned_data['region'].name}的星级标准")
                return redirect("volunteers_more:star_ladders")
    ladders = []
    for ladder in vscoped(StarLadder.objects.select_related("region"), request.user).order_by("region_code"):
        try:
            values = selectors.parse_ladder(ladder.thresholds)
        except ValueError:
            values = ()
        ladder.levels = [(selectors.star_name(n), v) for n, v in enumerate(values, 1)]
        ladders.append(ladder)
    default = [(selectors.star_name(n), v) for n, v in enumerate(selectors.default_star_ladder(), 1)]
    return render(request, "volunteers/star_ladders.html", {
        "title": "星级标准", "form": form, "ladders": ladders, "default": default, "can_edit": can_edit,
        "breadcrumbs": [("志愿服务", reverse("volunteers:volunteer_list")), ("星级标准", None)],
    })  # fmt: skip


# --- Check-in / check-out by hand -------------------------------------------------------------


@require_http_methods(["POST"])
def signup_attendance(request, signup_id: int):
    """From the activity's roster: 手工签到 / 手工签退 with a reason (and optionally the time)."""
    from wenming.volunteers.forms import _DT_FORMATS
    from wenming.volunteers.models import Attendance

    signup = vaccess(
        Signup.objects.select_related("activity", "activity__org", "volunteer"), request.user, pk=signup_id
    )
    activity = signup.activity
    if not selectors.may_record_hours(user=request.user, org=activity.org):
        raise PermissionDenied("只有组织方管理员可以手工签到、签退（谁组织谁记录）")
    when = None
    raw = request.POST.get("when", "").strip()
    if raw:
        import datetime as dt

        for fmt in _DT_FORMATS:
            try:
                when = timezone.make_aware(dt.datetime.strptime(raw, fmt))
                break
            except ValueError:
                continue
        if when is None:
            messages.error(request, "时间格式不正确")
            return redirect("volunteers:activity_detail", activity_id=activity.pk)
    reason = request.POST.get("reason", "")
    try:
        if request.POST.get("action") == "checkout":
            attendance = Attendance.objects.filter(
                activity=activity, volunteer_id=signup.volunteer_id
            ).first()
            if attendance is None:
                raise ValidationError("该志愿者还没有签到")
            attendance.activity = activity
            activity_changes.manual_check_out(
                attendance=attendance, reason=reason, user=request.user, when=when
            )
            messages.success(request, f"已为{signup.volunteer.name}手工签退，时长已记录")
        else:
            activity_changes.manual_check_in(signup=signup, reason=reason, user=request.user, when=when)
            messages.success(request, f"已为{signup.volunteer.name}手工签到")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("volunteers:activity_detail", activity_id=activity.pk)
