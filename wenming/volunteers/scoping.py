"""Scoping for volunteer models, through the one rule each model declares (``scope_rule``) and
``orgs.access.scope_q``.

Why not ``orgs.access.scoped`` itself: it answers "nothing" for a user whose scope is empty, i.e.
who holds no office or unit membership. Volunteers and volunteer-organisation admins usually hold
none — their reach comes from this app's tables, which the models' custom rules consult. These two
functions differ from ``scoped``/``access`` only there: an empty scope still applies the rule
(which then matches the user's own volunteer record and the organisations they administer).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404

from wenming.orgs.access import get_scope, scope_q


def vscoped(qs: QuerySet | type[Model], user) -> QuerySet:
    if not isinstance(qs, QuerySet):
        qs = qs._default_manager.all()
    scope = get_scope(user)
    if scope.user_id is None:
        return qs.none()
    return qs.filter(scope_q(qs.model, scope))


def vaccess(qs: QuerySet | type[Model], user, **lookup) -> Any:
    """One object the user may see, or 404."""
    qs = vscoped(qs, user)
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError) as exc:
        raise Http404("未找到") from exc
