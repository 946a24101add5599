"""orgs.access: who sees what. Personas from tests/world.py."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404

from wenming.orgs.access import access, get_scope, require_admin_of, require_role, scoped
from wenming.orgs.models import Department, Membership, Organisation, Region, Role

pytestmark = pytest.mark.django_db


def names(qs):
    return set(qs.values_list("name", flat=True))


def test_it_gives_the_city_office_its_whole_subtree(world):
    visible = names(scoped(Organisation, world.city_admin))
    assert {"示范市文明办", "东城区文明办", "西湖区文明办", "东城区执法局", "西湖区医院"} <= visible


def test_it_limits_a_county_office_to_its_county(world):
    visible = names(scoped(Organisation, world.county_a_admin))
    assert "东城区执法局" in visible and "东城区文明办" in visible
    assert "西湖区医院" not in visible and "示范市文明办" not in visible


def test_it_limits_a_unit_to_itself(world):
    assert names(scoped(Organisation, world.unit_a_admin)) == {"东城区执法局"}
    assert names(scoped(Organisation, world.dept_lead_a)) == {"东城区执法局"}
    assert names(scoped(Department, world.unit_a_admin)) == {"办公室"}


def test_it_gives_the_outsider_nothing_of_county_a(world):
    assert names(scoped(Organisation, world.outsider)) == {"西湖区医院"}
    with pytest.raises(Http404):
        access(Organisation, world.outsider, pk=world.unit_a.pk)
    with pytest.raises(Http404):
        access(Department, world.outsider, pk=world.dept_a.pk)


def test_it_gives_platform_admins_everything(world):
    assert scoped(Organisation, world.platform).count() == Organisation.objects.count()


def test_it_gives_anonymous_and_inactive_users_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not scoped(Organisation, AnonymousUser()).exists()
    world.unit_a_admin.is_active = False
    assert not scoped(Organisation, world.unit_a_admin).exists()


def test_it_matches_region_prefixes_not_substrings(world):
    # 990102 must not match a code that merely contains it elsewhere: 11 99 01 020 000 does.
    from wenming.orgs import services

    for code in ("110000000000", "119900000000", "119901000000", "119901020000"):
        trap = services.region_create(code=code, name=f"外省{code}")
    assert "990102" in trap.code
    assert trap not in scoped(Region, world.county_a_admin)
    assert set(scoped(Region, world.county_a_admin).values_list("code", flat=True)) == {"990102000000"}


def test_it_computes_the_scope_in_one_query(world, django_assert_num_queries):
    user = type(world.city_admin).objects.get(pk=world.city_admin.pk)
    with django_assert_num_queries(1):
        scope = get_scope(user)
        get_scope(user)  # cached on the user object
    assert scope.region_prefixes == ("9901",)
    assert Role.OFFICE_ADMIN in scope.roles


def test_it_refuses_models_without_a_scope_rule(world):
    from django.contrib.sessions.models import Session

    with pytest.raises(ImproperlyConfigured):
        scoped(Session, world.city_admin)


def test_it_checks_roles_and_administration(world):
    with pytest.raises(PermissionDenied):
        require_role(world.unit_a_admin, Role.OFFICE_ADMIN)
    require_role(world.city_admin, Role.OFFICE_ADMIN)
    require_admin_of(world.city_admin, world.unit_a)
    require_admin_of(world.unit_a_admin, world.unit_a)
    for user in (world.county_b_admin, world.outsider, world.dept_lead_a, world.city_inspector):
        with pytest.raises(PermissionDenied):
            require_admin_of(user, world.unit_a)


def test_it_sees_users_through_their_memberships(world):
    from wenming.orgs.selectors import user_list

    assert set(user_list(user=world.county_a_admin).values_list("username", flat=True)) == {
        "county_a_admin",
        "unit_a_admin",
        "dept_lead_a",
    }
    assert "unit_a_admin" not in set(user_list(user=world.outsider).values_list("username", flat=True))
    assert Membership.objects.filter(user=world.platform).get().organisation is None
