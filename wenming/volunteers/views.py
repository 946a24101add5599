"""志愿服务 pages. Thin: fetch through vscoped/vaccess (out of scope → 404), check the rule in
selectors (not allowed → 403), hand writes to services (audited), answer in Chinese."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from wenming.audit.context import client_ip
from wenming.audit.models import Action
from wenming.audit.services import audit_record
from wenming.orgs.access import get_scope, scoped
from wenming.orgs.models import Organisation, Region
from wenming.orgs.personal import BLIND_INDEX_HEX, decrypt
from wenming.orgs.regions import Level
from wenming.volunteers import forms, selectors, services
from wenming.volunteers.models import (
    ACTIVE_STATUSES,
    MembershipStatus,
    PoliticalStatus,
    RegistrationAttempt,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerOrg,
)
from wenming.volunteers.scoping import vaccess
from wenming.web.excel import xlsx_response

User = get_user_model()
PAGE_SIZE = 50
EXPORT_MAX_ROWS = 100_000
# Self-registration: at most this many attempts per client address per window.
REGISTER_LIMIT = 10
REGISTER_WINDOW = dt.timedelta(hours=1)
CHOICES_SHOWN = 500


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _communities():
    # Validated against all; forms.prepare_pickers renders only the chosen town's communities.
    return Region.objects.filter(level=Level.VILLAGE).order_by("code")


def _capped(qs):
    """A form's choices, at most CHOICES_SHOWN of them, as a filterable queryset (a sliced one
    cannot validate the submitted value)."""
    return qs.filter(pk__in=list(qs.values_list("pk", flat=True)[:CHOICES_SHOWN]))


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# --- Volunteers -----------------------------------------------------------------------------


def _keyed_redirect(request, params):
    """A search for a full ID number or phone: answer with a redirect to the same page that
    carries its masked form and keyed hashes instead, so the clear number leaves the URL."""
    found = selectors.lookup_keys(params.get("q", "").strip())
    if found is None:
        return None
    masked, keys = found
    query = params.copy()
    query["q"] = masked
    query.setlist("k", keys)
    query.pop("page", None)
    return redirect(f"{request.path}?{query.urlencode()}")


def _list_args(request, params) -> dict:
    keys = [k for k in params.getlist("k") if len(k) == BLIND_INDEX_HEX][:10]
    return dict(
        user=request.user,
        q="" if keys else params.get("q", "").strip(),
        keys=keys,
        org_id=_int(params.get("org")),
        team_id=_int(params.get("team")),
        political_status=params.get("political_status", ""),
        region=params.get("region", "").strip(),
        dual_unit_id=_int(params.get("dual_unit")),
        dual_community_id=_int(params.get("dual_community")),
    )


def volunteer_list(request):
    redirected = _keyed_redirect(request, request.GET)
    if redirected:
        return redirected
    qs = selectors.volunteer_list(**_list_args(request, request.GET))
    return render(
        request,
        "volunteers/volunteer_list.html",
        {
            "title": "志愿者",
            "page": _page(request, qs),
            "political_statuses": PoliticalStatus.choices,
            "can_create": selectors.managed_orgs(user=request.user).exists(),
            "can_export_full": selectors.may_unmask_any(user=request.user),
            "me": selectors.volunteer_for_user(request.user),
            "breadcrumbs": [("志愿服务", None)],
        },
    )


def _detail_context(request, volunteer: Volunteer) -> dict:
    memberships = (
        TeamMembership.objects.filter(volunteer=volunteer)
        .select_related("team", "team__org")
        .order_by("-applied_at")
    )
    return {
        "title": volunteer.name,
        "v": volunteer,
        "memberships": memberships,
        "can_unmask": selectors.volunteer_may_unmask(user=request.user, volunteer=volunteer),
        "breadcrumbs": [("志愿者", reverse("volunteers:volunteer_list")), (volunteer.name, None)],
    }


def volunteer_detail(request, volunteer_id: int):
    volunteer = vaccess(
        Volunteer.objects.select_related(
            "residence", "home_org", "dual_report_unit", "dual_report_community"
        ),
        request.user,
        pk=volunteer_id,
    )
    return render(request, "volunteers/volunteer_detail.html", _detail_context(request, volunteer))


@require_POST
def volunteer_reveal(request, volunteer_id: int):
    """显示完整证件号: a POST (never a link that could be prefetched), audited every time."""
    volunteer = vaccess(
        Volunteer.objects.select_related(
            "residence", "home_org", "dual_report_unit", "dual_report_community"
        ),
        request.user,
        pk=volunteer_id,
    )
    if not selectors.volunteer_may_unmask(user=request.user, volunteer=volunteer):
        raise PermissionDenied("您没有查看完整证件号的权限")
    id_number, phone = services.volunteer_reveal(volunteer=volunteer)
    context = _detail_context(request, volunteer)
    context.update(revealed_id=id_number, revealed_phone=phone)
    response = render(request, "volunteers/volunteer_detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def volunteer_create(request):
    orgs = selectors.managed_orgs(user=request.user)
    if not orgs.exists():
        raise PermissionDenied("只有志愿服务组织管理员和文明办管理员可以登记志愿者")
    form = forms.AdminVolunteerForm(
        request.POST or None,
        communities=_communities(),
        orgs=_capped(orgs),
        teams=_capped(Team.objects.filter(org__in=orgs, is_active=True).select_related("org")),
        units=_capped(_work_units(request, orgs)),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                volunteer = services.volunteer_register(
                    name=data["name"],
                    id_type=data["id_type"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    residence=data["residence"],
                    political_status=data["political_status"],
                    skills=data["skills"],
                    availability=data["availability"],
                    home_org=data["home_org"],
                    dual_report_unit=data["dual_report_unit"],
                    dual_report_community=data["dual_report_community"],
                )
                if data["team"]:
                    services.membership_add_approved(
                        volunteer=volunteer, team=data["team"], user=request.user
                    )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, f"已登记志愿者 {volunteer.name}（{volunteer.number}）")
            return redirect("volunteers:volunteer_detail", volunteer.pk)
    form.prepare_pickers()
    return render(
        request,
        "volunteers/form.html",
        {
            "title": "登记志愿者",
            "form": form,
            "consent_text": forms.CONSENT_TEXT,
            "breadcrumbs": [("志愿者", reverse("volunteers:volunteer_list")), ("登记", None)],
        },
    )


FILTERS = ("q", "org", "team", "political_status", "region", "dual_unit", "dual_community")


def _work_units(request, orgs):
    """双报到 work units an admin may pick: units they see, and the units in the regions of the
    volunteer organisations they manage (an org admin usually holds no orgs membership)."""
    from wenming.orgs.models import OrgKind
    from wenming.orgs.regions import prefix_of
    from wenming.volunteers.models import _prefix_q

    prefixes = {prefix_of(code) for code in orgs.values_list("region_code", flat=True)}
    in_regions = Organisation.objects.filter(_prefix_q("region_code", prefixes), kind=OrgKind.UNIT)
    return (
        (scoped(Organisation, request.user) | in_regions)
        .filter(is_active=True)
        .order_by("region_code", "name")
    )


EXPORT_HEADERS = [
    "志愿者编号",
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "手机号",
    "居住社区",
    "政治面貌",
    "专业技能",
    "登记组织",
    "登记时间",
]


@require_http_methods(["GET", "POST"])
def volunteer_export(request):
    """GET: the filtered list, masked. POST with full=1: full ID and phone for the rows this user
    may unmask (others stay masked), audited as VIEW_SENSITIVE; every export is audited."""
    full = request.method == "POST" and request.POST.get("full") == "1"
    params = request.POST if request.method == "POST" else request.GET
    if full and not selectors.may_unmask_any(user=request.user):
        raise PermissionDenied("您没有导出完整证件号的权限")
    if request.method == "GET":
        redirected = _keyed_redirect(request, params)
        if redirected:
            return redirected
    qs = selectors.volunteer_list(**_list_args(request, params))
    if full:
        from django.db.models import BooleanField, Case, Value, When

        scope = get_scope(request.user)
        allowed = (
            Value(True)
            if scope.is_platform
            else Case(
                When(selectors.unmask_q(scope), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        qs = qs.annotate(unmask=allowed).defer(None)
    id_types = dict(Volunteer._meta.get_field("id_type").choices)
    statuses = dict(PoliticalStatus.choices)
    sexes = {"M": "男", "F": "女", "": ""}

    def rows():
        for v in qs.iterator(chunk_size=2000):
            unmasked = full and v.unmask
            yield [
                v.number,
                v.name,
                id_types.get(v.id_type, v.id_type),
                decrypt(v.id_number_enc) if unmasked else v.id_masked,
                sexes.get(v.sex, ""),
                v.birth_date,
                decrypt(v.phone_enc) if unmasked else v.phone_masked,
                v.residence_name or "",
                statuses.get(v.political_status, ""),
                v.skills,
                v.home_org_name or "",
                v.created_at,
            ]

    response = xlsx_response(
        "志愿者名单（完整证件号）.xlsx" if full else "志愿者名单.xlsx",
        EXPORT_HEADERS,
        rows(),
        sheet_name="志愿者",
        max_rows=EXPORT_MAX_ROWS,
    )
    filters = {k: params.get(k, "") for k in FILTERS if k != "k"}
    typed = selectors.lookup_keys(filters["q"])
    if typed is not None:  # a clear number posted by hand: the trail keeps only its masked form
        filters["q"] = typed[0]
    with transaction.atomic():
        audit_record(
            action=Action.VIEW_SENSITIVE if full else Action.EXPORT,
            object_type="volunteers.volunteer",
            object_repr="志愿者名单导出（含完整证件号、手机号）" if full else "志愿者名单导出（脱敏）",
            changes={"行数": [None, response.export.rows], "完整号码": [None, full], "筛选": [None, filters]},
            region_code="",
        )
    return response


# --- Self-registration (public) -------------------------------------------------------------


def _over_limit(ip: str | None, *, kind: str = "register", limit: int = REGISTER_LIMIT) -> bool:
    """Per-address counter in the database (shared by every app server), per public form."""
    since = timezone.now() - REGISTER_WINDOW
    RegistrationAttempt.objects.filter(created_at__lt=since).delete()
    RegistrationAttempt.objects.create(ip=ip, kind=kind)
    return RegistrationAttempt.objects.filter(ip=ip, kind=kind, created_at__gte=since).count() > limit


@login_not_required
@require_http_methods(["GET", "POST"])
def register(request):
    form = forms.RegisterForm(request.POST or None, communities=_communities())
    limited = False
    if request.method == "POST":
        limited = _over_limit(client_ip(request))
        if limited:
            form.add_error(None, "注册过于频繁，请一小时后再试")
        elif form.is_valid():
            data = form.cleaned_data
            try:
                volunteer = services.volunteer_self_register(
                    password=data["password1"],
                    name=data["name"],
                    id_type=data["id_type"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    residence=data["residence"],
                    political_status=data["political_status"],
                    skills=data["skills"],
                    availability=data["availability"],
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                login(request, volunteer.user, backend="wenming.orgs.backends.ProfileModelBackend")
                messages.success(request, f"注册成功！您的志愿者编号是 {volunteer.number}，今后请用它登录。")
                return redirect("volunteers:me")
    form.prepare_pickers()
    response = render(
        request,
        "volunteers/register.html",
        {
            "title": "志愿者注册",
            "form": form,
            "consent_text": forms.CONSENT_TEXT,
            "consent_version": services.CONSENT_VERSION,
        },
        status=429 if limited else 200,
    )
    return response


def me(request):
    volunteer = selectors.volunteer_for_user(request.user)
    memberships = []
    teams = []
    if volunteer is not None:
        memberships = list(
            TeamMembership.objects.filter(volunteer=volunteer)
            .select_related("team", "team__org")
            .order_by("-applied_at")
        )
        teams = list(selectors.teams_open_to(volunteer=volunteer)[:100])
    return render(
        request,
        "volunteers/me.html",
        {
            "title": "我的志愿服务",
            "v": volunteer,
            "memberships": memberships,
            "teams": teams,
            "breadcrumbs": [("我的志愿服务", None)],
        },
    )


@require_POST
def me_join(request):
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is None:
        raise PermissionDenied("您还不是注册志愿者")
    team = selectors.teams_open_to(volunteer=volunteer).filter(pk=_int(request.POST.get("team"))).first()
    if team is None:
        messages.error(request, "该队伍不可申请或您已申请")
    else:
        try:
            services.membership_apply(volunteer=volunteer, team=team, note=request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, f"已申请加入“{team.name}”，请等待组织管理员审核")
    return redirect("volunteers:me")


@login_not_required
@require_http_methods(["GET"])
def region_options(request):
    """<option>s of a region's children for the community picker (public: the registration page
    uses it; region names and codes are published statistics). ``value=pk`` for the community
    select (the form field), else codes (the town select)."""
    parent = Region.objects.filter(code=request.GET.get("parent", "")[:12]).first()
    children = list(parent.children.order_by("code").values_list("pk", "code", "name")) if parent else []
    by_pk = request.GET.get("value") == "pk"
    return render(
        request,
        "volunteers/_region_options.html",
        {
            "options": [(pk if by_pk else code, name) for pk, code, name in children],
            "has_parent": parent is not None,
        },
    )


@require_http_methods(["GET", "POST"])
def me_edit(request):
    """更正我的信息: phone, residence, political status, skills, availability (audited). The
    current phone is not shown in clear — the field starts empty and keeps the old one if left so."""
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is None:
        raise PermissionDenied("您还不是注册志愿者")
    initial = {
        "residence": volunteer.residence_id,
        "political_status": volunteer.political_status,
        "skills": volunteer.skills,
        "availability": volunteer.availability,
    }
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None and not data.get("phone", "").strip():
        data["phone"] = decrypt(volunteer.phone_enc)  # unchanged; never rendered back
    form = forms.SelfEditForm(data, initial=initial, communities=_communities())
    form.fields["phone"].required = False
    form.fields["phone"].help_text = f"当前：{volunteer.phone_masked}；不更换请留空"
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.volunteer_update(
                volunteer=volunteer,
                phone=d["phone"],
                residence=d["residence"],
                political_status=d["political_status"],
                skills=d["skills"],
                availability=d["availability"],
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, "信息已更新")
            return redirect("volunteers:me")
    if form.is_bound and "phone" in form.data and not request.POST.get("phone", "").strip():
        form.data = form.data.copy()
        form.data["phone"] = ""  # the kept phone is not echoed into the page
    form.prepare_pickers()
    return render(
        request,
        "volunteers/form.html",
        {
            "title": "更正我的信息",
            "form": form,
            "breadcrumbs": [("我的志愿服务", reverse("volunteers:me")), ("更正信息", None)],
        },
    )


@require_POST
def me_leave(request):
    volunteer = selectors.volunteer_for_user(request.user)
    if volunteer is None:
        raise PermissionDenied("您还不是注册志愿者")
    membership = (
        TeamMembership.objects.filter(
            volunteer=volunteer, pk=_int(request.POST.get("membership")), status__in=ACTIVE_STATUSES
        )
        .select_related("team")
        .first()
    )
    if membership is None:
        messages.error(request, "未找到该队伍")
    else:
        services.membership_leave(membership=membership)
        messages.success(request, f"已退出“{membership.team.name}”")
    return redirect("volunteers:me")


# --- Organisations and teams ----------------------------------------------------------------


def vorg_list(request):
    scope = get_scope(request.user)
    return render(
        request,
        "volunteers/vorg_list.html",
        {
            "title": "志愿服务组织",
            "page": _page(
                request, selectors.vorg_list(user=request.user, q=request.GET.get("q", "").strip())
            ),
            "can_create": scope.is_platform or bool(scope.admin_prefixes),
            "breadcrumbs": [("志愿者", reverse("volunteers:volunteer_list")), ("志愿服务组织", None)],
        },
    )


@require_http_methods(["GET", "POST"])
def vorg_create(request):
    scope = get_scope(request.user)
    if not (scope.is_platform or scope.admin_prefixes):
        raise PermissionDenied("只有文明办管理员可以新建志愿服务组织")
    from wenming.volunteers.models import _prefix_q

    regions = (
        Region.objects.all()
        if scope.is_platform
        else Region.objects.filter(_prefix_q("code", scope.admin_prefixes))
    )
    form = forms.VolunteerOrgForm(
        request.POST or None,
        regions=_capped(regions.filter(level__lte=Level.TOWN).order_by("code")),
        operators=_capped(
            scoped(Organisation, request.user).filter(is_active=True).order_by("region_code", "name")
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            org = services.vorg_create(**form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, f"已新建志愿服务组织“{org.name}”")
            return redirect("volunteers:vorg_detail", org.pk)
    return render(
        request,
        "volunteers/form.html",
        {
            "title": "新建志愿服务组织",
            "form": form,
            "breadcrumbs": [("志愿服务组织", reverse("volunteers:vorg_list")), ("新建", None)],
        },
    )


def vorg_detail(request, vorg_id: int):
    org = vaccess(VolunteerOrg.objects.select_related("region", "operator"), request.user, pk=vorg_id)
    manage = selectors.may_manage_vorg(user=request.user, org=org)
    teams = (
        Team.objects.filter(org=org)
        .annotate(member_count=Count("memberships", filter=Q(memberships__status=MembershipStatus.APPROVED)))
        .order_by("name")
    )
    return render(
        request,
        "volunteers/vorg_detail.html",
        {
            "title": org.name,
            "org": org,
            "teams": teams,
            "admins": org.admins.select_related("user", "user__profile").order_by("created_at"),
            "manage": manage,
            "team_form": forms.TeamForm() if manage else None,
            "admin_form": forms.OrgAdminForm() if manage else None,
            "breadcrumbs": [("志愿服务组织", reverse("volunteers:vorg_list")), (org.name, None)],
        },
    )


@require_POST
def vorg_admin_add(request, vorg_id: int):
    org = vaccess(VolunteerOrg, request.user, pk=vorg_id)
    if not selectors.may_manage_vorg(user=request.user, org=org):
        raise PermissionDenied("您没有管理该组织的权限")
    form = forms.OrgAdminForm(request.POST)
    user = (
        User.objects.filter(username=form.data.get("username", "").strip()).first()
        if form.is_valid()
        else None
    )
    if user is None:
        messages.error(request, "未找到该用户名")
    else:
        services.vorg_admin_add(org=org, user=user)
        messages.success(request, f"已将 {user.username} 设为志愿组织管理员")
    return redirect("volunteers:vorg_detail", org.pk)


@require_POST
def team_create(request, vorg_id: int):
    org = vaccess(VolunteerOrg, request.user, pk=vorg_id)
    if not selectors.may_manage_vorg(user=request.user, org=org):
        raise PermissionDenied("您没有管理该组织的权限")
    form = forms.TeamForm(request.POST)
    if form.is_valid():
        try:
            team = services.team_create(org=org, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, f"已新建队伍“{team.name}”")
            return redirect("volunteers:team_detail", team.pk)
    else:
        messages.error(request, "请填写队伍名称")
    return redirect("volunteers:vorg_detail", org.pk)


def team_detail(request, team_id: int):
    team = vaccess(Team.objects.select_related("org"), request.user, pk=team_id)
    is_admin = selectors.is_org_admin(user=request.user, org=team.org)
    return render(
        request,
        "volunteers/team_detail.html",
        {
            "title": team.name,
            "team": team,
            "members": selectors.team_members(team=team)[:500],
            "applications": selectors.team_members(team=team, status=MembershipStatus.APPLIED)[:200],
            "can_decide": is_admin,
            "breadcrumbs": [
                ("志愿服务组织", reverse("volunteers:vorg_list")),
                (team.org.name, reverse("volunteers:vorg_detail", args=[team.org_id])),
                (team.name, None),
            ],
        },
    )


def application_list(request):
    qs = (
        selectors.applications_to_decide(user=request.user)
        .select_related("team", "team__org", "volunteer")
        .only(
            "applied_at",
            "note",
            "status",
            "team__name",
            "team__org__name",
            "volunteer__name",
            "volunteer__number",
            "volunteer__id_masked",
        )
    )
    return render(
        request,
        "volunteers/application_list.html",
        {
            "title": "待审核的入队申请",
            "page": _page(request, qs),
            "breadcrumbs": [("志愿者", reverse("volunteers:volunteer_list")), ("入队申请", None)],
        },
    )


@require_POST
def application_decide(request, application_id: int):
    membership = vaccess(
        TeamMembership.objects.select_related("team", "team__org", "volunteer"),
        request.user,
        pk=application_id,
    )
    if not selectors.is_org_admin(user=request.user, org=membership.team.org):
        raise PermissionDenied("只有该队伍所属组织的管理员可以审核")
    approve = request.POST.get("decision") == "approve"
    try:
        services.membership_decide(
            membership=membership, approve=approve, user=request.user, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"已{'通过' if approve else '拒绝'} {membership.volunteer.name} 的入队申请")
    if request.POST.get("next") == "applications":
        return redirect("volunteers:application_list")
    return redirect("volunteers:team_detail", membership.team_id)


def dual_report(request):
    per_unit, per_community = selectors.dual_report_counts(user=request.user)
    return render(
        request,
        "volunteers/dual_report.html",
        {
            "title": "在职党员双报到",
            "per_unit": per_unit,
            "per_community": per_community,
            "breadcrumbs": [("志愿者", reverse("volunteers:volunteer_list")), ("双报到", None)],
        },
    )
