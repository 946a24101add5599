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
    main = {"campaign__title": campaigns_demo.TITLE}
    own = Round.objects.get(kind=RoundKind.SELF, **main)
    mock = Round.objects.get(kind=RoundKind.MOCK, **main)
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


def test_demo_shows_campaigns_at_every_stage_on_the_heatmap():
    """Besides the main campaign: one just opened (nothing done), one twelve days from acceptance
    with photos among its accepted evidence and a submitted 自评 and 模拟测评, one accepted with its
    正式测评 — and the city's heatmap lists each unit with a submitted round."""
    from wenming.campaigns.models import Campaign, CampaignStatus, EvidenceStatus, TaskStatus
    _clear_world()
    orgs_demo.seed(stdout=io.StringIO())
    frameworks_demo.seed(stdout=io.StringIO())
    # In seed_demo's order: the stand-in 创建办 logins of these units (the inspections demo's) do
    # not exist yet; the campaigns demo makes them.
    campaigns_demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    campaigns_demo.seed(stdout=io.StringIO())  # idempotent
    demo.seed(stdout=io.StringIO())
    early, near, accepted = (Campaign.objects.get(title=s.title) for s in campaigns_demo.STAGES)
    today = local_today()
    assert early.start_date < today < early.acceptance_date
    assert not early.evidence.exists() and not early.tasks.filter(status=TaskStatus.DONE).exists()
    assert not Round.objects.filter(campaign=early).exists()
    assert today < near.acceptance_date <= today + campaigns_demo.dt.timedelta(days=12)
    photos = near.evidence.filter(kind="image", status=EvidenceStatus.ACCEPTED)
    assert photos.exists() and all(e.file.blob.mime == "image/png" for e in photos.select_related("file__blob"))
    assert near.tasks.filter(status=TaskStatus.DONE).count() > near.tasks.count() // 2
    assert set(Round.objects.filter(campaign=near).values_list("kind", flat=True)) == {"self", "mock"}
    assert accepted.status == CampaignStatus.ACCEPTED and accepted.acceptance_date < today
    # Every criterion of the accepted campaign has accepted evidence of each type it asks for.
    from wenming.campaigns.evidence import evidence_counts

    counts = evidence_counts(campaign=accepted)
    for task in accepted.tasks.select_related("criterion"):
        required = set(task.criterion.evidence_types or []) or {"situation"}
        assert required <= counts[task.criterion_id]["kinds"], task.code
    formal = Round.objects.get(campaign=accepted, kind=RoundKind.FORMAL)
    assert formal.is_locked and formal.conducted_by.name == "示范市文明办" and formal.conducted_on < today
    assert all(r.is_locked for r in Round.objects.all())
    city_inspector = get_user_model().objects.get(username="city_inspector")
    heat = selectors.heatmap(user=city_inspector)
    with_scores = {row.unit["name"] for row in heat.rows if row.round is not None and row.rate is not None}
    assert {"东城区综合行政执法局", "东城区人民医院", "西湖区综合行政执法局"} <= with_scores
    assert "东城区市场监督管理局" not in with_scores
    assert audit_verify()[1] is None
