"""The audit export: the filtered, scoped entries as xlsx with Chinese headers, capped, neutralised,
and itself audited."""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from wenming.audit import views
from wenming.audit.models import Action, AuditEntry
from wenming.orgs import services
from wenming.orgs.models import OrgKind, UnitType
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def sheet_of(response) -> list[list]:
    content = b"".join(response.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def test_it_exports_the_filtered_scoped_entries(client, login, world):
    with as_user(world.platform):
        services.organisation_create(kind=OrgKind.UNIT, name="导出样本甲", region=world.county_a, unit_type=UnitType.OTHER)
        services.organisation_create(kind=OrgKind.UNIT, name="导出样本乙", region=world.county_b, unit_type=UnitType.OTHER)
    login(world.county_a_admin)
    response = client.get("/audit/export/?q=导出样本&action=create")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "filename*=utf-8''%E5%AE%A1%E8%AE%A1%E6%97%A5%E5%BF%97-" in response["Content-Disposition"]
    rows = sheet_of(response)
    assert rows[0] == views.EXPORT_HEADERS
    assert [r[7] for r in rows[1:]] == ["导出样本甲"]  # county B's entry is out of scope
    assert rows[1][4] == "新增" and rows[1][5] == "组织"
    assert "名称：导出样本甲" in rows[1][9]

    export = AuditEntry.objects.filter(action=Action.EXPORT).latest("seq")
    assert export.actor_label == "county_a_admin"
    assert export.changes["导出条数"] == 1 and export.changes["达到上限"] is False
    assert export.changes["筛选条件"] == {"action": "create", "q": "导出样本"}
    assert export.region_code == "990102000000"  # the exporting office sees its own export
    page = client.get("/audit/?action=export").content.decode()
    assert f'href="/audit/{export.pk}/"' in page


def test_formulas_planted_in_records_are_neutralised(client, login, world):
    with as_user(world.county_a_admin):
        services.department_create(organisation=world.unit_a, name='=HYPERLINK("http://evil.example","点我")')
    login(world.county_a_admin)
    rows = sheet_of(client.get("/audit/export/?object_type=orgs.department&action=create"))
    planted = [r[7] for r in rows[1:] if "HYPERLINK" in str(r[7])]
    assert planted == ['\'=HYPERLINK("http://evil.example","点我")']
    for row in rows[1:]:
        for cell in row:
            assert not (isinstance(cell, str) and cell.startswith(("=", "+", "-", "@")))


def test_the_export_is_capped_with_a_message(client, login, world, monkeypatch):
    monkeypatch.setattr(views, "EXPORT_MAX_ROWS", 5)
    with as_user(world.county_a_admin):
        for i in range(8):
            services.department_create(organisation=world.unit_a, name=f"上限科室{i}")
    login(world.county_a_admin)
    page = client.get("/audit/?q=上限科室").content.decode()
    assert "超过 5 条" in page
    rows = sheet_of(client.get("/audit/export/?q=上限科室"))
    data = [r for r in rows[1:] if str(r[7]).startswith("上限科室")]
    assert len(data) == 5
    assert "已达导出上限 5 行" in rows[-1][0]
    export = AuditEntry.objects.filter(action=Action.EXPORT).latest("seq")
    assert export.changes["导出条数"] == 5 and export.changes["达到上限"] is True


def test_a_platform_export_sees_everything(client, login, world):
    login(world.platform)
    client.get("/audit/")  # settle the session first
    before = AuditEntry.objects.count()
    rows = sheet_of(client.get("/audit/export/"))
    assert len(rows) - 1 == before  # every entry (the export's own entry is written after)
    assert AuditEntry.objects.count() == before + 1
