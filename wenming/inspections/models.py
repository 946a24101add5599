"""督查整改: inspection points with their 包保 units, and the findings ledger (挂账销号).

The ledger's rules (which status may follow which, and who may move it) live in one table in
``services.py``; a finding's history is its :class:`FindingEvent` rows, never flags.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wenming.orgs.rules import ScopeRule


class PointType(models.Model):
    """点位类型 — a kind of field-inspection point (政务大厅, 公交站点 …). A configurable list:
    rows, seeded by a data migration, added or renamed by the platform admin."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("点位类型")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class InspectionPoint(models.Model):
    """点位 — a place inspectors visit, with its responsible 包保单位 (包街包巷包小区, 门前四包)."""

    name = models.CharField(_("点位名称"), max_length=200)
    point_type = models.ForeignKey(
        PointType, on_delete=models.PROTECT, related_name="points", verbose_name=_("点位类型")
    )
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区划")
    )
    # Copied from the region so scope filters are one indexed prefix match.
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    responsible_unit = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="inspection_points",
        verbose_name=_("包保单位"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Offices see the points in their subtree; a 包保单位 sees the points it is responsible for.
    scope_rule = ScopeRule(region="region_code", org="responsible_unit_id")

    class Meta:
        verbose_name = _("点位")
        ordering = ["region_code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="point_unique_name_per_region"),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (
                    Q(latitude__gte=-90)
                    & Q(latitude__lte=90)
                    & Q(longitude__gte=-180)
                    & Q(longitude__lte=180)
                ),
                name="point_coordinates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_location(self) -> tuple[str, int | None]:
        return self.region_code, self.responsible_unit_id


class Severity(models.TextChoices):
    MINOR = "minor", _("一般")
    MAJOR = "major", _("较重")
    SEVERE = "severe", _("严重")


class FindingCategory(models.Model):
    """问题类别 — a configurable kind of problem (牛皮癣, 蜘蛛网 …) with its default deadline,
    in days, for each severity."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    days_minor = models.PositiveSmallIntegerField(_("一般问题整改期限（天）"), default=7)
    days_major = models.PositiveSmallIntegerField(_("较重问题整改期限（天）"), default=5)
    days_severe = models.PositiveSmallIntegerField(_("严重问题整改期限（天）"), default=3)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("问题类别")
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(days_minor__gte=1) & Q(days_major__gte=1) & Q(days_severe__gte=1),
                name="category_deadline_days_positive",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def days_for(self, severity: str) -> int:
        return {
            Severity.MINOR: self.days_minor,
            Severity.MAJOR: self.days_major,
            Severity.SEVERE: self.days_severe,
        }[Severity(severity)]


class Status(models.TextChoices):
    OPEN = "open", _("挂账")
    RECTIFYING = "rectifying", _("整改中")
    CLOSURE_REQUESTED = "closure_requested", _("申请销号")
    UNDER_REVIEW = "under_review", _("复核中")
    CLOSED = "closed", _("已销号")


class Outcome(models.TextChoices):
    NONE = "", _("—")
    FIXED = "fixed", _("整改到位")
    UNFIXED = "unfixed", _("未整改销号")


class InspectionKind(models.TextChoices):
    DAILY = "daily", _("日常督查")
    UNANNOUNCED = "unannounced", _("暗访")
    RANDOM = "random", _("随机抽查")
    MOCK = "mock", _("模拟测评")
    JOINT = "joint", _("部门联查")
    SPECIAL = "special", _("专项整治")


class Inspection(models.Model):
    """督查活动 — an inspection an office plans: its kind, the region it covers, dates, inspectors
    and the points to visit (chosen, or drawn at random with a stored, shown seed)."""

    office = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )
    kind = models.CharField(_("督查类型"), max_length=16, choices=InspectionKind.choices)
    title = models.CharField(_("名称"), max_length=200)
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("督查范围")
    )
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("督查人员")
    )
    point_types = models.ManyToManyField(PointType, blank=True, related_name="+", verbose_name=_("点位类型"))
    categories = models.ManyToManyField(
        FindingCategory, blank=True, related_name="+", verbose_name=_("整治问题")
    )
    notes = models.TextField(_("说明"), blank=True)
    # A random draw: the seed and the size of the pool it was drawn from, so anyone can redo it.
    sample_seed = models.BigIntegerField(_("抽样种子"), null=True, blank=True)
    sample_pool = models.PositiveIntegerField(_("候选点位数"), null=True, blank=True)
    # A random draw of units (随机抽查单位), likewise reproducible from its seed and pool.
    unit_sample_seed = models.BigIntegerField(_("单位抽样种子"), null=True, blank=True)
    unit_sample_pool = models.PositiveIntegerField(_("候选单位数"), null=True, blank=True)
    # 模拟测评: the framework whose criteria the observations are made against.
    framework = models.ForeignKey(
        "frameworks.Framework",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("测评体系"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Offices only (units never see planned inspections: some are unannounced).
    scope_rule = ScopeRule(region="region_code")

    class Meta:
        verbose_name = _("督查活动")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="inspection_dates_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def audit_location(self) -> tuple[str, int | None]:
        return self.region_code, self.office_id


class InspectionTarget(models.Model):
    """督查点位 — a point an inspection visits, in the order drawn or chosen."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="targets")
    point = models.ForeignKey(InspectionPoint, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("督查点位")
        ordering = ["inspection_id", "position"]
        constraints = [models.UniqueConstraint(fields=["inspection", "point"], name="target_unique_point")]

    def __str__(self) -> str:
        return f"{self.position}. {self.point_id}"


class InspectionUnitTarget(models.Model):
    """督查单位 — a unit an inspection checks (drawn at random), in the order drawn."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="unit_targets")
    unit = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("督查单位")
        ordering = ["inspection_id", "position"]
        constraints = [models.UniqueConstraint(fields=["inspection", "unit"], name="unit_target_unique_unit")]

    def __str__(self) -> str:
        return f"{self.position}. {self.unit_id}"


class Finding(models.Model):
    """督查问题 — one problem on the ledger (挂账), followed to a verified fix (销号)."""

    point = models.ForeignKey(
        InspectionPoint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("点位"),
    )
    inspection = models.ForeignKey(
        Inspection,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("督查活动"),
    )
    location_text = models.CharField(_("位置描述"), max_length=300, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    category = models.ForeignKey(
        FindingCategory, on_delete=models.PROTECT, related_name="findings", verbose_name=_("问题类别")
    )
    severity = models.CharField(
        _("严重程度"), max_length=16, choices=Severity.choices, default=Severity.MINOR
    )
    description = models.TextField(_("问题描述"), blank=True)
    # A criterion of a framework as a plain code (typed), or copied from ``criterion`` below.
    criterion_code = models.CharField(_("对应测评标准"), max_length=50, blank=True)
    # The framework criterion itself, when the finding names one (its code is then copied above).
    criterion = models.ForeignKey(
        "frameworks.Criterion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("测评标准"),
    )
    responsible_unit = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="findings", verbose_name=_("责任单位")
    )
    office = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("督查单位")
    )
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("销号结果"), max_length=16, choices=Outcome.choices, blank=True, default="")
    deadline = models.DateField(_("整改期限"))
    # When the current responsible unit was given it, and the time lost to wrong assignments.
    assigned_at = models.DateTimeField()
    time_lost = models.DurationField(_("转办耗时"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The deadline the scheduled reminder was recorded for (a new deadline gets a new reminder).
    reminded_for = models.DateField(null=True, blank=True, editable=False)

    scope_rule = ScopeRule(region="region_code", org="responsible_unit_id")

    class Meta:
        verbose_name = _("督查问题")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The overdue list and the ledger's filters: not closed, by deadline.
            models.Index(fields=["status", "deadline"], name="finding_status_deadline"),
            models.Index(fields=["responsible_unit", "status"], name="finding_unit_status"),
            # The ledger's default order (newest first), so a page of 50 needs no sort of the rest.
            models.Index(fields=["-created_at", "-id"], name="finding_newest_first"),
            # The overdue and due-soon lists (not closed, oldest deadline first): an ordered scan
            # that stops after a page, instead of sorting every unfinished finding.
            models.Index(
                fields=["deadline", "id"],
                condition=~Q(status="closed"),
                name="finding_unfinished_by_deadline",
            ),
            # The ledger's filters, each in newest-first order, so a page (and a key-paged deep page) is an
            # ordered range scan that stops after 50 rows: one status, one unit, one category.
            models.Index(fields=["status", "-created_at", "-id"], name="finding_status_newest"),
            models.Index(fields=["responsible_unit", "-created_at", "-id"], name="finding_unit_newest"),
            models.Index(fields=["category", "-created_at", "-id"], name="finding_category_newest"),
            # Status and category together (the 专项整治 view: "open 牛皮癣"): a category holds a few
            # thousand findings, and its open ones are a fraction; counted and paged without a scan.
            models.Index(
                fields=["status", "category", "-created_at", "-id"], name="finding_status_category_newest"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="closed") & ~Q(outcome="")) | (~Q(status="closed") & Q(outcome="")),
                name="finding_outcome_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"问题 #{self.pk} · {self.location_text or self.point or ''}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.region_code, self.responsible_unit_id


class FindingAction(models.TextChoices):
    CREATE = "create", _("挂账")
    START = "start", _("开始整改")
    REQUEST_CLOSURE = "request_closure", _("申请销号")
    BEGIN_REVIEW = "begin_review", _("开始复核")
    VERIFY = "verify", _("复核通过，销号")
    REJECT = "reject", _("复核不通过，退回整改")
    CLOSE_UNFIXED = "close_unfixed", _("未整改销号")
    REASSIGN = "reassign", _("非本单位责任，转办")
    REOPEN = "reopen", _("重新挂账")
    # Not a transition: the scheduled reminder before the deadline, recorded in the timeline.
    REMIND = "remind", _("到期提醒")


class FindingEvent(models.Model):
    """问题流转记录 — one step of a finding's history: who, when, from which status to which, why,
    with the photos or files attached to that step."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=20, choices=FindingAction.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reason = models.TextField(_("说明"), blank=True)
    from_unit = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    time_lost = models.DurationField(null=True, blank=True)  # reassignments: how long the wrong unit held it
    files = models.ManyToManyField("files.StoredFile", blank=True, related_name="+")

    scope_rule = ScopeRule(region="finding__region_code", org="finding__responsible_unit_id")

    class Meta:
        verbose_name = _("问题流转记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.finding_id}"


class SupervisionLetter(models.Model):
    """督办函 — a numbered formal letter (〔年份〕第N期, counted per office and year) to a unit about
    its overdue findings, with a reply deadline, an escalation level and a record of sending."""

    office = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("发函单位")
    )
    unit = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("受函单位")
    )
    region_code = models.CharField(max_length=12, db_index=True, editable=False)  # the office's
    year = models.PositiveSmallIntegerField(_("年份"))
    seq = models.PositiveIntegerField(_("期号"))
    level = models.PositiveSmallIntegerField(_("督办级别"), default=1)
    title = models.CharField(_("标题"), max_length=100)
    reply_deadline = models.DateField(_("回复期限"))
    findings = models.ManyToManyField(Finding, related_name="letters", verbose_name=_("督办问题"))
    document = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_note = models.CharField(_("发送方式"), max_length=200, blank=True)
    # The unit's written reply (text and an optional document).
    reply_text = models.TextField(_("回复内容"), blank=True)
    reply_file = models.ForeignKey(
        "files.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Automatic escalation: when the reply deadline passed without a reply, the letter is checked
    # once (``escalated_at``) and, if its findings are still overdue, the next level is issued.
    escalated_at = models.DateTimeField(_("升级处理时间"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("升级后的督办函"),
    )
    escalation_note = models.CharField(_("升级说明"), max_length=200, blank=True)

    # The issuing office and those above it see the letter; so does the unit it is addressed to.
    scope_rule = ScopeRule(region="region_code", org="unit_id")

    class Meta:
        verbose_name = _("督办函")
        ordering = ["-year", "-seq"]
        constraints = [models.UniqueConstraint(fields=["office", "year", "seq"], name="letter_unique_number")]

    def __str__(self) -> str:
        return f"{self.title}{self.number}"

    @property
    def number(self) -> str:
        return f"〔{self.year}〕第{self.seq}期"

    def reply_status(self, today) -> str:
        """待回复 / 已回复 / 逾期未回复 (``today``: the local date)."""
        if self.replied_at is not None:
            return "已回复"
        return "逾期未回复" if self.reply_deadline < today else "待回复"

    def audit_location(self) -> tuple[str, int | None]:
        return self.region_code, self.unit_id


class EscalationLevel(models.Model):
    """督办级别 — the n-th letter about the same unfinished findings: its title and the days the
    unit has to reply. Rows of an office apply to its letters; rows without an office are the
    platform's default; with no rows at all ``services.ESCALATION_LEVELS`` applies."""

    office = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("文明办"),
    )
    level = models.PositiveSmallIntegerField(_("级别"))
    title = models.CharField(_("督办函标题"), max_length=100)
    reply_days = models.PositiveSmallIntegerField(_("回复期限（天）"))

    class Meta:
        verbose_name = _("督办级别")
        ordering = ["office_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["office", "level"], name="escalation_unique_level"),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(reply_days__gte=1), name="escalation_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level}. {self.title}"


class Bulletin(models.Model):
    """督查通报 — a periodic bulletin of an office: inspections held, findings per unit and category,
    closure rates, average days to close and the units named for overdue findings. The figures are
    kept as they were computed, so the document and the page always agree."""

    office = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("发布单位")
    )
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField(_("年份"))
    seq = models.PositiveIntegerField(_("期号"))
    period_start = models.DateField(_("统计起始日期"))
    period_end = models.DateField(_("统计截止日期"))
    figures = models.JSONField(_("统计数据"), default=dict)
    document = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)

    scope_rule = ScopeRule(region="region_code")

    class Meta:
        verbose_name = _("督查通报")
        ordering = ["-year", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["office", "year", "seq"], name="bulletin_unique_number"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="bulletin_period_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"督查通报{self.number}"

    @property
    def number(self) -> str:
        return f"〔{self.year}〕第{self.seq}期"

    def audit_location(self) -> tuple[str, int | None]:
        return self.region_code, self.office_id


class RankingStatus(models.TextChoices):
    DRAFT = "draft", _("待审核")
    PUBLISHED = "published", _("已发布")


class BulletinDraft(models.Model):
    """督查通报草稿 — prepared by the scheduler for each office and past month (figures only, no
    number): an office admin reviews it and issues it as a numbered 督查通报 (``bulletin``)."""

    office = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name=_("文明办")
    )
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    period_start = models.DateField(_("统计起始日期"))
    period_end = models.DateField(_("统计截止日期"))
    figures = models.JSONField(_("统计数据"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    bulletin = models.OneToOneField(
        Bulletin,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="draft",
        verbose_name=_("已发布为"),
    )

    scope_rule = ScopeRule(region="region_code")

    class Meta:
        verbose_name = _("督查通报草稿")
        ordering = ["-period_start", "office_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "period_start", "period_end"], name="bulletin_draft_once"
            ),
        ]

    def __str__(self) -> str:
        return f"督查通报草稿 {self.period_start:%Y-%m}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.region_code, self.office_id


class RankingRuleSet(models.Model):
    """红黑榜评定规则 of an office (``office`` empty = the platform default): the values of
    ``services.RANKING_RULES`` (weights, penalty, thresholds, list sizes) as they were saved. An
    office without a row uses the platform default; without that, ``services.RANKING_RULES``."""

    office = models.OneToOneField(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("文明办"),
    )
    # One row per office and one default row: "default" or the office id (a NULL office is not unique in SQL).
    key = models.CharField(max_length=20, unique=True, editable=False)
    rules = models.JSONField(_("规则"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("红黑榜评定规则")

    def __str__(self) -> str:
        return f"红黑榜规则：{self.office or '平台默认'}"


class Ranking(models.Model):
    """红黑榜 — the red and black lists of an office for a period, computed from the documented
    rules (``services.RANKING_RULES``, kept with the ranking), reviewed, then published."""

    office = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("发布单位")
    )
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    period_start = models.DateField(_("统计起始日期"))
    period_end = models.DateField(_("统计截止日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=RankingStatus.choices, default=RankingStatus.DRAFT
    )
    rules = models.JSONField(_("评定规则"), default=dict)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    computed_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    scope_rule = ScopeRule(region="region_code")

    class Meta:
        verbose_name = _("红黑榜")
        ordering = ["-period_end", "-id"]

    def __str__(self) -> str:
        return f"红黑榜 {self.period_start:%Y-%m-%d} 至 {self.period_end:%Y-%m-%d}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.region_code, self.office_id


class RankingList(models.TextChoices):
    RED = "red", _("红榜")
    BLACK = "black", _("黑榜")
    NONE = "", _("未上榜")


class RankingEntry(models.Model):
    """红黑榜条目 — one unit's figures and score in a ranking, and the list it is on."""

    ranking = models.ForeignKey(Ranking, on_delete=models.CASCADE, related_name="entries")
    unit = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()  # by score, best first
    score = models.DecimalField(max_digits=6, decimal_places=2)
    due = models.PositiveIntegerField()  # findings whose deadline fell in the period
    closed = models.PositiveIntegerField()  # of those, closed by the period's end
    on_time = models.PositiveIntegerField()  # of those, closed by their deadline
    overdue = models.PositiveIntegerField()  # of those, still open at the end, deadline passed
    repeats = models.PositiveIntegerField()  # the same problem again at the same point in the period
    listed = models.CharField(max_length=8, choices=RankingList.choices, blank=True)

    class Meta:
        verbose_name = _("红黑榜条目")
        ordering = ["ranking_id", "position"]
        constraints = [models.UniqueConstraint(fields=["ranking", "unit"], name="ranking_unique_unit")]

    def __str__(self) -> str:
        return f"{self.position}. {self.unit_id} {self.score}"


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")


class PublicReport(models.Model):
    """随手拍 — a problem a resident reported from a phone without an account. The reporter keeps
    the receipt code (``code``) to follow it on the public status page; the office covering the
    area the reporter chose triages it into a :class:`Finding` or rejects it with a reason.

    The optional phone number is never stored in clear (``wenming.orgs.personal``: encrypted,
    blind index for the per-number limit, masked copy for staff). Photos are stored re-encoded
    without any metadata (no EXIF/GPS), see ``services.report_clean_photo``."""

    code = models.CharField(_("回执码"), max_length=12, unique=True, editable=False)
    office = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("受理单位")
    )
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在区域")
    )
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    location_text = models.CharField(_("地点"), max_length=300)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    description = models.TextField(_("问题描述"))
    phone_enc = models.TextField(_("联系电话（加密）"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=16, blank=True)
    photos = models.ManyToManyField("files.StoredFile", blank=True, related_name="+", verbose_name=_("照片"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    finding = models.OneToOneField(
        Finding,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="public_report",
        verbose_name=_("督查问题"),
    )
    reject_reason = models.TextField(_("不予受理的理由"), blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    triaged_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)

    # The office the reporter chose and the offices above it (units never see reports).
    scope_rule = ScopeRule(region="region_code")

    class Meta:
        verbose_name = _("随手拍")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="report_status_newest")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="accepted") & Q(finding__isnull=False))
                | (~Q(status="accepted") & Q(finding__isnull=True)),
                name="report_finding_iff_accepted",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""), name="report_rejected_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"随手拍 {self.receipt}"

    @property
    def receipt(self) -> str:
        """The code as shown to people: two groups of five (ABCDE-FGHJK)."""
        return f"{self.code[:5]}-{self.code[5:]}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.region_code, self.office_id


class PublicReportAttempt(models.Model):
    """随手拍提交记录 — one public submission (by address, and by phone when one was given), for
    the anti-abuse limits. Rows older than the longest window are deleted as new ones arrive."""

    ip = models.GenericIPAddressField(null=True, blank=True)
    phone_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["ip", "created_at"], name="report_attempt_ip"),
            models.Index(fields=["phone_hash", "created_at"], name="report_attempt_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.ip} {self.created_at:%Y-%m-%d %H:%M}"


class ObservationResult(models.TextChoices):
    MET = "met", _("达标")
    PARTLY = "partly", _("基本达标")
    NOT_MET = "not_met", _("不达标")


class Observation(models.Model):
    """模拟测评记录 — at one point of a mock assessment, one criterion of the chosen framework:
    met / partly / not met, or an explicit score. ``possible`` and ``achieved`` are fixed when the
    observation is recorded, so a 得分率 is a plain sum over rows (see ``services.observation_points``)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="observations")
    point = models.ForeignKey(InspectionPoint, on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey("frameworks.Criterion", on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("结果"), max_length=16, choices=ObservationResult.choices)
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=2, null=True, blank=True)
    possible = models.DecimalField(max_digits=7, decimal_places=2)
    achieved = models.DecimalField(max_digits=7, decimal_places=2)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    # Copied from the point so the grouped 得分率 queries need no join for county and unit.
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    unit = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    point_type = models.ForeignKey(PointType, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    scope_rule = ScopeRule(region="inspection__region_code")

    class Meta:
        verbose_name = _("模拟测评记录")
        ordering = ["inspection_id", "point_id", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "point", "criterion"], name="observation_unique"),
            models.CheckConstraint(
                condition=Q(achieved__gte=0) & Q(achieved__lte=F("possible")) & Q(possible__gt=0),
                name="observation_achieved_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point_id} × {self.criterion_id}: {self.result}"
