"""定时任务: slots, one claim per slot, runs recorded with their outcome, the page and 立即运行."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.audit.models import AuditEntry
from wenming.jobs import schedule
from wenming.jobs.models import ScheduledRun, ScheduledRunStatus

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def registry(monkeypatch):
    """A registry holding only the test's schedules (discovery has already run once)."""
    schedule.discover()
    fresh: dict[str, schedule.Schedule] = {}
    monkeypatch.setattr(schedule, "REGISTRY", fresh)
    monkeypatch.setattr(schedule, "discover", lambda: fresh)
    return fresh


def _register(name, func, **when):
    schedule.scheduled(name, f"测试任务 {name}", **when)(func)
    return schedule.REGISTRY[name]


def test_every_slots_are_aligned_and_daily_slots_are_the_latest_local_time(registry):
    quarter = _register("t.quarter", lambda: "", every=dt.timedelta(minutes=15))
    daily = _register("t.daily", lambda: "", daily_at="03:00")
    now = dt.datetime(2026, 11, 22, 10, 7, 30, tzinfo=dt.UTC)
    assert quarter.slot(now) == dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
    assert quarter.slot(now + dt.timedelta(minutes=8)) == dt.datetime(2026, 11, 22, 10, 15, tzinfo=dt.UTC)
    assert quarter.next_slot(now) == dt.datetime(2026, 11, 22, 10, 15, tzinfo=dt.UTC)
    # 10:07 UTC is 18:07 in Shanghai: today's 03:00 local has passed.
    assert daily.slot(now) == dt.datetime(2026, 11, 22, 3, 0, tzinfo=SHANGHAI)
    # 18:30 UTC the day before is 02:30 local: 03:00 has not come yet, so the slot is yesterday's.
    early = dt.datetime(2026, 11, 21, 18, 30, tzinfo=dt.UTC)
    assert daily.slot(early) == dt.datetime(2026, 11, 21, 3, 0, tzinfo=SHANGHAI)
    assert daily.next_slot(early) == dt.datetime(2026, 11, 22, 3, 0, tzinfo=SHANGHAI)
    assert (quarter.cadence, daily.cadence) == ("每 15 分钟", "每天 03:00")


def test_it_refuses_a_schedule_without_exactly_one_cadence():
    with pytest.raises(ValueError):
        schedule.scheduled("t.none", "无")
    with pytest.raises(ValueError):
        schedule.scheduled("t.both", "两者", every=dt.timedelta(hours=1), daily_at="03:00")
    with pytest.raises(ValueError):
        schedule.scheduled("t.fast", "太快", every=dt.timedelta(seconds=10))


def test_each_slot_is_claimed_once_and_run_with_its_summary(registry):
    calls = []
    _register("t.count", lambda: calls.append(1) or f"第 {len(calls)} 次", every=dt.timedelta(hours=1))
    # Mid-slot: with the clock's own minute, a run in the last minute of an hour saw "a minute
    # later" fall into the next hourly slot (it failed so at 16:59).
    now = timezone.now().replace(minute=20, second=0, microsecond=0)
    assert schedule.enqueue_due(now=now, worker_id="w1") == 1  # the immediate backend runs it now
    assert schedule.enqueue_due(now=now, worker_id="w2") == 0  # same slot: nothing to claim
    assert schedule.enqueue_due(now=now + dt.timedelta(minutes=1), worker_id="w2") == 0
    run = ScheduledRun.objects.get(name="t.count")
    assert (run.status, run.summary, run.worker_id) == (ScheduledRunStatus.SUCCEEDED, "第 1 次", "w1")
    assert run.started_at is not None and run.finished_at >= run.started_at
    assert calls == [1]
    assert schedule.enqueue_due(now=now + dt.timedelta(hours=1), worker_id="w2") == 1  # the next slot
    assert calls == [1, 1]


def test_a_worker_losing_the_race_skips_the_slot(registry, monkeypatch):
    """Two workers both see the slot free; the unique (name, slot) lets only the first insert."""
    _register("t.race", lambda: "ok", every=dt.timedelta(hours=1))
    now = timezone.now()
    first = schedule.claim_due(now=now, worker_id="w1")
    assert len(first) == 1

    class Blind:  # the second worker's stale view: "nobody has claimed it"
        def __init__(self, qs):
            self.qs = qs

        def exists(self):
            return False

    real_filter = ScheduledRun.objects.filter
    monkeypatch.setattr(ScheduledRun.objects, "filter", lambda *a, **k: Blind(real_filter(*a, **k)))
    assert schedule.claim_due(now=now, worker_id="w2") == []
    monkeypatch.undo()
    assert ScheduledRun.objects.filter(name="t.race").count() == 1


def test_a_failing_run_is_recorded_and_does_not_stop_the_others(registry, caplog):
    def boom():
        raise RuntimeError("database went away")

    def refuse():
        raise schedule.ScheduleFailed("审计链断裂：第 3 条")

    _register("t.boom", boom, every=dt.timedelta(hours=1))
    _register("t.refuse", refuse, every=dt.timedelta(hours=1))
    _register("t.fine", lambda: "好", every=dt.timedelta(hours=1))
    assert schedule.enqueue_due(worker_id="w") == 3
    runs = {r.name: r for r in ScheduledRun.objects.all()}
    assert runs["t.boom"].status == ScheduledRunStatus.FAILED
    assert runs["t.boom"].summary == "运行出错，详见工作进程日志"
    assert "database went away" in runs["t.boom"].error
    assert (runs["t.refuse"].status, runs["t.refuse"].summary) == (
        ScheduledRunStatus.FAILED,
        "审计链断裂：第 3 条",
    )
    assert runs["t.fine"].status == ScheduledRunStatus.SUCCEEDED


def test_the_scheduler_thread_keeps_passing_through_errors_until_stopped(monkeypatch):
    """The loop itself (the database side is covered above): a failed pass is logged and the
    next one still comes; setting ``stop`` ends the thread."""
    passes = []
    third = threading.Event()

    def fake_enqueue_due(*, worker_id):
        passes.append(worker_id)
        if len(passes) == 1:
            raise RuntimeError("first pass fails")
        if len(passes) >= 3:
            third.set()
        return 0

    monkeypatch.setattr(schedule, "enqueue_due", fake_enqueue_due)
    monkeypatch.setattr(schedule, "close_old_connections", lambda: None)
    stop = threading.Event()
    thread = threading.Thread(target=schedule.scheduler_loop, args=("w-thread", stop, 0.01))
    thread.start()
    try:
        assert third.wait(10)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert passes[:3] == ["w-thread"] * 3


def test_the_modules_register_their_maintenance():
    names = set(schedule.discover())
    assert {"volunteers.close_activities", "vstats.rebuild", "audit.verify"} <= names


def test_the_audit_check_reports_a_broken_chain(world):
    from wenming.audit.schedule import verify
    from wenming.audit.tests.test_audit_chain import _allow_updates_in_this_transaction, _append, _raw

    entries = _append(3)
    assert verify().startswith("审计链完好")
    _allow_updates_in_this_transaction()
    _raw("UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", ["篡改", entries[1].pk])
    with pytest.raises(schedule.ScheduleFailed, match="审计链断裂"):
        verify()


def test_platform_admins_see_the_schedule_page_and_run_a_task_now(
    world, login, client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    login(world.platform)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("jobs:schedule_list")).content.decode()
    assert "定时任务" in html and "校验审计日志哈希链" in html and "每天 04:00" in html
    assert "尚未运行" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("jobs:schedule_run", args=["audit.verify"]), follow=True)
    assert "已加入队列" in response.content.decode()
    run = ScheduledRun.objects.get(name="audit.verify")
    assert run.status == ScheduledRunStatus.SUCCEEDED and run.summary.startswith("审计链完好")
    assert AuditEntry.objects.filter(
        action="RUN", object_type="jobs.scheduledrun", object_id=str(run.pk)
    ).exists()
    html = client.get(reverse("jobs:schedule_list")).content.decode()
    assert run.summary in html


def test_run_now_refuses_while_the_task_is_queued(world, login, client):
    login(world.platform)
    ScheduledRun.objects.create(name="audit.verify", slot=timezone.now(), status=ScheduledRunStatus.QUEUED)
    response = client.post(reverse("jobs:schedule_run", args=["audit.verify"]), follow=True)
    assert "正在排队或运行" in response.content.decode()
    assert ScheduledRun.objects.filter(name="audit.verify").count() == 1


@pytest.mark.parametrize("persona", ["city_admin", "unit_a_admin"])
def test_others_do_not_see_the_schedule(world, login, client, persona):
    login(getattr(world, persona))
    assert client.get(reverse("jobs:schedule_list")).status_code == 404
    assert client.post(reverse("jobs:schedule_run", args=["audit.verify"])).status_code == 404
    assert not ScheduledRun.objects.exists()
