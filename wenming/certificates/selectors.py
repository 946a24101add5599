"""Reads and rules for certificates: who lists, who downloads, who issues."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from wenming.certificates.models import Certificate, CertificateRequest, RequestStatus
from wenming.orgs.access import get_scope
from wenming.volunteers.models import ServiceRecord, Volunteer, VolunteerOrg
from wenming.volunteers.scoping import vscoped
from wenming.volunteers.selectors import is_org_admin, recording_orgs, volunteer_for_user


def certificate_list(*, user, q: str = "") -> QuerySet[Certificate]:
    qs = vscoped(Certificate, user).select_related("org", "volunteer")
    if q:
        qs = qs.filter(
            Q(serial__startswith=q.upper()) | Q(volunteer__name__contains=q) | Q(volunteer__number=q.upper())
        )
    return qs.order_by("-issued_at", "-id")


def requests_to_handle(*, user) -> QuerySet[CertificateRequest]:
    """Open requests to the organisations this user administers (issuers only)."""
    orgs = recording_orgs(user=user)
    return (
        CertificateRequest.objects.filter(org__in=orgs, status=RequestStatus.REQUESTED)
        .select_related("org", "volunteer")
        .order_by("created_at", "id")
    )


def may_issue(*, user, org: VolunteerOrg) -> bool:
    """谁记录谁证明: the organisation's own admins (and the platform)."""
    return is_org_admin(user=user, org=org)


def may_download(*, user, certificate: Certificate) -> bool:
    """The volunteer themself and the issuing organisation's admins (and the platform)."""
    if certificate.volunteer.user_id is not None and certificate.volunteer.user_id == user.pk:
        return True
    return may_issue(user=user, org=certificate.org)


def orgs_with_my_hours(*, volunteer: Volunteer) -> QuerySet[VolunteerOrg]:
    """Organisations that recorded hours for this volunteer (those they may ask)."""
    return VolunteerOrg.objects.filter(
        pk__in=ServiceRecord.objects.filter(volunteer=volunteer).values("org_id")
    ).order_by("name")


def my_volunteer(user) -> Volunteer | None:
    return volunteer_for_user(user)


def is_platform(user) -> bool:
    return get_scope(user).is_platform
