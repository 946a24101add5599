"""End-to-end in headless Chromium: signing in and out as real users do."""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings

from tests.e2e.conftest import CHROMIUM, PHONE
from tests.e2e.helpers import (
    assert_fits_width,
    assert_styled,
    log_in,
    shot,
    totp_now,
    wait_for_fresh_totp_window,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"未找到 Chromium（{CHROMIUM}），跳过浏览器测试：apt-get install chromium",
    ),
]


def test_unit_admin_logs_in_sees_home_and_logs_out(page, live_server, world, screens_dir):
    base = live_server.url
    log_in(page, base, world.unit_a_admin.username)

    # The unit admin needs no second factor: straight to the home page.
    assert page.url == f"{base}/", page.url
    assert page.locator("h2.page-title").inner_text() == "工作台"
    assert page.locator(".user-name").inner_text() == "unit_a_admin"
    nav = page.locator("#navbar-menu .nav-link-title").all_inner_texts()
    assert "组织" in nav and "审计日志" not in nav, nav  # navigation follows the role
    assert_styled(page)
    shot(page, screens_dir, "e2e-unit-admin-home")

    page.click("[aria-label=用户菜单]")
    page.click("[data-testid=logout]")
    page.wait_for_url(f"{base}/login/")
    assert "您已安全退出" in page.content()
    shot(page, screens_dir, "e2e-unit-admin-logged-out")

    # The session is gone: the home page sends us back to the login form.
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/login/"), page.url
    assert page.problems == [], page.problems


def test_city_office_admin_enrols_totp_and_reaches_home(page, live_server, world, screens_dir, settings):
    settings.REQUIRE_2FA = True
    base = live_server.url
    log_in(page, base, world.city_admin.username)

    # An office admin without a device is sent to enrol one before any page.
    assert page.url.startswith(f"{base}/2fa/setup/"), page.url
    assert_styled(page)
    assert page.locator("img[alt=动态口令二维码]").evaluate("img => img.naturalWidth > 0")
    shot(page, screens_dir, "e2e-office-admin-otp-setup")
    secret = page.locator("[data-testid=otp-secret]").inner_text().strip()

    # A typo first: refused, and the same unconfirmed device (same secret) is kept.
    page.fill("#token", "000000" if totp_now(secret) != "000000" else "111111")
    page.click(".page-body form button[type=submit]")
    page.wait_for_load_state("load")
    assert page.url.startswith(f"{base}/2fa/setup/") and page.locator(".page-body .alert-danger").count() == 1
    assert page.locator("[data-testid=otp-secret]").inner_text().strip() == secret
    # django-otp refuses any code for THROTTLE_FACTOR seconds after the first wrong one.
    time.sleep(getattr(django_settings, "OTP_TOTP_THROTTLE_FACTOR", 1) + 0.2)
    wait_for_fresh_totp_window()
    page.fill("#token", totp_now(secret))
    page.click(".page-body form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert "动态口令已绑定" in page.content()
    nav = page.locator("#navbar-menu .nav-link-title").all_inner_texts()
    assert {"区划", "组织", "审计日志"} <= set(nav), nav
    shot(page, screens_dir, "e2e-office-admin-home")

    # The same session on a phone: the home page and the organisation list.
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/")
    assert_styled(page)
    assert_fits_width(page)
    shot(page, screens_dir, "e2e-phone-home")

    page.goto(f"{base}/orgs/")
    assert page.locator("h2.page-title").inner_text() == "组织"
    rows = page.locator("[data-testid=org-table] tbody tr")
    assert rows.count() == 5  # the city office sees every organisation under 示范市
    assert_fits_width(page)
    shot(page, screens_dir, "e2e-phone-org-list")
    assert page.problems == [], page.problems


def test_unit_admin_creates_an_api_token_and_an_integration_uses_it(
    page, browser, live_server, world, screens_dir
):
    base = live_server.url
    log_in(page, base, world.unit_a_admin.username)
    page.click("#navbar-menu >> text=工具")  # the 工具 section is a dropdown
    page.click("#navbar-menu >> text=接口令牌")
    page.wait_for_url(f"{base}/account/tokens/")
    page.fill("#id_name", "市级平台数据同步")
    page.click("[data-testid=token-create]")
    page.wait_for_load_state("load")
    raw = page.locator("[data-testid=token-raw]").input_value()
    assert raw.startswith("wm_")
    assert_styled(page)
    shot(page, screens_dir, "e2e-token-created")

    # An integration (a separate client without the browser's cookies) calls the API with the token.
    integration = browser.new_context()
    api = integration.request
    assert api.get(f"{base}/api/v1/me", fail_on_status_code=False).status == 401
    me = api.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {raw}"}, fail_on_status_code=False)
    assert me.status == 200 and me.json()["username"] == "unit_a_admin"
    orgs = api.get(f"{base}/api/v1/organisations", headers={"Authorization": f"Bearer {raw}"})
    assert [o["name"] for o in orgs.json()["items"]] == ["东城区执法局"]

    # Revoked on the page, refused by the API.
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/account/tokens/")
    assert raw not in page.content()
    assert_fits_width(page)
    shot(page, screens_dir, "e2e-phone-token-list")
    page.click("[data-testid=token-revoke]")
    page.wait_for_url(f"{base}/account/tokens/")
    assert "已撤销" in page.locator("[data-testid=token-list]").inner_text()
    assert_fits_width(page)
    shot(page, screens_dir, "e2e-phone-token-revoked")
    refused = api.get(
        f"{base}/api/v1/me", headers={"Authorization": f"Bearer {raw}"}, fail_on_status_code=False
    )
    assert refused.status == 401
    integration.close()
    assert page.problems == [], page.problems
