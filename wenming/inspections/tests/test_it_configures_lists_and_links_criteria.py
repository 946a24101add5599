"""Settings for the platform-wide lists (点位类型, 问题类别) and a finding linked to a framework
criterion (its code copied, its framework checked against the inspection's)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wenming.inspections import services
from wenming.inspections.models import FindingCategory, PointType
from wenming.inspections.tests.helpers import category, new_finding, point
from wenming.inspections.tests.test_it_scores_mock_assessments import _framework
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def test_admins_add_and_change_categories_and_point_types(client, world, login):
    login(world.city_admin)
    assert client.get("/inspections/settings/lists/").status_code == 200
    response = client.post(
        "/inspections/settings/lists/",
        {
            "kind": "category",
            "name": "占道经营",
            "sort_order": "9",
            "days_minor": "4",
            "days_major": "2",
            "days_severe": "1",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    added = FindingCategory.objects.get(name="占道经营")
    assert (added.days_minor, added.days_major, added.days_severe, added.is_active) == (4, 2, 1, True)
    assert services.deadline_default(category=added, severity="major", start=dt.date(2026, 3, 1)) == dt.date(
        2026, 3, 3
    )
    client.post(
        "/inspections/settings/lists/",
        {
            "kind": "category",
            "pk": added.pk,
            "name": "占道经营",
            "days_minor": "6",
            "days_major": "2",
            "days_severe": "1",
        },
    )
    added.refresh_from_db()
    assert added.days_minor == 6 and not added.is_active  # unchecked box: deactivated
    client.post("/inspections/settings/lists/", {"kind": "type", "name": "学校周边", "is_active": "on"})
    assert PointType.objects.filter(name="学校周边", is_active=True).exists()
    response = client.post("/inspections/settings/lists/", {"kind": "type", "name": "学校周边"}, follow=True)
    assert "已有名为" in response.content.decode()
    response = client.post(
        "/inspections/settings/lists/",
        {"kind": "category", "name": "x", "days_minor": "0", "days_major": "1", "days_severe": "1"},
        follow=True,
    )
    assert "1 到 365" in response.content.decode()


def test_others_may_not_change_the_lists(client, world, login):
    for user in (world.city_inspector, world.unit_a_admin):
        login(user)
        assert client.get("/inspections/settings/lists/").status_code == 403
        with as_user(user), pytest.raises(PermissionDenied):
            services.point_type_save(user=user, name="不允许")


def test_a_finding_links_to_a_framework_criterion(client, world, login):
    framework = _framework(world)
    leaf = framework.criteria.get(code="1.2")
    finding = new_finding(world, criterion=leaf)
    assert finding.criterion == leaf and finding.criterion_code == "1.2"
    login(world.city_inspector)
    assert "无卫生死角" in client.get(f"/inspections/findings/{finding.pk}/").content.decode()
    # Inside a mock inspection with a framework, the criterion must come from that framework.
    with as_user(world.city_inspector):
        inspection = services.inspection_create(
            user=world.city_inspector,
            kind="mock",
            title="测评",
            region=world.city,
            start_date=dt.date(2026, 3, 1),
            end_date=dt.date(2026, 3, 1),
        )
        services.inspection_set_framework(
            inspection=inspection, user=world.city_inspector, framework=framework
        )
    inspection.refresh_from_db()
    page = client.get(f"/inspections/findings/new/?inspection={inspection.pk}").content.decode()
    assert 'name="criterion"' in page and "1.2 无卫生死角" in page and 'name="criterion_code"' not in page
    other = _framework(world)
    with pytest.raises(ValidationError, match="不属于"):
        new_finding(world, criterion=other.criteria.get(code="1.1"), inspection=inspection)
    response = client.post(
        "/inspections/findings/new/",
        {
            "point": point(world).pk,
            "category": category().pk,
            "severity": "minor",
            "criterion": leaf.pk,
            "inspection": inspection.pk,
        },
    )
    assert response.status_code == 302
