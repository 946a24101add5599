"""Organisation create/edit: office admins within their subtree, platform anywhere, all audited."""

from __future__ import annotations

import pytest

from wenming.audit.models import Action, AuditEntry
from wenming.orgs import services
from wenming.orgs.forms import is_valid_credit_code
from wenming.orgs.models import Organisation, OrgKind, UnitType
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def unit_form(region_code: str, **extra) -> dict:
    data = {
        "kind": "unit",
        "name": "东城区图书馆",
        "short_name": "区图书馆",
        "region": region_code,
        "unit_type": "institution",
        "supervisor": "",
        "credit_code": "",
        "contact_name": "张三",
        "contact_phone": "13800138000",
    }
    data.update(extra)
    return data


def test_a_county_admin_creates_a_unit_in_their_county(client, login, world):
    login(world.county_a_admin)
    response = client.post("/orgs/new/", unit_form("990102000000"))
    org = Organisation.objects.get(name="东城区图书馆")
    assert response.status_code == 302 and response["Location"] == f"/orgs/{org.pk}/"
    assert (org.kind, org.region_code, org.unit_type, org.contact_phone) == ("unit", "990102000000", "institution", "13800138000")
    entry = AuditEntry.objects.filter(object_type="orgs.organisation", object_id=str(org.pk)).get()
    assert entry.action == Action.CREATE and entry.actor_label == "county_a_admin"
    assert entry.changes["name"] == [None, "东城区图书馆"]


def test_a_county_admin_cannot_create_outside_their_county(client, login, world):
    login(world.county_a_admin)
    response = client.post("/orgs/new/", unit_form("990103000000", name="越界单位"))
    assert response.status_code == 200  # the form answers; the region is not even a choice
    assert "越界单位" not in Organisation.objects.values_list("name", flat=True)
    assert "990103000000" not in response.content.decode()


def test_an_office_admin_creates_offices_only_below_their_region(client, login, world):
    login(world.city_admin)
    response = client.post("/orgs/new/", unit_form("990100000000", kind="office", name="第二个市文明办", unit_type=""))
    assert response.status_code == 200 and "下级区划" in response.content.decode()
    response = client.post("/orgs/new/", unit_form("990102000000", kind="office", name="东城区第二文明办", unit_type=""))
    assert response.status_code == 302
    assert Organisation.objects.get(name="东城区第二文明办").kind == OrgKind.OFFICE


@pytest.mark.parametrize("persona", ["unit_a_admin", "city_inspector", "dept_lead_a"])
def test_only_office_and_platform_admins_create_organisations(client, login, world, persona):
    login(getattr(world, persona))
    assert client.get("/orgs/new/").status_code == 403
    assert client.post("/orgs/new/", unit_form("990102000000", name="x")).status_code == 403


def test_the_form_checks_unit_type_phone_credit_code_and_duplicates(client, login, world):
    login(world.city_admin)
    response = client.post(
        "/orgs/new/",
        unit_form("990102000000", name="东城区执法局", unit_type="", contact_phone="12345", credit_code="91350100M000100Y44"),
    )
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("请选择单位类型", "手机号", "统一社会信用代码无效", "已有同名组织"):
        assert text in body


def test_credit_code_checksum():
    assert is_valid_credit_code("91350100M000100Y43")
    assert not is_valid_credit_code("91350100M000100Y44")
    assert not is_valid_credit_code("91350100M000100Y4")
    assert not is_valid_credit_code("91350100M000100YI3")  # I is not in the alphabet


def test_an_office_admin_edits_a_unit_and_the_change_is_audited(client, login, world):
    login(world.county_a_admin)
    unit = world.unit_a
    assert client.get(f"/orgs/{unit.pk}/edit/").status_code == 200
    data = unit_form("990102000000", name="东城区综合执法局", unit_type="organ", is_active="0")
    response = client.post(f"/orgs/{unit.pk}/edit/", data)
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "东城区综合执法局" and not unit.is_active
    entry = AuditEntry.objects.filter(object_type="orgs.organisation", object_id=str(unit.pk), action=Action.UPDATE).latest("seq")
    assert entry.changes["name"] == ["东城区执法局", "东城区综合执法局"]
    assert entry.changes["is_active"] == [True, False]


def test_the_kind_of_an_organisation_cannot_be_changed(client, login, world):
    login(world.platform)
    unit = world.unit_a
    response = client.post(
        f"/orgs/{unit.pk}/edit/", unit_form("990102000000", kind="office", name="改名后", unit_type="organ", is_active="1")
    )
    assert response.status_code == 302  # saved …
    unit.refresh_from_db()
    assert unit.name == "改名后" and unit.kind == OrgKind.UNIT  # … but the kind stayed


def test_unit_admins_and_inspectors_cannot_edit_organisations(client, login, world):
    for persona in ("unit_a_admin", "city_inspector"):
        login(getattr(world, persona))
        assert client.get(f"/orgs/{world.unit_a.pk}/edit/").status_code == 403
        assert client.post(f"/orgs/{world.unit_a.pk}/edit/", unit_form("990102000000")).status_code == 403


def test_an_organisation_out_of_scope_is_not_found(client, login, world):
    login(world.county_a_admin)
    assert client.get(f"/orgs/{world.unit_b.pk}/edit/").status_code == 404
    assert client.get(f"/orgs/{world.unit_b.pk}/").status_code == 404


def test_a_platform_admin_may_move_a_unit_anywhere(client, login, world):
    login(world.platform)
    response = client.post(f"/orgs/{world.unit_a.pk}/edit/", unit_form("990103000000", name="东城区执法局", unit_type="organ", is_active="1"))
    assert response.status_code == 302
    world.unit_a.refresh_from_db()
    assert world.unit_a.region_code == "990103000000"


def test_region_field_becomes_a_code_box_when_there_are_many_regions(world):
    from wenming.orgs.access import get_scope
    from wenming.orgs.forms import MAX_SELECT_CHOICES, OrganisationForm
    from wenming.orgs.models import Region

    Region.objects.bulk_create(
        Region(code=f"990102{i:03d}000", prefix=f"990102{i:03d}", name=f"街道{i}", level=4, parent=world.county_a)
        for i in range(1, MAX_SELECT_CHOICES + 2)
    )
    form = OrganisationForm(
        data=unit_form("990102005000", name="新单位"),
        scope=get_scope(world.county_a_admin),
        regions=Region.objects.filter(code__startswith="990102"),
        supervisors=Organisation.objects.none(),
    )
    assert form.fields["region"].widget.input_type == "text"
    assert form.is_valid(), form.errors
    assert form.cleaned_data["region"].code == "990102005000"


def test_may_create_organisation_rules(world):
    from wenming.orgs.access import get_scope

    county = get_scope(world.county_a_admin)
    assert services.may_create_organisation(scope=county, kind="unit", region=world.county_a)
    assert not services.may_create_organisation(scope=county, kind="office", region=world.county_a)
    assert not services.may_create_organisation(scope=county, kind="unit", region=world.county_b)
    assert services.may_create_organisation(scope=get_scope(world.platform), kind="office", region=world.province)


def test_offices_and_units_belong_to_regions_and_departments_to_units(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="只有创建单位可以设置科室"):
        services.department_create(organisation=world.county_a_office, name="办公室")
    with pytest.raises(ValidationError, match="请选择单位类型"):
        services.organisation_create(kind=OrgKind.UNIT, name="无类型单位", region=world.county_a)
    with pytest.raises(ValidationError, match="文明办不设单位类型"):
        services.organisation_create(kind=OrgKind.OFFICE, name="带类型文明办", region=world.county_a, unit_type="organ")
    school = services.organisation_create(
        kind=OrgKind.UNIT, name="东城区第二小学", region=world.county_a, unit_type=UnitType.SCHOOL, supervisor=world.unit_a
    )
    assert (school.region_code, school.supervisor) == ("990102000000", world.unit_a)


def test_the_list_filters_by_kind_type_region_and_status(client, login, world):
    import re

    with as_user(world.platform):
        closed = services.organisation_create(kind=OrgKind.UNIT, name="已停用的学校", region=world.county_a, unit_type=UnitType.SCHOOL)
        services.organisation_update(org=closed, is_active=False)
    login(world.city_admin)

    def names(query: str) -> set[str]:
        return set(re.findall(r'<td><a href="/orgs/\d+/">([^<]+)</a>', client.get("/orgs/?" + query).content.decode()))

    assert names("kind=office") == {"示范市文明办", "东城区文明办", "西湖区文明办"}
    assert names("unit_type=hospital") == {"西湖区医院"}
    assert names("region=990102&kind=unit") == {"东城区执法局", "已停用的学校"}
    assert names("region=990102&kind=unit&active=1") == {"东城区执法局"}
    assert names("active=0") == {"已停用的学校"}
    assert names("q=执法") == {"东城区执法局"}
