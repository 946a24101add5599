"""Issue 3's whole cycle in Chromium, as the people do it: the unit admin opens a campaign and
assigns a task; the department lead uploads evidence; the admin accepts it; the admin scores the
self-assessment (自评) and submits it; the gap list (对标找差) puts the criterion that lost points
first; the binder (装订) downloads and its index lists the uploaded file with its SHA-256."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from tests.e2e.conftest import CHROMIUM
from tests.e2e.helpers import log_in, shot
from wenming.assessments.tests.helpers import crit, scheme_nodes
from wenming.campaigns.models import Campaign
from wenming.frameworks.services import framework_publish
from wenming.frameworks.tests.helpers import make_framework
from wenming.orgs.tests.helpers import as_user

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"未找到 Chromium（{CHROMIUM}），跳过浏览器测试"),
]

MINUTES = "东城区某单位创建工作领导小组第一次会议纪要\n".encode()


def _submit(page, testid):
    page.locator(f"[data-testid={testid}] button[type=submit]").click()
    page.wait_for_load_state("load")


def test_open_assign_upload_accept_score_gaps_binder(page, browser, live_server, world, screens_dir):
    base = live_server.url
    with as_user(world.county_a_admin):
        framework = framework_publish(
            framework=make_framework(
                world.county_a_office, title="东城区文明单位测评细则", nodes=scheme_nodes(), total=15
            )
        )

    # 1. The unit admin opens the campaign: one task per criterion.
    log_in(page, base, world.unit_a_admin.username)
    page.goto(f"{base}/campaigns/")
    page.get_by_role("link", name="开展创建").click()
    page.select_option("#id_framework", str(framework.pk))
    page.fill("#id_title", "创建区级文明单位")
    page.fill("#id_start_date", "2026-01-01")
    page.fill("#id_acceptance_date", "2027-06-30")
    _submit(page, "campaign-form")
    campaign = Campaign.objects.get(title="创建区级文明单位")
    assert page.url.endswith(f"/campaigns/{campaign.pk}/"), page.url

    # 2. ... and assigns criterion 1.1 to the office (办公室) and its lead.
    page.goto(f"{base}/campaigns/{campaign.pk}/tasks/")
    page.get_by_role("link", name="1.1", exact=True).click()
    page.select_option("#id_department", label="办公室")
    page.select_option("#id_assignee", str(world.dept_lead_a.pk))
    _submit(page, "task-form")
    assert "办公室" in page.locator("[data-testid=task-row]").first.inner_text()

    # 3. The department lead finds the task and uploads the minutes.
    lead_context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    lead = lead_context.new_page()
    lead.set_default_timeout(15_000)
    try:
        log_in(lead, base, world.dept_lead_a.username)
        lead.goto(f"{base}/campaigns/my-tasks/")
        rows = lead.locator("[data-testid=my-task-row]")
        assert rows.count() == 1
        rows.first.get_by_role("link", name="1.1").click()
        lead.get_by_role("link", name="上传佐证材料").click()
        lead.set_input_files(
            "#id_files", [{"name": "会议纪要.txt", "mimeType": "text/plain", "buffer": MINUTES}]
        )
        lead.fill("#id_title", "领导小组会议纪要")
        lead.fill("#id_refers_to", "2026-03-01")
        _submit(lead, "evidence-form")
        assert "待审核" in lead.locator("[data-testid=evidence-row]").first.inner_text()
    finally:
        lead_context.close()

    # 4. The admin accepts it in the ledger.
    page.goto(f"{base}/campaigns/{campaign.pk}/evidence/")
    row = page.locator("[data-testid=evidence-row]", has_text="领导小组会议纪要")
    row.get_by_role("button", name="采纳").click()
    page.wait_for_load_state("load")
    assert "已采纳" in page.locator("[data-testid=evidence-row]", has_text="领导小组会议纪要").inner_text()
    shot(page, screens_dir, "e2e-cycle-1-ledger")

    # 5. Self-assessment: 1.1 scores 2 of 4 (with the reason), everything else full; submitted.
    c = {code: crit(campaign, code).pk for code in ("1.1", "1.2", "1.3", "3.1")}
    page.goto(f"{base}/campaigns/{campaign.pk}/")
    page.get_by_role("link", name="测评", exact=True).click()
    page.select_option("#kind", "self")
    page.get_by_role("button", name="开始").click()
    page.wait_for_load_state("load")
    page.fill(f"#v-{c['1.1']}", "2")
    page.fill(f"#r-{c['1.1']}", "领导小组只开过一次会")
    page.select_option(f"#v-{c['1.2']}", "A")
    page.fill(f"#v-{c['1.3']}", "5")
    page.get_by_test_id("save-scores").click()
    page.wait_for_load_state("load")
    page.get_by_role("link", name="3 优美环境").click()
    page.fill(f"#v-{c['3.1']}", "5")
    page.get_by_test_id("save-scores").click()
    page.wait_for_load_state("load")
    page.get_by_test_id("submit-round").click()
    page.wait_for_load_state("load")
    assert "已提交并锁定" in page.content()

    # 6. The gap list puts 1.1 first, one click from its tasks and evidence.
    page.get_by_role("link", name="对标找差").first.click()
    page.wait_for_load_state("load")
    first = page.get_by_test_id("gap-row").first
    assert first.get_attribute("data-code") == "1.1"
    shot(page, screens_dir, "e2e-cycle-2-gaps")

    # 7. The binder: made now (small), downloaded, its index lists the file with its SHA-256.
    page.goto(f"{base}/campaigns/{campaign.pk}/binder/")
    page.get_by_test_id("binder-start").click()
    page.wait_for_load_state("load")
    with page.expect_download() as download_info:
        page.get_by_test_id("binder-download").first.click()
    data = open(download_info.value.path(), "rb").read()
    shot(page, screens_dir, "e2e-cycle-3-binder")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        names = z.namelist()
        files = [n for n in names if n.endswith(".txt")]
        assert len(files) == 1 and "1.1" in files[0], names
        assert z.read(files[0]) == MINUTES
        index = [n for n in names if n.endswith(".xlsx")]
        assert index and any(n.endswith(".pdf") for n in names), names
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(z.read(index[0]))).get_sheet_by_index(0).to_python()
    text = "\n".join(" ".join(str(cell) for cell in row) for row in sheet)
    assert "领导小组会议纪要" in text and hashlib.sha256(MINUTES).hexdigest() in text, text[:500]
    # (Requests the browser aborts on navigating away are not counted: tests/e2e/conftest.py.)
    assert page.problems == []
