"""The API shows exactly what the pages show: offices their subtree, units themselves."""

from __future__ import annotations

import pytest

from wenming.api.tests.helpers import bearer
from wenming.audit.context import SYSTEM, acting_as
from wenming.orgs import services
from wenming.orgs.models import Organisation, OrgKind, UnitType

pytestmark = pytest.mark.django_db


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}


def test_outsider_gets_404_for_an_organisation_in_another_county(client, world):
    headers = bearer(world.outsider)
    for url in (
        f"/api/v1/organisations/{world.unit_a.pk}",
        f"/api/v1/organisations/{world.unit_a.pk}/departments",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 404, url
        assert "东城区" not in response.content.decode()


def test_outsider_sees_own_unit_and_its_departments(client, world):
    headers = bearer(world.outsider)
    detail = client.get(f"/api/v1/organisations/{world.unit_b.pk}", headers=headers)
    assert detail.status_code == 200
    assert detail.json()["name"] == "西湖区医院" and detail.json()["region_name"] == "西湖区"
    departments = client.get(f"/api/v1/organisations/{world.unit_b.pk}/departments", headers=headers)
    assert [d["name"] for d in departments.json()["items"]] == ["医务科"]


def test_unit_admin_lists_only_own_unit(client, world):
    response = client.get("/api/v1/organisations", headers=bearer(world.unit_a_admin))
    assert _names(response) == {"东城区执法局"}
    assert response.json()["count"] == 1


def test_county_office_lists_its_county_only(client, world):
    names = _names(client.get("/api/v1/organisations", headers=bearer(world.county_a_admin)))
    assert names == {"东城区文明办", "东城区执法局"}


def test_city_office_lists_the_whole_city(client, world):
    names = _names(client.get("/api/v1/organisations", headers=bearer(world.city_admin)))
    assert names == {"示范市文明办", "东城区文明办", "西湖区文明办", "东城区执法局", "西湖区医院"}


def test_filters_narrow_within_the_scope(client, world):
    headers = bearer(world.city_admin)
    assert _names(client.get("/api/v1/organisations?kind=unit", headers=headers)) == {
        "东城区执法局",
        "西湖区医院",
    }
    assert _names(client.get("/api/v1/organisations?region_code=990103", headers=headers)) == {
        "西湖区文明办",
        "西湖区医院",
    }
    assert _names(client.get("/api/v1/organisations?q=医院", headers=headers)) == {"西湖区医院"}
    # A unit admin cannot widen their view with a filter.
    assert _names(client.get("/api/v1/organisations?region_code=99", headers=bearer(world.outsider))) == {
        "西湖区医院"
    }


def test_bad_filters_are_refused_with_422(client, world):
    headers = bearer(world.city_admin)
    assert client.get("/api/v1/organisations?kind=bogus", headers=headers).status_code == 422
    assert client.get("/api/v1/organisations?region_code=abc", headers=headers).status_code == 422
    assert client.get("/api/v1/regions?level=9", headers=headers).status_code == 422


def test_regions_follow_the_office_subtree(client, world):
    city = {
        r["code"] for r in client.get("/api/v1/regions", headers=bearer(world.city_admin)).json()["items"]
    }
    assert city == {"990100000000", "990102000000", "990103000000"}
    county = client.get("/api/v1/regions", headers=bearer(world.county_a_admin)).json()
    assert [r["name"] for r in county["items"]] == ["东城区"]
    assert county["items"][0]["level_label"] == "县（区）"
    # Units do not administer regions, as on the pages.
    assert client.get("/api/v1/regions", headers=bearer(world.unit_a_admin)).json() == {
        "items": [],
        "count": 0,
    }


def test_pagination_pages_through_the_scope(client, world):
    with acting_as(SYSTEM):
        for i in range(7):
            services.organisation_create(
                kind=OrgKind.UNIT, name=f"东城区第{i}小学", region=world.county_a, unit_type=UnitType.SCHOOL
            )
    headers = bearer(world.county_a_admin)
    expected = set(
        Organisation.objects.filter(region_code__startswith="990102").values_list("name", flat=True)
    )
    seen: list[str] = []
    for page in (1, 2, 3):
        body = client.get(f"/api/v1/organisations?page={page}&page_size=4", headers=headers).json()
        assert body["count"] == len(expected)
        seen += [item["name"] for item in body["items"]]
    assert len(seen) == len(expected) and set(seen) == expected
