"""The scan page as a phone hits it (views_checkin.scan over checkin.scan_state /
record_check_in): the rules through HTTP, and the bounded work of the hot path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wenming.volunteers import checkin
from wenming.volunteers.models import Attendance, ServiceRecord

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


def _url(activity, now=None) -> str:
    return f"/volunteers/c/{activity.pk}/{checkin.current_token(activity, now or timezone.now())}/"


def _sql(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries]


def test_a_check_in_scan_is_five_statements_and_writes_no_session(aw, client, login):
    """Session, user, the user's memberships (the second-factor check of the middleware), one read
    of activity + sign-up + attendance, one insert. The session is not written (the idle stamp is
    fresh after the first page) and nothing else is read."""
    login(aw.vw.vol_user, verified=False)  # a volunteer has no second factor (an admin's adds its device)
    url = _url(aw.activity_a)
    client.get(url)  # the phone opens the link first (stamps the session)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, {"action": "checkin"})
    assert response.status_code == 302 and response["Location"] == url
    sql = _sql(ctx)
    assert len(sql) <= 5, "\n".join(s[:160] for s in sql)
    assert sum(s.lstrip().upper().startswith("INSERT") for s in sql) == 1
    assert not any("django_session" in s and s.lstrip().upper().startswith(("UPDATE", "INSERT")) for s in sql)
    assert Attendance.objects.filter(activity=aw.activity_a, volunteer=aw.vw.volunteer_a).count() == 1
    page = client.get(url).content.decode()
    assert "签到成功" in page and "签退" in page

    # A repeated scan: four reads, no write, one row.
    with CaptureQueriesContext(connection) as ctx:
        again = client.post(url, {"action": "checkin"})
    assert again.status_code == 302 and len(ctx.captured_queries) <= 4, _sql(ctx)
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE")) for s in _sql(ctx))
    assert "您已签到，无需重复扫码" in client.get(url).content.decode()
    assert Attendance.objects.filter(activity=aw.activity_a, volunteer=aw.vw.volunteer_a).count() == 1


def test_the_scan_page_is_bounded(aw, client, login, django_assert_max_num_queries):
    login(aw.vw.vol_user, verified=False)
    url = _url(aw.activity_a)
    client.get(url)
    with django_assert_max_num_queries(4):  # session, user, memberships (second factor), state
        assert client.get(url).status_code == 200


def test_check_out_through_the_page_and_repeats_change_nothing(aw, client, login):
    login(aw.vw.vol_user)
    url = _url(aw.activity_a)
    client.post(url, {"action": "checkin"})
    client.post(url, {"action": "checkout"})
    out = Attendance.objects.get(activity=aw.activity_a, volunteer=aw.vw.volunteer_a).checked_out_at
    assert out is not None
    with CaptureQueriesContext(connection) as ctx:
        client.post(url, {"action": "checkout"})
        client.post(url, {"action": "checkin"})  # a check-in scan after check-out changes nothing
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE")) for s in _sql(ctx))
    assert ServiceRecord.objects.filter(activity=aw.activity_a, source="checkin").count() == 1
    body = client.get(url).content.decode()
    assert "已签退" in body and 'data-testid="scan-hours"' in body


def test_the_rules_hold_through_the_page(aw, client, login):
    a = aw.activity_a
    # Not a volunteer: 404, whether or not the activity exists.
    login(aw.vw.vorg_admin)
    assert client.post(_url(a), {"action": "checkin"}).status_code == 404
    assert client.get(f"/volunteers/c/999999/{'0' * 16}/").status_code == 404
    login(aw.vw.vol_user)
    assert client.get(f"/volunteers/c/999999/{'0' * 16}/").status_code == 404
    # An old token (two slots back) is refused and nothing is written.
    old = _url(a, timezone.now() - dt.timedelta(seconds=2 * checkin.SLOT_SECONDS + 1))
    bad = client.post(old, {"action": "checkin"})
    assert bad.status_code == 400 and "二维码已过期" in bad.content.decode()
    # A volunteer without a confirmed sign-up (none at all for activity_b) cannot check in.
    other = aw.activity_b
    response = client.post(_url(other), {"action": "checkin"})
    assert response.status_code == 400
    assert not Attendance.objects.filter(activity=other).exists()
    # Check-out before check-in is refused.
    response = client.post(_url(a), {"action": "checkout"})
    assert response.status_code == 400 and "您还没有签到" in response.content.decode()
    assert not Attendance.objects.filter(activity=a).exists()


def test_the_window_is_checked_on_the_scan_path(aw):
    """record_check_in on a state read by scan_state: too early / after the end is refused."""
    a, v = aw.activity_a, aw.vw.volunteer_a
    state = checkin.scan_state(activity_id=a.pk, user_id=aw.vw.vol_user.pk)
    assert state.volunteer_id == v.pk and state.signup_status == "confirmed" and state.attendance_id is None
    assert state.start == a.start and state.end == a.end  # aware datetimes on both databases
    late = a.end + M
    with pytest.raises(checkin.CheckinError, match="不在签到时间内"):
        checkin.record_check_in(state, checkin.current_token(a, late), late)
    early = a.start - 31 * M
    with pytest.raises(checkin.CheckinError, match="不在签到时间内"):
        checkin.record_check_in(state, checkin.current_token(a, early), early)
    now = a.start + 5 * M
    state, created = checkin.record_check_in(state, checkin.current_token(a, now), now)
    assert created and Attendance.objects.get(pk=state.attendance_id).checked_in_at == now
    # A stale state (the row was inserted by another scan after it was read): the insert does
    # nothing and the answer is the existing row.
    stale = checkin.scan_state(activity_id=a.pk, user_id=aw.vw.vol_user.pk)
    stale.attendance_id = None
    later = now + M
    again, created = checkin.record_check_in(stale, checkin.current_token(a, later), later)
    assert not created and again.checked_in_at == now
    assert Attendance.objects.filter(activity=a, volunteer=v).count() == 1
