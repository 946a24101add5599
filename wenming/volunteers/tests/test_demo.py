"""The volunteer demo: valid generated IDs, deterministic, bulk-created, only once."""

from __future__ import annotations

import io
import time

import pytest

from wenming.orgs.personal import decrypt, validate_mainland_id, validate_phone
from wenming.volunteers import demo
from wenming.volunteers.models import TeamMembership, Volunteer, VolunteerOrg

pytestmark = pytest.mark.django_db


def test_it_seeds_valid_volunteers_once(world, vw):
    before = Volunteer.objects.count()
    out = io.StringIO()
    started = time.monotonic()
    demo.seed(scale="small", stdout=out)
    elapsed = time.monotonic() - started
    new = Volunteer.objects.exclude(pk__in=[vw.volunteer_a.pk, vw.applicant.pk, vw.volunteer_b.pk])
    assert new.count() == demo.VOLUNTEERS["small"] == Volunteer.objects.count() - before
    assert "志愿服务" in out.getvalue()
    for v in new:
        number = decrypt(v.id_number_enc)
        info = validate_mainland_id(number)
        assert number.startswith("9901") and info.birth_date == v.birth_date and info.sex == v.sex
        assert validate_phone(decrypt(v.phone_enc))
        assert v.number.startswith("ZY" + v.residence_code[:6])
    assert len(set(new.values_list("id_hash", flat=True))) == new.count()
    youth = VolunteerOrg.objects.get(name=demo.YOUTH_ORG)
    assert youth.operator is not None and youth.operator.kind == "unit"  # run by a bureau
    assert TeamMembership.objects.filter(note="演示数据").exists()
    assert new.filter(dual_report_unit__isnull=False).exists()
    assert elapsed < 20, elapsed
    # A second run adds nothing.
    demo.seed(scale="small", stdout=io.StringIO())
    assert Volunteer.objects.count() == before + demo.VOLUNTEERS["small"]


def test_the_generated_people_are_deterministic(world, vw):
    import random

    communities = [vw.community_a, vw.community_b]
    first = demo.generate_people(random.Random(7), communities, 200)
    second = demo.generate_people(random.Random(7), communities, 200)
    assert [(c.code, n) for c, n, _ in first] == [(c.code, n) for c, n, _ in second]
    assert len({n for _, n, _ in first}) == 200


def test_it_seeds_activities_sign_ups_and_hours(world, vw):
    from decimal import Decimal

    from django.db.models import Sum

    from wenming.volunteers import checkin, selectors
    from wenming.volunteers.models import Activity, Attendance, ServiceRecord, Signup

    demo.seed(scale="small", stdout=io.StringIO())
    closed = Activity.objects.filter(status="closed")
    assert closed.exists() and Activity.objects.filter(status="published", start__gt=closed.values("start")[:1]).exists()
    assert Signup.objects.filter(status="waitlisted").exists() and Signup.objects.filter(status="pending").exists()
    lines = ServiceRecord.objects.filter(source="checkin").select_related("activity")
    assert lines.count() == Attendance.objects.count() > 0
    for line in lines[:50]:
        att = Attendance.objects.get(activity=line.activity, volunteer=line.volunteer)
        assert line.hours == checkin.hours_between(line.activity, att.checked_in_at, att.checked_out_at)
        assert line.org_id == line.activity.org_id  # 谁组织谁记录
    assert ServiceRecord.objects.filter(source="manual").exclude(reason="").exists()
    top = ServiceRecord.objects.values("volunteer").annotate(h=Sum("hours")).order_by("-h").first()
    assert top["h"] >= Decimal(100)
    volunteer = Volunteer.objects.get(user__username=demo.VOLUNTEER_LOGIN[0])
    running = Activity.objects.get(title__contains="进行中")
    assert Signup.objects.filter(activity=running, volunteer=volunteer, status="confirmed").exists()
    assert selectors.volunteer_hours(volunteer)["total"] >= 0
