"""Login: the Chinese page, a new session id on sign-in, safe redirects, lockout by django-axes."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import override_settings

from tests.world import PASSWORD
from wenming.web.tests.settings_probe import probe_settings

pytestmark = pytest.mark.django_db

LOGIN = "/login/"


def _login(client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def _signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_it_renders_a_chinese_login_page(client):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in html
    assert "账号登录" in html and ">用户名<" in html and ">密码<" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_it_gives_a_new_session_key_on_login(client, world):
    session = client.session
    session["probe"] = "before-login"
    session.save()
    old_key = session.session_key

    response = _login(client, "unit_a_admin", PASSWORD)

    assert response.status_code == 302 and response["Location"] == "/"
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != old_key
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert not store().exists(old_key), "the pre-login session must be gone (session fixation)"
    assert _signed_in_user_id(client) == str(world.unit_a_admin.pk)
    assert client.session["auth_at"] == client.session["seen_at"]
    assert client.get("/").status_code == 200


def test_it_refuses_a_wrong_password_in_chinese(client, world):
    response = _login(client, "unit_a_admin", "Wrong#Passw0rd")
    html = response.content.decode()
    assert response.status_code == 200
    assert "用户名或密码不正确" in html
    assert _signed_in_user_id(client) is None


def test_it_does_not_redirect_off_site_after_login(client, world):
    response = _login(client, "unit_a_admin", PASSWORD, next="https://evil.example.com/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_it_locks_the_account_after_the_configured_number_of_failures(client, world):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit >= 2
    for attempt in range(1, limit):
        response = _login(client, "unit_a_admin", f"Wrong#{attempt}")
        assert response.status_code == 200, f"attempt {attempt} should only be refused"

    response = _login(client, "unit_a_admin", "Wrong#last")

    html = response.content.decode()
    assert response.status_code == 429
    assert "账号已暂时锁定" in html
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    assert f"锁定 {minutes} 分钟" in html
    assert AccessAttempt.objects.get(username="unit_a_admin").failures_since_start == limit

    # While the lock holds even the right password is refused.
    response = _login(client, "unit_a_admin", PASSWORD)
    assert response.status_code == 429
    assert _signed_in_user_id(client) is None
    # The lock is per account and address: another account from the same address still signs in.
    assert _login(client, "dept_lead_a", PASSWORD).status_code == 302


def test_it_lifts_the_lock_after_the_cool_off(client, world):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "unit_a_admin", f"Wrong#{attempt}")
    assert _login(client, "unit_a_admin", PASSWORD).status_code == 429

    cool_off = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - cool_off - dt.timedelta(minutes=1))

    response = _login(client, "unit_a_admin", PASSWORD)
    assert response.status_code == 302
    assert _signed_in_user_id(client) == str(world.unit_a_admin.pk)


@override_settings(AXES_FAILURE_LIMIT=2, AXES_COOLOFF_TIME=0.25)
def test_it_follows_the_configured_limit_and_cool_off(client, world):
    assert _login(client, "unit_a_admin", "Wrong#1").status_code == 200
    response = _login(client, "unit_a_admin", "Wrong#2")
    assert response.status_code == 429
    assert "锁定 15 分钟" in response.content.decode()


def test_the_lockout_is_configured_from_the_environment(tmp_path):
    values = probe_settings(
        tmp_path,
        ["AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME"],
        AXES_FAILURE_LIMIT="3",
        AXES_COOLOFF_MINUTES="45",
    )
    assert values == {"AXES_FAILURE_LIMIT": 3, "AXES_COOLOFF_TIME": 0.75}
    defaults = probe_settings(tmp_path, ["AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", "AXES_LOCKOUT_CALLABLE"])
    assert defaults == {
        "AXES_FAILURE_LIMIT": 5,
        "AXES_COOLOFF_TIME": 0.5,
        "AXES_LOCKOUT_CALLABLE": "wenming.web.views.lockout_response",
    }


def _fail_until_locked(client, **headers):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            LOGIN,
            {"username": "unit_a_admin", "password": f"Wrong#{attempt}"},
            REMOTE_ADDR="10.0.0.5",
            headers=headers,
        )
    return response


def test_behind_the_proxy_the_lock_follows_the_forwarded_client_address(client, world, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # BEHIND_TLS_PROXY=1
    assert _fail_until_locked(client, **{"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    assert AccessAttempt.objects.get().ip_address == "198.51.100.1"
    # Another client behind the same proxy is not locked out by the first one's failures.
    other = client.post(
        LOGIN,
        {"username": "unit_a_admin", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.5",
        headers={"X-Forwarded-For": "198.51.100.2"},
    )
    assert other.status_code == 302


def test_without_the_proxy_a_forged_forwarded_address_does_not_dodge_the_lock(client, world):
    assert settings.SECURE_PROXY_SSL_HEADER is None
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            LOGIN,
            {"username": "unit_a_admin", "password": f"Wrong#{attempt}"},
            REMOTE_ADDR="10.0.0.5",
            headers={"X-Forwarded-For": f"198.51.100.{attempt}"},
        )
    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "10.0.0.5"
