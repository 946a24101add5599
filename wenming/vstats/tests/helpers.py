"""Service records for statistics tests, written through the ORM (so the rollup receivers run)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from wenming.volunteers.models import (
    Activity,
    PublishStatus,
    RecordSource,
    ServiceRecord,
    VolunteerProject,
)


def project_and_activity(org, *, start: dt.datetime, title: str = "助老服务") -> Activity:
    project = VolunteerProject.objects.create(org=org, name=f"{title}项目", status=PublishStatus.DRAFT)
    return Activity.objects.create(
        project=project,
        org=org,
        title=title,
        place="社区活动室",
        start=start,
        end=start + dt.timedelta(hours=3),
        capacity=20,
        signup_deadline=start,
        checkin_key="k",
        status=PublishStatus.DRAFT,
    )


def record(
    org,
    volunteer,
    *,
    date: dt.date,
    hours,
    content: str = "助老服务",
    activity=None,
    source=RecordSource.MANUAL,
    corrects=None,
) -> ServiceRecord:
    return ServiceRecord.objects.create(
        org=org,
        volunteer=volunteer,
        activity=activity,
        date=date,
        hours=Decimal(str(hours)),
        content=content,
        source=source,
        reason="测试" if source != RecordSource.CHECKIN else "",
        corrects=corrects,
    )
