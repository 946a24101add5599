"""In Chromium: the unit admin starts a 自评 from the campaign page, scores one criterion below full
marks with a reason, scores the rest, checks the veto list, submits — and the 对标找差 list puts
that criterion first; the list fits a 375 px phone."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import CHROMIUM, PHONE
from tests.e2e.helpers import assert_fits_width, assert_styled, log_in, shot
from wenming.assessments.models import Round, Score
from wenming.assessments.tests.helpers import crit, scheme_campaign
from wenming.audit.context import SYSTEM, acting_as

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"未找到 Chromium（{CHROMIUM}），跳过浏览器测试"),
]


def test_score_submit_and_gap_list(page, browser, live_server, world, screens_dir):
    with acting_as(SYSTEM):
        campaign = scheme_campaign(world)
    c = {code: crit(campaign, code).pk for code in ("1.1", "1.2", "1.3", "3.1")}
    log_in(page, live_server.url, world.unit_a_admin.username)
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    page.get_by_role("link", name="测评", exact=True).click()
    assert_styled(page)
    page.select_option("#kind", "self")
    page.get_by_role("button", name="开始").click()
    page.wait_for_load_state("load")
    r = Round.objects.get(campaign=campaign)
    assert page.url.endswith(f"/assessments/rounds/{r.pk}/"), page.url

    # item 1: 1.1 below full marks with a reason, the others at full marks
    page.fill(f"#v-{c['1.1']}", "2")
    page.fill(f"#r-{c['1.1']}", "领导小组会议记录缺失两次")
    page.select_option(f"#v-{c['1.2']}", "A")
    page.fill(f"#v-{c['1.3']}", "5")
    shot(page, screens_dir, "e2e-assessments-1-score")
    page.get_by_test_id("save-scores").click()
    page.wait_for_load_state("load")
    assert "已保存（3 项有变化）" in page.content()
    # item 3 at full marks
    page.get_by_role("link", name="3 优美环境").click()
    page.fill(f"#v-{c['3.1']}", "5")
    page.get_by_test_id("save-scores").click()
    page.wait_for_load_state("load")
    for select in page.locator("select[name^=veto-]").all():
        select.select_option("0")
    page.get_by_role("button", name="保存加扣分、否决核查和总体评价").click()
    page.wait_for_load_state("load")
    page.get_by_test_id("submit-round").click()
    page.wait_for_load_state("load")
    assert "已提交并锁定" in page.content()
    r.refresh_from_db()
    assert (
        r.is_locked and Score.objects.get(round=r, criterion_id=c["1.1"]).reason == "领导小组会议记录缺失两次"
    )
    assert page.get_by_test_id("round-total").inner_text().startswith("13")
    assert page.get_by_test_id("save-scores").count() == 0  # locked: no more saving

    page.get_by_role("link", name="对标找差").first.click()
    page.wait_for_load_state("load")
    first = page.get_by_test_id("gap-row").first
    assert first.get_attribute("data-code") == "1.1"
    assert "领导小组会议记录缺失两次" in first.inner_text()
    shot(page, screens_dir, "e2e-assessments-2-gaps")
    assert page.problems == []

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        p = phone.new_page()
        log_in(p, live_server.url, world.unit_a_admin.username)
        p.goto(f"{live_server.url}/assessments/campaigns/{campaign.pk}/gaps/")
        assert p.get_by_test_id("gap-row").first.get_attribute("data-code") == "1.1"
        assert_fits_width(p)
        shot(p, screens_dir, "e2e-assessments-3-gaps-phone")
    finally:
        phone.close()
