"""Each scoring path through a round: fixed points, grade bands, N of M, criteria without a score,
the reason below full marks, bonus/deduction with caps, the veto check and the level reached."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from wenming.assessments import selectors, services
from wenming.assessments.models import Score
from wenming.assessments.tests.helpers import crit, full_marks, scheme_campaign, score, self_round
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def rnd(world):
    return self_round(world, scheme_campaign(world))


def _score(rnd, code) -> Score:
    return Score.objects.get(round=rnd, criterion__code=code)


def _errors(rnd, user, code, value, reason=""):
    with pytest.raises(services.ScoreErrors) as exc:
        score(rnd, user, code, value, reason)
    return exc.value.by_criterion[crit(rnd.campaign, code).pk]


def _result(rnd):
    items = selectors.framework_items(framework=rnd.campaign.framework)
    return selectors.results_for(rounds=[rnd], items=items)[rnd.pk]


def test_fixed_points_full_marks_need_no_reason(world, rnd):
    score(rnd, world.unit_a_admin, "1.1", "4")
    s = _score(rnd, "1.1")
    assert (s.points, s.full, s.reason) == (Decimal("4.00"), Decimal("4.00"), "")


def test_fixed_points_below_full_need_a_reason(world, rnd):
    assert _errors(rnd, world.unit_a_admin, "1.1", "3.5") == "未得满分，请填写扣分理由"
    assert not Score.objects.filter(round=rnd).exists()
    score(rnd, world.unit_a_admin, "1.1", "3.5", reason="领导小组调整后未及时发文")
    assert _score(rnd, "1.1").points == Decimal("3.50")


@pytest.mark.parametrize(
    "value, message",
    [
        ("5", "得分不能超过本项分值 4"),
        ("-1", "得分不能为负数"),
        ("1.555", "得分最多保留两位小数"),
        ("abc", "得分“abc”不是数字"),
    ],
)
def test_fixed_points_out_of_range_are_refused(world, rnd, value, message):
    assert _errors(rnd, world.unit_a_admin, "1.1", value, reason="x") == message


def test_grade_bands_give_the_band_points(world, rnd):
    assert _errors(rnd, world.unit_a_admin, "1.2", "B") == "未得满分，请填写扣分理由"
    score(rnd, world.unit_a_admin, "1.2", "B", reason="计划未细化到科室")
    s = _score(rnd, "1.2")
    assert (s.grade, s.points) == ("B", Decimal("2.00"))
    assert _errors(rnd, world.unit_a_admin, "1.2", "E", reason="x") == "没有等级“E”"
    score(rnd, world.unit_a_admin, "1.2", "A")
    assert (_score(rnd, "1.2").points, _score(rnd, "1.2").reason) == (Decimal("3.00"), "")


def test_n_of_m_picks_the_band_by_the_count_met(world, rnd):
    score(rnd, world.unit_a_admin, "1.3", "4", reason="缺少一项制度")
    s = _score(rnd, "1.3")
    assert (s.met_count, s.grade, s.points) == (4, "B", Decimal("1.80"))
    score(rnd, world.unit_a_admin, "1.3", "0", reason="制度均未建立")
    s = _score(rnd, "1.3")
    assert (s.met_count, s.grade, s.points) == (0, "", Decimal("0.00"))
    score(rnd, world.unit_a_admin, "1.3", "7")
    assert _score(rnd, "1.3").points == Decimal("3.00")
    assert _errors(rnd, world.unit_a_admin, "1.3", "2.5", reason="x") == "达标项数须为非负整数"


def test_criteria_without_a_score_record_a_judgement_but_no_points(world, rnd):
    assert _errors(rnd, world.unit_a_admin, "2.1", "未达标") == "未得满分，请填写扣分理由"
    assert _errors(rnd, world.unit_a_admin, "2.1", "3") == "请选择达标或未达标"
    score(rnd, world.unit_a_admin, "2.1", "未达标", reason="学习记录不全")
    score(rnd, world.unit_a_admin, "2.2", "3")
    a, b = _score(rnd, "2.1"), _score(rnd, "2.2")
    assert (a.grade, a.points, a.full) == ("未达标", None, None)
    assert (b.grade, b.met_count, b.points, b.full) == ("好", 3, None, None)
    res = _result(rnd)
    assert res.unweighted == 2
    item2 = next(x for x in res.items if x.item.code == "2")
    assert (item2.full, item2.points, item2.rate) == (None, Decimal(0), None)
    assert res.full == Decimal(15)  # items 1 and 3 only


def test_a_blank_value_clears_a_score(world, rnd):
    score(rnd, world.unit_a_admin, "1.1", "4")
    score(rnd, world.unit_a_admin, "1.1", "")
    assert not Score.objects.filter(round=rnd).exists()


def test_one_bad_row_saves_nothing(world, rnd):
    c = rnd.campaign
    with as_user(world.unit_a_admin), pytest.raises(services.ScoreErrors) as exc:
        services.scores_save(
            round=rnd,
            entries=[
                services.ScoreInput(crit(c, "1.1").pk, "4"),
                services.ScoreInput(crit(c, "1.2").pk, "C"),
            ],
            user=world.unit_a_admin,
        )
    assert list(exc.value.by_criterion) == [crit(c, "1.2").pk]
    assert not Score.objects.filter(round=rnd).exists()


def test_a_parent_criterion_is_not_scored(world, rnd):
    assert _errors(rnd, world.unit_a_admin, "1", "10") == "该测评标准不属于本次测评"


def test_totals_bonus_deduction_caps_and_levels(world, rnd):
    full_marks(rnd, world.unit_a_admin)
    res = _result(rnd)
    assert (res.base, res.full, res.total, res.missing) == (Decimal(15), Decimal(15), Decimal(15), 0)
    assert res.reached.title == "优秀"
    c = rnd.campaign.framework
    b1, d1 = c.adjustments.get(code="B1"), c.adjustments.get(code="D1")
    score(rnd, world.unit_a_admin, "3.1", "1", reason="环境卫生死角多")
    with as_user(world.unit_a_admin):
        services.round_extras_save(
            round=rnd, user=world.unit_a_admin, adjustments={b1.pk: (5, "五次表彰"), d1.pk: (1, "")}
        )
    res = _result(rnd)
    # base 11 + bonus min(5×1, cap 2) − deduction 2 = 11
    assert (res.base, res.bonus, res.deduction, res.total) == (
        Decimal(11),
        Decimal(2),
        Decimal(2),
        Decimal(11),
    )
    assert res.reached.title == "合格"
    with as_user(world.unit_a_admin):
        services.round_extras_save(round=rnd, user=world.unit_a_admin, adjustments={d1.pk: (4, "")})
    assert _result(rnd).deduction == Decimal(3)  # capped per item


def test_a_veto_condition_found_reaches_no_level(world, rnd):
    full_marks(rnd, world.unit_a_admin)
    veto = rnd.campaign.framework.veto_conditions.first()
    with as_user(world.unit_a_admin):
        services.round_extras_save(round=rnd, user=world.unit_a_admin, veto={veto.pk: (True, "2025 年发生")})
    res = _result(rnd)
    assert res.vetoed and res.reached is None and res.total == Decimal(15)


def test_evidence_relied_on_must_be_the_criterions(world, rnd):
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from wenming.campaigns.evidence import evidence_upload

    c = rnd.campaign
    task11 = c.tasks.get(code="1.1")
    task12 = c.tasks.get(code="1.2")
    with as_user(world.unit_a_admin):
        (ev,) = evidence_upload(
            task=task11,
            uploads=[SimpleUploadedFile("a.txt", b"a\n")],
            title="发文",
            refers_to=dt.date(2026, 2, 1),
            kind="document",
            user=world.unit_a_admin,
        )
        (other,) = evidence_upload(
            task=task12,
            uploads=[SimpleUploadedFile("b.txt", b"b\n")],
            title="计划",
            refers_to=dt.date(2026, 2, 1),
            kind="document",
            user=world.unit_a_admin,
        )
    assert "不属于该测评标准" in _errors_with_evidence(rnd, world, "1.1", [other.pk])
    score(rnd, world.unit_a_admin, "1.1", "4", evidence=[ev.pk])
    assert list(_score(rnd, "1.1").evidence.values_list("pk", flat=True)) == [ev.pk]


def _errors_with_evidence(rnd, world, code, ids):
    with pytest.raises(services.ScoreErrors) as exc:
        score(rnd, world.unit_a_admin, code, "4", evidence=ids)
    return exc.value.by_criterion[crit(rnd.campaign, code).pk]


def test_one_round_of_a_kind_in_progress_at_a_time(world, rnd):
    with pytest.raises(ValidationError, match="已有一次评分中的自评"):
        self_round(world, rnd.campaign)


def test_a_closed_campaign_takes_no_new_round(world, rnd):
    from wenming.campaigns.models import Campaign, CampaignStatus

    Campaign.objects.filter(pk=rnd.campaign_id).update(status=CampaignStatus.CLOSED)
    rnd.campaign.refresh_from_db()
    with pytest.raises(ValidationError, match="该创建活动已终止"), as_user(world.county_a_admin):
        services.round_create(campaign=rnd.campaign, kind="mock", user=world.county_a_admin)
