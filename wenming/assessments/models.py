"""测评 — assessment rounds of a campaign (自评 · 模拟测评 · 正式测评) and their scores.

A round scores the campaign's **leaf** criteria (the ones that carry tasks and evidence) according
to each criterion's scheme (``wenming.frameworks.schemes``): points for a fixed-score criterion, a
grade for grade bands, the number of sub-standards met for "N of M". The points are computed by the
service and stored (Decimal); a criterion without a score (national frameworks leave weights
empty) keeps ``points``/``full`` empty and counts in no total. Bonus/deduction occurrences and the
veto check (不得申报情形) belong to the round too. A submitted round is locked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wenming.frameworks.models import SCORE_DIGITS
from wenming.orgs.rules import ScopeRule


class RoundKind(models.TextChoices):
    SELF = "self", _("自评")
    MOCK = "mock", _("模拟测评")
    FORMAL = "formal", _("正式测评")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("评分中")
    SUBMITTED = "submitted", _("已提交")


class Round(models.Model):
    """测评轮次 — one 自评 / 模拟测评 / 正式测评 of a campaign."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="rounds")
    kind = models.CharField(_("类别"), max_length=8, choices=RoundKind.choices)
    number = models.PositiveIntegerField(_("序号"), default=1)
    title = models.CharField(_("名称"), max_length=200)
    # The office that ran a 模拟测评 or whose result a 正式测评 records (NULL for 自评).
    conducted_by = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("测评单位"),
    )
    conducted_on = models.DateField(_("测评日期"))
    summary = models.TextField(_("总体评价"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    scope_rule = ScopeRule(region="campaign__region_code", org="campaign__unit_id")

    class Meta:
        verbose_name = _("测评轮次")
        ordering = ["campaign", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind", "number"], name="round_unique_number"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="round_submitted_has_time"
            ),
            models.CheckConstraint(
                condition=Q(kind="self") | Q(conducted_by__isnull=False), name="round_office_conducts"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status", "submitted_at"], name="round_latest_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_locked(self) -> bool:
        return self.status == RoundStatus.SUBMITTED

    def audit_location(self) -> tuple[str, int | None]:
        return self.campaign.region_code, self.campaign.unit_id


class Score(models.Model):
    """测评得分 — the score of one leaf criterion in a round.

    ``grade`` holds the grade (bands, N of M) or 达标/未达标 for an unweighted fixed criterion;
    ``met_count`` the number of sub-standards met; ``points`` the computed points (empty when the
    criterion has no score); ``full`` the criterion's score at the time (empty = 未赋分).
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey("frameworks.Criterion", on_delete=models.PROTECT, related_name="+")
    # The depth-1 ancestor (测评项目), stored so totals and the heatmap group without walking the tree.
    item = models.ForeignKey("frameworks.Criterion", on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("等级"), max_length=10, blank=True)
    met_count = models.PositiveIntegerField(_("达标项数"), null=True, blank=True)
    points = models.DecimalField(_("得分"), null=True, blank=True, **SCORE_DIGITS)
    full = models.DecimalField(_("分值"), null=True, blank=True, **SCORE_DIGITS)
    reason = models.TextField(_("扣分理由"), blank=True)
    evidence = models.ManyToManyField(
        "campaigns.Evidence", through="ScoreEvidence", related_name="+", verbose_name=_("依据材料")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    scope_rule = ScopeRule(region="round__campaign__region_code", org="round__campaign__unit_id")

    class Meta:
        verbose_name = _("测评得分")
        ordering = ["round", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "criterion"], name="score_unique_criterion"),
            models.CheckConstraint(
                condition=Q(points__gte=0) | Q(points__isnull=True), name="score_points_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(full__isnull=True) | Q(points__lte=models.F("full")),
                name="score_points_le_full",
            ),
            # Below full marks needs a reason (the service says so in Chinese; this is the backstop).
            models.CheckConstraint(
                condition=Q(points__isnull=True)
                | Q(full__isnull=True)
                | Q(points=models.F("full"))
                | ~Q(reason=""),
                name="score_reason_below_full",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.criterion.code}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.round.campaign.region_code, self.round.campaign.unit_id


class ScoreEvidence(models.Model):
    """依据材料 — a piece of the evidence ledger a score relies on."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="links")
    evidence = models.ForeignKey("campaigns.Evidence", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("依据材料")
        constraints = [models.UniqueConstraint(fields=["score", "evidence"], name="score_evidence_unique")]

    def __str__(self) -> str:
        return f"{self.score_id} → {self.evidence_id}"


class AdjustmentEntry(models.Model):
    """加分 / 扣分记录 — how often a bonus or deduction item occurred in a round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="adjustment_entries")
    adjustment = models.ForeignKey("frameworks.Adjustment", on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField(_("次数"), default=0)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("加分/扣分记录")
        ordering = ["round", "adjustment__kind", "adjustment__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "adjustment"], name="adjustment_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.adjustment_id} × {self.count}"


class VetoCheck(models.Model):
    """否决情形核查 — for one 不得申报 condition: found (存在) or not, with a note."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="veto_checks")
    condition = models.ForeignKey("frameworks.VetoCondition", on_delete=models.PROTECT, related_name="+")
    found = models.BooleanField(_("存在该情形"))
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("否决情形核查")
        ordering = ["round", "condition__position", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "condition"], name="veto_check_unique")]

    def __str__(self) -> str:
        return f"{self.condition_id}: {'存在' if self.found else '不存在'}"


class ItemTotal(models.Model):
    """测评项目得分汇总 — a submitted round's points per item, in exact hundredths of a point.

    Written once when the round is submitted (a submitted round never changes), so the office
    heatmap reads 15 small integer rows per unit instead of summing every score of every unit.
    Only criteria that carry a score count (未赋分 criteria are in no total)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="item_totals")
    item = models.ForeignKey("frameworks.Criterion", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=32)
    points_x100 = models.IntegerField()
    full_x100 = models.IntegerField()

    class Meta:
        verbose_name = _("测评项目得分汇总")
        constraints = [models.UniqueConstraint(fields=["round", "item"], name="item_total_unique")]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.code}: {self.points_x100}/{self.full_x100}"
