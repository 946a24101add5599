"""Who may take which step, and who sees which findings (ScopeRule: the responsible unit sees its
findings, offices see their subtree)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from conftest import login_client
from wenming.inspections import services
from wenming.inspections.models import Finding, InspectionPoint, Status
from wenming.inspections.tests.helpers import new_finding, take
from wenming.orgs.access import scoped

pytestmark = pytest.mark.django_db

UNIT_STEPS = [(Status.OPEN, "start"), (Status.RECTIFYING, "request_closure")]
OFFICE_STEPS = [
    (Status.CLOSURE_REQUESTED, "begin_review"),
    (Status.UNDER_REVIEW, "verify"),
    (Status.UNDER_REVIEW, "reject"),
    (Status.OPEN, "close_unfixed"),
    (Status.RECTIFYING, "reassign"),
    (Status.CLOSED, "reopen"),
]


@pytest.mark.parametrize("status,action", UNIT_STEPS)
@pytest.mark.parametrize(
    "persona", ["city_inspector", "city_admin", "county_a_admin", "dept_lead_a", "outsider", "county_b_admin"]
)
def test_only_the_responsible_unit_admin_rectifies(world, status, action, persona):
    finding = new_finding(world, status=status)
    with pytest.raises(PermissionDenied, match="创建办"):
        take(world, finding, action, user=getattr(world, persona))
    assert Finding.objects.get(pk=finding.pk).status == status
    assert take(world, finding, action, user=world.unit_a_admin).status != status


@pytest.mark.parametrize("status,action", OFFICE_STEPS)
@pytest.mark.parametrize("persona", ["unit_a_admin", "dept_lead_a", "outsider", "county_b_admin"])
def test_only_offices_covering_the_finding_review(world, status, action, persona):
    finding = new_finding(world, status=status)
    with pytest.raises(PermissionDenied, match="文明办"):
        take(world, finding, action, user=getattr(world, persona))
    assert Finding.objects.get(pk=finding.pk).status == status


@pytest.mark.parametrize("persona", ["city_inspector", "city_admin", "county_a_admin", "platform"])
def test_offices_above_the_finding_review(world, persona):
    finding = new_finding(world, status=Status.UNDER_REVIEW)
    assert take(world, finding, "verify", user=getattr(world, persona)).status == Status.CLOSED


def test_buttons_follow_the_table_and_the_role(world):
    finding = new_finding(world, status=Status.RECTIFYING)
    assert services.finding_actions_for(user=world.unit_a_admin, finding=finding) == ["request_closure"]
    assert services.finding_actions_for(user=world.dept_lead_a, finding=finding) == []
    assert services.finding_actions_for(user=world.city_inspector, finding=finding) == [
        "reassign",
        "close_unfixed",
    ]


def test_scope_unit_sees_its_own_and_offices_their_subtree(world):
    mine = new_finding(world)
    from wenming.inspections.tests.helpers import point

    theirs_point = point(world, name="西湖公园", unit=world.unit_b)
    InspectionPoint.objects.filter(pk=theirs_point.pk).update(
        region=world.county_b, region_code=world.county_b.code
    )
    theirs = new_finding(world, point=InspectionPoint.objects.get(pk=theirs_point.pk))

    def visible(user):
        return set(scoped(Finding, user).filter(pk__in=[mine.pk, theirs.pk]).values_list("pk", flat=True))

    assert visible(world.unit_a_admin) == {mine.pk}
    assert visible(world.dept_lead_a) == {mine.pk}
    assert visible(world.outsider) == {theirs.pk}
    assert visible(world.county_a_admin) == {mine.pk}
    assert visible(world.county_b_admin) == {theirs.pk}
    assert visible(world.city_inspector) == {mine.pk, theirs.pk}
    assert set(scoped(InspectionPoint, world.outsider).values_list("pk", flat=True)) >= {theirs_point.pk}
    assert not scoped(InspectionPoint, world.outsider).filter(pk=mine.point_id).exists()


def test_a_user_of_another_unit_gets_404_and_changes_nothing(client, world):
    finding = new_finding(world, status=Status.OPEN)
    login_client(client, world.outsider)
    response = client.post(f"/inspections/findings/{finding.pk}/act/", {"action": "start"})
    assert response.status_code == 404
    assert client.get(f"/inspections/findings/{finding.pk}/").status_code == 404
    assert Finding.objects.get(pk=finding.pk).status == Status.OPEN


def test_a_member_without_the_right_role_gets_403(client, world):
    finding = new_finding(world, status=Status.OPEN)
    login_client(client, world.dept_lead_a)  # sees the finding, may not rectify it
    assert client.get(f"/inspections/findings/{finding.pk}/").status_code == 200
    response = client.post(f"/inspections/findings/{finding.pk}/act/", {"action": "start"})
    assert response.status_code == 403
    assert Finding.objects.get(pk=finding.pk).status == Status.OPEN


def test_units_cannot_record_findings(client, world):
    login_client(client, world.unit_a_admin)
    assert client.get("/inspections/findings/new/").status_code == 403
