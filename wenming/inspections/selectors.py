"""Reads of 督查整改: every list goes through ``scoped`` in the query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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


def point_list(
    *, user, q: str = "", point_type_id: int | None = None, unit_id: int | None = None
) -> QuerySet:
    qs = scoped(InspectionPoint, user).select_related("point_type", "responsible_unit", "region")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(address__contains=q))
    if point_type_id:
        qs = qs.filter(point_type_id=point_type_id)
    if unit_id:
        qs = qs.filter(responsible_unit_id=unit_id)
    return qs.order_by("region_code", "name", "id")


# The 区划 suggestions on the point form stop at towns (乡镇/街道) and at this many rows: any
# deeper code in the subtree may still be typed.
POINT_REGION_SUGGESTIONS = 3000


def point_form_regions(*, user) -> QuerySet:
    """(code, name) suggestions for a point's 区划: the user's subtree down to towns."""
    from wenming.orgs.models import Region

    return (
        scoped(Region, user)
        .filter(level__lte=4)
        .order_by("code")
        .values_list("code", "name")[:POINT_REGION_SUGGESTIONS]
    )


def point_form_region(*, user, code: str):
    """The region with this code in the user's subtree, or None."""
    from wenming.orgs.models import Region

    return scoped(Region, user).filter(code=code).first()


def point_form_units(*, user, current_id: int | None = None) -> QuerySet:
    """The units a point may be given as 包保单位: active units the user may see (and the point's
    current unit, even if it has since been deactivated)."""
    active = (Q(is_active=True) | Q(pk=current_id)) if current_id else Q(is_active=True)
    return scoped(Organisation, user).filter(active, kind=OrgKind.UNIT).order_by("name")


# How many days ahead a unit is reminded of a deadline (the home page's "即将到期的问题").
REMIND_DAYS = 3


def due_soon_q(today: dt.date) -> Q:
    """Not closed, deadline from today to REMIND_DAYS ahead: the reminder before the deadline."""
    return Q(deadline__gte=today, deadline__lte=today + dt.timedelta(days=REMIND_DAYS)) & ~Q(
        status=Status.CLOSED
    )


def _month_bounds(month: str) -> tuple[dt.date, dt.date] | None:
    """ "2026-03" → (2026-03-01, 2026-04-01); anything else → None."""
    try:
        first = dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        return None
    return first, (first + dt.timedelta(days=32)).replace(day=1)


def overdue_q(today: dt.date) -> Q:
    """Deadline passed and not closed: the overdue list (served by the status/deadline index)."""
    return Q(deadline__lt=today) & ~Q(status=Status.CLOSED)


def overdue_in_month_q(month: str, today: dt.date):
    """Findings that became overdue in ``month`` ("2026-03"): the deadline fell in that month (and
    has passed) and they were not closed by the end of that day — still open, or closed later.
    Returns (condition, the ``closed_day`` annotation it needs), or None for a malformed month."""
    from django.db.models.functions import TruncDate

    bounds = _month_bounds(month)
    if bounds is None:
        return None
    return (
        Q(deadline__gte=bounds[0], deadline__lt=min(bounds[1], today))
        & (Q(closed_at__isnull=True) | Q(closed_day__gt=F("deadline")))
    ), TruncDate("closed_at")


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
    overdue_month: str = "",
) -> QuerySet:
    qs = scoped(Finding, user).select_related("category", "responsible_unit", "point")
    if region_prefix.isdigit():
        qs = qs.filter(region_code__startswith=region_prefix)
    if (bounds := _month_bounds(month)) is not None:
        qs = qs.filter(created_at__date__gte=bounds[0], created_at__date__lt=bounds[1])
    if (bounds := _month_bounds(closed_month)) is not None:
        qs = qs.filter(status=Status.CLOSED, closed_at__date__gte=bounds[0], closed_at__date__lt=bounds[1])
    if (late := overdue_in_month_q(overdue_month, today)) is not None:
        condition, closed_day = late
        qs = qs.annotate(closed_day=closed_day).filter(condition)
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


# --- The ledger's query parameters (shared by the page and its xlsx export) -------------------------

# Every query parameter that narrows the ledger (paging keys excluded): the page reads them from its
# query string, the 导出 button posts them, and the export job applies them again through
# ledger_query, so the sheet holds exactly the rows the page lists.
LEDGER_PARAMS = (
    "todo",
    "group",
    "overdue",
    "due_soon",
    "region",
    "month",
    "closed_month",
    "overdue_month",
    "status",
    "unit",
    "category",
)


def ledger_params(data) -> dict[str, str]:
    """The ledger's filter parameters present in ``data`` (a QueryDict or a dict), as plain strings."""
    out = {}
    for key in LEDGER_PARAMS:
        value = str(data.get(key, "") or "").strip()
        if value:
            out[key] = value[:50]
    return out


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@dataclass(frozen=True)
class LedgerQuery:
    title: str
    filters: dict
    by_deadline: bool  # the overdue and due-soon lists run by deadline, oldest first
    todo: str


def ledger_query(*, user, params) -> LedgerQuery:
    """The ledger's title and ``finding_list`` filters for these query parameters."""
    from wenming.orgs.access import get_scope

    get = params.get
    todo = get("todo", "") or ""
    overdue = get("overdue") == "1"
    due_soon = get("due_soon") == "1"
    group = get("group", "") or ""
    filters = {
        "region_prefix": get("region", "") or "",
        "month": get("month", "") or "",
        "closed_month": get("closed_month", "") or "",
        "overdue_month": get("overdue_month", "") or "",
        "due_soon": due_soon,
        "status": get("status", "") or "",
        "unit_id": _int(get("unit")),
        "category_id": _int(get("category")),
        "overdue": overdue,
    }
    title = "问题台账"
    if group == "open":
        filters.update(statuses=OPEN_STATUSES)
    elif group == "review":
        filters.update(statuses=REVIEW_STATUSES)
    if todo in ("unit", "unit_all"):
        unit_ids = get_scope(user).admin_unit_ids
        if todo == "unit":
            filters.update(statuses=OPEN_STATUSES, unit_ids=unit_ids)
            title = "待整改的问题"
        else:
            filters.update(unit_ids=unit_ids)
            title = "本单位的问题"
    elif todo == "review":
        filters.update(statuses=REVIEW_STATUSES)
        title = "待复核的问题"
    if overdue:
        title = "逾期未销号的问题"
    elif due_soon:
        title = f"{REMIND_DAYS} 天内到期的问题"
    return LedgerQuery(title=title, filters=filters, by_deadline=overdue or due_soon, todo=todo)


# The ledger export's columns, read as plain tuples (no model instances: 100,000 rows stream by).
LEDGER_EXPORT_FIELDS = (
    "id",
    "category__name",
    "severity",
    "point__name",
    "location_text",
    "responsible_unit__name",
    "office__name",
    "status",
    "outcome",
    "deadline",
    "criterion_code",
    "description",
    "created_by__profile__display_name",
    "created_by__username",
    "created_at",
    "closed_at",
)


def ledger_export_rows(*, user, params, today: dt.date) -> QuerySet:
    """The rows of the ledger export: exactly the ledger's rows for these parameters, in its order,
    as tuples of LEDGER_EXPORT_FIELDS."""
    query = ledger_query(user=user, params=params)
    return finding_list(user=user, today=today, **query.filters).values_list(*LEDGER_EXPORT_FIELDS)


# --- Keyset ("seek") paging of the ledger ---------------------------------------------------------
#
# The ledger is paged by the last row's sort key, not by OFFSET: page 1,000 costs what page 1 costs
# (an index range scan from the key), where OFFSET 50,000 read and threw away 50,000 rows. And it
# is not counted exactly on every page: a COUNT(*) over 100,000 visible findings is most of the
# request. The count stops at LEDGER_COUNT_CAP + 1 rows; above the cap the page says
# "超过 1,000 条" (the dashboard has the exact totals, each linked to its list).

LEDGER_COUNT_CAP = 1000
_PAGE_RELATED = ("category", "responsible_unit", "point")


@dataclass
class LedgerPage:
    rows: list
    count: int  # exact when not ``capped``; else LEDGER_COUNT_CAP
    capped: bool
    next_cursor: str | None
    prev_cursor: str | None
    is_first: bool


def _cursor_key(finding: Finding, by_deadline: bool) -> str:
    if by_deadline:
        return f"{finding.deadline.isoformat()}.{finding.pk}"
    micros = (finding.created_at - _EPOCH) // dt.timedelta(microseconds=1)
    return f"{micros}.{finding.pk}"


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _parse_cursor(cursor: str, by_deadline: bool):
    """ "<key>.<id>" → (key, id); None when malformed (treated as the first page)."""
    key, sep, pk = (cursor or "").rpartition(".")
    if not sep or not pk.isdigit():
        return None
    try:
        if by_deadline:
            return dt.date.fromisoformat(key), int(pk)
        return _EPOCH + dt.timedelta(microseconds=int(key)), int(pk)
    except (ValueError, OverflowError):
        return None


def _seek(qs: QuerySet, field: str, key, pk: int, *, greater: bool) -> QuerySet:
    """Rows after (key, pk) in (field, id) order, written so the index range starts at the key:
    ``field >= key AND (field > key OR id > pk)`` (and the mirror for ``<``)."""
    if greater:
        return qs.filter(Q(**{f"{field}__gte": key}) & (Q(**{f"{field}__gt": key}) | Q(pk__gt=pk)))
    return qs.filter(Q(**{f"{field}__lte": key}) & (Q(**{f"{field}__lt": key}) | Q(pk__lt=pk)))


def ledger_page(
    qs: QuerySet, *, by_deadline: bool, after: str = "", before: str = "", size: int = 50
) -> LedgerPage:
    """One page of ``qs`` (already filtered) in ledger order: newest first, or by deadline.

    ``after`` = the last row's cursor of the page before (next page); ``before`` = the first row's
    cursor of the page after (previous page). Three queries: the capped count, the page's ids, its rows."""
    field = "deadline" if by_deadline else "created_at"
    # Newest first is descending: "after" in list order means smaller keys.
    forward_greater = by_deadline
    order = [field, "id"] if by_deadline else ["-created_at", "-id"]
    reverse = [f"-{field}", "-id"] if by_deadline else ["created_at", "id"]
    base = qs.order_by()
    count = base.values("id")[: LEDGER_COUNT_CAP + 1].count()
    capped = count > LEDGER_COUNT_CAP
    back = _parse_cursor(before, by_deadline) if before else None
    ahead = _parse_cursor(after, by_deadline) if after and back is None else None
    # The page's ids first, from the findings table alone (so the planner picks the ordered index
    # scan, not a join order led by the units), then those rows with their joins.
    ids = base.values_list("id", flat=True)
    if back is not None:
        keys = list(_seek(ids, field, *back, greater=not forward_greater).order_by(*reverse)[: size + 1])
        has_prev = len(keys) > size
        keys = keys[:size][::-1]
        has_next = True
    else:
        page_ids = ids if ahead is None else _seek(ids, field, *ahead, greater=forward_greater)
        keys = list(page_ids.order_by(*order)[: size + 1])
        has_next = len(keys) > size
        keys = keys[:size]
        has_prev = ahead is not None
    by_id = {f.pk: f for f in qs.model.objects.filter(pk__in=keys).select_related(*_PAGE_RELATED).order_by()}
    rows = [by_id[k] for k in keys if k in by_id]
    return LedgerPage(
        rows=rows,
        count=min(count, LEDGER_COUNT_CAP),
        capped=capped,
        next_cursor=_cursor_key(rows[-1], by_deadline) if rows and has_next else None,
        prev_cursor=_cursor_key(rows[0], by_deadline) if rows and has_prev else None,
        is_first=not has_prev,
    )


def finding_events(*, finding: Finding) -> list[FindingEvent]:
    """The finding's timeline with its actors, units and files: a fixed number of queries."""
    return list(
        finding.events.select_related("actor__profile", "from_unit", "to_unit")
        .prefetch_related("files")
        .order_by("created_at", "id")
    )


def units_for_filter(*, user) -> QuerySet:
    """(id, name) of the units in the user's scope (the ledger's unit filter). Not "units with findings": that
    needs a scan of every visible finding (60–90 ms at 100,000 findings) on each ledger page."""
    # (id, name) pairs: thousands of model instances cost more than the query (a city: ~2,000 units).
    return scoped(Organisation, user).filter(kind=OrgKind.UNIT).order_by("name").values_list("id", "name")


def reassign_units(*, user) -> QuerySet:
    return (
        scoped(Organisation, user)
        .filter(kind=OrgKind.UNIT, is_active=True)
        .only("id", "name")
        .order_by("region_code", "name")
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
    qs = (
        scoped(Inspection, user)
        .select_related("office", "region")
        .annotate(target_count=Count("targets", distinct=True))
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
    return (
        scoped(SupervisionLetter, user)
        .select_related("office", "unit")
        .annotate(finding_count=Count("findings", distinct=True))
        .order_by("-year", "-seq", "-id")
    )


def _pct(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def bulletin_figures(*, user, region_prefix: str, start: dt.date, end: dt.date) -> dict:
    # ``user=None``: the scheduler preparing a draft for an office: bounded by ``region_prefix`` alone.
    """The figures of a 督查通报 for findings and inspections in ``region_prefix`` over [start, end].

    - found: findings recorded in the period; closed / fixed: of those, closed (fixed) by the end;
    - avg_days: average days from recording to closing, over findings closed in the period;
    - overdue_units: units with findings overdue at the end of the period (deadline passed before
      it and not closed by then) — counted as of ``end`` so a later issue gives the same names.
    Grouped queries only; every list is bounded.
    """
    findings = (Finding.objects if user is None else scoped(Finding, user)).filter(
        region_code__startswith=region_prefix
    )
    found = findings.filter(created_at__date__gte=start, created_at__date__lte=end)
    closed_by_end = Q(status=Status.CLOSED, closed_at__date__lte=end)
    totals = found.aggregate(
        n=Count("id"),
        closed=Count("id", filter=closed_by_end),
        fixed=Count("id", filter=closed_by_end & Q(outcome="fixed")),
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
        overdue_at_end.values("responsible_unit__name")
        .annotate(n=Count("id"))
        .order_by("-n", "responsible_unit__name")[:50]
    )
    inspections = (Inspection.objects if user is None else scoped(Inspection, user)).filter(
        region_code__startswith=region_prefix, start_date__lte=end, end_date__gte=start
    )
    labels = dict(InspectionKind.choices)
    by_kind = list(inspections.values("kind").annotate(n=Count("id")).order_by("kind"))
    return {
        "inspections": {
            "total": sum(r["n"] for r in by_kind),
            "by_kind": [[str(labels[r["kind"]]), r["n"]] for r in by_kind],
        },
        "findings": {
            "found": totals["n"],
            "closed": totals["closed"],
            "fixed": totals["fixed"],
            "closure_rate": _pct(totals["closed"], totals["n"]),
            "avg_days": f"{avg.total_seconds() / 86400:.1f}" if avg is not None else "—",
        },
        "units": [
            [r["responsible_unit__name"], r["n"], r["closed"], _pct(r["closed"], r["n"])] for r in by_unit
        ],
        "categories": [
            [r["category__name"], r["n"], r["closed"], _pct(r["closed"], r["n"])] for r in by_category
        ],
        "overdue_units": [[r["responsible_unit__name"], r["n"]] for r in overdue_units],
    }


def bulletin_drafts(*, user) -> QuerySet:
    """Drafts not yet issued, in the user's scope (offices)."""
    from wenming.inspections.models import BulletinDraft

    return scoped(BulletinDraft, user).filter(bulletin__isnull=True).select_related("office")


def bulletin_list(*, user) -> QuerySet:
    return scoped(Bulletin, user).select_related("office").order_by("-year", "-seq", "-id")


def dashboard(*, user, today: dt.date, months: int = 6) -> dict:
    """The findings dashboard: by status, county, unit and category, average days to close and the
    monthly trend — each figure with the ledger filter that lists exactly its records. Grouped
    queries only (eight, whatever the number of findings)."""
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
        findings.annotate(county=Substr("region_code", 1, 6))
        .values("county")
        .annotate(**counts)
        .order_by("county")
    )
    names = dict(
        Region.objects.filter(code__in=[r["county"] + "000000" for r in by_county]).values_list(
            "code", "name"
        )
    )
    for r in by_county:
        r["name"] = names.get(r["county"] + "000000", r["county"])
    by_unit = list(
        findings.values("responsible_unit_id", "responsible_unit__name")
        .annotate(**counts)
        .order_by("-open", "-overdue", "responsible_unit__name")[:20]
    )
    by_category = list(
        findings.values("category_id", "category__name").annotate(**counts).order_by("category__name")
    )
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
    # Became overdue per month (same predicate as the ledger's ?overdue_month=): deadline in the
    # month and passed, not closed by the end of that day.
    from django.db.models.functions import TruncDate

    late = {
        r["m"].strftime("%Y-%m"): r["n"]
        for r in findings.filter(deadline__gte=start, deadline__lt=today)
        .annotate(closed_day=TruncDate("closed_at"))
        .filter(Q(closed_at__isnull=True) | Q(closed_day__gt=F("deadline")))
        .annotate(m=TruncMonth("deadline"))
        .values("m")
        .annotate(n=Count("id"))
        .order_by()
    }
    trend, month = [], start
    while month <= today:
        key = month.strftime("%Y-%m")
        trend.append(
            {
                "month": key,
                "found": found.get(key, 0),
                "closed": closed.get(key, 0),
                "overdue": late.get(key, 0),
            }
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    for row, before in zip(trend[1:], trend[:-1], strict=False):
        row["change"] = {k: row[k] - before[k] for k in ("found", "closed", "overdue")}
    return {
        "totals": totals,
        "avg_days": f"{avg.total_seconds() / 86400:.1f}" if avg is not None else "—",
        "by_county": by_county,
        "by_unit": by_unit,
        "by_category": by_category,
        "trend": trend,
    }


def report_list(*, user, status: str = "") -> QuerySet:
    """随手拍 in the user's scope (offices only), newest first."""
    from wenming.inspections.models import PublicReport

    qs = scoped(PublicReport, user).select_related("region", "office")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def _rate(achieved, possible):
    from decimal import Decimal

    return (Decimal(100) * achieved / possible).quantize(Decimal("0.1")) if possible else None


def mock_scores(*, inspection) -> dict:
    """得分率 of a 模拟测评 per point type, per responsible unit and per county (the first six
    digits of the point's region code): Σ achieved / Σ possible, three grouped queries (and two
    for the names)."""
    from django.db.models import Sum
    from django.db.models.functions import Substr

    from wenming.inspections.models import Observation, PointType
    from wenming.orgs.models import Region

    base = Observation.objects.filter(inspection=inspection).order_by()
    sums = {"possible": Sum("possible"), "achieved": Sum("achieved"), "n": Count("id")}

    def rows(qs, key):
        out = [{**r, "key": r[key], "rate": _rate(r["achieved"], r["possible"])} for r in qs.annotate(**sums)]
        return sorted(out, key=lambda r: (-(r["rate"] or 0), str(r["key"])))

    by_type = rows(base.values("point_type_id"), "point_type_id")
    by_unit = rows(base.values("unit_id"), "unit_id")
    by_county = rows(base.annotate(county=Substr("region_code", 1, 6)).values("county"), "county")
    type_names = dict(PointType.objects.filter(pk__in=[r["key"] for r in by_type]).values_list("id", "name"))
    unit_names = dict(
        Organisation.objects.filter(pk__in=[r["key"] for r in by_unit]).values_list("id", "name")
    )
    county_names = dict(
        Region.objects.filter(code__in=[f"{r['key']}000000" for r in by_county]).values_list("code", "name")
    )
    for r in by_type:
        r["name"] = type_names.get(r["key"], "")
    for r in by_unit:
        r["name"] = unit_names.get(r["key"], "")
    for r in by_county:
        r["name"] = county_names.get(f"{r['key']}000000", r["key"])
    total = base.aggregate(**sums)
    total["rate"] = _rate(total["achieved"] or 0, total["possible"] or 0)
    return {"by_type": by_type, "by_unit": by_unit, "by_county": by_county, "total": total}
