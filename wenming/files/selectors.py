"""Reads of uploads, always through the scope."""

from __future__ import annotations

from django.db.models import QuerySet

from wenming.files.models import StoredFile
from wenming.files.scoping import owner_scoped
from wenming.orgs.access import get_scope
from wenming.orgs.models import Organisation


def file_list(*, user, q: str = "") -> QuerySet[StoredFile]:
    qs = owner_scoped(StoredFile, user).select_related("blob", "organisation", "uploaded_by__profile")
    if q:
        qs = qs.filter(original_name__icontains=q)
    return qs.order_by("-created_at", "-id")


def upload_organisations(*, user) -> QuerySet[Organisation]:
    """Organisations the upload page offers: those the user is a member of (a unit user: their
    unit; an office user: their office)."""
    scope = get_scope(user)
    ids = set(scope.unit_ids) | set(scope.office_ids)
    return Organisation.objects.filter(pk__in=ids, is_active=True).order_by("region_code", "kind", "name")
