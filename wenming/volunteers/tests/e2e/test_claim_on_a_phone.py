"""End to end on a 375 px phone: a person registered by their organisation (no login) opens
认领档案 from the registration page, first types a wrong phone (generic answer), then the right
numbers and a password → lands on 我的志愿服务 signed in, sees their number and masked data, opens
我的时长, and can sign in again with the volunteer number."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import CHROMIUM, PHONE
from tests.e2e.helpers import assert_fits_width, assert_styled, log_in, shot
from wenming.volunteers.claim import GENERIC_ERROR
from wenming.volunteers.models import Volunteer
from wenming.volunteers.tests.helpers import ID_APPLICANT, PHONE_APPLICANT, build_vworld

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"未找到 Chromium（{CHROMIUM}），跳过浏览器测试"),
]
NEW_PASSWORD = "Li#2026claim"


def test_claim_my_record_on_a_phone(browser, live_server, world, screens_dir):
    base = live_server.url
    vw = build_vworld(world)
    assert Volunteer.objects.get(pk=vw.applicant.pk).user_id is None
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: m.type == "error" and "favicon" not in m.text and problems.append(m.text))
    try:
        page.goto(f"{base}/volunteers/register/")
        page.click("[data-testid=claim-link]")
        page.wait_for_url(f"{base}/volunteers/claim/")
        assert_styled(page)
        assert_fits_width(page)
        assert "个人信息处理告知" in page.locator("[data-testid=consent-text]").inner_text()

        def fill(phone: str) -> None:
            page.select_option("#id_id_type", "mainland")
            page.fill("#id_id_number", ID_APPLICANT)
            page.fill("#id_phone", phone)
            page.fill("#id_password1", NEW_PASSWORD)
            page.fill("#id_password2", NEW_PASSWORD)
            page.check("#id_consent")

        fill("13900000000")
        page.click("[data-testid=claim-form] button[type=submit]")
        page.wait_for_selector(".alert-danger")
        assert GENERIC_ERROR in page.locator("body").inner_text()
        assert_fits_width(page)
        shot(page, screens_dir, "volunteers-claim-refused-phone")

        fill(PHONE_APPLICANT)
        shot(page, screens_dir, "volunteers-claim-phone")
        page.click("[data-testid=claim-form] button[type=submit]")
        page.wait_for_url(f"{base}/volunteers/me/")
        applicant = Volunteer.objects.get(pk=vw.applicant.pk)
        body = page.locator("body").inner_text()
        assert "认领成功" in body and applicant.number in body and applicant.id_masked in body
        assert ID_APPLICANT not in page.content() and PHONE_APPLICANT not in page.content()
        assert_fits_width(page)
        shot(page, screens_dir, "volunteers-claim-done-phone")
        page.goto(f"{base}/volunteers/me/hours/")
        assert page.locator("[data-testid=star]").is_visible()
        assert_fits_width(page)

        # Signed out, the volunteer number and the new password sign in again.
        context.clear_cookies()
        log_in(page, base, applicant.number, NEW_PASSWORD)
        page.goto(f"{base}/volunteers/me/")
        assert applicant.number in page.locator("body").inner_text() and "/login/" not in page.url
        assert not problems, problems
    finally:
        context.close()
