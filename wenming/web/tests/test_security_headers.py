"""CSP and the usual security headers on pages; CSRF on every form post."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.world import PASSWORD

pytestmark = pytest.mark.django_db

# A source in our policy is a keyword or a scheme of our own page, never a remote host.
LOCAL_SOURCES = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    policy = {}
    for directive in filter(None, (d.strip() for d in header.split(";"))):
        name, *sources = directive.split()
        policy[name] = sources
    return policy


def _assert_security_headers(response) -> None:
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"], "no inline or remote scripts"
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    for name, sources in policy.items():
        assert set(sources) <= LOCAL_SOURCES, f"{name} allows {sources}"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def _assert_no_remote_assets(html: str) -> None:
    remote = re.findall(r'(?:src|href)="((?:https?:)?//[^"]+)"', html)
    assert remote == [], f"remote assets: {remote}"


def test_the_login_page_sends_the_security_headers(client):
    response = client.get("/login/")
    _assert_security_headers(response)
    _assert_no_remote_assets(response.content.decode())


def test_a_signed_in_page_sends_the_security_headers(client, world, login):
    login(world.city_admin)
    response = client.get("/")
    assert response.status_code == 200
    _assert_security_headers(response)
    _assert_no_remote_assets(response.content.decode())


def test_error_pages_send_them_too(client, world, login):
    login(world.outsider)
    response = client.get("/orgs/999999999/")
    assert response.status_code == 404
    _assert_security_headers(response)


def test_a_login_post_without_a_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "unit_a_admin", "password": PASSWORD})
    assert response.status_code == 403
    assert "CSRF验证失败" in response.content.decode()  # Django's failure page, in Chinese
    assert "_auth_user_id" not in client.session


def test_a_login_post_with_the_token_from_the_page_works(world):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login/", {"username": "unit_a_admin", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.unit_a_admin.pk)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/logout/", {}),
        (
            "/password/",
            {"old_password": PASSWORD, "new_password1": "New#Passw0rd1", "new_password2": "New#Passw0rd1"},
        ),
        ("/2fa/setup/", {"token": "123456"}),
    ],
)
def test_signed_in_form_posts_without_a_token_are_refused(world, url, data):
    from conftest import login_client

    client = login_client(Client(enforce_csrf_checks=True), world.unit_a_admin)
    assert client.post(url, data).status_code == 403
    world.unit_a_admin.refresh_from_db()
    assert world.unit_a_admin.check_password(PASSWORD)
    assert client.get("/").status_code == 200, "still signed in: the refused logout did nothing"


def test_htmx_requests_carry_the_csrf_token(client, world, login):
    """base.html hands the token to htmx (hx-headers), so htmx posts pass CSRF."""
    login(world.unit_a_admin)
    body = client.get("/").content.decode()
    assert re.search(r"""hx-headers='\{"X-CSRFToken": "[^"]+"\}'""", body)


def test_cookies_are_httponly(client, world):
    client.get("/login/")
    client.post("/login/", {"username": "unit_a_admin", "password": PASSWORD})
    from django.conf import settings

    assert client.cookies[settings.SESSION_COOKIE_NAME]["httponly"] is True
    assert client.cookies[settings.CSRF_COOKIE_NAME]["httponly"] is True


def test_with_the_https_redirect_on_only_the_health_probe_stays_on_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/login/")
    assert response.status_code == 301 and response["Location"] == "https://testserver/login/"
    assert client.get("/healthz").status_code == 200
    assert client.get("/login/", secure=True).status_code == 200


def test_hsts_is_sent_over_https_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/login/", secure=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
