"""倒排工期: due dates computed backwards from the acceptance date through milestones, overridable."""

from __future__ import annotations

import datetime as dt

import pytest

from wenming.campaigns import services
from wenming.campaigns.models import MilestoneKey, Task
from wenming.campaigns.tests.helpers import ACCEPT, open_campaign
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def test_default_milestones_count_back_from_acceptance(world):
    c = open_campaign(world)
    dates = {m.key: m.due_for(c.acceptance_date) for m in c.milestones.all()}
    assert dates == {
        MilestoneKey.SELF: ACCEPT - dt.timedelta(days=45),
        MilestoneKey.EVIDENCE: ACCEPT - dt.timedelta(days=30),
        MilestoneKey.MOCK: ACCEPT - dt.timedelta(days=20),
    }
    # Evidence tasks are due when evidence must be complete.
    assert set(c.tasks.values_list("due_date", flat=True)) == {dt.date(2027, 5, 31)}


@pytest.mark.parametrize(
    "key,expected", [(MilestoneKey.SELF, dt.date(2027, 5, 16)), (MilestoneKey.MOCK, dt.date(2027, 6, 10))]
)
def test_task_on_each_milestone(world, key, expected):
    c = open_campaign(world)
    task = c.tasks.first()
    with as_user(world.unit_a_admin):
        services.task_update(task=task, milestone=c.milestones.get(key=key))
    task.refresh_from_db()
    assert task.due_date == expected


def test_override_wins_and_survives_rescheduling(world):
    c = open_campaign(world)
    t1, t2 = list(c.tasks.order_by("position")[:2])
    with as_user(world.unit_a_admin):
        services.task_update(task=t1, due_override=dt.date(2027, 3, 15))
        services.campaign_update(campaign=c, acceptance_date=dt.date(2027, 7, 30))
    t1.refresh_from_db()
    t2.refresh_from_db()
    assert t1.due_date == dt.date(2027, 3, 15)
    assert t2.due_date == dt.date(2027, 6, 30)  # 30 days before the new acceptance date
    with as_user(world.unit_a_admin):
        services.task_update(task=t1, due_override=None)
    t1.refresh_from_db()
    assert t1.due_date == dt.date(2027, 6, 30)


def test_moving_a_milestone_moves_its_tasks(world):
    c = open_campaign(world)
    evidence = c.milestones.get(key=MilestoneKey.EVIDENCE)
    with as_user(world.unit_a_admin):
        services.milestone_save(campaign=c, milestone=evidence, title=evidence.title, days_before=40)
    assert set(Task.objects.filter(campaign=c).values_list("due_date", flat=True)) == {dt.date(2027, 5, 21)}


def test_custom_milestones_on_open(world):
    from wenming.campaigns.models import Campaign

    c = open_campaign(world)
    framework = c.framework
    with as_user(world.unit_a_admin):
        c2 = services.campaign_open(
            unit=world.unit_a,
            framework=framework,
            title="另一个",
            target_kind="unit",
            level="county",
            exemplar=True,
            start_date=dt.date(2027, 1, 1),
            acceptance_date=ACCEPT,
            milestones=[(MilestoneKey.EVIDENCE, "资料收集完成", 10)],
        )
    assert Campaign.objects.get(pk=c2.pk).target_label == "县级文明单位标兵"
    assert set(c2.tasks.values_list("due_date", flat=True)) == {dt.date(2027, 6, 20)}


def test_task_due_formula():
    class M:
        def due_for(self, d):
            return d - dt.timedelta(days=7)

    assert services.task_due(acceptance_date=ACCEPT, milestone=None, override=None) is None
    assert services.task_due(acceptance_date=ACCEPT, milestone=M(), override=None) == dt.date(2027, 6, 23)
    assert services.task_due(acceptance_date=ACCEPT, milestone=M(), override=dt.date(2027, 2, 1)) == dt.date(
        2027, 2, 1
    )
