"""新增 / 编辑点位: office admins (those who may import points) create and edit one point at a
time, inside their scope, with a Chinese answer for every bad input; audited; bounded queries."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import login_client
from wenming.audit.context import SYSTEM, acting_as
from wenming.audit.models import Action, AuditEntry
from wenming.inspections import services
from wenming.inspections.models import InspectionPoint, PointType
from wenming.inspections.tests.helpers import point
from wenming.orgs import services as org_services
from wenming.orgs.models import Organisation, OrgKind, UnitType
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db

NEW = "/inspections/points/new/"
MAX_QUERIES = 14


def edit_url(p: InspectionPoint) -> str:
    return f"/inspections/points/{p.pk}/edit/"


def bus_stop() -> PointType:
    return PointType.objects.get_or_create(name="公交站点")[0]


def form_data(world, **over) -> dict:
    data = {
        "name": "解放路公交站",
        "point_type": bus_stop().pk,
        "region": world.county_a.code,
        "address": "解放路 1 号",
        "latitude": "30.274085",
        "longitude": "120.15507",
        "responsible_unit": world.unit_a.pk,
        "is_active": "on",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def body(response) -> str:
    return html.unescape(response.content.decode())


# --- happy paths ----------------------------------------------------------------------------------


def test_an_office_admin_creates_a_point_from_the_page(client, world):
    login_client(client, world.county_a_admin)
    page = client.get(NEW)
    text = body(page)
    assert page.status_code == 200
    assert f'<option value="{world.county_a.code}">东城区</option>' in text  # 区划 suggestions
    assert f'<option value="{world.unit_a.pk}">{world.unit_a.name}</option>' in text
    assert world.unit_b.name not in text and world.county_b.code not in text  # another county

    response = client.post(NEW, form_data(world))
    created = InspectionPoint.objects.get(region=world.county_a, name="解放路公交站")
    assert response.status_code == 302 and response["Location"] == f"/inspections/points/{created.pk}/"
    assert created.region_code == world.county_a.code and created.responsible_unit_id == world.unit_a.pk
    assert created.point_type == bus_stop() and created.address == "解放路 1 号" and created.is_active
    assert created.latitude == Decimal("30.274085") and created.longitude == Decimal("120.155070")
    entry = AuditEntry.objects.get(
        action=Action.CREATE, object_type="inspections.inspectionpoint", object_id=str(created.pk)
    )
    assert entry.actor_id == world.county_a_admin.pk and entry.region_code == world.county_a.code
    assert "已新增点位“解放路公交站”" in body(client.get(response["Location"]))


def test_coordinates_are_optional_and_rounded_to_six_decimals(client, world):
    login_client(client, world.city_admin)
    client.post(NEW, form_data(world, name="无坐标点位", latitude="", longitude=""))
    client.post(NEW, form_data(world, name="八位小数点位", latitude="30.12345678", longitude="-120.98765432"))
    assert InspectionPoint.objects.get(name="无坐标点位").latitude is None
    rounded = InspectionPoint.objects.get(name="八位小数点位")
    assert (rounded.latitude, rounded.longitude) == (Decimal("30.123457"), Decimal("-120.987654"))


def test_editing_a_point_is_audited_before_and_after(client, world):
    p = point(world, name="东湖公园南门")
    with acting_as(SYSTEM):
        other_unit = org_services.organisation_create(
            kind=OrgKind.UNIT, name="东城区园林局", region=world.county_a, unit_type=UnitType.ORGAN
        )
    login_client(client, world.county_a_admin)
    page = body(client.get(edit_url(p)))
    assert 'value="东湖公园南门"' in page and f'value="{world.county_a.code}"' in page
    assert f'<option value="{world.unit_a.pk}" selected>' in page

    response = client.post(
        edit_url(p),
        form_data(
            world,
            name="东湖公园北门",
            address="湖滨路 9 号",
            responsible_unit=other_unit.pk,
            latitude="",
            longitude="",
            is_active=None,  # unchecked: 停用
        ),
    )
    assert response.status_code == 302 and response["Location"] == f"/inspections/points/{p.pk}/"
    p.refresh_from_db()
    assert (p.name, p.address, p.responsible_unit_id, p.is_active) == (
        "东湖公园北门",
        "湖滨路 9 号",
        other_unit.pk,
        False,
    )
    entry = AuditEntry.objects.filter(
        action=Action.UPDATE, object_type="inspections.inspectionpoint", object_id=str(p.pk)
    ).get()
    assert entry.changes["name"] == ["东湖公园南门", "东湖公园北门"]
    assert entry.changes["responsible_unit_id"] == [world.unit_a.pk, other_unit.pk]
    assert entry.changes["is_active"] == [True, False]
    assert entry.actor_id == world.county_a_admin.pk


def test_a_point_keeps_a_unit_deactivated_since_but_may_not_be_given_one(client, world):
    with acting_as(SYSTEM):
        old_unit = org_services.organisation_create(
            kind=OrgKind.UNIT, name="东城区旧单位", region=world.county_a, unit_type=UnitType.ORGAN
        )
        gone = org_services.organisation_create(
            kind=OrgKind.UNIT, name="东城区已撤销单位", region=world.county_a, unit_type=UnitType.ORGAN
        )
    p = point(world, name="旧单位包保点位", unit=old_unit)
    Organisation.objects.filter(pk__in=[old_unit.pk, gone.pk]).update(is_active=False)
    login_client(client, world.county_a_admin)
    kept = client.post(
        edit_url(p), form_data(world, name="旧单位包保点位（改名）", responsible_unit=old_unit.pk)
    )
    assert kept.status_code == 302
    refused = client.post(edit_url(p), form_data(world, name="旧单位包保点位", responsible_unit=gone.pk))
    assert refused.status_code == 400 and "所选包保单位不存在、已停用或不在您的管辖范围内" in body(refused)
    assert f">{old_unit.name}</option>" not in body(client.get(NEW))  # not offered for new points


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"region": "990103000000"}, "区划“990103000000”不存在或不在您的管辖范围内"),  # 西湖区
        ({"region": "990102999000"}, "区划“990102999000”不存在或不在您的管辖范围内"),  # no such code
        ({"region": "东城区"}, "“东城区”不是 12 位数字的区划代码"),
        ({"region": ""}, "请填写所属区划的 12 位区划代码"),
        ({"responsible_unit": "unit_b"}, "所选包保单位不存在、已停用或不在您的管辖范围内"),
        ({"responsible_unit": "office_a"}, "所选包保单位不存在、已停用或不在您的管辖范围内"),
        ({"responsible_unit": ""}, "请选择包保单位"),
        ({"name": "人民路公交站"}, "“东城区”已有名为“人民路公交站”的点位"),
        ({"name": "  "}, "请填写点位名称"),
        ({"name": "长" * 201}, "点位名称不能超过 200 个字"),
        ({"latitude": "95"}, "纬度须在 -90 到 90 之间"),
        ({"latitude": "-90.5"}, "纬度须在 -90 到 90 之间"),
        ({"longitude": "180.000001"}, "经度须在 -180 到 180 之间"),
        ({"longitude": "abc"}, "经度须为数字"),
        ({"latitude": "NaN"}, "纬度须为数字"),
        ({"longitude": ""}, "经度和纬度须同时填写或同时留空"),
        ({"point_type": "0"}, "所选点位类型不存在或已停用"),
    ],
)
def test_each_bad_input_is_refused_in_chinese_and_nothing_is_saved(client, world, over, message):
    point(world)  # 人民路公交站 in 东城区 (the duplicate)
    if over.get("responsible_unit") == "unit_b":
        over = {**over, "responsible_unit": world.unit_b.pk}
    elif over.get("responsible_unit") == "office_a":
        over = {**over, "responsible_unit": world.county_a_office.pk}  # an office, not a unit
    login_client(client, world.county_a_admin)
    before = InspectionPoint.objects.count()
    entries = AuditEntry.objects.count()
    response = client.post(NEW, form_data(world, **over))
    assert response.status_code == 400
    assert message in body(response)
    assert InspectionPoint.objects.count() == before and AuditEntry.objects.count() == entries


def test_renaming_onto_another_point_of_the_region_is_refused(client, world):
    point(world, name="人民路公交站")
    p = point(world, name="解放路公交站")
    login_client(client, world.county_a_admin)
    response = client.post(edit_url(p), form_data(world, name="人民路公交站"))
    assert response.status_code == 400 and "“东城区”已有名为“人民路公交站”的点位" in body(response)
    p.refresh_from_db()
    assert p.name == "解放路公交站"
    # The same name in another region is a different point.
    login_client(client, world.city_admin)
    assert (
        client.post(
            NEW,
            form_data(
                world, name="人民路公交站", region=world.county_b.code, responsible_unit=world.unit_b.pk
            ),
        ).status_code
        == 302
    )


def test_the_services_check_the_scope_themselves(world):
    """Whatever the form offered, the service refuses a region or unit outside the user's scope."""
    kw = {"name": "越界点位", "point_type": bus_stop(), "address": ""}
    with as_user(world.county_a_admin), pytest.raises(ValidationError, match="不在您的管辖范围内"):
        services.point_create(
            user=world.county_a_admin, region=world.county_b, responsible_unit=world.unit_a, **kw
        )
    with (
        as_user(world.county_a_admin),
        pytest.raises(ValidationError, match="包保单位“西湖区医院”不在您的管辖范围内"),
    ):
        services.point_create(
            user=world.county_a_admin, region=world.county_a, responsible_unit=world.unit_b, **kw
        )
    with as_user(world.city_inspector), pytest.raises(PermissionDenied):
        services.point_create(
            user=world.city_inspector, region=world.county_a, responsible_unit=world.unit_a, **kw
        )
    with pytest.raises(ValidationError, match="经纬度超出范围"):
        services.point_create(
            user=world.county_a_admin,
            region=world.county_a,
            responsible_unit=world.unit_a,
            latitude=Decimal("91"),
            longitude=Decimal("120"),
            **kw,
        )
    p = point(world)
    with as_user(world.county_b_admin), pytest.raises(PermissionDenied):
        services.point_update(
            point=p, user=world.county_b_admin, region=world.county_b, responsible_unit=world.unit_b, **kw
        )
    assert not InspectionPoint.objects.filter(name="越界点位").exists()


# --- who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["city_inspector", "unit_a_admin", "dept_lead_a", "outsider"])
def test_only_office_and_platform_admins_may_create(client, world, persona):
    login_client(client, getattr(world, persona))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data(world)).status_code == 403
    assert not InspectionPoint.objects.filter(name="解放路公交站").exists()
    assert f'href="{NEW}"' not in body(client.get("/inspections/points/"))


@pytest.mark.parametrize("persona", ["platform", "city_admin", "county_a_admin"])
def test_admins_see_the_buttons(client, world, persona):
    p = point(world)
    login_client(client, getattr(world, persona))
    assert f'href="{NEW}"' in body(client.get("/inspections/points/"))
    assert f'href="{edit_url(p)}"' in body(client.get(f"/inspections/points/{p.pk}/"))
    assert client.get(edit_url(p)).status_code == 200


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("outsider", 404),  # a unit of another county: does not learn the point exists
        ("county_b_admin", 404),  # an office of another county
        ("unit_a_admin", 403),  # sees the point (its 包保单位) but does not manage points
        ("dept_lead_a", 403),
        ("city_inspector", 403),  # sees it, records findings there, but does not edit points
    ],
)
def test_others_may_not_edit(client, world, persona, status):
    p = point(world)
    login_client(client, getattr(world, persona))
    assert client.get(edit_url(p)).status_code == status
    assert client.post(edit_url(p), form_data(world, name="被改名")).status_code == status
    p.refresh_from_db()
    assert p.name == "人民路公交站"
    if status == 403:
        assert f'href="{edit_url(p)}"' not in body(client.get(f"/inspections/points/{p.pk}/"))


# --- bounded queries -------------------------------------------------------------------------------


def count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_form_pages_do_not_grow_with_units_and_regions(client, world):
    p = point(world)
    login_client(client, world.county_a_admin)
    few = (count(client, NEW), count(client, edit_url(p)))
    with acting_as(SYSTEM):
        for i in range(1, 41):
            town = org_services.region_create(code=f"990102{i:03d}000", name=f"街道{i}")
            org_services.organisation_create(
                kind=OrgKind.UNIT, name=f"规模单位{i}", region=town, unit_type=UnitType.ENTERPRISE
            )
    many = (count(client, NEW), count(client, edit_url(p)))
    assert "规模单位40" in body(client.get(NEW)) and "990102040000" in body(client.get(NEW))
    assert many == few and max(many) <= MAX_QUERIES, (few, many)
