"""How /api/v1/ knows who is calling: a bearer token (integrations) or the browser session."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from wenming.audit.context import _current, actor_for_request


class TokenAuth(HttpBearer):
    """Authorization: Bearer <token>, for integrations (tokens are stored hashed)."""

    def authenticate(self, request, token: str):
        from wenming.api.services import token_user

        user = token_user(raw=token)
        if user is not None:
            request.user = user
            # The audit middleware ran before the token was read; name the real actor now.
            # (Its reset at the end of the request restores the previous value.)
            _current.set(actor_for_request(request))
        return user


class SecondFactorSessionAuth(SessionAuth):
    """The page session, with CSRF on unsafe methods (ninja's cookie auth checks it).

    /api/ is exempt from the second-factor middleware so that it can answer 401 itself; an
    admin who must use 2FA but has only typed a password is therefore refused here.
    """

    def authenticate(self, request, key):
        from wenming.web.middleware import needs_second_factor

        if "authorization" in request.headers:
            # A caller who presents a token is judged by it: a bad one must not fall back to a cookie.
            return None
        user = super().authenticate(request, key)
        if user is None:
            return None
        if needs_second_factor(user) and not user.is_verified():
            return None
        return user
