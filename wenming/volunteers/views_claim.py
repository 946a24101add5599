"""认领档案 (public, phone-sized): see ``claim.py`` for the rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from wenming.audit.context import client_ip
from wenming.volunteers import claim, forms, services
from wenming.volunteers.views import _over_limit

#: POSTs per client address per hour (the registration page allows 10; guessing is the risk here).
CLAIM_LIMIT = 5


@login_not_required
@require_http_methods(["GET", "POST"])
def claim_record(request):
    if request.user.is_authenticated and hasattr(request.user, "volunteer"):
        return redirect("volunteers:me")
    form = forms.ClaimForm(request.POST or None)
    limited = False
    if request.method == "POST":
        limited = _over_limit(client_ip(request), kind="claim", limit=CLAIM_LIMIT)
        if limited:
            form.add_error(None, "尝试过于频繁，请一小时后再试")
        elif form.is_valid():
            d = form.cleaned_data
            try:
                volunteer = claim.claim_record(
                    id_type=d["id_type"], id_number=d["id_number"], phone=d["phone"], password=d["password1"]
                )
            except claim.ClaimRefused as exc:
                form.add_error(None, exc.messages[0])
            except ValidationError as exc:  # the password rules
                form.add_error("password1", exc)
            else:
                login(request, volunteer.user, backend="wenming.orgs.backends.ProfileModelBackend")
                messages.success(request, f"认领成功！您的志愿者编号是 {volunteer.number}，今后请用它登录。")
                return redirect("volunteers:me")
    return render(
        request,
        "volunteers/claim.html",
        {
            "title": "认领志愿者档案",
            "form": form,
            "consent_text": forms.CONSENT_TEXT,
            "consent_version": services.CONSENT_VERSION,
        },  # fmt: skip
        status=429 if limited else 200,
    )
