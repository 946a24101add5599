"""The demo: 东城区综合行政执法局's 市级文明单位 campaign on the city's weighted framework, alive today."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model

from wenming.audit.services import audit_verify
from wenming.campaigns import demo
from wenming.campaigns.models import Campaign, TaskStatus
from wenming.campaigns.services import local_today
from wenming.frameworks import demo as frameworks_demo
from wenming.frameworks.models import FrameworkStatus
from wenming.orgs import demo as orgs_demo
from wenming.orgs.access import scoped
from wenming.web.tests.test_seed_demo import _clear_world

pytestmark = pytest.mark.django_db


def test_demo_campaign_has_done_overdue_and_due_soon_work():
    _clear_world()
    orgs_demo.seed(stdout=io.StringIO())
    frameworks_demo.seed(stdout=io.StringIO())
    out = io.StringIO()
    demo.seed(stdout=out)
    demo.seed(stdout=out)  # idempotent
    c = Campaign.objects.get(title=demo.TITLE)
    assert c.unit.name == "东城区综合行政执法局" and c.target_label == "市级文明单位"
    assert c.framework.status == FrameworkStatus.FROZEN and c.framework.title == frameworks_demo.DEMO_TITLE
    today = local_today()
    assert c.start_date < today < c.acceptance_date
    tasks = c.tasks.all()
    assert tasks.count() == 45 and not tasks.filter(department__isnull=True).exists()
    assert tasks.filter(status=TaskStatus.DONE).exists()
    assert tasks.filter(due_date__lt=today).exclude(status=TaskStatus.DONE).exists()
    assert tasks.filter(due_date__gte=today, due_date__lte=today + demo.dt.timedelta(days=7)).exists()
    lead = get_user_model().objects.get(username="dept_lead")
    assert scoped(tasks, lead).filter(assignee=lead).exists()
    assert c.group_members.count() == 6
    from wenming.campaigns.models import EvidenceStatus

    statuses = set(c.evidence.values_list("status", flat=True))
    assert statuses == set(EvidenceStatus.values)
    assert c.evidence.filter(kind="link", file__isnull=True, status=EvidenceStatus.ACCEPTED).count() == 1
    (binder,) = c.binders.all()
    accepted_files = c.evidence.filter(status=EvidenceStatus.ACCEPTED, file__isnull=False).count()
    assert binder.ready and binder.files == accepted_files > 0
    _, broken, reason = audit_verify()
    assert broken is None, reason
