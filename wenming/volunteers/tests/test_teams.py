"""Organisations, teams and joining with approval by the team's organisation admin."""

from __future__ import annotations

import pytest

from wenming.audit.models import Action, AuditEntry
from wenming.volunteers.models import MembershipStatus, Team, TeamMembership, VolunteerOrg, VolunteerOrgAdmin

pytestmark = pytest.mark.django_db


def test_office_admin_creates_an_org_run_by_another_office(client, world, vw, login):
    login(world.county_a_admin)
    response = client.post(
        "/volunteers/orgs/new/",
        {"name": "东城区青年志愿者协会", "region": world.county_a.pk, "operator": world.unit_a.pk, "contact_name": "周"},
    )
    org = VolunteerOrg.objects.get(name="东城区青年志愿者协会")
    assert response.status_code == 302 and org.operator == world.unit_a and org.region_code == world.county_a.code
    assert AuditEntry.objects.filter(action=Action.CREATE, object_type="volunteers.volunteerorg", object_id=str(org.pk)).exists()
    # A region outside the admin's subtree is not offered.
    response = client.post("/volunteers/orgs/new/", {"name": "越界协会", "region": world.county_b.pk})
    assert response.status_code == 200 and not VolunteerOrg.objects.filter(name="越界协会").exists()


def test_who_may_create_orgs(client, world, vw, login):
    for persona in (world.city_inspector, world.unit_a_admin, vw.vorg_admin, vw.vol_user):
        login(persona)
        assert client.get("/volunteers/orgs/new/").status_code == 403


def test_org_admin_adds_teams_and_admins(client, world, vw, login):
    login(vw.vorg_admin)
    response = client.post(f"/volunteers/orgs/{vw.vorg_a.pk}/teams/new/", {"name": "文明交通队", "service_area": "文明交通"})
    team = Team.objects.get(name="文明交通队")
    assert response.status_code == 302 and team.org == vw.vorg_a
    client.post(f"/volunteers/orgs/{vw.vorg_a.pk}/admins/add/", {"username": "dept_lead_a"})
    assert VolunteerOrgAdmin.objects.filter(org=vw.vorg_a, user=world.dept_lead_a).exists()
    # Not for the other organisation (outside their scope: 404).
    assert client.post(f"/volunteers/orgs/{vw.vorg_b.pk}/teams/new/", {"name": "x"}).status_code == 404


def test_inspector_sees_but_cannot_manage(client, world, vw, login):
    login(world.city_inspector)
    assert client.get(f"/volunteers/orgs/{vw.vorg_a.pk}/").status_code == 200
    assert client.post(f"/volunteers/orgs/{vw.vorg_a.pk}/teams/new/", {"name": "x"}).status_code == 403


def test_join_with_approval(client, world, vw, login):
    login(vw.vol_user)
    other = Team.objects.create(org=vw.vorg_a, name="环保队")
    page = client.get("/volunteers/me/").content.decode()
    assert "环保队" in page and "申请加入" in page
    client.post("/volunteers/me/join/", {"team": other.pk})
    application = TeamMembership.objects.get(team=other, volunteer=vw.volunteer_a)
    assert application.status == MembershipStatus.APPLIED
    # Applying twice is refused; the team no longer offered.
    client.post("/volunteers/me/join/", {"team": other.pk})
    assert TeamMembership.objects.filter(team=other, volunteer=vw.volunteer_a).count() == 1
    # The volunteer cannot approve themselves; the office admin cannot either (not the org admin).
    assert client.post(f"/volunteers/applications/{application.pk}/decide/", {"decision": "approve"}).status_code in (403, 404)
    login(world.county_a_admin)
    assert client.post(f"/volunteers/applications/{application.pk}/decide/", {"decision": "approve"}).status_code == 403
    login(vw.vorg_admin)
    page = client.get(f"/volunteers/teams/{other.pk}/").content.decode()
    assert "张志愿" in page and "通过" in page
    response = client.post(f"/volunteers/applications/{application.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == MembershipStatus.APPROVED and application.decided_by == vw.vorg_admin
    assert AuditEntry.objects.filter(action=Action.UPDATE, object_type="volunteers.teammembership", object_id=str(application.pk)).exists()


def test_reject(client, world, vw, login):
    login(vw.vorg_admin)
    client.post(f"/volunteers/applications/{vw.application.pk}/decide/", {"decision": "reject"})
    vw.application.refresh_from_db()
    assert vw.application.status == MembershipStatus.REJECTED
    # A rejected applicant may apply again later (only one *active* membership per team).
    from wenming.volunteers.services import membership_apply

    assert membership_apply(volunteer=vw.applicant, team=vw.team_a).status == MembershipStatus.APPLIED


def test_org_admin_registers_a_volunteer_into_a_team(client, world, vw, login):
    import datetime as dt

    from wenming.orgs.personal import make_mainland_id

    login(vw.vorg_admin)
    number = make_mainland_id("990102", dt.date(1970, 5, 5), 88)
    data = {
        "name": "钱党员", "id_type": "mainland", "id_number": number, "phone": "13700001111",
        "residence": vw.community_a.pk, "political_status": "cpc", "availability": "any",
        "home_org": vw.vorg_a.pk, "team": vw.team_a.pk, "dual_report_unit": world.unit_a.pk,
        "dual_report_community": vw.community_a.pk, "consent": "on",
    }
    # The org admin holds no orgs membership, yet picks the work units of their organisation's region.
    form = client.get("/volunteers/new/").content.decode()
    assert f'<option value="{world.unit_a.pk}">东城区执法局</option>' in form and "西湖区医院" not in form
    response = client.post("/volunteers/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    from wenming.volunteers.models import Volunteer

    v = Volunteer.objects.get(name="钱党员")
    assert v.home_org == vw.vorg_a and v.user is None
    assert v.dual_report_unit == world.unit_a and v.dual_report_community == vw.community_a
    assert TeamMembership.objects.get(volunteer=v).status == MembershipStatus.APPROVED
    # A team of another organisation is refused.
    other_team = Team.objects.get(name="西湖环保队")
    data.update(name="孙", id_number=make_mainland_id("990102", dt.date(1971, 5, 5), 88), team=other_team.pk)
    assert client.post("/volunteers/new/", data).status_code == 200
    assert not Volunteer.objects.filter(name="孙").exists()


def test_dual_report_counts(client, world, vw, login):
    login(world.county_a_admin)
    page = client.get("/volunteers/dual-report/").content.decode()
    assert "东城区执法局" in page and "幸福社区" in page
    from wenming.volunteers.selectors import dual_report_counts

    per_unit, per_community = dual_report_counts(user=world.county_a_admin)
    assert [(r["label"], r["n"]) for r in per_unit] == [("东城区执法局", 1)]
    assert [(r["label"], r["n"]) for r in per_community] == [("幸福社区", 1)]
    assert dual_report_counts(user=world.county_b_admin) == ([], [])
    # Each figure opens exactly the volunteers it counts.
    listed = client.get(f"/volunteers/?dual_unit={world.unit_a.pk}").content.decode()
    assert "李申请" in listed and "张志愿" not in listed
    listed = client.get(f"/volunteers/?dual_community={vw.community_a.pk}").content.decode()
    assert "李申请" in listed and "张志愿" not in listed


def test_applications_waiting_show_on_the_org_admins_home_page(client, world, vw, login):
    login(vw.vorg_admin)
    home = client.get("/").content.decode()
    assert "待审核的入队申请" in home and "/volunteers/applications/" in home
    page = client.get("/volunteers/applications/").content.decode()
    assert "李申请" in page and vw.applicant.id_masked in page
    response = client.post(f"/volunteers/applications/{vw.application.pk}/decide/", {"decision": "approve", "next": "applications"})
    assert response["Location"] == "/volunteers/applications/"
    assert "待审核的入队申请" not in client.get("/").content.decode()  # nothing left: no item
    # Offices see the organisations but do not decide: their list is empty.
    login(world.county_a_admin)
    assert "没有待审核的入队申请" in client.get("/volunteers/applications/").content.decode()


def test_a_volunteer_leaves_a_team_and_may_rejoin(client, world, vw, login):
    membership = TeamMembership.objects.get(volunteer=vw.volunteer_a, team=vw.team_a)
    # Someone else's membership cannot be ended through this page.
    login(vw.vol_user)
    client.post("/volunteers/me/leave/", {"membership": vw.application.pk})
    vw.application.refresh_from_db()
    assert vw.application.status == MembershipStatus.APPLIED
    client.post("/volunteers/me/leave/", {"membership": membership.pk})
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.LEFT
    assert AuditEntry.objects.filter(action=Action.UPDATE, object_type="volunteers.teammembership", object_id=str(membership.pk)).exists()
    assert "幸福社区助老队" in client.get("/volunteers/me/").content.decode()  # offered again
    client.post("/volunteers/me/join/", {"team": vw.team_a.pk})
    assert TeamMembership.objects.filter(volunteer=vw.volunteer_a, team=vw.team_a, status=MembershipStatus.APPLIED).exists()


def test_the_operating_units_admin_manages_the_org_but_does_not_unmask(client, world, vw, login):
    """The volunteer module of a region run by a bureau: its unit admin manages the organisation
    (teams, admins, registering volunteers) — unmasking stays with org and office admins."""
    vw.vorg_a.operator = world.unit_a
    vw.vorg_a.save()
    login(world.unit_a_admin)
    assert client.get(f"/volunteers/orgs/{vw.vorg_a.pk}/").status_code == 200
    response = client.post(f"/volunteers/orgs/{vw.vorg_a.pk}/teams/new/", {"name": "执法局志愿服务队"})
    assert response.status_code == 302 and Team.objects.filter(name="执法局志愿服务队", org=vw.vorg_a).exists()
    assert client.get("/volunteers/new/").status_code == 200
    assert client.post(f"/volunteers/{vw.volunteer_a.pk}/reveal/").status_code == 403
    assert client.post("/volunteers/export/", {"full": "1"}).status_code == 403
    # The department lead of the same unit does not manage it.
    login(world.dept_lead_a)
    assert client.post(f"/volunteers/orgs/{vw.vorg_a.pk}/teams/new/", {"name": "x"}).status_code == 403
