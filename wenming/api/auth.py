from __future__ import annotations

from ninja.security import HttpBearer


class TokenAuth(HttpBearer):
    """Authorization: Bearer <token>, for integrations (tokens are stored hashed)."""

    def authenticate(self, request, token: str):
        from wenming.api.services import token_user

        user = token_user(raw=token)
        if user is not None:
            request.user = user
        return user
