"""End to end on a 375 px phone: a volunteer signs up for an activity → the organisation's admin
confirms → the admin's screen shows the rotating QR → the volunteer opens its link, checks in,
(two hours pass) checks out → the hours and the record appear on 我的时长."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.e2e.conftest import CHROMIUM
from tests.e2e.helpers import assert_fits_width, assert_styled, enrol_second_factor, log_in, shot
from wenming.audit.context import SYSTEM, acting_as
from wenming.volunteers import ledger
from wenming.volunteers.models import Attendance, ServiceRecord, Signup
from wenming.volunteers.tests.e2e.test_register_and_join_on_a_phone import phone  # noqa: F401 - fixture
from wenming.volunteers.tests.helpers import PASSWORD, build_vworld

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"未找到 Chromium（{CHROMIUM}），跳过浏览器测试"),
]


def _qr_link(admin, base, activity) -> str:
    admin.goto(f"{base}/volunteers/activities/{activity.pk}/qr/")
    qr = admin.locator("[data-testid=checkin-qr]")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    return qr.get_attribute("data-link")


def test_sign_up_confirm_check_in_and_out_hours_appear(phone, live_server, world, screens_dir):  # noqa: F811
    base = live_server.url
    vw = build_vworld(world)
    now = timezone.now()
    with acting_as(SYSTEM):
        project = ledger.project_create(org=vw.vorg_a, name="社区周五志愿服务日", user=vw.vorg_admin)
        activity = ledger.activity_create(
            project=project, title="社区文明劝导", place="幸福社区广场", start=now - dt.timedelta(hours=3),
            end=now + dt.timedelta(hours=1), capacity=10, signup_deadline=now + dt.timedelta(hours=1),
            insurance_note="组织方统一购买意外险",
        )  # fmt: skip

    # 1. The volunteer finds the activity and signs up.
    page = phone()
    log_in(page, base, vw.vol_user.username, PASSWORD)
    page.goto(f"{base}/volunteers/me/")
    page.locator("[data-testid=me-links]").get_by_role("link", name="找活动报名").click()
    page.wait_for_load_state("load")
    assert_styled(page)
    assert_fits_width(page)
    page.locator("[data-testid=activity-list] a", has_text="社区文明劝导").click()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="报名").click()
    page.wait_for_load_state("load")
    assert "等待组织方确认" in page.locator("body").inner_text()
    assert page.locator("[data-testid=my-signup]").inner_text() == "待确认"
    assert_fits_width(page)
    shot(page, screens_dir, "volunteers-activity-signup-phone")

    # 2. The organisation's admin confirms and opens the QR screen.
    admin = phone()
    log_in(admin, base, vw.vorg_admin.username, PASSWORD)
    enrol_second_factor(admin, base)
    admin.goto(f"{base}/volunteers/activities/{activity.pk}/")
    item = admin.locator("[data-testid=signup-list] .list-group-item", has_text="张志愿")
    item.get_by_role("button", name="确认").click()
    admin.wait_for_load_state("load")
    assert Signup.objects.get(activity=activity, volunteer=vw.volunteer_a).status == "confirmed"
    assert_fits_width(admin)
    link = _qr_link(admin, base, activity)
    shot(admin, screens_dir, "volunteers-activity-qr-phone")

    # 3. Scan: the QR encodes this link; the volunteer is signed in already.
    page.goto(link)
    page.get_by_role("button", name="签到").click()
    page.wait_for_load_state("load")
    assert "签到成功" in page.locator("body").inner_text()
    assert_fits_width(page)
    # A repeated scan is harmless.
    page.goto(link)
    assert "已签到" in page.locator("[data-testid=scan-state]").inner_text()
    assert Attendance.objects.filter(activity=activity, volunteer=vw.volunteer_a).count() == 1
    # Two hours of service pass.
    Attendance.objects.filter(activity=activity, volunteer=vw.volunteer_a).update(
        checked_in_at=now - dt.timedelta(hours=2, minutes=10)
    )

    # 4. Check out by a fresh scan of the (rotated) code.
    page.goto(_qr_link(admin, base, activity))
    page.get_by_role("button", name="签退").click()
    page.wait_for_load_state("load")
    state = page.locator("[data-testid=scan-state]").inner_text()
    assert "已签退" in state and page.locator("[data-testid=scan-hours]").inner_text() == "2.00"
    shot(page, screens_dir, "volunteers-scan-phone")

    # 5. The hours appear on 我的时长.
    page.get_by_role("link", name="查看我的时长").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-testid=total-hours]").inner_text().strip() == "2.00"
    assert "社区文明劝导" in page.locator("[data-testid=record-list]").inner_text()
    assert "扫码签到" in page.locator("[data-testid=record-list]").inner_text()
    assert_fits_width(page)
    shot(page, screens_dir, "volunteers-my-hours-phone")
    line = ServiceRecord.objects.get(activity=activity, volunteer=vw.volunteer_a)
    assert line.org_id == vw.vorg_a.pk and line.source == "checkin"
    assert page.problems == [] and admin.problems == []
