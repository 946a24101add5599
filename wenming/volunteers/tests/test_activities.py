"""Projects, activities, sign-up (waitlist, overlap, confirmation), QR check-in rules, the hours
ledger (manual entries, corrections, star ladders, points) and who sees what."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wenming.audit.context import SYSTEM, acting_as
from wenming.audit.models import AuditEntry
from wenming.orgs.personal import make_mainland_id
from wenming.volunteers import checkin, ledger, selectors, services
from wenming.volunteers.models import (
    Activity,
    Attendance,
    CorrectionStatus,
    PointsEntry,
    RecordSource,
    ServiceRecord,
    Signup,
    SignupStatus,
    StarLadder,
)
from wenming.volunteers.tests.activity_helpers import make_activity

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def new_volunteer(vw, i: int):
    return services.volunteer_register(
        name=f"测试{i:03d}", id_type="mainland", id_number=make_mainland_id("990102", dt.date(1990, 1, 1) + dt.timedelta(days=i), i),
        phone=f"136{i:08d}", residence=vw.community_a, political_status="masses", home_org=vw.vorg_a,
    )  # fmt: skip


def confirmed(activity, volunteer, admin):
    s = ledger.signup_create(volunteer=volunteer, activity=activity, now=activity.start - 2 * H)
    if s.status == SignupStatus.PENDING:
        ledger.signup_decide(signup=s, approve=True, user=admin)
    return s


# --- Check-in rules -------------------------------------------------------------------------


def test_rounding_is_down_to_half_hours_and_capped_at_the_schedule(aw):
    a = aw.activity_a
    assert checkin.hours_between(a, a.start, a.start + 89 * M) == Decimal("1.00")
    assert checkin.hours_between(a, a.start, a.start + 90 * M) == Decimal("1.50")
    assert checkin.hours_between(a, a.start + 10 * M, a.start + 40 * M) == Decimal("0.50")
    assert checkin.hours_between(a, a.start + 10 * M, a.start + 39 * M) == Decimal("0.00")
    # Early check-in counts from the start; late check-out stops at the scheduled end.
    assert checkin.hours_between(a, a.start - 25 * M, a.end + 25 * M) == Decimal("3.00")
    assert checkin.hours_between(a, a.end + M, a.end + 2 * M) == Decimal("0.00")


def test_token_rotates_and_the_previous_slot_is_still_accepted(aw):
    a = aw.activity_a
    t0 = timezone.now()
    token = checkin.current_token(a, t0)
    assert checkin.token_valid(a, token, t0)
    assert checkin.token_valid(a, token, t0 + dt.timedelta(seconds=checkin.SLOT_SECONDS))
    assert not checkin.token_valid(a, token, t0 + dt.timedelta(seconds=2 * checkin.SLOT_SECONDS))
    assert not checkin.token_valid(a, "0" * 16, t0)
    assert not checkin.token_valid(aw.activity_b, token, t0)


def test_check_in_window(aw):
    a = make_activity(aw.project_a, start=timezone.now() + 2 * H, title="窗口")
    v = aw.vw.volunteer_a
    confirmed(a, v, aw.vw.vorg_admin)
    too_early = a.start - 31 * M
    with pytest.raises(ValidationError, match="不在签到时间内"):
        ledger.check_in(activity=a, volunteer=v, token=checkin.current_token(a, too_early), now=too_early)
    after_end = a.end + M
    with pytest.raises(ValidationError, match="不在签到时间内"):
        ledger.check_in(activity=a, volunteer=v, token=checkin.current_token(a, after_end), now=after_end)
    ok = a.start - 30 * M
    att, created = ledger.check_in(activity=a, volunteer=v, token=checkin.current_token(a, ok), now=ok)
    assert created and att.checked_in_at == ok
    # An old token (two slots back) is refused even inside the window.
    later = a.start + 5 * M
    with pytest.raises(ValidationError, match="二维码已过期"):
        ledger.check_out(
            activity=a,
            volunteer=v,
            token=checkin.current_token(a, later - 61 * dt.timedelta(seconds=1)),
            now=later,
        )


def test_only_confirmed_sign_ups_check_in(aw):
    a, now = aw.activity_a, timezone.now()
    with pytest.raises(ValidationError, match="没有该活动已确认的报名"):
        ledger.check_in(
            activity=a, volunteer=aw.vw.applicant, token=checkin.current_token(a, now), now=now
        )  # pending
    with pytest.raises(ValidationError, match="没有该活动已确认的报名"):
        ledger.check_in(activity=a, volunteer=aw.vw.volunteer_b, token=checkin.current_token(a, now), now=now)


def test_repeated_scans_are_harmless_and_write_one_line(aw):
    a, v = aw.activity_a, aw.vw.volunteer_a
    t_in = a.start + 5 * M
    for _ in range(3):
        att, _ = ledger.check_in(activity=a, volunteer=v, token=checkin.current_token(a, t_in), now=t_in)
    assert Attendance.objects.filter(activity=a, volunteer=v).count() == 1
    t_out = a.start + 100 * M
    first = ledger.check_out(activity=a, volunteer=v, token=checkin.current_token(a, t_out), now=t_out)
    again = ledger.check_out(
        activity=a, volunteer=v, token=checkin.current_token(a, t_out + M), now=t_out + M
    )
    assert first[1] is True and again[1] is False
    # A check-in scan after check-out changes nothing either.
    ledger.check_in(activity=a, volunteer=v, token=checkin.current_token(a, t_out + M), now=t_out + M)
    lines = ServiceRecord.objects.filter(activity=a, volunteer=v)
    assert [(x.source, x.hours, x.org_id) for x in lines] == [
        (RecordSource.CHECKIN, Decimal("1.50"), a.org_id)
    ]
    assert Attendance.objects.get(activity=a, volunteer=v).checked_out_at == t_out


@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_insert_one_attendance(world):
    """Eight threads scan at once (each its own DB connection): one row, one ledger line."""
    from wenming.volunteers.tests.activity_helpers import build_aworld

    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip("in-memory SQLite is one connection")
    aw = build_aworld(world)
    a, v = aw.activity_a, aw.vw.volunteer_a
    now = timezone.now()
    token = checkin.current_token(a, now)
    errors = []

    def scan(kind):
        from django.db import connection as conn

        try:
            with acting_as(SYSTEM):
                (ledger.check_in if kind == "in" else ledger.check_out)(
                    activity=a, volunteer=v, token=token, now=now
                )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=scan, args=("in",)) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    threads = [threading.Thread(target=scan, args=("out",)) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert Attendance.objects.filter(activity=a, volunteer=v).count() == 1
    assert ServiceRecord.objects.filter(activity=a, volunteer=v, source="checkin").count() == 1
    assert not [e for e in errors if "locked" not in str(e)], errors


def test_forgotten_check_out_is_capped_at_the_scheduled_end_at_close(aw):
    a = make_activity(aw.project_a, start=timezone.now() - 5 * H, hours=2, title="已结束")
    v = aw.vw.volunteer_a
    confirmed(a, v, aw.vw.vorg_admin)
    t_in = a.start + 15 * M
    ledger.check_in(activity=a, volunteer=v, token=checkin.current_token(a, t_in), now=t_in)
    # Past the grace: the QR no longer checks out.
    late = a.end + checkin.CHECKOUT_GRACE + M
    with pytest.raises(ValidationError, match="已超过签退时间"):
        ledger.check_out(activity=a, volunteer=v, token=checkin.current_token(a, late), now=late)
    assert ledger.close_finished_activities() >= 1
    att = Attendance.objects.get(activity=a, volunteer=v)
    assert att.auto_closed and att.checked_out_at == a.end
    line = ServiceRecord.objects.get(activity=a, volunteer=v)
    assert line.hours == Decimal("1.50") and "封顶" in line.reason
    a.refresh_from_db()
    assert a.status == "closed"
    with pytest.raises(ValidationError, match="已结项"):
        ledger.activity_close(activity=a)


# --- Sign-up --------------------------------------------------------------------------------


def test_waitlist_and_promotion_when_someone_cancels(aw):
    a = make_activity(aw.project_a, start=timezone.now() + 24 * H, capacity=2, title="候补")
    vs = [new_volunteer(aw.vw, i) for i in range(4)]
    signups = [ledger.signup_create(volunteer=v, activity=a) for v in vs]
    assert [s.status for s in signups] == ["pending", "pending", "waitlisted", "waitlisted"]
    ledger.signup_decide(signup=signups[0], approve=True, user=aw.vw.vorg_admin)
    ledger.signup_cancel(signup=signups[0])
    signups = [Signup.objects.get(pk=s.pk) for s in signups]
    assert [s.status for s in signups] == ["cancelled", "pending", "pending", "waitlisted"]
    assert signups[2].note == "候补递补"
    # A rejection frees a place as well.
    ledger.signup_decide(signup=signups[1], approve=False, user=aw.vw.vorg_admin)
    assert Signup.objects.get(pk=signups[3].pk).status == "pending"
    # Signing up twice is refused; after cancelling, one may sign up again.
    with pytest.raises(ValidationError, match="已报名"):
        ledger.signup_create(volunteer=vs[2], activity=a)


def test_deadline_and_no_confirmation_needed(aw):
    a = make_activity(
        aw.project_a, start=timezone.now() + 24 * H, capacity=1, needs_confirmation=False, title="免确认"
    )
    s = ledger.signup_create(volunteer=new_volunteer(aw.vw, 1), activity=a)
    assert s.status == "confirmed"
    with pytest.raises(ValidationError, match="报名已截止"):
        ledger.signup_create(volunteer=new_volunteer(aw.vw, 2), activity=a, now=a.signup_deadline + M)


def test_overlapping_sign_up_warns_then_accepts(aw, client, login):
    v = aw.vw.volunteer_a
    start = timezone.now() + 48 * H
    a1 = make_activity(aw.project_a, start=start, title="上午")
    a2 = make_activity(aw.project_a, start=start + 2 * H, title="中午")  # overlaps a1 (3 h long)
    a3 = make_activity(aw.project_a, start=start + 3 * H, title="下午")  # touches a1's end: no overlap
    ledger.signup_create(volunteer=v, activity=a1)
    with pytest.raises(ledger.OverlapWarning) as info:
        ledger.signup_create(volunteer=v, activity=a2)
    assert info.value.overlapping == [a1]
    ledger.signup_create(volunteer=v, activity=a3)
    login(aw.vw.vol_user)
    page = client.post(f"/volunteers/activities/{a2.pk}/signup/").content.decode()
    assert "时间冲突" in page and "上午" in page and not Signup.objects.filter(activity=a2).exists()
    client.post(f"/volunteers/activities/{a2.pk}/signup/", {"accept_overlap": "1"})
    s = Signup.objects.get(activity=a2, volunteer=v)
    assert s.overlap_warned and s.status == "pending"


def test_messages_reach_signed_up_volunteers_only(aw, client, login):
    login(aw.vw.vorg_admin)
    client.post(f"/volunteers/activities/{aw.activity_a.pk}/message/", {"body": "请携带身份证，8:30 集合"})
    login(aw.vw.vol_user)
    assert "8:30 集合" in client.get("/volunteers/me/activities/").content.decode()
    assert (
        client.post(f"/volunteers/activities/{aw.activity_a.pk}/message/", {"body": "x"}).status_code == 403
    )
    from wenming.volunteers.models import ActivityMessage
    from wenming.volunteers.scoping import vscoped

    with acting_as(SYSTEM):
        ledger.message_send(activity=aw.activity_b, body="西湖集合通知", user=None)
    assert "西湖集合通知" not in client.get("/volunteers/me/activities/").content.decode()
    seen = set(vscoped(ActivityMessage, aw.vw.vol_user).values_list("activity_id", flat=True))
    assert seen == {aw.activity_a.pk}


# --- The ledger -----------------------------------------------------------------------------


def test_manual_entry_needs_a_reason_and_the_organising_org(aw, world, client, login):
    with pytest.raises(ValidationError, match="原因"):
        ledger.record_manual(
            org=aw.vw.vorg_a,
            volunteer=aw.vw.volunteer_a,
            date=timezone.localdate(),
            hours="2",
            reason=" ",
            user=None,
        )
    with pytest.raises(ValidationError, match="谁组织谁记录"):
        ledger.record_manual(org=aw.vw.vorg_b, volunteer=aw.vw.volunteer_a, date=timezone.localdate(), hours="2",
                             reason="补录", activity=aw.activity_a, user=None)  # fmt: skip
    # Only the organisation's own admins write hours; the county office above may not.
    login(aw.vw.vorg_admin)
    form = {
        "org": aw.vw.vorg_a.pk,
        "volunteer_number": aw.vw.volunteer_a.number,
        "date": "2026-01-05",
        "hours": "2.5",
        "reason": "补录",
    }
    assert client.post("/volunteers/records/new/", form).status_code == 302
    assert ServiceRecord.objects.filter(
        volunteer=aw.vw.volunteer_a, hours=Decimal("2.5"), source="manual"
    ).exists()
    login(world.county_a_admin)  # manages vorg_a (office above), but does not record its hours
    assert client.get("/volunteers/records/new/").status_code == 403
    assert (
        client.post(
            f"/volunteers/corrections/{aw.correction.pk}/verify/", {"decision": "approve"}
        ).status_code
        == 403
    )


def test_correction_request_verify_correct_is_audited_and_totals_follow(aw, client, login):
    v = aw.vw.volunteer_a
    req = aw.correction
    assert selectors.volunteer_hours(v)["total"] == Decimal("3.00")
    before = AuditEntry.objects.filter(
        object_type="volunteers.correctionrequest", object_id=str(req.pk)
    ).count()
    # Not the organiser's admin: refused.
    login(aw.vw.vol_user)
    assert client.post(f"/volunteers/corrections/{req.pk}/verify/", {"decision": "approve"}).status_code in (
        403,
        404,
    )
    login(aw.vw.vorg_admin)
    client.post(f"/volunteers/corrections/{req.pk}/apply/")  # not verified yet: refused with a message
    req.refresh_from_db()
    assert req.status == CorrectionStatus.REQUESTED
    client.post(
        f"/volunteers/corrections/{req.pk}/verify/",
        {"decision": "approve", "hours": "3.5", "note": "核对签到表"},
    )
    req.refresh_from_db()
    assert req.status == CorrectionStatus.VERIFIED and req.verified_hours == Decimal("3.5")
    client.post(f"/volunteers/corrections/{req.pk}/apply/")
    req.refresh_from_db()
    assert req.status == CorrectionStatus.CORRECTED
    assert (req.result.source, req.result.hours, req.result.corrects_id) == (
        "correction",
        Decimal("0.50"),
        aw.record_a.pk,
    )
    assert selectors.volunteer_hours(v)["total"] == Decimal("3.50")
    assert ledger.record_current_hours(aw.record_a) == Decimal("3.50")
    after = AuditEntry.objects.filter(
        object_type="volunteers.correctionrequest", object_id=str(req.pk)
    ).count()
    assert after == before + 2  # verified, corrected (the request itself was audited when made)
    assert AuditEntry.objects.filter(
        object_type="volunteers.servicerecord", object_id=str(req.result.pk)
    ).exists()
    # A second correction down to 2 h writes −1.5.
    req2 = ledger.correction_request(volunteer=v, record=aw.record_a, requested_hours="2", reason="重复计算")
    ledger.correction_verify(req=req2, approve=True, user=aw.vw.vorg_admin)
    ledger.correction_apply(req=req2, user=aw.vw.vorg_admin)
    assert selectors.volunteer_hours(v)["total"] == Decimal("2.00")


def test_rejection_needs_a_note_and_writes_nothing(aw):
    with pytest.raises(ValidationError, match="核实意见"):
        ledger.correction_verify(req=aw.correction, approve=False, user=aw.vw.vorg_admin)
    ledger.correction_verify(req=aw.correction, approve=False, user=aw.vw.vorg_admin, note="签到表无此记录")
    assert aw.correction.status == CorrectionStatus.REJECTED
    with pytest.raises(ValidationError, match="尚未核实"):
        ledger.correction_apply(req=aw.correction, user=aw.vw.vorg_admin)
    assert not ServiceRecord.objects.filter(source="correction").exists()


def test_a_missing_record_can_be_requested_for_a_signed_up_activity(aw):
    req = ledger.correction_request(
        volunteer=aw.vw.volunteer_a, activity=aw.activity_a, requested_hours="2", reason="忘记扫码"
    )
    ledger.correction_verify(req=req, approve=True, user=aw.vw.vorg_admin)
    ledger.correction_apply(req=req, user=aw.vw.vorg_admin)
    line = req.result
    assert (line.activity_id, line.org_id, line.hours, line.corrects_id) == (
        aw.activity_a.pk,
        aw.vw.vorg_a.pk,
        Decimal("2.00"),
        None,
    )
    with pytest.raises(ValidationError, match="没有报名"):
        ledger.correction_request(
            volunteer=aw.vw.volunteer_b, activity=aw.activity_a, requested_hours="2", reason="x"
        )


def test_star_ladder_default_and_configured_per_region(aw, settings):
    assert selectors.star_level(Decimal("99.5"), (100, 300)) == 0
    assert selectors.star_level(Decimal("100"), selectors.DEFAULT_STAR_LADDER) == 1
    assert selectors.star_level(Decimal("1500"), selectors.DEFAULT_STAR_LADDER) == 5
    assert selectors.star_name(3) == "三星" and selectors.star_name(0) == "未达星级"
    v = aw.vw.volunteer_a
    assert selectors.star_ladder_for(v) == (100, 300, 600, 1000, 1500)
    settings.VOLUNTEER_STAR_LADDER = (1, 2, 3, 4, 5)
    assert selectors.volunteer_hours(v)["star"] == "三星"  # 3 h
    StarLadder.objects.create(region=aw.vw.community_a.parent.parent, region_code=aw.vw.community_a.parent.parent.code,
                              thresholds="100,200,500,800,1000")  # fmt: skip
    assert selectors.star_ladder_for(v) == (100, 200, 500, 800, 1000)
    with pytest.raises(ValueError):
        selectors.parse_ladder("300,100")


def test_points_are_separate_and_only_when_enabled(aw, settings):
    v = aw.vw.volunteer_a
    assert not PointsEntry.objects.exists()
    settings.VOLUNTEER_POINTS_ENABLED = True
    settings.VOLUNTEER_POINTS_PER_HOUR = 10
    ledger.record_manual(
        org=aw.vw.vorg_a, volunteer=v, date=timezone.localdate(), hours="1.5", reason="补录", user=None
    )
    s = selectors.volunteer_hours(v)
    assert s["points"] == 15 and s["total"] == Decimal("4.50")


# --- Scope ----------------------------------------------------------------------------------


def test_volunteers_see_only_their_own_lines_and_org_admins_their_orgs(aw, client, login):
    other = ledger.record_manual(org=aw.vw.vorg_b, volunteer=aw.vw.volunteer_b, date=timezone.localdate(), hours="1",
                                 reason="补录", user=None)  # fmt: skip
    login(aw.vw.vol_user)
    page = client.get("/volunteers/me/hours/").content.decode()
    assert "社区清扫" in page
    assert client.get(f"/volunteers/{aw.vw.volunteer_b.pk}/hours/").status_code == 404
    assert client.get("/volunteers/me/hours/correct/", {"record": other.pk}).status_code == 404
    login(aw.vw.vorg_admin)
    listing = client.get("/volunteers/records/").content.decode()
    assert aw.vw.volunteer_a.number in listing and aw.vw.volunteer_b.number not in listing
    # Another organisation's activity: out of an org admin's scope (published ones are open to volunteers only).
    assert client.get(f"/volunteers/activities/{aw.activity_b.pk}/").status_code == 404
    assert client.get(f"/volunteers/activities/{aw.activity_b.pk}/qr/").status_code == 404
    login(aw.vw.vol_user)
    assert (
        client.get(f"/volunteers/activities/{aw.activity_b.pk}/").status_code == 200
    )  # volunteers sign up anywhere
    assert client.get(f"/volunteers/activities/{aw.activity_b.pk}/qr/").status_code == 403
    login(aw.vw.vorg_admin)
    assert (
        client.post(f"/volunteers/signups/{aw.pending.pk}/decide/", {"decision": "approve"}).status_code
        == 302
    )
    login(aw.vw.vol_user)
    assert (
        client.post(f"/volunteers/signups/{aw.pending.pk}/decide/", {"decision": "approve"}).status_code
        == 404
    )


def test_the_qr_page_and_the_scan_link_work_end_to_end(aw, client, login):
    login(aw.vw.vorg_admin)
    page = client.get(f"/volunteers/activities/{aw.activity_a.pk}/qr/").content.decode()
    assert 'data-testid="checkin-qr"' in page and "data:image/svg+xml;base64," in page
    link = page.split('data-link="', 1)[1].split('"', 1)[0]
    path = link.split("testserver", 1)[1]
    assert client.get(f"/volunteers/activities/{aw.activity_a.pk}/qr/frame/").status_code == 200
    login(aw.vw.vol_user)
    assert "签到" in client.get(path).content.decode()
    client.post(path, {"action": "checkin"})
    assert Attendance.objects.filter(activity=aw.activity_a, volunteer=aw.vw.volunteer_a).exists()
    client.post(path, {"action": "checkout"})
    body = client.get(path).content.decode()
    assert (
        "已签退" in body
        and ServiceRecord.objects.filter(activity=aw.activity_a, source="checkin").count() == 1
    )
    bad = client.post(f"/volunteers/c/{aw.activity_a.pk}/0000000000000000/", {"action": "checkin"})
    assert bad.status_code == 400 and "二维码已过期" in bad.content.decode()


# --- Query bounds ---------------------------------------------------------------------------


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _grow(aw, start, n):
    for i in range(start, start + n):
        v = new_volunteer(aw.vw, 100 + i)
        a = make_activity(aw.project_a, start=timezone.now() - 30 * M + i * 4 * H, title=f"规模{i}")
        s = ledger.signup_create(volunteer=v, activity=aw.activity_a, now=aw.activity_a.start - H)
        ledger.signup_decide(signup=s, approve=True, user=aw.vw.vorg_admin) if s.status == "pending" else None
        ledger.signup_create(volunteer=aw.vw.volunteer_a, activity=a, accept_overlap=True, now=a.start - H)
        ledger.record_manual(
            org=aw.vw.vorg_a,
            volunteer=aw.vw.volunteer_a,
            date=timezone.localdate(),
            hours="1",
            reason="补录",
            user=None,
        )
        ledger.record_manual(
            org=aw.vw.vorg_a, volunteer=v, date=timezone.localdate(), hours="1", reason="补录", user=None
        )
        ledger.correction_request(
            volunteer=v,
            record=ServiceRecord.objects.filter(volunteer=v).first(),
            requested_hours="2",
            reason="x",
        )


MAX_QUERIES = 16


@pytest.mark.parametrize("persona", ["vorg_admin", "vol_user"])
def test_pages_issue_a_flat_bounded_number_of_queries(aw, client, login, persona):
    login(getattr(aw.vw, persona))
    a = aw.activity_a
    token = checkin.current_token(a, timezone.now())
    urls = ["/volunteers/activities/", "/volunteers/activities/?all=1", f"/volunteers/activities/{a.pk}/",
            "/volunteers/projects/", f"/volunteers/projects/{aw.project_a.pk}/", "/volunteers/records/",
            "/volunteers/corrections/", f"/volunteers/{aw.vw.volunteer_a.pk}/hours/"]  # fmt: skip
    if persona == "vol_user":
        urls += ["/volunteers/me/activities/", "/volunteers/me/hours/", f"/volunteers/c/{a.pk}/{token}/"]
    else:
        urls += [f"/volunteers/activities/{a.pk}/qr/", f"/volunteers/activities/{a.pk}/qr/frame/"]
    _grow(aw, 0, 2)
    few = {u: _queries(client, u) for u in urls}
    _grow(aw, 2, 12)
    many = {u: _queries(client, u) for u in urls}
    assert many == few
    assert max(many.values()) <= MAX_QUERIES, many


def test_home_attention_counts_pending_sign_ups_and_corrections_with_links(aw, client, login, rf):
    from wenming.volunteers.attention import volunteers_attention as activities_attention

    request = rf.get("/")
    request.user = aw.vw.vorg_admin
    items = {i.label: i for i in activities_attention(request)}
    assert items["待确认的活动报名"].count == 1 and items["待处理的时长更正申请"].count == 1
    login(aw.vw.vorg_admin)
    page = client.get(items["待确认的活动报名"].href).content.decode()
    assert aw.activity_a.title in page
    ledger.signup_decide(signup=aw.pending, approve=True, user=aw.vw.vorg_admin)
    assert aw.activity_a.title not in client.get(items["待确认的活动报名"].href).content.decode()
    assert "实际服务 4 小时" in client.get(items["待处理的时长更正申请"].href).content.decode()
    request.user = aw.vw.vol_user  # a volunteer administers nothing
    assert [i.count for i in activities_attention(request)][:3] == [0, 0, 0]


def test_home_shows_a_volunteer_their_activities_and_what_is_coming(aw, client, login, rf):
    """A plain volunteer's home is not empty: the activities they signed up for that have not
    ended, and the published activities to come — each count the number of rows its link lists."""
    from wenming.volunteers.attention import volunteers_attention

    request = rf.get("/")
    request.user = aw.vw.vol_user
    items = {i.label: i for i in volunteers_attention(request) if i.count}
    assert set(items) == {"已报名、尚未结束的活动", "近期可参加的志愿活动"}
    login(aw.vw.vol_user)
    home = client.get("/").content.decode()
    assert "已报名、尚未结束的活动" in home and "近期可参加的志愿活动" in home
    mine = client.get(items["已报名、尚未结束的活动"].href).content.decode()
    assert mine.count('class="list-group-item"') == items["已报名、尚未结束的活动"].count == 1
    assert aw.activity_a.title in mine
    listed = client.get(items["近期可参加的志愿活动"].href).content.decode()
    block = listed.split('data-testid="activity-list"', 1)[1]
    assert block.count("list-group-item-action") == items["近期可参加的志愿活动"].count
    for title in Activity.objects.filter(status="published", end__gte=timezone.now()).values_list("title", flat=True):
        assert title in listed
    # Once the activity is over it leaves the count and the filtered list (the full list keeps it).
    Activity.objects.filter(pk=aw.activity_a.pk).update(end=timezone.now() - dt.timedelta(minutes=1))
    assert {i.label: i.count for i in volunteers_attention(request)}["已报名、尚未结束的活动"] == 0
    assert aw.activity_a.title not in client.get(items["已报名、尚未结束的活动"].href).content.decode()
    assert aw.activity_a.title in client.get("/volunteers/me/activities/").content.decode()
    # Somebody who is not a volunteer gets no volunteer cards at all.
    request.user = aw.vw.vorg_admin
    assert not {i.label for i in volunteers_attention(request)} & set(items)
