from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from wenming.orgs import selectors
from wenming.orgs.access import access
from wenming.orgs.models import Organisation, OrgKind
from wenming.orgs.regions import Level

PAGE_SIZE = 50


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def region_list(request):
    level = request.GET.get("level") or None
    qs = selectors.region_list(user=request.user, q=request.GET.get("q", "").strip(), level=int(level) if level and level.isdigit() else None)
    return render(
        request,
        "orgs/region_list.html",
        {"title": "行政区划", "page": _page(request, qs), "levels": Level.choices, "breadcrumbs": [("行政区划", None)]},
    )


def org_list(request):
    qs = selectors.organisation_list(
        user=request.user, q=request.GET.get("q", "").strip(), kind=request.GET.get("kind", "")
    )
    return render(
        request,
        "orgs/org_list.html",
        {"title": "组织", "page": _page(request, qs), "kinds": OrgKind.choices, "breadcrumbs": [("组织", None)]},
    )


def org_detail(request, org_id: int):
    org = access(Organisation.objects.select_related("region", "supervisor"), request.user, pk=org_id)
    return render(
        request,
        "orgs/org_detail.html",
        {
            "title": org.name,
            "org": org,
            "departments": list(org.departments.all()),
            "memberships": list(org.memberships.select_related("user__profile", "department")),
            "breadcrumbs": [("组织", "/orgs/"), (org.name, None)],
        },
    )


def user_list(request):
    qs = selectors.user_list(user=request.user, q=request.GET.get("q", "").strip())
    return render(request, "orgs/user_list.html", {"title": "用户", "page": _page(request, qs), "breadcrumbs": [("用户", None)]})
