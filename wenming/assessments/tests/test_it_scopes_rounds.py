"""Who may see and score: the unit's admin runs its 自评 (department leads read), offices above the
unit run 模拟测评 / record 正式测评 (the unit sees them once submitted), outsiders get 404."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from wenming.assessments import services
from wenming.assessments.models import Round, RoundKind, Score
from wenming.assessments.tests.helpers import crit, full_marks, scheme_campaign, self_round, submit
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(world):
    return scheme_campaign(world)


def _mock(world, campaign, user=None):
    user = user or world.county_a_admin
    with as_user(user):
        return services.round_create(campaign=campaign, kind=RoundKind.MOCK, user=user)


def test_outsider_and_other_county_get_404(client, login, world, campaign):
    r = self_round(world, campaign)
    for user in (world.outsider, world.county_b_admin):
        login(user)
        for name, arg in (
            ("round_detail", r.pk),
            ("round_report", r.pk),
            ("round_list", campaign.pk),
            ("gaps", campaign.pk),
            ("compare", campaign.pk),
        ):
            assert client.get(reverse(f"assessments:{name}", args=[arg])).status_code == 404, (user, name)
        assert client.post(reverse("assessments:scores_save", args=[r.pk])).status_code == 404
        assert (
            client.post(reverse("assessments:round_create", args=[campaign.pk]), {"kind": "self"}).status_code
            == 404
        )


def test_other_units_campaign_is_404_for_a_unit_admin(client, login, world):
    other = scheme_campaign(world, unit=world.unit_b, admin=world.outsider, title="西湖体系")
    login(world.unit_a_admin)
    assert client.get(reverse("assessments:round_list", args=[other.pk])).status_code == 404
    assert client.get(reverse("assessments:gaps", args=[other.pk])).status_code == 404


def test_unit_admin_scores_through_the_page(client, login, world, campaign):
    login(world.unit_a_admin)
    response = client.post(reverse("assessments:round_create", args=[campaign.pk]), {"kind": "self"})
    r = Round.objects.get(campaign=campaign)
    assert response.status_code == 302 and r.kind == RoundKind.SELF and r.title == "第 1 次自评"
    c11, c12 = crit(campaign, "1.1"), crit(campaign, "1.2")
    url = reverse("assessments:scores_save", args=[r.pk])
    response = client.post(
        url, {"item": "1", "criterion": [c11.pk, c12.pk], f"v-{c11.pk}": "3", f"v-{c12.pk}": "A"}
    )
    assert response.status_code == 400
    assert "未得满分，请填写扣分理由" in response.content.decode()
    assert not Score.objects.filter(round=r).exists()
    response = client.post(
        url,
        {
            "item": "1",
            "criterion": [c11.pk, c12.pk],
            f"v-{c11.pk}": "3",
            f"r-{c11.pk}": "缺会议记录",
            f"v-{c12.pk}": "A",
        },
    )
    assert response.status_code == 302
    assert Score.objects.filter(round=r).count() == 2
    page = client.get(reverse("assessments:round_detail", args=[r.pk]) + "?item=1").content.decode()
    assert "缺会议记录" in page and "提交并锁定" in page


def test_department_lead_reads_but_does_not_score(client, login, world, campaign):
    r = self_round(world, campaign)
    login(world.dept_lead_a)
    page = client.get(reverse("assessments:round_detail", args=[r.pk]))
    assert page.status_code == 200 and "保存本项目评分" not in page.content.decode()
    c11 = crit(campaign, "1.1")
    response = client.post(
        reverse("assessments:scores_save", args=[r.pk]),
        {"item": "1", "criterion": [c11.pk], f"v-{c11.pk}": "4"},
    )
    assert response.status_code == 403
    response = client.post(reverse("assessments:round_create", args=[campaign.pk]), {"kind": "self"})
    assert response.status_code == 403
    assert not Score.objects.exists()


def test_unit_cannot_run_a_mock_and_office_cannot_score_a_self_assessment(world, campaign):
    with pytest.raises(PermissionDenied), as_user(world.unit_a_admin):
        services.round_create(campaign=campaign, kind=RoundKind.MOCK, user=world.unit_a_admin)
    r = self_round(world, campaign)
    with pytest.raises(PermissionDenied), as_user(world.county_a_admin):
        services.scores_save(
            round=r, entries=[services.ScoreInput(crit(campaign, "1.1").pk, "4")], user=world.county_a_admin
        )
    with pytest.raises(PermissionDenied), as_user(world.county_b_admin):
        services.round_create(campaign=campaign, kind=RoundKind.MOCK, user=world.county_b_admin)


def test_mock_assessment_by_the_office_is_shown_to_the_unit_once_submitted(client, login, world, campaign):
    mock = _mock(world, campaign)
    assert mock.conducted_by == world.county_a_office  # the nearest office above the unit
    full_marks(mock, world.county_a_admin)
    # another office's staff (the city's inspector) may not score the county's round
    with pytest.raises(PermissionDenied), as_user(world.city_inspector):
        services.scores_save(
            round=mock,
            entries=[services.ScoreInput(crit(campaign, "1.1").pk, "4")],
            user=world.city_inspector,
        )
    login(world.unit_a_admin)
    assert client.get(reverse("assessments:round_detail", args=[mock.pk])).status_code == 404
    assert (
        "模拟测评"
        not in client.get(reverse("assessments:round_list", args=[campaign.pk]))
        .content.decode()
        .split("开展测评")[0]
    )
    submit(mock, world.county_a_admin)
    assert client.get(reverse("assessments:round_detail", args=[mock.pk])).status_code == 200
    login(world.city_inspector)
    assert client.get(reverse("assessments:round_detail", args=[mock.pk])).status_code == 200
    with as_user(world.city_inspector):
        city_mock = services.round_create(campaign=campaign, kind=RoundKind.MOCK, user=world.city_inspector)
    assert city_mock.conducted_by == world.city_office and city_mock.number == 2


def test_formal_result_is_recorded_by_the_office(world, campaign):
    with as_user(world.city_admin):
        r = services.round_create(campaign=campaign, kind=RoundKind.FORMAL, user=world.city_admin)
    full_marks(r, world.city_admin)
    assert submit(r, world.city_admin).is_locked
