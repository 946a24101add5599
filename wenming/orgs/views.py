"""Organisation administration pages: regions, organisations, departments, users, memberships.

Thin views: fetch through ``access``/selectors (out of scope → 404), ask the rules in services
(not allowed → 403), hand the change to a service (audited), answer in Chinese.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from wenming.orgs import forms, imports, selectors, services
from wenming.orgs.access import access, get_scope, require_admin_of, require_role, scoped
from wenming.orgs.models import Department, Membership, Organisation, OrgKind, Region, Role, UnitType
from wenming.orgs.regions import Level
from wenming.web.excel import xlsx_response

PAGE_SIZE = 50
# How many organisations a grant form lists at once; more are found with the search box.
ORG_CHOICES_SHOWN = 200


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _bool_param(value: str | None) -> bool | None:
    return {"1": True, "0": False}.get(value or "")


def _error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# --- Regions --------------------------------------------------------------------------------


def region_list(request):
    level = request.GET.get("level") or None
    qs = selectors.region_list(
        user=request.user,
        q=request.GET.get("q", "").strip(),
        level=int(level) if level and level.isdigit() else None,
    )
    scope = get_scope(request.user)
    return render(
        request,
        "orgs/region_list.html",
        {
            "title": "行政区划",
            "page": _page(request, qs),
            "levels": Level.choices,
            "can_import": scope.has_role(Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN),
            "breadcrumbs": [("行政区划", None)],
        },
    )


@require_http_methods(["GET", "POST"])
def region_import(request):
    require_role(request.user, Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN)
    form = forms.RegionImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = imports.region_import(file=upload, user=request.user, source_name=upload.name)
        if report.ok:
            created = len(report.created)
            text = f"已导入 {created} 个区划" + (f"；{report.unchanged} 个已存在且名称一致，未改动" if report.unchanged else "")
            messages.success(request, text)
            return redirect("orgs:region_list")
    return render(
        request,
        "orgs/region_import.html",
        {
            "title": "导入区划",
            "form": form,
            "report": report,
            "max_rows": imports.MAX_ROWS,
            "max_mb": imports.MAX_BYTES // (1024 * 1024),
            "breadcrumbs": [("行政区划", reverse("orgs:region_list")), ("导入区划", None)],
        },
    )


def region_import_template(request):
    require_role(request.user, Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN)
    scope = get_scope(request.user)
    example = scope.admin_prefixes[0] if scope.admin_prefixes else "99"
    sample = (example + "0" * 12)[:12]
    return xlsx_response(
        "区划导入模板.xlsx",
        [imports.CODE, imports.NAME],
        [[sample, "（示例，导入前请删除本行）"]],
        sheet_name="区划",
        column_widths=[18, 30],
    )


# --- Organisations --------------------------------------------------------------------------


def org_list(request):
    no_admin = request.GET.get("no_admin") == "1"
    qs = selectors.organisation_list(
        user=request.user,
        q=request.GET.get("q", "").strip(),
        kind=request.GET.get("kind", ""),
        unit_type=request.GET.get("unit_type", ""),
        region_code=request.GET.get("region", "").strip(),
        active=_bool_param(request.GET.get("active")),
        no_admin=no_admin,
    )
    scope = get_scope(request.user)
    return render(
        request,
        "orgs/org_list.html",
        {
            "title": "未设置创建办管理员的单位" if no_admin else "组织",
            "page": _page(request, qs),
            "kinds": OrgKind.choices,
            "unit_types": UnitType.choices,
            "no_admin": no_admin,
            "can_create": scope.is_platform or bool(scope.admin_prefixes),
            "breadcrumbs": [("组织", None)],
        },
    )


def _prefix_q(prefixes, field: str) -> Q:
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(**{f"{field}__startswith": prefix})
    return q


def _supervisors(request):
    return scoped(Organisation, request.user).filter(kind=OrgKind.UNIT, unit_type=UnitType.ORGAN, is_active=True).order_by(
        "region_code", "name"
    )


@require_http_methods(["GET", "POST"])
def org_create(request):
    scope = get_scope(request.user)
    if not (scope.is_platform or scope.admin_prefixes):
        raise PermissionDenied("只有平台管理员和文明办管理员可以新建组织")
    regions = Region.objects.filter(_prefix_q(scope.admin_prefixes, "code")) if not scope.is_platform else Region.objects.all()
    form = forms.OrganisationForm(
        request.POST or None, scope=scope, regions=regions.order_by("code"), supervisors=_supervisors(request)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            org = services.organisation_create(
                kind=data["kind"],
                name=data["name"],
                region=data["region"],
                unit_type=data["unit_type"],
                supervisor=data["supervisor"],
                short_name=data["short_name"],
                credit_code=data["credit_code"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"已新建组织“{org.name}”")
            return redirect("orgs:org_detail", org.pk)
    return render(
        request,
        "orgs/org_form.html",
        {"title": "新建组织", "form": form, "breadcrumbs": [("组织", reverse("orgs:org_list")), ("新建", None)]},
    )


def org_detail(request, org_id: int):
    org = access(Organisation.objects.select_related("region", "supervisor"), request.user, pk=org_id)
    scope = get_scope(request.user)
    roles = services.grantable_roles(scope=scope, organisation=org)
    member_form = None
    if roles:
        member_form = forms.MemberAddForm(
            scope=scope,
            organisations=Organisation.objects.none(),
            departments=org.departments.all(),
            organisation=org,
            visible_users=selectors.user_list(user=request.user),
        )
    memberships = selectors.organisation_members(organisation=org)
    return render(
        request,
        "orgs/org_detail.html",
        {
            "title": org.name,
            "org": org,
            "departments": list(org.departments.order_by("sort_order", "name")),
            "memberships": memberships,
            "revocable": {
                m.pk
                for m in memberships
                if services.may_grant(scope=scope, role=m.role, organisation=org)
            },
            "member_form": member_form,
            "can_edit": services.may_edit_organisation(scope=scope, organisation=org),
            "can_manage_departments": services.may_manage_departments(scope=scope, organisation=org),
            "can_add_user": bool(roles),
            "breadcrumbs": [("组织", reverse("orgs:org_list")), (org.name, None)],
        },
    )


@require_http_methods(["GET", "POST"])
def org_edit(request, org_id: int):
    org = access(Organisation.objects.select_related("region"), request.user, pk=org_id)
    scope = get_scope(request.user)
    if not services.may_edit_organisation(scope=scope, organisation=org):
        raise PermissionDenied("您没有修改该组织的权限")
    regions = Region.objects.all() if scope.is_platform else Region.objects.filter(_prefix_q(scope.admin_prefixes, "code"))
    form = forms.OrganisationForm(
        request.POST or None, scope=scope, regions=regions.order_by("code"), supervisors=_supervisors(request), instance=org
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.organisation_update(
                org=org,
                name=data["name"],
                short_name=data["short_name"],
                region=data["region"],
                unit_type=data["unit_type"] if org.kind == OrgKind.UNIT else "",
                supervisor=data["supervisor"],
                credit_code=data["credit_code"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                is_active=data["is_active"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "组织信息已保存")
            return redirect("orgs:org_detail", org.pk)
    return render(
        request,
        "orgs/org_form.html",
        {
            "title": f"修改：{org.name}",
            "form": form,
            "org": org,
            "breadcrumbs": [("组织", reverse("orgs:org_list")), (org.name, reverse("orgs:org_detail", args=[org.pk])), ("修改", None)],
        },
    )


@require_POST
def org_member_add(request, org_id: int):
    org = access(Organisation, request.user, pk=org_id)
    scope = get_scope(request.user)
    if not services.grantable_roles(scope=scope, organisation=org):
        raise PermissionDenied("您不能在该组织授予角色")
    form = forms.MemberAddForm(
        request.POST,
        scope=scope,
        organisations=Organisation.objects.none(),
        departments=org.departments.all(),
        organisation=org,
        visible_users=selectors.user_list(user=request.user),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_add(user=form.target, role=data["role"], organisation=org, department=data["department"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"已授予 {form.target.username} “{Role(data['role']).label}”角色")
    else:
        messages.error(request, "未能添加成员：" + "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("orgs:org_detail", org.pk)


# --- Departments ----------------------------------------------------------------------------


def _unit_for_departments(request, org_id: int) -> Organisation:
    org = access(Organisation, request.user, pk=org_id)
    if org.kind != OrgKind.UNIT:
        raise PermissionDenied("只有创建单位设有科室")
    return org


@require_http_methods(["GET", "POST"])
def department_list(request, org_id: int):
    org = _unit_for_departments(request, org_id)
    scope = get_scope(request.user)
    can_manage = services.may_manage_departments(scope=scope, organisation=org)
    form = forms.DepartmentForm(request.POST or None, organisation=org)
    if request.method == "POST":
        require_admin_of(request.user, org)
        if form.is_valid():
            try:
                dept = services.department_create(
                    organisation=org, name=form.cleaned_data["name"], sort_order=form.cleaned_data["sort_order"] or 0
                )
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, f"已添加科室“{dept.name}”")
                return redirect("orgs:department_list", org.pk)
    no_lead = request.GET.get("no_lead") == "1"
    departments = selectors.department_list(user=request.user, organisation=org, no_lead=no_lead)
    lead_form = forms.DepartmentLeadForm(members=selectors.organisation_member_users(organisation=org)) if can_manage else None
    return render(
        request,
        "orgs/department_list.html",
        {
            "title": f"{org.name} · 科室" + ("（未设置责任人）" if no_lead else ""),
            "org": org,
            "departments": departments,
            "form": form if can_manage else None,
            "lead_form": lead_form,
            "can_manage": can_manage,
            "no_lead": no_lead,
            "breadcrumbs": [
                ("组织", reverse("orgs:org_list")),
                (org.name, reverse("orgs:org_detail", args=[org.pk])),
                ("科室", None),
            ],
        },
    )


def _managed_department(request, department_id: int) -> Department:
    dept = access(Department.objects.select_related("organisation"), request.user, pk=department_id)
    require_admin_of(request.user, dept.organisation)  # the unit's admin or an office admin above it
    return dept


@require_http_methods(["GET", "POST"])
def department_edit(request, department_id: int):
    dept = _managed_department(request, department_id)
    org = dept.organisation
    form = forms.DepartmentForm(request.POST or None, organisation=org, instance=dept)
    if request.method == "POST" and form.is_valid():
        try:
            services.department_update(department=dept, name=form.cleaned_data["name"], sort_order=form.cleaned_data["sort_order"] or 0)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "科室已保存")
            return redirect("orgs:department_list", org.pk)
    return render(
        request,
        "orgs/department_form.html",
        {
            "title": f"修改科室：{dept.name}",
            "form": form,
            "dept": dept,
            "org": org,
            "breadcrumbs": [
                (org.name, reverse("orgs:org_detail", args=[org.pk])),
                ("科室", reverse("orgs:department_list", args=[org.pk])),
                (dept.name, None),
            ],
        },
    )


@require_POST
def department_delete(request, department_id: int):
    dept = _managed_department(request, department_id)
    org_id, name = dept.organisation_id, dept.name
    try:
        services.department_delete(department=dept)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已删除科室“{name}”")
    return redirect("orgs:department_list", org_id)


@require_POST
def department_lead(request, department_id: int):
    dept = _managed_department(request, department_id)
    org = dept.organisation
    scope = get_scope(request.user)
    if not services.may_grant(scope=scope, role=Role.DEPT_LEAD, organisation=org):
        raise PermissionDenied("您不能在该单位设置科室责任人")
    form = forms.DepartmentLeadForm(request.POST, members=selectors.organisation_member_users(organisation=org))
    if form.is_valid():
        try:
            services.department_lead_set(department=dept, user=form.cleaned_data["user"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"已设置“{dept.name}”的责任人")
    else:
        messages.error(request, "请选择本单位的人员")
    return redirect("orgs:department_list", org.pk)


# --- Users ----------------------------------------------------------------------------------


def user_list(request):
    role = request.GET.get("role", "")
    qs = selectors.user_list(
        user=request.user,
        q=request.GET.get("q", "").strip(),
        active=_bool_param(request.GET.get("active")),
        role=role if role in Role.values else "",
    )
    scope = get_scope(request.user)
    return render(
        request,
        "orgs/user_list.html",
        {
            "title": "用户",
            "page": _page(request, qs),
            "roles": Role.choices,
            "can_create": services.may_create_user(scope=scope),
            "breadcrumbs": [("用户", None)],
        },
    )


def _grant_querysets(request, scope, *, organisation: Organisation | None, bound: bool):
    """Organisations and departments for a grant form. A bound (POST) form validates against every
    organisation the admin may grant in; an unbound one lists at most ORG_CHOICES_SHOWN of them,
    narrowed by the ``org_q`` search box."""
    if organisation is not None:
        return Organisation.objects.none(), organisation.departments.all()
    organisations = services.grantable_organisations(scope=scope).order_by("region_code", "kind", "name")
    if bound:
        return organisations, Department.objects.filter(organisation__in=organisations).select_related("organisation")
    org_q = request.GET.get("org_q", "").strip()
    if org_q:
        organisations = organisations.filter(name__contains=org_q)
    shown = list(organisations[:ORG_CHOICES_SHOWN])
    shown_ids = [o.pk for o in shown]
    departments = Department.objects.filter(organisation_id__in=shown_ids).select_related("organisation").order_by(
        "organisation__region_code", "organisation__name", "sort_order"
    )
    return Organisation.objects.filter(pk__in=shown_ids).order_by("region_code", "kind", "name"), departments


@require_http_methods(["GET", "POST"])
def user_create(request):
    scope = get_scope(request.user)
    if not services.may_create_user(scope=scope):
        raise PermissionDenied("您没有新建用户的权限")
    organisation = None
    org_param = request.POST.get("org") or request.GET.get("org")
    if org_param and org_param.isdigit():
        organisation = access(Organisation, request.user, pk=int(org_param))
        if not services.grantable_roles(scope=scope, organisation=organisation):
            raise PermissionDenied("您不能在该组织授予角色")
    bound = request.method == "POST"
    organisations, departments = _grant_querysets(request, scope, organisation=organisation, bound=bound)
    form = forms.UserCreateForm(
        request.POST or None, scope=scope, organisations=organisations, departments=departments, organisation=organisation
    )
    if bound and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.user_onboard(
                username=data["username"],
                display_name=data["display_name"],
                phone=data["phone"],
                email=data["email"],
                password=data["password"] or None,
                role=data["role"],
                organisation=data["organisation"],
                department=data["department"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            # The password is shown in this response only: never in a message, log or redirect.
            response = render(
                request,
                "orgs/user_password_shown.html",
                {
                    "title": "用户已创建",
                    "target": user,
                    "password": password if data["password_mode"] == "generate" else None,
                    "breadcrumbs": [("用户", reverse("orgs:user_list")), (user.username, None)],
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "orgs/user_form.html",
        {
            "title": "新建用户",
            "form": form,
            "organisation": organisation,
            "org_search": organisation is None,
            "breadcrumbs": [("用户", reverse("orgs:user_list")), ("新建", None)],
        },
    )


def user_detail(request, user_id: int):
    target = selectors.user_get(user=request.user, user_id=user_id)
    scope = get_scope(request.user)
    can_manage = services.may_manage_user(scope=scope, user=target)
    memberships = selectors.user_memberships(user=request.user, target=target)
    grant_form = None
    if services.may_create_user(scope=scope):
        organisations, departments = _grant_querysets(request, scope, organisation=None, bound=False)
        grant_form = forms.MembershipForm(scope=scope, organisations=organisations, departments=departments, target=target)
    profile = getattr(target, "profile", None)
    edit_form = None
    if can_manage:
        edit_form = forms.UserEditForm(
            initial={"display_name": profile.display_name if profile else "", "phone": profile.phone if profile else "", "email": target.email}
        )
    return render(
        request,
        "orgs/user_detail.html",
        {
            "title": (profile.display_name if profile else target.username),
            "target": target,
            "profile": profile,
            "memberships": memberships,
            "revocable": {
                m.pk for m in memberships if services.may_grant(scope=scope, role=m.role, organisation=m.organisation)
            },
            "can_manage": can_manage,
            "is_self": target.pk == request.user.pk,
            "edit_form": edit_form,
            "grant_form": grant_form,
            "breadcrumbs": [("用户", reverse("orgs:user_list")), (target.username, None)],
        },
    )


def _managed_user(request, user_id: int):
    target = selectors.user_get(user=request.user, user_id=user_id)
    if not services.may_manage_user(scope=get_scope(request.user), user=target):
        raise PermissionDenied("您没有管理该用户的权限：该用户还属于您管辖范围以外的组织")
    return target


@require_POST
def user_edit(request, user_id: int):
    target = _managed_user(request, user_id)
    form = forms.UserEditForm(request.POST)
    if form.is_valid():
        try:
            services.user_update(
                user=target,
                display_name=form.cleaned_data["display_name"],
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, "用户信息已保存")
    else:
        messages.error(request, "未能保存：" + "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("orgs:user_detail", target.pk)


@require_POST
def user_active(request, user_id: int):
    target = _managed_user(request, user_id)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(user=target, active=active, actor_id=request.user.pk)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "账号已启用" if active else "账号已停用：该用户将无法登录")
    return redirect("orgs:user_detail", target.pk)


@require_http_methods(["GET", "POST"])
def user_password(request, user_id: int):
    target = _managed_user(request, user_id)
    form = forms.PasswordResetForm(request.POST or None, target=target)
    if request.method == "POST" and form.is_valid():
        try:
            password = services.user_password_reset(user=target, password=form.cleaned_data["password"] or None)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            response = render(
                request,
                "orgs/user_password_shown.html",
                {
                    "title": "密码已重置",
                    "target": target,
                    "password": password if form.cleaned_data["password_mode"] == "generate" else None,
                    "reset": True,
                    "breadcrumbs": [("用户", reverse("orgs:user_list")), (target.username, reverse("orgs:user_detail", args=[target.pk])), ("重置密码", None)],
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "orgs/user_password.html",
        {
            "title": f"重置密码：{target.username}",
            "form": form,
            "target": target,
            "breadcrumbs": [("用户", reverse("orgs:user_list")), (target.username, reverse("orgs:user_detail", args=[target.pk])), ("重置密码", None)],
        },
    )


@require_POST
def user_membership_add(request, user_id: int):
    target = selectors.user_get(user=request.user, user_id=user_id)
    scope = get_scope(request.user)
    if not services.may_create_user(scope=scope):
        raise PermissionDenied("您没有授予角色的权限")
    organisations, departments = _grant_querysets(request, scope, organisation=None, bound=True)
    form = forms.MembershipForm(request.POST, scope=scope, organisations=organisations, departments=departments, target=target)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_add(user=target, role=data["role"], organisation=data["organisation"], department=data["department"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"已授予“{Role(data['role']).label}”角色")
    else:
        messages.error(request, "未能授予角色：" + "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("orgs:user_detail", target.pk)


@require_POST
def membership_remove(request, membership_id: int):
    membership = access(Membership.objects.select_related("organisation", "user"), request.user, pk=membership_id)
    scope = get_scope(request.user)
    try:
        services.membership_remove_checked(membership=membership, scope=scope)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已撤销 {membership.user.username} 的“{membership.get_role_display()}”角色")
    target = request.POST.get("next", "")
    if target == "org" and membership.organisation_id:
        return redirect("orgs:org_detail", membership.organisation_id)
    if selectors.user_list(user=request.user).filter(pk=membership.user_id).exists():
        return redirect("orgs:user_detail", membership.user_id)
    return redirect("orgs:user_list")
