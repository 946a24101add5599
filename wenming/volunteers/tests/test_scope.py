"""Who sees which volunteers, organisations and teams (personas along the boundaries)."""

from __future__ import annotations

import pytest

from wenming.volunteers.models import Team, TeamMembership, Volunteer, VolunteerOrg
from wenming.volunteers.scoping import vscoped

pytestmark = pytest.mark.django_db


def _names(model, user, field="name"):
    return set(vscoped(model, user).values_list(field, flat=True))


def test_offices_see_their_subtree(world, vw):
    assert _names(Volunteer, world.city_admin) == {"张志愿", "李申请", "王西湖"}
    # 李申请 lives nowhere recorded but applied to a team of a 东城区 organisation.
    assert _names(Volunteer, world.county_a_admin) == {"张志愿", "李申请"}
    assert _names(Volunteer, world.county_b_admin) == {"王西湖"}
    assert _names(Volunteer, world.city_inspector) == {"张志愿", "李申请", "王西湖"}
    assert _names(VolunteerOrg, world.county_a_admin) == {"东城区志愿者协会"}
    assert _names(Team, world.county_b_admin) == {"西湖环保队"}


def test_org_admin_sees_their_org_teams_and_members(world, vw):
    assert _names(VolunteerOrg, vw.vorg_admin) == {"东城区志愿者协会"}
    assert _names(Team, vw.vorg_admin) == {"幸福社区助老队"}
    assert _names(Volunteer, vw.vorg_admin) == {"张志愿", "李申请"}
    assert vscoped(TeamMembership, vw.vorg_admin).count() == 2


def test_a_volunteer_sees_themselves_only(world, vw):
    assert _names(Volunteer, vw.vol_user) == {"张志愿"}
    assert _names(VolunteerOrg, vw.vol_user) == set()
    assert vscoped(TeamMembership, vw.vol_user).get().volunteer == vw.volunteer_a


def test_units_and_outsiders(world, vw):
    # Unit A is the 双报到 unit of 李申请 but units do not see volunteers (not their records).
    assert _names(Volunteer, world.unit_a_admin) == set()
    assert _names(Volunteer, world.outsider) == set()
    assert _names(VolunteerOrg, world.outsider) == set()


def test_the_operating_unit_sees_its_organisation(world, vw):
    vw.vorg_b.operator = world.unit_b
    vw.vorg_b.save()
    assert _names(VolunteerOrg, world.outsider) == {"西湖区志愿者协会"}
    assert _names(Volunteer, world.outsider) == {"王西湖"}


def test_pages_answer_404_outside_scope(client, world, vw, login):
    login(world.county_b_admin)
    for url in (
        f"/volunteers/{vw.volunteer_a.pk}/",
        f"/volunteers/orgs/{vw.vorg_a.pk}/",
        f"/volunteers/teams/{vw.team_a.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/volunteers/{vw.volunteer_b.pk}/").status_code == 200
