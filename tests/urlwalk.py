"""Sample objects for the URL walk: for every URL keyword, an object *inside* county A.

Every URL pattern of the project is walked (tests/test_url_walk.py). A pattern whose keyword is
not registered here fails the walk, so a new view cannot skip it: add a sample below.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.world import World

SAMPLES: dict[str, Callable[[World], object]] = {}


def sample(name: str):
    def register(func):
        SAMPLES[name] = func
        return func

    return register


@sample("org_id")
def _org(w: World):
    return w.unit_a.pk


@sample("user_id")
def _user(w: World):
    return w.unit_a_admin.pk


@sample("department_id")
def _department(w: World):
    return w.dept_a.pk


@sample("membership_id")
def _membership(w: World):
    return w.unit_a_admin.memberships.get().pk


@sample("region_id")
def _region(w: World):
    return w.county_a.pk


@sample("file_id")
def _file(w: World):
    from wenming.files.tests.helpers import make_stored_file

    return make_stored_file(owner=w.unit_a_admin, organisation=w.unit_a).pk


@sample("job_id")
def _job(w: World):
    from wenming.jobs.models import Job

    return Job.objects.create(kind="test", title="测试任务", organisation=w.unit_a, region_code=w.unit_a.region_code, created_by=w.unit_a_admin).pk


@sample("entry_id")
def _entry(w: World):
    from wenming.audit.models import AuditEntry

    return AuditEntry.objects.filter(org_id=w.unit_a.pk).order_by("seq").first().pk


@sample("schedule_name")
def _schedule_name(w: World):
    return "audit.verify"  # 定时任务 are system-wide: platform admins only, 404 for everyone else


@sample("token_id")
def _token(w: World):
    from wenming.api.models import ApiToken
    from wenming.api.services import token_create

    existing = ApiToken.objects.filter(user=w.unit_a_admin, revoked_at__isnull=True).first()
    return (existing or token_create(user=w.unit_a_admin, name="URL 巡检样本")[0]).pk


def _inspection_point(w: World):
    from wenming.inspections.models import InspectionPoint, PointType

    point = InspectionPoint.objects.filter(responsible_unit=w.unit_a, name="URL 巡检点位").first()
    if point is None:
        point_type = PointType.objects.get_or_create(name="主次干道")[0]
        point = InspectionPoint.objects.create(
            name="URL 巡检点位", point_type=point_type, region=w.county_a, region_code=w.county_a.code, responsible_unit=w.unit_a
        )
    return point


@sample("point_id")
def _point(w: World):
    return _inspection_point(w).pk


@sample("finding_id")
def _finding(w: World):
    from wenming.audit.context import SYSTEM, acting_as
    from wenming.inspections.models import Finding, FindingCategory
    from wenming.inspections.services import finding_create

    existing = Finding.objects.filter(point__name="URL 巡检点位", responsible_unit=w.unit_a).first()
    if existing is not None:
        return existing.pk
    category = FindingCategory.objects.get_or_create(name="牛皮癣")[0]
    with acting_as(SYSTEM):
        return finding_create(user=w.city_inspector, category=category, severity="minor", point=_inspection_point(w)).pk


@sample("volunteer_id")
def _volunteer(w: World):
    from wenming.volunteers.tests.helpers import build_vworld

    return build_vworld(w).volunteer_a.pk


@sample("vorg_id")
def _vorg(w: World):
    from wenming.volunteers.tests.helpers import build_vworld

    return build_vworld(w).vorg_a.pk


@sample("team_id")
def _team(w: World):
    from wenming.volunteers.tests.helpers import build_vworld

    return build_vworld(w).team_a.pk


@sample("application_id")
def _application(w: World):
    from wenming.volunteers.tests.helpers import build_vworld

    return build_vworld(w).application.pk


@sample("batch_id")
def _import_batch(w: World):
    from wenming.volimport.tests.helpers import sample_batch

    return sample_batch(w).pk


@sample("project_id")
def _vproject(w: World):
    from wenming.volunteers.tests.activity_helpers import build_aworld

    return build_aworld(w).project_a.pk


@sample("activity_id")
def _vactivity(w: World):
    from wenming.volunteers.tests.activity_helpers import build_aworld

    return build_aworld(w).activity_a.pk


@sample("signup_id")
def _vsignup(w: World):
    from wenming.volunteers.tests.activity_helpers import build_aworld

    return build_aworld(w).pending.pk


@sample("scan_token")
def _vscan_token(w: World):
    from django.utils import timezone

    from wenming.volunteers.checkin import current_token
    from wenming.volunteers.tests.activity_helpers import build_aworld

    return current_token(build_aworld(w).activity_a, timezone.now())


@sample("correction_id")
def _vcorrection(w: World):
    from wenming.volunteers.tests.activity_helpers import build_aworld

    return build_aworld(w).correction.pk


def _county_a_framework(w: World):
    """A published framework of 东城区文明办 with one criterion: county A sees it, 西湖区 does not."""
    from wenming.frameworks.models import Framework
    from wenming.frameworks.services import Spec, framework_create, framework_publish
    from wenming.frameworks.tree import Node

    existing = Framework.objects.filter(owner=w.county_a_office, title="URL 巡检测评体系").first()
    if existing:
        return existing
    spec = Spec(meta={"kind": "unit", "title": "URL 巡检测评体系", "total_score": None}, nodes=[Node(code="1", title="组织领导")])
    return framework_publish(framework=framework_create(owner=w.county_a_office, spec=spec))


@sample("framework_id")
def _framework(w: World):
    return _county_a_framework(w).pk


@sample("criterion_id")
def _criterion(w: World):
    return _county_a_framework(w).criteria.get(code="1").pk


@sample("inspection_id")
def _inspection(w: World):
    import datetime as dt

    from wenming.inspections.models import Inspection, InspectionKind

    existing = Inspection.objects.filter(title="URL 巡检督查", office=w.county_a_office).first()
    if existing is not None:
        return existing.pk
    return Inspection.objects.create(
        office=w.county_a_office, kind=InspectionKind.DAILY, title="URL 巡检督查", region=w.county_a,
        region_code=w.county_a.code, start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 3, 2),
    ).pk


@sample("letter_id")
def _letter(w: World):
    import datetime as dt

    from wenming.audit.context import SYSTEM, acting_as
    from wenming.inspections.models import Finding, SupervisionLetter
    from wenming.inspections.services import letter_issue

    existing = SupervisionLetter.objects.filter(unit=w.unit_a).first()
    if existing is not None:
        return existing.pk
    Finding.objects.filter(pk=SAMPLES["finding_id"](w)).update(deadline=dt.date.today() - dt.timedelta(days=10))
    with acting_as(SYSTEM):
        return letter_issue(user=w.city_inspector, unit=w.unit_a).pk


@sample("bulletin_id")
def _bulletin(w: World):
    from wenming.audit.context import SYSTEM, acting_as
    from wenming.inspections.models import Bulletin
    from wenming.inspections.services import bulletin_issue, local_today

    existing = Bulletin.objects.filter(office=w.county_a_office).first()
    if existing is not None:
        return existing.pk
    with acting_as(SYSTEM):
        return bulletin_issue(user=w.county_a_admin, start=local_today().replace(day=1), end=local_today()).pk


@sample("ranking_id")
def _ranking(w: World):
    from wenming.audit.context import SYSTEM, acting_as
    from wenming.inspections.models import Ranking
    from wenming.inspections.services import local_today, ranking_compute

    existing = Ranking.objects.filter(office=w.county_a_office).first()
    if existing is not None:
        return existing.pk
    with acting_as(SYSTEM):
        return ranking_compute(user=w.county_a_admin, start=local_today().replace(day=1), end=local_today()).pk


@sample("draft_id")
def _bulletin_draft(w: World):
    from wenming.inspections.models import BulletinDraft
    from wenming.inspections.services import local_today

    start = local_today().replace(day=1)
    return BulletinDraft.objects.get_or_create(
        office=w.county_a_office, period_start=start, period_end=start,
        defaults={"region_code": w.county_a_office.region_code, "figures": {}},
    )[0].pk


def _public_report(w: World):
    """A 随手拍 reported in 东城区 (county A's office triages it)."""
    from wenming.audit.context import SYSTEM, acting_as
    from wenming.files.tests.samples import jpeg_bytes, upload
    from wenming.inspections.models import PublicReport
    from wenming.inspections.services import report_submit

    existing = PublicReport.objects.filter(office=w.county_a_office).first()
    if existing is not None:
        return existing
    with acting_as(SYSTEM):
        return report_submit(
            office=w.county_a_office, location_text="URL 巡检地点", description="URL 巡检随手拍",
            photos=[upload(jpeg_bytes(), name="现场.jpg")],
        )


@sample("report_id")
def _report(w: World):
    return _public_report(w).pk


@sample("receipt")
def _receipt(w: World):
    return _public_report(w).receipt


def _campaign_a(w: World):
    """A campaign of unit A on its own published framework of 东城区文明办 (frozen when opened)."""
    import datetime as dt

    from wenming.audit.context import SYSTEM, acting_as
    from wenming.campaigns.models import Campaign
    from wenming.campaigns.services import campaign_open
    from wenming.frameworks.services import Spec, framework_create, framework_publish
    from wenming.frameworks.tree import Node

    existing = Campaign.objects.filter(unit=w.unit_a, title="URL 巡检创建活动").first()
    if existing:
        return existing
    with acting_as(SYSTEM):
        spec = Spec(
            meta={"kind": "unit", "title": "URL 巡检创建测评体系", "total_score": None},
            nodes=[Node(code="1", title="组织领导"), Node(code="1.1", parent_code="1", title="领导小组")],
        )
        framework = framework_publish(framework=framework_create(owner=w.county_a_office, spec=spec))
        today = dt.date.today()
        return campaign_open(
            unit=w.unit_a, framework=framework, title="URL 巡检创建活动", target_kind="unit", level="city",
            exemplar=False, start_date=today - dt.timedelta(days=30), acceptance_date=today + dt.timedelta(days=120),
        )


@sample("campaign_id")
def _campaign(w: World):
    return _campaign_a(w).pk


@sample("task_id")
def _task(w: World):
    return _campaign_a(w).tasks.order_by("pk").first().pk


@sample("evidence_id")
def _evidence(w: World):
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from wenming.audit.context import SYSTEM, acting_as
    from wenming.campaigns.evidence import evidence_upload
    from wenming.campaigns.models import Evidence

    campaign = _campaign_a(w)
    existing = Evidence.objects.filter(campaign=campaign).first()
    if existing:
        return existing.pk
    with acting_as(SYSTEM):
        (ev,) = evidence_upload(
            task=campaign.tasks.order_by("pk").first(), uploads=[SimpleUploadedFile("纪要.txt", b"URL walk\n")],
            title="URL 巡检材料", refers_to=dt.date(2026, 1, 5), kind="situation", user=w.unit_a_admin,
        )
    return ev.pk


@sample("binder_id")
def _binder(w: World):
    from wenming.audit.context import SYSTEM, acting_as
    from wenming.campaigns.binder import binder_start
    from wenming.campaigns.models import Binder

    campaign = _campaign_a(w)
    existing = Binder.objects.filter(campaign=campaign).first()
    if existing:
        return existing.pk
    with acting_as(SYSTEM):
        return binder_start(campaign=campaign, user=w.unit_a_admin, sync=True).pk


@sample("round_id")
def _round(w: World):
    """A 自评 of unit A's campaign (in progress)."""
    from wenming.assessments.models import Round
    from wenming.assessments.services import round_create
    from wenming.audit.context import SYSTEM, acting_as

    campaign = _campaign_a(w)
    existing = Round.objects.filter(campaign=campaign).first()
    if existing:
        return existing.pk
    with acting_as(SYSTEM):
        return round_create(campaign=campaign, kind="self", user=w.unit_a_admin).pk


@sample("certificate_id")
def _certificate(w: World):
    """A 志愿服务证明 issued by 东城区志愿者协会 to volunteer_a."""
    from wenming.certificates.tests.helpers import issued

    return issued(w).pk


@sample("cert_request_id")
def _certificate_request(w: World):
    """volunteer_a's open request to 东城区志愿者协会."""
    from wenming.certificates.models import CertificateRequest
    from wenming.certificates.tests.helpers import PERIOD, hours_world

    vw = hours_world(w)
    req = CertificateRequest.objects.filter(volunteer=vw.volunteer_a, org=vw.vorg_a, status="requested").first()
    if req is None:
        req = CertificateRequest.objects.create(volunteer=vw.volunteer_a, org=vw.vorg_a, period_start=PERIOD[0], period_end=PERIOD[1])
    return req.pk
