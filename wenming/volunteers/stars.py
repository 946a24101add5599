"""星级标准 settings: the hours thresholds of 一星…五星 per region (model ``StarLadder``).

Owned by the civilization offices, as the model's scope rule says (``region_code``): an office
admin edits ladders for regions in their admin subtree (province, city or county level), the
platform everywhere; office members see them. The deepest ladder above a volunteer's residence
applies (``selectors.star_ladder_for``), else ``settings.VOLUNTEER_STAR_LADDER``. Each change is
audited. Star figures in the statistics rollups follow at the next rebuild (nightly,
``vstats.rebuild``); a volunteer's own star (我的时长) follows at once.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.orgs.access import get_scope
from wenming.orgs.models import Region
from wenming.volunteers.models import StarLadder
from wenming.volunteers.selectors import ladder_text, parse_ladder

#: Ladders are set for provinces, cities and counties (not towns or communities).
MAX_LEVEL = 3


def ladder_regions(*, user) -> QuerySet[Region]:
    """Regions this user may set a ladder for."""
    scope = get_scope(user)
    qs = Region.objects.filter(level__lte=MAX_LEVEL)
    if scope.is_platform:
        return qs.order_by("code")
    if not scope.admin_prefixes:
        return qs.none()
    q = Q(pk__in=[])
    for prefix in scope.admin_prefixes:
        q |= Q(code__startswith=prefix)
    return qs.filter(q).order_by("code")


def may_edit_ladders(*, user) -> bool:
    scope = get_scope(user)
    return scope.is_platform or bool(scope.admin_prefixes)


def _check(user, region: Region) -> None:
    if region.level > MAX_LEVEL:
        raise ValidationError("星级标准只能按省、市、县（区）设置")
    if not ladder_regions(user=user).filter(pk=region.pk).exists():
        raise PermissionDenied("您没有设置该地区星级标准的权限")


def ladder_save(*, region: Region, thresholds: str, user) -> StarLadder:
    """Create or replace the ladder of ``region``; ``thresholds`` as typed (see ``parse_ladder``)."""
    _check(user, region)
    try:
        ladder = parse_ladder(thresholds)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    text = ladder_text(ladder)
    with transaction.atomic():
        existing = StarLadder.objects.select_for_update().filter(region=region).first()
        if existing is None:
            obj = StarLadder.objects.create(region=region, region_code=region.code, thresholds=text)
            audit_record(action=Action.CREATE, obj=obj, after=snapshot(obj, fields=["region", "thresholds"]))
            return obj
        before = snapshot(existing, fields=["region", "thresholds"])
        existing.thresholds = text
        existing.save(update_fields=["thresholds"])
        audit_record(
            action=Action.UPDATE,
            obj=existing,
            before=before,
            after=snapshot(existing, fields=["region", "thresholds"]),
        )
        return existing


def ladder_delete(*, ladder: StarLadder, user) -> None:
    """Remove a region's ladder: the one above it (or the default) applies again."""
    _check(user, ladder.region)
    with transaction.atomic():
        before = snapshot(ladder, fields=["region", "thresholds"])
        audit_record(action=Action.DELETE, obj=ladder, before=before)
        ladder.delete()
