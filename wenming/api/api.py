"""/api/v1/ — django-ninja, scoped like the pages. Auth: an API token or the session (with CSRF).

The interactive docs page is off (it loads scripts from a CDN); the OpenAPI schema at
/api/v1/openapi.json is served to signed-in callers only, like every other API route.
"""

from __future__ import annotations

from functools import wraps

from django.http import JsonResponse
from django.urls import path, reverse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from wenming.api.auth import SecondFactorSessionAuth, TokenAuth
from wenming.api.orgs import router as orgs_router
from wenming.api.schemas import MeOut
from wenming.orgs.access import get_scope
from wenming.orgs.models import Membership

AUTH = [TokenAuth(), SecondFactorSessionAuth()]
UNAUTHORIZED = "未登录，或接口令牌无效、已撤销"


def _challenge(response):
    # RFC 6750: a 401 names the scheme the client should use.
    response["WWW-Authenticate"] = 'Bearer realm="wenming"'
    return response


def _authenticated_only(view):
    """Guard for the schema view, which ninja does not run through the API's auth."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if any(auth(request) for auth in AUTH):
            return view(request, *args, **kwargs)
        return _challenge(JsonResponse({"detail": UNAUTHORIZED}, status=401))

    return guarded


api = NinjaAPI(
    title="文明创建工作平台 API",
    version="1",
    description="数据范围与页面一致：文明办看本辖区，单位看本单位；范围外的对象返回 404。"
    "集成系统在请求头中使用 `Authorization: Bearer <令牌>`，令牌在“接口令牌”页面创建。",
    urls_namespace="api",
    docs_url=None,
    docs_decorator=_authenticated_only,
    auth=AUTH,
)


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return _challenge(api.create_response(request, {"detail": UNAUTHORIZED}, status=401))


@api.get("/me", response=MeOut, tags=["账号"], summary="当前用户", operation_id="me")
def me(request):
    user = request.auth
    scope = get_scope(user)
    profile = getattr(user, "profile", None)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": profile.display_name if profile else "",
        "is_platform": scope.is_platform,
        "roles": sorted(scope.roles),
        # One's own memberships: keyed on the caller, so no scope filter is needed.
        "memberships": list(
            Membership.objects.filter(user=user).select_related("organisation").order_by("id")
        ),
    }


api.add_router("/", orgs_router)


def _index(request):
    return JsonResponse({"title": api.title, "version": api.version, "schema": reverse("api:openapi-json")})


def urls():
    """The API's URL patterns.

    They are exempt from the page login redirect (``login_required = False``) because the API
    answers 401 itself; ``api_public = False`` tells the URL walk they still require a caller.
    """
    patterns, app_name, namespace = api.urls
    # ninja's root view only raises 404 (it exists so ninja can reverse the API's base path);
    # ours answers 401 to strangers and points callers to the schema.
    patterns = [
        path("", _authenticated_only(_index), name="api-root") if p.name == "api-root" else p
        for p in patterns
    ]
    for pattern in patterns:
        pattern.callback.login_required = False
        pattern.callback.api_public = False
    return patterns, app_name, namespace
