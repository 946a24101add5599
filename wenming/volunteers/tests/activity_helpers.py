"""Activities and hours beside the volunteer world (helpers.build_vworld), through the services,
get-or-create so the URL walk's samples and the tests share them:

- project_a (vorg_a) with activity_a: started an hour ago, ends in two hours (check-in open),
  capacity 5; volunteer_a signed up and confirmed, applicant pending;
- record_a: a manual line of 3 h for volunteer_a by vorg_a, with a pending correction request;
- project_b / activity_b of vorg_b (西湖区), outside county A.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from wenming.audit.context import SYSTEM, acting_as
from wenming.volunteers import ledger
from wenming.volunteers.models import (
    Activity,
    CorrectionRequest,
    ServiceRecord,
    Signup,
    SignupStatus,
    VolunteerProject,
)
from wenming.volunteers.tests.helpers import VWorld, build_vworld


@dataclass
class AWorld:
    vw: VWorld
    project_a: VolunteerProject
    activity_a: Activity
    signup_a: Signup
    pending: Signup
    record_a: ServiceRecord
    correction: CorrectionRequest
    project_b: VolunteerProject
    activity_b: Activity


def make_activity(project, *, start, hours=3, capacity=5, title="活动", needs_confirmation=True, user=None):
    return ledger.activity_create(
        project=project, title=title, place="幸福社区活动室", start=start, end=start + dt.timedelta(hours=hours),
        capacity=capacity, signup_deadline=start + dt.timedelta(hours=hours), needs_confirmation=needs_confirmation,
        user=user,
    )  # fmt: skip


def build_aworld(w) -> AWorld:
    vw = build_vworld(w)
    if not VolunteerProject.objects.filter(name="幸福社区助老服务").exists():
        now = timezone.now()
        with acting_as(SYSTEM):
            project_a = ledger.project_create(
                org=vw.vorg_a, name="幸福社区助老服务", service_area="助老", user=vw.vorg_admin
            )
            activity_a = make_activity(project_a, start=now - dt.timedelta(hours=1), title="重阳节敬老活动")
            signup = ledger.signup_create(
                volunteer=vw.volunteer_a, activity=activity_a, now=now - dt.timedelta(hours=2)
            )
            ledger.signup_decide(signup=signup, approve=True, user=vw.vorg_admin)
            ledger.signup_create(volunteer=vw.applicant, activity=activity_a, now=now - dt.timedelta(hours=2))
            record = ledger.record_manual(
                org=vw.vorg_a, volunteer=vw.volunteer_a, date=timezone.localdate() - dt.timedelta(days=3),
                hours=Decimal("3"), reason="纸质签到补录", content="社区清扫", user=vw.vorg_admin,
            )  # fmt: skip
            ledger.correction_request(
                volunteer=vw.volunteer_a, record=record, requested_hours="4", reason="实际服务 4 小时"
            )
            project_b = ledger.project_create(org=vw.vorg_b, name="西湖环保行动", user=None)
            make_activity(project_b, start=now + dt.timedelta(days=2), title="西湖捡拾垃圾")
    return AWorld(
        vw=vw,
        project_a=VolunteerProject.objects.get(name="幸福社区助老服务"),
        activity_a=Activity.objects.get(title="重阳节敬老活动"),
        signup_a=Signup.objects.get(
            activity__title="重阳节敬老活动", volunteer=vw.volunteer_a, status=SignupStatus.CONFIRMED
        ),
        pending=Signup.objects.filter(activity__title="重阳节敬老活动", volunteer=vw.applicant).first(),
        record_a=ServiceRecord.objects.filter(volunteer=vw.volunteer_a, reason="纸质签到补录").first(),
        correction=CorrectionRequest.objects.filter(volunteer=vw.volunteer_a).first(),
        project_b=VolunteerProject.objects.get(name="西湖环保行动"),
        activity_b=Activity.objects.get(title="西湖捡拾垃圾"),
    )
