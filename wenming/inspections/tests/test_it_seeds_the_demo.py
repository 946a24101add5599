"""The demo: points with 包保 units and findings in every state, through the services."""

from __future__ import annotations

import io

import pytest

from wenming.audit.services import audit_verify
from wenming.inspections import demo
from wenming.inspections.models import (
    Bulletin,
    Finding,
    FindingEvent,
    Inspection,
    InspectionPoint,
    InspectionTarget,
    Outcome,
    PublicReport,
    Ranking,
    RankingEntry,
    Status,
    SupervisionLetter,
)
from wenming.orgs import demo as orgs_demo
from wenming.web.tests.test_seed_demo import _clear_world

pytestmark = pytest.mark.django_db


def _fingerprint():
    return (
        list(
            InspectionPoint.objects.order_by("name").values_list(
                "name", "region_code", "responsible_unit__name"
            )
        ),
        list(
            Finding.objects.order_by("description").values_list(
                "description", "status", "outcome", "responsible_unit__name"
            )
        ),
        list(
            FindingEvent.objects.order_by("finding__description", "id").values_list(
                "finding__description", "action"
            )
        ),
        list(
            InspectionTarget.objects.order_by("inspection__title", "position").values_list(
                "inspection__title", "point__name"
            )
        ),
        list(
            RankingEntry.objects.order_by("position").values_list("position", "unit__name", "score", "listed")
        ),
        list(
            SupervisionLetter.objects.order_by("seq", "findings__description").values_list(
                "seq", "unit__name", "findings__description"
            )
        ),
    )


def test_demo_has_every_state_and_is_deterministic():
    _clear_world()
    orgs_demo.seed(stdout=io.StringIO())
    out = io.StringIO()
    demo.seed(stdout=out)
    assert "个点位" in out.getvalue()
    statuses = set(Finding.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    outcomes = set(Finding.objects.filter(status=Status.CLOSED).values_list("outcome", flat=True))
    assert outcomes == {Outcome.FIXED, Outcome.UNFIXED}
    assert FindingEvent.objects.filter(action="reassign", time_lost__isnull=False).exists()
    assert FindingEvent.objects.filter(action="reopen").exists()
    assert Finding.objects.filter(
        status__in=[Status.OPEN, Status.RECTIFYING], deadline__lt=demo.dt.date.today()
    ).exists()
    # The demo unit admin (东城区综合行政执法局) has findings to rectify.
    assert Finding.objects.filter(responsible_unit__name="东城区综合行政执法局").exists()
    assert Inspection.objects.get(kind="random").sample_seed == 20260301
    assert InspectionTarget.objects.count() == 4
    letter = SupervisionLetter.objects.get()
    assert letter.seq == 1 and letter.unit.name == "西湖区综合行政执法局" and letter.findings.count() == 2
    bulletin = Bulletin.objects.get()
    assert (
        bulletin.office.name == "示范市文明办"
        and bulletin.figures["findings"]["found"]
        == Finding.objects.filter(created_at__date__gte=bulletin.period_start).count()
    )
    ranking = Ranking.objects.get()
    assert ranking.status == "published" and ranking.entries.filter(listed="black").exists()
    # Every finding belongs to the demo inspection, except the one a 随手拍 became.
    assert list(
        Finding.objects.filter(inspection__isnull=True).values_list("public_report__status", flat=True)
    ) == ["accepted"]
    assert sorted(PublicReport.objects.values_list("status", flat=True)) == [
        "accepted",
        "pending",
        "rejected",
    ]
    first = _fingerprint()
    demo.seed(stdout=out)  # a second run changes nothing
    assert _fingerprint() == first
    _clear_world()  # and the same data again from scratch
    orgs_demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    assert _fingerprint() == first
    _, broken, reason = audit_verify()
    assert broken is None, reason
