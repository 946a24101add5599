"""Walk every URL pattern of the project (views added later are covered automatically).

- anonymous: redirected to the login page (or 401 for the API) unless the view is marked public;
- outsider (a unit in another county): every object URL answers 404, GET and POST alike;
- insiders: nothing answers 500.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import login_client
from tests.urlwalk import SAMPLES

PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route.lstrip("^").rstrip("$"), p


def all_patterns():
    return list(_walk(get_resolver().url_patterns))


def _is_public(pattern: URLPattern) -> bool:
    if hasattr(pattern.callback, "api_public"):  # API views skip the login redirect but answer 401
        return pattern.callback.api_public
    return getattr(pattern.callback, "login_required", True) is False


def _build(route: str, world) -> tuple[str, list[str]]:
    names = []

    def fill(m):
        name = m.group("name")
        names.append(name)
        if name not in SAMPLES:
            raise AssertionError(f"URL 参数 “{name}” 没有登记样本对象：在 tests/urlwalk.py 中用 @sample 登记（路由 {route}）")
        return str(SAMPLES[name](world))

    return "/" + PARAM.sub(fill, route), names


def test_every_pattern_is_walked():
    routes = [r for r, _ in all_patterns()]
    assert "" in routes and "orgs/<int:org_id>/" in routes
    assert any(r.startswith("api/v1/") for r in routes), "API routes must be part of the walk"


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, world):
    for route, pattern in all_patterns():
        url, _ = _build(route, world)
        response = client.get(url)
        assert response.status_code != 500, url
        if _is_public(pattern):
            continue
        if route.startswith("api/v1/"):
            assert response.status_code == 401, f"{url}: {response.status_code}"
        else:
            assert response.status_code == 302, f"{url}: {response.status_code}"
            assert response["Location"].startswith("/login/"), url


@pytest.mark.django_db
def test_outsider_gets_404_for_objects_in_another_scope(client, world):
    login_client(client, world.outsider)
    checked = 0
    for route, pattern in all_patterns():
        url, names = _build(route, world)
        if not names or _is_public(pattern):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), f"{method.upper()} {url} gave {response.status_code} to an outsider"
        checked += 1
    assert checked >= 1


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["platform", "city_admin", "county_a_admin", "unit_a_admin", "dept_lead_a", "outsider"])
def test_no_page_errors_for_any_persona(client, world, persona):
    login_client(client, getattr(world, persona))
    for route, _pattern in all_patterns():
        url, _ = _build(route, world)
        if url.rstrip("/").endswith("logout"):
            continue
        response = client.get(url)
        assert response.status_code < 500, f"{persona} GET {url}: {response.status_code}"
