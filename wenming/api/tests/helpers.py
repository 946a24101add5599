from __future__ import annotations

from wenming.api.services import token_create


def bearer(user, name: str = "测试令牌") -> dict[str, str]:
    """Headers that authenticate as ``user`` with a fresh API token."""
    _token, raw = token_create(user=user, name=name)
    return {"Authorization": f"Bearer {raw}"}
