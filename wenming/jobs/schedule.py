"""Scheduled work (定时任务): periodic maintenance that must run without a person.

Modules register plain functions in their own ``schedule`` module (``wenming/<app>/schedule.py``,
discovered at start-up like admin modules)::

    from wenming.jobs.schedule import scheduled

    @scheduled("volunteers.close_activities", "结项已结束的活动", every=dt.timedelta(minutes=15))
    def close_activities() -> str:
        return f"已结项 {ledger.close_finished_activities()} 个活动"

    @scheduled("vstats.rebuild", "重建志愿服务统计", daily_at="03:00")
    def rebuild() -> str: ...

A function takes no argument, runs as the system actor (audit entries say 系统), and returns a short
Chinese summary that the 定时任务 page shows. It must be idempotent: running it twice in one slot
changes nothing the second time (the claim below makes that rare, not impossible: a slot whose
run died is not retried until the next slot).

How it runs
-----------
Every worker (``manage.py worker``) has a scheduler thread that wakes every
``SCHEDULER_CHECK_SECONDS``. For each schedule it computes the current *slot* — the start of the
current ``every`` interval (aligned to the epoch), or the latest ``daily_at`` time (local time)
not after now — and **claims** it by inserting a :class:`~wenming.jobs.models.ScheduledRun` row
with ``(name, slot)`` unique. Only the worker whose insert succeeds enqueues the run as a task
(:func:`wenming.jobs.tasks.run_scheduled`), so with any number of workers each slot runs once; a
worker that was down over several slots runs the latest one once on return (no backlog). With
``SCHEDULER_ENABLED=0`` a worker runs queued jobs only (for example when a separate worker is
meant to own the schedule; the claim makes that optional, not necessary).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger("wenming.jobs.schedule")

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class ScheduleFailed(Exception):
    """Raise it with a Chinese message to record a run as failed with that message shown."""


@dataclass(frozen=True)
class Schedule:
    name: str
    title: str
    func: Callable[[], str]
    every: dt.timedelta | None = None
    daily_at: dt.time | None = None

    def slot(self, now: dt.datetime) -> dt.datetime:
        """The start of the slot ``now`` falls in (an aware datetime)."""
        if self.every is not None:
            n = (now - EPOCH) // self.every
            return EPOCH + n * self.every
        local = timezone.localtime(now)
        at = local.replace(hour=self.daily_at.hour, minute=self.daily_at.minute, second=0, microsecond=0)
        if at > local:
            at -= dt.timedelta(days=1)
        return at

    def next_slot(self, now: dt.datetime) -> dt.datetime:
        if self.every is not None:
            return self.slot(now) + self.every
        return self.slot(now) + dt.timedelta(days=1)

    @property
    def cadence(self) -> str:
        """The cadence in Chinese: 每 15 分钟, 每天 03:00."""
        if self.daily_at is not None:
            return f"每天 {self.daily_at:%H:%M}"
        minutes = int(self.every.total_seconds() // 60)
        if minutes % 1440 == 0:
            return f"每 {minutes // 1440} 天"
        if minutes % 60 == 0:
            return f"每 {minutes // 60} 小时"
        return f"每 {minutes} 分钟"


REGISTRY: dict[str, Schedule] = {}


def scheduled(name: str, title: str, *, every: dt.timedelta | None = None, daily_at: str | None = None):
    """Register the decorated function as scheduled work (exactly one of ``every``/``daily_at``)."""
    if (every is None) == (daily_at is None):
        raise ValueError("scheduled(): give exactly one of every= or daily_at=")
    if every is not None and every < dt.timedelta(minutes=1):
        raise ValueError("scheduled(): every= must be at least one minute")
    at = dt.time.fromisoformat(daily_at) if daily_at is not None else None

    def register(func: Callable[[], str]) -> Callable[[], str]:
        REGISTRY[name] = Schedule(name=name, title=title, func=func, every=every, daily_at=at)
        return func

    return register


def discover() -> dict[str, Schedule]:
    """Import every installed app's ``schedule`` module (idempotent) and return the registry."""
    autodiscover_modules("schedule")
    return REGISTRY


def claim_due(*, now: dt.datetime | None = None, worker_id: str = "") -> list:
    """Claim every schedule's current slot that nobody has claimed; return the new run rows.

    The unique ``(name, slot)`` makes the insert the lock: of several workers, one wins."""
    from wenming.jobs.models import ScheduledRun

    now = now or timezone.now()
    claimed = []
    for schedule in discover().values():
        slot = schedule.slot(now)
        if ScheduledRun.objects.filter(name=schedule.name, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                claimed.append(
                    ScheduledRun.objects.create(name=schedule.name, slot=slot, worker_id=worker_id[:64])
                )
        except IntegrityError:  # another worker claimed it first
            continue
    return claimed


def run_claimed(run_id: int) -> None:
    """Run one claimed slot and record its outcome (called from the task; also by tests)."""
    from wenming.audit.context import SYSTEM, acting_as
    from wenming.jobs.models import ScheduledRun, ScheduledRunStatus

    run = ScheduledRun.objects.get(pk=run_id)
    schedule = discover().get(run.name)
    if schedule is None:
        ScheduledRun.objects.filter(pk=run_id).update(
            status=ScheduledRunStatus.FAILED, summary="该定时任务已不存在", finished_at=timezone.now()
        )
        return
    ScheduledRun.objects.filter(pk=run_id).update(
        status=ScheduledRunStatus.RUNNING, started_at=timezone.now()
    )
    try:
        with acting_as(SYSTEM):
            summary = schedule.func() or ""
    except ScheduleFailed as exc:
        logger.error("scheduled %s (slot %s): %s", run.name, run.slot, exc)
        ScheduledRun.objects.filter(pk=run_id).update(
            status=ScheduledRunStatus.FAILED, summary=str(exc)[:500], finished_at=timezone.now()
        )
        return
    except Exception:  # noqa: BLE001 - recorded on the run row, the worker goes on
        logger.exception("scheduled %s (slot %s) failed", run.name, run.slot)
        ScheduledRun.objects.filter(pk=run_id).update(
            status=ScheduledRunStatus.FAILED,
            summary="运行出错，详见工作进程日志",
            error=traceback.format_exc()[-4000:],
            finished_at=timezone.now(),
        )
        return
    ScheduledRun.objects.filter(pk=run_id).update(
        status=ScheduledRunStatus.SUCCEEDED, summary=str(summary)[:500], finished_at=timezone.now()
    )


def enqueue_due(*, worker_id: str = "", now: dt.datetime | None = None) -> int:
    """Claim the due slots and hand each to the task queue; the number enqueued."""
    from wenming.jobs.tasks import run_scheduled

    runs = claim_due(now=now, worker_id=worker_id)
    for run in runs:
        run_scheduled.enqueue(run_id=run.pk)
    return len(runs)


def scheduler_loop(worker_id: str, stop: threading.Event, interval: float) -> None:
    """The worker's scheduler thread: claim and enqueue due slots until ``stop`` is set."""
    while not stop.is_set():
        try:
            enqueued = enqueue_due(worker_id=worker_id)
            if enqueued:
                logger.info("scheduler %s: %d scheduled run(s) enqueued", worker_id, enqueued)
        except Exception:  # noqa: BLE001 - a failed pass must not kill the worker
            logger.warning("scheduler %s: pass failed", worker_id, exc_info=True)
        finally:
            close_old_connections()
        stop.wait(interval)


def run_now(*, name: str, user) -> object:
    """A platform admin's 立即运行: a slot at this instant, claimed, enqueued and audited."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from wenming.audit.services import audit_record
    from wenming.jobs.models import ScheduledRun
    from wenming.jobs.tasks import run_scheduled
    from wenming.orgs.access import get_scope

    if not get_scope(user).is_platform:
        raise PermissionDenied("只有平台管理员可以运行定时任务")
    schedule = discover().get(name)
    if schedule is None:
        raise ValidationError("没有这个定时任务")
    if ScheduledRun.objects.filter(name=name, status__in=["queued", "running"]).exists():
        raise ValidationError(f"“{schedule.title}”正在排队或运行，请稍后再试")
    with transaction.atomic():
        run = ScheduledRun.objects.create(name=name, slot=timezone.now(), worker_id=f"manual:{user.pk}")
        audit_record(action="RUN", obj=run, object_repr=f"立即运行定时任务：{schedule.title}", region_code="")
        transaction.on_commit(lambda: run_scheduled.enqueue(run_id=run.pk))
    return run
