"""随机抽查 of units (reproducible from the stored seed) and editing an inspection while it is not
finished (title, dates, inspectors, scope), audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wenming.audit.context import SYSTEM, acting_as
from wenming.audit.models import AuditEntry
from wenming.inspections import services
from wenming.inspections.models import Inspection, InspectionUnitTarget, PointType
from wenming.inspections.tests.helpers import new_finding
from wenming.inspections.tests.test_it_plans_inspections_and_draws_samples import grow_points, plan
from wenming.orgs import services as org_services
from wenming.orgs.models import Organisation, OrgKind, UnitType
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def grow_units(world, n: int, region=None) -> list[Organisation]:
    with acting_as(SYSTEM):
        return [
            org_services.organisation_create(
                kind=OrgKind.UNIT,
                name=f"抽查单位{i:03d}",
                region=region or world.county_a,
                unit_type=UnitType.ORGAN,
            )
            for i in range(n)
        ]


def test_a_unit_draw_stores_its_seed_and_can_be_redone(client, world, login):
    grow_units(world, 25)
    grow_units(world, 4, region=world.county_b)  # outside the inspection's region
    inspection = plan(world)
    with as_user(world.city_inspector):
        drawn = services.inspection_draw_units(
            inspection=inspection, user=world.city_inspector, size=6, seed=424242
        )
    inspection.refresh_from_db()
    pool = services.inspection_unit_pool(inspection=inspection)
    in_county = set(
        Organisation.objects.filter(
            kind=OrgKind.UNIT, region_code__startswith=world.county_a.code[:6]
        ).values_list("id", flat=True)
    )
    assert set(pool) == in_county and inspection.unit_sample_pool == len(pool)
    # Anyone can redo the draw from the stored seed and the pool: the same units in the same order.
    assert [t.unit_id for t in drawn] == services.sample_points(
        pool=pool, size=6, seed=inspection.unit_sample_seed
    )
    assert list(
        InspectionUnitTarget.objects.filter(inspection=inspection).values_list("position", flat=True)
    ) == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]
    entry = AuditEntry.objects.filter(
        object_type="inspections.inspection", object_id=str(inspection.pk)
    ).latest("seq")
    assert entry.changes["unit_sample_seed"] == [None, 424242]
    # Same seed on another inspection of the same region: the same units.
    other = plan(world, title="第二次抽查")
    with as_user(world.city_inspector):
        again = services.inspection_draw_units(
            inspection=other, user=world.city_inspector, size=6, seed=424242
        )
    assert [t.unit_id for t in again] == [t.unit_id for t in drawn]
    # Drawn once; the page shows the seed, the pool and the units.
    with as_user(world.city_inspector), pytest.raises(ValidationError, match="不能重复抽取"):
        services.inspection_draw_units(inspection=inspection, user=world.city_inspector, size=2)
    login(world.city_inspector)
    body = client.get(f"/inspections/inspections/{inspection.pk}/").content.decode()
    assert (
        f"种子 424242，从 {len(pool)} 个候选单位中抽取 6 个" in body
        and 'data-testid="unit-draw-form"' not in body
    )
    assert Organisation.objects.get(pk=drawn[0].unit_id).name in body


def test_the_unit_draw_page_and_a_random_seed(client, world, login):
    grow_units(world, 8)
    inspection = plan(world)
    login(world.city_inspector)
    body = client.get(f"/inspections/inspections/{inspection.pk}/").content.decode()
    assert 'data-testid="unit-draw-form"' in body
    response = client.post(f"/inspections/inspections/{inspection.pk}/draw-units/", {"size": "3", "seed": ""})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.unit_sample_seed is not None and inspection.unit_targets.count() == 3
    assert (
        client.post(f"/inspections/inspections/{inspection.pk}/draw-units/", {"size": "0"}).status_code == 302
    )
    assert inspection.unit_targets.count() == 3


def test_who_may_draw_units(client, world, login):
    inspection = plan(world)
    for user in (world.unit_a_admin, world.county_b_admin):
        with as_user(user), pytest.raises(PermissionDenied):
            services.inspection_draw_units(inspection=inspection, user=user, size=1)
    login(world.unit_a_admin)
    assert client.post(
        f"/inspections/inspections/{inspection.pk}/draw-units/", {"size": "1"}
    ).status_code in (403, 404)
    assert not InspectionUnitTarget.objects.exists()


def edit(world, inspection, user=None, **changes):
    user = user or world.city_inspector
    data = {
        "title": inspection.title,
        "start_date": inspection.start_date,
        "end_date": inspection.end_date,
        "region": inspection.region,
        "inspectors": list(inspection.inspectors.all()),
        "point_types": list(inspection.point_types.all()),
        "categories": list(inspection.categories.all()),
        "notes": inspection.notes,
        **changes,
    }
    with as_user(user):
        return services.inspection_update(inspection=inspection, user=user, **data)


def test_editing_an_unfinished_inspection_is_audited(client, world, login):
    inspection = plan(world)
    today = services.local_today()
    login(world.city_inspector)
    page = client.get(f"/inspections/inspections/{inspection.pk}/edit/").content.decode()
    assert 'name="title"' in page and 'name="kind"' not in page and inspection.title in page
    response = client.post(
        f"/inspections/inspections/{inspection.pk}/edit/",
        {
            "title": "东城区公交站点随机抽查（调整）",
            "region": world.county_b.pk,
            "start_date": today.isoformat(),
            "end_date": (today + dt.timedelta(days=5)).isoformat(),
            "inspectors": [world.city_inspector.pk],
            "notes": "改为西湖区",
        },
    )
    assert response.status_code == 302
    inspection = Inspection.objects.get(pk=inspection.pk)
    assert (inspection.title, inspection.region_code, inspection.end_date) == (
        "东城区公交站点随机抽查（调整）",
        world.county_b.code,
        today + dt.timedelta(days=5),
    )
    assert list(inspection.inspectors.values_list("id", flat=True)) == [world.city_inspector.pk]
    entry = AuditEntry.objects.filter(
        object_type="inspections.inspection", object_id=str(inspection.pk)
    ).latest("seq")
    assert entry.changes["region_code"] == [world.county_a.code, world.county_b.code]
    assert entry.changes["inspectors"] == [[], [world.city_inspector.pk]]
    # Bad dates: a Chinese message, nothing changed.
    response = client.post(
        f"/inspections/inspections/{inspection.pk}/edit/",
        {
            "title": "x",
            "region": world.county_b.pk,
            "start_date": today.isoformat(),
            "end_date": (today - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400 and "结束日期不能早于开始日期" in response.content.decode()
    assert Inspection.objects.get(pk=inspection.pk).title == "东城区公交站点随机抽查（调整）"


def test_the_scope_is_fixed_once_drawn_or_recorded(world):
    grow_points(world, 5)
    inspection = plan(world)
    with as_user(world.city_inspector):
        services.inspection_draw_sample(inspection=inspection, user=world.city_inspector, size=2, seed=1)
    with pytest.raises(ValidationError, match="不能再修改督查范围"):
        edit(world, inspection, region=world.county_b)
    with pytest.raises(ValidationError, match="不能再修改督查范围"):
        edit(world, inspection, point_types=[PointType.objects.get(name="公交站点")])
    edited = edit(world, inspection, title="改名可以")  # title, dates, inspectors stay editable
    assert edited.title == "改名可以"
    recorded = plan(world, title="已记录问题的督查")
    new_finding(world, inspection=recorded)
    with pytest.raises(ValidationError, match="已记录问题"):
        edit(world, recorded, region=world.county_b)


def test_a_finished_inspection_is_not_edited(client, world, login):
    inspection = plan(world)
    past = services.local_today() - dt.timedelta(days=1)
    Inspection.objects.filter(pk=inspection.pk).update(start_date=past - dt.timedelta(days=3), end_date=past)
    inspection.refresh_from_db()
    with pytest.raises(ValidationError, match="已结束"):
        edit(world, inspection, title="迟到的修改")
    login(world.city_inspector)
    assert (
        'data-testid="edit-link"'
        not in client.get(f"/inspections/inspections/{inspection.pk}/").content.decode()
    )
    response = client.get(f"/inspections/inspections/{inspection.pk}/edit/")
    assert response.status_code == 302
    # A running inspection cannot be moved into the past either.
    running = plan(world, title="进行中")
    with pytest.raises(ValidationError, match="不能早于今天"):
        edit(world, running, start_date=past - dt.timedelta(days=1), end_date=past)


def test_who_may_edit(client, world, login):
    inspection = plan(world)
    with as_user(world.county_b_admin), pytest.raises(PermissionDenied):
        edit(world, inspection, user=world.county_b_admin, title="越权")
    for user in (world.unit_a_admin, world.county_b_admin):
        login(user)
        assert client.get(f"/inspections/inspections/{inspection.pk}/edit/").status_code in (403, 404)
    assert Inspection.objects.get(pk=inspection.pk).title != "越权"
