"""Module roles for the navigation (``web.nav.module_roles_provider``): ``volunteer`` for a user
linked to a volunteer record, ``vorg_admin`` for a volunteer-organisation admin — roles that live
in this app's tables, not in orgs memberships. One query for both."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from wenming.web.nav import module_roles_provider


@module_roles_provider
def volunteer_roles(user) -> set[str]:
    from wenming.volunteers.models import Volunteer, VolunteerOrgAdmin

    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            is_volunteer=Exists(Volunteer.objects.filter(user_id=OuterRef("pk"))),
            is_vorg_admin=Exists(VolunteerOrgAdmin.objects.filter(user_id=OuterRef("pk"))),
        )
        .values_list("is_volunteer", "is_vorg_admin")
        .first()
    )
    if row is None:
        return set()
    return {name for name, held in zip(("volunteer", "vorg_admin"), row, strict=True) if held}
