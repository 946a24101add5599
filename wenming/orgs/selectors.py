from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from wenming.orgs.access import get_scope, scoped, users_scope_q
from wenming.orgs.models import Organisation, Region

User = get_user_model()


def region_list(*, user, q: str = "", level: int | None = None) -> QuerySet[Region]:
    qs = scoped(Region, user)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("code")


def organisation_list(*, user, q: str = "", kind: str = "", region_code: str = "") -> QuerySet[Organisation]:
    qs = scoped(Organisation, user).select_related("region", "supervisor")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(short_name__contains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    return qs.annotate(member_count=Count("memberships", distinct=True)).order_by("region_code", "kind", "name")


def user_list(*, user, q: str = "") -> QuerySet:
    scope = get_scope(user)
    if scope.is_empty:
        return User.objects.none()
    qs = User.objects.all() if scope.is_platform else User.objects.filter(users_scope_q(scope))
    if q:
        qs = qs.filter(Q(username__contains=q) | Q(profile__display_name__contains=q))
    return qs.select_related("profile").order_by("username")
