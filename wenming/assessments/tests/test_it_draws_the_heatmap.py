"""The office heatmap: units × items over every unit in the office's scope, 得分率 per item from
each unit's latest submitted round, sortable, drilling down to the gap list; the number of
queries does not grow with the number of units."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wenming.assessments import selectors
from wenming.assessments.tests.helpers import full_marks, scheme_campaign, score, self_round, submit
from wenming.orgs import services as org_services
from wenming.orgs.models import OrgKind, Role, UnitType
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def _extra_units(world, n):
    """``n`` more units in county A, each with an admin and a submitted self-assessment on the
    same framework lineage as unit A's campaign."""
    out = []
    with as_user(world.platform):
        for i in range(n):
            unit = org_services.organisation_create(
                kind=OrgKind.UNIT, name=f"东城区单位{i:02d}", region=world.county_a, unit_type=UnitType.ORGAN
            )
            admin = org_services.user_create(
                username=f"heat_admin_{i}", display_name="x", password="Test#Passw0rd1"
            )
            org_services.membership_add(user=admin, role=Role.UNIT_ADMIN, organisation=unit)
            out.append((unit, admin))
    return out


def _submitted(world, campaign, admin, *, lose31=None):
    with as_user(admin):
        from wenming.assessments.models import RoundKind
        from wenming.assessments.services import round_create

        r = round_create(campaign=campaign, kind=RoundKind.SELF, user=admin)
    full_marks(r, admin)
    if lose31 is not None:
        score(r, admin, "3.1", lose31, reason="环境问题")
    return submit(r, admin)


def _open_on(world, framework, unit, admin):
    import datetime as dt

    from wenming.campaigns.services import campaign_open

    with as_user(admin):
        return campaign_open(
            unit=unit,
            framework=framework,
            title="创建",
            target_kind="unit",
            level="city",
            exemplar=False,
            start_date=dt.date(2026, 1, 1),
            acceptance_date=dt.date(2027, 1, 1),
            user=admin,
        )


def test_cells_are_item_rates_of_the_latest_submitted_round(client, login, world):
    a = scheme_campaign(world)
    first = _submitted(world, a, world.unit_a_admin, lose31="1")
    assert first.is_locked
    _submitted(world, a, world.unit_a_admin, lose31="4")  # the latest counts
    (unit2, admin2), (unit3, _admin3) = _extra_units(world, 2)
    b = _open_on(world, a.framework, unit2, admin2)
    self_round(world, b, admin2)  # a draft: not shown
    data = selectors.heatmap(user=world.county_a_admin)
    assert [i["code"] for i in data.items] == ["1", "2", "3"]
    rows = {r.unit["name"]: r for r in data.rows}
    assert set(rows) == {"东城区执法局", "东城区单位00", "东城区单位01"}  # county A only, every unit
    ra = rows["东城区执法局"]
    assert ra.cells == {"1": Decimal("100.0"), "3": Decimal("80.0")}  # item 2 has no score: no cell
    assert ra.rate == Decimal("93.3")  # 14 / 15
    assert rows["东城区单位00"].round is None and rows["东城区单位00"].campaign is not None
    assert rows["东城区单位01"].campaign is None
    # the city sees the same county's units; unit B's county is not in county A's map
    assert "西湖区医院" in {r.unit["name"] for r in selectors.heatmap(user=world.city_admin).rows}
    login(world.county_a_admin)
    page = client.get(reverse("assessments:heatmap")).content.decode()
    assert f"{reverse('assessments:gaps', args=[a.pk])}?item=3" in page
    assert "bg-green-lt" in page or "bg-green text-white" in page


def test_sorting_by_an_item_puts_units_without_values_last(world):
    a = scheme_campaign(world)
    _submitted(world, a, world.unit_a_admin, lose31="1")
    (u2, ad2), (u3, ad3), (u4, _ad4) = _extra_units(world, 3)
    _submitted(world, _open_on(world, a.framework, u2, ad2), ad2, lose31="3")
    _submitted(world, _open_on(world, a.framework, u3, ad3), ad3)
    names = [r.unit["name"] for r in selectors.heatmap(user=world.county_a_admin, sort="3", desc=True).rows]
    assert names == ["东城区单位01", "东城区单位00", "东城区执法局", "东城区单位02"]
    names = [r.unit["name"] for r in selectors.heatmap(user=world.county_a_admin, sort="total").rows]
    assert names[:3] == ["东城区执法局", "东城区单位00", "东城区单位01"]
    # default: by name, units with a submitted round first
    names = [r.unit["name"] for r in selectors.heatmap(user=world.county_a_admin).rows]
    assert names[-1] == "东城区单位02" and set(names[:3]) == {"东城区执法局", "东城区单位00", "东城区单位01"}


def test_only_offices_open_the_heatmap(client, login, world):
    login(world.unit_a_admin)
    assert client.get(reverse("assessments:heatmap")).status_code == 403


def test_queries_do_not_grow_with_units(client, login, world, django_assert_max_num_queries):
    a = scheme_campaign(world)
    _submitted(world, a, world.unit_a_admin, lose31="1")
    login(world.county_a_admin)
    client.get(reverse("assessments:heatmap"))  # the first request also saves the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("assessments:heatmap")).status_code == 200
    for unit, admin in _extra_units(world, 6):
        _submitted(world, _open_on(world, a.framework, unit, admin), admin, lose31="2")
    with django_assert_max_num_queries(14), CaptureQueriesContext(connection) as many:
        response = client.get(reverse("assessments:heatmap") + "?sort=1&desc=1")
    assert response.content.decode().count('data-testid="heat-row"') == 7
    assert len(many) == len(few)
