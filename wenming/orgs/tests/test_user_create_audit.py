from __future__ import annotations

import pytest

from wenming.audit.models import Action, AuditEntry
from wenming.orgs import services
from wenming.orgs.access import scoped

pytestmark = pytest.mark.django_db


def test_it_files_a_new_users_creation_under_their_first_organisation(world):
    user, _ = services.user_onboard(
        username="new_clerk", display_name="新科员", password=None, role="unit_admin", organisation=world.unit_a
    )
    created = AuditEntry.objects.get(action=Action.CREATE, object_type="auth.user", object_id=str(user.pk))
    assert created.org_id == world.unit_a.pk and created.region_code == world.unit_a.region_code
    assert scoped(AuditEntry, world.county_a_admin).filter(pk=created.pk).exists()
    assert not scoped(AuditEntry, world.county_b_admin).filter(pk=created.pk).exists()
