"""On a 375 px phone: the framework list and a 125-criterion tree fit the width, and the tree's
levels open and close (plain <details>, no JavaScript needed)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import CHROMIUM, PHONE
from tests.e2e.helpers import assert_fits_width, assert_styled, log_in, shot
from wenming.audit.context import SYSTEM, acting_as
from wenming.frameworks import services
from wenming.frameworks.tests.helpers import big_nodes, make_framework

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"未找到 Chromium（{CHROMIUM}），跳过浏览器测试"),
]


def test_tree_on_a_phone(browser, live_server, world, screens_dir):
    with acting_as(SYSTEM):
        nodes = big_nodes(5, 4, 5)
        nodes[0].title = "组织领导坚强有力，创建工作机制健全，领导班子带头参与文明创建活动"
        nodes[2].requirement = "有年度学雷锋活动总体方案，有明确责任部门和责任人，有具体活动安排" * 3
        fw = services.framework_publish(
            framework=make_framework(
                world.county_a_office, title="东城区文明单位测评细则", nodes=nodes, total=100
            )
        )
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    try:
        log_in(page, live_server.url, world.city_inspector.username)
        page.goto(f"{live_server.url}/frameworks/")
        assert_styled(page)
        assert "东城区文明单位测评细则" in page.locator("[data-testid=framework-table]").inner_text()
        assert_fits_width(page)
        shot(page, screens_dir, "e2e-frameworks-1-list-phone")

        page.goto(f"{live_server.url}/frameworks/{fw.pk}/")
        assert page.locator("[data-testid=criterion]").count() == 125
        first = page.locator("details[data-code='1']")
        content = page.locator("details[data-code='1.1']")
        standard = page.locator("details[data-code='1.1.1']")
        assert first.get_attribute("open") is not None and content.get_attribute("open") is None
        assert not standard.is_visible()
        content.locator("> summary").click()
        assert standard.is_visible() and "实地考察" in standard.inner_text()
        assert_fits_width(page)
        shot(page, screens_dir, "e2e-frameworks-2-tree-phone")
        first.locator("> summary").click()
        assert not content.is_visible()
        assert problems == []
    finally:
        context.close()


def test_office_admin_builds_and_publishes_on_a_phone(browser, live_server, world, screens_dir, settings):
    settings.REQUIRE_2FA = False  # the second factor has its own browser test (tests/e2e/test_login_flows.py)
    from wenming.frameworks.models import Framework, FrameworkStatus

    with acting_as(SYSTEM):
        source = services.framework_publish(
            framework=make_framework(None, title="内置测评体系", nodes=big_nodes(2, 1, 2))
        )
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    base = live_server.url
    try:
        log_in(page, base, world.county_a_admin.username)
        page.goto(f"{base}/frameworks/{source.pk}/")
        page.click("text=派生本地版本")
        page.fill("#id_title", "东城区本地版")
        assert_fits_width(page)
        page.click(".page-body form button[type=submit]")
        page.wait_for_url(f"{base}/frameworks/*/")
        local = Framework.objects.get(title="东城区本地版")
        assert local.derived_from_id == source.pk and local.owner_id == world.county_a_office.pk

        page.click("[data-testid=framework-actions] >> text=添加测评项目")
        page.fill("#id_code", "9")
        page.fill("#id_title", "本地特色：志愿服务常态化")
        page.fill("#id_score", "10")
        page.fill("#id_methods", "材料审核、实地考察")
        page.check("input[name=evidence_types][value=image]")
        page.select_option("#id_scheme_type", "等级评分")
        page.fill("#id_scheme_rule", "A=10；B=6；C=0")
        assert_fits_width(page)
        shot(page, screens_dir, "e2e-frameworks-3-criterion-form-phone")
        page.click(".page-body form button[type=submit]")
        page.wait_for_url(f"{base}/frameworks/{local.pk}/")
        node = page.locator("details[data-code='9']")
        assert (
            "本地特色：志愿服务常态化" in node.inner_text()
            and "等级评分：A=10；B=6；C=0" in node.inner_text()
        )
        assert "图片资料" in node.inner_text()
        assert_fits_width(page)
        page.click("[data-testid=framework-actions] >> text=发布")
        page.wait_for_url(f"{base}/frameworks/{local.pk}/")
        assert "已发布" in page.content()
        local.refresh_from_db()
        assert local.status == FrameworkStatus.PUBLISHED
        shot(page, screens_dir, "e2e-frameworks-4-published-phone")
        assert problems == []
    finally:
        context.close()
