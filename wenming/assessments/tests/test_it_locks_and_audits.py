"""A submitted round is locked; submitting needs every weighted criterion scored and every veto
condition checked; each score change leaves an audit entry with before → after."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from wenming.assessments import services
from wenming.assessments.models import RoundStatus, Score
from wenming.assessments.tests.helpers import crit, full_marks, scheme_campaign, score, self_round, submit
from wenming.audit.models import Action, AuditEntry
from wenming.audit.services import audit_verify
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def rnd(world):
    return self_round(world, scheme_campaign(world))


def test_submit_needs_every_weighted_criterion_scored(world, rnd):
    score(rnd, world.unit_a_admin, "1.1", "4")
    with pytest.raises(ValidationError, match="还有 3 项测评标准未评分"):
        submit(rnd, world.unit_a_admin)


def test_submit_needs_the_veto_check(world, rnd):
    full_marks(rnd, world.unit_a_admin)
    veto = rnd.campaign.framework.veto_conditions.first()
    with as_user(world.unit_a_admin):
        services.round_extras_save(round=rnd, user=world.unit_a_admin, veto={veto.pk: (None, "")})
    with pytest.raises(ValidationError, match="请逐项核查否决情形"):
        submit(rnd, world.unit_a_admin)


def test_unweighted_criteria_may_stay_blank_and_a_submitted_round_is_locked(world, rnd):
    full_marks(rnd, world.unit_a_admin)
    submitted = submit(rnd, world.unit_a_admin)
    assert submitted.status == RoundStatus.SUBMITTED and submitted.submitted_by == world.unit_a_admin
    with pytest.raises(ValidationError, match="该测评已提交，已锁定，不能再修改"):
        score(rnd, world.unit_a_admin, "1.1", "3", reason="改分")
    with pytest.raises(ValidationError, match="已锁定"), as_user(world.unit_a_admin):
        services.round_extras_save(round=rnd, user=world.unit_a_admin, summary="改总体评价")
    with pytest.raises(ValidationError, match="已锁定"):
        submit(rnd, world.unit_a_admin)
    assert Score.objects.get(round=rnd, criterion__code="1.1").points == 4


def test_every_score_change_is_audited_with_before_and_after(world, rnd):
    c11 = crit(rnd.campaign, "1.1")
    entries = AuditEntry.objects.filter(object_type="assessments.score")
    score(rnd, world.unit_a_admin, "1.1", "4")
    score(rnd, world.unit_a_admin, "1.1", "4")  # unchanged: no entry
    score(rnd, world.unit_a_admin, "1.1", "2.5", reason="发文不全")
    score(rnd, world.unit_a_admin, "1.1", "")
    log = list(entries.order_by("seq"))
    assert [e.action for e in log] == [Action.CREATE, Action.UPDATE, Action.DELETE]
    assert log[0].changes["points"] == [None, "4.00"]
    assert log[1].changes["points"] == ["4.00", "2.50"] and log[1].changes["reason"] == ["", "发文不全"]
    assert log[1].actor_id == world.unit_a_admin.pk and log[1].org_id == world.unit_a.pk
    assert log[2].changes["points"] == ["2.50", None]
    assert all(e.object_repr.endswith(c11.code) for e in log)
    assert audit_verify()[1] is None


def test_submit_adjustments_and_veto_are_audited(world, rnd):
    full_marks(rnd, world.unit_a_admin)
    b1 = rnd.campaign.framework.adjustments.get(code="B1")
    with as_user(world.unit_a_admin):
        services.round_extras_save(round=rnd, user=world.unit_a_admin, adjustments={b1.pk: (1, "市级表彰")})
    submit(rnd, world.unit_a_admin)
    changes = [e.changes for e in AuditEntry.objects.filter(object_type="assessments.round").order_by("seq")]
    assert any("加分 B1" in c for c in changes)
    assert any(any(k.startswith("否决情形") for k in c) for c in changes)
    assert changes[-1]["status"] == ["draft", "submitted"]


def test_submit_stores_the_item_totals_in_hundredths(world, rnd):
    from wenming.assessments.models import ItemTotal

    full_marks(rnd, world.unit_a_admin)
    score(rnd, world.unit_a_admin, "1.3", "4", reason="缺一项制度")  # 1.80 of 3
    assert not ItemTotal.objects.filter(round=rnd).exists()  # written at submit only
    submit(rnd, world.unit_a_admin)
    totals = {t.code: (t.points_x100, t.full_x100) for t in ItemTotal.objects.filter(round=rnd)}
    assert totals == {"1": (880, 1000), "3": (500, 500)}  # item 2 has no score: no row
