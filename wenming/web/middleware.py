from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from wenming.orgs.access import get_scope
from wenming.orgs.models import ADMIN_ROLES_REQUIRING_2FA
from wenming.web.home import forget_home

# Refresh the idle timestamp at most this often, so ordinary page views do not write the session.
_TOUCH_EVERY = 60


class SessionLimitsMiddleware:
    """Idle timeout and absolute session lifetime for signed-in users.

    ``seen_at`` is the last request (refreshed at most every minute), ``auth_at`` the sign-in time
    (set by the login view). Must run after MessageMiddleware so the login page can say why.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = time.time()
            session = request.session
            seen = session.get("seen_at", now)
            started = session.get("auth_at", now)
            idle = now - seen > settings.SESSION_IDLE_SECONDS
            if idle or now - started > settings.SESSION_ABSOLUTE_SECONDS:
                # Read by the audit signal: the logout entry says why the session ended.
                request.wenming_logout_reason = "idle_timeout" if idle else "session_limit"
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)  # the API answers 401 itself
                if idle:
                    messages.info(request, "您已长时间未操作，会话已超时，请重新登录。")
                else:
                    messages.info(request, "登录时间已达上限，请重新登录。")
                return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}")
            # A page left open polls in the background; that is not activity and must not keep
            # the session alive (the poll element sends X-Wenming-Poll).
            polling = request.headers.get("X-Wenming-Poll") == "1"
            if not polling and (now - seen > _TOUCH_EVERY or "seen_at" not in session):
                session["seen_at"] = now
                session.setdefault("auth_at", now)
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                forget_home(request)  # this user changed something: recount the home page
        return self.get_response(request)


# Reachable before the second factor: the 2FA pages themselves, logout, login, assets, the
# health probe, and the API (whose session auth refuses an unverified admin: wenming/api/auth.py).
EXEMPT_PREFIXES = ("/2fa/", "/logout/", "/static/", "/healthz", "/login/", "/api/")


# Modules whose roles may see personal data register a check here (e.g. volunteer-org admins,
# who can unmask ID numbers): ``@second_factor_check def f(user) -> bool``.
_second_factor_checks: list = []
_SESSION_KEY = "_2fa_module_roles"


def second_factor_check(func):
    _second_factor_checks.append(func)
    return func


def needs_second_factor(user, session=None) -> bool:
    """Platform and office admins always; module roles from the registered checks. The modules'
    answer is kept in the session (one look-up per sign-in): a role granted during a session
    applies from the next sign-in."""
    if not settings.REQUIRE_2FA or not user.is_authenticated:
        return False
    scope = get_scope(user)
    if scope.is_platform or scope.roles & ADMIN_ROLES_REQUIRING_2FA:
        return True
    kept = session.get(_SESSION_KEY) if session is not None else None
    if kept is not None and kept[0] == user.pk:
        return kept[1]
    answer = any(check(user) for check in _second_factor_checks)
    if session is not None:
        session[_SESSION_KEY] = (user.pk, answer)
    return answer


class SecondFactorMiddleware:
    """Platform and office admins must pass a TOTP check before they reach any page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()
            and needs_second_factor(user, request.session)
        ):
            from django_otp.plugins.otp_totp.models import TOTPDevice

            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            target = "web:otp_verify" if has_device else "web:otp_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class HtmxRedirectMiddleware:
    """htmx follows a 302 itself and would paste the login page into the fragment it swaps.
    For htmx requests a redirect becomes 204 + ``HX-Redirect``, so the whole page navigates."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get("HX-Request") == "true" and response.status_code in (301, 302, 303):
            from django.http import HttpResponse

            location = response["Location"]
            response = HttpResponse(status=204)
            response["HX-Redirect"] = location
        return response
