"""Builders for the inspections tests, through the real services (as the product does)."""

from __future__ import annotations

from wenming.files.tests.samples import jpeg_bytes, png_bytes, upload
from wenming.inspections import services
from wenming.inspections.models import (
    Finding,
    FindingAction,
    FindingCategory,
    InspectionPoint,
    PointType,
    Status,
)
from wenming.orgs.tests.helpers import as_user

A = FindingAction
# The actions (and who takes them) that bring a new finding to each status.
PATH_TO = {
    Status.OPEN: [],
    Status.RECTIFYING: [A.START],
    Status.CLOSURE_REQUESTED: [A.START, A.REQUEST_CLOSURE],
    Status.UNDER_REVIEW: [A.START, A.REQUEST_CLOSURE, A.BEGIN_REVIEW],
    Status.CLOSED: [A.START, A.REQUEST_CLOSURE, A.BEGIN_REVIEW, A.VERIFY],
}


def photo(name: str = "现场.jpg", **kw):
    return upload(jpeg_bytes(**kw), name=name)


def png_photo(name: str = "整改后.png", **kw):
    return upload(png_bytes(**kw), name=name)


def category(name: str = "牛皮癣") -> FindingCategory:
    return FindingCategory.objects.get_or_create(
        name=name, defaults={"days_minor": 5, "days_major": 3, "days_severe": 1}
    )[0]


def point(world, *, name: str = "人民路公交站", unit=None) -> InspectionPoint:
    point_type = PointType.objects.get_or_create(name="公交站点")[0]
    existing = InspectionPoint.objects.filter(region=world.county_a, name=name).first()
    if existing is not None:
        return existing
    with as_user(world.platform):
        return services.point_create(
            name=name, point_type=point_type, region=world.county_a, responsible_unit=unit or world.unit_a
        )


def actor_for(world, action: str):
    step = next(s for (_, a), s in services.TRANSITIONS.items() if a == action)
    return world.unit_a_admin if step.side == services.UNIT else world.city_inspector


def take(world, finding: Finding, action: str, *, user=None, **kw) -> Finding:
    user = user or actor_for(world, action)
    step = next(s for (_, a), s in services.TRANSITIONS.items() if a == action)
    kw.setdefault("reason", "说明" if step.needs_reason else "")
    if step.needs_photo:
        kw.setdefault("photos", [png_photo()])
    if action == A.REASSIGN:
        kw.setdefault("new_unit", world.unit_b)
    with as_user(user):
        return services.finding_transition(finding=finding, action=action, user=user, **kw)


def new_finding(world, *, status: str = Status.OPEN, severity: str = "minor", photos=(), **kw) -> Finding:
    with as_user(world.city_inspector):
        finding = services.finding_create(
            user=world.city_inspector,
            category=kw.pop("category", None) or category(),
            severity=severity,
            point=kw.pop("point", None) or point(world),
            location_text=kw.pop("location_text", "人民路与解放路路口东北角"),
            photos=photos,
            **kw,
        )
    for action in PATH_TO[status]:
        finding = take(world, finding, action)
    assert finding.status == status
    return finding
