"""Editing and cancelling activities and projects (organisers): capacity rules and waitlist
promotion, notices to signed-up volunteers, check-in refused after cancelling, audit, who may."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from wenming.audit.models import AuditEntry
from wenming.volunteers import activity_changes, checkin, ledger
from wenming.volunteers.models import ActivityMessage, Attendance, Signup
from wenming.volunteers.tests.activity_helpers import make_activity
from wenming.volunteers.tests.test_activities import new_volunteer

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def _dt(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%dT%H:%M}"


def _form(a, **over):
    data = {"title": a.title, "place": a.place, "start": _dt(a.start), "end": _dt(a.end), "capacity": a.capacity,
            "signup_deadline": _dt(a.signup_deadline), "required_skills": a.required_skills,
            "insurance_note": a.insurance_note, "description": a.description}  # fmt: skip
    data.update(over)
    return data


def test_capacity_below_confirmed_is_refused_and_raising_it_promotes_the_waitlist_in_order(aw, client, login):
    a = make_activity(aw.project_a, start=timezone.now() + 24 * H, capacity=2, title="扩容")
    vs = [new_volunteer(aw.vw, i) for i in range(5)]
    signups = [ledger.signup_create(volunteer=v, activity=a) for v in vs]
    for s in signups[:2]:
        ledger.signup_decide(signup=s, approve=True, user=aw.vw.vorg_admin)
    assert [Signup.objects.get(pk=s.pk).status for s in signups] == ["confirmed"] * 2 + ["waitlisted"] * 3

    login(aw.vw.vorg_admin)
    url = f"/volunteers/activities/{a.pk}/edit/"
    assert client.get(url).status_code == 200
    page = client.post(url, _form(a, capacity=1)).content.decode()
    assert "招募人数不能少于已确认的报名人数（2 人）" in page
    a.refresh_from_db()
    assert a.capacity == 2

    response = client.post(url, _form(a, capacity=4, place="幸福社区广场", insurance_note="已购意外险"))
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.capacity, a.place, a.insurance_note) == (4, "幸福社区广场", "已购意外险")
    # The first two on the waitlist (by sign-up time) moved up; the third waits.
    assert [Signup.objects.get(pk=s.pk).status for s in signups] == ["confirmed"] * 2 + ["pending"] * 2 + [
        "waitlisted"
    ]
    assert Signup.objects.get(pk=signups[2].pk).note == "候补递补"
    # Place changed: the volunteers get a notice; the change is audited.
    assert ActivityMessage.objects.filter(activity=a, body__contains="地点改为 幸福社区广场").exists()
    entry = (
        AuditEntry.objects.filter(action="update", object_id=str(a.pk), object_type__icontains="activity")
        .order_by("-seq")
        .first()
    )
    assert entry is not None and entry.actor_id == aw.vw.vorg_admin.pk
    assert "4" in str(entry.changes) and "幸福社区广场" in str(entry.changes), entry.changes


def test_edit_rules(aw):
    a = make_activity(aw.project_a, start=timezone.now() + 24 * H, title="规则")
    with pytest.raises(ValidationError, match="结束时间须晚于开始时间"):
        activity_changes.activity_update(activity=a, user=None, end=a.start)
    with pytest.raises(ValidationError, match="报名截止时间不能晚于活动结束时间"):
        activity_changes.activity_update(activity=a, user=None, signup_deadline=a.end + H)
    a2, _ = activity_changes.activity_update(
        activity=a, user=None, required_skills="急救", start=a.start + H, end=a.end + H
    )
    assert a2.required_skills == "急救" and a2.start == a.start + H
    assert ActivityMessage.objects.filter(activity=a, body__contains="时间改为").exists()
    # Once someone checked in, the time is fixed.
    running = aw.activity_a
    ledger.check_in(
        activity=running, volunteer=aw.vw.volunteer_a, token=checkin.current_token(running, timezone.now())
    )
    with pytest.raises(ValidationError, match="不能再修改活动时间"):
        activity_changes.activity_update(activity=running, user=None, end=running.end + H)


def test_cancel_notifies_the_volunteers_refuses_check_in_and_is_audited(aw, client, login):
    start = timezone.now() + 10 * dt.timedelta(minutes=1)  # check-in window already open
    a = make_activity(aw.project_a, start=start, title="取消测试")
    s = ledger.signup_create(volunteer=aw.vw.volunteer_a, activity=a, accept_overlap=True)
    ledger.signup_decide(signup=s, approve=True, user=aw.vw.vorg_admin)

    login(aw.vw.vorg_admin)
    url = f"/volunteers/activities/{a.pk}/cancel/"
    assert "1 位志愿者报名" in client.get(url).content.decode()
    assert "请填写取消原因" in client.post(url, {"reason": " "}).content.decode()
    assert client.post(url, {"reason": "台风预警，活动取消"}).status_code == 302
    a.refresh_from_db()
    assert a.status == "cancelled" and a.cancel_reason == "台风预警，活动取消" and a.cancelled_at
    entry = (
        AuditEntry.objects.filter(action="update", object_id=str(a.pk), object_type__icontains="activity")
        .order_by("-seq")
        .first()
    )
    assert entry is not None and entry.actor_id == aw.vw.vorg_admin.pk
    assert "台风预警，活动取消" in str(entry.changes) and "cancelled" in str(entry.changes), entry.changes
    # Cancelling twice is refused.
    with pytest.raises(ValidationError, match="已取消"):
        activity_changes.activity_cancel(activity=a, reason="再次", user=None)

    # The signed-up volunteer sees the notice and the reason, and can no longer check in.
    login(aw.vw.vol_user)
    assert "活动已取消：台风预警，活动取消" in client.get("/volunteers/me/activities/").content.decode()
    detail = client.get(f"/volunteers/activities/{a.pk}/")
    assert detail.status_code == 200 and 'data-testid="cancelled"' in detail.content.decode()
    token = checkin.current_token(a, timezone.now())
    with pytest.raises(checkin.CheckinError, match="已结项或未开放"):
        ledger.check_in(activity=a, volunteer=aw.vw.volunteer_a, token=token)
    client.post(f"/volunteers/c/{a.pk}/{token}/", {"action": "checkin"})
    assert not Attendance.objects.filter(activity=a).exists()
    with pytest.raises(ValidationError):
        ledger.signup_create(volunteer=new_volunteer(aw.vw, 9), activity=a)


def test_an_activity_with_check_ins_cannot_be_cancelled(aw):
    a = aw.activity_a
    ledger.check_in(activity=a, volunteer=aw.vw.volunteer_a, token=checkin.current_token(a, timezone.now()))
    with pytest.raises(ValidationError, match="已有志愿者签到"):
        activity_changes.activity_cancel(activity=a, reason="x", user=None)


def test_project_edit_and_cancel_cancels_its_published_activities(aw, client, login):
    project = ledger.project_create(org=aw.vw.vorg_a, name="周末环保", user=None)
    a1 = make_activity(project, start=timezone.now() + 24 * H, title="周六")
    a2 = make_activity(project, start=timezone.now() + 48 * H, title="周日")
    ledger.signup_create(volunteer=aw.vw.volunteer_a, activity=a1)
    login(aw.vw.vorg_admin)
    r = client.post(
        f"/volunteers/projects/{project.pk}/edit/",
        {"name": "周末环保行动", "service_area": "环保", "description": ""},
    )
    assert r.status_code == 302
    project.refresh_from_db()
    assert project.name == "周末环保行动" and project.service_area == "环保"
    assert (
        client.post(f"/volunteers/projects/{project.pk}/cancel/", {"reason": "场地改建"}).status_code == 302
    )
    project.refresh_from_db()
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert project.status == a1.status == a2.status == "cancelled"
    assert ActivityMessage.objects.filter(activity=a1, body="活动已取消：场地改建").exists()
    assert 'data-testid="cancelled"' in client.get(f"/volunteers/projects/{project.pk}/").content.decode()


def test_a_project_with_a_checked_in_activity_is_not_cancelled_at_all(aw):
    a = aw.activity_a
    later = make_activity(aw.project_a, start=timezone.now() + 24 * H, title="之后")
    ledger.check_in(activity=a, volunteer=aw.vw.volunteer_a, token=checkin.current_token(a, timezone.now()))
    with pytest.raises(ValidationError, match="已有志愿者签到"):
        activity_changes.project_cancel(project=aw.project_a, reason="x", user=None)
    later.refresh_from_db()
    aw.project_a.refresh_from_db()
    assert later.status == "published" and aw.project_a.status == "published"


@pytest.mark.parametrize("persona", ["vol_user", "outsider_office"])
def test_only_organisers_edit_or_cancel(aw, world, client, login, persona):
    a = aw.activity_a
    user = aw.vw.vol_user if persona == "vol_user" else world.county_b_admin
    login(user)
    expected = 403 if persona == "vol_user" else 404
    for url in (f"/volunteers/activities/{a.pk}/edit/", f"/volunteers/activities/{a.pk}/cancel/",
                f"/volunteers/projects/{aw.project_a.pk}/edit/", f"/volunteers/projects/{aw.project_a.pk}/cancel/"):  # fmt: skip
        assert client.get(url).status_code == expected, url
        assert client.post(url, {"reason": "x", "name": "x"}).status_code == expected, url
    a.refresh_from_db()
    assert a.status == "published"


def test_edit_and_cancel_pages_issue_a_bounded_number_of_queries(
    aw, client, login, django_assert_max_num_queries
):
    login(aw.vw.vorg_admin)
    for url in (f"/volunteers/activities/{aw.activity_a.pk}/edit/", f"/volunteers/activities/{aw.activity_a.pk}/cancel/",
                f"/volunteers/projects/{aw.project_a.pk}/edit/", f"/volunteers/projects/{aw.project_a.pk}/cancel/"):  # fmt: skip
        client.get(url)
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_a_cancelled_activity_no_longer_causes_overlap_warnings(aw):
    v = new_volunteer(aw.vw, 20)
    start = timezone.now() + 72 * H
    first = make_activity(aw.project_a, start=start, title="原定")
    second = make_activity(aw.project_a, start=start + H, title="同时段")
    ledger.signup_create(volunteer=v, activity=first)
    with pytest.raises(ledger.OverlapWarning):
        ledger.signup_create(volunteer=v, activity=second)
    activity_changes.activity_cancel(activity=first, reason="改期", user=None)
    assert ledger.signup_create(volunteer=v, activity=second).status == "pending"
