"""模拟测评: observations per point against the leaf criteria of the chosen framework, and the
得分率 (achieved ÷ possible) per point type, unit and county — checked by hand arithmetic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wenming.frameworks.services import Spec, framework_create, framework_publish
from wenming.frameworks.tree import Node
from wenming.inspections import selectors, services
from wenming.inspections.models import InspectionPoint, InspectionTarget, Observation, PointType
from wenming.inspections.tests.helpers import point
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def _framework(world):
    spec = Spec(
        meta={"kind": "city", "title": "模拟测评体系", "total_score": None},
        nodes=[
            Node(code="1", title="公共环境", score=Decimal("10")),
            Node(code="1.1", title="无乱张贴", parent_code="1", score=Decimal("4")),
            Node(code="1.2", title="无卫生死角", parent_code="1", score=Decimal("6")),
            Node(code="2", title="公益广告"),  # a leaf without a score: counts 1
        ],
    )
    with as_user(world.platform):
        return framework_publish(framework=framework_create(owner=world.city_office, spec=spec))


@pytest.fixture
def mock(world):
    framework = _framework(world)
    bus = point(world, name="人民路公交站")  # 公交站点, unit A, county A
    park_type = PointType.objects.get_or_create(name="公园")[0]
    with as_user(world.platform):
        park = services.point_create(
            name="东湖公园", point_type=park_type, region=world.county_a, responsible_unit=world.unit_a
        )
        west = services.point_create(
            name="西湖站", point_type=bus.point_type, region=world.county_b, responsible_unit=world.unit_b
        )
    with as_user(world.city_inspector):
        inspection = services.inspection_create(
            user=world.city_inspector, kind="mock", title="创城模拟测评", region=world.city,
            start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 3, 2),
        )  # fmt: skip
        services.inspection_set_framework(
            inspection=inspection, user=world.city_inspector, framework=framework
        )
    for i, p in enumerate([bus, park, west], start=1):
        InspectionTarget.objects.create(inspection=inspection, point=p, position=i)
    inspection.refresh_from_db()
    crit = {c.code: c for c in framework.criteria.all()}
    return inspection, {"bus": bus, "park": park, "west": west}, crit


def _save(world, inspection, p, rows):
    with as_user(world.city_inspector):
        return services.observations_save(
            inspection=inspection, point=p, user=world.city_inspector, rows=rows
        )


def test_only_leaf_criteria_are_observed(world, mock):
    inspection, points, crit = mock
    assert [c.code for c in services.leaf_criteria(inspection.framework)] == ["1.1", "1.2", "2"]
    with pytest.raises(ValidationError, match="末级"):
        _save(world, inspection, points["bus"], [{"criterion": crit["1"], "result": "met"}])


def test_the_rates_are_achieved_over_possible_per_type_unit_and_county(world, mock):
    inspection, points, crit = mock
    # bus (公交站点, unit A, 东城区): 1.1 met 4/4, 1.2 partly 3/6, 2 not met 0/1 → 7/11
    _save(world, inspection, points["bus"], [
        {"criterion": crit["1.1"], "result": "met"},
        {"criterion": crit["1.2"], "result": "partly"},
        {"criterion": crit["2"], "result": "not_met"},
    ])  # fmt: skip
    # park (公园, unit A, 东城区): 1.2 scored 5.5/6, 2 met 1/1 → 6.5/7
    _save(world, inspection, points["park"], [
        {"criterion": crit["1.2"], "result": "partly", "score": Decimal("5.5")},
        {"criterion": crit["2"], "result": "met"},
    ])  # fmt: skip
    # west (公交站点, unit B, 西湖区): 1.1 not met 0/4 → 0/4
    _save(world, inspection, points["west"], [{"criterion": crit["1.1"], "result": "not_met"}])
    s = selectors.mock_scores(inspection=inspection)
    by_type = {r["name"]: (r["achieved"], r["possible"], r["rate"]) for r in s["by_type"]}
    assert by_type == {
        "公交站点": (Decimal("7.00"), Decimal("15.00"), Decimal("46.7")),
        "公园": (Decimal("6.50"), Decimal("7.00"), Decimal("92.9")),
    }
    by_unit = {r["name"]: (r["achieved"], r["possible"], r["rate"]) for r in s["by_unit"]}
    assert by_unit == {
        world.unit_a.name: (Decimal("13.50"), Decimal("18.00"), Decimal("75.0")),
        world.unit_b.name: (Decimal("0.00"), Decimal("4.00"), Decimal("0.0")),
    }
    by_county = {r["name"]: r["rate"] for r in s["by_county"]}
    assert by_county == {"东城区": Decimal("75.0"), "西湖区": Decimal("0.0")}
    assert s["total"]["rate"] == Decimal("61.4")  # 13.5 / 22
    assert [r["name"] for r in s["by_type"]] == ["公园", "公交站点"]  # best first


def test_re_recording_changes_and_blank_removes(world, mock):
    inspection, points, crit = mock
    _save(
        world,
        inspection,
        points["bus"],
        [{"criterion": crit["1.1"], "result": "met"}, {"criterion": crit["2"], "result": "met"}],
    )
    n = _save(
        world,
        inspection,
        points["bus"],
        [{"criterion": crit["1.1"], "result": "not_met"}, {"criterion": crit["2"], "result": ""}],
    )
    assert n == 1
    assert Observation.objects.get().achieved == 0


def test_bad_observations_are_refused(world, mock):
    inspection, points, crit = mock
    with pytest.raises(ValidationError, match="0 到 4"):
        _save(
            world,
            inspection,
            points["bus"],
            [{"criterion": crit["1.1"], "result": "met", "score": Decimal("5")}],
        )
    other = InspectionPoint.objects.exclude(pk__in=[p.pk for p in points.values()]).first() or point(
        world, name="不在范围"
    )
    with pytest.raises(ValidationError, match="不在本次模拟测评"):
        _save(world, inspection, other, [{"criterion": crit["1.1"], "result": "met"}])
    with as_user(world.county_b_admin), pytest.raises(PermissionDenied):
        services.observations_save(
            inspection=inspection, point=points["west"], user=world.county_b_admin, rows=[]
        )
    _save(world, inspection, points["bus"], [{"criterion": crit["1.1"], "result": "met"}])
    with as_user(world.city_inspector), pytest.raises(ValidationError, match="不能更换"):
        services.inspection_set_framework(
            inspection=inspection, user=world.city_inspector, framework=inspection.framework
        )


def test_the_pages(client, world, login, mock, django_assert_max_num_queries):
    inspection, points, crit = mock
    login(world.city_inspector)
    page = client.get(f"/inspections/inspections/{inspection.pk}/").content.decode()
    assert 'data-testid="mock-card"' in page and "模拟测评体系" in page
    url = f"/inspections/inspections/{inspection.pk}/observe/{points['bus'].pk}/"
    assert "无卫生死角" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            f"result_{crit['1.1'].pk}": "met",
            f"result_{crit['1.2'].pk}": "partly",
            f"score_{crit['2'].pk}": "",
        },
    )
    assert response.status_code == 302
    assert Observation.objects.filter(inspection=inspection).count() == 2
    response = client.post(
        url, {f"result_{crit['1.1'].pk}": "met", f"score_{crit['1.1'].pk}": "abc"}, follow=True
    )
    assert "不是数字" in response.content.decode()
    with django_assert_max_num_queries(15):
        page = client.get(f"/inspections/inspections/{inspection.pk}/scores/").content.decode()
    assert "70.0%" in page  # (4 + 3) / 10
    login(world.unit_a_admin)  # units never see inspections
    assert client.get(f"/inspections/inspections/{inspection.pk}/scores/").status_code == 404


def test_new_pages_run_a_bounded_number_of_queries(client, world, login, mock, django_assert_max_num_queries):
    inspection, points, crit = mock
    login(world.city_admin)
    with django_assert_max_num_queries(20):
        assert (
            client.get(f"/inspections/inspections/{inspection.pk}/observe/{points['bus'].pk}/").status_code
            == 200
        )
    with django_assert_max_num_queries(20):
        assert client.get(f"/inspections/inspections/{inspection.pk}/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/inspections/settings/lists/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/inspections/letters/levels/").status_code == 200
