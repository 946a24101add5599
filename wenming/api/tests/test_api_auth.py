"""Who may call /api/v1/: token holders and signed-in users; nobody else."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from ninja.errors import HttpError

from conftest import login_client
from wenming.api.auth import SecondFactorSessionAuth
from wenming.api.models import ApiToken
from wenming.api.services import token_create, token_revoke, token_user
from wenming.api.tests.helpers import bearer

pytestmark = pytest.mark.django_db

ROUTES = ["/api/v1/", "/api/v1/me", "/api/v1/regions", "/api/v1/organisations", "/api/v1/openapi.json"]


def test_it_answers_401_without_credentials(client, world):
    for url in [
        *ROUTES,
        f"/api/v1/organisations/{world.unit_a.pk}",
        f"/api/v1/organisations/{world.unit_a.pk}/departments",
    ]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["Content-Type"].startswith("application/json"), url
        assert "令牌" in response.json()["detail"]
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_accepts_a_bearer_token(client, world):
    response = client.get("/api/v1/me", headers=bearer(world.unit_a_admin))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "unit_a_admin"
    assert body["roles"] == ["unit_admin"]
    assert body["memberships"] == [
        {
            "organisation_id": world.unit_a.pk,
            "organisation_name": "东城区执法局",
            "role": "unit_admin",
            "role_label": "单位创建办",
            "department_id": None,
        }
    ]


def test_it_records_when_a_token_was_last_used(client, world):
    token, raw = token_create(user=world.unit_a_admin, name="同步")
    assert token.last_used_at is None
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_refuses_a_revoked_token(client, world):
    token, raw = token_create(user=world.unit_a_admin, name="旧系统")
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    token_revoke(token=token)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_it_refuses_unknown_and_malformed_tokens(client, world):
    _token, raw = token_create(user=world.unit_a_admin, name="真令牌")
    for value in ["Bearer wm_not-a-real-token", f"Bearer {raw[:-1]}", f"Token {raw}", raw, "Bearer "]:
        assert client.get("/api/v1/me", headers={"Authorization": value}).status_code == 401, value


def test_it_refuses_the_token_of_a_disabled_user(client, world):
    headers = bearer(world.unit_a_admin)
    world.unit_a_admin.is_active = False
    world.unit_a_admin.save(update_fields=["is_active"])
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_it_stores_only_the_digest(world):
    token, raw = token_create(user=world.unit_a_admin, name="摘要")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.token_hash, stored.prefix, stored.name)
    assert len(stored.token_hash) == 64 and raw.startswith(stored.prefix)
    assert token_user(raw=raw) == world.unit_a_admin


def test_it_accepts_the_page_session(client, world):
    login_client(client, world.unit_a_admin)
    response = client.get("/api/v1/me")
    assert response.status_code == 200 and response.json()["username"] == "unit_a_admin"


def test_it_refuses_an_admin_session_without_the_second_factor(client, world, settings):
    settings.REQUIRE_2FA = True
    login_client(client, world.city_admin, verified=False)
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/openapi.json").status_code == 401
    login_client(client, world.city_admin, verified=True)
    assert client.get("/api/v1/me").status_code == 200


def test_session_auth_checks_csrf_on_unsafe_methods(world):
    """The API has no write endpoints yet; the session auth they will use refuses a POST without
    the CSRF token, and a token-authenticated integration needs none."""
    from django.contrib.sessions.middleware import SessionMiddleware

    auth = SecondFactorSessionAuth()
    request = RequestFactory(enforce_csrf_checks=True).post("/api/v1/me")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = world.unit_a_admin
    request._dont_enforce_csrf_checks = False
    with pytest.raises(HttpError) as exc:
        auth(request)
    assert exc.value.status_code == 403

    get = RequestFactory().get("/api/v1/me")
    get.user = world.unit_a_admin
    assert auth(get) == world.unit_a_admin


def test_a_bad_token_does_not_fall_back_to_the_session(client, world):
    login_client(client, world.unit_a_admin)
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer wm_wrong"}).status_code == 401
