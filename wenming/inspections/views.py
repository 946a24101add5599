"""督查整改 pages: points, the phone page for recording a finding, the ledger and a finding's page.

Thin views: fetch through ``access``/selectors (out of scope → 404), hand changes to services
(not allowed → 403, not possible now → a Chinese message), answer in Chinese.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wenming.files.models import StoredFile
from wenming.files.names import download_name
from wenming.inspections import forms, imports, selectors, services
from wenming.inspections.models import (
    Bulletin,
    Finding,
    FindingAction,
    FindingCategory,
    FindingEvent,
    Inspection,
    InspectionKind,
    InspectionPoint,
    PointType,
    Ranking,
    RankingEntry,
    RankingStatus,
    Status,
    SupervisionLetter,
)
from wenming.orgs.access import access, get_scope, require_role, scoped
from wenming.orgs.models import Organisation, OrgKind, Role
from wenming.web.excel import xlsx_response

PAGE_SIZE = 50
# The phone form lists at most this many points; more are narrowed with ?q= (name contains).
POINT_CHOICES_SHOWN = 300


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# --- Points ---------------------------------------------------------------------------------------


def point_list(request):
    qs = selectors.point_list(
        user=request.user,
        q=request.GET.get("q", "").strip(),
        point_type_id=_int(request.GET.get("type")),
        unit_id=_int(request.GET.get("unit")),
    )
    scope = get_scope(request.user)
    return render(
        request,
        "inspections/point_list.html",
        {
            "title": "点位",
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "types": list(PointType.objects.filter(is_active=True)),
            "can_import": scope.has_role(Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN),
            "can_record": services.may_record_findings(request.user),
            "breadcrumbs": [("点位", None)],
        },
    )


def point_detail(request, point_id: int):
    point = access(
        InspectionPoint.objects.select_related("point_type", "region", "responsible_unit"), request.user, pk=point_id
    )
    findings = selectors.finding_list(user=request.user, today=services.local_today(), point_id=point.pk)
    return render(
        request,
        "inspections/point_detail.html",
        {
            "title": point.name,
            "point": point,
            "findings": list(findings[:20]),
            "finding_count": findings.count(),
            "can_record": services.may_record_findings(request.user),
            "today": services.local_today(),
            "breadcrumbs": [("点位", reverse("inspections:point_list")), (point.name, None)],
        },
    )


@require_http_methods(["GET", "POST"])
def point_import(request):
    require_role(request.user, Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN)
    form = forms.PointImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = imports.point_import(file=upload, user=request.user, source_name=upload.name)
        if report.ok:
            messages.success(request, f"已导入 {len(report.created)} 个点位")
            return redirect("inspections:point_list")
    return render(
        request,
        "inspections/point_import.html",
        {
            "title": "导入点位",
            "form": form,
            "report": report,
            "max_rows": imports.MAX_ROWS,
            "max_mb": imports.MAX_BYTES // (1024 * 1024),
            "types": list(PointType.objects.filter(is_active=True).values_list("name", flat=True)),
            "breadcrumbs": [("点位", reverse("inspections:point_list")), ("导入点位", None)],
        },
    )


def point_import_template(request):
    require_role(request.user, Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN)
    unit = scoped(Organisation, request.user).filter(kind=OrgKind.UNIT).order_by("region_code", "name").first()
    return xlsx_response(
        "点位导入模板.xlsx",
        [imports.NAME, imports.TYPE, imports.REGION, imports.UNIT, imports.ADDRESS, imports.LAT, imports.LNG],
        [["（示例，导入前请删除本行）", services.POINT_TYPES[0], unit.region_code if unit else "", unit.name if unit else "", "", "", ""]],
        sheet_name="点位",
        column_widths=[30, 14, 16, 30, 40, 12, 12],
    )


# --- Findings -------------------------------------------------------------------------------------


def finding_list(request):
    scope = get_scope(request.user)
    today = services.local_today()
    todo = request.GET.get("todo", "")
    overdue = request.GET.get("overdue") == "1"
    due_soon = request.GET.get("due_soon") == "1"
    group = request.GET.get("group", "")
    filters = {
        "region_prefix": request.GET.get("region", ""),
        "month": request.GET.get("month", ""),
        "closed_month": request.GET.get("closed_month", ""),
        "due_soon": due_soon,
        "status": request.GET.get("status", ""),
        "unit_id": _int(request.GET.get("unit")),
        "category_id": _int(request.GET.get("category")),
        "overdue": overdue,
    }
    title = "问题台账"
    if group == "open":
        filters.update(statuses=selectors.OPEN_STATUSES)
    elif group == "review":
        filters.update(statuses=selectors.REVIEW_STATUSES)
    if todo == "unit":
        filters.update(statuses=selectors.OPEN_STATUSES, unit_ids=scope.admin_unit_ids)
        title = "待整改的问题"
    elif todo == "unit_all":
        filters.update(unit_ids=scope.admin_unit_ids)
        title = "本单位的问题"
    elif todo == "review":
        filters.update(statuses=selectors.REVIEW_STATUSES)
        title = "待复核的问题"
    if overdue:
        title = "逾期未销号的问题"
    elif due_soon:
        title = f"{selectors.REMIND_DAYS} 天内到期的问题"
    qs = selectors.finding_list(user=request.user, today=today, **filters)
    return render(
        request,
        "inspections/finding_list.html",
        {
            "title": title,
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "statuses": Status.choices,
            "categories": list(FindingCategory.objects.all()),
            "units": list(selectors.units_for_filter(user=request.user)),
            "today": today,
            "todo": todo,
            "can_record": services.may_record_findings(request.user),
            "breadcrumbs": [("问题台账", reverse("inspections:finding_list") if title != "问题台账" else None)]
            + ([(title, None)] if title != "问题台账" else []),
        },
    )


@require_http_methods(["GET", "POST"])
def finding_create(request):
    if not services.may_record_findings(request.user):
        raise PermissionDenied("只有文明办的督查员或管理员可以记录督查问题")
    points = selectors.point_list(user=request.user, q=request.GET.get("q", "").strip()).filter(is_active=True)
    if request.method == "POST":
        choice_points = points  # validate against every visible point
    else:
        shown = [p.pk for p in points[:POINT_CHOICES_SHOWN]]
        choice_points = InspectionPoint.objects.filter(pk__in=shown).select_related("responsible_unit").order_by("name")
    units = selectors.reassign_units(user=request.user)
    form = forms.FindingForm(
        request.POST or None,
        request.FILES or None,
        points=choice_points,
        units=units,
        inspections=scoped(Inspection, request.user),
        initial={"point": _int(request.GET.get("point")), "inspection": _int(request.GET.get("inspection"))},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            finding = services.finding_create(
                user=request.user,
                category=data["category"],
                severity=data["severity"],
                point=data["point"],
                responsible_unit=data["responsible_unit"],
                location_text=data["location_text"],
                description=data["description"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                criterion_code=data["criterion_code"],
                photos=data["photos"],
                inspection=data["inspection"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"已挂账：问题 #{finding.pk}，整改期限 {finding.deadline:%Y-%m-%d}")
            return redirect("inspections:finding_detail", finding.pk)
    return render(
        request,
        "inspections/finding_form.html",
        {
            "title": "记录督查问题",
            "form": form,
            "points": list(choice_points) if request.method == "GET" else list(choice_points[:POINT_CHOICES_SHOWN]),
            "breadcrumbs": [("问题台账", reverse("inspections:finding_list")), ("记录问题", None)],
        },
    )


def _finding(request, finding_id: int) -> Finding:
    return access(
        Finding.objects.select_related("category", "responsible_unit", "office", "point", "inspection", "created_by__profile"),
        request.user,
        pk=finding_id,
    )


def finding_detail(request, finding_id: int):
    finding = _finding(request, finding_id)
    actions = services.finding_actions_for(user=request.user, finding=finding)
    return render(
        request,
        "inspections/finding_detail.html",
        _detail_context(request, finding, actions, forms.TransitionForm(units=Organisation.objects.none())),
    )


def _detail_context(request, finding: Finding, actions: list[str], form) -> dict:
    steps = {a: services.TRANSITIONS[(finding.status, a)] for a in actions}
    return {
        "title": f"问题 #{finding.pk}",
        "finding": finding,
        "events": selectors.finding_events(finding=finding),
        "actions": [(a, FindingAction(a).label, steps[a]) for a in actions],
        "reassign_units": list(selectors.reassign_units(user=request.user)) if FindingAction.REASSIGN in actions else [],
        "form": form,
        "today": services.local_today(),
        "inspection_visible": finding.inspection_id is not None
        and scoped(Inspection, request.user).filter(pk=finding.inspection_id).exists(),
        "breadcrumbs": [("问题台账", reverse("inspections:finding_list")), (f"问题 #{finding.pk}", None)],
    }


@require_POST
def finding_act(request, finding_id: int):
    finding = _finding(request, finding_id)
    action = request.POST.get("action", "")
    form = forms.TransitionForm(request.POST, request.FILES, units=selectors.reassign_units(user=request.user))
    if not form.is_valid():
        messages.error(request, "未能提交：" + "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("inspections:finding_detail", finding.pk)
    data = form.cleaned_data
    try:
        services.finding_transition(
            finding=finding,
            action=action,
            user=request.user,
            reason=data["reason"],
            photos=data["photos"],
            new_unit=data["new_unit"],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已{FindingAction(action).label}")
    return redirect("inspections:finding_detail", finding.pk)


# Served photos run nothing and load nothing (the files module's policy for served files).
PHOTO_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"


@require_safe
def finding_photo(request, finding_id: int, file_id: int):
    """A photo of a finding, for anyone who may see the finding: the photos are part of its record,
    so a unit the finding was reassigned to sees the photos filed under the first unit."""
    finding = _finding(request, finding_id)
    attached = FindingEvent.files.through.objects.filter(findingevent__finding=finding, storedfile_id=file_id)
    if not attached.exists():
        raise Http404("未找到")
    return _serve_stored(StoredFile.objects.select_related("blob").get(pk=file_id))


def _serve_stored(stored: StoredFile) -> FileResponse:
    """Serve a stored file that belongs to a record the user may see (checked by the caller)."""
    blob = stored.blob
    try:
        handle = default_storage.open(blob.storage_name, "rb")
    except FileNotFoundError as exc:
        raise Http404("文件内容缺失") from exc
    response = FileResponse(
        handle, content_type=blob.mime, as_attachment=blob.kind != "image", filename=download_name(stored.original_name, blob.ext)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PHOTO_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-cache"
    return response


# --- Inspections (督查活动) -------------------------------------------------------------------------


def _require_planner(request) -> None:
    if not services.may_plan_inspections(request.user):
        raise PermissionDenied("只有文明办的督查员或管理员可以查看和安排督查活动")


def inspection_list(request):
    _require_planner(request)
    qs = selectors.inspection_list(user=request.user, kind=request.GET.get("kind", ""))
    return render(
        request,
        "inspections/inspection_list.html",
        {
            "title": "督查活动",
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "kinds": InspectionKind.choices,
            "breadcrumbs": [("督查活动", None)],
        },
    )


@require_http_methods(["GET", "POST"])
def inspection_create(request):
    _require_planner(request)
    form = forms.InspectionForm(
        request.POST or None,
        regions=selectors.planning_regions(user=request.user),
        inspectors=selectors.office_staff(user=request.user),
        initial={"start_date": services.local_today(), "end_date": services.local_today()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.inspection_create(
                user=request.user,
                kind=data["kind"],
                title=data["title"],
                region=data["region"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                inspectors=list(data["inspectors"]),
                point_types=list(data["point_types"]),
                categories=list(data["categories"]),
                notes=data["notes"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"已安排督查活动“{inspection.title}”")
            return redirect("inspections:inspection_detail", inspection.pk)
    return render(
        request,
        "inspections/inspection_form.html",
        {
            "title": "安排督查",
            "form": form,
            "breadcrumbs": [("督查活动", reverse("inspections:inspection_list")), ("安排督查", None)],
        },
    )


def _inspection(request, inspection_id: int) -> Inspection:
    inspection = access(Inspection.objects.select_related("office", "region"), request.user, pk=inspection_id)
    _require_planner(request)
    return inspection


def inspection_detail(request, inspection_id: int):
    inspection = _inspection(request, inspection_id)
    targets = list(inspection.targets.select_related("point__point_type", "point__responsible_unit"))
    findings = selectors.finding_list(user=request.user, today=services.local_today()).filter(inspection=inspection)
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "title": inspection.title,
            "inspection": inspection,
            "targets": targets,
            "inspectors": list(inspection.inspectors.select_related("profile")),
            "point_types": list(inspection.point_types.all()),
            "categories": list(inspection.categories.all()),
            "findings": list(findings[:50]),
            "finding_count": findings.count(),
            "draw_form": forms.DrawForm() if not targets and inspection.sample_seed is None else None,
            "pool_size": len(services.inspection_pool(inspection=inspection)) if not targets else None,
            "today": services.local_today(),
            "breadcrumbs": [("督查活动", reverse("inspections:inspection_list")), (inspection.title, None)],
        },
    )


@require_POST
def inspection_draw(request, inspection_id: int):
    inspection = _inspection(request, inspection_id)
    form = forms.DrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "未能抽取：" + "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("inspections:inspection_detail", inspection.pk)
    try:
        targets = services.inspection_draw_sample(
            inspection=inspection, user=request.user, size=form.cleaned_data["size"], seed=form.cleaned_data["seed"]
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request, f"已从 {inspection.sample_pool} 个候选点位中抽取 {len(targets)} 个（种子 {inspection.sample_seed}）"
        )
    return redirect("inspections:inspection_detail", inspection.pk)


# --- 督办函 ----------------------------------------------------------------------------------------


def letter_list(request):
    scope = get_scope(request.user)
    can_issue = scope.is_platform or scope.has_role(Role.OFFICE_ADMIN, Role.OFFICE_INSPECTOR)
    return render(
        request,
        "inspections/letter_list.html",
        {
            "title": "督办函",
            "page": Paginator(selectors.letter_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page")),
            "overdue_units": selectors.overdue_by_unit(user=request.user, today=services.local_today()) if can_issue else [],
            "can_issue": can_issue,
            "breadcrumbs": [("督办函", None)],
        },
    )


@require_POST
def letter_issue(request):
    unit = access(Organisation.objects.filter(kind=OrgKind.UNIT), request.user, pk=_int(request.POST.get("unit")) or 0)
    try:
        letter = services.letter_issue(user=request.user, unit=unit)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("inspections:letter_list")
    messages.success(request, f"已生成{letter.title}{letter.number}")
    return redirect("inspections:letter_detail", letter.pk)


def _letter(request, letter_id: int) -> SupervisionLetter:
    return access(
        SupervisionLetter.objects.select_related("office", "unit", "document__blob", "issued_by", "sent_by"),
        request.user,
        pk=letter_id,
    )


def letter_detail(request, letter_id: int):
    letter = _letter(request, letter_id)
    scope = get_scope(request.user)
    return render(
        request,
        "inspections/letter_detail.html",
        {
            "title": f"{letter.title}{letter.number}",
            "letter": letter,
            # Scoped: a finding since reassigned to another unit drops out of this unit's view.
            "findings": list(
                scoped(Finding, request.user).filter(letters=letter).select_related("category", "point").order_by("deadline", "id")
            ),
            "can_mark_sent": letter.sent_at is None
            and (scope.is_platform or (scope.has_role(*services.OFFICE_ROLES) and scope.covers_region(letter.region_code))),
            "today": services.local_today(),
            "breadcrumbs": [("督办函", reverse("inspections:letter_list")), (letter.number, None)],
        },
    )


@require_safe
def letter_download(request, letter_id: int):
    return _serve_stored(_letter(request, letter_id).document)


@require_POST
def letter_sent(request, letter_id: int):
    letter = _letter(request, letter_id)
    try:
        services.letter_mark_sent(letter=letter, user=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "已登记发送")
    return redirect("inspections:letter_detail", letter.pk)


# --- 督查通报 --------------------------------------------------------------------------------------


def bulletin_list(request):
    _require_planner(request)
    scope = get_scope(request.user)
    today = services.local_today()
    form = forms.BulletinForm(initial={"start": today.replace(day=1), "end": today})
    return render(
        request,
        "inspections/bulletin_list.html",
        {
            "title": "督查通报",
            "page": Paginator(selectors.bulletin_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page")),
            "form": form if scope.has_role(Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN) else None,
            "breadcrumbs": [("督查通报", None)],
        },
    )


@require_POST
def bulletin_issue(request):
    _require_planner(request)
    form = forms.BulletinForm(request.POST)
    if not form.is_valid():
        messages.error(request, "未能生成：" + "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("inspections:bulletin_list")
    try:
        bulletin = services.bulletin_issue(user=request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"])
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("inspections:bulletin_list")
    messages.success(request, f"已生成督查通报{bulletin.number}")
    return redirect("inspections:bulletin_detail", bulletin.pk)


def _bulletin(request, bulletin_id: int) -> Bulletin:
    bulletin = access(Bulletin.objects.select_related("office", "document__blob"), request.user, pk=bulletin_id)
    _require_planner(request)
    return bulletin


def bulletin_detail(request, bulletin_id: int):
    bulletin = _bulletin(request, bulletin_id)
    return render(
        request,
        "inspections/bulletin_detail.html",
        {
            "title": f"督查通报{bulletin.number}",
            "b": bulletin,
            "f": bulletin.figures,
            "breadcrumbs": [("督查通报", reverse("inspections:bulletin_list")), (bulletin.number, None)],
        },
    )


@require_safe
def bulletin_download(request, bulletin_id: int):
    return _serve_stored(_bulletin(request, bulletin_id).document)


# --- 红黑榜 ----------------------------------------------------------------------------------------


def ranking_list(request):
    _require_planner(request)
    scope = get_scope(request.user)
    today = services.local_today()
    return render(
        request,
        "inspections/ranking_list.html",
        {
            "title": "红黑榜",
            "page": Paginator(scoped(Ranking, request.user).select_related("office"), PAGE_SIZE).get_page(request.GET.get("page")),
            "form": forms.BulletinForm(initial={"start": today.replace(day=1), "end": today})
            if scope.has_role(Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN)
            else None,
            "rules": services.RANKING_RULES,
            "breadcrumbs": [("红黑榜", None)],
        },
    )


@require_POST
def ranking_compute(request):
    _require_planner(request)
    form = forms.BulletinForm(request.POST)
    if not form.is_valid():
        messages.error(request, "未能评定：" + "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("inspections:ranking_list")
    try:
        ranking = services.ranking_compute(user=request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"])
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("inspections:ranking_list")
    messages.success(request, "已按规则评定红黑榜（待审核）。请核对后发布。")
    return redirect("inspections:ranking_detail", ranking.pk)


def _ranking(request, ranking_id: int) -> Ranking:
    ranking = access(Ranking.objects.select_related("office"), request.user, pk=ranking_id)
    _require_planner(request)
    return ranking


def _entries(ranking: Ranking) -> list[RankingEntry]:
    return list(ranking.entries.select_related("unit"))


def ranking_detail(request, ranking_id: int):
    ranking = _ranking(request, ranking_id)
    scope = get_scope(request.user)
    entries = _entries(ranking)
    return render(
        request,
        "inspections/ranking_detail.html",
        {
            "title": f"红黑榜（{ranking.period_start:%Y-%m-%d} 至 {ranking.period_end:%Y-%m-%d}）",
            "ranking": ranking,
            "red": [e for e in entries if e.listed == "red"],
            "black": [e for e in entries if e.listed == "black"],
            "entries": entries,
            "can_publish": ranking.status == RankingStatus.DRAFT
            and (scope.is_platform or any(ranking.region_code.startswith(p) for p in scope.admin_prefixes)),
            "public": False,
            "breadcrumbs": [("红黑榜", reverse("inspections:ranking_list")), (f"{ranking.period_end:%Y-%m-%d}", None)],
        },
    )


@require_POST
def ranking_publish(request, ranking_id: int):
    ranking = _ranking(request, ranking_id)
    try:
        services.ranking_publish(ranking=ranking, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "红黑榜已发布，公众页面可见")
    return redirect("inspections:ranking_detail", ranking.pk)


@require_safe
def ranking_export(request, ranking_id: int):
    ranking = _ranking(request, ranking_id)
    labels = {"red": "红榜", "black": "黑榜", "": ""}
    return xlsx_response(
        f"红黑榜{ranking.period_start:%Y%m%d}-{ranking.period_end:%Y%m%d}.xlsx",
        ["名次", "单位", "得分", "到期问题", "已销号", "按期销号", "逾期未整改", "重复问题", "上榜"],
        ([e.position, e.unit.name, e.score, e.due, e.closed, e.on_time, e.overdue, e.repeats, labels[e.listed]] for e in _entries(ranking)),
        sheet_name="红黑榜",
        column_widths=[6, 36, 8, 10, 8, 10, 12, 10, 8],
    )


@login_not_required
@require_safe
def public_ranking_list(request):
    """The published red and black lists, for everyone (no account)."""
    rankings = Ranking.objects.filter(status=RankingStatus.PUBLISHED).select_related("office").order_by("-period_end", "-id")
    return render(
        request,
        "inspections/public_ranking_list.html",
        {"title": "红黑榜公示", "page": Paginator(rankings, PAGE_SIZE).get_page(request.GET.get("page"))},
    )


@login_not_required
@require_safe
def public_ranking_detail(request, ranking_id: int):
    ranking = Ranking.objects.filter(status=RankingStatus.PUBLISHED, pk=ranking_id).select_related("office").first()
    if ranking is None:
        raise Http404("未找到")
    entries = [e for e in _entries(ranking) if e.listed]
    return render(
        request,
        "inspections/ranking_detail.html",
        {
            "title": f"{ranking.office.name}红黑榜（{ranking.period_start:%Y-%m-%d} 至 {ranking.period_end:%Y-%m-%d}）",
            "ranking": ranking,
            "red": [e for e in entries if e.listed == "red"],
            "black": [e for e in entries if e.listed == "black"],
            "entries": [],
            "can_publish": False,
            "public": True,
        },
    )


def dashboard(request):
    return render(
        request,
        "inspections/dashboard.html",
        {
            "title": "督查整改统计",
            "d": selectors.dashboard(user=request.user, today=services.local_today()),
            "ledger": reverse("inspections:finding_list"),
            "breadcrumbs": [("督查整改统计", None)],
        },
    )
