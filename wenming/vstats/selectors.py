"""Reads for 志愿服务统计: the dashboard reads rollups only (a few rows per month of one prefix);
drill-down lists and rankings read the raw tables with exactly the rollups' definitions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from wenming.orgs.access import get_scope
from wenming.orgs.models import Region
from wenming.orgs.regions import Level
from wenming.volunteers.models import (
    Activity,
    RecordSource,
    ServiceRecord,
    Team,
    Volunteer,
    VolunteerOrg,
    VolunteerProject,
)
from wenming.volunteers.scoping import vscoped
from wenming.volunteers.selectors import STAR_NAMES
from wenming.vstats.models import MonthlyRollup, StarRollup
from wenming.vstats.services import ROOT

CUMULATIVE = ("volunteers", "orgs", "teams", "projects")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def region_figures(*, prefix: str, start: dt.date, end: dt.date) -> dict:
    """Figures of one region subtree for the months touching [start, end] — one query.

    Registered volunteers, organisations, teams and projects: ``*_total`` as of the end of the
    period and ``*_new`` within it; activities, person-times and hours: within the period."""
    first, last = month_start(start), month_start(end)
    in_period = Q(month__gte=first)
    aggregates = {}
    for f in CUMULATIVE:
        aggregates[f"{f}_total"] = Sum(f)
        aggregates[f"{f}_new"] = Sum(f, filter=in_period)
    aggregates["activities"] = Sum("activities", filter=in_period)
    aggregates["participations"] = Sum("participations", filter=in_period)
    aggregates["hours_x100"] = Sum("hours_x100", filter=in_period)
    row = MonthlyRollup.objects.filter(prefix=prefix, month__lte=last).aggregate(**aggregates)
    figures = {k: int(v or 0) for k, v in row.items()}
    figures["hours"] = (Decimal(figures.pop("hours_x100")) / 100).quantize(Decimal("0.01"))
    return figures


def star_counts(*, prefix: str) -> list[dict]:
    """Volunteers of the subtree at each star level now (stars follow all-time hours)."""
    counts = dict(StarRollup.objects.filter(prefix=prefix, level__gt=0).values_list("level", "count"))
    return [{"level": n, "name": name, "count": counts.get(n, 0)} for n, name in enumerate(STAR_NAMES, 1)]


def monthly_series(*, prefix: str, start: dt.date, end: dt.date) -> list[dict]:
    rows = (
        MonthlyRollup.objects.filter(
            prefix=prefix, month__gte=month_start(start), month__lte=month_start(end)
        )
        .order_by("month")
        .values("month", "volunteers", "activities", "participations", "hours_x100")
    )
    return [{**r, "hours": (Decimal(r["hours_x100"]) / 100).quantize(Decimal("0.01"))} for r in rows]


def child_figures(*, region: Region | None, start: dt.date, end: dt.date) -> list[dict]:
    """One row per child region (or per province for the platform): one query over the rollups."""
    children = list(
        (
            Region.objects.filter(parent=region) if region else Region.objects.filter(level=Level.PROVINCE)
        ).order_by("code")[:200]
    )
    if not children:
        return []
    by_prefix = {
        r["prefix"]: r
        for r in MonthlyRollup.objects.filter(
            prefix__in=[c.prefix for c in children], month__lte=month_start(end)
        )
        .values("prefix")
        .annotate(
            volunteers=Sum("volunteers"),
            activities=Sum("activities", filter=Q(month__gte=month_start(start))),
            participations=Sum("participations", filter=Q(month__gte=month_start(start))),
            hours_x100=Sum("hours_x100", filter=Q(month__gte=month_start(start))),
        )
        .order_by()
    }
    out = []
    for child in children:
        r = by_prefix.get(child.prefix, {})
        out.append(
            {
                "region": child,
                "volunteers": int(r.get("volunteers") or 0),
                "activities": int(r.get("activities") or 0),
                "participations": int(r.get("participations") or 0),
                "hours": (Decimal(int(r.get("hours_x100") or 0)) / 100).quantize(Decimal("0.01")),
            }
        )
    return out


# --- who may look ------------------------------------------------------------------------------


def stats_regions(*, user) -> list[Region] | None:
    """Regions whose statistics the user may read: the platform everything (``None``), an office
    its region. Volunteer-organisation admins and units see no region-wide statistics (403)."""
    scope = get_scope(user)
    if scope.is_platform:
        return None
    if not scope.region_prefixes:
        raise PermissionDenied("仅文明办（或平台）可以查看区域志愿服务统计")
    return list(Region.objects.filter(prefix__in=scope.region_prefixes).order_by("code"))


def resolve_region(*, user, code: str, allowed: list[Region] | None) -> Region | None:
    """The region asked for (``None`` = the whole platform, platform only), or 404 when outside
    the user's scope. ``allowed``: :func:`stats_regions` of the user."""
    scope = get_scope(user)
    if not code:
        if allowed is None:
            return None
        return allowed[0] if allowed else None
    region = Region.objects.filter(code=code).first()
    if region is None or not scope.covers_region(region.code):
        raise Http404("未找到")
    return region


def prefix_of_region(region: Region | None) -> str:
    return region.prefix if region is not None else ROOT


# --- drill-down: the records behind each figure (same definitions as the rollups) --------------


def _month_range(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """Whole months, as the rollups count them: first day of start's month … last day of end's."""
    first = month_start(start)
    nxt = (month_start(end) + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def _dt_bounds(first: dt.date, last: dt.date):
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lo, hi


DRILL_KINDS = {
    "volunteers": "注册志愿者",
    "orgs": "志愿服务组织",
    "teams": "志愿服务队伍",
    "projects": "志愿服务项目",
    "activities": "志愿服务活动",
    "records": "服务记录（人次、时长）",
}


def drill(*, user, kind: str, prefix: str, start: dt.date | None, end: dt.date) -> QuerySet:
    """The rows behind a figure: ``start`` None means "as of the end" (cumulative figures)."""
    first, last = _month_range(start or dt.date(1900, 1, 1), end)
    lo, hi = _dt_bounds(first, last)
    if kind == "volunteers":
        region = Q(residence_code__startswith=prefix) | (
            Q(residence_code="") & Q(home_org__region_code__startswith=prefix)
        )
        if not prefix:
            region = Q()
        return (
            vscoped(Volunteer, user)
            .filter(region, created_at__gte=lo, created_at__lt=hi)
            .select_related("residence", "home_org")
            .order_by("-id")
        )
    if kind == "orgs":
        return vscoped(VolunteerOrg, user).filter(
            region_code__startswith=prefix, created_at__gte=lo, created_at__lt=hi
        )
    if kind == "teams":
        return (
            vscoped(Team, user)
            .filter(org__region_code__startswith=prefix, created_at__gte=lo, created_at__lt=hi)
            .select_related("org")
        )
    if kind == "projects":
        return (
            vscoped(VolunteerProject, user)
            .filter(org__region_code__startswith=prefix, created_at__gte=lo, created_at__lt=hi)
            .select_related("org")
        )
    if kind == "activities":
        return (
            vscoped(Activity, user)
            .filter(org__region_code__startswith=prefix, start__gte=lo, start__lt=hi)
            .select_related("org")
        )
    if kind == "records":
        return (
            vscoped(ServiceRecord, user)
            .filter(org__region_code__startswith=prefix, date__gte=first, date__lte=last)
            .select_related("org", "volunteer", "activity")
            .order_by("-date", "-id")
        )
    raise Http404("未找到")


# --- rankings (最美志愿者 selection) --------------------------------------------------------------


def ranking(
    *, user, prefix: str, start: dt.date, end: dt.date, by: str = "hours", limit: int = 100
) -> list[dict]:
    """Volunteers ranked by hours (or by service lines, 活动人次) recorded by organisations of the
    subtree in the period. Reads the ledger (an export, not a dashboard)."""
    first, last = _month_range(start, end)
    lines = (
        vscoped(ServiceRecord, user)
        .filter(org__region_code__startswith=prefix, date__gte=first, date__lte=last)
        .values("volunteer_id")
        .annotate(hours=Sum("hours"), lines=Count("id", filter=~Q(source=RecordSource.CORRECTION)))
    )
    order = ("-hours", "-lines", "volunteer_id") if by == "hours" else ("-lines", "-hours", "volunteer_id")
    top = list(lines.order_by(*order)[:limit])
    people = Volunteer.objects.in_bulk([r["volunteer_id"] for r in top])
    out = []
    for rank, r in enumerate(top, 1):
        v = people[r["volunteer_id"]]
        out.append(
            {
                "rank": rank,
                "volunteer": v,
                "hours": (r["hours"] or Decimal(0)).quantize(Decimal("0.01")),
                "lines": r["lines"],
            }
        )
    return out
