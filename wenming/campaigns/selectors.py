"""Reads for campaigns: the scoped list, tasks grouped by item, my tasks, the Gantt rows, counts.

Every read starts from ``scoped`` so a list can never show more than the user's scope; the task
pages issue a fixed number of queries whatever the number of criteria.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Q, QuerySet, Subquery, Value

from wenming.campaigns.models import Campaign, Task, TaskStatus
from wenming.orgs.access import Scope, get_scope, scoped


def can_manage(*, scope: Scope, campaign: Campaign) -> bool:
    """Unit admins of the campaign's unit (and platform admins) edit it and its tasks."""
    return scope.is_platform or campaign.unit_id in scope.admin_unit_ids


def can_work_on(*, scope: Scope, task: Task) -> bool:
    """A department lead updates the status of tasks of their department or assigned to them."""
    return (task.department_id is not None and task.department_id in scope.department_ids) or (
        task.assignee_id is not None and task.assignee_id == scope.user_id
    )


def campaign_list(*, user, q: str = "", status: str = "") -> QuerySet[Campaign]:
    qs = scoped(Campaign, user).select_related("unit", "framework")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(unit__name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-acceptance_date", "-pk")


def _visible_tasks(user) -> QuerySet[Task]:
    return scoped(Task, user).filter(merged_into__isnull=True)


def task_queryset(
    *,
    user,
    campaign: Campaign,
    status: str = "",
    department: str = "",
    overdue: bool = False,
    not_overdue: bool = False,
    q: str = "",
    today: dt.date | None = None,
) -> QuerySet[Task]:
    qs = (
        _visible_tasks(user)
        .filter(campaign=campaign)
        .select_related("item", "department", "assignee__profile", "milestone")
        .annotate(merged_count=Count("merged"))
        .order_by("position", "parent_id", "pk")
    )
    if status:
        qs = qs.filter(status=status)
    if department == "none":
        qs = qs.filter(department__isnull=True)
    elif department.isdigit():
        qs = qs.filter(department_id=int(department))
    if overdue:
        qs = qs.filter(due_date__lt=today or dt.date.today()).exclude(status=TaskStatus.DONE)
    elif not_overdue:  # (the home page's progress chart: open work still within its time limit)
        qs = qs.exclude(due_date__lt=today or dt.date.today())
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(code__istartswith=q))
    return qs


@dataclass
class ItemGroup:
    item: object
    tasks: list[Task] = field(default_factory=list)
    done: int = 0
    overdue: int = 0


def group_by_item(tasks: list[Task], today: dt.date) -> list[ItemGroup]:
    groups: dict[int, ItemGroup] = {}
    for t in tasks:
        g = groups.get(t.item_id)
        if g is None:
            g = groups[t.item_id] = ItemGroup(item=t.item)
        g.tasks.append(t)
        t.overdue = t.is_overdue(today)
        g.done += t.status == TaskStatus.DONE
        g.overdue += t.overdue
    return list(groups.values())


def my_tasks(*, user, scope: Scope | None = None) -> QuerySet[Task]:
    """Tasks of the user's departments or assigned to the user, in campaigns they may see."""
    scope = scope or get_scope(user)
    mine = Q(assignee_id=scope.user_id)
    if scope.department_ids:
        mine |= Q(department_id__in=scope.department_ids)
    return (
        _visible_tasks(user)
        .filter(mine)
        .select_related("campaign", "item", "department", "assignee__profile")
        .order_by(F("due_date").asc(nulls_last=True), "campaign_id", "position", "pk")
    )


def campaign_progress(*, campaign: Campaign, today: dt.date) -> dict[str, int]:
    """Task counts of a campaign in one query."""
    return Task.objects.filter(campaign=campaign, merged_into__isnull=True).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        doing=Count("pk", filter=Q(status=TaskStatus.DOING)),
        overdue=Count("pk", filter=Q(due_date__lt=today) & ~Q(status=TaskStatus.DONE)),
        unassigned=Count("pk", filter=Q(department__isnull=True, assignee__isnull=True)),
    )


@dataclass
class Bar:
    """One Gantt bar: offsets and widths in percent of the campaign's span (computed here so the
    template writes plain CSS widths, no script)."""

    task: Task
    left: float
    width: float
    overdue: bool
    done: bool


def gantt_rows(
    *, tasks: list[Task], campaign: Campaign, today: dt.date
) -> tuple[list[tuple[object, list[Bar]]], float]:
    """Bars from the campaign start to each task's due date, grouped by item; and today's
    position in percent (for the "today" line)."""
    start, end = campaign.start_date, campaign.acceptance_date
    span = max((end - start).days, 1)

    def pct(d: dt.date) -> float:
        return round(min(max((d - start).days / span, 0.0), 1.0) * 100, 2)

    groups: list[tuple[object, list[Bar]]] = []
    index: dict[int, list[Bar]] = {}
    for t in tasks:
        due = t.due_date or end
        bar = Bar(
            task=t,
            left=0.0,
            width=max(pct(due), 1.0),
            overdue=t.is_overdue(today),
            done=t.status == TaskStatus.DONE,
        )
        if t.item_id not in index:
            index[t.item_id] = []
            groups.append((t.item, index[t.item_id]))
        index[t.item_id].append(bar)
    return groups, pct(today)


def attention_counts(*, user, today: dt.date, soon_days: int = 7) -> dict[str, int]:
    """For the home page, one query: my overdue, my due within ``soon_days``, and (for unit
    admins) all overdue tasks of the units they administer."""
    scope = get_scope(user)
    mine = Q(assignee_id=scope.user_id)
    if scope.department_ids:
        mine |= Q(department_id__in=scope.department_ids)
    open_ = ~Q(status=TaskStatus.DONE)
    overdue = Q(due_date__lt=today) & open_
    soon = Q(due_date__gte=today, due_date__lte=today + dt.timedelta(days=soon_days)) & open_
    admin = Q(campaign__unit_id__in=scope.admin_unit_ids) if scope.admin_unit_ids else Q(pk__in=[])
    extra = {}
    if scope.admin_unit_ids:
        # Evidence waiting for review, as a scalar subquery in the same statement (the database
        # evaluates an uncorrelated subquery once): still one query for the whole card.
        pending = (
            pending_evidence(user=user, scope=scope)
            .order_by()
            .annotate(one=Value(1))
            .values("one")
            .annotate(n=Count("pk"))
            .values("n")
        )
        extra["pending_evidence"] = Max(Subquery(pending))
    counts = _visible_tasks(user).aggregate(
        my_overdue=Count("pk", filter=mine & overdue),
        my_soon=Count("pk", filter=mine & soon),
        unit_overdue=Count("pk", filter=admin & overdue),
        **extra,
    )
    counts["pending_evidence"] = counts.get("pending_evidence") or 0
    return counts


def progress_by_campaign(*, user, today: dt.date) -> list[dict]:
    """For the unit admin's home page, one query: per active campaign of the units they
    administer, its tasks as 已完成 / 逾期 / 进行中 (not overdue) / 未开始 (not overdue) — a
    partition, each part the task list filtered as its link says."""
    from wenming.campaigns.models import CampaignStatus

    scope = get_scope(user)
    if not scope.admin_unit_ids:
        return []
    late = Q(due_date__lt=today)
    done = Q(status=TaskStatus.DONE)
    return list(
        _visible_tasks(user)
        .filter(campaign__unit_id__in=scope.admin_unit_ids, campaign__status=CampaignStatus.ACTIVE)
        .values("campaign_id", "campaign__title")
        .annotate(
            done=Count("pk", filter=done),
            overdue=Count("pk", filter=late & ~done),
            doing=Count("pk", filter=Q(status=TaskStatus.DOING) & ~late),
            todo=Count("pk", filter=Q(status=TaskStatus.TODO) & ~late),
        )
        .order_by("campaign_id")
    )


def pending_evidence(*, user, scope=None) -> QuerySet:
    """Evidence waiting for review in the units the user administers (oldest first): the list
    behind the home page's 「待审核的佐证材料」."""
    from wenming.campaigns.models import Evidence, EvidenceStatus

    scope = scope or get_scope(user)
    return (
        scoped(Evidence, user)
        .filter(status=EvidenceStatus.PENDING, campaign__unit_id__in=scope.admin_unit_ids)
        .select_related("campaign", "criterion", "file", "uploaded_by__profile")
        .order_by("created_at", "pk")
    )
