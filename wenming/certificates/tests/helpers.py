"""Hours recorded by two organisations for volunteer_a, and an issued certificate."""

from __future__ import annotations

import datetime as dt

from wenming.audit.context import SYSTEM, acting_as
from wenming.certificates import services
from wenming.certificates.models import Certificate
from wenming.volunteers.tests.helpers import build_vworld
from wenming.vstats.tests.helpers import project_and_activity, record

VERIFY_URL = "http://testserver/certificates/verify/"
PERIOD = (dt.date(2025, 1, 1), dt.date(2025, 6, 30))


def hours_world(w):
    """volunteer_a: 3 + 2.5 h (and a −0.5 h correction) by vorg_a inside the period, 4 h by vorg_a
    after it, 7 h by vorg_b inside it (must never appear on vorg_a's certificate)."""
    vw = build_vworld(w)
    if not vw.volunteer_a.service_records.filter(content="社区垃圾分类宣传").exists():
        with acting_as(SYSTEM):
            activity = project_and_activity(
                vw.vorg_a, start=dt.datetime(2025, 3, 8, 9, tzinfo=dt.UTC), title="敬老院助老服务"
            )
            first = record(
                vw.vorg_a,
                vw.volunteer_a,
                date=dt.date(2025, 3, 8),
                hours="3.00",
                activity=activity,
                source="checkin",
            )
            record(
                vw.vorg_a, vw.volunteer_a, date=dt.date(2025, 5, 2), hours="2.50", content="社区垃圾分类宣传"
            )
            record(
                vw.vorg_a,
                vw.volunteer_a,
                date=dt.date(2025, 3, 8),
                hours="-0.50",
                source="correction",
                corrects=first,
            )
            record(vw.vorg_a, vw.volunteer_a, date=dt.date(2025, 8, 1), hours="4.00", content="期间外的服务")
            record(
                vw.vorg_b, vw.volunteer_a, date=dt.date(2025, 4, 1), hours="7.00", content="西湖区环保活动"
            )
    return vw


def issued(w) -> Certificate:
    vw = hours_world(w)
    cert = Certificate.objects.filter(volunteer=vw.volunteer_a, org=vw.vorg_a).first()
    if cert is None:
        with acting_as(SYSTEM):
            cert = services.certificate_issue(
                org=vw.vorg_a, volunteer=vw.volunteer_a, period_start=PERIOD[0], period_end=PERIOD[1],
                head="王会长", handler="李经办", contact="0571-88886666", user=vw.vorg_admin, verify_url=VERIFY_URL,
                today=dt.date(2025, 7, 15),
            )  # fmt: skip
    return cert
