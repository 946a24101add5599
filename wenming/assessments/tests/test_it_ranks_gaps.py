"""对标找差: criteria ranked by points at risk — after a submitted round full − score, before any
by missing evidence and overdue tasks weighted by the criterion's points — in bounded queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wenming.assessments import selectors
from wenming.assessments.tests.helpers import full_marks, scheme_campaign, score, self_round, submit
from wenming.campaigns.evidence import evidence_review, evidence_upload
from wenming.campaigns.services import task_update
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


def _upload(world, campaign, code, accept: bool):
    task = campaign.tasks.get(code=code)
    with as_user(world.unit_a_admin):
        (ev,) = evidence_upload(
            task=task,
            uploads=[SimpleUploadedFile(f"{code}.txt", code.encode())],
            title=f"{code} 材料",
            refers_to=dt.date(2026, 3, 1),
            kind="situation",
            user=world.unit_a_admin,
        )
        if accept:
            evidence_review(evidence=ev, accept=True, user=world.unit_a_admin)
    return ev


def _codes(campaign, **kw):
    rows, basis, _items = selectors.gap_rows(campaign=campaign, today=TODAY, **kw)
    return [r.criterion.code for r in rows], rows, basis


def test_before_scoring_missing_evidence_and_overdue_tasks_weighted_by_points(world):
    campaign = scheme_campaign(world)
    # 3.1 (5 points): accepted evidence, no overdue task → no risk
    _upload(world, campaign, "3.1", accept=True)
    # 1.1 (4 points): evidence pending, task overdue → 4 × (½ + 1) / 2 = 3
    _upload(world, campaign, "1.1", accept=False)
    with as_user(world.unit_a_admin):
        task_update(task=campaign.tasks.get(code="1.1"), due_override=dt.date(2026, 5, 1))
        # 1.3 (3 points): no evidence, task overdue → 3
        task_update(task=campaign.tasks.get(code="1.3"), due_override=dt.date(2026, 5, 1))
    # 1.2 (3 points): no evidence, not overdue → 1.5
    codes, rows, basis = _codes(campaign)
    assert basis is None
    risk = {r.criterion.code: r.risk for r in rows}
    assert risk == {
        "1.1": Decimal("3.00"),
        "1.3": Decimal("3.00"),
        "1.2": Decimal("1.50"),
        "3.1": Decimal("0.00"),
        "2.1": None,
        "2.2": None,
    }
    # equal risk: the larger gap (1.3: no evidence at all) first; unweighted criteria last
    assert codes == ["1.3", "1.1", "1.2", "3.1", "2.1", "2.2"]
    assert all(r.estimated for r in rows if r.full is not None)


def test_after_a_submitted_round_points_lost_rank_first(world):
    campaign = scheme_campaign(world)
    r = self_round(world, campaign)
    full_marks(r, world.unit_a_admin)
    score(r, world.unit_a_admin, "1.2", "C", reason="计划未经会议研究")  # loses 2
    score(r, world.unit_a_admin, "3.1", "2", reason="环境死角多")  # loses 3
    score(r, world.unit_a_admin, "1.3", "4", reason="缺一项制度")  # loses 1.2
    # a draft round is not the basis yet
    assert _codes(campaign)[2] is None
    submit(r, world.unit_a_admin)
    codes, rows, basis = _codes(campaign)
    assert basis == r
    assert codes[:4] == ["3.1", "1.2", "1.3", "1.1"]
    assert [row.risk for row in rows[:4]] == [
        Decimal("3.00"),
        Decimal("2.00"),
        Decimal("1.20"),
        Decimal("0.00"),
    ]
    assert codes[-2:] == ["2.1", "2.2"]
    # item filter (the heatmap's drill-down)
    assert _codes(campaign, item_code="1")[0] == ["1.2", "1.3", "1.1"]


def test_gap_page_links_each_row_to_its_tasks_and_evidence(client, login, world):
    campaign = scheme_campaign(world)
    login(world.dept_lead_a)
    page = client.get(reverse("assessments:gaps", args=[campaign.pk])).content.decode()
    assert f"{reverse('campaigns:task_list', args=[campaign.pk])}?q=1.3" in page
    task = campaign.tasks.get(code="1.3")
    assert reverse("campaigns:criterion_evidence", args=[task.pk]) in page
    assert "2 项测评标准未赋分" in page


def _big_campaign(world, items=5, contents=4, standards=5):
    from wenming.campaigns.tests.helpers import open_campaign
    from wenming.frameworks.tests.helpers import big_nodes

    return open_campaign(world, nodes=big_nodes(items, contents, standards), title=f"大体系{items}")


@pytest.mark.parametrize("persona", ["unit_a_admin", "county_a_admin"])
def test_gap_page_queries_do_not_grow_with_the_framework(
    client, login, world, django_assert_max_num_queries, persona
):
    small = _big_campaign(world, 1, 1, 2)
    big = _big_campaign(world, 5, 4, 5)
    tasks = list(big.tasks.order_by("pk")[:30])
    with as_user(world.unit_a_admin):
        for i, t in enumerate(tasks):
            (ev,) = evidence_upload(
                task=t,
                uploads=[SimpleUploadedFile(f"{i}.txt", f"{i}".encode())],
                title=f"材料{i}",
                refers_to=dt.date(2026, 1, 1),
                kind="situation",
                user=world.unit_a_admin,
            )
            if i % 2:
                evidence_review(evidence=ev, accept=True, user=world.unit_a_admin)
    login(getattr(world, persona))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse("assessments:gaps", args=[small.pk]))  # the first request also saves the session
    with CaptureQueriesContext(connection) as small_q:
        assert client.get(reverse("assessments:gaps", args=[small.pk])).status_code == 200
    with django_assert_max_num_queries(20), CaptureQueriesContext(connection) as big_q:
        response = client.get(reverse("assessments:gaps", args=[big.pk]))
    assert response.status_code == 200 and response.content.decode().count('data-testid="gap-row"') == 100
    assert len(big_q) == len(small_q)


def test_round_pages_queries_are_bounded(client, login, world, django_assert_max_num_queries):
    campaign = _big_campaign(world, 5, 4, 5)
    r = self_round(world, campaign)
    login(world.unit_a_admin)
    for name, arg, bound in (
        ("round_detail", r.pk, 22),
        ("round_list", campaign.pk, 16),
        ("compare", campaign.pk, 18),
    ):
        with django_assert_max_num_queries(bound):
            assert client.get(reverse(f"assessments:{name}", args=[arg])).status_code == 200
