from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from wenming.orgs.access import Scope, get_scope, scoped, users_scope_q
from wenming.orgs.models import Department, Membership, Organisation, OrgKind, Region, Role

User = get_user_model()


def region_list(*, user, q: str = "", level: int | None = None) -> QuerySet[Region]:
    qs = scoped(Region, user)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("code")


def administered_q(scope: Scope, *, region_field: str = "region_code", org_field: str = "id") -> Q:
    """What this user administers (not merely sees): their admin subtrees and admin units."""
    if scope.is_platform:
        return Q()
    q = Q(**{f"{org_field}__in": scope.admin_unit_ids})
    for prefix in scope.admin_prefixes:
        q |= Q(**{f"{region_field}__startswith": prefix})
    return q


def _has_unit_admin() -> Exists:
    return Exists(Membership.objects.filter(organisation=OuterRef("pk"), role=Role.UNIT_ADMIN))


def units_without_admin(*, user) -> QuerySet[Organisation]:
    """Active units this user administers that have nobody with the unit_admin role."""
    scope = get_scope(user)
    return (
        scoped(Organisation, user)
        .filter(administered_q(scope), kind=OrgKind.UNIT, is_active=True)
        .filter(~_has_unit_admin())
    )


def organisation_list(
    *,
    user,
    q: str = "",
    kind: str = "",
    region_code: str = "",
    unit_type: str = "",
    active: bool | None = None,
    no_admin: bool = False,
) -> QuerySet[Organisation]:
    qs = units_without_admin(user=user) if no_admin else scoped(Organisation, user)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(short_name__contains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if unit_type:
        qs = qs.filter(unit_type=unit_type)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    if active is not None:
        qs = qs.filter(is_active=active)
    # A correlated subquery, evaluated for the page's rows only; a JOIN + GROUP BY would make
    # the paginator's COUNT group the whole scope too.
    members = (
        Membership.objects.filter(organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Names of the region and supervisor come as columns, not as two more model instances per
    # row (building those was a sixth of the page).
    return (
        qs.only(*LIST_FIELDS)
        .annotate(
            member_count=Coalesce(Subquery(members), 0),
            region_name=F("region__name"),
            supervisor_name=F("supervisor__name"),
        )
        .order_by("region_code", "kind", "name")
    )


# What the organisation list shows (and the API serialises); everything else stays in the table.
LIST_FIELDS = ("kind", "name", "short_name", "region_id", "region_code", "unit_type", "supervisor_id", "is_active")


def unit_overview(*, user) -> list[tuple[str, int, int]]:
    """(unit_type, units in scope, of which active, administered and without a unit admin), in
    one grouped query for the home page. The second figure counts exactly what
    :func:`units_without_admin` lists, the first what the org list shows for that type."""
    scope = get_scope(user)
    missing = Q(is_active=True) & administered_q(scope) & ~Q(_has_unit_admin())
    return list(
        scoped(Organisation, user)
        .filter(kind=OrgKind.UNIT)
        .order_by()
        .values_list("unit_type")
        .annotate(n=Count("pk"), without_admin=Count("pk", filter=missing))
        .order_by("-n", "unit_type")
    )


def departments_without_lead(*, user) -> QuerySet[Department]:
    """Departments of the units this user administers that have no dept_lead."""
    scope = get_scope(user)
    lead = Membership.objects.filter(department=OuterRef("pk"), role=Role.DEPT_LEAD)
    return (
        scoped(Department, user)
        .filter(administered_q(scope, region_field="organisation__region_code", org_field="organisation_id"))
        .filter(~Exists(lead))
    )


def department_list(*, user, organisation: Organisation, no_lead: bool = False) -> list[Department]:
    """A unit's departments, each with ``leads`` (its dept_lead memberships): two queries."""
    qs = departments_without_lead(user=user) if no_lead else scoped(Department, user)
    departments = list(qs.filter(organisation=organisation).order_by("sort_order", "name"))
    by_id = {d.pk: d for d in departments}
    for d in departments:
        d.leads = []
    if by_id:
        # Membership.department has no reverse accessor (related_name="+"), so gather by id.
        for m in (
            Membership.objects.filter(role=Role.DEPT_LEAD, department_id__in=by_id)
            .select_related("user__profile")
            .order_by("id")
        ):
            by_id[m.department_id].leads.append(m)
    return departments


def user_list(*, user, q: str = "", active: bool | None = None, role: str = "", org_id: int | None = None) -> QuerySet:
    scope = get_scope(user)
    if scope.is_empty:
        return User.objects.none()
    qs = User.objects.all() if scope.is_platform else User.objects.filter(users_scope_q(scope))
    if q:
        qs = qs.filter(Q(username__contains=q) | Q(profile__display_name__contains=q) | Q(profile__phone__contains=q))
    if active is not None:
        qs = qs.filter(is_active=active)
    if role or org_id:
        visible = scoped(Membership, user)
        if role:
            visible = visible.filter(role=role)
        if org_id:
            visible = visible.filter(organisation_id=org_id)
        qs = qs.filter(Exists(visible.filter(user=OuterRef("pk"))))
    # Only the memberships the viewer may see are listed beside each user (one extra query).
    memberships = scoped(Membership, user).select_related("organisation", "department").order_by("id")
    return (
        qs.select_related("profile")
        .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="visible_memberships"))
        .order_by("username")
    )


def user_get(*, user, user_id: int):
    """One user the viewer may see, or 404 (the same answer whether or not the user exists)."""
    try:
        return user_list(user=user).get(pk=user_id)
    except (User.DoesNotExist, ValueError) as exc:
        raise Http404("未找到") from exc


def user_memberships(*, user, target) -> list[Membership]:
    """The target's memberships that the viewer may see."""
    return list(
        scoped(Membership, user).filter(user=target).select_related("organisation", "department").order_by("id")
    )


def organisation_members(*, organisation: Organisation) -> list[Membership]:
    return list(
        organisation.memberships.select_related("user__profile", "department").order_by("role", "user__username")
    )


def organisation_member_users(*, organisation: Organisation) -> QuerySet:
    """Users holding any role in this organisation (for choosing a department lead)."""
    return (
        User.objects.filter(memberships__organisation=organisation, is_active=True)
        .select_related("profile")
        .distinct()
        .order_by("username")
    )
