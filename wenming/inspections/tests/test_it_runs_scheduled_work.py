"""Scheduled work without a person: reminders before the deadline, 督办函 escalation and the
monthly 通报 draft — each idempotent (a second run in the same period adds nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wenming.audit.context import SYSTEM, acting_as
from wenming.inspections import schedule as jobs
from wenming.inspections import selectors, services
from wenming.inspections.models import (
    Bulletin,
    BulletinDraft,
    Finding,
    FindingAction,
    FindingEvent,
    Status,
    SupervisionLetter,
)
from wenming.inspections.tests.helpers import new_finding, take
from wenming.inspections.tests.test_it_issues_supervision_letters import issue, overdue
from wenming.jobs import schedule
from wenming.jobs.models import ScheduledRun
from wenming.orgs.models import Organisation, OrgKind

pytestmark = pytest.mark.django_db


def reminders(finding) -> int:
    return FindingEvent.objects.filter(finding=finding, action=FindingAction.REMIND).count()


def test_the_three_jobs_are_registered():
    found = schedule.discover()
    assert found["inspections.escalate"].cadence == "每天 02:30"
    assert {"inspections.remind", "inspections.bulletin_drafts"} <= set(found)


def test_reminders_are_recorded_once_per_deadline(client, world, login):
    today = services.local_today()
    soon = new_finding(world)
    later = new_finding(world)
    done = new_finding(world, status=Status.CLOSED)
    Finding.objects.filter(pk=soon.pk).update(deadline=today + dt.timedelta(days=2))
    Finding.objects.filter(pk=later.pk).update(deadline=today + dt.timedelta(days=selectors.REMIND_DAYS + 1))
    Finding.objects.filter(pk=done.pk).update(deadline=today + dt.timedelta(days=1))
    with acting_as(SYSTEM):
        assert jobs.remind() == "已提醒 1 个 3 天内到期的问题"
        assert jobs.remind() == "已提醒 0 个 3 天内到期的问题"  # idempotent
    assert (reminders(soon), reminders(later), reminders(done)) == (1, 0, 0)
    event = FindingEvent.objects.get(finding=soon, action=FindingAction.REMIND)
    assert (
        event.actor is None
        and event.to_status == event.from_status == Status.OPEN
        and "还有 2 天" in event.reason
    )
    login(world.unit_a_admin)
    body = client.get(f"/inspections/findings/{soon.pk}/").content.decode()
    assert "到期提醒" in body and "即将到期" in body and "系统" in body
    # A new deadline (reassignment gives a fresh default deadline) gets a new reminder when it is near.
    soon = take(world, Finding.objects.get(pk=soon.pk), "reassign", reason="非本单位")
    Finding.objects.filter(pk=soon.pk).update(deadline=today + dt.timedelta(days=1))
    with acting_as(SYSTEM):
        services.findings_remind()
        services.findings_remind()
    assert reminders(soon) == 2


def test_escalation_runs_once_from_the_schedule(world):
    overdue(world, 1)
    letter = issue(world)
    SupervisionLetter.objects.filter(pk=letter.pk).update(
        reply_deadline=services.local_today() - dt.timedelta(days=1)
    )
    with acting_as(SYSTEM):
        first = jobs.escalate()
        second = jobs.escalate()
    assert "升级 1 份" in first and "检查 0 份" in second
    assert SupervisionLetter.objects.count() == 2


def test_a_claimed_slot_runs_the_job_through_the_worker_machinery(world):
    today = services.local_today()
    f = new_finding(world)
    Finding.objects.filter(pk=f.pk).update(deadline=today + dt.timedelta(days=1))
    now = timezone.now()
    runs = [r for r in schedule.claim_due(now=now) if r.name == "inspections.remind"]
    assert len(runs) == 1 and not [r for r in schedule.claim_due(now=now) if r.name == "inspections.remind"]
    schedule.run_claimed(runs[0].pk)
    run = ScheduledRun.objects.get(pk=runs[0].pk)
    assert run.summary == "已提醒 1 个 3 天内到期的问题" and reminders(f) == 1


def test_the_monthly_draft_is_made_once_and_issued_by_the_office(client, world, login):
    today = services.local_today()
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - dt.timedelta(days=1)
    f = new_finding(world)
    Finding.objects.filter(pk=f.pk).update(
        created_at=timezone.make_aware(dt.datetime.combine(last_month_end, dt.time(10)))
    )
    with acting_as(SYSTEM):
        made = services.bulletin_drafts_prepare(today=today)
        assert services.bulletin_drafts_prepare(today=today) == 0  # idempotent
        assert jobs.bulletin_drafts() == "上月督查通报草稿均已生成"
    offices = Organisation.objects.filter(kind=OrgKind.OFFICE, is_active=True).count()
    assert made == offices == BulletinDraft.objects.count()
    draft = BulletinDraft.objects.get(office=world.county_a_office)
    assert (draft.period_start, draft.period_end) == (last_month_end.replace(day=1), last_month_end)
    assert draft.figures["findings"]["found"] == 1
    assert BulletinDraft.objects.get(office=world.county_b_office).figures["findings"]["found"] == 0
    # The county admin sees the draft on the bulletins page and issues it.
    login(world.county_a_admin)
    body = client.get("/inspections/bulletins/").content.decode()
    assert 'data-testid="bulletin-drafts"' in body and "审定并编号发布" in body
    assert world.county_b_office.name not in body  # another county's draft is out of scope
    response = client.post(f"/inspections/bulletins/drafts/{draft.pk}/issue/")
    bulletin = Bulletin.objects.get()
    assert response.status_code == 302 and response.url == f"/inspections/bulletins/{bulletin.pk}/"
    assert bulletin.office == world.county_a_office and bulletin.figures["findings"]["found"] == 1
    draft.refresh_from_db()
    assert draft.bulletin == bulletin
    client.post(f"/inspections/bulletins/drafts/{draft.pk}/issue/")
    assert Bulletin.objects.count() == 1  # not twice
    # Another county's admin cannot see or issue it; an inspector cannot issue.
    other = BulletinDraft.objects.get(office=world.county_b_office)
    assert client.post(f"/inspections/bulletins/drafts/{other.pk}/issue/").status_code == 404
    login(world.city_inspector)
    assert client.post(f"/inspections/bulletins/drafts/{other.pk}/issue/").status_code == 403
    assert Bulletin.objects.count() == 1
