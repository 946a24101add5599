"""Who sees which campaign and may do what: unit, offices above it, department lead, outsider."""

from __future__ import annotations

import pytest

from wenming.campaigns import services
from wenming.campaigns.tests.helpers import open_campaign
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "persona,sees",
    [
        ("unit_a_admin", True),
        ("dept_lead_a", True),
        ("county_a_admin", True),
        ("city_admin", True),
        ("city_inspector", True),
        ("platform", True),
        ("county_b_admin", False),
        ("outsider", False),
    ],
)
def test_list_and_pages_per_persona(client, login, world, persona, sees):
    c = open_campaign(world, title="东城执法局创建")
    task = c.tasks.first()
    login(getattr(world, persona))
    body = client.get("/campaigns/").content.decode()
    assert ("东城执法局创建" in body) is sees
    expected = 200 if sees else 404
    for path in (
        f"/campaigns/{c.pk}/",
        f"/campaigns/{c.pk}/tasks/",
        f"/campaigns/{c.pk}/gantt/",
        f"/campaigns/tasks/{task.pk}/edit/",
    ):
        status = client.get(path).status_code
        if sees and path.endswith("/edit/") and persona not in ("unit_a_admin", "platform"):
            assert status == 403, (persona, path)
        else:
            assert status == expected, (persona, path)


@pytest.mark.parametrize("persona", ["county_a_admin", "city_admin", "dept_lead_a"])
def test_only_the_unit_admin_manages(client, login, world, persona):
    c = open_campaign(world)
    login(getattr(world, persona))
    for path in (
        f"/campaigns/{c.pk}/group/",
        f"/campaigns/{c.pk}/milestones/",
        f"/campaigns/{c.pk}/assign/",
        f"/campaigns/{c.pk}/assign/template.xlsx",
    ):
        assert client.get(path).status_code == 403, path
    assert (
        client.post(
            f"/campaigns/{c.pk}/merge/", {"task": list(c.tasks.values_list("pk", flat=True))}
        ).status_code
        == 403
    )
    assert client.get("/campaigns/new/").status_code == 403


def test_department_lead_updates_only_the_status_of_their_tasks(client, login, world):
    c = open_campaign(world)
    mine, other = list(c.tasks.order_by("position")[:2])
    with as_user(world.unit_a_admin):
        services.task_update(task=mine, department=world.dept_a)
    login(world.dept_lead_a)
    assert client.get(f"/campaigns/tasks/{other.pk}/edit/").status_code == 403
    page = client.get(f"/campaigns/tasks/{mine.pk}/edit/").content.decode()
    assert 'name="status"' in page and 'name="title"' not in page
    r = client.post(f"/campaigns/tasks/{mine.pk}/edit/", {"status": "done", "title": "改名", "next": "my"})
    assert r.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "done" and mine.completed_at and mine.title != "改名"


def test_my_tasks_lists_department_and_assigned_tasks_only(client, login, world):
    c = open_campaign(world)
    t1, t2, t3 = list(c.tasks.order_by("position")[:3])
    with as_user(world.unit_a_admin):
        services.task_update(task=t1, department=world.dept_a)
        services.task_update(task=t2, assignee=world.dept_lead_a)
    login(world.dept_lead_a)
    body = client.get("/campaigns/my-tasks/").content.decode()
    assert body.count('data-testid="my-task-row"') == 2
    assert f"/campaigns/tasks/{t1.pk}/edit/" in body and f"/campaigns/tasks/{t2.pk}/edit/" in body
    assert f"/campaigns/tasks/{t3.pk}/edit/" not in body
    login(world.outsider)
    assert 'data-testid="my-task-row"' not in client.get("/campaigns/my-tasks/").content.decode()
