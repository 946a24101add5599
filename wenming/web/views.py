from __future__ import annotations

import base64
import io
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from wenming.audit.models import Action
from wenming.audit.services import audit_record
from wenming.web.home import home_figures


def _safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。多次失败后账号将被暂时锁定。",
        "inactive": "该账号已停用。",
    }


class ChinesePasswordChangeForm(PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "再次输入新密码"


@login_not_required
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request))
    form = LoginForm(request, data=request.POST or None)
    form.fields["username"].label = "用户名"
    form.fields["password"].label = "密码"
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user())  # cycles the session key
        now = time.time()
        request.session["auth_at"] = now
        request.session["seen_at"] = now
        return redirect(_safe_next(request))
    return render(
        request,
        "web/login.html",
        {
            "form": form,
            "next": _safe_next(request),
            "demo": settings.DEMO_MODE,
            "require_2fa": settings.REQUIRE_2FA,
        },
    )


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the Chinese lockout page, 429 Too Many Requests."""
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return render(request, "web/locked.html", {"title": "账号已锁定", "minutes": minutes}, status=429)


@require_POST
@login_not_required
def logout_view(request):
    auth_logout(request)
    messages.success(request, "您已安全退出")
    return redirect(settings.LOGIN_URL)


def home(request):
    attention, charts, computed_at = home_figures(request, refresh=request.GET.get("refresh") == "1")
    return render(
        request,
        "web/home.html",
        {
            "title": "工作台",
            "attention": attention,
            "computed_at": datetime.fromtimestamp(computed_at, tz=UTC),
            "charts": charts,
            "charts_json": [
                {
                    "title": c.title,
                    "kind": c.kind,
                    "data": [
                        {"name": s.label, "value": s.value, "href": s.href}
                        | ({"itemStyle": {"color": s.color}} if s.color else {})
                        for s in c.slices
                    ],
                }
                for c in charts
            ],
        },
    )


@require_http_methods(["GET", "POST"])
def password_change(request):
    form = ChinesePasswordChangeForm(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            audit_record(action=Action.PASSWORD_CHANGE, obj=user, object_repr=user.get_username())
        update_session_auth_hash(request, user)  # keeps this session; other sessions end
        messages.success(request, "密码已修改")
        return redirect("web:home")
    return render(
        request,
        "web/password_change.html",
        {"form": form, "title": "修改密码", "breadcrumbs": [("修改密码", None)]},
    )


OTP_THROTTLED = "验证码错误次数过多，请稍候片刻再试"


def _qr_svg(uri: str) -> str:
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Enrol a TOTP device: show the QR code, confirm it with one code."""
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    has_confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    if has_confirmed and not request.user.is_verified():
        # Replacing a device needs the current one first, or a stolen password could enrol a new one.
        return redirect(f"{reverse('web:otp_verify')}?{urlencode({'next': request.get_full_path()})}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="动态口令", confirmed=False)
    error = ""
    if request.method == "POST" and not device.verify_is_allowed()[0]:
        error = OTP_THROTTLED
    elif request.method == "POST":
        token = (request.POST.get("token") or "").strip()
        if device.verify_token(token):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
                audit_record(
                    action=Action.OTP_ENROL,
                    obj=request.user,
                    object_repr=request.user.get_username(),
                    changes={"device": device.name, "replaced": has_confirmed},
                )
            otp_login(request, device)
            messages.success(request, "动态口令已绑定")
            return redirect(_safe_next(request))
        error = "验证码不正确，请核对手机时间后重试"
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "web/otp_setup.html",
        {
            "title": "绑定动态口令",
            "qr": _qr_svg(device.config_url),
            "secret": secret,
            "error": error,
            "next": _safe_next(request),
            "has_confirmed": has_confirmed,
        },
    )


@require_http_methods(["GET", "POST"])
def otp_verify(request):
    from django_otp import login as otp_login
    from django_otp import match_token
    from django_otp.plugins.otp_totp.models import TOTPDevice

    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        return redirect(f"{reverse('web:otp_setup')}?{urlencode({'next': _safe_next(request)})}")
    error = ""
    if request.method == "POST" and not any(d.verify_is_allowed()[0] for d in devices):
        # django-otp doubles the wait after each wrong code; say so rather than "wrong code".
        error = OTP_THROTTLED
    elif request.method == "POST":
        device = match_token(request.user, (request.POST.get("token") or "").strip())
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        error = "验证码不正确"
    return render(
        request, "web/otp_verify.html", {"title": "动态口令验证", "error": error, "next": _safe_next(request)}
    )


@login_not_required
def healthz(request):
    from wenming.jobs.selectors import worker_heartbeat_age

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db_ok = True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        db_ok = False
    age = worker_heartbeat_age() if db_ok else None
    body = {
        "status": "ok" if db_ok else "error",
        "database": db_ok,
        "worker_heartbeat_age": None if age is None else round(age, 1),
    }
    return JsonResponse(body, status=200 if db_ok else 503)


def minimal(request):
    """Benchmark baseline: the same middleware and user, no page work (see docs/benchmarks.md)."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
def minimal_public(request):
    """Benchmark baseline for public pages (the login page): the same middleware, an anonymous visitor."""
    return HttpResponse("ok", content_type="text/plain")
