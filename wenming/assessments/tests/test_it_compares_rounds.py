"""Rounds side by side: totals, items and each criterion per round, and the change between the
last two; and the round list's verdicts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wenming.assessments import services
from wenming.assessments.models import RoundKind
from wenming.assessments.tests.helpers import full_marks, scheme_campaign, score, self_round, submit
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def test_self_assessment_and_mock_side_by_side(client, login, world):
    campaign = scheme_campaign(world)
    own = self_round(world, campaign)
    full_marks(own, world.unit_a_admin)
    submit(own, world.unit_a_admin)
    with as_user(world.county_a_admin):
        mock = services.round_create(campaign=campaign, kind=RoundKind.MOCK, user=world.county_a_admin)
    full_marks(mock, world.county_a_admin)
    score(mock, world.county_a_admin, "3.1", "2", reason="现场发现卫生死角")
    submit(mock, world.county_a_admin)
    login(world.unit_a_admin)
    page = client.get(reverse("assessments:compare", args=[campaign.pk])).content.decode()
    assert "第 1 次自评" in page and "第 1 次模拟测评" in page
    total = page.split('data-testid="compare-total"')[1].split("</tr>")[0]
    assert ">15<" in total and ">12<" in total and "-3" in total
    row = page.split('data-code="3.1"')[1].split("</tr>")[0]
    assert "现场发现卫生死角" in row and "-3" in row
    # choosing one round shows only that one
    page = client.get(reverse("assessments:compare", args=[campaign.pk]) + f"?r={mock.pk}").content.decode()
    assert page.count('data-testid="compare-row"') == 6 and "变化" not in page
    listing = client.get(reverse("assessments:round_list", args=[campaign.pk])).content.decode()
    assert listing.count('data-testid="round-row"') == 2 and "达到优秀" in listing and "达到合格" in listing


def test_bad_date_and_unknown_kind_are_refused_with_a_message(client, login, world):
    campaign = scheme_campaign(world)
    login(world.unit_a_admin)
    url = reverse("assessments:round_create", args=[campaign.pk])
    response = client.post(url, {"kind": "self", "conducted_on": "2026-13-40"}, follow=True)
    assert "测评日期格式不正确" in response.content.decode()
    response = client.post(url, {"kind": "other"}, follow=True)
    assert "测评类别无效" in response.content.decode()
    assert not campaign.rounds.exists()
