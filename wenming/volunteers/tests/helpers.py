"""Volunteer personas and objects beside the shared world (tests/world.py stays untouched).

Built through the real services, get-or-create, so the URL walk's samples and the tests share them:
- community_a (东城区 朝阳街道 幸福社区) and community_b (西湖区), level-5 regions;
- vorg_a: 东城区志愿者协会 (operated by the 东城区 office), team_a under it; vorg_b in 西湖区;
- vorg_admin: 志愿组织管理员 of vorg_a, no other role;
- vol_user / volunteer_a: a self-registered volunteer living in community_a, approved in team_a;
- applicant: a volunteer who applied to team_a (pending);
- volunteer_b: lives in 西湖区, registered by vorg_b — outside county A.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from wenming.audit.context import SYSTEM, acting_as
from wenming.orgs.models import Region
from wenming.orgs.personal import IdType, make_mainland_id
from wenming.volunteers import services
from wenming.volunteers.models import MembershipStatus, Team, TeamMembership, Volunteer, VolunteerOrg

PASSWORD = "Test#Passw0rd"
# Clear values the masking test looks for in every page and export.
ID_A = make_mainland_id("990102", dt.date(1990, 3, 15), 123)
PHONE_A = "13812341234"
ID_APPLICANT = make_mainland_id("990102", dt.date(1985, 7, 1), 222)
PHONE_APPLICANT = "13922223333"
ID_B = make_mainland_id("990103", dt.date(1978, 12, 31), 341)
PHONE_B = "15099998888"
CLEAR_VALUES = (ID_A, PHONE_A, ID_APPLICANT, PHONE_APPLICANT, ID_B, PHONE_B)


@dataclass
class VWorld:
    community_a: Region
    community_b: Region
    vorg_a: VolunteerOrg
    vorg_b: VolunteerOrg
    team_a: Team
    vorg_admin: object
    vol_user: object
    volunteer_a: Volunteer
    applicant: Volunteer
    application: TeamMembership
    volunteer_b: Volunteer


def _region(code: str, name: str, level: int, parent: Region) -> Region:
    from wenming.orgs.regions import prefix_of

    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, "prefix": prefix_of(code)}
    )
    return region


def build_vworld(w) -> VWorld:
    User = get_user_model()
    existing = VolunteerOrg.objects.filter(name="东城区志愿者协会").first()
    if existing is not None:
        return _load(w)
    with acting_as(SYSTEM):
        town_a = _region("990102001000", "朝阳街道", 4, w.county_a)
        community_a = _region("990102001001", "幸福社区", 5, town_a)
        town_b = _region("990103001000", "文昌街道", 4, w.county_b)
        community_b = _region("990103001001", "和平社区", 5, town_b)
        vorg_a = services.vorg_create(name="东城区志愿者协会", region=w.county_a, operator=w.county_a_office)
        vorg_b = services.vorg_create(name="西湖区志愿者协会", region=w.county_b, operator=w.county_b_office)
        team_a = services.team_create(org=vorg_a, name="幸福社区助老队", service_area="助老")
        services.team_create(org=vorg_b, name="西湖环保队", service_area="环保")
        from wenming.orgs import services as org_services

        vorg_admin = org_services.user_create(username="vorg_admin", display_name="志愿协会管理员", password=PASSWORD)
        services.vorg_admin_add(org=vorg_a, user=vorg_admin)
        volunteer_a = services.volunteer_self_register(
            password=PASSWORD, name="张志愿", id_type=IdType.MAINLAND, id_number=ID_A, phone=PHONE_A,
            residence=community_a, political_status="cpc", skills="急救", availability="weekends",
        )
        services.membership_add_approved(volunteer=volunteer_a, team=team_a, user=vorg_admin)
        applicant = services.volunteer_register(
            name="李申请", id_type=IdType.MAINLAND, id_number=ID_APPLICANT, phone=PHONE_APPLICANT,
            residence=None, political_status="masses", dual_report_unit=w.unit_a, dual_report_community=community_a,
        )
        services.membership_apply(volunteer=applicant, team=team_a)
        services.volunteer_register(
            name="王西湖", id_type=IdType.MAINLAND, id_number=ID_B, phone=PHONE_B,
            residence=community_b, political_status="masses", home_org=vorg_b,
        )
    assert User.objects.filter(username="vorg_admin").exists()
    return _load(w)


def _load(w) -> VWorld:
    User = get_user_model()
    vol_user = User.objects.get(volunteer__name="张志愿")
    applicant = Volunteer.objects.get(name="李申请")
    return VWorld(
        community_a=Region.objects.get(code="990102001001"),
        community_b=Region.objects.get(code="990103001001"),
        vorg_a=VolunteerOrg.objects.get(name="东城区志愿者协会"),
        vorg_b=VolunteerOrg.objects.get(name="西湖区志愿者协会"),
        team_a=Team.objects.get(name="幸福社区助老队"),
        vorg_admin=User.objects.get(username="vorg_admin"),
        vol_user=vol_user,
        volunteer_a=vol_user.volunteer,
        applicant=applicant,
        application=TeamMembership.objects.filter(volunteer=applicant, status=MembershipStatus.APPLIED).first()
        or TeamMembership.objects.filter(volunteer=applicant).first(),
        volunteer_b=Volunteer.objects.get(name="王西湖"),
    )
