"""Reads of the volunteer module. Lists go through :func:`vscoped` (the models' scope rules)."""

from __future__ import annotations

import re

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from wenming.orgs.access import Scope, get_scope
from wenming.orgs.personal import (
    ID_RE,
    PHONE_RE,
    IdType,
    id_hash,
    mask_id,
    mask_phone,
    normalise_id,
    normalise_phone,
    phone_hash,
)
from wenming.volunteers.models import (
    ACTIVE_STATUSES,
    MembershipStatus,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerOrg,
    VolunteerOrgAdmin,
    _prefix_q,
)
from wenming.volunteers.scoping import vscoped

# --- Who may do what ------------------------------------------------------------------------


def managed_orgs_q(scope: Scope, *, operators: bool = True) -> Q:
    """Volunteer organisations this user manages: those they are admin of, for office admins every
    one in their admin subtree, and for the admins of an operating unit (the bureau that runs a
    region's volunteer work) the organisations it operates. ``operators=False`` leaves the last
    out: the right to see full ID numbers is not extended to operating units."""
    if scope.is_platform:
        return Q()
    q = Q(pk__in=VolunteerOrgAdmin.objects.filter(user_id=scope.user_id).values("org_id"))
    if operators and scope.admin_unit_ids:
        q |= Q(operator_id__in=scope.admin_unit_ids)
    return q | _prefix_q("region_code", scope.admin_prefixes)


def managed_orgs(*, user) -> QuerySet[VolunteerOrg]:
    scope = get_scope(user)
    if scope.user_id is None:
        return VolunteerOrg.objects.none()
    return VolunteerOrg.objects.filter(managed_orgs_q(scope)).order_by("region_code", "name")


def may_manage_vorg(*, user, org: VolunteerOrg) -> bool:
    scope = get_scope(user)
    return (
        scope.user_id is not None and VolunteerOrg.objects.filter(managed_orgs_q(scope), pk=org.pk).exists()
    )


def is_org_admin(*, user, org: VolunteerOrg) -> bool:
    """Admin of this very organisation (not merely an office above it), or the platform."""
    scope = get_scope(user)
    return scope.is_platform or VolunteerOrgAdmin.objects.filter(org=org, user_id=scope.user_id).exists()


def may_unmask_any(*, user) -> bool:
    """Holds any role that may see full ID numbers: platform, office admin, volunteer-org admin."""
    scope = get_scope(user)
    if scope.is_platform or scope.admin_prefixes:
        return True
    return scope.user_id is not None and VolunteerOrgAdmin.objects.filter(user_id=scope.user_id).exists()


def unmask_q(scope: Scope) -> Q:
    """Volunteers whose full ID and phone this user may see: office admins for volunteers living
    in, or registered with / active in an organisation of, their admin subtree; org admins for
    their organisations' registered, applying and approved volunteers. Inspectors and units: none."""
    if scope.is_platform:
        return Q()
    managed = VolunteerOrg.objects.filter(managed_orgs_q(scope, operators=False)).values("pk")
    q = _prefix_q("residence_code", scope.admin_prefixes)
    q |= Q(home_org_id__in=managed)
    q |= Exists(
        TeamMembership.objects.filter(
            volunteer_id=OuterRef("pk"), status__in=ACTIVE_STATUSES, team__org_id__in=managed
        )
    )
    return q


def volunteer_may_unmask(*, user, volunteer: Volunteer) -> bool:
    scope = get_scope(user)
    if scope.user_id is None:
        return False
    return Volunteer.objects.filter(unmask_q(scope), pk=volunteer.pk).exists()


# --- Lists ----------------------------------------------------------------------------------

LIST_FIELDS = (
    "number",
    "name",
    "id_type",
    "id_masked",
    "sex",
    "birth_date",
    "phone_masked",
    "residence_id",
    "residence_code",
    "political_status",
    "skills",
    "availability",
    "home_org_id",
    "created_at",
)


def lookup_keys(q: str) -> tuple[str, list[str]] | None:
    """For a search term that is a full ID number or phone: (its masked form, the keyed hashes
    to look it up by). Views redirect such a search so that the clear number never stays in a
    URL (access logs, history, the search box); ``None`` for an ordinary term."""
    ident = normalise_id(q)
    if ident.startswith("ZY"):
        return None
    phone = normalise_phone(q)
    if PHONE_RE.match(phone):
        return mask_phone(phone), [phone_hash(phone)]
    if ID_RE.match(ident) or re.match(r"^[A-Z]{0,3}\d{7,17}[A-Z0-9]?$", ident):
        return mask_id(ident), [id_hash(t, ident) for t in IdType.values]
    return None


def volunteer_list(
    *,
    user,
    q: str = "",
    keys: list[str] | None = None,
    org_id: int | None = None,
    team_id: int | None = None,
    political_status: str = "",
    region: str = "",
    dual_unit_id: int | None = None,
    dual_community_id: int | None = None,
) -> QuerySet[Volunteer]:
    qs = vscoped(Volunteer, user)
    if keys:
        qs = qs.filter(Q(id_hash__in=keys) | Q(phone_hash__in=keys))
    elif q:
        qs = qs.filter(Q(name__contains=q) | Q(number__startswith=q.upper()))
    if org_id:
        in_team = TeamMembership.objects.filter(
            volunteer_id=OuterRef("pk"), team__org_id=org_id, status__in=ACTIVE_STATUSES
        )
        qs = qs.filter(Q(home_org_id=org_id) | Exists(in_team))
    if team_id:
        in_team = TeamMembership.objects.filter(
            volunteer_id=OuterRef("pk"), team_id=team_id, status__in=ACTIVE_STATUSES
        )
        qs = qs.filter(Exists(in_team))
    if political_status:
        qs = qs.filter(political_status=political_status)
    if region:
        qs = qs.filter(residence_code__startswith=region)
    if dual_unit_id:
        qs = qs.filter(dual_report_unit_id=dual_unit_id)
    if dual_community_id:
        qs = qs.filter(dual_report_unit__isnull=False, dual_report_community_id=dual_community_id)
    return (
        qs.only(*LIST_FIELDS)
        .annotate(residence_name=F("residence__name"), home_org_name=F("home_org__name"))
        .order_by("-id")
    )


def vorg_list(*, user, q: str = "") -> QuerySet[VolunteerOrg]:
    qs = vscoped(VolunteerOrg, user)
    if q:
        qs = qs.filter(name__contains=q)
    teams = (
        Team.objects.filter(org_id=OuterRef("pk"))
        .order_by()
        .values("org_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    from django.db.models import Subquery
    from django.db.models.functions import Coalesce

    return qs.annotate(
        team_count=Coalesce(Subquery(teams), 0),
        region_name=F("region__name"),
        operator_name=F("operator__name"),
    ).order_by("region_code", "name")


def team_members(*, team: Team, status: str = MembershipStatus.APPROVED) -> QuerySet[TeamMembership]:
    return (
        TeamMembership.objects.filter(team=team, status=status)
        .select_related("volunteer")
        .only(
            "status",
            "applied_at",
            "decided_at",
            "note",
            "team_id",
            "volunteer__name",
            "volunteer__number",
            "volunteer__id_masked",
            "volunteer__phone_masked",
            "volunteer__id",
        )
        .order_by("-applied_at")
    )


def volunteer_for_user(user) -> Volunteer | None:
    """The signed-in user's own volunteer record (their link, not a scope question)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Volunteer.objects.select_related("residence", "home_org").filter(user=user).first()


def teams_open_to(*, volunteer: Volunteer) -> QuerySet[Team]:
    """Teams a volunteer may apply to: active teams of organisations in their county (all, when
    no residence is recorded), minus those they already applied to or joined."""
    qs = Team.objects.filter(is_active=True, org__is_active=True).select_related("org")
    if volunteer.residence_code:
        qs = qs.filter(org__region_code__startswith=volunteer.residence_code[:6])
    active = TeamMembership.objects.filter(
        team_id=OuterRef("pk"), volunteer=volunteer, status__in=ACTIVE_STATUSES
    )
    return qs.filter(~Exists(active)).order_by("org__name", "name")


def dual_report_counts(*, user) -> tuple[list[dict], list[dict]]:
    """双报到: in-scope volunteers with a work unit, counted per work unit and per reporting
    community (two grouped queries)."""
    qs = vscoped(Volunteer, user).filter(dual_report_unit__isnull=False).order_by()
    per_unit = list(
        qs.values("dual_report_unit_id", label=F("dual_report_unit__name"))
        .annotate(n=Count("pk"))
        .order_by("-n", "label")
    )
    per_community = list(
        qs.filter(dual_report_community__isnull=False)
        .values(
            "dual_report_community_id",
            label=F("dual_report_community__name"),
            code=F("dual_report_community__code"),
        )
        .annotate(n=Count("pk"))
        .order_by("-n", "code")
    )
    return per_unit, per_community


def applications_to_decide(*, user, platform_all: bool = True) -> QuerySet[TeamMembership]:
    """Pending applications to the teams of the organisations this user administers (the only
    ones they may decide). The platform sees every one on the list page, but its home page does
    not count them all (``platform_all=False``): they are the organisations' work."""
    scope = get_scope(user)
    qs = vscoped(TeamMembership, user).filter(status=MembershipStatus.APPLIED)
    if not (scope.is_platform and platform_all):
        qs = qs.filter(
            team__org_id__in=VolunteerOrgAdmin.objects.filter(user_id=scope.user_id).values("org_id")
        )
    return qs.order_by("-applied_at")


# --- Activities and the hours ledger --------------------------------------------------------

DEFAULT_STAR_LADDER = (100, 300, 600, 1000, 1500)
STAR_NAMES = ("一星", "二星", "三星", "四星", "五星")


def star_ladder_for(volunteer: Volunteer | None) -> tuple:
    """Thresholds in hours for 一星…五星: the deepest ``StarLadder`` whose region contains the
    volunteer's residence, else ``settings.VOLUNTEER_STAR_LADDER`` (default 100/300/600/1000/1500)."""

    from wenming.volunteers.models import StarLadder

    code = (volunteer.residence_code if volunteer else "") or ""
    if code:
        candidates = {code[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12)}
        ladder = StarLadder.objects.filter(region_code__in=candidates).order_by("-region_code").first()
        if ladder is not None:
            try:
                return parse_ladder(ladder.thresholds)
            except ValueError:  # a row written by hand that the settings page would refuse
                pass
    return default_star_ladder()


def default_star_ladder() -> tuple:
    from django.conf import settings

    return tuple(getattr(settings, "VOLUNTEER_STAR_LADDER", DEFAULT_STAR_LADDER))


MAX_STAR_LEVELS = 10
MAX_STAR_HOURS = 100000


def parse_ladder(text: str) -> tuple:
    """Thresholds as Decimal hours from ``"100,300,600.5"`` (Chinese commas too): at least one,
    at most :data:`MAX_STAR_LEVELS`, each positive with at most two decimals, strictly increasing.
    Raises ValueError with a Chinese message naming the first bad item."""
    from decimal import Decimal, InvalidOperation

    items = [x.strip() for x in str(text).replace("，", ",").replace("、", ",").split(",")]
    if items and not items[-1]:
        items.pop()  # a trailing comma
    if not items or items == [""]:
        raise ValueError("请填写各星级的时长，用逗号分隔，如 100,300,600,1000,1500")
    if len(items) > MAX_STAR_LEVELS:
        raise ValueError(f"星级最多 {MAX_STAR_LEVELS} 级")
    values = []
    for n, item in enumerate(items, 1):
        try:
            value = Decimal(item)
        except InvalidOperation:
            raise ValueError(f"第 {n} 级“{item}”不是数字") from None
        if not value.is_finite() or value <= 0:
            raise ValueError(f"第 {n} 级须为正数（小时）")
        if value > MAX_STAR_HOURS:
            raise ValueError(f"第 {n} 级不能超过 {MAX_STAR_HOURS} 小时")
        if value != value.quantize(Decimal("0.01")):
            raise ValueError(f"第 {n} 级最多两位小数")
        if values and value <= values[-1]:
            raise ValueError(f"第 {n} 级（{item}）须大于第 {n - 1} 级（{values[-1]}），各级须严格递增")
        values.append(value)
    return tuple(values)


def ladder_text(ladder) -> str:
    """``(Decimal('100.00'), Decimal('300.5'))`` → ``"100,300.5"``."""
    from decimal import Decimal

    def fmt(v) -> str:
        v = Decimal(str(v))
        return str(v.quantize(Decimal(1))) if v == v.to_integral_value() else format(v.normalize(), "f")

    return ",".join(fmt(v) for v in ladder)


def star_level(total_hours, ladder: tuple) -> int:
    """0 (none) … len(ladder): how many thresholds the total reaches."""
    return sum(1 for threshold in ladder if total_hours >= threshold)


def star_name(level: int) -> str:
    return (
        STAR_NAMES[level - 1]
        if 0 < level <= len(STAR_NAMES)
        else ("未达星级" if level == 0 else f"{level}星")
    )


def volunteer_hours(volunteer: Volunteer) -> dict:
    """Total hours (Decimal), record count, star level and the next threshold, points."""
    from decimal import Decimal

    from django.db.models import Sum

    from wenming.volunteers.models import PointsEntry, ServiceRecord

    agg = ServiceRecord.objects.filter(volunteer=volunteer).aggregate(total=Sum("hours"))
    total = (agg["total"] or Decimal("0")).quantize(Decimal("0.01"))  # SQLite's Sum drops the scale
    ladder = star_ladder_for(volunteer)
    level = star_level(total, ladder)
    nxt = ladder[level] if level < len(ladder) else None
    points = PointsEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("points"))["s"] or 0
    return {
        "total": total,
        "level": level,
        "star": star_name(level),
        "ladder": ladder,
        "next": nxt,
        "points": points,
    }


def activity_list(*, user, q: str = "", org_id: int | None = None, upcoming: bool = False, now=None):
    from django.utils import timezone

    from wenming.volunteers.models import Activity

    qs = vscoped(Activity, user).select_related("org", "project")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(place__icontains=q) | Q(project__name__icontains=q))
    if org_id:
        qs = qs.filter(org_id=org_id)
    if upcoming:
        qs = qs.filter(end__gte=now or timezone.now(), status="published").order_by("start", "id")
    else:  # every activity: the latest first, a stable order for the paginator
        qs = qs.order_by("-start", "-id")
    return qs.annotate(
        taken=Count("signups", filter=Q(signups__status__in=("pending", "confirmed"))),
        waiting=Count("signups", filter=Q(signups__status="waitlisted")),
    )


def may_manage_activity(*, user, activity) -> bool:
    return may_manage_vorg(user=user, org=activity.org)


def may_record_hours(*, user, org: VolunteerOrg) -> bool:
    """谁组织谁记录: only the organisation's own admins (and the platform) write hours."""
    return is_org_admin(user=user, org=org)


def recording_orgs(*, user) -> QuerySet[VolunteerOrg]:
    scope = get_scope(user)
    if scope.user_id is None:
        return VolunteerOrg.objects.none()
    if scope.is_platform:
        return VolunteerOrg.objects.order_by("region_code", "name")
    return VolunteerOrg.objects.filter(admins__user_id=scope.user_id).order_by("region_code", "name")
