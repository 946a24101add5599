"""Navigation by role. Modules add their entries here; a user sees what their roles allow."""

from __future__ import annotations

from dataclasses import dataclass

from wenming.orgs.access import get_scope
from wenming.orgs.models import Role
from wenming.web.links import url


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]  # orgs roles; empty (and no module_roles): everyone signed in
    section: str = ""
    # Roles that live in a module's own tables (e.g. "volunteer", "vorg_admin"), answered by the
    # providers registered with @module_roles_provider; an item shows if either set matches.
    module_roles: frozenset[str] = frozenset()


ADMINS = frozenset({Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN})
OFFICE = frozenset({Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN, Role.OFFICE_INSPECTOR})
UNIT_ADMINS = frozenset({Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN, Role.UNIT_ADMIN})
# Anyone holding an orgs membership (office, unit or department): not a volunteer alone.
MEMBERS = frozenset(Role.values)
VOLUNTEER = frozenset({"volunteer"})
VORG_ADMIN = frozenset({"vorg_admin"})

_PROVIDERS: list = []
_SESSION_KEY = "wm_module_roles"
#: How long the module roles kept in the session stay valid (a role granted meanwhile shows after).
MODULE_ROLES_TTL = 300


def module_roles_provider(fn):
    """Register ``fn(user) -> set[str]``: the module roles a signed-in user holds (one query)."""
    _PROVIDERS.append(fn)
    return fn


def module_roles(request) -> frozenset[str]:
    """The user's module roles: computed once per request, kept in the session for
    :data:`MODULE_ROLES_TTL` seconds so ordinary page views issue no query for them."""
    import time

    user = request.user
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(request, "_wenming_module_roles", None)
    if cached is not None:
        return cached
    session = getattr(request, "session", None)
    kept = session.get(_SESSION_KEY) if session is not None else None
    now = int(time.time())
    if kept and kept[0] == user.pk and now - kept[2] < MODULE_ROLES_TTL:
        roles = frozenset(kept[1])
    else:
        roles = frozenset().union(*(provider(user) for provider in _PROVIDERS))
        if session is not None:
            session[_SESSION_KEY] = (user.pk, sorted(roles), now)
    request._wenming_module_roles = roles
    return roles


NAV: list[NavItem] = [
    NavItem("工作台", "web:home", frozenset()),
    NavItem("区划", "orgs:region_list", OFFICE, "组织管理"),
    NavItem("组织", "orgs:org_list", MEMBERS, "组织管理"),
    NavItem("用户", "orgs:user_list", UNIT_ADMINS, "组织管理"),
    NavItem("点位", "inspections:point_list", MEMBERS, "督查整改"),
    NavItem("问题台账", "inspections:finding_list", MEMBERS, "督查整改"),
    NavItem("督查活动", "inspections:inspection_list", OFFICE, "督查整改"),
    NavItem("督办函", "inspections:letter_list", MEMBERS, "督查整改"),
    NavItem("督查通报", "inspections:bulletin_list", OFFICE, "督查整改"),
    NavItem("红黑榜", "inspections:ranking_list", OFFICE, "督查整改"),
    NavItem("随手拍", "inspections:report_list", OFFICE, "督查整改"),
    NavItem("志愿者", "volunteers:volunteer_list", MEMBERS, "志愿服务", VORG_ADMIN),
    NavItem("我的志愿服务", "volunteers:me", frozenset(), "志愿服务", VOLUNTEER),
    NavItem("志愿活动", "volunteers:activity_list", frozenset(), "志愿服务"),
    NavItem("服务时长", "volunteers:record_list", frozenset(), "志愿服务"),
    NavItem("批量导入导出", "volimport:index", ADMINS, "志愿服务", VORG_ADMIN),
    NavItem("志愿服务证明", "certificates:certificate_list", frozenset(), "志愿服务"),
    NavItem("志愿服务统计", "vstats:dashboard", OFFICE, "志愿服务"),
    NavItem("星级标准", "volunteers_more:star_ladders", OFFICE, "志愿服务"),
    NavItem("测评体系", "frameworks:framework_list", MEMBERS, "创建工作"),
    NavItem("创建任务", "campaigns:campaign_list", MEMBERS, "创建工作"),
    NavItem("对标热力图", "assessments:heatmap", OFFICE, "创建工作"),
    NavItem("文件", "files:file_list", MEMBERS, "工具", VORG_ADMIN),
    NavItem("后台任务", "jobs:job_list", MEMBERS, "工具", VORG_ADMIN),
    NavItem("定时任务", "jobs:schedule_list", frozenset({Role.PLATFORM_ADMIN}), "工具"),
    NavItem("接口令牌", "api_tokens:token_list", MEMBERS, "工具"),
    NavItem("审计日志", "audit:entry_list", ADMINS, "工具"),
]


def nav_for(request) -> list[dict]:
    scope = get_scope(request.user)
    path = request.path
    items = []
    for item in NAV:
        if item.roles or item.module_roles:
            allowed = bool(item.roles) and scope.has_role(*item.roles)
            if not allowed and item.module_roles and not scope.is_platform:
                allowed = bool(item.module_roles & module_roles(request))
            if not allowed:
                continue
        href = url(item.url_name)
        active = path == href if href == "/" else path.startswith(href)
        items.append({"label": item.label, "href": href, "active": active, "section": item.section})
    # Nested paths (/volunteers/ and /volunteers/activities/): only the longest match is current.
    longest = max((len(i["href"]) for i in items if i["active"]), default=0)
    for i in items:
        i["active"] = i["active"] and len(i["href"]) == longest
    return items


def nav_groups(request) -> list[dict]:
    """The menu: items without a section stand alone; a section becomes a dropdown, or a plain
    link when the user sees only one of its items (17 links in a row do not fit a screen)."""
    groups: list[dict] = []
    by_section: dict[str, dict] = {}
    for item in nav_for(request):
        section = item["section"]
        if not section:
            groups.append(
                {"label": item["label"], "href": item["href"], "active": item["active"], "items": []}
            )
            continue
        group = by_section.get(section)
        if group is None:
            group = by_section[section] = {"label": section, "href": None, "active": False, "items": []}
            groups.append(group)
        group["items"].append(item)
        group["active"] = group["active"] or item["active"]
    for group in groups:
        if len(group["items"]) == 1:
            only = group["items"][0]
            group.update(label=only["label"], href=only["href"], active=only["active"], items=[])
    return groups
