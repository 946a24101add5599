"""Demo data for organisations: the fictional 示范市 (codes beginning 99) and its people.

Deterministic: the same names, codes and users every time. Other apps add a ``demo.py`` with a
``seed(*, scale, stdout)`` function; ``manage.py seed_demo`` calls them in INSTALLED_APPS order.
"""

from __future__ import annotations

import random

from django.db import transaction

from wenming.audit.models import Action
from wenming.audit.services import audit_record
from wenming.orgs import services
from wenming.orgs.models import Department, Organisation, OrgKind, Region, Role, UnitType
from wenming.orgs.regions import level_of, parent_code, prefix_of

DEMO_PASSWORD = "Wenming@2026"
PROVINCE = ("990000000000", "示范省")
CITY = ("990100000000", "示范市")
COUNTIES = [
    ("990102000000", "东城区", ["朝阳街道", "新华街道", "光明街道"]),
    ("990103000000", "西湖区", ["文昌街道", "翠苑街道", "北山街道"]),
    ("990121000000", "示范县", ["城关镇", "桃源镇", "青山乡"]),
]
COMMUNITY_NAMES = ["幸福", "和平", "建设", "团结", "民主", "胜利", "友谊", "长安"]
CITY_UNITS = [
    ("中共示范市委宣传部", UnitType.ORGAN, None),
    ("示范市教育局", UnitType.ORGAN, None),
    ("示范市卫生健康委员会", UnitType.ORGAN, None),
    ("示范市交通运输局", UnitType.ORGAN, None),
    ("示范市市场监督管理局", UnitType.ORGAN, None),
    ("示范市住房和城乡建设局", UnitType.ORGAN, None),
    ("示范市城市管理局", UnitType.ORGAN, None),
    ("示范市民政局", UnitType.ORGAN, None),
    ("示范市税务局", UnitType.ORGAN, None),
    ("示范市公安局", UnitType.ORGAN, None),
    ("示范市自然资源和规划局", UnitType.ORGAN, None),
    ("示范市文化广电旅游局", UnitType.ORGAN, None),
    ("示范市人力资源和社会保障局", UnitType.ORGAN, None),
    ("示范市政务服务中心", UnitType.INSTITUTION, None),
    ("示范市图书馆", UnitType.INSTITUTION, "示范市文化广电旅游局"),
    ("示范市博物馆", UnitType.INSTITUTION, "示范市文化广电旅游局"),
    ("示范市第一中学", UnitType.SCHOOL, "示范市教育局"),
    ("示范市实验小学", UnitType.SCHOOL, "示范市教育局"),
    ("示范市职业技术学院", UnitType.SCHOOL, "示范市教育局"),
    ("示范市人民医院", UnitType.HOSPITAL, "示范市卫生健康委员会"),
    ("示范市中医院", UnitType.HOSPITAL, "示范市卫生健康委员会"),
    ("示范市妇幼保健院", UnitType.HOSPITAL, "示范市卫生健康委员会"),
    ("示范市供电公司", UnitType.ENTERPRISE, None),
    ("示范市公交集团有限公司", UnitType.ENTERPRISE, "示范市交通运输局"),
    ("示范市自来水有限公司", UnitType.ENTERPRISE, "示范市住房和城乡建设局"),
    ("示范市城市建设投资集团", UnitType.ENTERPRISE, None),
    ("示范农村商业银行", UnitType.ENTERPRISE, None),
    ("示范市烟草专卖局（公司）", UnitType.ENTERPRISE, None),
]
COUNTY_UNIT_TEMPLATES = [
    ("{c}人民政府办公室", UnitType.ORGAN),
    ("{c}教育局", UnitType.ORGAN),
    ("{c}人民医院", UnitType.HOSPITAL),
    ("{c}第一小学", UnitType.SCHOOL),
    ("{c}市场监督管理局", UnitType.ORGAN),
    ("{c}综合行政执法局", UnitType.ORGAN),
]
DEPARTMENTS = ["办公室", "党建工作科", "业务一科", "业务二科", "财务科", "后勤服务中心", "机关党支部"]

# The demo logins (also listed in README.md). Username → (display name, role, organisation key).
PERSONAS = [
    ("admin", "平台管理员", Role.PLATFORM_ADMIN, None),
    ("city_admin", "王文明", Role.OFFICE_ADMIN, "city_office"),
    ("city_inspector", "李督查", Role.OFFICE_INSPECTOR, "city_office"),
    ("county_admin", "赵东城", Role.OFFICE_ADMIN, "county_office"),
    ("county_inspector", "钱测评", Role.OFFICE_INSPECTOR, "county_office"),
    ("unit_admin", "孙创建", Role.UNIT_ADMIN, "unit"),
    ("dept_lead", "周科长", Role.DEPT_LEAD, "unit"),
    ("other_unit_admin", "吴西湖", Role.UNIT_ADMIN, "other_unit"),
]


def is_seeded() -> bool:
    return Region.objects.filter(code=CITY[0]).exists()


def _region(code: str, name: str) -> Region:
    return services.region_create(code=code, name=name)


def _unit(name: str, region: Region, unit_type: str, supervisor=None) -> Organisation:
    org = services.organisation_create(kind=OrgKind.UNIT, name=name, region=region, unit_type=unit_type, supervisor=supervisor)
    for i, dept in enumerate(DEPARTMENTS[: 3 + (len(name) % 4)]):
        services.department_create(organisation=org, name=dept, sort_order=i)
    return org


@transaction.atomic
def seed(*, scale: str = "small", stdout=None) -> None:
    if is_seeded():
        if stdout:
            stdout.write("组织数据已存在，跳过")
        return
    _region(*PROVINCE)
    city = _region(*CITY)
    offices: dict[str, Organisation] = {}
    offices["city_office"] = services.organisation_create(kind=OrgKind.OFFICE, name="示范市文明办", region=city)
    by_name: dict[str, Organisation] = {}
    for name, unit_type, supervisor in CITY_UNITS:
        by_name[name] = _unit(name, city, unit_type, by_name.get(supervisor) if supervisor else None)
    county_units: dict[str, list[Organisation]] = {}
    for code, cname, towns in COUNTIES:
        county = _region(code, cname)
        offices[code] = services.organisation_create(kind=OrgKind.OFFICE, name=f"{cname}文明办", region=county)
        county_units[code] = []
        for t_index, tname in enumerate(towns, start=1):
            town = _region(code[:6] + f"{t_index:03d}" + "000", tname)
            county_units[code].append(_unit(f"{cname}{tname}办事处" if "街道" in tname else f"{cname}{tname}人民政府", town, UnitType.TOWN))
            for v_index in range(1, 4):
                cname_ = COMMUNITY_NAMES[(t_index * 3 + v_index) % len(COMMUNITY_NAMES)]
                is_village = "街道" not in tname
                vname = f"{cname_}村" if is_village else f"{cname_}社区"
                vcode = code[:6] + f"{t_index:03d}" + f"{(200 if is_village else 0) + v_index:03d}"
                village = _region(vcode, f"{tname}{vname}")
                if v_index == 1:
                    county_units[code].append(
                        _unit(f"{tname}{vname}{'村民委员会' if is_village else '居民委员会'}", village, UnitType.VILLAGE if is_village else UnitType.COMMUNITY)
                    )
        for template, unit_type in COUNTY_UNIT_TEMPLATES:
            county_units[code].append(_unit(template.format(c=cname), county, unit_type))

    first_county = COUNTIES[0][0]
    unit = county_units[first_county][-1]  # 东城区综合行政执法局
    other_unit = county_units[COUNTIES[1][0]][-1]
    targets = {
        "city_office": offices["city_office"],
        "county_office": offices[first_county],
        "unit": unit,
        "other_unit": other_unit,
    }
    lead_department = Department.objects.filter(organisation=unit).order_by("sort_order").first()
    for username, display, role, key in PERSONAS:
        user = services.user_create(username=username, display_name=display, password=DEMO_PASSWORD)
        org = targets[key] if key else None
        services.membership_add(
            user=user, role=role, organisation=org, department=lead_department if role == Role.DEPT_LEAD else None
        )
    if scale == "province":
        _seed_province_units(stdout=stdout)
    if stdout:
        stdout.write(f"组织：{Organisation.objects.count()} 个，区划：{Region.objects.count()} 个")


def _seed_province_units(*, stdout=None, counties: int = 40, units_per_county: int = 50) -> None:
    """Scale data: many counties with many units, bulk-inserted (one audit entry for the batch)."""
    rng = random.Random(99)
    province = Region.objects.get(code=PROVINCE[0])
    city_codes = [f"99{c:02d}00000000" for c in range(2, 2 + max(1, counties // 20))]
    regions = []
    for i, code in enumerate(city_codes):
        regions.append(Region(code=code, prefix=prefix_of(code), name=f"示范省第{i + 2}市", level=level_of(code), parent=province))
    Region.objects.bulk_create(regions)
    parents = {r.code: r for r in Region.objects.filter(code__in=city_codes)}
    county_regions = []
    for n in range(counties):
        ccode = city_codes[n % len(city_codes)]
        code = ccode[:4] + f"{(n // len(city_codes)) + 1:02d}" + "000000"
        county_regions.append(
            Region(code=code, prefix=prefix_of(code), name=f"规模测试县{n + 1}", level=level_of(code), parent=parents[parent_code(code)])
        )
    Region.objects.bulk_create(county_regions)
    created = list(Region.objects.filter(code__in=[r.code for r in county_regions]))
    types = [UnitType.ORGAN, UnitType.ENTERPRISE, UnitType.INSTITUTION, UnitType.SCHOOL, UnitType.HOSPITAL]
    orgs = []
    for region in created:
        orgs.append(Organisation(kind=OrgKind.OFFICE, name=f"{region.name}文明办", region=region, region_code=region.code))
        for u in range(units_per_county):
            orgs.append(
                Organisation(
                    kind=OrgKind.UNIT,
                    name=f"{region.name}单位{u + 1:03d}",
                    region=region,
                    region_code=region.code,
                    unit_type=rng.choice(types),
                )
            )
    Organisation.objects.bulk_create(orgs, batch_size=2000)
    audit_record(
        action=Action.IMPORT,
        object_type="orgs.organisation",
        object_repr=f"规模数据：{len(created)} 个县、{len(orgs)} 个组织",
        changes={"regions": len(created), "organisations": len(orgs)},
    )
    if stdout:
        stdout.write(f"规模数据：{len(orgs)} 个组织")
