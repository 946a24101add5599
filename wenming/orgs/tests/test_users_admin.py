"""User administration: create (password shown once), edit, deactivate, reset password."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from wenming.audit.models import Action, AuditEntry
from wenming.orgs import services
from wenming.orgs.models import Membership, Profile, Role
from wenming.orgs.tests.helpers import as_user, select_options, shown_password

pytestmark = pytest.mark.django_db
User = get_user_model()


def new_user(**extra) -> dict:
    data = {
        "username": "zhang_san",
        "display_name": "张三",
        "phone": "13900001111",
        "email": "",
        "role": "dept_lead",
        "password_mode": "generate",
        "password": "",
    }
    data.update(extra)
    return data


def test_a_unit_admin_creates_a_department_lead_with_a_generated_password_shown_once(client, login, world):
    login(world.unit_a_admin)
    response = client.post(f"/orgs/users/new/?org={world.unit_a.pk}", new_user(org=world.unit_a.pk, department=world.dept_a.pk))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    password = shown_password(response)
    assert password
    assert "只显示这一次" in response.content.decode()
    user = User.objects.get(username="zhang_san")
    assert user.check_password(password)
    assert user.profile.display_name == "张三" and user.profile.phone == "13900001111"
    m = Membership.objects.get(user=user)
    assert (m.role, m.organisation_id, m.department_id) == (Role.DEPT_LEAD, world.unit_a.pk, world.dept_a.pk)
    # the password is in no message, no session, no audit entry
    assert password not in str(dict(client.session))
    entries = AuditEntry.objects.filter(object_id__in=[str(user.pk), str(m.pk)])
    assert {e.action for e in entries} == {Action.CREATE, Action.MEMBERSHIP_ADD}
    assert all(password not in str(e.changes) for e in entries)
    # the detail page never shows it again
    assert password not in client.get(f"/orgs/users/{user.pk}/").content.decode()


def test_a_typed_password_must_meet_the_rules(client, login, world):
    login(world.county_a_admin)
    base = new_user(username="li_si", role="unit_admin", organisation=world.unit_a.pk, password_mode="typed")
    response = client.post("/orgs/users/new/", {**base, "password": "abc"})
    assert response.status_code == 200 and not User.objects.filter(username="li_si").exists()
    assert "密码" in response.content.decode()
    response = client.post("/orgs/users/new/", {**base, "password": "Strong#Pass2026"})
    assert response.status_code == 200 and shown_password(response) is None
    assert "Strong#Pass2026" not in response.content.decode()
    assert User.objects.get(username="li_si").check_password("Strong#Pass2026")


def test_generated_passwords_meet_the_password_rules():
    from django.contrib.auth.password_validation import validate_password

    for _ in range(50):
        validate_password(services.password_generate(), User(username="someone"))


def test_usernames_are_unique_and_well_formed(client, login, world):
    login(world.county_a_admin)
    for bad, message in (("unit_a_admin", "已被使用"), ("UNIT_A_ADMIN", "已被使用"), ("张三", "只能包含"), ("ab", "只能包含")):
        response = client.post("/orgs/users/new/", new_user(username=bad, role="unit_admin", organisation=world.unit_a.pk))
        assert message in response.content.decode(), bad


def test_a_unit_admin_cannot_create_users_elsewhere_or_with_office_roles(client, login, world):
    login(world.unit_a_admin)
    # unit B is out of scope: 404, not a form
    assert client.get(f"/orgs/users/new/?org={world.unit_b.pk}").status_code == 404
    response = client.post(
        f"/orgs/users/new/?org={world.unit_a.pk}", new_user(org=world.unit_a.pk, role="office_admin")
    )
    assert response.status_code == 200 and not User.objects.filter(username="zhang_san").exists()
    assert select_options(response, "role") == ["unit_admin", "dept_lead"]


def test_only_platform_admins_create_platform_admins(client, login, world):
    login(world.city_admin)
    response = client.post("/orgs/users/new/", new_user(role="platform_admin"))
    assert not User.objects.filter(username="zhang_san").exists()
    assert response.status_code == 200
    login(world.platform)
    response = client.post("/orgs/users/new/", new_user(role="platform_admin"))
    assert response.status_code == 200
    assert Membership.objects.get(user__username="zhang_san").role == Role.PLATFORM_ADMIN


def test_an_office_admin_picks_only_organisations_of_their_subtree(client, login, world):
    login(world.county_a_admin)
    response = client.get("/orgs/users/new/")
    choices = set(select_options(response, "organisation"))
    assert {str(world.unit_a.pk), str(world.county_a_office.pk)} <= choices
    assert not choices & {str(world.city_office.pk), str(world.unit_b.pk)}
    response = client.post("/orgs/users/new/", new_user(role="office_admin", organisation=world.city_office.pk))
    assert not User.objects.filter(username="zhang_san").exists()
    # the search box narrows the choices
    response = client.get("/orgs/users/new/?org_q=执法")
    assert select_options(response, "organisation") == [str(world.unit_a.pk)]


@pytest.mark.parametrize("persona", ["city_inspector", "dept_lead_a"])
def test_people_without_an_admin_role_cannot_create_users(client, login, world, persona):
    login(getattr(world, persona))
    assert client.get("/orgs/users/new/").status_code == 403


def test_editing_a_profile_is_validated_and_audited(client, login, world):
    login(world.unit_a_admin)
    target = world.dept_lead_a
    response = client.post(f"/orgs/users/{target.pk}/edit/", {"display_name": "周科长", "phone": "123", "email": ""}, follow=True)
    assert "手机号" in response.content.decode()
    client.post(f"/orgs/users/{target.pk}/edit/", {"display_name": "周科长", "phone": "13900002222", "email": "z@example.cn"})
    profile = Profile.objects.get(user=target)
    assert (profile.display_name, profile.phone) == ("周科长", "13900002222")
    entry = AuditEntry.objects.filter(object_type="auth.user", object_id=str(target.pk), action=Action.UPDATE).latest("seq")
    assert entry.changes["display_name"] == ["dept_lead_a", "周科长"]
    assert entry.org_id == world.unit_a.pk  # filed under the unit: its office sees it


def test_deactivate_and_reactivate(client, login, world):
    login(world.county_a_admin)
    target = world.dept_lead_a
    client.post(f"/orgs/users/{target.pk}/active/", {"active": "0"})
    target.refresh_from_db()
    assert not target.is_active
    client.logout()
    response = client.post("/login/", {"username": "dept_lead_a", "password": "Test#Passw0rd"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session  # cannot sign in
    login(world.county_a_admin)
    client.post(f"/orgs/users/{target.pk}/active/", {"active": "1"})
    target.refresh_from_db()
    assert target.is_active
    changes = list(
        AuditEntry.objects.filter(object_type="auth.user", object_id=str(target.pk), action=Action.UPDATE)
        .order_by("seq")
        .values_list("changes", flat=True)
    )
    assert changes[-2:] == [{"is_active": [True, False]}, {"is_active": [False, True]}]


def test_nobody_deactivates_themselves(client, login, world):
    login(world.county_a_admin)
    response = client.post(f"/orgs/users/{world.county_a_admin.pk}/active/", {"active": "0"}, follow=True)
    assert "不能停用自己的账号" in response.content.decode()
    world.county_a_admin.refresh_from_db()
    assert world.county_a_admin.is_active


def test_a_user_belonging_elsewhere_too_is_managed_only_from_above_both(client, login, world):
    with as_user(world.platform):
        services.membership_add(user=world.dept_lead_a, role=Role.UNIT_ADMIN, organisation=world.unit_b)
    login(world.county_a_admin)
    assert client.post(f"/orgs/users/{world.dept_lead_a.pk}/active/", {"active": "0"}).status_code == 403
    login(world.city_admin)  # the city office is above both counties
    assert client.post(f"/orgs/users/{world.dept_lead_a.pk}/active/", {"active": "0"}).status_code == 302


@pytest.mark.parametrize("persona", ["city_inspector", "dept_lead_a"])
def test_seeing_a_user_is_not_managing_them(client, login, world, persona):
    login(getattr(world, persona))
    target = world.unit_a_admin
    assert client.get(f"/orgs/users/{target.pk}/").status_code == 200
    assert client.post(f"/orgs/users/{target.pk}/edit/", {"display_name": "x"}).status_code == 403
    assert client.post(f"/orgs/users/{target.pk}/active/", {"active": "0"}).status_code == 403
    assert client.get(f"/orgs/users/{target.pk}/password/").status_code == 403


def test_platform_admins_are_managed_only_by_platform_admins(world):
    from wenming.orgs.access import get_scope

    assert not services.may_manage_user(scope=get_scope(world.city_admin), user=world.platform)
    assert services.may_manage_user(scope=get_scope(world.platform), user=world.city_admin)


def test_out_of_scope_users_are_not_found(client, login, world):
    login(world.county_b_admin)
    for url in (
        f"/orgs/users/{world.unit_a_admin.pk}/",
        f"/orgs/users/{world.unit_a_admin.pk}/password/",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/orgs/users/{world.unit_a_admin.pk}/active/", {"active": "0"}).status_code == 404
    assert client.get("/orgs/users/999999/").status_code == 404


def test_resetting_a_password_shows_the_new_one_once_and_is_audited(client, login, world):
    login(world.unit_a_admin)
    target = world.dept_lead_a
    response = client.post(f"/orgs/users/{target.pk}/password/", {"password_mode": "generate", "password": ""})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    password = shown_password(response)
    target.refresh_from_db()
    assert target.check_password(password) and not target.check_password("Test#Passw0rd")
    entry = AuditEntry.objects.filter(object_id=str(target.pk), action=Action.PASSWORD_CHANGE).latest("seq")
    assert password not in str(entry.changes) and entry.actor_label == "unit_a_admin"


def test_the_user_list_is_scoped_and_filters(client, login, world):
    from wenming.orgs import selectors

    names = set(selectors.user_list(user=world.county_a_admin).values_list("username", flat=True))
    assert {"county_a_admin", "unit_a_admin", "dept_lead_a"} <= names
    assert not names & {"outsider", "county_b_admin", "city_admin", "platform"}
    login(world.county_a_admin)
    body = client.get("/orgs/users/").content.decode()
    assert "<td>dept_lead_a</td>" in body and "<td>outsider</td>" not in body
    body = client.get("/orgs/users/?role=dept_lead").content.decode()
    assert "<td>dept_lead_a</td>" in body and "<td>unit_a_admin</td>" not in body
    # roles listed beside a user are only those the viewer may see
    with as_user(world.platform):
        services.membership_add(user=world.unit_a_admin, role=Role.UNIT_ADMIN, organisation=world.unit_b)
    (u,) = selectors.user_list(user=world.county_a_admin, q="unit_a_admin")
    assert [m.organisation_id for m in u.visible_memberships] == [world.unit_a.pk]
    assert world.unit_b.name not in client.get("/orgs/users/?q=unit_a_admin").content.decode()
