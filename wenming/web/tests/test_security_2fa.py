"""Second factor (TOTP) for platform and office admins: enrolment, verification, and nothing else
reachable before it; REQUIRE_2FA / WENMING_DEMO as documented in docs/deploy.md."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.test_url_walk import _build, all_patterns
from tests.world import PASSWORD
from wenming.audit.models import Action, AuditEntry
from wenming.web.middleware import EXEMPT_PREFIXES
from wenming.web.tests.settings_probe import probe_settings, run_manage

pytestmark = pytest.mark.django_db


def _password_login(client, user) -> None:
    response = client.post("/login/", {"username": user.get_username(), "password": PASSWORD})
    assert response.status_code == 302


def _wait_out_throttle(device: TOTPDevice) -> None:
    """django-otp refuses any code for 2**(n-1) seconds after the n-th wrong one; let that pass."""
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=device.throttling_failure_timestamp - dt.timedelta(hours=1)
    )


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead)
    return str(value).zfill(device.digits)


def test_an_admin_without_a_device_is_sent_to_enrol_and_can_enrol(client, world):
    admin = world.city_admin
    _password_login(client, admin)

    response = client.get("/orgs/")
    assert response.status_code == 302
    assert response["Location"] == "/2fa/setup/?next=%2Forgs%2F"

    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "绑定动态口令" in body and 'src="data:image/svg+xml;base64,' in body
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7]+)<', body).group(1)
    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key

    wrong = client.post(
        "/2fa/setup/", {"token": "000000" if _code(device) != "000000" else "111111", "next": "/orgs/"}
    )
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    _wait_out_throttle(device)

    done = client.post("/2fa/setup/", {"token": _code(device), "next": "/orgs/"})

    assert done.status_code == 302 and done["Location"] == "/orgs/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/orgs/").status_code == 200
    entry = AuditEntry.objects.filter(action=Action.OTP_ENROL, object_id=str(admin.pk)).get()
    assert entry.actor_id == admin.pk


@override_settings(OTP_TOTP_THROTTLE_FACTOR=60)  # a wait long enough that a slow machine cannot outrun it
def test_an_admin_with_a_device_must_verify_a_code(client, world):
    admin = world.county_a_admin
    device = TOTPDevice.objects.create(user=admin, name="手机", confirmed=True)
    _password_login(client, admin)

    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/2fa/verify/?next=%2F"
    wrong = client.post("/2fa/verify/", {"token": "12345", "next": "/"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    assert client.get("/").status_code == 302
    # Straight after a wrong code even the right one is refused (brute-force throttle) ...
    throttled = client.post("/2fa/verify/", {"token": _code(device), "next": "/"})
    assert throttled.status_code == 200 and "验证码错误次数过多" in throttled.content.decode()
    # ... until the wait has passed.
    _wait_out_throttle(device)

    ok = client.post("/2fa/verify/", {"token": _code(device), "next": "/"})

    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_used_code_cannot_be_replayed(client, world):
    admin = world.county_a_admin
    device = TOTPDevice.objects.create(user=admin, name="手机", confirmed=True)
    code = _code(device)
    _password_login(client, admin)
    assert client.post("/2fa/verify/", {"token": code}).status_code == 302
    client.post("/logout/")

    _password_login(client, admin)
    replay = client.post("/2fa/verify/", {"token": code})
    assert replay.status_code == 200 and "验证码不正确" in replay.content.decode()
    _wait_out_throttle(device)
    assert client.post("/2fa/verify/", {"token": _code(device, steps_ahead=1)}).status_code == 302


def test_a_password_alone_cannot_replace_the_enrolled_device(client, world):
    admin = world.city_admin
    TOTPDevice.objects.create(user=admin, name="手机", confirmed=True)
    _password_login(client, admin)

    response = client.get("/2fa/setup/")

    assert response.status_code == 302 and response["Location"].startswith("/2fa/verify/")
    assert not TOTPDevice.objects.filter(user=admin, confirmed=False).exists()


def test_an_unverified_admin_reaches_nothing_but_2fa_and_logout(client, world):
    admin = world.platform
    _password_login(client, admin)
    walked = 0
    for route, _pattern in all_patterns():
        url, _ = _build(route, world)
        if url.startswith("/logout/"):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            status = response.status_code
            if url.startswith("/2fa/"):
                assert status in (200, 302), f"{method} {url}: {status}"
                if status == 302:
                    assert response["Location"].startswith("/2fa/"), url
            elif url.startswith("/api/"):
                assert status in (401, 405), (
                    f"{method} {url}: an unverified session must not count ({status})"
                )
            elif url.startswith(EXEMPT_PREFIXES):  # login, healthz: no data behind them
                assert status != 500, url
            else:
                assert status == 302, f"{method} {url}: {status}"
                assert response["Location"].startswith("/2fa/setup/?next="), f"{method} {url}"
            walked += 1
    assert walked > 10
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


def test_non_admins_need_no_second_factor(client, world):
    _password_login(client, world.unit_a_admin)
    assert client.get("/").status_code == 200
    assert client.get("/password/").status_code == 200


@override_settings(REQUIRE_2FA=False, DEMO_MODE=True)
def test_in_the_demo_2fa_can_be_off_and_the_login_page_says_so(client, world):
    notice = client.get("/login/").content.decode()
    assert "演示环境" in notice and "动态口令（第二重验证）已关闭" in notice
    _password_login(client, world.city_admin)
    assert client.get("/").status_code == 200


def test_with_2fa_on_the_login_page_has_no_such_notice(client):
    body = client.get("/login/").content.decode()
    assert "已关闭" not in body and "演示环境" not in body


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, {"REQUIRE_2FA": True, "DEMO_MODE": False}),
        ({"WENMING_DEMO": "1"}, {"REQUIRE_2FA": False, "DEMO_MODE": True}),
        ({"WENMING_DEMO": "1", "REQUIRE_2FA": "1"}, {"REQUIRE_2FA": True, "DEMO_MODE": True}),
        ({"DEBUG": "1", "REQUIRE_2FA": "0"}, {"REQUIRE_2FA": False, "DEMO_MODE": False}),
    ],
)
def test_require_2fa_and_demo_from_the_environment(tmp_path, env, expected):
    assert probe_settings(tmp_path, ["REQUIRE_2FA", "DEMO_MODE"], **env) == expected


def test_production_settings_refuse_to_switch_2fa_off(tmp_path):
    result = run_manage(tmp_path, "check", REQUIRE_2FA="0", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "REQUIRE_2FA=0 is allowed only with WENMING_DEMO=1 or DEBUG=1" in result.stderr
