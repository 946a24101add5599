"""Granting and revoking roles: each admin grants only what their place allows; every change is
a MEMBERSHIP_ADD / MEMBERSHIP_REMOVE audit entry."""

from __future__ import annotations

import pytest

from wenming.audit.models import Action, AuditEntry
from wenming.orgs import services
from wenming.orgs.access import get_scope
from wenming.orgs.models import Membership, Role
from wenming.orgs.tests.helpers import as_user, select_options

pytestmark = pytest.mark.django_db


def roles(world, persona: str, org_attr: str | None) -> set[str]:
    org = getattr(world, org_attr) if org_attr else None
    return set(services.grantable_roles(scope=get_scope(getattr(world, persona)), organisation=org))


def test_who_may_grant_what(world):
    office = {Role.OFFICE_ADMIN, Role.OFFICE_INSPECTOR}
    unit = {Role.UNIT_ADMIN, Role.DEPT_LEAD}
    assert roles(world, "platform", None) == {Role.PLATFORM_ADMIN}
    assert roles(world, "platform", "city_office") == office
    assert roles(world, "city_admin", None) == set()  # only platform grants platform_admin
    assert roles(world, "city_admin", "city_office") == office
    assert roles(world, "city_admin", "county_b_office") == office
    assert roles(world, "city_admin", "unit_b") == unit
    assert roles(world, "county_a_admin", "county_a_office") == office
    assert roles(world, "county_a_admin", "city_office") == set()
    assert roles(world, "county_a_admin", "unit_a") == unit
    assert roles(world, "county_a_admin", "unit_b") == set()
    assert roles(world, "unit_a_admin", "unit_a") == unit
    assert roles(world, "unit_a_admin", "unit_b") == set()
    assert roles(world, "unit_a_admin", "county_a_office") == set()
    for persona in ("city_inspector", "dept_lead_a"):
        assert roles(world, persona, "unit_a") == set()


def test_an_office_admin_grants_an_office_role_from_the_user_page(client, login, world):
    login(world.county_a_admin)
    target = world.unit_a_admin
    response = client.post(
        f"/orgs/users/{target.pk}/memberships/add/",
        {"organisation": world.county_a_office.pk, "role": "office_inspector", "department": ""},
    )
    assert response.status_code == 302
    m = Membership.objects.get(user=target, role=Role.OFFICE_INSPECTOR)
    entry = AuditEntry.objects.get(action=Action.MEMBERSHIP_ADD, object_id=str(m.pk))
    assert entry.actor_label == "county_a_admin"
    assert (entry.region_code, entry.org_id) == ("990102000000", world.county_a_office.pk)


def test_an_office_admin_cannot_grant_above_their_office(client, login, world):
    login(world.county_a_admin)
    client.post(
        f"/orgs/users/{world.unit_a_admin.pk}/memberships/add/",
        {"organisation": world.city_office.pk, "role": "office_admin"},
    )
    assert not Membership.objects.filter(user=world.unit_a_admin, organisation=world.city_office).exists()


def test_a_unit_admin_grants_unit_roles_in_their_unit_only(client, login, world):
    login(world.unit_a_admin)
    target = world.dept_lead_a
    response = client.get(f"/orgs/users/{target.pk}/")
    assert set(select_options(response, "role")) == {"unit_admin", "dept_lead"}
    assert select_options(response, "organisation") == [str(world.unit_a.pk)]
    client.post(f"/orgs/users/{target.pk}/memberships/add/", {"organisation": world.unit_a.pk, "role": "unit_admin"})
    assert Membership.objects.filter(user=target, organisation=world.unit_a, role=Role.UNIT_ADMIN).exists()
    # an office role, or another unit, is refused
    client.post(f"/orgs/users/{target.pk}/memberships/add/", {"organisation": world.county_a_office.pk, "role": "office_admin"})
    client.post(f"/orgs/users/{target.pk}/memberships/add/", {"organisation": world.unit_b.pk, "role": "unit_admin"})
    assert set(Membership.objects.filter(user=target).values_list("organisation_id", flat=True)) == {world.unit_a.pk}
    assert client.post(f"/orgs/{world.unit_b.pk}/members/add/", {"username": target.username, "role": "unit_admin"}).status_code == 404


def test_a_department_lead_needs_a_department_of_that_unit(client, login, world):
    login(world.city_admin)
    other_dept = world.unit_b.departments.get()
    response = client.post(
        f"/orgs/users/{world.unit_a_admin.pk}/memberships/add/",
        {"organisation": world.unit_a.pk, "role": "dept_lead", "department": other_dept.pk},
        follow=True,
    )
    assert "请选择该单位的科室" in response.content.decode()
    assert not Membership.objects.filter(user=world.unit_a_admin, role=Role.DEPT_LEAD).exists()


def test_adding_a_member_from_the_organisation_page(client, login, world):
    login(world.unit_a_admin)
    with as_user(world.unit_a_admin):
        user, _ = services.user_onboard(
            username="wang_wu", display_name="王五", password=None, role=Role.UNIT_ADMIN, organisation=world.unit_a
        )
    response = client.post(
        f"/orgs/{world.unit_a.pk}/members/add/", {"username": "wang_wu", "role": "dept_lead", "department": world.dept_a.pk}
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=user, role=Role.DEPT_LEAD, department=world.dept_a).exists()
    # someone the admin cannot see is "not found", exactly like a name that does not exist
    for username in ("outsider", "nobody_at_all"):
        response = client.post(f"/orgs/{world.unit_a.pk}/members/add/", {"username": username, "role": "unit_admin"}, follow=True)
        assert "未找到该用户" in response.content.decode()
    assert not Membership.objects.filter(user=world.outsider, organisation=world.unit_a).exists()


def test_revoking_is_audited_and_limited_to_what_one_may_grant(client, login, world):
    membership = Membership.objects.get(user=world.dept_lead_a)
    login(world.city_inspector)  # sees it, may not revoke it
    assert client.post(f"/orgs/memberships/{membership.pk}/remove/").status_code == 403
    login(world.county_b_admin)  # does not even see it
    assert client.post(f"/orgs/memberships/{membership.pk}/remove/").status_code == 404
    login(world.unit_a_admin)
    response = client.post(f"/orgs/memberships/{membership.pk}/remove/", {"next": "org"})
    assert response.status_code == 302 and response["Location"] == f"/orgs/{world.unit_a.pk}/"
    assert not Membership.objects.filter(pk=membership.pk).exists()
    entry = AuditEntry.objects.get(action=Action.MEMBERSHIP_REMOVE, object_id=str(membership.pk))
    assert entry.changes["role"] == ["dept_lead", None]
    assert entry.org_id == world.unit_a.pk and entry.actor_label == "unit_a_admin"


def test_nobody_revokes_their_own_admin_role(client, login, world):
    login(world.unit_a_admin)
    own = Membership.objects.get(user=world.unit_a_admin)
    response = client.post(f"/orgs/memberships/{own.pk}/remove/", follow=True)
    assert "不能撤销自己的管理员角色" in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()


def test_a_unit_admin_cannot_revoke_office_roles(world):
    from django.core.exceptions import PermissionDenied

    with as_user(world.platform):
        m = services.membership_add(user=world.dept_lead_a, role=Role.OFFICE_INSPECTOR, organisation=world.county_a_office)
    with pytest.raises(PermissionDenied):
        services.membership_remove_checked(membership=m, scope=get_scope(world.unit_a_admin))
