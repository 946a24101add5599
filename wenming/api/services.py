from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from wenming.api.models import ApiToken
from wenming.audit.models import Action
from wenming.audit.services import audit_record


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = "wm_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, token_hash=_digest(raw), prefix=raw[:8])
    audit_record(action=Action.CREATE, obj=token, object_repr=str(token), after={"user": user.pk, "name": name})
    return token, raw


def token_user(*, raw: str):
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
