"""The home page's chart of unit types: each slice's figure is the size of the list it opens."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def _chart_data(html: str) -> list[dict]:
    match = re.search(r'<script type="application/json" id="wm-chart-data">(.*?)</script>', html, re.S)
    assert match, "the home page carries its chart data"
    return json.loads(match.group(1))


def test_each_slice_links_to_exactly_its_units(client, world, login):
    login(world.city_admin)
    html = client.get("/").content.decode()
    charts = _chart_data(html)
    assert [c["title"] for c in charts] == ["辖区创建单位构成"]
    slices = charts[0]["data"]
    # The world has one 机关 (东城区执法局) and one 医院 (西湖区医院) under the city.
    assert {s["name"]: s["value"] for s in slices} == {"机关": 1, "医院": 1}
    for s in slices:
        page = client.get(s["href"])
        assert page.status_code == 200
        listed = re.findall(r'<td><a href="/orgs/\d+/">', page.content.decode())
        assert len(listed) == s["value"], s


def test_a_county_office_sees_only_its_county(client, world, login):
    login(world.county_a_admin)
    slices = _chart_data(client.get("/").content.decode())[0]["data"]
    assert {s["name"]: s["value"] for s in slices} == {"机关": 1}


def test_units_see_no_chart(client, world, login):
    login(world.unit_a_admin)
    html = client.get("/").content.decode()
    assert "wm-chart-data" not in html
    assert "echarts.min.js" not in html
