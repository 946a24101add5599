"""创建工作 — a unit's campaign for a civilisation title, measured against a frozen framework version.

A campaign (创建活动) belongs to one unit, targets a title (kind + level, optionally 标兵) and adopts
one **frozen** framework version. Opening it generates one task per leaf criterion; tasks are due
on a milestone computed backwards (倒排工期) from the acceptance date (验收), or on an override.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wenming.frameworks.models import EvidenceType, FrameworkKind
from wenming.orgs.rules import ScopeRule


class Level(models.TextChoices):
    COUNTY = "county", _("县级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")
    NATIONAL = "national", _("全国")


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", _("创建中")
    ACCEPTED = "accepted", _("已验收")
    CLOSED = "closed", _("已终止")


class Campaign(models.Model):
    """创建活动 — one unit's campaign for a title."""

    unit = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("创建单位")
    )
    # Copied from the unit so scoping needs no join.
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    title = models.CharField(_("名称"), max_length=200)
    target_kind = models.CharField(_("创建称号类别"), max_length=16, choices=FrameworkKind.choices)
    level = models.CharField(_("级别"), max_length=16, choices=Level.choices)
    exemplar = models.BooleanField(_("标兵"), default=False)
    framework = models.ForeignKey(
        "frameworks.Framework", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("测评体系")
    )
    start_date = models.DateField(_("启动日期"))
    acceptance_date = models.DateField(_("验收日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE
    )
    plan = models.ForeignKey(
        "files.StoredFile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("实施方案"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_rule = ScopeRule(region="region_code", org="unit_id")

    class Meta:
        verbose_name = _("创建活动")
        ordering = ["-acceptance_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acceptance_date__gt=models.F("start_date")), name="campaign_dates_order"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def target_label(self) -> str:
        kind = dict(FrameworkKind.choices)[self.target_kind]
        return f"{dict(Level.choices)[self.level]}{kind}{'标兵' if self.exemplar else ''}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.region_code, self.unit_id


class GroupKind(models.TextChoices):
    LEADING = "leading", _("领导小组")
    OFFICE = "office", _("领导小组办公室")
    GENERAL = "general", _("综合组")
    MATERIALS = "materials", _("材料组")
    ADMIN = "admin", _("行政组")


class GroupMember(models.Model):
    """创建工作领导小组成员 — a member of the leading group, its office or a working group."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="group_members")
    group = models.CharField(_("小组"), max_length=16, choices=GroupKind.choices)
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("职务"), max_length=50, help_text=_("例如：组长、副组长、成员"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("关联用户"),
    )
    position = models.PositiveIntegerField(default=0)

    scope_rule = ScopeRule(region="campaign__region_code", org="campaign__unit_id")

    class Meta:
        verbose_name = _("领导小组成员")
        ordering = ["campaign", "group", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.role}）"

    def audit_location(self) -> tuple[str, int | None]:
        return self.campaign.region_code, self.campaign.unit_id


class MilestoneKey(models.TextChoices):
    SELF = "self", _("自评完成")
    EVIDENCE = "evidence", _("资料收集完成")
    MOCK = "mock", _("模拟测评")
    CUSTOM = "custom", _("其他节点")


# Default milestones: days before the acceptance date (倒排工期).
DEFAULT_MILESTONES = [
    (MilestoneKey.SELF, "自评完成", 45),
    (MilestoneKey.EVIDENCE, "资料收集完成", 30),
    (MilestoneKey.MOCK, "模拟测评", 20),
]


class Milestone(models.Model):
    """时间节点 — a milestone ``days_before`` the acceptance date; tasks are due on one."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="milestones")
    key = models.CharField(_("类别"), max_length=16, choices=MilestoneKey.choices)
    title = models.CharField(_("名称"), max_length=100)
    days_before = models.PositiveIntegerField(_("验收前天数"))

    scope_rule = ScopeRule(region="campaign__region_code", org="campaign__unit_id")

    class Meta:
        verbose_name = _("时间节点")
        ordering = ["campaign", "-days_before", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "key"], condition=~Q(key="custom"), name="milestone_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title}（验收前 {self.days_before} 天）"

    def due_for(self, acceptance_date: dt.date) -> dt.date:
        return acceptance_date - dt.timedelta(days=self.days_before)

    def audit_location(self) -> tuple[str, int | None]:
        return self.campaign.region_code, self.campaign.unit_id


class TaskStatus(models.TextChoices):
    TODO = "todo", _("未开始")
    DOING = "doing", _("进行中")
    DONE = "done", _("已完成")


class Task(models.Model):
    """创建任务 — the work on one criterion (or a part of it after a split).

    ``due_date`` is stored (lists filter and sort on it): ``due_override`` when set, otherwise the
    milestone's date; the services recompute it whenever the acceptance date or a milestone moves.
    A merged task points at the task it was merged into and drops out of the lists.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    criterion = models.ForeignKey("frameworks.Criterion", on_delete=models.PROTECT, related_name="+")
    # The depth-1 ancestor (测评项目) of the criterion, for grouping without walking the tree.
    item = models.ForeignKey("frameworks.Criterion", on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="subtasks"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    code = models.CharField(_("任务编码"), max_length=48)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("任务名称"), max_length=500)
    description = models.TextField(_("任务说明"), blank=True)
    department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("责任科室"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("责任人"),
    )
    milestone = models.ForeignKey(
        Milestone,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("时间节点"),
    )
    due_override = models.DateField(_("指定完成时限"), null=True, blank=True)
    due_date = models.DateField(_("完成时限"), null=True, blank=True, db_index=True)
    status = models.CharField(_("状态"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.TODO)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_rule = ScopeRule(region="campaign__region_code", org="campaign__unit_id")

    class Meta:
        verbose_name = _("创建任务")
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="task_unique_code"),
            models.CheckConstraint(
                condition=Q(status="done", completed_at__isnull=False) | ~Q(status="done"),
                name="task_done_has_time",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status", "due_date"], name="task_due_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def is_overdue(self, today: dt.date) -> bool:
        return self.status != TaskStatus.DONE and self.due_date is not None and self.due_date < today

    def audit_location(self) -> tuple[str, int | None]:
        return self.campaign.region_code, self.campaign.unit_id


class EvidenceStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    ACCEPTED = "accepted", _("已采纳")
    RETURNED = "returned", _("已退回")


class Evidence(models.Model):
    """佐证材料 — one file of the evidence ledger (资料台账) against a criterion (and task).

    ``refers_to`` is the date the evidence is about (the meeting, the activity), not the upload
    date; the unit admin accepts or returns each item with a comment.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="evidence")
    criterion = models.ForeignKey("frameworks.Criterion", on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence")
    # A file, or — for 链接/截图 evidence — a URL alone (DB check: at least one of them).
    file = models.ForeignKey(
        "files.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    url = models.URLField(_("链接"), max_length=500, blank=True)
    # Characters of a 说明报告's text (docx/txt), counted at upload against the criterion's limit.
    char_count = models.PositiveIntegerField(_("字数"), null=True, blank=True)
    title = models.CharField(_("材料名称"), max_length=200)
    refers_to = models.DateField(_("材料日期"))
    kind = models.CharField(_("材料类型"), max_length=16, choices=EvidenceType.choices)
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(
        _("审核状态"), max_length=16, choices=EvidenceStatus.choices, default=EvidenceStatus.PENDING
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_rule = ScopeRule(region="campaign__region_code", org="campaign__unit_id")

    class Meta:
        verbose_name = _("佐证材料")
        # The order an inspector reads a criterion's evidence in: by the date it refers to.
        ordering = ["campaign", "criterion", "refers_to", "pk"]
        indexes = [models.Index(fields=["campaign", "criterion", "status"], name="evidence_criterion_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(review_comment=""), name="evidence_return_has_comment"
            ),
            models.CheckConstraint(condition=Q(file__isnull=False) | ~Q(url=""), name="evidence_file_or_url"),
        ]

    def __str__(self) -> str:
        return self.title

    def audit_location(self) -> tuple[str, int | None]:
        return self.campaign.region_code, self.campaign.unit_id


class Binder(models.Model):
    """资料装订 — one ZIP of a campaign's accepted evidence (folders by item › content › criterion,
    目录 in PDF and xlsx). Built in the request when small, by a background job otherwise; the file
    lives in the default storage under ``binders/`` and is served only through the campaign's scope."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="binders")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    storage_name = models.CharField(max_length=255, blank=True)
    files = models.PositiveIntegerField(_("文件数"), default=0)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    scope_rule = ScopeRule(region="campaign__region_code", org="campaign__unit_id")

    class Meta:
        verbose_name = _("资料装订")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.campaign} 资料装订 {self.pk}"

    @property
    def ready(self) -> bool:
        return bool(self.storage_name) and self.finished_at is not None

    def audit_location(self) -> tuple[str, int | None]:
        return self.campaign.region_code, self.campaign.unit_id
