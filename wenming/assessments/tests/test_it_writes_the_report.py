"""The 自评报告 .docx in 公文 layout: title, totals, item table, lost points with reasons, veto,
signature; A4 with the GB/T 9704 margins; the download is scoped and audited."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document

from wenming.assessments.tests.helpers import full_marks, scheme_campaign, score, self_round, submit
from wenming.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db


def test_self_assessment_report(client, login, world):
    campaign = scheme_campaign(world)
    r = self_round(world, campaign)
    full_marks(r, world.unit_a_admin)
    score(r, world.unit_a_admin, "3.1", "3", reason="背街小巷卫生死角未清理")
    submit(r, world.unit_a_admin)
    login(world.dept_lead_a)
    response = client.get(reverse("assessments:round_report", args=[r.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    section = doc.sections[0]
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "东城区执法局关于创建市级文明单位的自评报告" in text
    assert "测评得分 13 分" in text and "达到“合格”分数线" in text
    assert "2 项测评标准未赋分值" in text
    assert "经逐项核查，不存在否决情形" in text
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "背街小巷卫生死角未清理" in cells and "1 组织领导" in cells
    assert text.rstrip().endswith("日") and "东城区执法局" in text.splitlines()[-2]
    entry = AuditEntry.objects.filter(object_type="assessments.round", action=Action.EXPORT).get()
    assert entry.actor_id == world.dept_lead_a.pk


def test_outsider_cannot_download(client, login, world):
    r = self_round(world, scheme_campaign(world))
    login(world.outsider)
    assert client.get(reverse("assessments:round_report", args=[r.pk])).status_code == 404
