"""批量导入: an uploaded sheet on its way in (:class:`ImportBatch`) and the column mappings
remembered per organisation and sheet layout (:class:`ImportMapping`).

Scope: a batch is visible to whoever may import into its organisation — that organisation's
admins, the office admins whose subtree holds it, the platform (``selectors.importable_orgs_q``)
— and to nobody else (404), not even an inspector who sees the organisation itself: the batch
holds an uploaded file of personal data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.orgs.rules import ScopeRule


def batch_scope(scope):
    from wenming.volimport.selectors import importable_orgs_q
    from wenming.volunteers.models import VolunteerOrg

    return models.Q(org_id__in=VolunteerOrg.objects.filter(importable_orgs_q(scope)).values("pk"))


class ImportKind(models.TextChoices):
    VOLUNTEERS = "volunteers", _("志愿者")
    RECORDS = "records", _("服务记录")


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("待确认列对应")
    CHECKING = "checking", _("校验中")
    CHECKED = "checked", _("已校验，待导入")
    IMPORTING = "importing", _("导入中")
    IMPORTED = "imported", _("已导入")
    FAILED = "failed", _("失败")


class ImportMode(models.TextChoices):
    VALID = "valid", _("只导入正确的行")
    ALL = "all", _("全部正确才导入")


class ImportMapping(models.Model):
    """列对应 — how a sheet layout (header signature) of an organisation maps to fields."""

    org = models.ForeignKey("volunteers.VolunteerOrg", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    signature = models.CharField(max_length=64)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    scope_rule = ScopeRule(custom=batch_scope)

    class Meta:
        verbose_name = _("导入列对应")
        constraints = [
            models.UniqueConstraint(fields=["org", "kind", "signature"], name="volimport_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.org_id}/{self.kind}/{self.signature[:8]}"


class ImportBatch(models.Model):
    """批量导入 — one uploaded sheet: mapping, check (preview), import; each step a state."""

    org = models.ForeignKey(
        "volunteers.VolunteerOrg", on_delete=models.CASCADE, related_name="+", verbose_name=_("组织")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=ImportKind.choices)
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("文件名"), max_length=255)
    status = models.CharField(
        _("状态"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.UPLOADED
    )
    header_row = models.PositiveIntegerField(_("表头行"), default=1)  # 1-based
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)  # field key -> 0-based column
    mapping_remembered = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(_("数据行"), default=0)
    valid_rows = models.PositiveIntegerField(_("正确行"), default=0)
    error_rows = models.PositiveIntegerField(_("有错误的行"), default=0)
    error_counts = models.JSONField(default=dict)  # error code -> count
    errors = models.JSONField(default=list)  # the first MAX_ERRORS_KEPT: [row, column, message]
    mode = models.CharField(_("导入方式"), max_length=8, choices=ImportMode.choices, blank=True)
    imported_rows = models.PositiveIntegerField(_("已导入"), default=0)
    check_job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    import_job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.CharField(_("说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    scope_rule = ScopeRule(custom=batch_scope)

    class Meta:
        verbose_name = _("批量导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}导入 · {self.file_name}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.org.region_code, self.org.operator_id
