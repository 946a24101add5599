"""Pages: open a campaign through the form, overdue in red, home-page attention, query bounds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from wenming.campaigns import attention, services
from wenming.campaigns.models import Campaign, TaskStatus
from wenming.campaigns.tests.helpers import big_nodes, open_campaign, published
from wenming.frameworks.models import FrameworkStatus
from wenming.frameworks.tests.helpers import make_framework, node
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


def test_unit_admin_opens_a_campaign_with_a_plan(client, login, world):
    fw = published(world)
    with as_user(world.county_a_admin):
        draft = make_framework(world.county_a_office, title="草稿体系不可选", nodes=[node("1")])
    login(world.unit_a_admin)
    page = client.get("/campaigns/new/").content.decode()
    assert fw.title in page and draft.title not in page
    r = client.post(
        "/campaigns/new/",
        {
            "unit": world.unit_a.pk,
            "framework": fw.pk,
            "title": "创建2027年度市级文明单位",
            "target_kind": "unit",
            "level": "city",
            "start_date": "2027-01-01",
            "acceptance_date": "2027-06-30",
            "plan": SimpleUploadedFile("实施方案.txt", "创建工作实施方案\n".encode()),
        },
    )
    c = Campaign.objects.get(title="创建2027年度市级文明单位")
    assert r.status_code == 302 and r["Location"] == f"/campaigns/{c.pk}/"
    assert c.plan.original_name == "实施方案.txt" and c.tasks.count() == 4
    fw.refresh_from_db()
    assert fw.status == FrameworkStatus.FROZEN
    detail = client.get(f"/campaigns/{c.pk}/").content.decode()
    assert "市级文明单位" in detail and "实施方案.txt" in detail and "2027-05-31" in detail


def test_open_form_errors_in_chinese(client, login, world):
    fw = published(world)
    login(world.unit_a_admin)
    r = client.post(
        "/campaigns/new/",
        {
            "unit": world.unit_a.pk,
            "framework": fw.pk,
            "title": "x",
            "target_kind": "unit",
            "level": "city",
            "start_date": "2027-06-30",
            "acceptance_date": "2027-01-01",
        },
    )
    assert r.status_code == 200 and "验收日期须晚于启动日期" in r.content.decode()
    r = client.post(
        "/campaigns/new/",
        {
            "unit": world.unit_b.pk,
            "framework": fw.pk,
            "title": "x",
            "target_kind": "unit",
            "level": "city",
            "start_date": "2027-01-01",
            "acceptance_date": "2027-06-30",
        },
    )
    assert r.status_code == 200 and not Campaign.objects.filter(unit=world.unit_b).exists()


def live_campaign(world):
    """Started 100 days ago, accepted in 20 days: evidence tasks were due 10 days ago."""
    today = services.local_today()
    return open_campaign(world, start=today - dt.timedelta(days=100), accept=today + dt.timedelta(days=20))


def test_overdue_tasks_are_red_in_the_list_and_the_gantt(client, login, world):
    c = live_campaign(world)
    done = c.tasks.order_by("position").first()
    with as_user(world.unit_a_admin):
        services.task_update(task=done, status=TaskStatus.DONE)
    login(world.unit_a_admin)
    body = client.get(f"/campaigns/{c.pk}/tasks/").content.decode()
    assert body.count('class="table-danger"') == 3
    body = client.get(f"/campaigns/{c.pk}/tasks/?overdue=1").content.decode()
    assert body.count('data-testid="task-row"') == 3 and f"/campaigns/tasks/{done.pk}/edit/" not in body
    gantt = client.get(f"/campaigns/{c.pk}/gantt/").content.decode()
    assert gantt.count("gantt-overdue") == 3 and gantt.count('data-testid="gantt-group"') == 2


def test_home_progress_chart_partitions_the_tasks_and_each_slice_lists_its_own(client, login, world):
    """The unit admin's home chart: 已完成 / 逾期 / 进行中 / 未开始 add up to every task of the
    campaign, and each slice's link lists exactly that many rows."""
    c = live_campaign(world)
    tasks = list(c.tasks.order_by("position"))
    with as_user(world.unit_a_admin):
        services.task_update(task=tasks[0], status=TaskStatus.DONE)
        soon = services.local_today() + dt.timedelta(days=5)
        services.task_update(task=tasks[-1], status=TaskStatus.DOING, due_override=soon)
        services.task_update(task=tasks[1], status=TaskStatus.DOING)  # doing, but overdue
    request = RequestFactory().get("/")
    request.user = world.unit_a_admin
    (chart,) = attention.campaign_progress(request)
    values = {s.label: s.value for s in chart.slices}
    assert sum(values.values()) == len(tasks) and values["已完成"] == 1
    assert values["逾期"] > 0 and values["进行中"] == 1
    assert c.title in chart.title
    login(world.unit_a_admin)
    for s in chart.slices:
        body = client.get(s.href).content.decode()
        assert body.count('data-testid="task-row"') == s.value, (s.label, s.href)
    assert "任务进度" in client.get("/?refresh=1").content.decode()
    request.user = world.dept_lead_a  # not a unit admin: no chart
    assert attention.campaign_progress(request) == []


def items_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return {i.label: i for i in attention.campaign_tasks(request)}


def test_attention_counts_match_the_lists_they_open(client, login, world):
    c = live_campaign(world)
    t1, t2, t3, t4 = list(c.tasks.order_by("position"))
    soon = services.local_today() + dt.timedelta(days=3)
    with as_user(world.unit_a_admin):
        services.task_update(task=t1, department=world.dept_a)  # overdue, mine
        services.task_update(task=t2, assignee=world.dept_lead_a, due_override=soon)  # due soon, mine
        services.task_update(task=t3, department=world.dept_a, status=TaskStatus.DONE)  # done
    lead = items_for(world.dept_lead_a)
    assert (lead["我的逾期任务"].count, lead["7 天内到期的任务"].count) == (1, 1)
    assert "逾期任务" not in lead
    admin = items_for(world.unit_a_admin)
    assert set(admin) == {"逾期任务", "待审核的佐证材料"} and admin["逾期任务"].count == 2  # t1 and t4
    assert admin["待审核的佐证材料"].count == 0
    login(world.dept_lead_a)
    html = client.get(lead["我的逾期任务"].href).content.decode()
    assert html.count('data-testid="my-task-row"') == 1 and f"/tasks/{t1.pk}/" in html
    html = client.get(lead["7 天内到期的任务"].href).content.decode()
    assert html.count('data-testid="my-task-row"') == 1 and f"/tasks/{t2.pk}/" in html
    home = client.get("/").content.decode()
    assert "我的逾期任务" in home and 'href="/campaigns/my-tasks/?when=overdue"' in home
    login(world.unit_a_admin)
    html = client.get(admin["逾期任务"].href).content.decode()
    assert html.count('data-testid="my-task-row"') == 2
    assert items_for(world.county_a_admin) == {}


def test_task_list_and_gantt_queries_do_not_grow_with_125_criteria(client, login, world):
    small = open_campaign(world, nodes=[node("1"), node("1.1", "1")], title="小")
    big = open_campaign(world, nodes=big_nodes(5, 4, 5), title="大")
    with as_user(world.unit_a_admin):
        for t in big.tasks.all()[:30]:
            services.task_update(task=t, department=world.dept_a, assignee=world.dept_lead_a)
    login(world.unit_a_admin)
    for path in ("tasks", "gantt"):
        n_small, _ = queries_for(client, f"/campaigns/{small.pk}/{path}/")
        n_big, body = queries_for(client, f"/campaigns/{big.pk}/{path}/")
        assert n_big == n_small <= 16, (path, n_small, n_big)
    assert body.count('data-testid="gantt-row"') == 100
    n, _ = queries_for(client, f"/campaigns/{big.pk}/")
    assert n <= 16
    login(world.dept_lead_a)
    n, body = queries_for(client, "/campaigns/my-tasks/")
    assert n <= 16 and body.count('data-testid="my-task-row"') == 30


def test_split_and_merge_through_the_pages(client, login, world):
    c = open_campaign(world)
    login(world.unit_a_admin)
    t = c.tasks.get(code="1.1")
    r = client.post(f"/campaigns/tasks/{t.pk}/split/", {"titles": "成立领导小组\n召开会议"})
    assert r.status_code == 302 and t.subtasks.count() == 2
    a, b = c.tasks.get(code="2.1.1"), c.tasks.get(code="2.1.2")
    client.post(f"/campaigns/{c.pk}/merge/", {"task": [a.pk, b.pk]})
    body = client.get(f"/campaigns/{c.pk}/tasks/").content.decode()
    assert "含合并 1" in body and body.count('data-testid="task-row"') == 5  # 1.1, its 2 parts, 1.2, 2.1.1


def test_group_and_milestones_pages(client, login, world):
    c = open_campaign(world)
    login(world.unit_a_admin)
    r = client.post(f"/campaigns/{c.pk}/group/", {"lines": "领导小组，王局长，组长\n材料组，李科长，成员"})
    assert r.status_code == 302
    assert list(c.group_members.values_list("group", "name", "role")) == [
        ("leading", "王局长", "组长"),
        ("materials", "李科长", "成员"),
    ]
    r = client.post(f"/campaigns/{c.pk}/group/", {"lines": "宣传组，某某，成员"})
    assert "小组“宣传组”不存在" in r.content.decode()
    r = client.post(f"/campaigns/{c.pk}/group/", {"lines": "材料组，某某，成员，outsider"})
    assert "用户名“outsider”不是本单位的用户" in r.content.decode()
    r = client.post(f"/campaigns/{c.pk}/group/", {"lines": "材料组，李科长，成员，dept_lead_a"})
    assert r.status_code == 302 and c.group_members.get().user_id == world.dept_lead_a.pk
    assert "材料组，李科长，成员，dept_lead_a" in client.get(f"/campaigns/{c.pk}/group/").content.decode()
    ms = {m.key: m for m in c.milestones.all()}
    data = {f"days_{m.pk}": m.days_before for m in ms.values()}
    data[f"days_{ms['evidence'].pk}"] = 60
    assert client.post(f"/campaigns/{c.pk}/milestones/", data).status_code == 302
    assert str(c.tasks.first().due_date) == "2027-05-01"
    data[f"days_{ms['evidence'].pk}"] = "abc"
    assert "验收前天数应为" in client.post(f"/campaigns/{c.pk}/milestones/", data).content.decode()


def test_edit_moves_the_schedule_and_replaces_the_plan(client, login, world):
    c = open_campaign(world)
    login(world.dept_lead_a)
    assert client.get(f"/campaigns/{c.pk}/edit/").status_code == 403
    login(world.unit_a_admin)
    data = {
        "title": "创建市级文明单位（调整）",
        "start_date": "2027-01-01",
        "acceptance_date": "2027-07-30",
        "status": "active",
    }
    r = client.post(
        f"/campaigns/{c.pk}/edit/", {**data, "plan": SimpleUploadedFile("方案二.txt", "新方案\n".encode())}
    )
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.title.endswith("（调整）") and c.plan.original_name == "方案二.txt"
    assert {str(d) for d in c.tasks.values_list("due_date", flat=True)} == {"2027-06-30"}
    r = client.post(f"/campaigns/{c.pk}/edit/", {**data, "acceptance_date": "2026-12-01"})
    assert "验收日期须晚于启动日期" in r.content.decode()
