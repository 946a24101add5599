"""Bulk assignment by xlsx: template round trip, every bad case reported by row/column, nothing applied."""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from wenming.campaigns.models import Task
from wenming.campaigns.tests.helpers import open_campaign
from wenming.orgs import services as org_services
from wenming.orgs.tests.helpers import as_user, upload

pytestmark = pytest.mark.django_db
HEAD = ["任务编码", "任务名称", "责任科室", "责任人", "完成时限"]


@pytest.fixture
def campaign(world):
    return open_campaign(world)


def post(client, campaign, rows, name="分解表.xlsx"):
    return client.post(f"/campaigns/{campaign.pk}/assign/", {"file": upload(rows, name=name)})


def snapshot(campaign):
    return list(
        Task.objects.filter(campaign=campaign)
        .order_by("pk")
        .values_list("department_id", "assignee_id", "due_date")
    )


def test_template_lists_every_task_and_imports_back(client, login, world, campaign):
    login(world.unit_a_admin)
    r = client.get(f"/campaigns/{campaign.pk}/assign/template.xlsx")
    assert r.status_code == 200
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(r.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert rows[0] == HEAD and [row[0] for row in rows[1:]] == ["1.1", "1.2", "2.1.1", "2.1.2"]
    filled = [HEAD] + [[row[0], row[1], "办公室", "dept_lead_a", "2027-04-30"] for row in rows[1:]]
    r = post(client, campaign, filled)
    assert r.status_code == 302
    tasks = Task.objects.filter(campaign=campaign)
    assert set(tasks.values_list("department_id", "assignee_id")) == {(world.dept_a.pk, world.dept_lead_a.pk)}
    assert {str(d) for d in tasks.values_list("due_date", flat=True)} == {"2027-04-30"}


def test_blank_date_keeps_the_schedule(client, login, world, campaign):
    login(world.unit_a_admin)
    r = post(client, campaign, [HEAD, ["1.1", "", "办公室", "dept_lead_a", ""]])
    assert r.status_code == 302
    t = Task.objects.get(campaign=campaign, code="1.1")
    assert (
        t.assignee_id == world.dept_lead_a.pk and str(t.due_date) == "2027-05-31" and t.due_override is None
    )


@pytest.mark.parametrize(
    "row,message",
    [
        (["9.9", "", "办公室", "", ""], "第 2 行 A 列（任务编码）：本创建活动没有编码为“9.9”的任务"),
        (["", "", "办公室", "", ""], "第 2 行 A 列（任务编码）：任务编码不能为空"),
        (["1.1", "", "宣传科", "", ""], "第 2 行 C 列（责任科室）：本单位没有名为“宣传科”的科室"),
        (["1.1", "", "", "nobody", ""], "第 2 行 D 列（责任人）：“nobody”不是本单位的用户"),
        (["1.1", "", "", "outsider", ""], "第 2 行 D 列（责任人）：“outsider”不是本单位的用户"),
        (["1.1", "", "", "", "明年五月"], "第 2 行 E 列（完成时限）：“明年五月”不是有效日期"),
        (["1.1", "", "", "", "2028-01-01"], "第 2 行 E 列（完成时限）：完成时限须在启动日期和验收日期之间"),
    ],
)
def test_each_bad_row_is_reported_and_nothing_applied(client, login, world, campaign, row, message):
    login(world.unit_a_admin)
    before = snapshot(campaign)
    good = ["1.2", "", "办公室", "dept_lead_a", "2027-04-30"]
    r = post(client, campaign, [HEAD, row, good])
    body = r.content.decode()
    assert r.status_code == 200 and 'data-testid="import-errors"' in body
    assert message in body
    assert snapshot(campaign) == before


def test_duplicate_codes_and_files_that_are_not_tables(client, login, world, campaign):
    login(world.unit_a_admin)
    before = snapshot(campaign)
    body = post(
        client, campaign, [HEAD, ["1.1", "", "办公室", "", ""], ["1.1", "", "办公室", "", ""]]
    ).content.decode()
    assert "第 3 行 A 列（任务编码）：任务编码“1.1”与第 2 行重复" in body
    body = post(client, campaign, [["编码", "名称"], ["1.1", "x"]]).content.decode()
    assert "没有找到表头" in body
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        f"/campaigns/{campaign.pk}/assign/", {"file": SimpleUploadedFile("x.xlsx", b"%PDF-1.4 not a sheet")}
    )
    assert 'data-testid="import-errors"' in r.content.decode()
    assert snapshot(campaign) == before


def test_ambiguous_display_name_asks_for_username(client, login, world, campaign):
    with as_user(world.platform):
        for name in ("same_a", "same_b"):
            org_services.user_onboard(
                username=name,
                display_name="张同名",
                password=None,
                role="unit_admin",
                organisation=world.unit_a,
            )
    login(world.unit_a_admin)
    body = post(client, campaign, [HEAD, ["1.1", "", "", "张同名", ""]]).content.decode()
    assert "本单位有多人名为“张同名”，请填写用户名" in body
