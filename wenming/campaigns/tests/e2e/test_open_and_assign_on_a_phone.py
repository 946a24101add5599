"""On a 375 px phone: a unit admin opens a campaign and assigns a task to a department; the
department lead then finds it under 我的任务 and uploads two evidence files at once."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import CHROMIUM, PHONE
from tests.e2e.helpers import assert_fits_width, assert_styled, log_in, shot
from wenming.audit.context import SYSTEM, acting_as
from wenming.campaigns.models import Campaign
from wenming.frameworks import services
from wenming.frameworks.tests.helpers import make_framework, node

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"未找到 Chromium（{CHROMIUM}），跳过浏览器测试"),
]


def _phone(browser):
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"HTTP {r.status}: {r.url}"))
    return context, page


def test_open_assign_and_my_tasks(browser, live_server, world, screens_dir):
    with acting_as(SYSTEM):
        nodes = [
            node("1", title="组织领导"),
            node("1.1", "1", title="成立创建工作领导小组，主要负责同志任组长"),
            node("1.2", "1", title="制定年度创建工作计划"),
            node("2", title="思想道德建设"),
            node("2.1", "2", title="开展理论学习"),
        ]
        fw = services.framework_publish(
            framework=make_framework(world.county_a_office, title="东城区文明单位测评细则", nodes=nodes)
        )
    context, page = _phone(browser)
    try:
        log_in(page, live_server.url, world.unit_a_admin.username)
        page.goto(f"{live_server.url}/campaigns/")
        assert_styled(page)
        page.get_by_role("link", name="开展创建").click()
        page.select_option("#id_framework", str(fw.pk))
        page.fill("#id_title", "创建市级文明单位")
        page.fill("#id_start_date", "2027-01-01")
        page.fill("#id_acceptance_date", "2027-06-30")
        assert_fits_width(page)
        shot(page, screens_dir, "e2e-campaigns-1-open-phone")
        page.locator("[data-testid=campaign-form] button[type=submit]").click()
        page.wait_for_load_state("load")
        campaign = Campaign.objects.get(title="创建市级文明单位")
        assert page.url.endswith(f"/campaigns/{campaign.pk}/"), page.url
        assert "已开展创建活动，生成任务 3 项" in page.content()
        assert_fits_width(page)

        page.goto(f"{live_server.url}/campaigns/{campaign.pk}/tasks/")
        assert page.locator("[data-testid=task-row]").count() == 3
        assert_fits_width(page)
        shot(page, screens_dir, "e2e-campaigns-2-tasks-phone")
        page.get_by_role("link", name="1.1", exact=True).click()
        page.select_option("#id_department", label="办公室")
        page.select_option("#id_assignee", str(world.dept_lead_a.pk))
        page.locator("[data-testid=task-form] button[type=submit]").click()
        page.wait_for_load_state("load")
        row = page.locator("[data-testid=task-row]").first
        assert "办公室" in row.inner_text() and "2027-05-31" in row.inner_text()
        page.get_by_role("link", name="挂图作战").click()
        assert page.locator("[data-testid=gantt-row]").count() == 3
        assert_fits_width(page)
        shot(page, screens_dir, "e2e-campaigns-2b-gantt-phone")
        assert page.problems == []
    finally:
        context.close()

    context, page = _phone(browser)
    try:
        log_in(page, live_server.url, world.dept_lead_a.username)
        page.goto(f"{live_server.url}/campaigns/my-tasks/")
        rows = page.locator("[data-testid=my-task-row]")
        assert rows.count() == 1 and "成立创建工作领导小组" in rows.first.inner_text()
        assert_fits_width(page)
        shot(page, screens_dir, "e2e-campaigns-3-my-tasks-phone")
        # ... and files evidence for it (资料台账).
        rows.first.get_by_role("link", name="1.1").click()
        page.get_by_role("link", name="上传佐证材料").click()
        page.set_input_files(
            "#id_files",
            [
                {
                    "name": "会议纪要.txt",
                    "mimeType": "text/plain",
                    "buffer": "领导小组第一次会议纪要\n".encode(),
                },
                {"name": "签到表.txt", "mimeType": "text/plain", "buffer": "签到表\n".encode()},
            ],
        )
        page.fill("#id_title", "领导小组会议")
        page.fill("#id_refers_to", "2026-03-01")
        assert_fits_width(page)
        page.locator("[data-testid=evidence-form] button[type=submit]").click()
        page.wait_for_load_state("load")
        assert page.locator("[data-testid=evidence-row]").count() == 2
        assert "待审核" in page.locator("[data-testid=evidence-row]").first.inner_text()
        assert_fits_width(page)
        shot(page, screens_dir, "e2e-campaigns-4-ledger-phone")
        assert page.problems == []
    finally:
        context.close()
