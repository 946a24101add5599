from __future__ import annotations

import pytest

from wenming.audit.context import SYSTEM, acting_as


@pytest.mark.django_db
def test_demo_issues_certificates_that_verify(world):
    from wenming.certificates import demo, services
    from wenming.certificates.models import Certificate
    from wenming.certificates.tests.helpers import hours_world
    from wenming.vstats import demo as vstats_demo
    from wenming.vstats.models import MonthlyRollup

    vw = hours_world(world)  # 东城区志愿者协会 recorded hours for volunteer_a
    MonthlyRollup.objects.all().delete()
    with acting_as(SYSTEM):
        vstats_demo.seed(scale="small")
        demo.seed(scale="small")
        demo.seed(scale="small")  # idempotent
    certs = list(Certificate.objects.all())
    assert [c.volunteer for c in certs] == [vw.volunteer_a]
    assert services.verify(serial=certs[0].serial, digest=certs[0].content_hash)["matches"]
    assert MonthlyRollup.objects.filter(prefix="", participations__gt=0).exists()
