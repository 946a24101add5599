from __future__ import annotations

import pytest
from django.test import RequestFactory

from wenming.web.nav import nav_groups

pytestmark = pytest.mark.django_db


def _groups(user, path="/"):
    request = RequestFactory().get(path)
    request.user = user
    return {g["label"]: g for g in nav_groups(request)}


def test_sections_become_dropdowns_and_follow_the_role(world):
    office = _groups(world.city_admin, "/orgs/")
    assert [i["label"] for i in office["组织管理"]["items"]] == ["区划", "组织", "用户"]
    assert office["组织管理"]["active"] and not office["工作台"]["active"]
    assert "审计日志" in [i["label"] for i in office["工具"]["items"]]

    unit = _groups(world.unit_a_admin)
    assert "审计日志" not in [i["label"] for i in unit["工具"]["items"]]
    assert "区划" not in [i["label"] for i in unit.get("组织管理", {"items": []})["items"]]


def test_a_section_with_one_visible_item_is_a_plain_link(world):
    lead = _groups(world.dept_lead_a)
    # A department lead sees only 组织 under 组织管理: it stands alone under its own name.
    assert "组织管理" not in lead
    assert lead["组织"]["href"] == "/orgs/" and lead["组织"]["items"] == []
