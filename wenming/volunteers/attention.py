"""The volunteers cards on the home page.

- For the admins of volunteer organisations: applications to join a team, sign-ups to confirm and
  correction requests to verify or apply — their own organisations only (谁记录谁更正).
- For volunteers: the activities they are signed up for that have not ended yet, and the
  published activities still to come (what the activity list shows them).

Each count is exactly the list its link opens. One query whoever asks: the user's own row with
every count as a correlated subquery (zeros, hence no cards, for everybody else)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

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
        SIGNUP_ACTIVE,
        Activity,
        CorrectionRequest,
        MembershipStatus,
        PublishStatus,
        Signup,
        TeamMembership,
        Volunteer,
        VolunteerOrgAdmin,
    )

    now = timezone.now()
    user = OuterRef("pk")
    # Used inside the count subqueries, so the user row is two levels out.
    my_orgs = VolunteerOrgAdmin.objects.filter(user_id=OuterRef(user)).values("org_id")
    row = (
        get_user_model()
        .objects.filter(pk=request.user.pk)
        .values_list(
            _count(TeamMembership.objects.filter(status=MembershipStatus.APPLIED, team__org_id__in=my_orgs)),
            _count(
                Signup.objects.filter(
                    status="pending", activity__org_id__in=my_orgs, activity__status="published"
                )
            ),
            _count(
                CorrectionRequest.objects.filter(status__in=("requested", "verified"), org_id__in=my_orgs)
            ),
            Exists(Volunteer.objects.filter(user_id=user)),
            _count(
                Signup.objects.filter(
                    volunteer__user_id=user, status__in=SIGNUP_ACTIVE, activity__end__gte=now
                )
            ),
            _count(Activity.objects.filter(status=PublishStatus.PUBLISHED, end__gte=now)),
        )
        .first()
    )
    if row is None:
        return []
    applications, signups, corrections, is_volunteer, mine, upcoming = row
    items = [
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
    if is_volunteer:
        items += [
            AttentionItem(
                section="我的志愿服务",
                label="已报名、尚未结束的活动",
                count=mine,
                href=url("volunteers:me_activities") + "?upcoming=1",
            ),
            AttentionItem(
                section="我的志愿服务",
                label="近期可参加的志愿活动",
                count=upcoming,
                href=url("volunteers:activity_list"),
            ),
        ]
    return items
