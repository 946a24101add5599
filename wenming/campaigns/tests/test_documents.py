"""工作任务分解表 (.docx, 公文 layout): one row per task in the list's order, landscape GB/T 9704 page."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document

from wenming.campaigns.services import task_update
from wenming.campaigns.tests.helpers import open_campaign
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def test_the_breakdown_lists_every_task_with_responsibility_and_due_date(world, client, login):
    c = open_campaign(world)
    t = c.tasks.get(code="1.2")
    with as_user(world.unit_a_admin):
        task_update(task=t, department=world.dept_a, assignee=world.dept_lead_a)
    login(world.dept_lead_a)
    page = client.get(reverse("campaigns:task_list", args=[c.pk])).content.decode()
    url = reverse("campaigns:task_breakdown_docx", args=[c.pk])
    assert url in page
    r = client.get(url)
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    doc = Document(io.BytesIO(r.content))
    section = doc.sections[0]
    assert section.page_width > section.page_height
    assert doc.paragraphs[0].text == f"{world.unit_a.name}{c.title}工作任务分解表"
    assert doc.paragraphs[0].runs[0].font.size.pt == 22
    rows = doc.tables[0].rows
    assert [cell.text for cell in rows[0].cells][:4] == ["序号", "任务编码", "测评项目", "工作任务"]
    body = [[cell.text for cell in r.cells] for r in rows[1:]]
    assert [r[1] for r in body] == ["1.1", "1.2", "2.1.1", "2.1.2"]
    row = body[1]
    assert row[2] == "1 组织领导" and row[4] == world.dept_a.name and row[5] and row[6] == str(t.due_date)
    assert body[0][4] == "未分配"
    assert any("共 4 项任务" in p.text for p in doc.paragraphs)


def test_the_breakdown_is_scoped(world, client, login):
    c = open_campaign(world)
    login(world.outsider)
    assert client.get(reverse("campaigns:task_breakdown_docx", args=[c.pk])).status_code == 404
