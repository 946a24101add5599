"""Scoping for uploads: ``orgs.access.scoped`` plus the owner, whatever the scope.

``orgs.access.scoped`` answers "nothing" for a user who holds no office or unit membership — a
volunteer-organisation admin or a volunteer, whose roles live in the volunteers app. Such a user
still owns files (an import sheet, an export's result file), so here an empty scope still applies
the model's rule, which then matches only ``uploaded_by = user``. Anything else is unchanged.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404

from wenming.orgs.access import get_scope, scope_q


def owner_scoped(qs: QuerySet | type[Model], user) -> QuerySet:
    """Like ``orgs.access.scoped``, but an empty scope keeps the rule's owner clause (one query-level
    filter; anonymous users see nothing). For models whose ``scope_rule`` names an ``owner``."""
    if not isinstance(qs, QuerySet):
        qs = qs._default_manager.all()
    scope = get_scope(user)
    if scope.user_id is None:
        return qs.none()
    return qs.filter(scope_q(qs.model, scope))


def owner_access(qs: QuerySet | type[Model], user, **lookup) -> Any:
    """One object the user may see (``owner_scoped``), or 404."""
    qs = owner_scoped(qs, user)
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError) as exc:
        raise Http404("未找到") from exc
