"""Home-page attention items: counts from real records, links that list exactly those records."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory

from wenming.orgs import attention, services
from wenming.orgs.access import get_scope
from wenming.orgs.models import OrgKind, UnitType
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def items_for(user, provider):
    request = RequestFactory().get("/")
    request.user = user
    return provider(request)


def listed_names(html: str) -> set[str]:
    """Names in the first column of a data table (links to organisations)."""
    return set(re.findall(r'<td><a href="/orgs/\d+/">([^<]+)</a>', html))


def make_units(world):
    with as_user(world.platform):
        a1 = services.organisation_create(kind=OrgKind.UNIT, name="东城区一中", region=world.county_a, unit_type=UnitType.SCHOOL)
        a2 = services.organisation_create(kind=OrgKind.UNIT, name="东城区医院", region=world.county_a, unit_type=UnitType.HOSPITAL)
        closed = services.organisation_create(kind=OrgKind.UNIT, name="已撤并单位", region=world.county_a, unit_type=UnitType.OTHER)
        services.organisation_update(org=closed, is_active=False)
        b1 = services.organisation_create(kind=OrgKind.UNIT, name="西湖区二中", region=world.county_b, unit_type=UnitType.SCHOOL)
    return a1, a2, b1


def test_office_admins_see_units_without_an_admin_and_the_link_lists_them(client, login, world):
    a1, a2, b1 = make_units(world)
    (item,) = items_for(world.county_a_admin, attention.units_without_admin)
    assert (item.label, item.count, item.href) == ("未设置创建办管理员的单位", 2, "/orgs/?no_admin=1")
    login(world.county_a_admin)
    html = client.get(item.href).content.decode()
    assert listed_names(html) == {a1.name, a2.name}  # exactly the records counted
    # the home page shows it, with the same count and link
    home = client.get("/").content.decode()
    assert 'href="/orgs/?no_admin=1"' in home and "未设置创建办管理员的单位" in home
    # the city office above both counties counts both
    (city_item,) = items_for(world.city_admin, attention.units_without_admin)
    assert city_item.count == 3
    login(world.city_admin)
    assert listed_names(client.get(city_item.href).content.decode()) == {a1.name, a2.name, b1.name}


def test_granting_a_unit_admin_takes_the_unit_off_the_list(world):
    a1, a2, _ = make_units(world)
    with as_user(world.platform):
        services.user_onboard(username="yz_admin", display_name="校长", password=None, role="unit_admin", organisation=a1)
    (item,) = items_for(world.county_a_admin, attention.units_without_admin)
    assert item.count == 1


def test_the_count_is_one_query(world, django_assert_num_queries):
    make_units(world)
    get_scope(world.county_a_admin)  # the scope is computed once per request anyway
    get_scope(world.unit_a_admin)
    with django_assert_num_queries(1):
        items_for(world.county_a_admin, attention.units_without_admin)
    with django_assert_num_queries(1):
        items_for(world.unit_a_admin, attention.departments_without_lead)


@pytest.mark.parametrize("persona", ["city_inspector", "unit_a_admin", "dept_lead_a", "outsider"])
def test_people_who_administer_no_subtree_get_no_unit_item(world, persona):
    make_units(world)
    assert items_for(getattr(world, persona), attention.units_without_admin) == []


def test_unit_admins_see_departments_without_a_lead_and_the_link_lists_them(client, login, world):
    with as_user(world.unit_a_admin):
        services.department_create(organisation=world.unit_a, name="财务科")
        services.department_create(organisation=world.unit_a, name="宣传科")
    (item,) = items_for(world.unit_a_admin, attention.departments_without_lead)
    assert item.label == "未设置责任人的科室" and item.count == 2
    assert item.href == f"/orgs/{world.unit_a.pk}/departments/?no_lead=1"
    login(world.unit_a_admin)
    html = client.get(item.href).content.decode()
    assert set(re.findall(r'<div class="fw-bold">([^<]+)</div>', html)) == {"财务科", "宣传科"}
    home = client.get("/").content.decode()
    assert item.href in home


def test_no_item_when_every_department_has_a_lead(world):
    # unit A's only department (办公室) has dept_lead_a; the home page shows no invented zero
    assert items_for(world.unit_a_admin, attention.departments_without_lead) == []
    assert items_for(world.dept_lead_a, attention.departments_without_lead) == []


def test_a_unit_admin_of_two_units_gets_one_item_per_unit(world):
    with as_user(world.platform):
        services.membership_add(user=world.unit_a_admin, role="unit_admin", organisation=world.unit_b)
        services.department_create(organisation=world.unit_a, name="财务科")
    items = items_for(world.unit_a_admin, attention.departments_without_lead)
    by_href = {i.href: (i.label, i.count) for i in items}
    assert by_href == {
        f"/orgs/{world.unit_a.pk}/departments/?no_lead=1": (f"未设置责任人的科室（{world.unit_a.name}）", 1),
        f"/orgs/{world.unit_b.pk}/departments/?no_lead=1": (f"未设置责任人的科室（{world.unit_b.name}）", 1),
    }
