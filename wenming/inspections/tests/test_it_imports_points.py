"""Point import: every row checked first; any error imports nothing and names row and column."""

from __future__ import annotations

import pytest

from conftest import login_client
from wenming.audit.models import AuditEntry
from wenming.inspections.models import InspectionPoint
from wenming.orgs.tests.helpers import upload

pytestmark = pytest.mark.django_db

HEADER = ["点位名称", "点位类型", "区划代码", "包保单位", "地址", "纬度", "经度"]


def post(client, rows):
    return client.post("/inspections/points/import/", {"file": upload([HEADER, *rows], name="点位.xlsx")})


def test_a_clean_file_imports_every_point_with_its_unit(client, world):
    login_client(client, world.county_a_admin)
    response = post(
        client,
        [
            ["解放路公交站", "公交站点", "990102000000", "东城区执法局", "解放路 1 号", "30.1", "120.2"],
            ["东城农贸市场", "集贸市场", "990102000000", "东城区执法局", "", "", ""],
        ],
    )
    assert response.status_code == 302
    points = {
        p.name: p
        for p in InspectionPoint.objects.filter(
            region=world.county_a, name__in=["解放路公交站", "东城农贸市场"]
        )
    }
    assert len(points) == 2
    assert points["解放路公交站"].responsible_unit_id == world.unit_a.pk
    assert str(points["解放路公交站"].latitude) == "30.100000"
    assert points["东城农贸市场"].latitude is None
    assert AuditEntry.objects.filter(action="import", object_type="inspections.inspectionpoint").exists()


def test_any_bad_row_imports_nothing_and_each_error_is_named(client, world):
    login_client(client, world.county_a_admin)
    before = InspectionPoint.objects.count()
    response = post(
        client,
        [
            ["好点位", "公交站点", "990102000000", "东城区执法局", "", "", ""],
            ["", "游乐场", "990102000000", "东城区执法", "", "95", "120"],
            ["西湖点位", "公园", "990103000000", "西湖区医院", "", "", ""],  # another county: not in scope
            ["好点位", "公交站点", "990102000000", "东城区执法局", "", "30", ""],
        ],
    )
    body = response.content.decode()
    assert response.status_code == 200 and InspectionPoint.objects.count() == before
    assert "未导入任何数据" in body
    import html
    import re

    rows = [
        tuple(html.unescape(c) for c in m)
        for m in re.findall(r"<tr><td>(\d+)</td><td[^>]*>([^<]*)</td><td>([^<]*)</td></tr>", body)
    ]
    expected = [
        ("3", "A 列（点位名称）", "点位名称不能为空"),
        ("3", "B 列（点位类型）", "“游乐场”不是已设置的点位类型"),
        ("3", "D 列（包保单位）", "没有名为“东城区执法”的启用中的创建单位"),
        ("3", "F 列（纬度）", "“95”不是有效的纬度"),
        ("4", "C 列（区划代码）", "区划“990103000000”不存在或不在您的管辖范围内"),
        ("4", "D 列（包保单位）", "没有名为“西湖区医院”"),
        ("5", "A 列（点位名称）", "与第 2 行重复"),
        ("5", "G 列（经度）", "经度和纬度须同时填写或同时留空"),
    ]
    for row, column, text in expected:
        assert any(r[0] == row and r[1] == column and text in r[2] for r in rows), (row, column, text, rows)
    assert len(rows) == len(expected), rows


def test_units_cannot_import(client, world):
    login_client(client, world.unit_a_admin)
    assert client.get("/inspections/points/import/").status_code == 403
    assert post(client, []).status_code == 403


def test_template_download(client, world):
    login_client(client, world.county_a_admin)
    response = client.get("/inspections/points/import/template/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
