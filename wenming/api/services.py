"""Writes for API tokens; each is audited inside its transaction."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from wenming.api.models import ApiToken
from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot

# A user rarely needs more than a handful; a cap keeps forgotten tokens from piling up.
MAX_ACTIVE_TOKENS = 20
RAW_PREFIX = "wm_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError("请填写令牌名称")
    with transaction.atomic():
        if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
            raise ValidationError(f"每个账号最多保留 {MAX_ACTIVE_TOKENS} 个有效令牌，请先撤销不用的令牌")
        raw = RAW_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(user=user, name=name, token_hash=_digest(raw), prefix=raw[:8])
        audit_record(action=Action.CREATE, obj=token, after=snapshot(token))
    return token, raw


def token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token for good (revoking twice changes nothing)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        before = snapshot(token)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action=Action.UPDATE, obj=token, before=before, after=snapshot(token))
    return token


def token_user(*, raw: str):
    """The active user a raw token belongs to, or None (unknown, revoked, or user disabled)."""
    if not raw.startswith(RAW_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Record use at most once a minute, so a busy integration does not write on every call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
