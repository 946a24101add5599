from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from wenming.orgs.access import get_scope
from wenming.orgs.models import ADMIN_ROLES_REQUIRING_2FA

# Refresh the idle timestamp at most this often, so ordinary page views do not write the session.
_TOUCH_EVERY = 60


class SessionLimitsMiddleware:
    """Idle timeout and absolute session lifetime for signed-in users."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = time.time()
            session = request.session
            seen = session.get("seen_at", now)
            started = session.get("auth_at", now)
            if now - seen > settings.SESSION_IDLE_SECONDS or now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, "会话已超时，请重新登录")
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{settings.LOGIN_URL}?next={request.path}")
            if now - seen > _TOUCH_EVERY or "seen_at" not in session:
                session["seen_at"] = now
                session.setdefault("auth_at", now)
        return self.get_response(request)


EXEMPT_PREFIXES = ("/2fa/", "/logout/", "/static/", "/healthz", "/login/", "/api/")


def needs_second_factor(user) -> bool:
    if not settings.REQUIRE_2FA or not user.is_authenticated:
        return False
    scope = get_scope(user)
    return scope.is_platform or bool(scope.roles & ADMIN_ROLES_REQUIRING_2FA)


class SecondFactorMiddleware:
    """Platform and office admins must pass a TOTP check before they reach any page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and needs_second_factor(user)
            and not user.is_verified()
        ):
            from django_otp.plugins.otp_totp.models import TOTPDevice

            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            target = "web:otp_verify" if has_device else "web:otp_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
