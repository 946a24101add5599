"""The test world: personas along the permission boundaries, built through the real services.

Alice-style personas (see STYLE.md):
- city_admin / city_inspector: the city office (示范市文明办), see everything under 9901.
- county_a_admin: the 东城区 office, sees 990102… only.
- unit_a_admin / dept_lead_a: unit A in 东城区, see unit A only.
- outsider: unit admin of unit B in 西湖区 — must see nothing of county A.
- platform: platform admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from wenming.audit.context import SYSTEM, acting_as
from wenming.orgs import services
from wenming.orgs.models import Department, Organisation, OrgKind, Region, Role, UnitType

PASSWORD = "Test#Passw0rd"


@dataclass
class World:
    province: Region
    city: Region
    county_a: Region
    county_b: Region
    city_office: Organisation
    county_a_office: Organisation
    county_b_office: Organisation
    unit_a: Organisation
    unit_b: Organisation
    dept_a: Department
    platform: object
    city_admin: object
    city_inspector: object
    county_a_admin: object
    unit_a_admin: object
    dept_lead_a: object
    outsider: object
    county_b_admin: object


def _user(username: str, role: str, org=None, department=None):
    user = services.user_create(username=username, display_name=username, password=PASSWORD)
    services.membership_add(user=user, role=role, organisation=org, department=department)
    return user


def build_world() -> World:
    with acting_as(SYSTEM):
        province = services.region_create(code="990000000000", name="示范省")
        city = services.region_create(code="990100000000", name="示范市")
        county_a = services.region_create(code="990102000000", name="东城区")
        county_b = services.region_create(code="990103000000", name="西湖区")
        city_office = services.organisation_create(kind=OrgKind.OFFICE, name="示范市文明办", region=city)
        county_a_office = services.organisation_create(kind=OrgKind.OFFICE, name="东城区文明办", region=county_a)
        county_b_office = services.organisation_create(kind=OrgKind.OFFICE, name="西湖区文明办", region=county_b)
        unit_a = services.organisation_create(kind=OrgKind.UNIT, name="东城区执法局", region=county_a, unit_type=UnitType.ORGAN)
        unit_b = services.organisation_create(kind=OrgKind.UNIT, name="西湖区医院", region=county_b, unit_type=UnitType.HOSPITAL)
        dept_a = services.department_create(organisation=unit_a, name="办公室")
        services.department_create(organisation=unit_b, name="医务科")
        return World(
            province=province,
            city=city,
            county_a=county_a,
            county_b=county_b,
            city_office=city_office,
            county_a_office=county_a_office,
            county_b_office=county_b_office,
            unit_a=unit_a,
            unit_b=unit_b,
            dept_a=dept_a,
            platform=_user("platform", Role.PLATFORM_ADMIN),
            city_admin=_user("city_admin", Role.OFFICE_ADMIN, city_office),
            city_inspector=_user("city_inspector", Role.OFFICE_INSPECTOR, city_office),
            county_a_admin=_user("county_a_admin", Role.OFFICE_ADMIN, county_a_office),
            unit_a_admin=_user("unit_a_admin", Role.UNIT_ADMIN, unit_a),
            dept_lead_a=_user("dept_lead_a", Role.DEPT_LEAD, unit_a, dept_a),
            outsider=_user("outsider", Role.UNIT_ADMIN, unit_b),
            county_b_admin=_user("county_b_admin", Role.OFFICE_ADMIN, county_b_office),
        )


def load_world() -> World:
    """The world already in the database (built once per test session)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    users = {u.username: u for u in User.objects.all()}
    orgs = {o.name: o for o in Organisation.objects.all()}
    regions = {r.code: r for r in Region.objects.all()}
    return World(
        province=regions["990000000000"],
        city=regions["990100000000"],
        county_a=regions["990102000000"],
        county_b=regions["990103000000"],
        city_office=orgs["示范市文明办"],
        county_a_office=orgs["东城区文明办"],
        county_b_office=orgs["西湖区文明办"],
        unit_a=orgs["东城区执法局"],
        unit_b=orgs["西湖区医院"],
        dept_a=Department.objects.get(organisation=orgs["东城区执法局"], name="办公室"),
        platform=users["platform"],
        city_admin=users["city_admin"],
        city_inspector=users["city_inspector"],
        county_a_admin=users["county_a_admin"],
        unit_a_admin=users["unit_a_admin"],
        dept_lead_a=users["dept_lead_a"],
        outsider=users["outsider"],
        county_b_admin=users["county_b_admin"],
    )
