"""Departments of a unit: added, renamed, removed and given a lead by the unit's admin or an
office admin above it; nobody else."""

from __future__ import annotations

import pytest

from wenming.audit.models import Action, AuditEntry
from wenming.orgs import services
from wenming.orgs.models import Department, Membership, Role
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["unit_a_admin", "county_a_admin", "city_admin", "platform"])
def test_admins_of_the_unit_or_above_add_rename_and_remove(client, login, world, persona):
    login(getattr(world, persona))
    unit = world.unit_a
    response = client.post(f"/orgs/{unit.pk}/departments/", {"name": "宣传科", "sort_order": "3"})
    assert response.status_code == 302
    dept = Department.objects.get(organisation=unit, name="宣传科")
    assert dept.sort_order == 3

    assert client.get(f"/orgs/departments/{dept.pk}/edit/").status_code == 200
    assert client.post(f"/orgs/departments/{dept.pk}/edit/", {"name": "宣传教育科", "sort_order": "1"}).status_code == 302
    dept.refresh_from_db()
    assert dept.name == "宣传教育科"

    assert client.post(f"/orgs/departments/{dept.pk}/delete/").status_code == 302
    assert not Department.objects.filter(pk=dept.pk).exists()

    actions = list(
        AuditEntry.objects.filter(object_type="orgs.department", object_id=str(dept.pk)).order_by("seq").values_list("action", flat=True)
    )
    assert actions == [Action.CREATE, Action.UPDATE, Action.DELETE]
    # filed under the unit, so its office sees these entries
    assert set(AuditEntry.objects.filter(object_type="orgs.department", object_id=str(dept.pk)).values_list("org_id", flat=True)) == {unit.pk}


@pytest.mark.parametrize("persona", ["dept_lead_a", "city_inspector"])
def test_others_who_see_the_unit_cannot_change_its_departments(client, login, world, persona):
    login(getattr(world, persona))
    unit = world.unit_a
    assert client.get(f"/orgs/{unit.pk}/departments/").status_code == 200  # may look
    assert client.post(f"/orgs/{unit.pk}/departments/", {"name": "新科室"}).status_code == 403
    assert client.post(f"/orgs/departments/{world.dept_a.pk}/edit/", {"name": "x"}).status_code == 403
    assert client.post(f"/orgs/departments/{world.dept_a.pk}/delete/").status_code == 403
    assert Department.objects.filter(pk=world.dept_a.pk, name="办公室").exists()


def test_other_counties_get_404(client, login, world):
    login(world.county_b_admin)
    assert client.get(f"/orgs/{world.unit_a.pk}/departments/").status_code == 404
    assert client.post(f"/orgs/departments/{world.dept_a.pk}/delete/").status_code == 404
    assert client.post(f"/orgs/departments/{world.dept_a.pk}/lead/", {"user": world.unit_a_admin.pk}).status_code == 404


def test_duplicate_names_are_refused(client, login, world):
    login(world.unit_a_admin)
    response = client.post(f"/orgs/{world.unit_a.pk}/departments/", {"name": "办公室"})
    assert response.status_code == 200 and "同名科室" in response.content.decode()
    assert Department.objects.filter(organisation=world.unit_a, name="办公室").count() == 1


def test_a_department_with_a_lead_cannot_be_removed(client, login, world):
    login(world.unit_a_admin)
    response = client.post(f"/orgs/departments/{world.dept_a.pk}/delete/", follow=True)
    assert "仍有科室责任人" in response.content.decode()
    assert Department.objects.filter(pk=world.dept_a.pk).exists()


def test_offices_have_no_departments(client, login, world):
    login(world.city_admin)
    assert client.get(f"/orgs/{world.county_a_office.pk}/departments/").status_code == 403


def test_setting_a_lead_grants_dept_lead_and_is_audited(client, login, world):
    login(world.unit_a_admin)
    with as_user(world.unit_a_admin):
        dept = services.department_create(organisation=world.unit_a, name="财务科")
    response = client.post(f"/orgs/departments/{dept.pk}/lead/", {"user": world.unit_a_admin.pk})
    assert response.status_code == 302
    m = Membership.objects.get(user=world.unit_a_admin, role=Role.DEPT_LEAD)
    assert m.department_id == dept.pk and m.organisation_id == world.unit_a.pk
    assert AuditEntry.objects.filter(action=Action.MEMBERSHIP_ADD, object_id=str(m.pk)).exists()


def test_a_lead_must_be_someone_in_the_unit(client, login, world):
    login(world.city_admin)
    response = client.post(f"/orgs/departments/{world.dept_a.pk}/lead/", {"user": world.outsider.pk}, follow=True)
    assert "请选择本单位的人员" in response.content.decode()
    assert not Membership.objects.filter(user=world.outsider, role=Role.DEPT_LEAD).exists()


def test_the_list_shows_leads_and_filters_departments_without_one(client, login, world):
    with as_user(world.unit_a_admin):
        services.department_create(organisation=world.unit_a, name="党建科")
        services.department_create(organisation=world.unit_a, name="后勤科")
    login(world.unit_a_admin)
    body = client.get(f"/orgs/{world.unit_a.pk}/departments/").content.decode()
    assert "办公室" in body and "dept_lead_a" in body and "党建科" in body
    filtered = client.get(f"/orgs/{world.unit_a.pk}/departments/?no_lead=1").content.decode()
    assert '<div class="fw-bold">党建科</div>' in filtered and '<div class="fw-bold">后勤科</div>' in filtered
    assert '<div class="fw-bold">办公室</div>' not in filtered  # 办公室 has a lead, so it is not listed
    assert '<div class="fw-bold">办公室</div>' in body
