from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.orgs.rules import ScopeRule


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


class Job(models.Model):
    """后台任务 — a long job a person started (import, export, binder), with its progress.

    The work itself runs through Django's tasks API (django-tasks, database backend); this row
    is what the person sees: progress, message, result file, and who may see it.
    """

    kind = models.CharField(_("类型"), max_length=64)
    title = models.CharField(_("名称"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    progress = models.PositiveIntegerField(_("已完成"), default=0)
    total = models.PositiveIntegerField(_("总量"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_file = models.ForeignKey(
        "files.StoredFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task_result_id = models.CharField(max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region_code = models.CharField(max_length=12, blank=True, db_index=True)
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # A job is seen by its starter and within its organisation's scope.
    scope_rule = ScopeRule(region="region_code", org="organisation_id", owner="created_by_id")

    class Meta:
        verbose_name = _("后台任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.progress * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class WorkerHeartbeat(models.Model):
    """工作进程心跳 — each task worker's last sign of life, for /healthz."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.worker_id


class ScheduledRunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class ScheduledRun(models.Model):
    """定时任务运行记录 — one slot of one scheduled function (wenming/jobs/schedule.py).

    The unique (name, slot) pair is the claim: of several workers, only the one whose insert
    succeeds runs the slot."""

    name = models.CharField(_("任务"), max_length=64)
    slot = models.DateTimeField(_("计划时间"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ScheduledRunStatus.choices, default=ScheduledRunStatus.QUEUED
    )
    worker_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(_("结果"), max_length=500, blank=True)
    error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # System-wide maintenance: only platform admins (for whom every rule is open) see the runs.
    scope_rule = ScopeRule(custom=lambda scope: models.Q(pk__in=[]))

    class Meta:
        verbose_name = _("定时任务运行记录")
        ordering = ["-slot"]
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="scheduled_run_once_per_slot")]
        indexes = [models.Index(fields=["name", "-slot"], name="scheduled_run_latest")]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M}"
