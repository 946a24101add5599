"""Every (status, action) pair: legal ones move the finding and write an event and an audit entry;
illegal ones are refused with a Chinese message and change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from wenming.audit.models import AuditEntry
from wenming.inspections import services
from wenming.inspections.models import Finding, FindingAction, Outcome, Status
from wenming.inspections.tests.helpers import new_finding, take

pytestmark = pytest.mark.django_db

# 到期提醒 (remind) is a timeline entry of the scheduler, not a transition: refused below.
PAIRS = [
    (s, a)
    for s in Status.values
    for a in FindingAction.values
    if a not in (FindingAction.CREATE, FindingAction.REMIND)
]
LEGAL = [p for p in PAIRS if p in services.TRANSITIONS]
ILLEGAL = [p for p in PAIRS if p not in services.TRANSITIONS]


def test_the_table_is_the_ledger():
    # The documented ledger: 挂账 → 整改中 → 申请销号 → 复核 → 销号, or back to 整改中.
    T = services.TRANSITIONS
    assert T[(Status.OPEN, "start")].to == Status.RECTIFYING
    assert T[(Status.RECTIFYING, "request_closure")].to == Status.CLOSURE_REQUESTED
    assert T[(Status.CLOSURE_REQUESTED, "begin_review")].to == Status.UNDER_REVIEW
    assert T[(Status.UNDER_REVIEW, "verify")].to == Status.CLOSED
    assert T[(Status.UNDER_REVIEW, "reject")].to == Status.RECTIFYING
    assert T[(Status.CLOSED, "reopen")].to == Status.OPEN
    assert len(LEGAL) == 14 and len(ILLEGAL) == len(PAIRS) - 14


@pytest.mark.parametrize("status,action", LEGAL)
def test_legal_transition(world, status, action):
    finding = new_finding(world, status=status)
    events_before = finding.events.count()
    audits_before = AuditEntry.objects.filter(
        object_type="inspections.finding", object_id=str(finding.pk)
    ).count()

    moved = take(world, finding, action)

    step = services.TRANSITIONS[(status, action)]
    fresh = Finding.objects.get(pk=finding.pk)
    assert fresh.status == step.to == moved.status
    assert fresh.outcome == step.outcome
    assert (fresh.closed_at is not None) == (step.to == Status.CLOSED)
    event = fresh.events.order_by("-id").first()
    assert fresh.events.count() == events_before + 1
    assert (event.action, event.from_status, event.to_status) == (action, status, step.to)
    assert event.actor is not None
    entries = AuditEntry.objects.filter(object_type="inspections.finding", object_id=str(finding.pk))
    assert entries.count() == audits_before + 1
    changes = entries.order_by("-seq").first().changes
    assert changes["step"] == [None, action]
    if status != step.to:
        assert changes["status"] == [status, step.to]
    else:  # a reassignment of an open finding: same status, another unit
        assert changes["responsible_unit_id"] == [world.unit_a.pk, world.unit_b.pk]


@pytest.mark.parametrize("status,action", ILLEGAL)
def test_illegal_transition_is_refused(world, status, action):
    finding = new_finding(world, status=status)
    events_before = finding.events.count()
    with pytest.raises(ValidationError) as exc:
        take(world, finding, action)
    assert "不能执行" in exc.value.messages[0] and str(Status(status).label) in exc.value.messages[0]
    fresh = Finding.objects.get(pk=finding.pk)
    assert fresh.status == status and fresh.events.count() == events_before


@pytest.mark.parametrize("status", Status.values)
def test_a_reminder_is_not_a_transition(world, status):
    finding = new_finding(world, status=status)
    with pytest.raises(ValidationError, match="不能执行"):
        services.finding_transition(finding=finding, action=FindingAction.REMIND, user=world.city_inspector)
    assert Finding.objects.get(pk=finding.pk).status == status


def test_unknown_action_is_refused(world):
    finding = new_finding(world)
    with pytest.raises(ValidationError, match="未知的操作"):
        services.finding_transition(finding=finding, action="explode", user=world.city_inspector)


def test_closed_without_a_fix_keeps_its_reason(world):
    finding = take(
        world, new_finding(world, status=Status.RECTIFYING), "close_unfixed", reason="道路已列入拆迁范围"
    )
    assert finding.status == Status.CLOSED and finding.outcome == Outcome.UNFIXED
    assert finding.events.order_by("-id").first().reason == "道路已列入拆迁范围"


@pytest.mark.parametrize("action", ["reject", "close_unfixed", "reassign", "reopen"])
def test_steps_that_need_a_reason_refuse_without_one(world, action):
    status = {"reject": Status.UNDER_REVIEW, "reopen": Status.CLOSED}.get(action, Status.OPEN)
    finding = new_finding(world, status=status)
    with pytest.raises(ValidationError, match="须填写说明"):
        take(world, finding, action, reason="  ")
    assert Finding.objects.get(pk=finding.pk).status == status


def test_closure_request_needs_an_after_photo(world):
    finding = new_finding(world, status=Status.RECTIFYING)
    with pytest.raises(ValidationError, match="整改后的照片"):
        take(world, finding, "request_closure", reason="已清理", photos=[])
    moved = take(world, finding, "request_closure", reason="已清理")
    event = moved.events.order_by("-id").first()
    assert event.files.count() == 1 and event.files.get().purpose == "整改后照片"


def test_reopen_sets_a_fresh_deadline_and_keeps_history(world):
    finding = new_finding(world, status=Status.CLOSED)
    reopened = take(world, finding, "reopen", reason="复查发现问题反弹")
    assert reopened.status == Status.OPEN and reopened.outcome == "" and reopened.closed_at is None
    assert reopened.deadline == services.deadline_default(
        category=reopened.category, severity=reopened.severity
    )
    assert list(reopened.events.values_list("action", flat=True)) == [
        "create",
        "start",
        "request_closure",
        "begin_review",
        "verify",
        "reopen",
    ]
