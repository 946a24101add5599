"""Opening a campaign: framework frozen, one task per criterion; split, merge, status; audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from wenming.audit.models import AuditEntry
from wenming.campaigns import services
from wenming.campaigns.models import Task, TaskStatus
from wenming.campaigns.tests.helpers import ACCEPT, START, big_nodes, open_campaign, published
from wenming.frameworks.models import Criterion, FrameworkStatus
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def test_open_freezes_framework_and_makes_one_task_per_leaf_criterion(world):
    c = open_campaign(world)
    c.framework.refresh_from_db()
    assert c.framework.status == FrameworkStatus.FROZEN
    leaves = Criterion.objects.filter(framework=c.framework, children__isnull=True)
    tasks = list(c.tasks.order_by("position").select_related("item"))
    assert [t.code for t in tasks] == ["1.1", "1.2", "2.1.1", "2.1.2"]
    assert {t.criterion_id for t in tasks} == set(leaves.values_list("pk", flat=True))
    assert [t.item.code for t in tasks] == ["1", "1", "2", "2"]
    assert tasks[0].title == "领导小组" and all(t.status == TaskStatus.TODO for t in tasks)
    entry = AuditEntry.objects.filter(object_type="campaigns.campaign", object_id=str(c.pk)).get()
    assert entry.org_id == world.unit_a.pk and entry.changes["tasks"][1] == 4


def test_125_criteria_give_100_tasks(world):
    c = open_campaign(world, nodes=big_nodes(5, 4, 5))
    assert c.framework.criteria.count() == 125
    assert c.tasks.count() == 100
    assert c.tasks.values("item").distinct().count() == 5


def test_draft_framework_and_bad_dates_are_refused(world):
    from wenming.frameworks.tests.helpers import make_framework, node

    with as_user(world.county_a_admin):
        draft = make_framework(world.county_a_office, nodes=[node("1")])
    with as_user(world.unit_a_admin), pytest.raises(ValidationError):
        services.campaign_open(
            unit=world.unit_a,
            framework=draft,
            title="x",
            target_kind="unit",
            level="city",
            exemplar=False,
            start_date=START,
            acceptance_date=ACCEPT,
        )
    fw = published(world)
    with as_user(world.unit_a_admin), pytest.raises(ValidationError):
        services.campaign_open(
            unit=world.unit_a,
            framework=fw,
            title="x",
            target_kind="unit",
            level="city",
            exemplar=False,
            start_date=ACCEPT,
            acceptance_date=START,
        )
    with as_user(world.unit_a_admin), pytest.raises(ValidationError):
        services.campaign_open(
            unit=world.county_a_office,
            framework=fw,
            title="x",
            target_kind="unit",
            level="city",
            exemplar=False,
            start_date=START,
            acceptance_date=ACCEPT,
        )


def test_split_makes_subtasks_with_the_same_criterion(world):
    c = open_campaign(world)
    task = c.tasks.get(code="1.1")
    with as_user(world.unit_a_admin):
        services.task_update(task=task, department=world.dept_a)
        subs = services.task_split(task=task, titles=["成立领导小组", "召开专题会议", " "])
    assert [s.code for s in subs] == ["1.1-1", "1.1-2"]
    assert all(s.criterion_id == task.criterion_id and s.parent_id == task.pk for s in subs)
    assert all(s.department_id == world.dept_a.pk and s.due_date == task.due_date for s in subs)
    with as_user(world.unit_a_admin), pytest.raises(ValidationError):
        services.task_split(task=subs[0], titles=["a", "b"])
    with as_user(world.unit_a_admin), pytest.raises(ValidationError):
        services.task_split(task=task, titles=["only one"])


def test_merge_hides_the_others_and_keeps_their_criteria(world):
    c = open_campaign(world)
    a, b = c.tasks.get(code="2.1.1"), c.tasks.get(code="2.1.2")
    with as_user(world.unit_a_admin):
        services.task_merge(target=a, others=[b])
    b.refresh_from_db()
    a.refresh_from_db()
    assert b.merged_into_id == a.pk and "2.1.2 学习记录" in a.description
    assert list(a.merged.values_list("criterion__code", flat=True)) == ["2.1.2"]
    with as_user(world.unit_a_admin), pytest.raises(ValidationError):
        services.task_merge(target=a, others=[b])  # already merged


def test_status_sets_and_clears_completed_at(world):
    c = open_campaign(world)
    task = c.tasks.first()
    with as_user(world.unit_a_admin):
        services.task_update(task=task, status=TaskStatus.DONE)
        assert task.completed_at is not None
        services.task_update(task=task, status=TaskStatus.DOING)
    assert Task.objects.get(pk=task.pk).completed_at is None


def test_assignment_must_stay_inside_the_unit(world):
    from wenming.orgs import services as org_services

    c = open_campaign(world)
    task = c.tasks.first()
    with as_user(world.platform):
        other_dept = org_services.department_create(organisation=world.unit_b, name="外单位科室")
    with as_user(world.unit_a_admin), pytest.raises(ValidationError):
        services.task_update(task=task, department=other_dept)
    with as_user(world.unit_a_admin), pytest.raises(ValidationError):
        services.task_update(task=task, assignee=world.outsider)
    with as_user(world.unit_a_admin):
        services.task_update(task=task, assignee=world.dept_lead_a, department=world.dept_a)
    assert AuditEntry.objects.filter(object_type="campaigns.task", object_id=str(task.pk)).count() == 1
