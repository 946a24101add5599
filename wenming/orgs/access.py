"""The one place that decides what a user may see and do.

Every list filters through :func:`scoped` in the query (never per-row checks in Python) and
every object view fetches through :func:`access`, which raises 404 for anything out of scope.

A model takes part by declaring ``scope_rule = ScopeRule(...)`` naming the field paths that
hold its region code and its owning organisation. A model without a rule cannot be scoped:
:func:`scoped` raises, so a forgotten rule fails loudly instead of leaking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from wenming.orgs.models import OFFICE_ROLES, Membership, OrgKind, Role
from wenming.orgs.regions import prefix_of
from wenming.orgs.rules import ScopeRule

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class Scope:
    """What one user may see: computed once per request from their memberships."""

    user_id: int | None
    is_platform: bool = False
    region_prefixes: tuple[str, ...] = ()
    office_ids: tuple[int, ...] = ()
    admin_office_ids: tuple[int, ...] = ()
    admin_prefixes: tuple[str, ...] = ()
    unit_ids: tuple[int, ...] = ()
    admin_unit_ids: tuple[int, ...] = ()
    department_ids: tuple[int, ...] = ()
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (self.is_platform or self.region_prefixes or self.unit_ids)

    def has_role(self, *roles: str) -> bool:
        return self.is_platform or bool(self.roles.intersection(roles))

    def covers_region(self, code: str) -> bool:
        return self.is_platform or any(code.startswith(p) for p in self.region_prefixes)

    def administers(self, org) -> bool:
        """May manage this organisation (its users, departments, settings)?"""
        if self.is_platform:
            return True
        if org.kind == OrgKind.UNIT and org.pk in self.admin_unit_ids:
            return True
        return any(org.region_code.startswith(p) for p in self.admin_prefixes)


EMPTY_SCOPE = Scope(user_id=None)


def get_scope(user: AbstractBaseUser | AnonymousUser) -> Scope:
    """The user's scope, cached on the user object for the request (one query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_wenming_scope", None)
    if cached is not None:
        return cached
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .only("role", "department_id", "organisation__id", "organisation__kind", "organisation__region_code")
    )
    is_platform = False
    prefixes, office_ids, admin_office_ids, admin_prefixes = [], [], [], []
    unit_ids, admin_unit_ids, department_ids = [], [], []
    roles = set()
    for m in memberships:
        roles.add(m.role)
        org = m.organisation
        if m.role == Role.PLATFORM_ADMIN:
            is_platform = True
        elif m.role in OFFICE_ROLES and org is not None and org.kind == OrgKind.OFFICE:
            prefix = prefix_of(org.region_code)
            prefixes.append(prefix)
            office_ids.append(org.pk)
            if m.role == Role.OFFICE_ADMIN:
                admin_office_ids.append(org.pk)
                admin_prefixes.append(prefix)
        elif org is not None and org.kind == OrgKind.UNIT:
            unit_ids.append(org.pk)
            if m.role == Role.UNIT_ADMIN:
                admin_unit_ids.append(org.pk)
            if m.role == Role.DEPT_LEAD and m.department_id:
                department_ids.append(m.department_id)
    scope = Scope(
        user_id=user.pk,
        is_platform=is_platform or user.is_superuser,
        region_prefixes=tuple(sorted(set(prefixes))),
        office_ids=tuple(sorted(set(office_ids))),
        admin_office_ids=tuple(sorted(set(admin_office_ids))),
        admin_prefixes=tuple(sorted(set(admin_prefixes))),
        unit_ids=tuple(sorted(set(unit_ids))),
        admin_unit_ids=tuple(sorted(set(admin_unit_ids))),
        department_ids=tuple(sorted(set(department_ids))),
        roles=frozenset(roles),
    )
    user._wenming_scope = scope
    return scope


def _rule_for(model: type[Model]) -> ScopeRule:
    rule = getattr(model, "scope_rule", None)
    if not isinstance(rule, ScopeRule):
        raise ImproperlyConfigured(f"{model.__name__} has no scope_rule; it cannot be listed or fetched safely")
    return rule


def scope_q(model: type[Model], scope: Scope) -> Q:
    """The filter that restricts ``model`` to ``scope``."""
    if scope.is_platform:
        return Q()
    rule = _rule_for(model)
    if rule.custom is not None:
        return rule.custom(scope)
    q = Q(pk__in=[])
    if rule.region:
        for prefix in scope.region_prefixes:
            q |= Q(**{f"{rule.region}__startswith": prefix})
    if rule.org and scope.unit_ids:
        q |= Q(**{f"{rule.org}__in": scope.unit_ids})
    if rule.owner and scope.user_id is not None:
        q |= Q(**{rule.owner: scope.user_id})
    return q


def scoped(qs: QuerySet | type[Model], user) -> QuerySet:
    """Restrict a queryset (or a model's default manager) to what ``user`` may see."""
    if not isinstance(qs, QuerySet):
        qs = qs._default_manager.all()
    scope = get_scope(user)
    if scope.is_empty:
        return qs.none()
    return qs.filter(scope_q(qs.model, scope))


def access(qs: QuerySet | type[Model], user, **lookup) -> Any:
    """Fetch one object the user may see, or raise 404 (never reveal that it exists)."""
    qs = scoped(qs, user)
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError) as exc:
        raise Http404("未找到") from exc


def require_role(user, *roles: str) -> Scope:
    """403 unless the user holds one of these roles somewhere (scope still limits objects)."""
    scope = get_scope(user)
    if not scope.has_role(*roles):
        raise PermissionDenied("您没有执行此操作的权限")
    return scope


def require_admin_of(user, org) -> Scope:
    scope = get_scope(user)
    if not scope.administers(org):
        raise PermissionDenied("您没有管理该组织的权限")
    return scope


def users_scope_q(scope: Scope) -> Q:
    """Users are visible when they hold a membership in a visible organisation (or are oneself)."""
    from wenming.orgs.models import Organisation

    visible_orgs = Organisation.objects.filter(scope_q(Organisation, scope))
    member = Membership.objects.filter(user=OuterRef("pk"), organisation__in=visible_orgs)
    return Q(Exists(member)) | Q(pk=scope.user_id)
