"""志愿服务证明: certificates of a volunteer's service, issued by the organising organisation.

"谁组织谁记录、谁记录谁证明": a certificate covers only the hours its issuing organisation
recorded. Its content (identity with the masked ID, hours and service content over a period,
issuer, serial and date) is frozen at issue as canonical JSON whose SHA-256 is printed on the
PDF and in its QR code; the public verification page recomputes it. Certificates are never
edited: a wrong one is revoked (with a reason shown on the verification page) and a new one issued.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wenming.orgs.rules import ScopeRule
from wenming.volunteers.models import _vorg_q


def certificate_scope(scope) -> Q:
    """The organisation's side (its admins, the offices above it, its operating unit) and the
    volunteer themself. Downloading the PDF is narrower (selectors.may_download)."""
    q = _vorg_q(scope, "org__")
    if scope.user_id is not None:
        q |= Q(volunteer__user_id=scope.user_id)
    return q


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已撤销")


class Certificate(models.Model):
    """志愿服务证明 — one issued certificate (immutable once issued, except revocation)."""

    serial = models.CharField(_("证明编号"), max_length=32, unique=True)
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("志愿者"),
    )
    org = models.ForeignKey(
        "volunteers.VolunteerOrg",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("出具组织"),
    )
    period_start = models.DateField(_("服务起始日期"))
    period_end = models.DateField(_("服务截止日期"))
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=9, decimal_places=2)
    content = models.JSONField(_("证明内容"))
    content_hash = models.CharField(_("内容摘要（SHA-256）"), max_length=64)
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField(_("出具日期"))
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField(_("撤销原因"), max_length=300, blank=True)

    scope_rule = ScopeRule(custom=certificate_scope)

    class Meta:
        verbose_name = _("志愿服务证明")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["org", "issued_on"], name="cert_org_issued")]

    def __str__(self) -> str:
        return f"志愿服务证明 {self.serial}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.org.region_code, self.org.operator_id


class CertificateCounter(models.Model):
    """证明编号计数器 — the last sequence issued per organisation and year."""

    org = models.ForeignKey("volunteers.VolunteerOrg", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="cert_counter_key")]

    def __str__(self) -> str:
        return f"{self.org_id}/{self.year}: {self.last}"


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("待开具")
    ISSUED = "issued", _("已开具")
    REJECTED = "rejected", _("不予开具")


class CertificateRequest(models.Model):
    """证明申请 — a volunteer asks an organisation that recorded their hours for a certificate."""

    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.CASCADE, related_name="certificate_requests"
    )
    org = models.ForeignKey(
        "volunteers.VolunteerOrg", on_delete=models.PROTECT, related_name="certificate_requests"
    )
    period_start = models.DateField(_("服务起始日期"))
    period_end = models.DateField(_("服务截止日期"))
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    note = models.CharField(_("处理意见"), max_length=300, blank=True)
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    scope_rule = ScopeRule(custom=certificate_scope)

    class Meta:
        verbose_name = _("证明申请")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.volunteer} · 证明申请 · {self.get_status_display()}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.org.region_code, self.org.operator_id
