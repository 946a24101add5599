"""htmx requests: a login redirect navigates the whole page, and background polling is not activity."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
POLL = {**HX, "HTTP_X_WENMING_POLL": "1"}


def _age(client, idle: float) -> None:
    session = client.session
    session["seen_at"] = time.time() - idle
    session["auth_at"] = time.time() - idle
    session.save()


def test_it_turns_the_login_redirect_into_hx_redirect_for_anonymous_htmx(client, world):
    response = client.get("/jobs/", **HX)
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/login/?next=")


def test_it_leaves_ordinary_redirects_alone(client, world):
    response = client.get("/jobs/")
    assert response.status_code == 302 and "HX-Redirect" not in response


def test_polling_does_not_keep_an_idle_session_alive(client, world, login):
    login(world.unit_a_admin)
    _age(client, idle=settings.SESSION_IDLE_SECONDS - 120)
    before = client.session["seen_at"]
    assert client.get("/jobs/", **POLL).status_code == 200
    assert client.session["seen_at"] == before  # not refreshed by a poll
    assert client.get("/jobs/", **HX).status_code == 200
    assert client.session["seen_at"] > before  # a real htmx action is activity


def test_an_expired_session_polling_is_sent_to_login(client, world, login):
    login(world.unit_a_admin)
    _age(client, idle=settings.SESSION_IDLE_SECONDS + 5)
    response = client.get("/jobs/", **POLL)
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/login/")
