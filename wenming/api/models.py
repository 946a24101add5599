from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.orgs.rules import ScopeRule


class ApiToken(models.Model):
    """接口令牌 — a token an integration uses; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    # A token is its owner's business alone (platform admins see all, as everywhere).
    scope_rule = ScopeRule(owner="user_id")

    class Meta:
        verbose_name = _("接口令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def audit_location(self) -> tuple[str, int | None]:
        """File the token's audit entries under its owner's first organisation, so the admins
        who oversee that user see who created or revoked integration access."""
        membership = self.user.memberships.select_related("organisation").exclude(organisation=None).first()
        if membership is None:
            return "", None
        return membership.organisation.region_code, membership.organisation_id
