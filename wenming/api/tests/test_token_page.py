"""接口令牌 page: create (raw value shown once), list, revoke; each change audited."""

from __future__ import annotations

import re

import pytest

from wenming.api.models import ApiToken
from wenming.api.services import MAX_ACTIVE_TOKENS, token_create
from wenming.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db

RAW = re.compile(r'data-testid="token-raw" value="(wm_[^"]+)"|value="(wm_[^"]+)"[^>]*data-testid="token-raw"')


def _raw_from(html: str) -> str:
    match = RAW.search(html)
    assert match, "the new token is shown on the page"
    return match.group(1) or match.group(2)


def test_it_creates_a_token_and_shows_it_once(client, login, world):
    login(world.unit_a_admin)
    response = client.post("/account/tokens/", {"name": "市平台同步"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    raw = _raw_from(html)
    token = ApiToken.objects.get(user=world.unit_a_admin, name="市平台同步")
    assert raw.startswith(token.prefix)
    # It works against the API …
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).json()["username"]
        == "unit_a_admin"
    )
    # … and the next visit lists the token by its prefix only.
    listing = client.get("/account/tokens/").content.decode()
    assert "市平台同步" in listing and token.prefix in listing and raw not in listing


def test_creation_is_audited_without_the_secret(client, login, world):
    login(world.unit_a_admin)
    response = client.post("/account/tokens/", {"name": "审计检查"})
    raw = _raw_from(response.content.decode())
    token = ApiToken.objects.get(name="审计检查")
    entry = AuditEntry.objects.get(object_type="api.apitoken", object_id=str(token.pk), action=Action.CREATE)
    assert entry.actor_id == world.unit_a_admin.pk
    assert entry.org_id == world.unit_a.pk  # filed under the owner's unit, so its admins see it
    assert raw not in str(entry.changes) and token.token_hash not in str(entry.changes)


def test_a_blank_name_is_refused(client, login, world):
    login(world.unit_a_admin)
    response = client.post("/account/tokens/", {"name": "   "})
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode() or "请填写令牌名称" in response.content.decode()
    assert not ApiToken.objects.filter(user=world.unit_a_admin).exists()


def test_the_number_of_active_tokens_is_capped(client, login, world):
    for i in range(MAX_ACTIVE_TOKENS):
        token_create(user=world.unit_a_admin, name=f"令牌{i}")
    login(world.unit_a_admin)
    response = client.post("/account/tokens/", {"name": "多余的"})
    assert f"最多保留 {MAX_ACTIVE_TOKENS} 个有效令牌" in response.content.decode()
    assert not ApiToken.objects.filter(name="多余的").exists()


def test_it_revokes_an_own_token_and_audits_it(client, login, world):
    token, raw = token_create(user=world.unit_a_admin, name="待撤销")
    login(world.unit_a_admin)
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/account/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = AuditEntry.objects.get(object_type="api.apitoken", object_id=str(token.pk), action=Action.UPDATE)
    assert entry.actor_id == world.unit_a_admin.pk and entry.changes["revoked_at"][0] is None
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert "已撤销" in client.get("/account/tokens/").content.decode()


def test_nobody_else_can_see_or_revoke_a_token(client, login, world):
    token, _raw = token_create(user=world.unit_a_admin, name="别人的令牌")
    for other in (world.outsider, world.dept_lead_a, world.city_admin, world.platform):
        login(other)
        assert "别人的令牌" not in client.get("/account/tokens/").content.decode(), other
        assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404, other
    token.refresh_from_db()
    assert token.revoked_at is None


def test_office_admins_pass_the_second_factor_before_minting_tokens(client, login, world, settings):
    settings.REQUIRE_2FA = True
    login(world.city_admin, verified=False)
    response = client.post("/account/tokens/", {"name": "绕过"})
    assert response.status_code == 302 and response["Location"].startswith("/2fa/")
    assert not ApiToken.objects.filter(name="绕过").exists()
