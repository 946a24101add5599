"""Framework pages: list, tree, edit (office admins of the owning office), derive, versions,
import/export and compare. Objects come through ``access`` (out of scope → 404); edits are
refused with 403 unless ``framework_can_edit``; every change goes through services."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from wenming.audit.models import Action
from wenming.audit.services import audit_record
from wenming.frameworks import selectors, services
from wenming.frameworks.forms import CriterionForm, DeriveForm, FrameworkForm, ImportForm
from wenming.frameworks.models import Criterion, Framework, FrameworkKind, FrameworkStatus
from wenming.frameworks.schemes import scheme_summary
from wenming.frameworks.services import Spec, TreeInvalid
from wenming.frameworks.transfer import (
    HEADERS,
    TEMPLATE_ROWS,
    framework_yaml,
    parse_xlsx,
    parse_yaml,
    xlsx_rows,
)
from wenming.orgs.access import access, get_scope, require_role, scoped
from wenming.orgs.models import Organisation, Role
from wenming.web.excel import xlsx_response

PAGE_SIZE = 30


def fmt_decimal(value) -> str:
    """14.00 -> 14, 1.50 -> 1.5 (no exponent for 100)."""
    return "" if value is None else format(value.normalize(), "f")


def _crumbs(framework: Framework | None = None, *extra):
    out = [("测评体系", reverse("frameworks:framework_list"))]
    if framework is not None:
        out.append((framework.title, reverse("frameworks:framework_detail", args=[framework.pk])))
    return out + list(extra)


def _editable(request, framework_id: int) -> Framework:
    framework = access(Framework.objects.select_related("owner"), request.user, pk=framework_id)
    if not services.framework_can_edit(scope=get_scope(request.user), framework=framework):
        if framework.status == FrameworkStatus.FROZEN:
            raise PermissionDenied("该版本已冻结，请先生成新版本再修改")
        raise PermissionDenied("只有所属文明办的管理员可以修改该测评体系")
    return framework


def _admin_offices(request):
    scope = get_scope(request.user)
    return list(Organisation.objects.filter(pk__in=scope.admin_office_ids).order_by("region_code"))


def framework_list(request):
    qs = selectors.framework_list(
        user=request.user,
        q=request.GET.get("q", "").strip()[:50],
        kind=request.GET.get("kind", ""),
        status=request.GET.get("status", ""),
    )
    scope = get_scope(request.user)
    return render(
        request,
        "frameworks/framework_list.html",
        {
            "title": "测评体系",
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "kinds": FrameworkKind.choices,
            "statuses": FrameworkStatus.choices,
            "fmt": fmt_decimal,
            "can_create": bool(scope.admin_office_ids) or scope.is_platform,
            "breadcrumbs": [("测评体系", None)],
        },
    )


def framework_detail(request, framework_id: int):
    framework = access(
        Framework.objects.select_related("owner", "derived_from"), request.user, pk=framework_id
    )
    scope = get_scope(request.user)
    roots = selectors.framework_tree(framework=framework)
    versions = selectors.framework_versions(user=request.user, framework=framework)
    return render(
        request,
        "frameworks/framework_detail.html",
        {
            "title": framework.title,
            "framework": framework,
            "roots": roots,
            "thresholds": list(framework.thresholds.all()),
            "veto": list(framework.veto_conditions.all()),
            "adjustments": list(framework.adjustments.all()),
            "versions": versions,
            "can_edit": services.framework_can_edit(scope=scope, framework=framework),
            "can_derive": bool(scope.admin_office_ids) and framework.status != FrameworkStatus.DRAFT,
            "can_version": (scope.is_platform or framework.owner_id in scope.admin_office_ids)
            and framework.status != FrameworkStatus.DRAFT,
            "scheme_summary": scheme_summary,
            "fmt": fmt_decimal,
            "breadcrumbs": _crumbs(None, (framework.title, None)),
        },
    )


@require_http_methods(["GET", "POST"])
def framework_create(request):
    require_role(request.user, Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN)
    offices = _admin_offices(request)
    if not offices and not get_scope(request.user).is_platform:
        raise PermissionDenied("只有文明办管理员可以新建测评体系")
    form = FrameworkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        spec = Spec(
            meta={k: d[k] for k in services.META_FIELDS},
            thresholds=d["thresholds"],
            veto=d["veto"],
            adjustments=d["adjustments"],
        )
        try:
            framework = services.framework_create(owner=offices[0] if offices else None, spec=spec)
        except ValidationError as exc:
            form.add_error(None, "；".join(exc.messages))
        else:
            messages.success(request, "已新建测评体系（草稿），请添加测评项目")
            return redirect("frameworks:framework_detail", framework.pk)
    return render(
        request,
        "frameworks/framework_form.html",
        {"title": "新建测评体系", "form": form, "breadcrumbs": _crumbs(None, ("新建", None))},
    )


@require_http_methods(["GET", "POST"])
def framework_edit(request, framework_id: int):
    framework = _editable(request, framework_id)
    form = FrameworkForm(request.POST or None, initial=FrameworkForm.initial_for(framework))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.framework_update(framework=framework, **{k: d[k] for k in services.META_FIELDS})
            services.framework_set_rules(
                framework=framework, thresholds=d["thresholds"], veto=d["veto"], adjustments=d["adjustments"]
            )
        except ValidationError as exc:
            form.add_error(None, "；".join(exc.messages))
        else:
            messages.success(request, "已保存")
            return redirect("frameworks:framework_detail", framework.pk)
    return render(
        request,
        "frameworks/framework_form.html",
        {
            "title": "修改测评体系",
            "form": form,
            "framework": framework,
            "breadcrumbs": _crumbs(framework, ("修改", None)),
        },
    )


@require_http_methods(["GET", "POST"])
def framework_derive(request, framework_id: int):
    source = access(Framework, request.user, pk=framework_id)
    if source.status == FrameworkStatus.DRAFT:
        raise PermissionDenied("草稿不能派生，请先发布")
    offices = _admin_offices(request)
    if not offices:
        raise PermissionDenied("只有文明办管理员可以派生本地版本")
    form = DeriveForm(request.POST or None, offices=offices, initial={"title": f"{source.title}（本地版）"})
    if request.method == "POST" and form.is_valid():
        framework = services.framework_derive(
            source=source, owner=form.cleaned_data["owner"], title=form.cleaned_data["title"]
        )
        messages.success(request, "已派生本地版本（草稿），可调整分值、增加本地测评标准后发布")
        return redirect("frameworks:framework_detail", framework.pk)
    return render(
        request,
        "frameworks/simple_form.html",
        {
            "title": "派生本地版本",
            "form": form,
            "submit": "派生",
            "breadcrumbs": _crumbs(source, ("派生本地版本", None)),
        },
    )


@require_POST
def framework_publish(request, framework_id: int):
    framework = _editable(request, framework_id)
    try:
        services.framework_publish(framework=framework)
    except ValidationError as exc:
        messages.error(request, "不能发布：" + "；".join(exc.messages[:10]))
    else:
        messages.success(request, "已发布，辖区内的文明办和单位可以看到并使用")
    return redirect("frameworks:framework_detail", framework.pk)


@require_POST
def framework_new_version(request, framework_id: int):
    framework = access(Framework, request.user, pk=framework_id)
    scope = get_scope(request.user)
    if not (scope.is_platform or framework.owner_id in scope.admin_office_ids):
        raise PermissionDenied("只有所属文明办的管理员可以生成新版本")
    try:
        new = services.framework_new_version(framework=framework)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("frameworks:framework_detail", framework.pk)
    messages.success(request, f"已生成第 {new.version} 版（草稿）")
    return redirect("frameworks:framework_detail", new.pk)


@require_http_methods(["GET", "POST"])
def criterion_create(request, framework_id: int):
    framework = _editable(request, framework_id)
    parent = request.GET.get("parent", "")
    form = CriterionForm(request.POST or None, framework=framework, initial={"parent": parent})
    if request.method == "POST" and form.is_valid():
        try:
            services.criterion_save(framework=framework, node=form.node())
        except ValidationError as exc:
            form.add_error(None, "；".join(exc.messages))
        else:
            messages.success(request, "已添加")
            return redirect("frameworks:framework_detail", framework.pk)
    return render(
        request,
        "frameworks/criterion_form.html",
        {
            "title": "添加测评项目/标准",
            "form": form,
            "framework": framework,
            "breadcrumbs": _crumbs(framework, ("添加", None)),
        },
    )


def _criterion(request, criterion_id: int) -> Criterion:
    criterion = access(Criterion.objects.select_related("framework"), request.user, pk=criterion_id)
    _editable(request, criterion.framework_id)
    return criterion


@require_http_methods(["GET", "POST"])
def criterion_edit(request, criterion_id: int):
    criterion = _criterion(request, criterion_id)
    framework = criterion.framework
    form = CriterionForm(
        request.POST or None,
        framework=framework,
        criterion=criterion,
        initial=CriterionForm.initial_for(criterion),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.criterion_save(framework=framework, node=form.node(), criterion=criterion)
        except ValidationError as exc:
            form.add_error(None, "；".join(exc.messages))
        else:
            messages.success(request, "已保存")
            return redirect("frameworks:framework_detail", framework.pk)
    return render(
        request,
        "frameworks/criterion_form.html",
        {
            "title": f"修改 {criterion.code}",
            "form": form,
            "framework": framework,
            "criterion": criterion,
            "breadcrumbs": _crumbs(framework, ("修改", None)),
        },
    )


@require_POST
def criterion_delete(request, criterion_id: int):
    criterion = _criterion(request, criterion_id)
    services.criterion_delete(criterion=criterion)
    messages.success(request, f"已删除 {criterion.code} 及其下级")
    return redirect("frameworks:framework_detail", criterion.framework_id)


@require_POST
def criterion_move(request, criterion_id: int):
    criterion = _criterion(request, criterion_id)
    if not services.criterion_move(criterion=criterion, up=request.POST.get("direction") != "down"):
        messages.info(request, "已在最前或最后")
    return redirect(
        f"{reverse('frameworks:framework_detail', args=[criterion.framework_id])}#c-{criterion.pk}"
    )


@require_http_methods(["GET", "POST"])
def framework_import(request, framework_id: int):
    framework = _editable(request, framework_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        is_yaml = upload.name.lower().endswith((".yaml", ".yml"))
        if is_yaml:
            result = parse_yaml(upload.read(1024 * 1024 + 1))
        else:
            result = parse_xlsx(upload)
        errors = result.errors
        if result.ok:
            try:
                count = services.framework_replace(
                    framework=framework, spec=result.spec, replace_meta=is_yaml, source_name=upload.name
                )
            except TreeInvalid as exc:
                errors = exc.errors
            else:
                messages.success(request, f"已导入 {count} 个测评项目/标准")
                return redirect("frameworks:framework_detail", framework.pk)
    return render(
        request,
        "frameworks/import.html",
        {
            "title": "导入测评体系",
            "form": form,
            "framework": framework,
            "errors": errors,
            "headers": HEADERS,
            "breadcrumbs": _crumbs(framework, ("导入", None)),
        },
    )


def import_template(request):
    require_role(request.user, Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN)
    return xlsx_response(
        "测评体系导入模板.xlsx",
        HEADERS,
        TEMPLATE_ROWS,
        sheet_name="测评体系",
        column_widths=[10, 10, 40, 40, 30, 24, 12, 20, 8, 10, 30, 20],
    )


def framework_export_xlsx(request, framework_id: int):
    framework = access(Framework, request.user, pk=framework_id)
    rows = xlsx_rows(services.framework_nodes(framework=framework))
    response = xlsx_response(
        f"{framework.title}-第{framework.version}版.xlsx",
        HEADERS,
        rows,
        sheet_name="测评体系",
        column_widths=[10, 10, 40, 40, 30, 24, 12, 20, 8, 10, 30, 20],
    )
    audit_record(
        action=Action.EXPORT, obj=framework, changes={"format": "xlsx", "rows": response.export.rows}
    )
    return response


def framework_export_yaml(request, framework_id: int):
    framework = access(Framework, request.user, pk=framework_id)
    text = framework_yaml(framework)
    response = HttpResponse(text.encode("utf-8"), content_type="application/yaml; charset=utf-8")
    name = quote(f"{framework.title}-第{framework.version}版.yaml")
    response["Content-Disposition"] = (
        f"attachment; filename=\"framework-{framework.pk}.yaml\"; filename*=UTF-8''{name}"
    )
    response["Cache-Control"] = "no-store"
    audit_record(action=Action.EXPORT, obj=framework, changes={"format": "yaml"})
    return response


def framework_compare(request, framework_id: int):
    framework = access(Framework, request.user, pk=framework_id)
    candidates = (
        scoped(Framework, request.user)
        .exclude(pk=framework.pk)
        .only("pk", "title", "version")
        .order_by("title", "version")[:200]
    )
    other_id = request.GET.get("other", "")
    other = comparison = None
    if other_id.isdigit():
        other = access(Framework, request.user, pk=int(other_id))
        comparison = selectors.framework_compare(old=other, new=framework)
    elif (
        framework.derived_from_id
        and scoped(Framework, request.user).filter(pk=framework.derived_from_id).exists()
    ):
        return redirect(
            f"{reverse('frameworks:framework_compare', args=[framework.pk])}?other={framework.derived_from_id}"
        )
    return render(
        request,
        "frameworks/compare.html",
        {
            "title": "版本对比",
            "framework": framework,
            "other": other,
            "candidates": candidates,
            "comparison": comparison,
            "labels": selectors.FIELD_LABELS,
            "fmt": fmt_decimal,
            "breadcrumbs": _crumbs(framework, ("版本对比", None)),
        },
    )
