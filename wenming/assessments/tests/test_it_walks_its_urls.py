"""The project's URL walk restricted to this app's routes (the full walk in tests/test_url_walk.py
covers them too; this one runs in seconds while the app is worked on)."""

from __future__ import annotations

import pytest

from conftest import login_client
from tests.test_url_walk import _build, all_patterns

pytestmark = pytest.mark.django_db


def _mine():
    return [(r, p) for r, p in all_patterns() if r.startswith("assessments/")]


def test_there_are_routes_to_walk():
    assert len(_mine()) >= 10


def test_anonymous_goes_to_login(client, world):
    for route, _ in _mine():
        url, _names = _build(route, world)
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_outsider_gets_404(client, world):
    login_client(client, world.outsider)
    for route, _ in _mine():
        url, names = _build(route, world)
        if not names:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), f"{method} {url}: {response.status_code}"


@pytest.mark.parametrize(
    "persona", ["platform", "city_admin", "county_a_admin", "unit_a_admin", "dept_lead_a", "outsider"]
)
def test_no_errors_for_any_persona(client, world, persona):
    login_client(client, getattr(world, persona))
    for route, _ in _mine():
        url, _names = _build(route, world)
        response = client.get(url)
        assert response.status_code < 500, f"{persona} GET {url}: {response.status_code}"
