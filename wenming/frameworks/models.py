"""测评体系 — versioned criterion trees (frameworks) that campaigns are measured against.

A framework version is a tree of criteria, 测评项目 › 测评内容 › 测评标准 (› 子标准), each with a
``code`` that is unique and stable within the version, so a campaign can refer to "criterion 3.2"
of a frozen version and a later version can be compared with it code by code.

Versions of one framework share a ``lineage``; ``derived_from`` records the version a row was
copied from (another office's framework for a derivation, the previous version for a new version).
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wenming.orgs.rules import ScopeRule

MAX_DEPTH = 4
SCORE_DIGITS = dict(max_digits=7, decimal_places=2)


class FrameworkKind(models.TextChoices):
    UNIT = "unit", _("文明单位")
    CITY = "city", _("文明城市")
    TOWN = "town", _("文明村镇")
    COMMUNITY = "community", _("文明社区")
    CAMPUS = "campus", _("文明校园")
    FAMILY = "family", _("文明家庭")
    PRACTICE = "practice", _("文明实践")


class FrameworkStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    FROZEN = "frozen", _("已冻结")


class EvidenceType(models.TextChoices):
    SITUATION = "situation", _("情况资料")
    REPORT = "report", _("说明报告")
    OPINION = "opinion", _("评价意见")
    IMAGE = "image", _("图片资料")
    DOCUMENT = "document", _("正式发文")
    TABLE = "table", _("数据表格")
    LINK = "link", _("链接/截图")


# The methods seen in public frameworks; the field accepts others (local frameworks coin their own,
# e.g. 查看台帐, 现场审核资料), these are offered first in forms.
COMMON_METHODS = [
    "材料审核",
    "实地考察",
    "问卷调查",
    "网上申报",
    "听取汇报",
    "谈话了解",
    "网络查看",
    "查看台帐",
    "征求相关部门意见",
    "整体观察",
    "网络调查",
    "大数据分析",
]

DEPTH_NAMES = {1: "测评项目", 2: "测评内容", 3: "测评标准", 4: "子标准"}


def _framework_scope(prefix: str = ""):
    """Q builder for frameworks (``prefix`` reaches a framework from another model).

    - built-in frameworks (no owner), once published: every signed-in user (a platform admin's
      draft of one is seen by platform admins only);
    - an office's frameworks, any status: users of that office and of offices above it
      (an office sees its region's subtree);
    - published or frozen frameworks: every office and unit below the owning office (offices see
      their ancestors' published frameworks; units see what the offices above them publish).
    """

    def build(scope):
        from django.db.models import Exists, OuterRef

        from wenming.orgs.models import Organisation
        from wenming.orgs.regions import LEVEL_DIGITS

        p = prefix
        published = Q(**{f"{p}status__in": [FrameworkStatus.PUBLISHED, FrameworkStatus.FROZEN]})
        q = Q(**{f"{p}owner__isnull": True}) & published
        ancestors: set[str] = set()
        for region_prefix in scope.region_prefixes:
            q |= Q(**{f"{p}region_code__startswith": region_prefix})
            ancestors.update(region_prefix[:n] for n in LEVEL_DIGITS.values() if n <= len(region_prefix))
        if ancestors:
            q |= published & Q(**{f"{p}region_prefix__in": sorted(ancestors)})
        if scope.unit_ids:
            below = Organisation.objects.filter(
                pk__in=scope.unit_ids, region_code__startswith=OuterRef(f"{p}region_prefix")
            )
            q |= published & Q(**{f"{p}owner__isnull": False}) & Q(Exists(below))
        return q

    return build


framework_scope_q = _framework_scope()


class Framework(models.Model):
    """测评体系 — one version of an assessment framework."""

    kind = models.CharField(_("类别"), max_length=16, choices=FrameworkKind.choices)
    title = models.CharField(_("名称"), max_length=200)
    issuer = models.CharField(_("发布机关"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    source = models.TextField(_("来源"), blank=True, help_text=_("公开文件的出处"))
    owner = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="frameworks",
        verbose_name=_("所属文明办"),
        limit_choices_to={"kind": "office"},
    )
    # Copied from the owner so the scope filter needs no join ('' for built-in frameworks).
    region_code = models.CharField(max_length=12, blank=True, db_index=True, editable=False)
    region_prefix = models.CharField(max_length=12, blank=True, db_index=True, editable=False)
    builtin_key = models.CharField(max_length=64, blank=True, editable=False)
    lineage = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    derived_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="derivatives",
        verbose_name=_("来源版本"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=FrameworkStatus.choices, default=FrameworkStatus.DRAFT
    )
    total_score = models.DecimalField(
        _("总分"), null=True, blank=True, validators=[MinValueValidator(0)], **SCORE_DIGITS
    )
    report_char_limit = models.PositiveIntegerField(_("说明报告字数上限"), null=True, blank=True)
    bonus_cap = models.DecimalField(
        _("加分合计上限"), null=True, blank=True, validators=[MinValueValidator(0)], **SCORE_DIGITS
    )
    deduction_cap = models.DecimalField(
        _("扣分合计上限"), null=True, blank=True, validators=[MinValueValidator(0)], **SCORE_DIGITS
    )
    veto_window = models.CharField(
        _("否决期间"), max_length=100, blank=True, help_text=_("例如：申报前两年内")
    )
    veto_effect = models.CharField(_("否决后果"), max_length=100, blank=True, help_text=_("例如：不得申报"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    frozen_at = models.DateTimeField(null=True, blank=True)

    scope_rule = ScopeRule(custom=framework_scope_q)

    class Meta:
        verbose_name = _("测评体系")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="framework_unique_version"),
            models.UniqueConstraint(
                fields=["builtin_key", "version"],
                condition=~Q(builtin_key=""),
                name="framework_unique_builtin",
            ),
            models.CheckConstraint(
                condition=Q(total_score__gte=0) | Q(total_score__isnull=True), name="framework_total_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(bonus_cap__gte=0) | Q(bonus_cap__isnull=True), name="framework_bonus_cap_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(deduction_cap__gte=0) | Q(deduction_cap__isnull=True),
                name="framework_deduction_cap_nonneg",
            ),
        ]
        indexes = [models.Index(fields=["status", "region_prefix"], name="framework_published_idx")]

    def __str__(self) -> str:
        return f"{self.title}（第 {self.version} 版）"

    @property
    def is_builtin(self) -> bool:
        return self.owner_id is None

    @property
    def is_frozen(self) -> bool:
        return self.status == FrameworkStatus.FROZEN

    def audit_location(self) -> tuple[str, int | None]:
        return self.region_code, self.owner_id


class LevelThreshold(models.Model):
    """称号等级分数线 — e.g. 省级文明单位 ≥ 85, 省级文明单位标兵 ≥ 95."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="thresholds")
    title = models.CharField(_("称号"), max_length=100)
    min_score = models.DecimalField(_("最低分"), validators=[MinValueValidator(0)], **SCORE_DIGITS)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("称号等级分数线")
        ordering = ["framework", "min_score", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "title"], name="threshold_unique_title"),
            models.CheckConstraint(condition=Q(min_score__gte=0), name="threshold_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ≥ {self.min_score}"


class VetoCondition(models.Model):
    """一票否决（不得申报）情形."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="veto_conditions")
    text = models.TextField(_("情形"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("不得申报情形")
        ordering = ["framework", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:50]


class AdjustmentKind(models.TextChoices):
    BONUS = "bonus", _("加分")
    DEDUCTION = "deduction", _("扣分")


class Adjustment(models.Model):
    """加分项目 / 扣分项目 — ``points`` per occurrence, at most ``cap`` for the item (either may be
    empty when the source gives none)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("类别"), max_length=16, choices=AdjustmentKind.choices)
    code = models.CharField(_("编码"), max_length=32)
    title = models.CharField(_("名称"), max_length=300)
    points = models.DecimalField(
        _("每次分值"), null=True, blank=True, validators=[MinValueValidator(0)], **SCORE_DIGITS
    )
    cap = models.DecimalField(
        _("上限"), null=True, blank=True, validators=[MinValueValidator(0)], **SCORE_DIGITS
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("加分/扣分项目")
        ordering = ["framework", "kind", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="adjustment_unique_code"),
            models.CheckConstraint(
                condition=Q(points__gte=0) | Q(points__isnull=True), name="adjustment_points_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(cap__gte=0) | Q(cap__isnull=True), name="adjustment_cap_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code} {self.title}"


class Criterion(models.Model):
    """测评项目 / 测评内容 / 测评标准 — one node of a framework's tree (depth 1–4).

    ``scheme`` is the scoring scheme as validated JSON (see ``wenming.frameworks.schemes``): schemes
    differ in shape (fixed / grade bands / N of M met), are always read together with their
    criterion and never queried across criteria, so one validated column beats three tables.
    """

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    depth = models.PositiveSmallIntegerField(
        _("层级"), validators=[MinValueValidator(1), MaxValueValidator(MAX_DEPTH)], editable=False
    )
    code = models.CharField(_("编码"), max_length=32)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    title = models.CharField(_("名称"), max_length=500)
    requirement = models.TextField(_("测评要求"), blank=True)
    evidence_guidance = models.TextField(_("佐证材料说明"), blank=True)
    evidence_types = models.JSONField(_("佐证材料类型"), default=list, blank=True)
    report_char_limit = models.PositiveIntegerField(_("说明报告字数上限"), null=True, blank=True)
    methods = models.JSONField(_("测评方法"), default=list, blank=True)
    score = models.DecimalField(
        _("分值"), null=True, blank=True, validators=[MinValueValidator(0)], **SCORE_DIGITS
    )
    scheme = models.JSONField(_("评分方式"), default=dict, blank=True)
    note = models.TextField(_("备注"), blank=True)

    scope_rule = ScopeRule(custom=_framework_scope("framework__"))

    class Meta:
        verbose_name = _("测评标准")
        ordering = ["framework", "depth", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="criterion_unique_code"),
            models.CheckConstraint(
                condition=Q(score__gte=0) | Q(score__isnull=True), name="criterion_score_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(depth__gte=1, depth__lte=MAX_DEPTH), name="criterion_depth_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def depth_name(self) -> str:
        return DEPTH_NAMES.get(self.depth, "")

    def audit_location(self) -> tuple[str, int | None]:
        return self.framework.region_code, self.framework.owner_id
