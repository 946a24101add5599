"""接口令牌 page: a signed-in user creates and revokes their own API tokens.

It lives under /account/ rather than /api/ on purpose: /api/ is exempt from the second-factor
middleware, and minting a token must be at least as well guarded as the pages themselves.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from wenming.api import services
from wenming.api.forms import TokenCreateForm
from wenming.api.models import ApiToken
from wenming.orgs.access import access, scoped


def _own_tokens(user):
    # scoped() keeps the one visibility rule; the owner filter keeps platform admins to their own.
    return scoped(ApiToken, user).filter(user=user)


@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenCreateForm(request.POST or None)
    created = raw = None
    if request.method == "POST" and form.is_valid():
        try:
            created, raw = services.token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = TokenCreateForm()
    response = render(
        request,
        "api/token_list.html",
        {
            "title": "接口令牌",
            "breadcrumbs": [("接口令牌", None)],
            "form": form,
            "tokens": list(_own_tokens(request.user)),
            "created": created,
            "raw": raw,
            "api_base": request.build_absolute_uri("/api/v1/"),
        },
    )
    # The raw token is in this response only; keep it out of every cache.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def token_revoke(request, token_id: int):
    token = access(_own_tokens(request.user), request.user, pk=token_id)
    services.token_revoke(token=token)
    messages.success(request, f"令牌“{token.name}”已撤销，使用它的系统将无法再访问接口")
    return redirect("api_tokens:token_list")
