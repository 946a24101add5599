"""End to end on a 375 px phone: a resident registers (consent, real name) → lands on 我的志愿服务
with the volunteer number and masked data → applies to a team → the organisation's admin approves
on their phone → the volunteer sees 已加入."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.conftest import CHROMIUM, PHONE
from tests.e2e.helpers import assert_fits_width, assert_styled, enrol_second_factor, log_in, shot
from wenming.orgs.personal import make_mainland_id
from wenming.volunteers.models import MembershipStatus, TeamMembership, Volunteer
from wenming.volunteers.tests.helpers import PASSWORD, build_vworld

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"未找到 Chromium（{CHROMIUM}），跳过浏览器测试"),
]
NEW_ID = make_mainland_id("990102", dt.date(1995, 6, 18), 531)


@pytest.fixture
def phone(browser, live_server):
    contexts = []

    def open_page():
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
        page.on("console", lambda m: m.type == "error" and "favicon" not in m.text and page.problems.append(m.text))
        page.on("response", lambda r: r.status >= 400 and page.problems.append(f"HTTP {r.status}: {r.url}"))
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_register_apply_and_get_approved(phone, live_server, world, screens_dir):
    base = live_server.url
    vw = build_vworld(world)

    # 1. Self-registration, not signed in.
    page = phone()
    page.goto(f"{base}/volunteers/register/")
    assert_styled(page)
    assert "个人信息处理告知" in page.locator("[data-testid=consent-text]").inner_text()
    assert_fits_width(page)
    page.fill("#id_name", "陈小志")
    page.select_option("#id_id_type", "mainland")
    page.fill("#id_id_number", NEW_ID)
    page.fill("#id_phone", "13566667777")
    # The community picker: county → town (loaded by htmx) → community.
    page.select_option("#wm-county-residence", world.county_a.code)
    page.wait_for_selector("#wm-town-residence option[value='990102001000']", state="attached")
    page.select_option("#wm-town-residence", "990102001000")
    page.wait_for_selector(f"#id_residence option[value='{vw.community_a.pk}']", state="attached")
    page.select_option("#id_residence", str(vw.community_a.pk))
    page.select_option("#id_political_status", "cyl")
    page.fill("#id_skills", "摄影")
    page.fill("#id_password1", "Chen#2026xz")
    page.fill("#id_password2", "Chen#2026xz")
    shot(page, screens_dir, "volunteers-register-phone")
    page.check("#id_consent")
    page.click("[data-testid=register-form] button[type=submit]")
    page.wait_for_url(f"{base}/volunteers/me/")
    volunteer = Volunteer.objects.get(name="陈小志")
    body = page.locator("body").inner_text()
    assert volunteer.number in body and "注册成功" in body
    assert NEW_ID not in page.content() and "13566667777" not in page.content()
    assert volunteer.id_masked in body
    assert_fits_width(page)

    # 2. Apply to the team of the 东城区 organisation.
    row = page.locator(".list-group-item", has_text="幸福社区助老队")
    row.get_by_role("button", name="申请加入").click()
    page.wait_for_load_state("load")
    assert "请等待组织管理员审核" in page.locator("body").inner_text()
    shot(page, screens_dir, "volunteers-me-phone")
    application = TeamMembership.objects.get(volunteer=volunteer, team=vw.team_a)
    assert application.status == MembershipStatus.APPLIED

    # 3. The organisation's admin approves on their phone.
    admin = phone()
    log_in(admin, base, vw.vorg_admin.username, PASSWORD)
    enrol_second_factor(admin, base)  # org admins may unmask IDs: second factor required
    admin.goto(f"{base}/volunteers/teams/{vw.team_a.pk}/")
    assert_fits_width(admin)
    item = admin.locator("[data-testid=application-list] .list-group-item", has_text="陈小志")
    assert volunteer.id_masked in item.inner_text() and NEW_ID not in admin.content()
    item.get_by_role("button", name="通过").click()
    admin.wait_for_load_state("load")
    assert "已通过 陈小志 的入队申请" in admin.locator("body").inner_text()
    shot(admin, screens_dir, "volunteers-team-phone")

    # 4. The volunteer sees the result.
    page.goto(f"{base}/volunteers/me/")
    assert "已加入" in page.locator("body").inner_text()
    application.refresh_from_db()
    assert application.status == MembershipStatus.APPROVED
    assert page.problems == [] and admin.problems == []
