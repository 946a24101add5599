"""Rollups equal the direct aggregates after random writes and corrections, and a rebuild gives
exactly the incremental tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Count, Q, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wenming.volunteers.models import RecordSource, ServiceRecord, StarLadder, Volunteer
from wenming.volunteers.tests.helpers import build_vworld
from wenming.vstats import selectors, services
from wenming.vstats.models import MonthlyRollup, StarRollup, VolunteerTotal
from wenming.vstats.tests.helpers import record

MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)]


def _tables():
    monthly = {
        (r.prefix, r.month): tuple(getattr(r, f) for f in services.MONTHLY_FIELDS)
        for r in MonthlyRollup.objects.all()
        if any(getattr(r, f) for f in services.MONTHLY_FIELDS)
    }
    totals = {
        t.volunteer_id: (t.region_code, t.hours_x100, t.lines, t.level) for t in VolunteerTotal.objects.all()
    }
    stars = {(s.prefix, s.level): s.count for s in StarRollup.objects.all() if s.count}
    return monthly, totals, stars


def _direct(prefix: str, start: dt.date, end: dt.date):
    qs = ServiceRecord.objects.filter(org__region_code__startswith=prefix, date__gte=start, date__lte=end)
    agg = qs.aggregate(h=Sum("hours"), n=Count("id", filter=~Q(source=RecordSource.CORRECTION)))
    return (agg["h"] or Decimal(0)).quantize(Decimal("0.01")), agg["n"]


ops = st.lists(
    st.tuples(
        st.sampled_from(["a", "b"]),  # organisation
        st.integers(0, 2),  # volunteer
        st.integers(0, 11),  # month
        st.decimals(min_value=0, max_value=400, places=2, allow_nan=False, allow_infinity=False),
        st.booleans(),  # then correct it
        st.decimals(min_value=-50, max_value=50, places=2, allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=ops)
def test_rollups_match_direct_sums_and_rebuild(world, ops):
    vw = build_vworld(world)
    StarLadder.objects.get_or_create(
        region=world.county_b, defaults={"region_code": world.county_b.code, "thresholds": "10,20,30,40,50"}
    )
    vols = [vw.volunteer_a, vw.applicant, vw.volunteer_b]
    orgs = {"a": vw.vorg_a, "b": vw.vorg_b}
    for org_key, v, m, hours, correct, delta in ops:
        line = record(orgs[org_key], vols[v], date=MONTHS[m].replace(day=1 + m), hours=hours)
        if correct and hours + delta >= 0:
            record(
                orgs[org_key],
                vols[v],
                date=line.date,
                hours=delta,
                source=RecordSource.CORRECTION,
                corrects=line,
            )

    for prefix in ("99", "9901", "990102", "990103"):
        for start, end in ((MONTHS[0], dt.date(2025, 12, 31)), (MONTHS[3], dt.date(2025, 6, 30))):
            figures = selectors.region_figures(prefix=prefix, start=start, end=end)
            hours, person_times = _direct(prefix, start, end)
            assert figures["hours"] == hours
            assert figures["participations"] == person_times
    # Per-volunteer totals and stars follow the ledger and the ladder of the residence.
    from wenming.volunteers.selectors import star_ladder_for, star_level

    for vol in Volunteer.objects.filter(pk__in=[v.pk for v in vols]):
        total = ServiceRecord.objects.filter(volunteer=vol).aggregate(s=Sum("hours"))["s"]
        row = VolunteerTotal.objects.filter(pk=vol.pk).first()
        if total is None:
            assert row is None
            continue
        assert Decimal(row.hours_x100) / 100 == total
        assert row.level == star_level(total, star_ladder_for(vol))

    incremental = _tables()
    services.rollup_rebuild()
    assert _tables() == incremental


@pytest.mark.django_db
def test_counts_of_volunteers_orgs_teams_projects_activities(world):
    from wenming.vstats.tests.helpers import project_and_activity

    vw = build_vworld(world)
    services.rollup_rebuild()
    today = dt.date.today()
    start, end = today.replace(month=1, day=1), today.replace(month=12, day=31)
    before = selectors.region_figures(prefix="990102", start=start, end=end)
    when = dt.datetime.combine(today, dt.time(9), tzinfo=dt.UTC)
    project_and_activity(vw.vorg_a, start=when)
    after = selectors.region_figures(prefix="990102", start=start, end=end)
    assert after["projects_total"] == before["projects_total"] + 1
    assert after["activities"] == before["activities"] + 1
    # 东城区: its org, its team, volunteer_a (lives there), the applicant (no residence, no org → not counted)
    assert after["orgs_total"] == 1
    assert after["teams_total"] == 1
    assert after["volunteers_total"] == Volunteer.objects.filter(residence_code__startswith="990102").count()
    incremental = _tables()
    services.rollup_rebuild()
    assert _tables() == incremental


@pytest.mark.django_db
def test_adding_a_raw_import_batch_equals_a_rebuild(world):
    """Rows inserted without signals (bulk_create, like COPY), then rollup_add_import."""
    from wenming.orgs.personal import IdType

    vw = build_vworld(world)
    record(
        vw.vorg_a, vw.volunteer_a, date=dt.date(2025, 2, 3), hours="120.00"
    )  # through the ORM: incremental
    base = Volunteer.objects.order_by("-id").first().pk
    Volunteer.objects.bulk_create(
        Volunteer(
            number=f"ZYTEST{i:05d}", name=f"导入{i}", id_type=IdType.MAINLAND, id_number_enc="x", id_hash=f"imp{i}",
            id_masked="9901**********0000", residence=vw.community_a if i % 2 else None,
            residence_code=vw.community_a.code if i % 2 else "", home_org=None if i % 2 else vw.vorg_b,
        )
        for i in range(6)
    )  # fmt: skip
    new = list(Volunteer.objects.filter(pk__gt=base).order_by("pk"))
    assert len(new) == 6
    ServiceRecord.objects.bulk_create(
        ServiceRecord(
            org=[vw.vorg_a, vw.vorg_b][i % 2], volunteer=(new + [vw.volunteer_a])[i % 7], date=MONTHS[i % 12],
            hours=Decimal(str(40 + i * 7.25)), source=RecordSource.IMPORT, import_batch=77,
        )
        for i in range(30)
    )  # fmt: skip
    services.rollup_add_import(import_batch=77, volunteer_ids=(new[0].pk, new[-1].pk))
    added = _tables()
    services.rollup_rebuild()
    assert _tables() == added


@pytest.mark.django_db
def test_fractional_thresholds_are_not_truncated(world):
    """A ladder of 10.5 h: 10.40 h stays below one star, in the incremental rollup and after a
    rebuild (the SQL CASE once truncated 10.5 to 10)."""
    vw = build_vworld(world)
    StarLadder.objects.create(region=world.county_b, region_code=world.county_b.code, thresholds="10.5,20.25")
    record(vw.vorg_b, vw.volunteer_b, date=dt.date(2025, 3, 1), hours="10.40")
    assert VolunteerTotal.objects.get(pk=vw.volunteer_b.pk).level == 0
    services.rollup_rebuild()
    assert VolunteerTotal.objects.get(pk=vw.volunteer_b.pk).level == 0
    record(vw.vorg_b, vw.volunteer_b, date=dt.date(2025, 3, 2), hours="0.10")  # 10.50: one star
    services.rollup_rebuild()
    assert VolunteerTotal.objects.get(pk=vw.volunteer_b.pk).level == 1
