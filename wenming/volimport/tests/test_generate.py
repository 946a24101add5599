"""The province-scale generator (seed_demo --scale province) at a tiny scale: valid, protected,
numbered volunteers and ledger lines, written through the fast path; statistics rebuilt."""

from __future__ import annotations

import io

import pytest
from django.db.models import Sum

from wenming.orgs.personal import decrypt, id_hash, validate_mainland_id
from wenming.volimport import demo
from wenming.volimport.generate import province_generate
from wenming.volunteers.models import ServiceRecord, Volunteer

pytestmark = pytest.mark.django_db


def test_small_scale_seeds_nothing(vw):
    before = Volunteer.objects.count()
    demo.seed(scale="small", stdout=io.StringIO())
    assert Volunteer.objects.count() == before


def test_province_generator_writes_valid_people_and_records(vw):
    before = Volunteer.objects.count()
    timings = province_generate(volunteers=300, records=3_000, stdout=io.StringIO())
    assert set(timings) >= {"volunteers", "records"}
    generated = Volunteer.objects.filter(consent_version="generated")
    assert generated.count() == 300 and Volunteer.objects.count() == before + 300
    for v in generated[:20]:
        number = decrypt(v.id_number_enc)
        info = validate_mainland_id(number)
        assert v.id_hash == id_hash("mainland", number) and v.birth_date == info.birth_date
        assert v.residence_code.startswith("9901") and v.number.startswith("ZY" + v.residence_code[:6])
    assert generated.values("number").distinct().count() == 300
    records = ServiceRecord.objects.filter(volunteer__consent_version="generated")
    assert records.count() == 3_000
    assert records.aggregate(s=Sum("hours"))["s"] > 0
    assert not records.exclude(org_id__in=generated.values("home_org_id")).exists()
    # A second run adds people with new ID numbers (never a clash).
    province_generate(volunteers=50, records=0, stdout=io.StringIO())
    assert Volunteer.objects.filter(consent_version="generated").count() == 350
