from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.orgs.rules import ScopeRule


class FileKind(models.TextChoices):
    DOCUMENT = "document", _("文档")
    IMAGE = "image", _("图片")
    MEDIA = "media", _("音视频")


class Blob(models.Model):
    """文件内容 — bytes stored once per SHA-256, however many uploads share them."""

    sha256 = models.CharField(max_length=64, unique=True)
    # CRC-32 of the bytes, computed at upload beside the SHA-256: a ZIP (the campaign binder)
    # needs it in each entry's header, and knowing it up front lets the binder copy bytes only.
    # NULL for blobs stored before the field existed until ``blob_crc32`` fills it.
    crc32 = models.PositiveBigIntegerField(null=True, blank=True)
    size = models.PositiveBigIntegerField()
    ext = models.CharField(max_length=8)  # the detected type: pdf, docx, jpg …
    mime = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=FileKind.choices)
    storage_name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.sha256[:12]}.{self.ext}"


class StoredFile(models.Model):
    """上传文件 — one upload: who, for which organisation, under which display name."""

    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="uploads")
    original_name = models.CharField(_("文件名"), max_length=255)
    organisation = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="files"
    )
    region_code = models.CharField(max_length=12, blank=True, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    purpose = models.CharField(_("用途"), max_length=50, blank=True)
    thumbnail = models.ForeignKey(Blob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    scope_rule = ScopeRule(region="region_code", org="organisation_id", owner="uploaded_by_id")

    class Meta:
        verbose_name = _("上传文件")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    def audit_location(self) -> tuple[str, int | None]:
        return self.region_code, self.organisation_id
