"""Volunteer-organisation admins may unmask ID numbers and phones: they sign in with a second
factor like office admins (registered with the web middleware's module checks)."""

from __future__ import annotations

from wenming.web.middleware import second_factor_check


@second_factor_check
def volunteer_org_admin(user) -> bool:
    from wenming.volunteers.models import VolunteerOrgAdmin

    return VolunteerOrgAdmin.objects.filter(user=user).exists()
