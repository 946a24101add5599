"""End to end on a 375 px phone: a resident (no account) reports a problem with a photo that
carries GPS EXIF → gets a receipt code → the office triages it into a finding → the resident's
status page shows the finding's progress."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, PHONE
from tests.e2e.helpers import assert_fits_width, assert_styled, log_in, shot
from wenming.audit.context import SYSTEM, acting_as
from wenming.files.tests.samples import jpeg_with_gps
from wenming.inspections import services
from wenming.inspections.models import FindingCategory, PointType, PublicReport, ReportStatus

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"未找到 Chromium（{CHROMIUM}），跳过浏览器测试"),
]


@pytest.fixture
def phone(browser, live_server):
    contexts = []

    def open_as(username: str | None):
        context = browser.new_context(
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            geolocation={"latitude": 30.274085, "longitude": 120.155070, "accuracy": 12},
            permissions=["geolocation"],
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
        page.on(
            "console",
            lambda m: m.type == "error" and "favicon" not in m.text and page.problems.append(m.text),
        )
        page.on("response", lambda r: r.status >= 400 and page.problems.append(f"HTTP {r.status}: {r.url}"))
        if username:
            log_in(page, live_server.url, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_a_resident_report_becomes_a_finding(phone, live_server, world, screens_dir):
    base = live_server.url
    with acting_as(SYSTEM):
        services.category_seed()
        point = services.point_create(
            name="解放路公交站",
            point_type=PointType.objects.get(name="公交站点"),
            region=world.county_a,
            responsible_unit=world.unit_a,
        )
    category = FindingCategory.objects.get(name="牛皮癣")

    # 1. A resident, without an account, reports from the phone.
    resident = phone(None)
    resident.goto(f"{base}/inspections/public/reports/new/")
    assert "/login/" not in resident.url
    assert_styled(resident)
    photos = resident.locator("input[name=photos]")
    assert photos.get_attribute("capture") == "environment"
    photos.set_input_files([{"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}])
    resident.select_option("#id_office", str(world.county_a_office.pk))
    resident.fill("#id_location_text", "解放路公交站站台")
    resident.click("#wm-locate")
    # A locator assertion, not wait_for_function("…"): a string predicate is eval'd in the
    # page on each poll, which the site's CSP (no 'unsafe-eval') refuses — a timing-dependent failure.
    expect(resident.locator("#id_latitude")).not_to_have_value("")
    resident.fill("#id_description", "站牌上贴满小广告")
    resident.fill("#id_phone", "13812345678")
    assert_fits_width(resident)
    shot(resident, screens_dir, "e2e-inspections-report-1-form")
    resident.click("form[data-testid=report-form] button[type=submit]")
    resident.wait_for_url(f"{base}/inspections/public/reports/*/?new=1")
    receipt = resident.locator("[data-testid=receipt]").inner_text().strip()
    report = PublicReport.objects.get(code=receipt.replace("-", ""))
    assert report.phone_masked == "138****5678" and str(report.latitude) == "30.274085"
    assert resident.locator("[data-testid=report-status]").inner_text() == "待处理"
    img = resident.locator("[data-testid=report-photos] img")
    assert (
        img.evaluate("img => img.naturalWidth") == 200
    )  # upright: the EXIF orientation applied, then dropped
    served = resident.request.get(base + img.get_attribute("src"))
    assert served.ok and b"Exif" not in served.body() and b"TestCam" not in served.body()
    assert_fits_width(resident)
    shot(resident, screens_dir, "e2e-inspections-report-2-receipt")

    # 2. The office triages it into a finding on the unit's point.
    office = phone(world.city_inspector.username)
    office.goto(f"{base}/inspections/reports/")
    office.click(f"text={receipt}")
    assert office.locator("[data-testid=report-phone]").inner_text() == "138****5678"
    office.select_option("#id_category", str(category.pk))
    office.select_option("#id_severity", "major")
    office.select_option("#id_point", str(point.pk))
    shot(office, screens_dir, "e2e-inspections-report-3-triage")
    office.click("form[data-testid=accept-form] button[type=submit]")
    office.wait_for_load_state("load")
    assert office.locator("[data-testid=report-status]").inner_text() == "已受理"
    office.click("[data-testid=report-finding] a")
    office.wait_for_url(f"{base}/inspections/findings/*/")
    assert office.locator("[data-testid=finding-unit]").inner_text() == world.unit_a.name
    assert office.locator("[data-testid=event-photo]").count() == 1

    # 3. The resident looks the receipt up (typed in lower case) and sees the finding's progress.
    resident.goto(f"{base}/inspections/public/reports/status/")
    resident.fill("#receipt", receipt.lower())
    resident.click("form[data-testid=lookup-form] button[type=submit]")
    resident.wait_for_url(f"{base}/inspections/public/reports/{receipt}/")
    assert resident.locator("[data-testid=report-status]").inner_text() == "已受理"
    assert resident.locator("[data-testid=finding-status]").inner_text() == "挂账"
    assert_fits_width(resident)
    shot(resident, screens_dir, "e2e-inspections-report-4-status")
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.finding.point_id == point.pk
    assert resident.problems == [] and office.problems == [], (resident.problems, office.problems)
