"""End to end on a 375 px phone: an inspector records a finding with a photo and GPS → the unit
rectifies and asks for closure with an after-photo → the inspector reviews and verifies → 销号."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, PHONE
from tests.e2e.helpers import assert_fits_width, assert_styled, log_in, shot
from wenming.audit.context import SYSTEM, acting_as
from wenming.inspections import services
from wenming.inspections.models import Finding, FindingCategory, PointType, Status

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"未找到 Chromium（{CHROMIUM}），跳过浏览器测试"),
]


def _jpeg(colour) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, format="JPEG")
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


@pytest.fixture
def phone(browser, live_server):
    contexts = []

    def open_as(username: str):
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
        log_in(page, live_server.url, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_a_finding_from_phone_to_closure(phone, live_server, world, screens_dir):
    base = live_server.url
    with acting_as(SYSTEM):
        services.category_seed()  # the live-server database was flushed by earlier tests
        point = services.point_create(
            name="朝阳路公交站",
            point_type=PointType.objects.get(name="公交站点"),
            region=world.county_a,
            responsible_unit=world.unit_a,
        )
    category = FindingCategory.objects.get(name="牛皮癣")

    # 1. The inspector records the finding on the phone form.
    inspector = phone(world.city_inspector.username)
    inspector.goto(f"{base}/inspections/findings/new/?point={point.pk}")
    assert_styled(inspector)
    assert "包保单位：东城区执法局" in inspector.locator("[data-testid=point-unit-hint]").inner_text()
    photos = inspector.locator("input[name=photos]")
    assert photos.get_attribute("accept") == "image/*" and photos.get_attribute("capture") == "environment"
    photos.set_input_files([_jpeg((180, 40, 40))])
    inspector.click("#wm-locate")
    # A locator assertion, not wait_for_function("…"): a string predicate is eval'd in the
    # page on each poll, which the site's CSP (no 'unsafe-eval') refuses — a timing-dependent failure.
    expect(inspector.locator("#id_latitude")).not_to_have_value("")
    assert "已定位" in inspector.locator("[data-testid=gps-status]").inner_text()
    inspector.fill("#id_location_text", "站台东侧广告栏")
    inspector.select_option("#id_category", str(category.pk))
    inspector.select_option("#id_severity", "major")
    inspector.fill("#id_description", "立柱上小广告 4 处")
    assert_fits_width(inspector)
    shot(inspector, screens_dir, "e2e-inspections-1-phone-form")
    inspector.click("form[data-testid=finding-form] button[type=submit]")
    inspector.wait_for_url(f"{base}/inspections/findings/*/")
    finding = Finding.objects.get(point=point)
    assert finding.responsible_unit_id == world.unit_a.pk and str(finding.latitude) == "30.274085"
    assert inspector.locator("[data-testid=finding-status]").inner_text() == "挂账"
    assert inspector.locator("[data-testid=event-photo]").count() == 1
    assert inspector.locator("[data-testid=event-photo]").evaluate("img => img.naturalWidth") == 640
    assert_fits_width(inspector)
    shot(inspector, screens_dir, "e2e-inspections-2-recorded")

    # 2. The unit admin starts the work and asks for closure with an after-photo and a note.
    unit = phone(world.unit_a_admin.username)
    unit.goto(f"{base}/")
    unit.click("text=待整改的问题")
    unit.click(f"a[href='/inspections/findings/{finding.pk}/']")
    unit.click("[data-testid=action-start] button[type=submit]")
    unit.wait_for_load_state("load")
    assert unit.locator("[data-testid=finding-status]").inner_text() == "整改中"
    unit.locator("[data-testid=action-request_closure] input[name=photos]").set_input_files(
        [_jpeg((40, 160, 60))]
    )
    unit.fill("[data-testid=action-request_closure] textarea[name=reason]", "小广告已全部清除，立柱已刷新")
    shot(unit, screens_dir, "e2e-inspections-3-unit-request")
    unit.click("[data-testid=action-request_closure] button[type=submit]")
    unit.wait_for_load_state("load")
    assert unit.locator("[data-testid=finding-status]").inner_text() == "申请销号"
    assert unit.locator("[data-testid=event-photo]").count() == 2
    assert_fits_width(unit)

    # 3. The inspector reviews and verifies: 销号.
    inspector.goto(f"{base}/")
    inspector.click("text=待复核的问题")
    inspector.click(f"a[href='/inspections/findings/{finding.pk}/']")
    inspector.click("[data-testid=action-begin_review] button[type=submit]")
    inspector.wait_for_load_state("load")
    assert inspector.locator("[data-testid=finding-status]").inner_text() == "复核中"
    inspector.fill("[data-testid=action-verify] textarea[name=reason]", "现场复核，整改到位")
    inspector.click("[data-testid=action-verify] button[type=submit]")
    inspector.wait_for_load_state("load")
    assert inspector.locator("[data-testid=finding-status]").inner_text() == "已销号"
    assert inspector.locator("[data-testid=finding-outcome]").inner_text() == "整改到位"
    assert inspector.locator("[data-testid=event]").count() == 5
    assert_fits_width(inspector)
    shot(inspector, screens_dir, "e2e-inspections-4-closed")

    finding.refresh_from_db()
    assert finding.status == Status.CLOSED
    assert list(finding.events.values_list("action", flat=True)) == [
        "create",
        "start",
        "request_closure",
        "begin_review",
        "verify",
    ]
    assert inspector.problems == [] and unit.problems == [], (inspector.problems, unit.problems)
