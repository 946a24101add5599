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
    roles: frozenset[str]  # empty: everyone signed in
    section: str = ""


ADMINS = frozenset({Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN})
OFFICE = frozenset({Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN, Role.OFFICE_INSPECTOR})
UNIT_ADMINS = frozenset({Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN, Role.UNIT_ADMIN})

NAV: list[NavItem] = [
    NavItem("工作台", "web:home", frozenset()),
    NavItem("区划", "orgs:region_list", OFFICE, "组织管理"),
    NavItem("组织", "orgs:org_list", frozenset(), "组织管理"),
    NavItem("用户", "orgs:user_list", UNIT_ADMINS, "组织管理"),
    NavItem("点位", "inspections:point_list", frozenset(), "督查整改"),
    NavItem("问题台账", "inspections:finding_list", frozenset(), "督查整改"),
    NavItem("督查活动", "inspections:inspection_list", OFFICE, "督查整改"),
    NavItem("督办函", "inspections:letter_list", frozenset(), "督查整改"),
    NavItem("督查通报", "inspections:bulletin_list", OFFICE, "督查整改"),
    NavItem("红黑榜", "inspections:ranking_list", OFFICE, "督查整改"),
    NavItem("志愿服务", "volunteers:volunteer_list", frozenset(), "志愿服务"),
    NavItem("测评体系", "frameworks:framework_list", frozenset(), "创建工作"),
    NavItem("创建任务", "campaigns:campaign_list", frozenset(), "创建工作"),
    NavItem("文件", "files:file_list", frozenset(), "工具"),
    NavItem("后台任务", "jobs:job_list", frozenset(), "工具"),
    NavItem("接口令牌", "api_tokens:token_list", frozenset(), "工具"),
    NavItem("审计日志", "audit:entry_list", ADMINS, "工具"),
]


def nav_for(request) -> list[dict]:
    scope = get_scope(request.user)
    path = request.path
    items = []
    for item in NAV:
        if item.roles and not scope.has_role(*item.roles):
            continue
        href = url(item.url_name)
        active = path == href if href == "/" else path.startswith(href)
        items.append({"label": item.label, "href": href, "active": active, "section": item.section})
    return items


def nav_groups(request) -> list[dict]:
    """The menu: items without a section stand alone; a section becomes a dropdown, or a plain
    link when the user sees only one of its items (17 links in a row do not fit a screen)."""
    groups: list[dict] = []
    by_section: dict[str, dict] = {}
    for item in nav_for(request):
        section = item["section"]
        if not section:
            groups.append({"label": item["label"], "href": item["href"], "active": item["active"], "items": []})
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
