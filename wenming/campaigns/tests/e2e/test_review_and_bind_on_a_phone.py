"""On a 375 px phone: the unit admin accepts two pending evidence items at once on the 资料台账,
binds the campaign (资料装订) and downloads the ZIP; its index lists both files with their SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from tests.e2e.conftest import CHROMIUM, PHONE
from tests.e2e.helpers import assert_fits_width, assert_styled, log_in, shot
from wenming.campaigns.evidence import evidence_upload
from wenming.campaigns.models import EvidenceStatus
from wenming.campaigns.tests.helpers import open_campaign
from wenming.orgs.tests.helpers import as_user

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"未找到 Chromium（{CHROMIUM}），跳过浏览器测试"),
]


def test_bulk_accept_then_bind_and_download(browser, live_server, world, screens_dir):
    campaign = open_campaign(world)
    task = campaign.tasks.get(code="1.1")
    with as_user(world.dept_lead_a):
        evs = evidence_upload(
            task=task,
            uploads=[
                SimpleUploadedFile("会议纪要.txt", "领导小组第一次会议纪要\n".encode()),
                SimpleUploadedFile("签到表.txt", "签到表\n".encode()),
            ],
            title="领导小组会议",
            refers_to=dt.date(2026, 3, 1),
            kind="situation",
            user=world.dept_lead_a,
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
        log_in(page, live_server.url, world.unit_a_admin.username)
        page.goto(f"{live_server.url}/campaigns/{campaign.pk}/evidence/")
        assert_styled(page)
        for box in page.locator("input[name=evidence]").all():
            box.check()
        assert_fits_width(page)
        shot(page, screens_dir, "e2e-campaigns-5-bulk-review-phone")
        page.locator("[data-testid=bulk-review] button[value=accept]").click()
        page.wait_for_load_state("load")
        assert "已采纳 2 份材料" in page.content()
        assert all(e.status == EvidenceStatus.ACCEPTED for e in campaign.evidence.all())

        page.get_by_role("link", name="资料装订").first.click()
        page.locator("[data-testid=binder-start]").click()
        page.wait_for_load_state("load")
        assert "装订完成：2 个文件" in page.content()
        assert_fits_width(page)
        shot(page, screens_dir, "e2e-campaigns-6-binder-phone")
        with page.expect_download() as info:
            page.locator("[data-testid=binder-download]").first.click()
        data = open(info.value.path(), "rb").read()
        zf = zipfile.ZipFile(io.BytesIO(data))
        assert zf.testzip() is None
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(zf.read("目录.xlsx"))).get_sheet_by_name("目录")
        rows = sheet.to_python()[1:]
        assert {r[4] for r in rows} == {e.title for e in evs}
        for r in rows:
            assert hashlib.sha256(zf.read(r[7])).hexdigest() == r[9]
        assert problems == []
    finally:
        context.close()
