"""Demo data for 志愿服务: organisations (one run by an office other than the civilization
office), teams, and a few hundred real-name volunteers with valid generated ID numbers.

Deterministic (seeded random): the same people every run, except for the ciphertexts (Fernet uses
a fresh IV each time). ID numbers use the fictional region prefix 9901xx of the demo city — no
real ID begins with 99, and the validator accepts 99 explicitly (orgs/personal.py). Bulk-created:
numbers are reserved per county in one counter update, rows inserted in batches, and one audit
entry records the batch.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from wenming.audit.models import Action
from wenming.audit.services import audit_record
from wenming.orgs.models import Organisation, OrgKind, Region
from wenming.orgs.personal import (
    IdType,
    encrypt,
    id_hash,
    make_mainland_id,
    mask_id,
    mask_phone,
    phone_hash,
    validate_mainland_id,
)
from wenming.orgs.regions import Level
from wenming.volunteers import services
from wenming.volunteers.models import (
    Availability,
    MembershipStatus,
    PoliticalStatus,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerOrg,
)

CITY_ORG = "示范市志愿服务联合会"
YOUTH_ORG = "共青团示范市委青年志愿者协会"
TEAMS = [("助老服务队", "助老"), ("文明交通劝导队", "文明交通"), ("环保志愿服务队", "环保")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
SKILLS = ["", "", "医疗急救", "心理咨询", "法律咨询", "摄影", "外语", "驾驶", "电脑维修", "文艺表演"]
VOLUNTEERS = {"small": 3000, "province": 5000}  # the issue: "a few thousand volunteers"
ORG_ADMIN = ("zy_admin", "东城区志愿者协会管理员")
VOLUNTEER_LOGIN = ("zy_volunteer", "演示志愿者")
PAST_ACTIVITIES = 4  # per organisation, closed, with check-ins and hours
PEOPLE_PER_ACTIVITY = 12
ACTIVITY_TITLES = [
    "社区敬老助餐",
    "文明交通劝导",
    "河道垃圾清理",
    "图书馆秩序维护",
    "义诊咨询",
    "垃圾分类宣传",
]


def _county_org_name(county: Region) -> str:
    return f"{county.name}志愿者协会"


def seed(*, scale: str = "small", stdout=None) -> None:
    if VolunteerOrg.objects.filter(name=CITY_ORG).exists():
        return
    city = Region.objects.filter(code="990100000000").first()
    if city is None:  # the orgs demo did not run
        return
    rng = random.Random(20261122)
    started = timezone.now()
    with transaction.atomic():
        orgs, teams = _seed_orgs(city)
        created = _seed_volunteers(rng, orgs, teams, count=VOLUNTEERS.get(scale, VOLUNTEERS["small"]))
        activities, records = _seed_activities(rng, orgs)
        _backdate(orgs, teams, since=started)
        audit_record(
            action=Action.IMPORT,
            object_type="volunteers.volunteer",
            object_repr=f"演示数据：志愿者 {created} 名",
            changes={"志愿者": [0, created]},
            region_code=city.code,
        )
    from django.apps import apps

    if apps.is_installed("wenming.vstats"):  # bulk_create sends no signals: recompute the rollups (docs/vstats.md)
        from wenming.vstats.services import rollup_rebuild

        rollup_rebuild()
    if stdout is not None:
        stdout.write(
            f"志愿服务：{len(orgs)} 个组织、{len(teams)} 支队伍、{created} 名志愿者、{activities} 场活动、{records} 条服务记录"
            f"（志愿者演示账号 {VOLUNTEER_LOGIN[0]}）"
        )


def _backdate(orgs, teams, *, since) -> None:
    """Registration dates in the past, as a live system would have them (``created_at`` is set
    to now on insert): organisations and teams two years ago, each volunteer on a day of the last
    two years (a separate seeded generator, so the demo's other draws stay as they were), each
    project four weeks before its first activity. Otherwise the statistics would show every
    volunteer as new this month while their service hours lie in earlier months."""
    from django.db.models import Min

    from wenming.volunteers.models import VolunteerProject

    now = timezone.now()
    long_ago = now - dt.timedelta(days=730)
    VolunteerOrg.objects.filter(pk__in=[o.pk for o in orgs]).update(created_at=long_ago)
    Team.objects.filter(pk__in=[t.pk for t in teams]).update(created_at=long_ago)
    dates = random.Random(20261207)
    by_month: dict[int, list[int]] = {}
    ids = Volunteer.objects.filter(created_at__gte=since).order_by("pk").values_list("pk", flat=True)
    for pk in ids:
        by_month.setdefault(dates.randrange(1, 24), []).append(pk)
    for months, pks in sorted(by_month.items()):
        when = now - dt.timedelta(days=30 * months + 2)
        Volunteer.objects.filter(pk__in=pks).update(created_at=when, consent_at=when)
    for project in VolunteerProject.objects.filter(org__in=orgs).annotate(first=Min("activities__start")):
        if project.first is not None:
            VolunteerProject.objects.filter(pk=project.pk).update(
                created_at=min(project.first, now) - dt.timedelta(days=28)
            )


def _seed_orgs(city: Region) -> tuple[list[VolunteerOrg], list[Team]]:
    offices = {
        o.region_code: o
        for o in Organisation.objects.filter(kind=OrgKind.OFFICE, region_code__startswith="99")
    }

    def org(name, region, operator):
        existing = VolunteerOrg.objects.filter(region=region, name=name).first()
        return existing or services.vorg_create(name=name, region=region, operator=operator)

    orgs = [org(CITY_ORG, city, offices.get(city.code))]
    # The city's youth volunteers are run by a bureau, not by the civilization office.
    bureau = (
        Organisation.objects.filter(name="示范市民政局").first()
        or Organisation.objects.filter(kind=OrgKind.UNIT, unit_type="organ", region_code__startswith="9901")
        .order_by("pk")
        .first()
    )
    orgs.append(org(YOUTH_ORG, city, bureau or offices.get(city.code)))
    for county in Region.objects.filter(level=Level.COUNTY, code__startswith="9901").order_by("code"):
        orgs.append(org(_county_org_name(county), county, offices.get(county.code)))
    teams = [
        services.team_create(
            org=org,
            name=f"{org.name[:-3] if org.name.endswith('志愿者协会') else ''}{name}",
            service_area=area,
        )
        for org in orgs
        for name, area in TEAMS
    ]
    from wenming.orgs import services as org_services
    from wenming.orgs.demo import DEMO_PASSWORD

    User = get_user_model()
    dongcheng = next((o for o in orgs if o.name == "东城区志愿者协会"), orgs[0])
    admin = User.objects.filter(username=ORG_ADMIN[0]).first() or org_services.user_create(
        username=ORG_ADMIN[0], display_name=ORG_ADMIN[1], password=DEMO_PASSWORD
    )
    services.vorg_admin_add(org=dongcheng, user=admin)
    return orgs, teams


def generate_people(rng: random.Random, communities: list[Region], count: int) -> list[tuple]:
    """(community, ID number, IdInfo) for ``count`` distinct people; a pure function of the rng."""
    people = []
    seen: set[str] = set()
    while len(people) < count:
        community = communities[rng.randrange(len(communities))]
        birth = dt.date(rng.randint(1955, 2006), rng.randint(1, 12), rng.randint(1, 28))
        number = make_mainland_id(community.code[:6], birth, rng.randrange(1000))
        if number in seen:
            continue
        seen.add(number)
        people.append((community, number, validate_mainland_id(number)))
    return people


def _seed_volunteers(rng: random.Random, orgs, teams, *, count: int) -> int:
    communities = list(Region.objects.filter(level=Level.VILLAGE, code__startswith="9901").order_by("code"))
    if not communities:
        return 0
    units = list(
        Organisation.objects.filter(kind=OrgKind.UNIT, region_code__startswith="9901").order_by("pk")
    )
    org_by_county = {o.region_code[:6]: o for o in orgs if o.region.level == Level.COUNTY}
    teams_by_org: dict[int, list[Team]] = {}
    for team in teams:
        teams_by_org.setdefault(team.org_id, []).append(team)
    now = timezone.now()
    people = generate_people(rng, communities, count)
    by_prefix: dict[str, list[int]] = {}
    for i, (community, _n, _info) in enumerate(people):
        by_prefix.setdefault(community.code[:6], []).append(i)
    numbers: dict[int, str] = {}
    for prefix, indexes in sorted(by_prefix.items()):
        for i, vnum in zip(indexes, services.number_allocate(prefix=prefix, count=len(indexes)), strict=True):
            numbers[i] = vnum
    rows = []
    for i, (community, id_number, info) in enumerate(people):
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        status = rng.choices(PoliticalStatus.values, weights=[25, 3, 20, 2, 50])[0]
        home_org = org_by_county.get(community.code[:6])
        employed_member = status == PoliticalStatus.CPC and units and rng.random() < 0.6
        rows.append(
            Volunteer(
                number=numbers[i],
                name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
                id_type=IdType.MAINLAND,
                id_number_enc=encrypt(id_number),
                id_hash=id_hash(IdType.MAINLAND, id_number),
                id_masked=mask_id(id_number),
                birth_date=info.birth_date,
                sex=info.sex,
                phone_enc=encrypt(phone),
                phone_hash=phone_hash(phone),
                phone_masked=mask_phone(phone),
                residence=community,
                residence_code=community.code,
                political_status=status,
                skills=rng.choice(SKILLS),
                availability=rng.choice(Availability.values),
                home_org=home_org,
                dual_report_unit=rng.choice(units) if employed_member else None,
                dual_report_community=community if employed_member else None,
                consent_at=now,
                consent_version=services.CONSENT_VERSION,
            )
        )
    Volunteer.objects.bulk_create(rows, batch_size=1000)
    saved = dict(Volunteer.objects.filter(number__in=[r.number for r in rows]).values_list("number", "pk"))
    memberships = []
    for row in rows:
        if row.home_org is None or rng.random() < 0.25:
            continue
        team = rng.choice(teams_by_org[row.home_org.pk])
        approved = rng.random() < 0.85
        memberships.append(
            TeamMembership(
                team=team,
                volunteer_id=saved[row.number],
                status=MembershipStatus.APPROVED if approved else MembershipStatus.APPLIED,
                decided_at=now if approved else None,
                note="演示数据",
            )
        )
    TeamMembership.objects.bulk_create(memberships, batch_size=1000)
    return len(rows)


def _seed_activities(rng: random.Random, orgs) -> tuple[int, int]:
    """Per organisation one project with past activities (closed: confirmed sign-ups, check-in
    and check-out, hours in the ledger) and two coming ones (sign-ups, a waitlist); 东城区 also
    gets one running now so the QR check-in can be tried, and a demo volunteer login
    (``zy_volunteer``) signed up to it. Bulk-inserted; one audit entry for the batch."""
    import secrets
    from decimal import Decimal

    from wenming.orgs.demo import DEMO_PASSWORD
    from wenming.volunteers import checkin
    from wenming.volunteers.models import (
        Activity,
        Attendance,
        PublishStatus,
        RecordSource,
        ServiceRecord,
        Signup,
        SignupStatus,
        VolunteerProject,
    )

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    members: dict[int, list[int]] = {}
    for org_id, vid in (
        Volunteer.objects.filter(home_org__in=orgs).order_by("pk").values_list("home_org_id", "pk")
    ):
        members.setdefault(org_id, []).append(vid)
    projects = VolunteerProject.objects.bulk_create(
        [
            VolunteerProject(
                org=o,
                name=f"{o.name}·{rng.choice(['邻里守望', '文明实践', '关爱行动'])}",
                service_area="综合",
            )
            for o in orgs
        ]
    )
    plan = []  # (activity, past?)
    for project, org in zip(projects, orgs, strict=True):
        if not members.get(org.pk):
            continue
        for k in range(PAST_ACTIVITIES + 2):
            past = k < PAST_ACTIVITIES
            start = (
                now - dt.timedelta(days=7 * (k + 1))
                if past
                else now + dt.timedelta(days=3 + 4 * (k - PAST_ACTIVITIES))
            )
            start = start.replace(hour=9)
            plan.append((Activity(
                project=project, org=org, title=rng.choice(ACTIVITY_TITLES), place=f"{org.region.name}新时代文明实践站",
                start=start, end=start + dt.timedelta(hours=3), capacity=PEOPLE_PER_ACTIVITY if past else 8,
                signup_deadline=start, insurance_note="组织方统一购买志愿者意外险",
                status=PublishStatus.CLOSED if past else PublishStatus.PUBLISHED, closed_at=start + dt.timedelta(hours=4) if past else None,
                checkin_key=secrets.token_hex(16),
            ), past))  # fmt: skip
        if org.name == "东城区志愿者协会":
            plan.append((Activity(
                project=project, org=org, title="周五志愿服务日（进行中）", place="东城区新时代文明实践中心",
                start=now - dt.timedelta(hours=1), end=now + dt.timedelta(hours=3), capacity=20, signup_deadline=now + dt.timedelta(hours=3),
                checkin_key=secrets.token_hex(16),
            ), False))  # fmt: skip
    activities = Activity.objects.bulk_create([a for a, _ in plan])
    signups, attendances, records = [], [], []
    for activity, (_, past) in zip(activities, plan, strict=True):
        people = members[activity.org_id]
        chosen = rng.sample(people, min(len(people), activity.capacity + (0 if past else 2)))
        for i, vid in enumerate(chosen):
            if past:
                status = SignupStatus.CONFIRMED
            else:
                status = (
                    SignupStatus.WAITLISTED
                    if i >= activity.capacity
                    else rng.choice([SignupStatus.PENDING, SignupStatus.CONFIRMED])
                )
            signups.append(
                Signup(
                    activity=activity,
                    volunteer_id=vid,
                    status=status,
                    decided_at=now if status == "confirmed" else None,
                )
            )
            if past and rng.random() < 0.9:
                t_in = activity.start + dt.timedelta(minutes=rng.randint(-20, 20))
                forgot = rng.random() < 0.1
                t_out = activity.end if forgot else activity.end + dt.timedelta(minutes=rng.randint(-70, 20))
                attendances.append((activity, vid, t_in, t_out, forgot))
    Signup.objects.bulk_create(signups, batch_size=2000)
    signup_ids = dict(
        ((a, v), pk)
        for a, v, pk in Signup.objects.filter(activity__in=activities).values_list(
            "activity_id", "volunteer_id", "pk"
        )
    )
    rows = []
    for activity, vid, t_in, t_out, forgot in attendances:
        rows.append(Attendance(activity=activity, volunteer_id=vid, signup_id=signup_ids[(activity.pk, vid)],
                               checked_in_at=t_in, checked_out_at=t_out, auto_closed=forgot))  # fmt: skip
        records.append(ServiceRecord(
            org_id=activity.org_id, activity=activity, volunteer_id=vid, date=timezone.localdate(activity.start),
            start=max(t_in, activity.start), end=min(t_out, activity.end), hours=checkin.hours_between(activity, t_in, t_out),
            content=activity.title, source=RecordSource.CHECKIN, reason="未签退，按活动结束时间封顶" if forgot else "",
        ))  # fmt: skip
    Attendance.objects.bulk_create(rows, batch_size=2000)
    # Older service before the platform, entered by hand, so some volunteers reach a star.
    for org_id, people in members.items():
        for vid in rng.sample(people, min(len(people), 5)):
            records.append(ServiceRecord(
                org_id=org_id, volunteer_id=vid, date=timezone.localdate() - dt.timedelta(days=400),
                hours=Decimal(rng.choice([60, 120, 150, 320])), content="往年志愿服务（纸质台账补录）",
                source=RecordSource.MANUAL, reason="平台上线前纸质台账补录",
            ))  # fmt: skip
    ServiceRecord.objects.bulk_create(records, batch_size=2000)
    _demo_volunteer_login(activities, plan, DEMO_PASSWORD)
    audit_record(
        action=Action.IMPORT, object_type="volunteers.servicerecord",
        object_repr=f"演示数据：活动 {len(activities)} 场、服务记录 {len(records)} 条",
        changes={"活动": [0, len(activities)], "服务记录": [0, len(records)]}, region_code="990100000000",
    )  # fmt: skip
    return len(activities), len(records)


def _demo_volunteer_login(activities, plan, password) -> None:
    """``zy_volunteer``: a login for one 东城区 volunteer, confirmed for the running activity."""
    from wenming.volunteers.models import Signup, SignupStatus

    running = next((a for a, (_, past) in zip(activities, plan, strict=True) if "进行中" in a.title), None)
    if running is None:
        return
    User = get_user_model()
    volunteer = (
        Volunteer.objects.filter(home_org_id=running.org_id, user__isnull=True)
        .exclude(signups__activity=running)
        .order_by("pk")
        .first()
    )
    if volunteer is None or User.objects.filter(username=VOLUNTEER_LOGIN[0]).exists():
        return
    from wenming.orgs import services as org_services

    user = org_services.user_create(
        username=VOLUNTEER_LOGIN[0], display_name=volunteer.name, password=password
    )
    volunteer.user = user
    volunteer.save(update_fields=["user"])
    Signup.objects.create(
        activity=running, volunteer=volunteer, status=SignupStatus.CONFIRMED, decided_at=timezone.now()
    )
