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
