"""手工签到/签退 from the roster: the organising organisation's admins only, a reason required,
the same window and hours rules as a scan, audited; the scan's rows stay compatible."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.audit.models import AuditEntry
from wenming.volunteers import checkin, ledger
from wenming.volunteers.models import Attendance, ServiceRecord

pytestmark = pytest.mark.django_db


def _url(signup):
    return f"/volunteers/signups/{signup.pk}/attendance/"


def test_check_in_and_out_by_hand_with_reasons(aw, client, login):
    a, s = aw.activity_a, aw.signup_a
    login(aw.vw.vorg_admin)
    page = client.get(f"/volunteers/activities/{a.pk}/").content.decode()
    assert 'data-testid="manual-attendance"' in page and "手工签到" in page
    # A reason is required.
    client.post(_url(s), {"action": "checkin", "reason": " "})
    assert not Attendance.objects.filter(activity=a).exists()
    start_local = timezone.localtime(a.start)
    client.post(_url(s), {"action": "checkin", "reason": "手机没电", "when": f"{start_local:%Y-%m-%dT%H:%M}"})
    att = Attendance.objects.get(activity=a, volunteer=aw.vw.volunteer_a)
    assert (
        att.checked_in_at == a.start.replace(second=0, microsecond=0)
        and att.manual_note == "手工签到：手机没电"
    )
    entry = AuditEntry.objects.filter(action="create", object_id=str(att.pk)).first()
    assert entry is not None and entry.actor_id == aw.vw.vorg_admin.pk and "手机没电" in str(entry.changes)
    # A repeated hand check-in is refused; a scan afterwards is harmless.
    client.post(_url(s), {"action": "checkin", "reason": "再次"})
    assert Attendance.objects.filter(activity=a).count() == 1
    _, created = ledger.check_in(
        activity=a, volunteer=aw.vw.volunteer_a, token=checkin.current_token(a, timezone.now())
    )
    assert created is False

    # Check-out by hand 45 minutes after the start (the activity started an hour ago): 0.5 h.
    out = a.start.replace(second=0, microsecond=0) + dt.timedelta(minutes=45)
    client.post(
        _url(s),
        {
            "action": "checkout",
            "reason": "提前离开未扫码",
            "when": f"{timezone.localtime(out):%Y-%m-%dT%H:%M}",
        },
    )
    att.refresh_from_db()
    assert att.checked_out_at == out and not att.auto_closed
    assert att.manual_note == "手工签到：手机没电；手工签退：提前离开未扫码"
    record = ServiceRecord.objects.get(activity=a, volunteer=aw.vw.volunteer_a, source="checkin")
    assert record.hours == Decimal("0.50")
    entry = AuditEntry.objects.filter(
        action="update", object_id=str(att.pk), object_type__icontains="attendance"
    ).first()
    assert (
        entry is not None and entry.actor_id == aw.vw.vorg_admin.pk and "提前离开未扫码" in str(entry.changes)
    )
    page = client.get(f"/volunteers/activities/{a.pk}/").content.decode()
    assert 'data-testid="manual-note"' in page


def test_rules_window_future_and_confirmation(aw, client, login):
    from django.core.exceptions import ValidationError

    from wenming.volunteers import activity_changes

    a = aw.activity_a
    with pytest.raises(ValidationError, match="已确认的报名"):
        activity_changes.manual_check_in(signup=aw.pending, reason="x", user=None)
    with pytest.raises(ValidationError, match="开始前 30 分钟"):
        activity_changes.manual_check_in(
            signup=aw.signup_a, reason="x", user=None, when=a.start - dt.timedelta(hours=1)
        )
    with pytest.raises(ValidationError, match="不能晚于当前时间"):
        activity_changes.manual_check_in(
            signup=aw.signup_a, reason="x", user=None, when=timezone.now() + dt.timedelta(hours=1)
        )
    att = activity_changes.manual_check_in(signup=aw.signup_a, reason="x", user=None)
    with pytest.raises(ValidationError, match="早于签到时间"):
        activity_changes.manual_check_out(
            attendance=att, reason="y", user=None, when=att.checked_in_at - dt.timedelta(minutes=5)
        )


@pytest.mark.parametrize("persona", ["vol_user", "county_a_admin"])
def test_only_the_organising_org_admins(aw, world, client, login, persona):
    # The office above may see the activity but does not record (谁组织谁记录); a volunteer cannot.
    user = aw.vw.vol_user if persona == "vol_user" else world.county_a_admin
    login(user)
    response = client.post(_url(aw.signup_a), {"action": "checkin", "reason": "x"})
    assert response.status_code in (403, 404)
    assert not Attendance.objects.filter(activity=aw.activity_a).exists()
