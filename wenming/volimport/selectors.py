"""Who may import into (and export from) which volunteer organisation."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from wenming.orgs.access import Scope, get_scope
from wenming.volunteers.models import VolunteerOrg
from wenming.volunteers.selectors import managed_orgs_q


def importable_orgs_q(scope: Scope) -> Q:
    """The organisation's own admins, office admins of a subtree holding it, the platform — the
    roles that may also see full ID numbers (operating units may register one by one, not in bulk)."""
    if scope.user_id is None:
        return Q(pk__in=[])
    return managed_orgs_q(scope, operators=False)


def importable_orgs(*, user) -> QuerySet[VolunteerOrg]:
    scope = get_scope(user)
    return VolunteerOrg.objects.filter(importable_orgs_q(scope), is_active=True).order_by(
        "region_code", "name"
    )
