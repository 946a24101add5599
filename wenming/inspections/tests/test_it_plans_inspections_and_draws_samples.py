"""督查活动: planning, and random samples that anyone can reproduce from the stored seed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import login_client
from wenming.inspections import services
from wenming.inspections.models import Finding, Inspection, InspectionPoint, PointType
from wenming.inspections.tests.helpers import category, new_finding, point
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def grow_points(world, n: int, type_name: str = "公交站点") -> list[InspectionPoint]:
    point_type = PointType.objects.get_or_create(name=type_name)[0]
    with as_user(world.platform):
        return [
            services.point_create(
                name=f"{type_name}{i:03d}",
                point_type=point_type,
                region=world.county_a,
                responsible_unit=world.unit_a,
            )
            for i in range(n)
        ]


def plan(world, user=None, **kw) -> Inspection:
    user = user or world.city_inspector
    today = services.local_today()
    with as_user(user):
        return services.inspection_create(
            user=user,
            kind=kw.pop("kind", "random"),
            title=kw.pop("title", "东城区公交站点随机抽查"),
            region=kw.pop("region", world.county_a),
            start_date=today,
            end_date=today + dt.timedelta(days=2),
            **kw,
        )


def test_sample_is_a_pure_function_of_pool_size_and_seed():
    pool = list(range(1, 201))
    first = services.sample_points(pool=pool, size=10, seed=20260301)
    assert services.sample_points(pool=list(reversed(pool)), size=10, seed=20260301) == first
    assert len(set(first)) == 10 and set(first) <= set(pool)
    assert services.sample_points(pool=pool, size=10, seed=20260302) != first
    assert sorted(services.sample_points(pool=pool[:5], size=10, seed=1)) == pool[:5]  # size above the pool


def test_a_draw_stores_its_seed_and_can_be_redone(world):
    stops = grow_points(world, 30)
    grow_points(world, 5, type_name="公园")
    bus = PointType.objects.get(name="公交站点")
    first = plan(world, point_types=[bus])
    targets = services.inspection_draw_sample(inspection=first, user=world.city_inspector, size=8, seed=4242)
    first.refresh_from_db()
    assert first.sample_seed == 4242 and first.sample_pool == len(services.inspection_pool(inspection=first))
    drawn = [t.point_id for t in targets]
    assert len(drawn) == 8 and set(drawn) <= {p.pk for p in stops}  # only the chosen type
    # Anyone can check it: the same pool and seed give the same points in the same order.
    assert services.sample_points(pool=services.inspection_pool(inspection=first), size=8, seed=4242) == drawn
    second = plan(world, point_types=[bus], title="复核抽查")
    again = services.inspection_draw_sample(inspection=second, user=world.city_inspector, size=8, seed=4242)
    assert [t.point_id for t in again] == drawn
    # Drawn once: a second draw is refused.
    with pytest.raises(ValidationError, match="不能重复抽取"):
        services.inspection_draw_sample(inspection=first, user=world.city_inspector, size=3)


def test_a_draw_without_a_seed_makes_and_keeps_one(world):
    grow_points(world, 12)
    inspection = plan(world)
    targets = services.inspection_draw_sample(inspection=inspection, user=world.city_inspector, size=4)
    inspection.refresh_from_db()
    assert inspection.sample_seed is not None
    assert services.sample_points(
        pool=services.inspection_pool(inspection=inspection), size=4, seed=inspection.sample_seed
    ) == [t.point_id for t in targets]


def test_planning_is_for_offices_covering_the_region(world):
    with pytest.raises(PermissionDenied):
        plan(world, user=world.unit_a_admin)
    with pytest.raises(PermissionDenied, match="辖区"):
        plan(world, user=world.county_b_admin)
    inspection = plan(world)
    with pytest.raises(PermissionDenied):
        services.inspection_draw_sample(inspection=inspection, user=world.county_b_admin, size=1)
    with pytest.raises(ValidationError, match="没有符合条件的点位"):
        services.inspection_draw_sample(
            inspection=plan(world, point_types=[PointType.objects.get_or_create(name="建筑工地")[0]]),
            user=world.city_inspector,
            size=1,
        )


def test_units_see_no_inspections(client, world):
    inspection = plan(world, kind="unannounced", title="暗访")
    login_client(client, world.unit_a_admin)
    assert client.get("/inspections/inspections/").status_code == 403
    assert client.get(f"/inspections/inspections/{inspection.pk}/").status_code == 404
    assert client.post(f"/inspections/inspections/{inspection.pk}/draw/", {"size": 1}).status_code == 404
    login_client(client, world.county_b_admin)
    assert client.get(f"/inspections/inspections/{inspection.pk}/").status_code == 404


def test_plan_draw_and_record_through_the_pages(client, world):
    grow_points(world, 20)
    login_client(client, world.county_a_admin)
    today = services.local_today()
    response = client.post(
        "/inspections/inspections/new/",
        {
            "kind": "random",
            "title": "三月随机抽查",
            "region": world.county_a.pk,
            "start_date": today.isoformat(),
            "end_date": today.isoformat(),
            "inspectors": [world.county_a_admin.pk],
        },
    )
    assert response.status_code == 302
    inspection = Inspection.objects.get(title="三月随机抽查")
    assert inspection.office_id == world.county_a_office.pk
    assert list(inspection.inspectors.all()) == [world.county_a_admin]
    response = client.post(
        f"/inspections/inspections/{inspection.pk}/draw/", {"size": 5, "seed": 777}, follow=True
    )
    body = response.content.decode()
    assert "种子 777" in body and body.count("记录问题</a>") == 5
    first_point = int(re.search(r"\?point=(\d+)&amp;inspection=", body).group(1))
    response = client.post(
        "/inspections/findings/new/",
        {"point": first_point, "inspection": inspection.pk, "category": category().pk, "severity": "minor"},
    )
    assert response.status_code == 302
    finding = Finding.objects.latest("id")
    assert finding.inspection_id == inspection.pk
    assert (
        f'href="/inspections/findings/{finding.pk}/"'
        in client.get(f"/inspections/inspections/{inspection.pk}/").content.decode()
    )


def test_a_finding_outside_the_inspection_region_is_refused(world):
    county_b_point = point(world, name="西湖区某站", unit=world.unit_b)
    InspectionPoint.objects.filter(pk=county_b_point.pk).update(
        region=world.county_b, region_code=world.county_b.code
    )
    inspection = plan(world)
    with pytest.raises(ValidationError, match="不在督查活动"):
        new_finding(world, point=InspectionPoint.objects.get(pk=county_b_point.pk), inspection=inspection)
