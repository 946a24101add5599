"""Idle timeout (default 30 minutes) and absolute session limit: the user is signed out and told why."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import override_settings

from wenming.audit.models import Action, AuditEntry
from wenming.web.tests.settings_probe import probe_settings

pytestmark = pytest.mark.django_db


def _age_session(client, *, idle: float = 0, since_login: float = 0) -> None:
    now = time.time()
    session = client.session
    session["seen_at"] = now - idle
    session["auth_at"] = now - since_login
    session.save()


def _last_logout(user) -> AuditEntry | None:
    return AuditEntry.objects.filter(action=Action.LOGOUT, actor_id=user.pk).order_by("-seq").first()


def test_the_defaults_are_30_minutes_idle_and_12_hours_in_all(tmp_path):
    assert probe_settings(tmp_path, ["SESSION_IDLE_SECONDS", "SESSION_ABSOLUTE_SECONDS"]) == {
        "SESSION_IDLE_SECONDS": 30 * 60,
        "SESSION_ABSOLUTE_SECONDS": 12 * 3600,
    }
    assert probe_settings(
        tmp_path,
        ["SESSION_IDLE_SECONDS", "SESSION_ABSOLUTE_SECONDS"],
        SESSION_IDLE_MINUTES="10",
        SESSION_ABSOLUTE_HOURS="8",
    ) == {"SESSION_IDLE_SECONDS": 600, "SESSION_ABSOLUTE_SECONDS": 8 * 3600}


def test_an_active_session_stays_and_is_refreshed(client, world, login):
    login(world.unit_a_admin)
    _age_session(client, idle=settings.SESSION_IDLE_SECONDS - 60, since_login=3600)
    before = client.session["seen_at"]

    assert client.get("/").status_code == 200
    assert client.session["seen_at"] > before


def test_an_idle_session_is_signed_out_with_a_chinese_message(client, world, login):
    user = world.unit_a_admin
    login(user)
    _age_session(
        client, idle=settings.SESSION_IDLE_SECONDS + 1, since_login=settings.SESSION_IDLE_SECONDS + 1
    )

    response = client.get("/orgs/?page=2")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Forgs%2F%3Fpage%3D2"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "会话已超时，请重新登录" in page
    assert _last_logout(user).changes == {"reason": "idle_timeout"}
    # And the old session gives nothing any more.
    assert client.get("/").status_code == 302


def test_the_absolute_limit_ends_even_a_busy_session(client, world, login):
    user = world.unit_a_admin
    login(user)
    _age_session(client, idle=5, since_login=settings.SESSION_ABSOLUTE_SECONDS + 1)

    response = client.get("/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session
    assert "登录时间已达上限，请重新登录" in client.get(response["Location"]).content.decode()
    assert _last_logout(user).changes == {"reason": "session_limit"}


@override_settings(SESSION_IDLE_SECONDS=120)
def test_the_idle_limit_follows_the_setting(client, world, login):
    login(world.unit_a_admin)
    _age_session(client, idle=100)
    assert client.get("/").status_code == 200
    _age_session(client, idle=121)
    assert client.get("/").status_code == 302


def test_an_expired_api_session_gets_401_not_a_redirect(client, world, login):
    login(world.unit_a_admin)
    _age_session(client, idle=settings.SESSION_IDLE_SECONDS + 1)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "_auth_user_id" not in client.session


def test_the_session_cookie_is_httponly_and_samesite(client, world):
    from tests.world import PASSWORD

    client.post("/login/", {"username": "unit_a_admin", "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.SESSION_ABSOLUTE_SECONDS
