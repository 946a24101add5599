"""Rollups follow the ORM writes of the volunteer tables.

Receivers rather than calls inside wenming/volunteers/services.py and ledger.py: every writer
(sign-up check-out, manual entry, correction, registration, future ones) is covered without the
volunteer module having to remember, and the rollup update runs inside the writer's transaction.
Raw inserts (COPY/executemany in the bulk import, the province seed) send no signals: they call
:func:`wenming.vstats.services.rollup_rebuild` afterwards (docs/vstats.md).
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from wenming.volunteers.models import Activity, ServiceRecord, Team, Volunteer, VolunteerOrg, VolunteerProject
from wenming.vstats import services


def _created_only(func):
    def handler(sender, instance, created, raw=False, **kwargs):
        if created and not raw:
            func(instance)

    return handler


HANDLERS = {
    Volunteer: services.rollup_on_volunteer,
    VolunteerOrg: services.rollup_on_org,
    Team: services.rollup_on_team,
    VolunteerProject: services.rollup_on_project,
    Activity: services.rollup_on_activity,
    ServiceRecord: services.rollup_on_record,
}

for _model, _func in HANDLERS.items():
    receiver(post_save, sender=_model, weak=False, dispatch_uid=f"vstats-{_model.__name__}")(
        _created_only(_func)
    )
