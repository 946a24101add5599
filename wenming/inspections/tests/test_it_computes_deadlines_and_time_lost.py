"""Deadlines default from category and severity; reassignment shows the time the wrong unit held it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from wenming.inspections import selectors, services
from wenming.inspections.models import Finding, Status
from wenming.inspections.tests.helpers import category, new_finding, take

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("severity,days", [("minor", 15), ("major", 10), ("severe", 5)])
def test_deadline_from_category_and_severity(world, severity, days):
    cat = category("路面破损")
    cat.days_minor, cat.days_major, cat.days_severe = 15, 10, 5
    cat.save()
    finding = new_finding(world, category=cat, severity=severity)
    assert finding.deadline == services.local_today() + dt.timedelta(days=days)
    assert services.deadline_default(category=cat, severity=severity, start=dt.date(2026, 2, 25)) == dt.date(
        2026, 2, 25
    ) + dt.timedelta(days=days)


def test_an_explicit_deadline_in_the_past_is_refused(world):
    with pytest.raises(ValidationError, match="不能早于今天"):
        new_finding(world, deadline=services.local_today() - dt.timedelta(days=1))


def test_seeded_lists_are_present():
    from wenming.inspections.models import FindingCategory, PointType

    names = set(FindingCategory.objects.values_list("name", flat=True))
    assert {"牛皮癣", "蜘蛛网", "乱停乱放", "路面破损", "卫生死角", "公益广告缺失"} <= names
    assert {"政务大厅", "公交站点", "背街小巷", "小区"} <= set(
        PointType.objects.values_list("name", flat=True)
    )


def test_reassignment_records_the_time_lost_and_gives_the_new_unit_full_time(world):
    finding = new_finding(world, status=Status.RECTIFYING)
    three_days_ago = timezone.now() - dt.timedelta(days=3)
    Finding.objects.filter(pk=finding.pk).update(assigned_at=three_days_ago)
    moved = take(world, finding, "reassign", new_unit=world.unit_b, reason="该路段由西湖区医院包保")

    assert moved.status == Status.OPEN and moved.responsible_unit_id == world.unit_b.pk
    event = moved.events.order_by("-id").first()
    assert (event.from_unit_id, event.to_unit_id) == (world.unit_a.pk, world.unit_b.pk)
    assert dt.timedelta(days=3) <= event.time_lost < dt.timedelta(days=3, minutes=1)
    assert moved.time_lost == event.time_lost
    assert moved.deadline == services.deadline_default(category=moved.category, severity=moved.severity)
    # A second wrong assignment adds to the time lost.
    Finding.objects.filter(pk=finding.pk).update(assigned_at=timezone.now() - dt.timedelta(days=1))
    back = take(world, moved, "reassign", new_unit=world.unit_a, reason="核实后仍由执法局负责")
    assert dt.timedelta(days=4) <= back.time_lost < dt.timedelta(days=4, minutes=1)


def test_reassignment_refuses_the_same_unit_and_units_outside_the_office(world):
    finding = new_finding(world)
    with pytest.raises(ValidationError, match="相同"):
        take(world, finding, "reassign", new_unit=world.unit_a)
    with pytest.raises(PermissionDenied, match="辖区"):
        take(world, finding, "reassign", user=world.county_a_admin, new_unit=world.unit_b)
    with pytest.raises(ValidationError, match="创建单位"):
        take(world, finding, "reassign", new_unit=world.county_a_office)


def test_overdue_means_deadline_passed_and_not_closed(world):
    today = services.local_today()
    late = new_finding(world, status=Status.RECTIFYING)
    late_closed = new_finding(world, status=Status.CLOSED)
    on_time = new_finding(world)
    Finding.objects.filter(pk__in=[late.pk, late_closed.pk]).update(deadline=today - dt.timedelta(days=2))
    found = set(
        selectors.finding_list(user=world.city_inspector, today=today, overdue=True).values_list(
            "pk", flat=True
        )
    )
    assert late.pk in found and late_closed.pk not in found and on_time.pk not in found


def test_units_are_reminded_before_the_deadline(client, world):
    from conftest import login_client

    today = services.local_today()
    soon = new_finding(world, status=Status.RECTIFYING)
    later = new_finding(world)
    late = new_finding(world)
    done = new_finding(world, status=Status.CLOSED)
    Finding.objects.filter(pk__in=[soon.pk, done.pk]).update(
        deadline=today + dt.timedelta(days=selectors.REMIND_DAYS)
    )
    Finding.objects.filter(pk=later.pk).update(deadline=today + dt.timedelta(days=selectors.REMIND_DAYS + 1))
    Finding.objects.filter(pk=late.pk).update(deadline=today - dt.timedelta(days=1))
    counts = selectors.attention_counts(user=world.unit_a_admin, today=today, unit_ids=(world.unit_a.pk,))
    assert counts["due_soon"] == 1

    login_client(client, world.unit_a_admin)
    home = client.get("/").content.decode()
    assert f"{selectors.REMIND_DAYS} 天内到期的问题" in home and "?todo=unit_all&amp;due_soon=1" in home
    body = client.get("/inspections/findings/?todo=unit_all&due_soon=1").content.decode()
    shown = {
        pk for pk in (soon.pk, later.pk, late.pk, done.pk) if f'href="/inspections/findings/{pk}/"' in body
    }
    assert shown == {soon.pk}
