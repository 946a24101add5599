"""Who sees which framework: built-ins everyone; an office's drafts its own office and the offices
above; its published versions everything below it too; other counties nothing."""

from __future__ import annotations

import pytest

from wenming.frameworks import services
from wenming.frameworks.models import Criterion, Framework
from wenming.frameworks.tests.helpers import make_framework, node
from wenming.orgs.access import scoped

pytestmark = pytest.mark.django_db


@pytest.fixture
def frameworks(world):
    nodes = [node("1")]
    return {
        "builtin": services.framework_publish(framework=make_framework(None, title="内置", nodes=nodes)),
        "builtin_draft": make_framework(None, title="内置草稿", nodes=[node("1")]),
        "city_draft": make_framework(world.city_office, title="市草稿", nodes=[node("1")]),
        "city_pub": services.framework_publish(
            framework=make_framework(world.city_office, title="市发布", nodes=[node("1")])
        ),
        "a_draft": make_framework(world.county_a_office, title="东城草稿", nodes=[node("1")]),
        "a_pub": services.framework_publish(
            framework=make_framework(world.county_a_office, title="东城发布", nodes=[node("1")])
        ),
        "b_pub": services.framework_publish(
            framework=make_framework(world.county_b_office, title="西湖发布", nodes=[node("1")])
        ),
    }


def visible(user, frameworks) -> set[str]:
    ids = set(scoped(Framework, user).values_list("pk", flat=True))
    return {name for name, fw in frameworks.items() if fw.pk in ids}


@pytest.mark.parametrize(
    "persona,expected",
    [
        ("platform", {"builtin", "builtin_draft", "city_draft", "city_pub", "a_draft", "a_pub", "b_pub"}),
        ("city_admin", {"builtin", "city_draft", "city_pub", "a_draft", "a_pub", "b_pub"}),
        ("city_inspector", {"builtin", "city_draft", "city_pub", "a_draft", "a_pub", "b_pub"}),
        ("county_a_admin", {"builtin", "city_pub", "a_draft", "a_pub"}),
        ("county_b_admin", {"builtin", "city_pub", "b_pub"}),
        ("unit_a_admin", {"builtin", "city_pub", "a_pub"}),
        ("dept_lead_a", {"builtin", "city_pub", "a_pub"}),
        ("outsider", {"builtin", "city_pub", "b_pub"}),
    ],
)
def test_visibility(world, frameworks, persona, expected):
    assert visible(getattr(world, persona), frameworks) == expected


def test_criteria_follow_their_framework(world, frameworks):
    codes = set(scoped(Criterion, world.outsider).values_list("framework_id", flat=True))
    assert frameworks["a_pub"].pk not in codes and frameworks["b_pub"].pk in codes


def test_anonymous_sees_nothing(world, frameworks):
    from django.contrib.auth.models import AnonymousUser

    assert not scoped(Framework, AnonymousUser()).exists()


def test_only_the_owning_office_admins_edit(world, frameworks):
    from wenming.orgs.access import get_scope

    a_draft = frameworks["a_draft"]
    assert services.framework_can_edit(scope=get_scope(world.county_a_admin), framework=a_draft)
    for persona in ("city_admin", "city_inspector", "unit_a_admin", "county_b_admin"):
        assert not services.framework_can_edit(scope=get_scope(getattr(world, persona)), framework=a_draft), (
            persona
        )
    assert not services.framework_can_edit(scope=get_scope(world.city_admin), framework=frameworks["builtin"])
