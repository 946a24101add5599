"""The volunteers cards on the home page, for the admins of volunteer organisations: applications
to join a team, sign-ups to confirm and correction requests to verify or apply — their own
organisations only (谁记录谁更正). Each count is exactly the list its link opens.

One query for all three, whoever asks: a row per organisation this user administers (none for
everybody else) with the three counts as correlated subqueries."""

from __future__ import annotations

from django.db.models import F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from wenming.web.home import AttentionItem, attention_provider
from wenming.web.links import url

SECTION = "志愿服务"


def _count(qs: QuerySet) -> Coalesce:
    return Coalesce(
        Subquery(qs.order_by().values(n=Func(F("pk"), function="COUNT")), output_field=IntegerField()), 0
    )


@attention_provider
def volunteers_attention(request) -> list[AttentionItem]:
    if not request.user.is_authenticated:
        return []
    from wenming.volunteers.models import (
        CorrectionRequest,
        MembershipStatus,
        Signup,
        TeamMembership,
        VolunteerOrgAdmin,
    )

    org = OuterRef("org_id")
    rows = VolunteerOrgAdmin.objects.filter(user_id=request.user.pk).values_list(
        _count(TeamMembership.objects.filter(status=MembershipStatus.APPLIED, team__org_id=org)),
        _count(Signup.objects.filter(status="pending", activity__org_id=org, activity__status="published")),
        _count(CorrectionRequest.objects.filter(status__in=("requested", "verified"), org_id=org)),
    )
    applications = signups = corrections = 0
    for a, s, c in rows:
        applications, signups, corrections = applications + a, signups + s, corrections + c
    return [
        AttentionItem(
            section=SECTION,
            label="待审核的入队申请",
            count=applications,
            href=url("volunteers:application_list"),
        ),
        AttentionItem(
            section=SECTION,
            label="待确认的活动报名",
            count=signups,
            href=url("volunteers:activity_list") + "?all=1&pending=1",
        ),
        AttentionItem(
            section=SECTION,
            label="待处理的时长更正申请",
            count=corrections,
            href=url("volunteers:correction_list"),
        ),
    ]
