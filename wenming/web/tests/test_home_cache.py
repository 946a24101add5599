"""The home page's figures are kept in the session for HOME_CACHE_SECONDS: a repeat visit costs
what a minimal page costs, the user's own changes (any POST) and the 刷新 link recount at once,
and other people's changes show once the time is up."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.orgs import services
from wenming.orgs.models import OrgKind, UnitType
from wenming.orgs.tests.helpers import as_user
from wenming.web import home

pytestmark = pytest.mark.django_db

LABEL = "未设置创建办管理员的单位"


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.HOME_CACHE_SECONDS = 60


def without_admin(client, path="/") -> int:
    html = client.get(path).content.decode()
    match = re.search(r'<div class="h1 mb-0 me-2">(\d+)</div><div class="text-secondary">' + LABEL, html)
    assert 'data-testid="home-computed-at"' in html
    return int(match.group(1)) if match else 0  # a card with a zero count is not shown


def add_unit(world, name):
    with as_user(world.platform):
        services.organisation_create(
            kind=OrgKind.UNIT, name=name, region=world.county_a, unit_type=UnitType.ENTERPRISE
        )


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_a_repeat_visit_costs_what_the_minimal_page_costs_and_its_menu(client, login, world):
    login(world.city_admin)
    client.get("/")  # computes and stores
    client.get("/bench/minimal/")
    # The same, plus the user's memberships for the navigation (the minimal page has no menu).
    assert queries(client, "/") == queries(client, "/bench/minimal/") + 1


def test_others_changes_show_after_the_ttl_and_own_changes_at_once(client, login, world):
    login(world.city_admin)
    before = without_admin(client)
    add_unit(world, "缓存测试单位一")
    assert without_admin(client) == before  # someone else's change: still the kept figure
    assert without_admin(client, "/?refresh=1") == before + 1  # 刷新 recounts

    add_unit(world, "缓存测试单位二")
    session = client.session
    session[home.HOME_CACHE_KEY] = {**session[home.HOME_CACHE_KEY], "at": time.time() - 61}
    session.save()
    assert without_admin(client) == before + 2  # the time is up

    add_unit(world, "缓存测试单位三")
    assert without_admin(client) == before + 2
    client.post("/account/password/", {})  # any POST of this session (here an invalid form)
    assert without_admin(client) == before + 3


def test_the_setting_zero_recounts_every_visit(client, login, world, settings):
    settings.HOME_CACHE_SECONDS = 0
    login(world.city_admin)
    before = without_admin(client)
    add_unit(world, "缓存测试单位四")
    assert without_admin(client) == before + 1
    assert home.HOME_CACHE_KEY not in client.session


def test_the_kept_figures_belong_to_the_user_who_computed_them(client, login, world):
    add_unit(world, "缓存测试单位五")
    login(world.city_admin)
    assert without_admin(client) >= 1
    session = client.session
    kept = session[home.HOME_CACHE_KEY]
    kept["items"][0]["count"] = 999  # as if another account had left figures in this session
    kept["user"] = world.unit_a_admin.pk
    session[home.HOME_CACHE_KEY] = kept
    session.save()
    assert without_admin(client) != 999
