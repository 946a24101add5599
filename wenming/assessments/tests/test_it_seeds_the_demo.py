"""The demo: a submitted 自评 and a submitted 模拟测评 on the demo campaign, consistent with its tasks
and evidence, shown on the gap list."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model

from wenming.assessments import demo, selectors
from wenming.assessments.models import Round, RoundKind, Score
from wenming.audit.services import audit_verify
from wenming.campaigns import demo as campaigns_demo
from wenming.campaigns.services import local_today
from wenming.frameworks import demo as frameworks_demo
from wenming.orgs import demo as orgs_demo
from wenming.web.tests.test_seed_demo import _clear_world

pytestmark = pytest.mark.django_db


def test_demo_has_a_finished_self_assessment_and_a_mock():
    _clear_world()
    orgs_demo.seed(stdout=io.StringIO())
    frameworks_demo.seed(stdout=io.StringIO())
    campaigns_demo.seed(stdout=io.StringIO())
    out = io.StringIO()
    demo.seed(stdout=out)
    demo.seed(stdout=out)  # idempotent
    own = Round.objects.get(kind=RoundKind.SELF)
    mock = Round.objects.get(kind=RoundKind.MOCK)
    assert own.is_locked and mock.is_locked and mock.conducted_by.name == "东城区文明办"
    assert own.created_by == get_user_model().objects.get(username="unit_admin")
    assert Score.objects.filter(round=own).count() == 45
    below = Score.objects.filter(round=own).exclude(reason="")
    assert below.exists() and all("示范" in s.reason for s in below)
    assert Score.objects.filter(round=own, evidence__isnull=False).exists()
    items = selectors.framework_items(framework=own.campaign.framework)
    results = selectors.results_for(rounds=[own, mock], items=items)
    assert results[mock.pk].total < results[own.pk].total <= 100
    rows, basis, _ = selectors.gap_rows(campaign=own.campaign, today=local_today())
    assert basis == mock and rows[0].risk > 0
    assert "提交了第 1 次自评" in out.getvalue()
    assert audit_verify()[1] is None
