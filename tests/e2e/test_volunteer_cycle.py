"""Issue 5's whole flow as people do it, on 375 px phones: a resident registers → signs up for an
activity → the organisation's admin confirms and shows the rotating QR → the volunteer checks in by
its link → (two hours pass) checks out by a fresh scan → the hours appear on 我的时长 → the volunteer
asks for a 志愿服务证明 → the admin issues it → the volunteer downloads the PDF → anyone, without an
account, opens the verification address printed under its QR code and sees it confirmed."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.e2e.conftest import CHROMIUM
from tests.e2e.helpers import assert_fits_width, enrol_second_factor, log_in, shot
from wenming.audit.context import SYSTEM, acting_as
from wenming.certificates.models import Certificate
from wenming.orgs.personal import make_mainland_id
from wenming.volunteers import ledger
from wenming.volunteers.models import Attendance, ServiceRecord, Volunteer
from wenming.volunteers.tests.e2e.test_register_and_join_on_a_phone import phone  # noqa: F401 - fixture
from wenming.volunteers.tests.helpers import PASSWORD, build_vworld

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"未找到 Chromium（{CHROMIUM}），跳过浏览器测试"),
]
NEW_ID = make_mainland_id("990102", dt.date(1990, 3, 8), 274)
NEW_PHONE = "13912345678"


def _qr_link(admin, base, activity) -> str:
    admin.goto(f"{base}/volunteers/activities/{activity.pk}/qr/")
    return admin.locator("[data-testid=checkin-qr]").get_attribute("data-link")


def _register(page, base, vw, world) -> Volunteer:
    page.goto(f"{base}/volunteers/register/")
    page.fill("#id_name", "林晓文")
    page.select_option("#id_id_type", "mainland")
    page.fill("#id_id_number", NEW_ID)
    page.fill("#id_phone", NEW_PHONE)
    page.select_option("#wm-county-residence", world.county_a.code)
    page.wait_for_selector("#wm-town-residence option[value='990102001000']", state="attached")
    page.select_option("#wm-town-residence", "990102001000")
    page.wait_for_selector(f"#id_residence option[value='{vw.community_a.pk}']", state="attached")
    page.select_option("#id_residence", str(vw.community_a.pk))
    page.select_option("#id_political_status", "masses")
    page.fill("#id_password1", "Lin#2026xw")
    page.fill("#id_password2", "Lin#2026xw")
    page.check("#id_consent")
    page.click("[data-testid=register-form] button[type=submit]")
    page.wait_for_url(f"{base}/volunteers/me/")
    return Volunteer.objects.get(name="林晓文")


def test_register_sign_up_check_in_out_hours_certificate_verified(phone, live_server, world, screens_dir):  # noqa: F811
    base = live_server.url
    vw = build_vworld(world)
    now = timezone.now()
    with acting_as(SYSTEM):
        project = ledger.project_create(org=vw.vorg_a, name="文明交通志愿服务", user=vw.vorg_admin)
        activity = ledger.activity_create(
            project=project, title="路口文明劝导", place="解放路与人民路路口", start=now - dt.timedelta(hours=3),
            end=now + dt.timedelta(hours=1), capacity=5, signup_deadline=now + dt.timedelta(hours=1),
            insurance_note="组织方统一购买意外险",
        )  # fmt: skip

    # 1. A resident registers on the phone, without an account.
    page = phone()
    volunteer = _register(page, base, vw, world)
    assert volunteer.number in page.locator("body").inner_text()
    assert NEW_ID not in page.content() and NEW_PHONE not in page.content()

    # 2. … finds the activity and signs up.
    page.locator("a", has_text="找活动报名").first.click()
    page.wait_for_load_state("load")
    page.locator("[data-testid=activity-list] a", has_text="路口文明劝导").click()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="报名").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-testid=my-signup]").inner_text() == "待确认"

    # 3. The organisation's admin confirms the sign-up and puts the QR code on screen.
    admin = phone()
    log_in(admin, base, vw.vorg_admin.username, PASSWORD)
    enrol_second_factor(admin, base)
    admin.goto(f"{base}/volunteers/activities/{activity.pk}/")
    admin.locator("[data-testid=signup-list] .list-group-item", has_text="林晓文").get_by_role(
        "button", name="确认"
    ).click()
    admin.wait_for_load_state("load")

    # 4. The volunteer scans: check in; a repeated scan changes nothing.
    link = _qr_link(admin, base, activity)
    page.goto(link)
    page.get_by_role("button", name="签到").click()
    page.wait_for_load_state("load")
    assert "签到成功" in page.locator("body").inner_text()
    page.goto(link)
    assert "已签到" in page.locator("[data-testid=scan-state]").inner_text()
    assert Attendance.objects.filter(activity=activity, volunteer=volunteer).count() == 1
    Attendance.objects.filter(activity=activity, volunteer=volunteer).update(
        checked_in_at=now - dt.timedelta(hours=2, minutes=5)
    )  # two hours of service pass

    # 5. Check out by a fresh scan of the rotated code; the hours appear on 我的时长.
    page.goto(_qr_link(admin, base, activity))
    page.get_by_role("button", name="签退").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-testid=scan-hours]").inner_text() == "2.00"
    page.get_by_role("link", name="查看我的时长").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-testid=total-hours]").inner_text().strip() == "2.00"
    assert "路口文明劝导" in page.locator("[data-testid=record-list]").inner_text()
    assert ServiceRecord.objects.get(volunteer=volunteer, activity=activity).org_id == vw.vorg_a.pk

    # 6. The volunteer asks the organisation that recorded the hours for a certificate.
    page.goto(f"{base}/volunteers/me/")
    page.get_by_role("link", name="我的志愿服务证明").click()
    page.wait_for_load_state("load")
    page.locator("[data-testid=request-certificate]").click()
    page.wait_for_load_state("load")
    page.select_option("#id_org", str(vw.vorg_a.pk))
    page.fill("#id_period_start", (timezone.localdate() - dt.timedelta(days=30)).isoformat())
    page.fill("#id_period_end", timezone.localdate().isoformat())
    page.fill("#id_purpose", "入团材料")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state("load")
    assert "待开具" in page.locator("[data-testid=my-requests]").inner_text()
    assert_fits_width(page)

    # 7. The admin issues it from the request (head, handler, contact; the rest comes from it).
    admin.goto(f"{base}/certificates/")
    row = admin.locator("[data-testid=requests-to-handle] tr", has_text="林晓文")
    row.get_by_role("link", name="开具").click()
    admin.wait_for_load_state("load")
    admin.fill("#id_head", "王会长")
    admin.fill("#id_handler", "李经办")
    admin.fill("#id_contact", "0571-88886666")
    admin.get_by_role("button", name="出具并生成 PDF").click()
    admin.wait_for_load_state("load")
    shot(admin, screens_dir, "volunteer-cycle-issue-phone")
    cert = Certificate.objects.get(volunteer=volunteer)
    assert f"已出具志愿服务证明 {cert.serial}" in admin.locator("body").inner_text()
    shot(admin, screens_dir, "volunteer-cycle-certificate-issued-phone")

    # 8. The volunteer downloads the PDF: Chinese text, masked ID, two hours, the serial.
    page.goto(f"{base}/certificates/")
    page.locator("[data-testid=certificate-table] a", has_text=cert.serial).click()
    page.wait_for_load_state("load")
    with page.expect_download() as info:
        page.locator("[data-testid=download]").click()
    download = info.value
    assert download.suggested_filename == f"志愿服务证明_{cert.serial}.pdf"
    with open(download.path(), "rb") as fh:
        text = "".join(PdfReader(io.BytesIO(fh.read())).pages[0].extract_text().split())
    assert "志愿服务证明" in text and "林晓文" in text and volunteer.id_masked in text
    assert NEW_ID not in text and "2.00小时" in text and cert.serial in text
    shot(page, screens_dir, "volunteer-cycle-certificate-phone")

    # 9. Anyone opens the address printed under the QR code and sees the certificate confirmed.
    found = re.search(r"https?://[^\s]+/certificates/verify/\?s=(\w+)&h=([0-9a-f]{64})", text)
    assert found, text
    assert (found.group(1), found.group(2)) == (cert.serial, cert.content_hash)
    stranger = phone()
    stranger.goto(f"{base}/certificates/verify/?s={found.group(1)}&h={found.group(2)}")
    assert "/login/" not in stranger.url
    assert "证明有效" in stranger.locator("[data-testid=verify-valid]").inner_text()
    details = stranger.locator("[data-testid=verify-details]").inner_text()
    assert cert.serial in details and "2.00" in details
    assert volunteer.id_masked not in stranger.content() and NEW_PHONE not in stranger.content()
    assert_fits_width(stranger)
    shot(stranger, screens_dir, "volunteer-cycle-verified-phone")
    assert page.problems == [] and admin.problems == [] and stranger.problems == []
