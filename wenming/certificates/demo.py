"""Demo certificates: for the demo volunteer login (if any) and the volunteers with the most hours
recorded by 东城区志愿者协会 — two valid certificates, one revoked, one open request."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone

from wenming.certificates import services
from wenming.certificates.models import Certificate, CertificateRequest
from wenming.volunteers.models import ServiceRecord, VolunteerOrg

ORG = "东城区志愿者协会"
# The QR codes of demo certificates point at the address `make run` serves.
VERIFY_URL = "http://127.0.0.1:8000/certificates/verify/"


def _name(user) -> str:
    profile = getattr(user, "profile", None) if user is not None else None
    return getattr(profile, "display_name", "") or (user.get_username() if user is not None else "经办人")


def seed(*, scale: str = "small", stdout=None) -> None:
    org = VolunteerOrg.objects.filter(name=ORG).first()
    if org is None or Certificate.objects.filter(org=org).exists():
        return
    admin = get_user_model().objects.filter(volunteer_org_roles__org=org).first()
    today = timezone.localdate()
    start = today - dt.timedelta(days=3 * 365)
    top = list(
        ServiceRecord.objects.filter(org=org, date__gte=start, date__lte=today)
        .values("volunteer_id")
        .annotate(h=Sum("hours"))
        .filter(h__gt=0)
        .order_by("-h")[:4]
    )
    demo_login = get_user_model().objects.filter(username="zy_volunteer").first()
    ids = [r["volunteer_id"] for r in top]
    if demo_login is not None and hasattr(demo_login, "volunteer") and demo_login.volunteer.pk in ids:
        ids.remove(demo_login.volunteer.pk)
        ids.insert(0, demo_login.volunteer.pk)
    from wenming.volunteers.models import Volunteer

    people = Volunteer.objects.in_bulk(ids)
    issued = []
    for vid in ids[:3]:
        issued.append(
            services.certificate_issue(
                org=org,
                volunteer=people[vid],
                period_start=start,
                period_end=today,
                head="陈会长",
                handler=_name(admin),
                contact=org.contact_phone or "0571-12345678",
                user=admin,
                verify_url=VERIFY_URL,
            )  # fmt: skip
        )
    if len(issued) == 3:
        services.certificate_revoke(certificate=issued[2], reason="演示：服务时长补录后重新出具", user=admin)
    if len(ids) > 3:
        CertificateRequest.objects.create(
            volunteer=people[ids[3]], org=org, period_start=start, period_end=today, purpose="演示：升学材料"
        )
    if stdout is not None:
        stdout.write(f"志愿服务证明：{len(issued)} 份（其中 1 份已撤销）、1 份待开具的申请")
