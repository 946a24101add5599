"""Reads of 督查整改: every list goes through ``scoped`` in the query."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet

from wenming.inspections.models import (
    Bulletin,
    Finding,
    FindingEvent,
    Inspection,
    InspectionKind,
    InspectionPoint,
    Status,
    SupervisionLetter,
)
from wenming.orgs.access import scoped
from wenming.orgs.models import Organisation, OrgKind

OPEN_STATUSES = (Status.OPEN, Status.RECTIFYING)
REVIEW_STATUSES = (Status.CLOSURE_REQUESTED, Status.UNDER_REVIEW)


def point_list(*, user, q: str = "", point_type_id: int | None = None, unit_id: int | None = None) -> QuerySet:
    qs = scoped(InspectionPoint, user).select_related("point_type", "responsible_unit", "region")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(address__contains=q))
    if point_type_id:
        qs = qs.filter(point_type_id=point_type_id)
    if unit_id:
        qs = qs.filter(responsible_unit_id=unit_id)
    return qs.order_by("region_code", "name", "id")


# How many days ahead a unit is reminded of a deadline (the home page's "即将到期的问题").
REMIND_DAYS = 3


def due_soon_q(today: dt.date) -> Q:
    """Not closed, deadline from today to REMIND_DAYS ahead: the reminder before the deadline."""
    return Q(deadline__gte=today, deadline__lte=today + dt.timedelta(days=REMIND_DAYS)) & ~Q(status=Status.CLOSED)


def _month_bounds(month: str) -> tuple[dt.date, dt.date] | None:
    """"2026-03" → (2026-03-01, 2026-04-01); anything else → None."""
    try:
        first = dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        return None
    return first, (first + dt.timedelta(days=32)).replace(day=1)


def overdue_q(today: dt.date) -> Q:
    """Deadline passed and not closed: the overdue list (served by the status/deadline index)."""
    return Q(deadline__lt=today) & ~Q(status=Status.CLOSED)


def finding_list(
    *,
    user,
    today: dt.date,
    status: str = "",
    unit_id: int | None = None,
    category_id: int | None = None,
    overdue: bool = False,
    point_id: int | None = None,
    statuses: tuple[str, ...] = (),
    unit_ids: tuple[int, ...] | None = None,
    due_soon: bool = False,
    region_prefix: str = "",
    month: str = "",
    closed_month: str = "",
) -> QuerySet:
    qs = scoped(Finding, user).select_related("category", "responsible_unit", "point")
    if region_prefix.isdigit():
        qs = qs.filter(region_code__startswith=region_prefix)
    if (bounds := _month_bounds(month)) is not None:
        qs = qs.filter(created_at__date__gte=bounds[0], created_at__date__lt=bounds[1])
    if (bounds := _month_bounds(closed_month)) is not None:
        qs = qs.filter(status=Status.CLOSED, closed_at__date__gte=bounds[0], closed_at__date__lt=bounds[1])
    if status in Status.values:
        qs = qs.filter(status=status)
    if statuses:
        qs = qs.filter(status__in=statuses)
    if unit_id:
        qs = qs.filter(responsible_unit_id=unit_id)
    if unit_ids is not None:
        qs = qs.filter(responsible_unit_id__in=unit_ids)
    if category_id:
        qs = qs.filter(category_id=category_id)
    if point_id:
        qs = qs.filter(point_id=point_id)
    if overdue:
        qs = qs.filter(overdue_q(today))
    if due_soon:
        qs = qs.filter(due_soon_q(today))
    if overdue or due_soon:
        qs = qs.order_by("deadline", "id")
    else:
        qs = qs.order_by("-created_at", "-id")
    return qs


def finding_events(*, finding: Finding) -> list[FindingEvent]:
    """The finding's timeline with its actors, units and files: a fixed number of queries."""
    return list(
        finding.events.select_related("actor__profile", "from_unit", "to_unit")
        .prefetch_related("files")
        .order_by("created_at", "id")
    )


def units_for_filter(*, user) -> QuerySet:
    """Units that hold at least one visible finding (the ledger's unit filter)."""
    visible = scoped(Finding, user).values("responsible_unit_id")
    return Organisation.objects.filter(pk__in=visible).only("id", "name").order_by("name")


def reassign_units(*, user) -> QuerySet:
    return scoped(Organisation, user).filter(kind=OrgKind.UNIT, is_active=True).only("id", "name").order_by(
        "region_code", "name"
    )


def attention_counts(*, user, today: dt.date, unit_ids: tuple[int, ...] | None = None) -> dict[str, int]:
    """One grouped query: the user's visible, not yet closed findings per status, and how many
    of them fall due within REMIND_DAYS (key ``"due_soon"``)."""
    qs = scoped(Finding, user).exclude(status=Status.CLOSED)
    if unit_ids is not None:
        qs = qs.filter(responsible_unit_id__in=unit_ids)
    rows = qs.values("status").annotate(n=Count("id"), soon=Count("id", filter=due_soon_q(today))).order_by()
    counts = {r["status"]: r["n"] for r in rows}
    counts["due_soon"] = sum(r["soon"] for r in rows)
    return counts


def inspection_list(*, user, kind: str = "") -> QuerySet:
    qs = scoped(Inspection, user).select_related("office", "region").annotate(
        target_count=Count("targets", distinct=True)
    )
    if kind in InspectionKind.values:
        qs = qs.filter(kind=kind)
    return qs.order_by("-start_date", "-id")


def planning_regions(*, user) -> QuerySet:
    """Regions an inspection may cover: the user's subtree down to towns (乡镇/街道)."""
    from wenming.orgs.models import Region

    return scoped(Region, user).filter(level__lte=4).order_by("code")


def office_staff(*, user) -> QuerySet:
    """People who may be named inspectors: office staff of the offices this user belongs to."""
    from django.contrib.auth import get_user_model

    from wenming.orgs.access import get_scope
    from wenming.orgs.models import OFFICE_ROLES

    scope = get_scope(user)
    qs = get_user_model().objects.filter(is_active=True, memberships__role__in=OFFICE_ROLES)
    if not scope.is_platform:
        qs = qs.filter(memberships__organisation_id__in=scope.office_ids)
    return qs.distinct().order_by("username")


def overdue_by_unit(*, user, today: dt.date) -> list[dict]:
    """Units with overdue findings the user sees, with their counts (one grouped query)."""
    return list(
        scoped(Finding, user)
        .filter(overdue_q(today))
        .values("responsible_unit_id", "responsible_unit__name")
        .annotate(n=Count("id"))
        .order_by("-n", "responsible_unit__name")[:200]
    )


def letter_list(*, user) -> QuerySet:
    return scoped(SupervisionLetter, user).select_related("office", "unit").annotate(
        finding_count=Count("findings", distinct=True)
    ).order_by("-year", "-seq", "-id")


def _pct(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def bulletin_figures(*, user, region_prefix: str, start: dt.date, end: dt.date) -> dict:
    """The figures of a 督查通报 for findings and inspections in ``region_prefix`` over [start, end].

    - found: findings recorded in the period; closed / fixed: of those, closed (fixed) by the end;
    - avg_days: average days from recording to closing, over findings closed in the period;
    - overdue_units: units with findings overdue at the end of the period (deadline passed before
      it and not closed by then) — counted as of ``end`` so a later issue gives the same names.
    Grouped queries only; every list is bounded.
    """
    findings = scoped(Finding, user).filter(region_code__startswith=region_prefix)
    found = findings.filter(created_at__date__gte=start, created_at__date__lte=end)
    closed_by_end = Q(status=Status.CLOSED, closed_at__date__lte=end)
    totals = found.aggregate(
        n=Count("id"), closed=Count("id", filter=closed_by_end), fixed=Count("id", filter=closed_by_end & Q(outcome="fixed"))
    )
    avg = (
        findings.filter(status=Status.CLOSED, closed_at__date__gte=start, closed_at__date__lte=end)
        .aggregate(d=Avg(ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())))
        .get("d")
    )
    by_unit = list(
        found.values("responsible_unit__name")
        .annotate(n=Count("id"), closed=Count("id", filter=closed_by_end))
        .order_by("-n", "responsible_unit__name")[:100]
    )
    by_category = list(
        found.values("category__name")
        .annotate(n=Count("id"), closed=Count("id", filter=closed_by_end))
        .order_by("-n", "category__name")
    )
    overdue_at_end = findings.filter(deadline__lt=end).exclude(closed_by_end)
    overdue_units = list(
        overdue_at_end.values("responsible_unit__name").annotate(n=Count("id")).order_by("-n", "responsible_unit__name")[:50]
    )
    inspections = scoped(Inspection, user).filter(
        region_code__startswith=region_prefix, start_date__lte=end, end_date__gte=start
    )
    labels = dict(InspectionKind.choices)
    by_kind = list(inspections.values("kind").annotate(n=Count("id")).order_by("kind"))
    return {
        "inspections": {"total": sum(r["n"] for r in by_kind), "by_kind": [[str(labels[r["kind"]]), r["n"]] for r in by_kind]},
        "findings": {
            "found": totals["n"],
            "closed": totals["closed"],
            "fixed": totals["fixed"],
            "closure_rate": _pct(totals["closed"], totals["n"]),
            "avg_days": f"{avg.total_seconds() / 86400:.1f}" if avg is not None else "—",
        },
        "units": [[r["responsible_unit__name"], r["n"], r["closed"], _pct(r["closed"], r["n"])] for r in by_unit],
        "categories": [[r["category__name"], r["n"], r["closed"], _pct(r["closed"], r["n"])] for r in by_category],
        "overdue_units": [[r["responsible_unit__name"], r["n"]] for r in overdue_units],
    }


def bulletin_list(*, user) -> QuerySet:
    return scoped(Bulletin, user).select_related("office").order_by("-year", "-seq", "-id")


def dashboard(*, user, today: dt.date, months: int = 6) -> dict:
    """The findings dashboard: by status, county, unit and category, average days to close and the
    monthly trend — each figure with the ledger filter that lists exactly its records. Grouped
    queries only (seven, whatever the number of findings)."""
    from django.db.models.functions import Substr, TruncMonth

    from wenming.orgs.models import Region

    findings = scoped(Finding, user)
    overdue = overdue_q(today)
    open_q = Q(status__in=OPEN_STATUSES)
    review_q = Q(status__in=REVIEW_STATUSES)
    closed_q = Q(status=Status.CLOSED)
    counts = {
        "open": Count("id", filter=open_q),
        "review": Count("id", filter=review_q),
        "overdue": Count("id", filter=overdue),
        "closed": Count("id", filter=closed_q),
    }
    totals = findings.aggregate(**counts)
    avg = findings.filter(closed_q).aggregate(
        d=Avg(ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()))
    )["d"]
    by_county = list(
        findings.annotate(county=Substr("region_code", 1, 6)).values("county").annotate(**counts).order_by("county")
    )
    names = dict(
        Region.objects.filter(code__in=[r["county"] + "000000" for r in by_county]).values_list("code", "name")
    )
    for r in by_county:
        r["name"] = names.get(r["county"] + "000000", r["county"])
    by_unit = list(
        findings.values("responsible_unit_id", "responsible_unit__name")
        .annotate(**counts)
        .order_by("-open", "-overdue", "responsible_unit__name")[:20]
    )
    by_category = list(findings.values("category_id", "category__name").annotate(**counts).order_by("category__name"))
    start = (today.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    found = {
        r["m"].strftime("%Y-%m"): r["n"]
        for r in findings.filter(created_at__date__gte=start)
        .annotate(m=TruncMonth("created_at"))
        .values("m")
        .annotate(n=Count("id"))
        .order_by()
    }
    closed = {
        r["m"].strftime("%Y-%m"): r["n"]
        for r in findings.filter(closed_q, closed_at__date__gte=start)
        .annotate(m=TruncMonth("closed_at"))
        .values("m")
        .annotate(n=Count("id"))
        .order_by()
    }
    trend, month = [], start
    while month <= today:
        key = month.strftime("%Y-%m")
        trend.append({"month": key, "found": found.get(key, 0), "closed": closed.get(key, 0)})
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return {
        "totals": totals,
        "avg_days": f"{avg.total_seconds() / 86400:.1f}" if avg is not None else "—",
        "by_county": by_county,
        "by_unit": by_unit,
        "by_category": by_category,
        "trend": trend,
    }
