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
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from markupsafe import Markup, escape

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
    return render(
        request,
        "inspections/point_list.html",
        {
            "title": "点位",
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "types": list(PointType.objects.filter(is_active=True)),
            "can_manage": services.may_manage_points(request.user),
            "can_record": services.may_record_findings(request.user),
            "breadcrumbs": [("点位", None)],
        },
    )


def point_detail(request, point_id: int):
    point = access(
        InspectionPoint.objects.select_related("point_type", "region", "responsible_unit"),
        request.user,
        pk=point_id,
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
            "can_edit": services.point_may_edit(request.user, point),
            "today": services.local_today(),
            "breadcrumbs": [("点位", reverse("inspections:point_list")), (point.name, None)],
        },
    )


def _point_form(request, point: InspectionPoint | None = None) -> forms.PointForm:
    types = PointType.objects.filter(is_active=True)
    if point is not None:  # a type deactivated since may stay on the point
        types = PointType.objects.filter(Q(is_active=True) | Q(pk=point.point_type_id))
    initial = {"is_active": True}
    if point is not None:
        initial = {
            "name": point.name,
            "point_type": point.point_type_id,
            "region": point.region_code,
            "address": point.address,
            "latitude": point.latitude,
            "longitude": point.longitude,
            "responsible_unit": point.responsible_unit_id,
            "is_active": point.is_active,
        }
    return forms.PointForm(
        request.POST or None,
        region_lookup=lambda code: selectors.point_form_region(user=request.user, code=code),
        units=selectors.point_form_units(
            user=request.user, current_id=point.responsible_unit_id if point else None
        ),
        point_types=types.order_by("sort_order", "name"),
        initial=initial,
    )


def _point_form_page(request, form, *, title: str, point: InspectionPoint | None, breadcrumbs):
    chosen = form["responsible_unit"].value()
    return render(
        request,
        "inspections/point_form.html",
        {
            "title": title,
            "form": form,
            "point": point,
            # Thousands of units and regions: joined in Python, not looped in the template.
            "unit_options": _unit_options(
                form.fields["responsible_unit"].queryset.values_list("id", "name"),
                str(chosen) if chosen else "",
            ),
            "region_options": Markup(
                "".join(
                    f'<option value="{code}">{escape(name)}</option>'
                    for code, name in selectors.point_form_regions(user=request.user)
                )
            ),
            "breadcrumbs": breadcrumbs,
        },
        status=400 if request.method == "POST" else 200,
    )


def _require_point_manager(request) -> None:
    if not services.may_manage_points(request.user):
        raise PermissionDenied("只有平台管理员和文明办管理员可以新增或修改点位")


@require_http_methods(["GET", "POST"])
def point_create(request):
    _require_point_manager(request)
    form = _point_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            point = services.point_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"已新增点位“{point.name}”")
            return redirect("inspections:point_detail", point.pk)
    return _point_form_page(
        request,
        form,
        title="新增点位",
        point=None,
        breadcrumbs=[("点位", reverse("inspections:point_list")), ("新增点位", None)],
    )


@require_http_methods(["GET", "POST"])
def point_edit(request, point_id: int):
    point = access(
        InspectionPoint.objects.select_related("point_type", "region", "responsible_unit"),
        request.user,
        pk=point_id,
    )
    if not services.point_may_edit(request.user, point):
        raise PermissionDenied("只有负责该区域的平台管理员或文明办管理员可以修改点位")
    form = _point_form(request, point)
    if request.method == "POST" and form.is_valid():
        try:
            services.point_update(point=point, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "已保存点位")
            return redirect("inspections:point_detail", point.pk)
    return _point_form_page(
        request,
        form,
        title=f"编辑点位：{point.name}",
        point=point,
        breadcrumbs=[
            ("点位", reverse("inspections:point_list")),
            (point.name, reverse("inspections:point_detail", args=[point.pk])),
            ("编辑", None),
        ],
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
    unit = (
        scoped(Organisation, request.user).filter(kind=OrgKind.UNIT).order_by("region_code", "name").first()
    )
    return xlsx_response(
        "点位导入模板.xlsx",
        [imports.NAME, imports.TYPE, imports.REGION, imports.UNIT, imports.ADDRESS, imports.LAT, imports.LNG],
        [
            [
                "（示例，导入前请删除本行）",
                services.POINT_TYPES[0],
                unit.region_code if unit else "",
                unit.name if unit else "",
                "",
                "",
                "",
            ]
        ],
        sheet_name="点位",
        column_widths=[30, 14, 16, 30, 40, 12, 12],
    )


# --- Findings -------------------------------------------------------------------------------------


def _unit_options(units, chosen: str) -> Markup:
    """The unit filter's <option>s in one join (a city has ~2,000 units: a template loop over them
    was a fifth of the ledger page's CPU time)."""
    return Markup(
        "".join(
            f'<option value="{uid}"{" selected" if str(uid) == chosen else ""}>{escape(name)}</option>'
            for uid, name in units
        )
    )


def finding_list(request):
    today = services.local_today()
    query = selectors.ledger_query(user=request.user, params=request.GET)
    title = query.title
    qs = selectors.finding_list(user=request.user, today=today, **query.filters)
    return render(
        request,
        "inspections/finding_list.html",
        {
            "title": title,
            "page": selectors.ledger_page(
                qs,
                by_deadline=query.by_deadline,
                after=request.GET.get("after", ""),
                before=request.GET.get("before", ""),
                size=PAGE_SIZE,
            ),
            "statuses": Status.choices,
            "categories": list(FindingCategory.objects.all()),
            "unit_options": _unit_options(
                selectors.units_for_filter(user=request.user), request.GET.get("unit", "")
            ),
            "today": today,
            "todo": query.todo,
            "export_params": selectors.ledger_params(request.GET),
            "can_record": services.may_record_findings(request.user),
            "breadcrumbs": [
                ("问题台账", reverse("inspections:finding_list") if title != "问题台账" else None)
            ]
            + ([(title, None)] if title != "问题台账" else []),
        },
    )


@require_POST
def finding_export(request):
    """问题台账导出: the ledger's rows for the posted filters, as xlsx, built by a background job;
    its page (progress bar, then the download link) is the jobs app's."""
    job = services.finding_export_start(user=request.user, params=selectors.ledger_params(request.POST))
    return redirect("jobs:job_detail", job_id=job.pk)


@require_http_methods(["GET", "POST"])
def finding_create(request):
    if not services.may_record_findings(request.user):
        raise PermissionDenied("只有文明办的督查员或管理员可以记录督查问题")
    points = selectors.point_list(user=request.user, q=request.GET.get("q", "").strip()).filter(
        is_active=True
    )
    if request.method == "POST":
        choice_points = points  # validate against every visible point
    else:
        shown = [p.pk for p in points[:POINT_CHOICES_SHOWN]]
        choice_points = (
            InspectionPoint.objects.filter(pk__in=shown).select_related("responsible_unit").order_by("name")
        )
    units = selectors.reassign_units(user=request.user)
    inspection_id = _int(
        request.POST.get("inspection") if request.method == "POST" else request.GET.get("inspection")
    )
    framework_id = (
        scoped(Inspection, request.user)
        .filter(pk=inspection_id)
        .values_list("framework_id", flat=True)
        .first()
        if inspection_id
        else None
    )
    form = forms.FindingForm(
        request.POST or None,
        request.FILES or None,
        points=choice_points,
        units=units,
        inspections=scoped(Inspection, request.user),
        criteria=services.leaf_criteria(framework_id) if framework_id else None,
        initial={"point": _int(request.GET.get("point")), "inspection": inspection_id},
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
                criterion_code=data.get("criterion_code", ""),
                criterion=data.get("criterion"),
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
            "points": list(choice_points)
            if request.method == "GET"
            else list(choice_points[:POINT_CHOICES_SHOWN]),
            "breadcrumbs": [("问题台账", reverse("inspections:finding_list")), ("记录问题", None)],
        },
    )


def _finding(request, finding_id: int) -> Finding:
    return access(
        Finding.objects.select_related(
            "category",
            "responsible_unit",
            "office",
            "point",
            "inspection",
            "created_by__profile",
            "criterion",
        ),
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
        "reassign_units": list(selectors.reassign_units(user=request.user))
        if FindingAction.REASSIGN in actions
        else [],
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
    form = forms.TransitionForm(
        request.POST, request.FILES, units=selectors.reassign_units(user=request.user)
    )
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
        handle,
        content_type=blob.mime,
        as_attachment=blob.kind != "image",
        filename=download_name(stored.original_name, blob.ext),
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
    inspection = access(
        Inspection.objects.select_related("office", "region", "framework"), request.user, pk=inspection_id
    )
    _require_planner(request)
    return inspection


def inspection_detail(request, inspection_id: int):
    inspection = _inspection(request, inspection_id)
    targets = list(inspection.targets.select_related("point__point_type", "point__responsible_unit"))
    unit_targets = list(inspection.unit_targets.select_related("unit"))
    findings = selectors.finding_list(user=request.user, today=services.local_today()).filter(
        inspection=inspection
    )
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
            "unit_targets": unit_targets,
            "unit_draw_form": forms.UnitDrawForm()
            if not unit_targets and inspection.unit_sample_seed is None
            else None,
            "unit_pool_size": len(services.inspection_unit_pool(inspection=inspection))
            if not unit_targets
            else None,
            "may_edit": not services.inspection_is_finished(inspection),
            "frameworks": list(_mock_frameworks(request)) if inspection.kind == InspectionKind.MOCK else [],
            "observed": _observed_counts(inspection),
            "pool_size": len(services.inspection_pool(inspection=inspection)) if not targets else None,
            "today": services.local_today(),
            "breadcrumbs": [("督查活动", reverse("inspections:inspection_list")), (inspection.title, None)],
        },
    )


def _observed_counts(inspection: Inspection) -> dict[int, int]:
    from django.db.models import Count

    if inspection.kind != InspectionKind.MOCK:
        return {}
    return dict(
        inspection.observations.values("point_id")
        .annotate(n=Count("id"))
        .values_list("point_id", "n")
        .order_by()
    )


def _draw_page(request, inspection_id: int, form_class, draw, done) -> HttpResponse:
    """POST of a draw form (points or units): draw, say what was drawn from what, back to the page."""
    inspection = _inspection(request, inspection_id)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, "未能抽取：" + "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("inspections:inspection_detail", inspection.pk)
    try:
        drawn = draw(
            inspection=inspection,
            user=request.user,
            size=form.cleaned_data["size"],
            seed=form.cleaned_data["seed"],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, done(inspection, len(drawn)))
    return redirect("inspections:inspection_detail", inspection.pk)


@require_POST
def inspection_draw_units(request, inspection_id: int):
    return _draw_page(
        request, inspection_id, forms.UnitDrawForm, services.inspection_draw_units,
        lambda i, n: f"已从 {i.unit_sample_pool} 个候选单位中抽取 {n} 个（种子 {i.unit_sample_seed}）",
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def inspection_edit(request, inspection_id: int):
    """Edit an inspection while it is not finished (title, dates, inspectors, scope, notes)."""
    inspection = _inspection(request, inspection_id)
    if services.inspection_is_finished(inspection):
        messages.error(request, "督查活动已结束（结束日期已过），不能再修改")
        return redirect("inspections:inspection_detail", inspection.pk)
    form = forms.InspectionForm(
        request.POST or None,
        regions=selectors.planning_regions(user=request.user),
        inspectors=selectors.office_staff(user=request.user),
        initial={
            "title": inspection.title,
            "region": inspection.region_id,
            "start_date": inspection.start_date,
            "end_date": inspection.end_date,
            "inspectors": list(inspection.inspectors.values_list("id", flat=True)),
            "point_types": list(inspection.point_types.values_list("id", flat=True)),
            "categories": list(inspection.categories.values_list("id", flat=True)),
            "notes": inspection.notes,
        },
    )
    del form.fields["kind"]  # the kind is what the inspection is: not edited
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.inspection_update(
                inspection=inspection,
                user=request.user,
                title=data["title"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                region=data["region"],
                inspectors=list(data["inspectors"]),
                point_types=list(data["point_types"]),
                categories=list(data["categories"]),
                notes=data["notes"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "已保存督查活动")
            return redirect("inspections:inspection_detail", inspection.pk)
    return render(
        request,
        "inspections/inspection_form.html",
        {
            "title": f"修改督查活动：{inspection.title}",
            "form": form,
            "breadcrumbs": [
                ("督查活动", reverse("inspections:inspection_list")),
                (inspection.title, reverse("inspections:inspection_detail", args=[inspection.pk])),
                ("修改", None),
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def inspection_draw(request, inspection_id: int):
    return _draw_page(
        request, inspection_id, forms.DrawForm, services.inspection_draw_sample,
        lambda i, n: f"已从 {i.sample_pool} 个候选点位中抽取 {n} 个（种子 {i.sample_seed}）",
    )  # fmt: skip


# --- 模拟测评 --------------------------------------------------------------------------------------


def _mock_frameworks(request):
    from wenming.frameworks.models import Framework, FrameworkStatus

    return (
        scoped(Framework, request.user)
        .filter(status__in=[FrameworkStatus.PUBLISHED, FrameworkStatus.FROZEN])
        .order_by("title", "-version")
    )


@require_POST
def inspection_framework(request, inspection_id: int):
    inspection = _inspection(request, inspection_id)
    framework = _mock_frameworks(request).filter(pk=_int(request.POST.get("framework")) or 0).first()
    if framework is None:
        messages.error(request, "请选择已发布的测评体系")
        return redirect("inspections:inspection_detail", inspection.pk)
    try:
        services.inspection_set_framework(inspection=inspection, user=request.user, framework=framework)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已选择测评体系“{framework.title}”")
    return redirect("inspections:inspection_detail", inspection.pk)


@require_http_methods(["GET", "POST"])
def inspection_observe(request, inspection_id: int, point_id: int):
    """模拟测评 at one point: each leaf criterion of the framework → 达标 / 基本达标 / 不达标 (or a score)."""
    from decimal import Decimal, InvalidOperation

    from wenming.inspections.models import InspectionKind, Observation, ObservationResult

    inspection = _inspection(request, inspection_id)
    target = (
        inspection.targets.filter(point_id=point_id)
        .select_related("point__point_type", "point__responsible_unit")
        .first()
    )
    if inspection.kind != InspectionKind.MOCK or inspection.framework_id is None or target is None:
        messages.error(request, "只能在已选择测评体系的模拟测评的点位上记录测评结果")
        return redirect("inspections:inspection_detail", inspection.pk)
    point = target.point
    criteria = list(services.leaf_criteria(inspection.framework_id))
    if request.method == "POST":
        rows, errors = [], []
        for c in criteria:
            result = request.POST.get(f"result_{c.pk}", "")
            raw = request.POST.get(f"score_{c.pk}", "").strip()
            score = None
            if raw:
                try:
                    score = Decimal(raw)
                except InvalidOperation:
                    errors.append(f"“{c.code}”的得分不是数字")
                    continue
            rows.append(
                {
                    "criterion": c,
                    "result": result,
                    "score": score,
                    "note": request.POST.get(f"note_{c.pk}", ""),
                }
            )
        if not errors:
            try:
                n = services.observations_save(
                    inspection=inspection, point=point, user=request.user, rows=rows
                )
            except ValidationError as exc:
                errors.append(_error_text(exc))
            else:
                messages.success(request, f"已保存“{point.name}”的 {n} 条测评记录")
                return redirect("inspections:inspection_detail", inspection.pk)
        for e in errors:
            messages.error(request, e)
    existing = {o.criterion_id: o for o in Observation.objects.filter(inspection=inspection, point=point)}
    return render(
        request,
        "inspections/inspection_observe.html",
        {
            "title": f"模拟测评 · {point.name}",
            "inspection": inspection,
            "point": point,
            "rows": [(c, existing.get(c.pk)) for c in criteria],
            "results": ObservationResult.choices,
            "breadcrumbs": [
                ("督查活动", reverse("inspections:inspection_list")),
                (inspection.title, reverse("inspections:inspection_detail", args=[inspection.pk])),
                (point.name, None),
            ],
        },
    )


def inspection_scores(request, inspection_id: int):
    inspection = _inspection(request, inspection_id)
    return render(
        request,
        "inspections/inspection_scores.html",
        {
            "title": f"得分率 · {inspection.title}",
            "inspection": inspection,
            "s": selectors.mock_scores(inspection=inspection),
            "breadcrumbs": [
                ("督查活动", reverse("inspections:inspection_list")),
                (inspection.title, reverse("inspections:inspection_detail", args=[inspection.pk])),
                ("得分率", None),
            ],
        },
    )


# --- 督办函 ----------------------------------------------------------------------------------------


def letter_list(request):
    scope = get_scope(request.user)
    can_issue = scope.is_platform or scope.has_role(Role.OFFICE_ADMIN, Role.OFFICE_INSPECTOR)
    letters = selectors.letter_list(user=request.user)
    if request.GET.get("todo") == "reply":  # the home page's 待回复的督办函: the user's units, not replied
        letters = letters.filter(unit_id__in=scope.admin_unit_ids, replied_at__isnull=True)
    return render(
        request,
        "inspections/letter_list.html",
        {
            "title": "督办函",
            "page": Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page")),
            "overdue_units": selectors.overdue_by_unit(user=request.user, today=services.local_today())
            if can_issue
            else [],
            "can_issue": can_issue,
            "today": services.local_today(),
            "can_configure": scope.is_platform or bool(scope.admin_office_ids),
            "breadcrumbs": [("督办函", None)],
        },
    )


@require_POST
def letter_issue(request):
    unit = access(
        Organisation.objects.filter(kind=OrgKind.UNIT), request.user, pk=_int(request.POST.get("unit")) or 0
    )
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
                scoped(Finding, request.user)
                .filter(letters=letter)
                .select_related("category", "point")
                .order_by("deadline", "id")
            ),
            "can_mark_sent": letter.sent_at is None
            and (
                scope.is_platform
                or (scope.has_role(*services.OFFICE_ROLES) and scope.covers_region(letter.region_code))
            ),
            "can_reply": letter.replied_at is None and letter.unit_id in scope.admin_unit_ids,
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


@require_POST
def letter_reply(request, letter_id: int):
    letter = _letter(request, letter_id)
    try:
        services.letter_reply(
            letter=letter,
            user=request.user,
            text=request.POST.get("text", ""),
            upload=request.FILES.get("file"),
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "已提交回复")
    return redirect("inspections:letter_detail", letter.pk)


@require_safe
def letter_reply_file(request, letter_id: int):
    letter = _letter(request, letter_id)
    if letter.reply_file_id is None:
        raise Http404("没有回复附件")
    return _serve_stored(StoredFile.objects.select_related("blob").get(pk=letter.reply_file_id))


@require_http_methods(["GET", "POST"])
def ranking_rules(request):
    """红黑榜评定规则: an office admin sets their office's rules; a platform admin the platform default.
    Every rule is explained in Chinese next to its field."""
    scope = get_scope(request.user)
    if scope.is_platform:
        office = None
    else:
        require_role(request.user, Role.OFFICE_ADMIN)
        office = Organisation.objects.filter(pk__in=scope.admin_office_ids).order_by("region_code").first()
    values, errors, status = services.ranking_rules(office), {}, 200
    if request.method == "POST":
        raw = {f.key: request.POST.get(f.key, "") for f in services.RANKING_RULE_FIELDS}
        try:
            services.ranking_rules_save(user=request.user, office=office, raw=raw)
        except ValidationError as exc:
            values, errors, status = raw, {k: v[0] for k, v in exc.message_dict.items()}, 400
        else:
            messages.success(request, "已保存红黑榜评定规则，下次评定起生效（已评定的榜单保留当时的规则）")
            return redirect("inspections:ranking_rules")
    return render(
        request,
        "inspections/ranking_rules.html",
        {
            "title": "红黑榜评定规则",
            "office": office,
            "fields": services.RANKING_RULE_FIELDS,
            "values": values,
            "errors": errors,
            "breadcrumbs": [("红黑榜", reverse("inspections:ranking_list")), ("评定规则", None)],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def escalation_levels(request):
    """督办级别 settings: an office admin sets their office's levels (title, reply days); a
    platform admin sets the platform default."""
    scope = get_scope(request.user)
    if scope.is_platform:
        office = None
    else:
        require_role(request.user, Role.OFFICE_ADMIN)
        office = Organisation.objects.filter(pk__in=scope.admin_office_ids).order_by("region_code").first()
    levels = services.escalation_levels(office)
    if request.method == "POST":
        titles, days = request.POST.getlist("title"), request.POST.getlist("days")
        try:
            rows = [(t, int(d)) for t, d in zip(titles, days, strict=False) if t.strip()]
        except ValueError:
            messages.error(request, "回复期限须为整数天数")
        else:
            try:
                services.escalation_levels_save(user=request.user, office=office, levels=rows)
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
                levels = rows or levels
            else:
                messages.success(request, "已保存督办级别")
                return redirect("inspections:escalation_levels")
    return render(
        request,
        "inspections/escalation_levels.html",
        {
            "title": "督办级别设置",
            "office": office,
            "rows": list(levels) + [("", "")] * 2,
            "breadcrumbs": [("督办函", reverse("inspections:letter_list")), ("督办级别设置", None)],
        },
    )


# --- 督查通报 --------------------------------------------------------------------------------------


DRAFTS_SHOWN = 20


@require_POST
def bulletin_draft_issue(request, draft_id: int):
    """Issue the scheduler's 通报 draft as a numbered bulletin (the draft's office admins)."""
    from wenming.inspections.models import BulletinDraft

    draft = access(BulletinDraft, request.user, pk=draft_id)  # out of scope → 404 first
    _require_planner(request)
    try:
        bulletin = services.bulletin_draft_issue(user=request.user, draft=draft)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("inspections:bulletin_list")
    messages.success(request, f"已发布督查通报{bulletin.number}")
    return redirect("inspections:bulletin_detail", bulletin.pk)


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
            "page": Paginator(selectors.bulletin_list(user=request.user), PAGE_SIZE).get_page(
                request.GET.get("page")
            ),
            "form": form if scope.has_role(Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN) else None,
            "drafts": list(selectors.bulletin_drafts(user=request.user)[:DRAFTS_SHOWN]),
            "admin_office_ids": scope.admin_office_ids,
            "is_platform": scope.is_platform,
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
        bulletin = services.bulletin_issue(
            user=request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("inspections:bulletin_list")
    messages.success(request, f"已生成督查通报{bulletin.number}")
    return redirect("inspections:bulletin_detail", bulletin.pk)


def _bulletin(request, bulletin_id: int) -> Bulletin:
    bulletin = access(
        Bulletin.objects.select_related("office", "document__blob"), request.user, pk=bulletin_id
    )
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


def _admin_office(scope) -> Organisation | None:
    """The office whose 红黑榜 rules apply to this user's view: the widest they administer, else the
    widest they work in (an inspector); None for a platform admin (the platform default)."""
    ids = () if scope.is_platform else (scope.admin_office_ids or scope.office_ids)
    if not ids:
        return None
    return Organisation.objects.filter(pk__in=ids).order_by("region_code").first()


def ranking_list(request):
    _require_planner(request)
    scope = get_scope(request.user)
    today = services.local_today()
    return render(
        request,
        "inspections/ranking_list.html",
        {
            "title": "红黑榜",
            "page": Paginator(scoped(Ranking, request.user).select_related("office"), PAGE_SIZE).get_page(
                request.GET.get("page")
            ),
            "form": forms.BulletinForm(initial={"start": today.replace(day=1), "end": today})
            if scope.has_role(Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN)
            else None,
            "rules": services.ranking_rules(_admin_office(scope)),
            "may_set_rules": scope.is_platform or scope.has_role(Role.OFFICE_ADMIN),
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
        ranking = services.ranking_compute(
            user=request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
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
            "breadcrumbs": [
                ("红黑榜", reverse("inspections:ranking_list")),
                (f"{ranking.period_end:%Y-%m-%d}", None),
            ],
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
        (
            [
                e.position,
                e.unit.name,
                e.score,
                e.due,
                e.closed,
                e.on_time,
                e.overdue,
                e.repeats,
                labels[e.listed],
            ]
            for e in _entries(ranking)
        ),
        sheet_name="红黑榜",
        column_widths=[6, 36, 8, 10, 8, 10, 12, 10, 8],
    )


@login_not_required
@require_safe
def public_ranking_list(request):
    """The published red and black lists, for everyone (no account)."""
    rankings = (
        Ranking.objects.filter(status=RankingStatus.PUBLISHED)
        .select_related("office")
        .order_by("-period_end", "-id")
    )
    return render(
        request,
        "inspections/public_ranking_list.html",
        {"title": "红黑榜公示", "page": Paginator(rankings, PAGE_SIZE).get_page(request.GET.get("page"))},
    )


@login_not_required
@require_safe
def public_ranking_detail(request, ranking_id: int):
    ranking = (
        Ranking.objects.filter(status=RankingStatus.PUBLISHED, pk=ranking_id).select_related("office").first()
    )
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
    d = selectors.dashboard(user=request.user, today=services.local_today())
    ledger = reverse("inspections:finding_list")
    # The trend chart's data (read by inspections/trend.js from a JSON script tag: no inline script):
    # every point carries the ledger link that lists exactly its records.
    series = [
        ("found", "发现", "month"),
        ("closed", "销号", "closed_month"),
        ("overdue", "逾期", "overdue_month"),
    ]
    trend_chart = {
        "months": [r["month"] for r in d["trend"]],
        "series": [
            {
                "name": label,
                "data": [{"value": r[key], "href": f"{ledger}?{param}={r['month']}"} for r in d["trend"]],
            }
            for key, label, param in series
        ],
    }
    return render(
        request,
        "inspections/dashboard.html",
        {
            "title": "督查整改统计",
            "d": d,
            "trend_chart": trend_chart,
            "ledger": ledger,
            "breadcrumbs": [("督查整改统计", None)],
        },
    )


# --- 随手拍 (public reports) ----------------------------------------------------------------------


def _public_report(receipt: str):
    from wenming.inspections.models import PublicReport

    code = services.receipt_normalise(receipt)
    report = (
        PublicReport.objects.filter(code=code).select_related("region", "office", "finding").first()
        if len(code) == services.RECEIPT_LENGTH
        else None
    )
    if report is None:
        raise Http404("未找到该回执码")
    return report


@login_not_required
@require_http_methods(["GET", "POST"])
def public_report_create(request):
    """随手拍: a resident reports a problem from a phone, without an account (CSRF still applies)."""
    from wenming.audit.context import client_ip

    offices = services.report_offices()
    form = forms.PublicReportForm(request.POST or None, request.FILES or None, offices=offices)
    refused = ""
    if request.method == "POST":
        refused = services.report_over_limit(ip=client_ip(request), phone=request.POST.get("phone", ""))
        if refused:
            form.add_error(None, refused)
        elif form.is_valid():
            data = form.cleaned_data
            office = next((o for o in offices if o.pk == data["office"]), None)
            try:
                if office is None:
                    raise ValidationError("请选择问题所在的区域")
                report = services.report_submit(
                    office=office,
                    location_text=data["location_text"],
                    description=data["description"],
                    photos=data["photos"],
                    phone=data["phone"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                )
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                return redirect(reverse("inspections:public_report_status", args=[report.receipt]) + "?new=1")
    return render(
        request,
        "inspections/public_report_form.html",
        {"title": "随手拍", "form": form, "max_photos": services.REPORT_MAX_PHOTOS},
        status=429 if refused else 200,
    )


@login_not_required
@require_safe
def public_report_lookup(request):
    """Type a receipt code to reach its status page."""
    receipt = request.GET.get("receipt", "").strip()
    error = ""
    if receipt:
        try:
            report = _public_report(receipt)
        except Http404:
            error = "未找到该回执码，请核对后重新输入"
        else:
            return redirect("inspections:public_report_status", report.receipt)
    return render(
        request,
        "inspections/public_report_lookup.html",
        {"title": "随手拍进度查询", "receipt": receipt, "error": error},
    )


@login_not_required
@require_safe
def public_report_status(request, receipt: str):
    """What happened to a report, for whoever holds its receipt code."""
    report = _public_report(receipt)
    return render(
        request,
        "inspections/public_report_status.html",
        {
            "title": f"随手拍 {report.receipt}",
            "report": report,
            "photos": list(report.photos.all()),
            "finding": report.finding,
            "new": request.GET.get("new") == "1",
        },
    )


@login_not_required
@require_safe
def public_report_photo(request, receipt: str, file_id: int):
    """A report's photo (stored without metadata) for whoever holds the receipt code."""
    report = _public_report(receipt)
    stored = report.photos.filter(pk=file_id).select_related("blob").first()
    if stored is None:
        raise Http404("未找到")
    return _serve_stored(stored)


def _report(request, report_id: int):
    from wenming.inspections.models import PublicReport

    report = access(
        PublicReport.objects.select_related("region", "office", "finding", "triaged_by__profile"),
        request.user,
        pk=report_id,
    )
    _require_planner(request)
    return report


def report_list(request):
    from wenming.inspections.models import ReportStatus

    _require_planner(request)
    status = request.GET.get("status", ReportStatus.PENDING)
    qs = selectors.report_list(user=request.user, status=status)
    return render(
        request,
        "inspections/report_list.html",
        {
            "title": "随手拍",
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "statuses": ReportStatus.choices,
            "status": status,
            "breadcrumbs": [("随手拍", None)],
        },
    )


def _report_forms(request, report, accept_form=None, reject_form=None) -> dict:
    from wenming.orgs.regions import prefix_of

    points = selectors.point_list(user=request.user).filter(
        is_active=True, region_code__startswith=prefix_of(report.region_code)
    )
    shown = InspectionPoint.objects.filter(pk__in=[p.pk for p in points[:POINT_CHOICES_SHOWN]]).order_by(
        "name"
    )
    return {
        "accept_form": accept_form
        or forms.ReportAcceptForm(
            points=shown,
            units=selectors.reassign_units(user=request.user),
            initial={"location_text": report.location_text},
        ),
        "reject_form": reject_form or forms.ReportRejectForm(),
    }


def report_detail(
    request, report_id: int, *, accept_form=None, reject_form=None, status: int = 200, revealed_phone=""
):
    from wenming.inspections.models import ReportStatus

    report = _report(request, report_id)
    can_triage = report.status == ReportStatus.PENDING and services.may_triage(request.user, report)
    context = {
        "title": f"随手拍 {report.receipt}",
        "report": report,
        "photos": list(report.photos.all()),
        "can_triage": can_triage,
        "may_reveal": bool(report.phone_enc) and services.may_triage(request.user, report),
        "revealed_phone": revealed_phone,
        "finding_visible": report.finding_id is not None
        and scoped(Finding, request.user).filter(pk=report.finding_id).exists(),
        "breadcrumbs": [("随手拍", reverse("inspections:report_list")), (report.receipt, None)],
    }
    if can_triage:
        context.update(_report_forms(request, report, accept_form, reject_form))
    return render(request, "inspections/report_detail.html", context, status=status)


@require_POST
def report_accept(request, report_id: int):
    report = _report(request, report_id)
    form = forms.ReportAcceptForm(
        request.POST,
        points=selectors.point_list(user=request.user),
        units=selectors.reassign_units(user=request.user),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_accept(
                report=report,
                user=request.user,
                category=data["category"],
                severity=data["severity"],
                point=data["point"],
                responsible_unit=data["responsible_unit"],
                location_text=data["location_text"],
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"已受理并挂账：问题 #{report.finding_id}")
        return redirect("inspections:report_detail", report.pk)
    return report_detail(request, report_id, accept_form=form, status=400)


@require_POST
def report_reject(request, report_id: int):
    report = _report(request, report_id)
    form = forms.ReportRejectForm(request.POST)
    if form.is_valid():
        try:
            services.report_reject(report=report, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, "已不予受理，举报人可在进度页看到理由")
        return redirect("inspections:report_detail", report.pk)
    return report_detail(request, report_id, reject_form=form, status=400)


@require_POST
def report_phone(request, report_id: int):
    """显示完整手机号 (to call the reporter back): a POST, audited every time, never cached."""
    report = _report(request, report_id)
    try:
        phone = services.report_reveal_phone(report=report, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("inspections:report_detail", report.pk)
    response = report_detail(request, report_id, revealed_phone=phone)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def report_photo(request, report_id: int, file_id: int):
    report = _report(request, report_id)
    stored = report.photos.filter(pk=file_id).select_related("blob").first()
    if stored is None:
        raise Http404("未找到")
    return _serve_stored(stored)


# --- settings: point types and categories ---------------------------------------------------------


def _settings_int(value: str, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError("请填写整数") from None


@require_http_methods(["GET", "POST"])
def settings_lists(request):
    """点位类型 and 问题类别 (platform-wide lists): add a row, or change one (name, order, days,
    active). Rows are never deleted — a finding or point may use them; deactivate instead."""
    if not services.may_configure_lists(request.user):
        raise PermissionDenied("只有平台管理员或文明办管理员可以修改点位类型和问题类别")
    if request.method == "POST":
        kind = request.POST.get("kind")
        pk = _int(request.POST.get("pk"))
        try:
            common = {
                "user": request.user,
                "pk": pk,
                "name": request.POST.get("name", ""),
                "sort_order": _settings_int(request.POST.get("sort_order") or "0"),
                "is_active": request.POST.get("is_active") == "on",
            }
            if kind == "type":
                services.point_type_save(**common)
            elif kind == "category":
                services.category_save(
                    **common,
                    days_minor=_settings_int(request.POST.get("days_minor")),
                    days_major=_settings_int(request.POST.get("days_major")),
                    days_severe=_settings_int(request.POST.get("days_severe")),
                )
            else:
                raise ValidationError("未知的设置项")
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, "已保存")
        return redirect("inspections:settings_lists")
    return render(
        request,
        "inspections/settings_lists.html",
        {
            "title": "点位类型与问题类别",
            "types": list(PointType.objects.all()),
            "categories": list(FindingCategory.objects.all()),
            "breadcrumbs": [("点位", reverse("inspections:point_list")), ("点位类型与问题类别", None)],
        },
    )
