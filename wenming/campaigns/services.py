"""Every write to campaigns: open, leading group, milestones, tasks (edit, split, merge, status,
bulk assignment). Each runs in one transaction and is audited.

倒排工期: a task's ``due_date`` is its ``due_override`` or else its milestone's date, the milestone
being ``days_before`` the campaign's acceptance date. :func:`task_due` is the one formula;
:func:`_recompute_due` re-applies it whenever the acceptance date or a milestone moves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.campaigns.models import (
    DEFAULT_MILESTONES,
    Campaign,
    GroupMember,
    Milestone,
    MilestoneKey,
    Task,
    TaskStatus,
)
from wenming.frameworks.models import Criterion, Framework, FrameworkStatus
from wenming.frameworks.selectors import framework_leaves
from wenming.frameworks.services import framework_freeze
from wenming.orgs.models import Department, Membership, Organisation, OrgKind


def local_today() -> dt.date:
    return timezone.localdate()


def task_due(
    *, acceptance_date: dt.date, milestone: Milestone | None, override: dt.date | None
) -> dt.date | None:
    """倒排工期: the override, else the milestone's date counted back from acceptance."""
    if override is not None:
        return override
    if milestone is None:
        return None
    return milestone.due_for(acceptance_date)


def _recompute_due(campaign: Campaign) -> int:
    """Re-derive every non-overridden task's due date (one UPDATE per milestone)."""
    changed = 0
    for m in campaign.milestones.all():
        changed += Task.objects.filter(campaign=campaign, milestone=m, due_override__isnull=True).update(
            due_date=m.due_for(campaign.acceptance_date)
        )
    Task.objects.filter(campaign=campaign, milestone__isnull=True, due_override__isnull=True).update(
        due_date=None
    )
    return changed


def _item_of(criterion, by_id) -> int:
    node = criterion
    while node.parent_id and node.parent_id in by_id:
        node = by_id[node.parent_id]
    return node.pk


@dataclass
class GroupEntry:
    group: str
    name: str
    role: str
    user_id: int | None = None


@transaction.atomic
def campaign_open(
    *,
    unit: Organisation,
    framework: Framework,
    title: str,
    target_kind: str,
    level: str,
    exemplar: bool,
    start_date: dt.date,
    acceptance_date: dt.date,
    user=None,
    plan=None,
    milestones: list[tuple[str, str, int]] | None = None,
) -> Campaign:
    """Open a campaign: freeze the framework version, create the milestones (defaults: 自评 −45,
    资料收集完成 −30, 模拟测评 −20 days) and one task per leaf criterion, due on the evidence
    milestone. Audited once (the task count is in the entry)."""
    if unit.kind != OrgKind.UNIT:
        raise ValidationError("只有创建单位可以开展创建活动")
    if framework.status not in (FrameworkStatus.PUBLISHED, FrameworkStatus.FROZEN):
        raise ValidationError("只能采用已发布的测评体系")
    if acceptance_date <= start_date:
        raise ValidationError("验收日期须晚于启动日期")
    framework = framework_freeze(framework=framework)
    campaign = Campaign.objects.create(
        unit=unit,
        region_code=unit.region_code,
        title=title,
        target_kind=target_kind,
        level=level,
        exemplar=exemplar,
        framework=framework,
        start_date=start_date,
        acceptance_date=acceptance_date,
        plan=plan,
        created_by=user,
    )
    ms = {}
    for key, name, days in milestones or DEFAULT_MILESTONES:
        ms[key] = Milestone.objects.create(campaign=campaign, key=key, title=name, days_before=days)
    evidence = ms.get(MilestoneKey.EVIDENCE)
    leaves = framework_leaves(framework=framework)
    by_id = {c.pk: c for c in Criterion.objects.filter(framework=framework).only("pk", "parent_id")}
    due = task_due(acceptance_date=acceptance_date, milestone=evidence, override=None)
    Task.objects.bulk_create(
        [
            Task(
                campaign=campaign,
                criterion=c,
                item_id=_item_of(c, by_id),
                code=c.code,
                position=i,
                title=c.title[:500],
                description=c.requirement,
                milestone=evidence,
                due_date=due,
            )
            for i, c in enumerate(leaves)
        ],
        batch_size=500,
    )
    audit_record(action=Action.CREATE, obj=campaign, after={**snapshot(campaign), "tasks": len(leaves)})
    return campaign


CAMPAIGN_FIELDS = ("title", "start_date", "acceptance_date", "status", "plan")


@transaction.atomic
def campaign_update(*, campaign: Campaign, **fields) -> Campaign:
    before = snapshot(campaign)
    for name, value in fields.items():
        if name not in CAMPAIGN_FIELDS:
            raise ValueError(name)
        setattr(campaign, name, value)
    if campaign.acceptance_date <= campaign.start_date:
        raise ValidationError("验收日期须晚于启动日期")
    campaign.save()
    if before["acceptance_date"] != campaign.acceptance_date.isoformat():
        _recompute_due(campaign)
    audit_record(action=Action.UPDATE, obj=campaign, before=before, after=snapshot(campaign))
    return campaign


@transaction.atomic
def group_set(*, campaign: Campaign, entries: list[GroupEntry]) -> list[GroupMember]:
    """Replace the leading group and working groups (linked users must belong to the unit)."""
    user_ids = {e.user_id for e in entries if e.user_id}
    if user_ids:
        members = set(
            Membership.objects.filter(organisation=campaign.unit_id, user_id__in=user_ids).values_list(
                "user_id", flat=True
            )
        )
        if user_ids - members:
            raise ValidationError("关联用户须为本单位成员")
    before = [f"{m.group}:{m.name}:{m.role}" for m in campaign.group_members.all()]
    campaign.group_members.all().delete()
    rows = GroupMember.objects.bulk_create(
        [
            GroupMember(
                campaign=campaign, group=e.group, name=e.name, role=e.role, user_id=e.user_id, position=i
            )
            for i, e in enumerate(entries)
        ]
    )
    audit_record(
        action=Action.UPDATE,
        obj=campaign,
        changes={"group_members": [before, [f"{e.group}:{e.name}:{e.role}" for e in entries]]},
    )
    return rows


@transaction.atomic
def milestone_save(
    *,
    campaign: Campaign,
    title: str,
    days_before: int,
    milestone: Milestone | None = None,
    key: str = MilestoneKey.CUSTOM,
) -> Milestone:
    """Add or move a milestone; the due dates of its tasks follow (倒排工期)."""
    before = snapshot(milestone) if milestone else None
    if milestone is None:
        milestone = Milestone(campaign=campaign, key=key)
    milestone.title = title
    milestone.days_before = days_before
    milestone.save()
    Task.objects.filter(campaign=campaign, milestone=milestone, due_override__isnull=True).update(
        due_date=milestone.due_for(campaign.acceptance_date)
    )
    audit_record(
        action=Action.UPDATE if before else Action.CREATE,
        obj=milestone,
        before=before,
        after=snapshot(milestone),
    )
    return milestone


def _check_assignment(campaign: Campaign, department: Department | None, assignee) -> None:
    if department is not None and department.organisation_id != campaign.unit_id:
        raise ValidationError("责任科室须为本单位的科室")
    if (
        assignee is not None
        and not Membership.objects.filter(organisation_id=campaign.unit_id, user=assignee).exists()
    ):
        raise ValidationError("责任人须为本单位成员")


TASK_FIELDS = ("title", "description", "department", "assignee", "milestone", "due_override", "status")


@transaction.atomic
def task_update(*, task: Task, **fields) -> Task:
    """Edit a task; the due date is recomputed (倒排工期) and completion time kept in step with status."""
    campaign = task.campaign
    before = snapshot(task)
    for name, value in fields.items():
        if name not in TASK_FIELDS:
            raise ValueError(name)
        setattr(task, name, value)
    _check_assignment(campaign, task.department, task.assignee)
    if task.milestone is not None and task.milestone.campaign_id != campaign.pk:
        raise ValidationError("时间节点不属于本创建活动")
    task.due_date = task_due(
        acceptance_date=campaign.acceptance_date, milestone=task.milestone, override=task.due_override
    )
    if task.status == TaskStatus.DONE:
        task.completed_at = task.completed_at or timezone.now()
    else:
        task.completed_at = None
    task.save()
    audit_record(action=Action.UPDATE, obj=task, before=before, after=snapshot(task))
    return task


def task_set_status(*, task: Task, status: str) -> Task:
    return task_update(task=task, status=status)


@transaction.atomic
def task_split(*, task: Task, titles: list[str]) -> list[Task]:
    """Split a task into sub-tasks (same criterion, responsibility and due date as the task)."""
    titles = [t.strip() for t in titles if t.strip()]
    if len(titles) < 2:
        raise ValidationError("拆分至少需要两个子任务名称")
    if task.parent_id is not None or task.merged_into_id is not None:
        raise ValidationError("子任务或已合并的任务不能再拆分")
    start = task.subtasks.count()
    subs = []
    for i, title in enumerate(titles, start=start + 1):
        sub = Task.objects.create(
            campaign=task.campaign,
            criterion_id=task.criterion_id,
            item_id=task.item_id,
            parent=task,
            code=f"{task.code}-{i}",
            position=task.position,
            title=title[:500],
            department=task.department,
            assignee=task.assignee,
            milestone=task.milestone,
            due_override=task.due_override,
            due_date=task.due_date,
        )
        audit_record(action=Action.CREATE, obj=sub, after=snapshot(sub))
        subs.append(sub)
    return subs


@transaction.atomic
def task_merge(*, target: Task, others: list[Task]) -> Task:
    """Merge tasks into ``target``: the others point at it and leave the lists (their criteria
    stay linked through ``merged_into``); their titles are appended to the target's description."""
    others = [t for t in others if t.pk != target.pk]
    if not others:
        raise ValidationError("请至少选择两个任务进行合并")
    for t in [target, *others]:
        if t.campaign_id != target.campaign_id:
            raise ValidationError("只能合并同一创建活动的任务")
        if t.merged_into_id is not None:
            raise ValidationError(f"任务 {t.code} 已被合并")
        if t.parent_id is not None or t.subtasks.exists():
            raise ValidationError(f"任务 {t.code} 有拆分的子任务，不能合并")
    before = snapshot(target)
    extra = "\n".join(f"（合并）{t.code} {t.title}" for t in others)
    target.description = f"{target.description}\n{extra}".strip()
    target.save(update_fields=["description", "updated_at"])
    Task.objects.filter(pk__in=[t.pk for t in others]).update(merged_into=target)
    audit_record(
        action=Action.UPDATE,
        obj=target,
        before=before,
        after={**snapshot(target), "merged": [t.code for t in others]},
    )
    return target


# --- bulk assignment -------------------------------------------------------------------------


@dataclass
class Assignment:
    task: Task
    department: Department | None
    assignee: object | None
    due_override: dt.date | None


@transaction.atomic
def tasks_assign_bulk(*, campaign: Campaign, assignments: list[Assignment], source_name: str = "") -> int:
    """Apply a checked bulk assignment (see ``campaigns.bulk.parse_assignments``): all rows or none."""
    for a in assignments:
        task = a.task
        if task.campaign_id != campaign.pk:
            raise PermissionDenied("任务不属于该创建活动")
        _check_assignment(campaign, a.department, a.assignee)
        task.department = a.department
        task.assignee = a.assignee
        if a.due_override is not None:
            task.due_override = a.due_override
        task.due_date = task_due(
            acceptance_date=campaign.acceptance_date, milestone=task.milestone, override=task.due_override
        )
    Task.objects.bulk_update(
        [a.task for a in assignments], ["department", "assignee", "due_override", "due_date"], batch_size=500
    )
    audit_record(
        action=Action.IMPORT,
        obj=campaign,
        changes={"bulk_assignment": {"file": source_name, "tasks": [a.task.code for a in assignments]}},
    )
    return len(assignments)
