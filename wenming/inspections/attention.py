"""Home-page attention items for 督查整改, each count the size of exactly the list it opens
(also "待处理的随手拍" for office staff and "待回复的督办函" for unit admins).

- unit admins: "待整改的问题" — their units' findings that are 挂账 or 整改中 (``?todo=unit``), and
  "3 天内到期的问题" — their units' unfinished findings due within REMIND_DAYS (the reminder);
- office inspectors and admins: "待复核的问题" — visible findings awaiting review (``?todo=review``).
"""

from __future__ import annotations

from wenming.inspections import selectors, services
from wenming.orgs.access import get_scope
from wenming.orgs.models import Role
from wenming.web.home import AttentionItem, attention_provider
from wenming.web.links import url

SECTION = "督查整改"


@attention_provider
def findings_to_rectify(request) -> list[AttentionItem]:
    scope = get_scope(request.user)
    if not scope.admin_unit_ids:
        return []
    counts = selectors.attention_counts(
        user=request.user, today=services.local_today(), unit_ids=scope.admin_unit_ids
    )
    return [
        AttentionItem(
            section=SECTION,
            label="待整改的问题",
            count=sum(counts.get(s, 0) for s in selectors.OPEN_STATUSES),
            href=url("inspections:finding_list") + "?todo=unit",
        ),
        # The reminder before the deadline: every unfinished finding of the unit due within days.
        AttentionItem(
            section=SECTION,
            label=f"{selectors.REMIND_DAYS} 天内到期的问题",
            count=counts["due_soon"],
            href=url("inspections:finding_list") + "?todo=unit_all&due_soon=1",
        ),
    ]


@attention_provider
def findings_to_review(request) -> list[AttentionItem]:
    scope = get_scope(request.user)
    if not (scope.is_platform or scope.has_role(Role.OFFICE_ADMIN, Role.OFFICE_INSPECTOR)):
        return []
    counts = selectors.attention_counts(user=request.user, today=services.local_today())
    return [
        AttentionItem(
            section=SECTION,
            label="待复核的问题",
            count=sum(counts.get(s, 0) for s in selectors.REVIEW_STATUSES),
            href=url("inspections:finding_list") + "?todo=review",
        )
    ]


@attention_provider
def reports_to_triage(request) -> list[AttentionItem]:
    """Office staff: 随手拍 of their region waiting for triage (exactly the list's default tab)."""
    from wenming.inspections.models import ReportStatus

    scope = get_scope(request.user)
    if not (scope.is_platform or scope.has_role(Role.OFFICE_ADMIN, Role.OFFICE_INSPECTOR)):
        return []
    count = selectors.report_list(user=request.user, status=ReportStatus.PENDING).count()
    return [
        AttentionItem(
            section=SECTION,
            label="待处理的随手拍",
            count=count,
            href=url("inspections:report_list") + "?status=pending",
        )
    ]


@attention_provider
def letters_to_answer(request) -> list[AttentionItem]:
    """Unit admins: 督办函 to their units not yet replied to (``?todo=reply`` lists exactly these)."""
    scope = get_scope(request.user)
    if not scope.admin_unit_ids:
        return []
    from wenming.inspections.models import SupervisionLetter
    from wenming.orgs.access import scoped

    count = (
        scoped(SupervisionLetter, request.user)
        .filter(unit_id__in=scope.admin_unit_ids, replied_at__isnull=True)
        .count()
    )
    return [
        AttentionItem(
            section=SECTION,
            label="待回复的督办函",
            count=count,
            href=url("inspections:letter_list") + "?todo=reply",
        )
    ]
