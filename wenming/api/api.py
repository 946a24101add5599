"""/api/v1/ — django-ninja, scoped like the pages. Auth: the session (with CSRF) or an API token."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.security import django_auth

from wenming.api.auth import TokenAuth

api = NinjaAPI(
    title="文明创建工作平台 API",
    version="1",
    urls_namespace="api",
    docs_url=None,  # the interactive docs page loads scripts from a CDN; the schema is enough
    auth=[TokenAuth(), django_auth],
)


@api.get("/me", tags=["账号"], summary="当前用户")
def me(request):
    from wenming.orgs.access import get_scope

    user = request.auth
    scope = get_scope(user)
    return {"username": user.get_username(), "roles": sorted(scope.roles), "is_platform": scope.is_platform}


def urls():
    """The API's URL patterns, exempt from the page login redirect: the API answers 401 itself."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns, app_name, namespace
