"""The menu of a volunteer-org admin and of a plain volunteer, on a 375 px phone (behind the menu
button) and on a desktop: their pages are there, office pages are not. Screenshots under
var/screens/ (volunteers-nav-*)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, DESKTOP, PHONE
from tests.e2e.helpers import assert_fits_width, enrol_second_factor, log_in, shot
from wenming.volunteers.tests.helpers import build_vworld

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"未找到 Chromium（{CHROMIUM}），跳过浏览器测试"),
]
OFFICE_PAGES = [
    "区划",
    "点位",
    "问题台账",
    "督查活动",
    "测评体系",
    "创建任务",
    "志愿服务统计",
    "星级标准",
    "审计日志",
]


def _menu_labels(page) -> set[str]:
    """Every link of the menu, open dropdowns or not."""
    return {t.strip() for t in page.locator("#navbar-menu a").all_text_contents()}


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_menus_follow_the_volunteer_roles(browser, live_server, world, screens_dir, size):
    base = live_server.url
    vw = build_vworld(world)
    viewport = PHONE if size == "phone" else DESKTOP
    for who, user, expected, absent in (
        ("vorg-admin", vw.vorg_admin, ["志愿者", "志愿活动", "服务时长", "批量导入导出", "志愿服务证明", "文件", "后台任务"], ["我的志愿服务"]),
        ("volunteer", vw.vol_user, ["我的志愿服务", "志愿活动", "服务时长", "志愿服务证明"], ["志愿者", "批量导入导出", "文件", "后台任务", "组织"]),
    ):  # fmt: skip
        context = browser.new_context(viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone",
                                      locale="zh-CN", timezone_id="Asia/Shanghai")  # fmt: skip
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            log_in(page, base, user.username)
            if "/2fa/" in page.url:
                enrol_second_factor(page, base)
            page.goto(f"{base}/volunteers/activities/")
            if size == "phone":
                page.click(".navbar-toggler")
                # Wait for the collapse animation to end (class "collapsing" → "collapse show").
                expect(page.locator("#navbar-menu")).to_have_class(re.compile(r"\bshow\b"))
            # Open the 志愿服务 dropdown (and 工具 when there is one) so the screenshot shows them.
            section = page.locator("#navbar-menu .nav-link.dropdown-toggle", has_text="志愿服务")
            section.click()
            page.locator("#navbar-menu .dropdown-menu.show").first.wait_for(state="visible")
            if size == "phone":
                expect(page.locator("#navbar-menu")).not_to_have_class(re.compile(r"\bcollapsing\b"))
            labels = _menu_labels(page)
            for label in expected:
                assert label in labels, (who, label, labels)
            for label in absent + OFFICE_PAGES:
                assert label not in labels, (who, label, labels)
            assert_fits_width(page)
            shot(page, screens_dir, f"volunteers-nav-{who}-{size}")
        finally:
            context.close()
