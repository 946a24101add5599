"""Pages for projects, activities, sign-up, QR check-in and the hours ledger (issue 5 items 3–5, 9).

Thin, like views.py: fetch through vscoped/vaccess (out of scope → 404), check the rule in
selectors (→ 403), hand writes to ``ledger`` (audited). The volunteer pages (``me/…``, the scan
page) are laid out for a 375 px phone.
"""

from __future__ import annotations

import base64
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from wenming.volunteers import checkin, forms, ledger, selectors
from wenming.volunteers.models import (
    SIGNUP_ACTIVE,
    Activity,
    ActivityMessage,
    Attendance,
    CorrectionRequest,
    CorrectionStatus,
    ServiceRecord,
    Signup,
    SignupStatus,
    Volunteer,
    VolunteerProject,
)
from wenming.volunteers.scoping import vaccess, vscoped

PAGE_SIZE = 50


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _me(request) -> Volunteer:
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is None:
        raise PermissionDenied("您还不是注册志愿者")
    return volunteer


def _require_manage(request, activity: Activity) -> None:
    if not selectors.may_manage_activity(user=request.user, activity=activity):
        raise PermissionDenied("只有活动组织方的管理员可以操作")


# --- Projects -------------------------------------------------------------------------------


def project_list(request):
    qs = vscoped(VolunteerProject, request.user).select_related("org").order_by("-id")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__icontains=q)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    can_create = selectors.managed_orgs(user=request.user).exists()
    return render(request, "volunteers/project_list.html", {
        "title": "志愿服务项目", "page": page, "q": q, "can_create": can_create,
        "breadcrumbs": [("志愿服务", reverse("volunteers:volunteer_list")), ("项目", None)],
    })  # fmt: skip


@require_http_methods(["GET", "POST"])
def project_create(request):
    orgs = selectors.managed_orgs(user=request.user)
    if not orgs.exists():
        raise PermissionDenied("只有志愿服务组织的管理员可以发布项目")
    form = forms.ProjectForm(request.POST or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            project = ledger.project_create(org=d["org"], name=d["name"], service_area=d["service_area"],
                                            description=d["description"], user=request.user)  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, "项目已创建，请添加活动")
            return redirect("volunteers:project_detail", project_id=project.pk)
    return render(request, "volunteers/form.html", {
        "title": "新建志愿服务项目", "form": form,
        "breadcrumbs": [("项目", reverse("volunteers:project_list")), ("新建", None)],
    })  # fmt: skip


def project_detail(request, project_id: int):
    project = vaccess(VolunteerProject.objects.select_related("org"), request.user, pk=project_id)
    activities = selectors.activity_list(user=request.user).filter(project=project).order_by("-start")
    can_manage = selectors.may_manage_vorg(user=request.user, org=project.org)
    return render(request, "volunteers/project_detail.html", {
        "title": project.name, "project": project, "activities": list(activities[:200]), "can_manage": can_manage,
        "breadcrumbs": [("项目", reverse("volunteers:project_list")), (project.name, None)],
    })  # fmt: skip


@require_http_methods(["GET", "POST"])
def activity_create(request, project_id: int):
    project = vaccess(VolunteerProject.objects.select_related("org"), request.user, pk=project_id)
    if not selectors.may_manage_vorg(user=request.user, org=project.org):
        raise PermissionDenied("只有项目所属组织的管理员可以发布活动")
    form = forms.ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            activity = ledger.activity_create(project=project, user=request.user, **d)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, "活动已发布")
            return redirect("volunteers:activity_detail", activity_id=activity.pk)
    return render(request, "volunteers/form.html", {
        "title": "发布活动", "form": form,
        "breadcrumbs": [(project.name, reverse("volunteers:project_detail", args=[project.pk])), ("发布活动", None)],
    })  # fmt: skip


# --- Activities -----------------------------------------------------------------------------


def activity_list(request):
    """Upcoming published activities (everyone signed in may browse and sign up); with ``all=1``
    every activity this user sees (organisers: their drafts and closed ones too)."""
    show_all = request.GET.get("all") == "1"
    q = request.GET.get("q", "").strip()
    qs = selectors.activity_list(
        user=request.user, q=q, org_id=_int(request.GET.get("org")), upcoming=not show_all
    )
    if request.GET.get("pending") == "1":  # (the home page's 待确认的活动报名)
        qs = qs.filter(Exists(Signup.objects.filter(activity_id=OuterRef("pk"), status=SignupStatus.PENDING)))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    mine = {}
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is not None:
        mine = dict(
            Signup.objects.filter(
                volunteer=volunteer, status__in=SIGNUP_ACTIVE, activity_id__in=[a.pk for a in page]
            ).values_list("activity_id", "status")
        )
    return render(request, "volunteers/activity_list.html", {
        "title": "志愿服务活动", "page": page, "q": q, "show_all": show_all, "mine": mine,
        "status_names": dict(SignupStatus.choices),
        "can_create": selectors.managed_orgs(user=request.user).exists(),
        "breadcrumbs": [("志愿服务", reverse("volunteers:volunteer_list")), ("活动", None)],
    })  # fmt: skip


def activity_detail(request, activity_id: int):
    activity = vaccess(Activity.objects.select_related("org", "project"), request.user, pk=activity_id)
    can_manage = selectors.may_manage_activity(user=request.user, activity=activity)
    volunteer = selectors.volunteer_for_user(request.user)
    my_signup = None
    if volunteer is not None:
        my_signup = Signup.objects.filter(
            activity=activity, volunteer=volunteer, status__in=SIGNUP_ACTIVE
        ).first()
    ctx = {
        "title": activity.title, "a": activity, "can_manage": can_manage, "volunteer": volunteer,
        "my_signup": my_signup, "now": timezone.now(), "status_names": dict(SignupStatus.choices),
        "taken": Signup.objects.filter(activity=activity, status__in=("pending", "confirmed")).count(),
        "breadcrumbs": [("活动", reverse("volunteers:activity_list")),
                        (activity.project.name, reverse("volunteers:project_detail", args=[activity.project_id])),
                        (activity.title, None)],
    }  # fmt: skip
    if can_manage or my_signup is not None:
        ctx["notices"] = list(ActivityMessage.objects.filter(activity=activity)[:50])
    if can_manage:
        attendance = {a.volunteer_id: a for a in Attendance.objects.filter(activity=activity)}
        signups = list(
            Signup.objects.filter(activity=activity).exclude(status=SignupStatus.CANCELLED)
            .select_related("volunteer").order_by("status", "created_at", "id")
        )  # fmt: skip
        for s in signups:
            s.att = attendance.get(s.volunteer_id)
        hours = dict(
            ServiceRecord.objects.filter(activity=activity).values("volunteer_id").annotate(h=Sum("hours"))
            .values_list("volunteer_id", "h")
        )  # fmt: skip
        ctx.update(
            signups=signups,
            hours=hours,
            can_record=selectors.may_record_hours(user=request.user, org=activity.org),
        )
    return render(request, "volunteers/activity_detail.html", ctx)


@require_POST
def activity_signup(request, activity_id: int):
    activity = vaccess(Activity.objects.select_related("org"), request.user, pk=activity_id)
    volunteer = _me(request)
    try:
        signup = ledger.signup_create(volunteer=volunteer, activity=activity,
                                      accept_overlap=request.POST.get("accept_overlap") == "1")  # fmt: skip
    except ledger.OverlapWarning as exc:
        return render(request, "volunteers/signup_overlap.html", {
            "title": "时间冲突提示", "a": activity, "message": _errors(exc), "overlapping": exc.overlapping,
            "breadcrumbs": [("活动", reverse("volunteers:activity_list")), (activity.title, None)],
        })  # fmt: skip
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        if signup.status == SignupStatus.WAITLISTED:
            messages.warning(request, "名额已满，您已进入候补名单；有人取消时将按报名先后递补")
        elif signup.status == SignupStatus.PENDING:
            messages.success(request, "报名成功，等待组织方确认")
        else:
            messages.success(request, "报名成功")
    return redirect("volunteers:activity_detail", activity_id=activity.pk)


@require_POST
def signup_cancel(request, signup_id: int):
    signup = vaccess(
        Signup.objects.select_related("activity"), request.user, pk=signup_id, volunteer__user=request.user
    )
    try:
        ledger.signup_cancel(signup=signup)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "已取消报名")
    return redirect(request.POST.get("next") or reverse("volunteers:me_activities"))


@require_POST
def signup_decide(request, signup_id: int):
    signup = vaccess(
        Signup.objects.select_related("activity", "activity__org", "volunteer"), request.user, pk=signup_id
    )
    _require_manage(request, signup.activity)
    try:
        ledger.signup_decide(
            signup=signup, approve=request.POST.get("decision") == "approve", user=request.user
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request,
            f"已{'确认' if signup.status == SignupStatus.CONFIRMED else '拒绝'}{signup.volunteer.name}的报名",
        )
    return redirect("volunteers:activity_detail", activity_id=signup.activity_id)


@require_POST
def activity_message(request, activity_id: int):
    activity = vaccess(Activity.objects.select_related("org"), request.user, pk=activity_id)
    _require_manage(request, activity)
    try:
        ledger.message_send(activity=activity, body=request.POST.get("body", ""), user=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "通知已发送给本活动的报名志愿者")
    return redirect("volunteers:activity_detail", activity_id=activity.pk)


@require_POST
def activity_close(request, activity_id: int):
    activity = vaccess(Activity.objects.select_related("org"), request.user, pk=activity_id)
    if not selectors.may_record_hours(user=request.user, org=activity.org):
        raise PermissionDenied("只有组织方管理员可以结项（谁组织谁记录）")
    try:
        auto = ledger.activity_close(activity=activity, user=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request, f"活动已结项；{auto} 人未签退，已按活动结束时间封顶计时" if auto else "活动已结项"
        )
    return redirect("volunteers:activity_detail", activity_id=activity.pk)


# --- QR check-in ----------------------------------------------------------------------------


def _qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buf = io.BytesIO()
    img.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def _qr_context(request, activity: Activity) -> dict:
    now = timezone.now()
    path = reverse("volunteers:scan", args=[activity.pk, checkin.current_token(activity, now)])
    link = request.build_absolute_uri(path)
    return {"a": activity, "qr": _qr_data_uri(link), "link": link, "now": now,
            "open": checkin.checkin_open(activity, now) or checkin.checkout_open(activity, now) and now >= activity.start,
            "checked_in": Attendance.objects.filter(activity=activity).count(),
            "checked_out": Attendance.objects.filter(activity=activity, checked_out_at__isnull=False).count(),
            "slot": checkin.SLOT_SECONDS}  # fmt: skip


def activity_qr(request, activity_id: int):
    """The organiser's screen: a QR code of the scan URL, refreshed by htmx every 10 s (the token
    rotates every 30 s; the current and the previous one are accepted)."""
    activity = vaccess(Activity.objects.select_related("org"), request.user, pk=activity_id)
    _require_manage(request, activity)
    ctx = _qr_context(request, activity)
    ctx.update(title=f"签到二维码 · {activity.title}", breadcrumbs=[
        ("活动", reverse("volunteers:activity_list")),
        (activity.title, reverse("volunteers:activity_detail", args=[activity.pk])), ("签到二维码", None)])  # fmt: skip
    return render(request, "volunteers/activity_qr.html", ctx)


def activity_qr_frame(request, activity_id: int):
    activity = vaccess(Activity.objects.select_related("org"), request.user, pk=activity_id)
    _require_manage(request, activity)
    return render(request, "volunteers/_qr_frame.html", _qr_context(request, activity))


# --- Volunteer phone pages ------------------------------------------------------------------


def me_activities(request):
    volunteer = _me(request)
    upcoming = request.GET.get("upcoming") == "1"  # (the home page's 已报名、尚未结束的活动)
    mine = Signup.objects.filter(volunteer=volunteer)
    if upcoming:
        mine = mine.filter(status__in=SIGNUP_ACTIVE, activity__end__gte=timezone.now())
    signups = list(mine.select_related("activity", "activity__org").order_by("-activity__start")[:100])
    attendance = {
        a.activity_id: a
        for a in Attendance.objects.filter(
            volunteer=volunteer, activity_id__in=[s.activity_id for s in signups]
        )
    }
    for s in signups:
        s.att = attendance.get(s.activity_id)
    notices = list(
        ActivityMessage.objects.filter(
            activity__signups__volunteer=volunteer, activity__signups__status__in=SIGNUP_ACTIVE
        ).select_related("activity").distinct()[:30]
    )  # fmt: skip
    return render(request, "volunteers/me_activities.html", {
        "title": "我的活动", "v": volunteer, "signups": signups, "upcoming": upcoming, "notices": notices, "now": timezone.now(),
        "status_names": dict(SignupStatus.choices),
        "breadcrumbs": [("我的志愿服务", reverse("volunteers:me")), ("我的活动", None)],
    })  # fmt: skip


def me_hours(request):
    volunteer = _me(request)
    summary = selectors.volunteer_hours(volunteer)
    records = list(
        ServiceRecord.objects.filter(volunteer=volunteer)
        .select_related("org", "activity")
        .order_by("-date", "-id")[:200]
    )
    requests = list(CorrectionRequest.objects.filter(volunteer=volunteer).select_related("org")[:50])
    return render(request, "volunteers/me_hours.html", {
        "title": "我的时长", "v": volunteer, "s": summary, "records": records, "requests": requests,
        "points_enabled": ledger.points_enabled(),
        "breadcrumbs": [("我的志愿服务", reverse("volunteers:me")), ("我的时长", None)],
    })  # fmt: skip


@require_http_methods(["GET", "POST"])
def me_correction(request):
    """申请更正: of one of my records (?record=) or a missing record of an activity (?activity=)."""
    volunteer = _me(request)
    params = request.POST if request.method == "POST" else request.GET
    record = activity = None
    if _int(params.get("record")):
        record = (
            ServiceRecord.objects.filter(volunteer=volunteer, pk=_int(params.get("record")))
            .select_related("activity")
            .first()
        )
        if record is None:
            raise Http404("未找到")
    elif _int(params.get("activity")):
        activity = Activity.objects.filter(
            signups__volunteer=volunteer, pk=_int(params.get("activity"))
        ).first()
        if activity is None:
            raise Http404("未找到")
    else:
        raise Http404("请选择要更正的记录")
    initial = {"requested_hours": ledger.record_current_hours(record) if record else None}
    form = forms.CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ledger.correction_request(volunteer=volunteer, record=record, activity=activity,
                                      requested_hours=form.cleaned_data["requested_hours"],
                                      reason=form.cleaned_data["reason"])  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, "更正申请已提交，由活动组织方核实")
            return redirect("volunteers:me_hours")
    target = (
        record.activity.title
        if record and record.activity
        else (activity.title if activity else f"{record.date} 的记录")
    )
    return render(request, "volunteers/me_correction.html", {
        "title": "申请更正时长", "form": form, "record": record, "activity": activity, "target": target,
        "breadcrumbs": [("我的时长", reverse("volunteers:me_hours")), ("申请更正", None)],
    })  # fmt: skip


# --- The ledger (organisation side) ---------------------------------------------------------


def record_list(request):
    qs = (
        vscoped(ServiceRecord, request.user)
        .select_related("org", "volunteer", "activity")
        .order_by("-date", "-id")
    )
    org_id = _int(request.GET.get("org"))
    if org_id:
        qs = qs.filter(org_id=org_id)
    q = request.GET.get("q", "").strip()
    if q:
        qs = (
            qs.filter(volunteer__number=q)
            if q.upper().startswith("ZY")
            else qs.filter(volunteer__name__icontains=q)
        )
    source = request.GET.get("source", "")
    if source:
        qs = qs.filter(source=source)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/record_list.html", {
        "title": "志愿服务记录", "page": page, "q": q, "source": source,
        "can_record": selectors.recording_orgs(user=request.user).exists(),
        "sources": ServiceRecord._meta.get_field("source").choices,
        "breadcrumbs": [("志愿服务", reverse("volunteers:volunteer_list")), ("服务记录", None)],
    })  # fmt: skip


@require_http_methods(["GET", "POST"])
def record_create(request):
    orgs = selectors.recording_orgs(user=request.user)
    if not orgs.exists():
        raise PermissionDenied("只有志愿服务组织的管理员可以录入时长（谁组织谁记录）")
    form = forms.ManualRecordForm(request.POST or None, orgs=orgs, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        volunteer = (
            vscoped(Volunteer, request.user).filter(number=d["volunteer_number"].strip().upper()).first()
        )
        if volunteer is None:
            form.add_error("volunteer_number", "未找到该编号的志愿者（或不在您的管理范围内）")
        else:
            try:
                ledger.record_manual(org=d["org"], volunteer=volunteer, date=d["date"], hours=d["hours"],
                                     reason=d["reason"], content=d["content"], user=request.user)  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(request, f"已为{volunteer.name}录入 {d['hours']} 小时")
                return redirect("volunteers:record_list")
    return render(request, "volunteers/form.html", {
        "title": "手工录入时长", "form": form,
        "breadcrumbs": [("服务记录", reverse("volunteers:record_list")), ("手工录入", None)],
    })  # fmt: skip


def volunteer_hours(request, volunteer_id: int):
    volunteer = vaccess(Volunteer, request.user, pk=volunteer_id)
    records = list(
        vscoped(ServiceRecord, request.user).filter(volunteer=volunteer).select_related("org", "activity")
        .order_by("-date", "-id")[:500]
    )  # fmt: skip
    return render(request, "volunteers/volunteer_hours.html", {
        "title": f"{volunteer.name} 的服务时长", "v": volunteer, "s": selectors.volunteer_hours(volunteer),
        "records": records, "points_enabled": ledger.points_enabled(),
        "breadcrumbs": [("志愿者", reverse("volunteers:volunteer_list")),
                        (volunteer.name, reverse("volunteers:volunteer_detail", args=[volunteer.pk])), ("服务时长", None)],
    })  # fmt: skip


def correction_list(request):
    status = request.GET.get("status", "open")
    qs = vscoped(CorrectionRequest, request.user).select_related("volunteer", "org", "record", "activity")
    if status == "open":
        qs = qs.filter(status__in=(CorrectionStatus.REQUESTED, CorrectionStatus.VERIFIED))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    mine = set(selectors.recording_orgs(user=request.user).values_list("pk", flat=True))
    return render(request, "volunteers/correction_list.html", {
        "title": "时长更正申请", "page": page, "status": status, "mine": mine,
        "breadcrumbs": [("服务记录", reverse("volunteers:record_list")), ("更正申请", None)],
    })  # fmt: skip


def _correction_for_admin(request, correction_id: int) -> CorrectionRequest:
    req = vaccess(
        CorrectionRequest.objects.select_related("org", "record", "volunteer"), request.user, pk=correction_id
    )
    if not selectors.may_record_hours(user=request.user, org=req.org):
        raise PermissionDenied("只有记录组织的管理员可以处理更正申请（谁记录谁更正）")
    return req


@require_POST
def correction_verify(request, correction_id: int):
    req = _correction_for_admin(request, correction_id)
    try:
        ledger.correction_verify(req=req, approve=request.POST.get("decision") == "approve", user=request.user,
                                 hours=request.POST.get("hours") or None, note=request.POST.get("note", ""))  # fmt: skip
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "已核实" if req.status == CorrectionStatus.VERIFIED else "已答复不予更正")
    return redirect("volunteers:correction_list")


@require_POST
def correction_apply(request, correction_id: int):
    req = _correction_for_admin(request, correction_id)
    try:
        ledger.correction_apply(req=req, user=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "已更正，服务记录已写入更正行")
    return redirect("volunteers:correction_list")
