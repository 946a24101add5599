"""Home-page attention items for administrators, built from real records.

Each item's count is the size of exactly the list its link opens:
- office admins (and platform admins): active units in their subtree with no 单位创建办 admin →
  the organisation list filtered with ``no_admin=1`` (same selector, same query);
- unit admins: departments of their unit with no 科室责任人 → the unit's department list
  filtered with ``no_lead=1``.
"""

from __future__ import annotations

import functools

from django.db.models import Count
from django.urls import reverse
from django.utils import translation

from wenming.orgs import selectors
from wenming.orgs.access import get_scope
from wenming.orgs.models import UnitType
from wenming.web.home import AttentionItem, ChartSlice, HomeChart, attention_provider, home_chart
from wenming.web.links import url

SECTION = "组织管理"


@functools.lru_cache(maxsize=8)
def _unit_type_labels(language: str) -> dict[str, str]:
    return {value: str(label) for value, label in UnitType.choices}


def _overview(request) -> list[tuple[str, int, int]]:
    """One grouped query shared by the attention card and the chart of this request."""
    cached = getattr(request, "_wenming_unit_overview", None)
    if cached is None:
        cached = request._wenming_unit_overview = selectors.unit_overview(user=request.user)
    return cached


@attention_provider
def units_without_admin(request) -> list[AttentionItem]:
    scope = get_scope(request.user)
    if not (scope.is_platform or scope.admin_prefixes):
        return []
    count = sum(row[2] for row in _overview(request))
    return [
        AttentionItem(
            section=SECTION,
            label="未设置创建办管理员的单位",
            count=count,
            href=url("orgs:org_list") + "?no_admin=1",
        )
    ]


@attention_provider
def departments_without_lead(request) -> list[AttentionItem]:
    scope = get_scope(request.user)
    if not scope.admin_unit_ids:
        return []
    # One grouped query for all the units this person administers.
    rows = (
        selectors.departments_without_lead(user=request.user)
        .filter(organisation_id__in=scope.admin_unit_ids)
        .values("organisation_id", "organisation__name")
        .annotate(n=Count("id"))
        .order_by("organisation__name")
    )
    many = len(scope.admin_unit_ids) > 1
    return [
        AttentionItem(
            section=SECTION,
            label=f"未设置责任人的科室（{row['organisation__name']}）" if many else "未设置责任人的科室",
            count=row["n"],
            href=reverse("orgs:department_list", args=[row["organisation_id"]]) + "?no_lead=1",
        )
        for row in rows
    ]


@home_chart
def unit_types_chart(request) -> list[HomeChart]:
    """Offices: the units in their subtree by type; each slice opens the filtered list."""
    scope = get_scope(request.user)
    if not (scope.is_platform or scope.region_prefixes):
        return []
    base = url("orgs:org_list")
    labels = _unit_type_labels(translation.get_language())
    return [
        HomeChart(
            title="辖区创建单位构成",
            kind="pie",
            slices=[
                ChartSlice(label=str(labels.get(t, t)), value=n, href=f"{base}?kind=unit&unit_type={t}")
                for t, n, _missing in _overview(request)
            ],
        )
    ]
