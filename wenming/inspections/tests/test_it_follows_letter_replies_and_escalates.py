"""督办函 replies and automatic escalation: the unit replies in writing (text + file); a letter
whose reply deadline passed unanswered escalates to the next configured level once, and only
while its findings are still overdue; the levels are configurable per office."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from wenming.files.tests.samples import upload
from wenming.inspections import services
from wenming.inspections.models import EscalationLevel, Finding, Status, SupervisionLetter
from wenming.inspections.tests.helpers import new_finding, take
from wenming.inspections.tests.test_it_issues_supervision_letters import issue, overdue
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def _after_deadline(letter) -> dt.date:
    return letter.reply_deadline + dt.timedelta(days=1)


def test_reply_status_moves_from_waiting_to_replied_or_overdue(world):
    overdue(world, 1)
    letter = issue(world)
    today = services.local_today()
    assert letter.reply_status(today) == "待回复"
    assert letter.reply_status(_after_deadline(letter)) == "逾期未回复"
    with as_user(world.unit_a_admin):
        services.letter_reply(
            letter=letter,
            user=world.unit_a_admin,
            text="已组织清理，见附件",
            upload=upload(b"reply\n", name="回复.txt"),
        )
    letter.refresh_from_db()
    assert letter.reply_status(_after_deadline(letter)) == "已回复"
    assert letter.reply_file.organisation == world.unit_a
    with as_user(world.unit_a_admin), pytest.raises(ValidationError, match="已回复"):
        services.letter_reply(letter=letter, user=world.unit_a_admin, text="再次回复")


def test_only_the_addressed_unit_replies(world):
    overdue(world, 1)
    letter = issue(world)
    for user in (world.city_inspector, world.dept_lead_a, world.outsider):
        with as_user(user), pytest.raises(PermissionDenied):
            services.letter_reply(letter=letter, user=user, text="x")
    with as_user(world.unit_a_admin), pytest.raises(ValidationError, match="回复内容"):
        services.letter_reply(letter=letter, user=world.unit_a_admin, text="  ")


def test_the_reply_page_flow(client, world, login):
    overdue(world, 1)
    letter = issue(world)
    login(world.unit_a_admin)
    page = client.get(f"/inspections/letters/{letter.pk}/").content.decode()
    assert "待回复" in page and 'data-testid="reply-form"' in page
    response = client.post(
        f"/inspections/letters/{letter.pk}/reply/",
        {"text": "已整改", "file": upload(b"%PDF-1.4\n%%EOF\n", name="回复.pdf")},
    )
    assert response.status_code == 302
    page = client.get(f"/inspections/letters/{letter.pk}/").content.decode()
    assert "已回复" in page and "已整改" in page
    assert client.get(f"/inspections/letters/{letter.pk}/reply/file/").status_code == 200
    login(world.city_inspector)
    assert "已回复" in client.get("/inspections/letters/").content.decode()


def test_an_unanswered_letter_escalates_once(world):
    overdue(world, 2)
    first = issue(world)
    day = _after_deadline(first)
    assert services.letters_escalate(today=first.reply_deadline) == {"checked": 0, "issued": 0, "resolved": 0}
    done = services.letters_escalate(today=day)
    assert done == {"checked": 1, "issued": 1, "resolved": 0}
    first.refresh_from_db()
    second = first.escalated_to
    assert second.level == 2 and second.title == services.ESCALATION_LEVELS[1][0]
    assert second.office == first.office and second.unit == world.unit_a and second.issued_by is None
    assert set(second.findings.all()) == set(first.findings.all())
    assert second.reply_deadline == day + dt.timedelta(days=services.ESCALATION_LEVELS[1][1])
    assert "自动升级" in first.escalation_note
    # Idempotent: again the same day, and the next day, nothing new for the first letter.
    assert services.letters_escalate(today=day)["issued"] == 0
    assert services.letters_escalate(today=day + dt.timedelta(days=1))["issued"] == 0
    assert SupervisionLetter.objects.count() == 2
    # The second letter escalates in its turn, to level 3, and the last level repeats.
    services.letters_escalate(today=_after_deadline(second))
    third = SupervisionLetter.objects.get(pk=SupervisionLetter.objects.get(pk=second.pk).escalated_to_id)
    assert third.level == 3
    services.letters_escalate(today=_after_deadline(third))
    assert SupervisionLetter.objects.order_by("-pk").first().level == 3


def test_a_replied_or_resolved_letter_does_not_escalate(world):
    overdue(world, 1)
    replied = issue(world)
    with as_user(world.unit_a_admin):
        services.letter_reply(letter=replied, user=world.unit_a_admin, text="已整改")
    assert services.letters_escalate(today=_after_deadline(replied))["checked"] == 0

    found = overdue(world, 1, days=6)
    SupervisionLetter.objects.all().delete()
    letter = issue(world)
    for f in Finding.objects.filter(letters=letter):
        take(world, f, "close_unfixed")
    done = services.letters_escalate(today=_after_deadline(letter))
    assert done == {"checked": 1, "issued": 0, "resolved": 1}
    letter.refresh_from_db()
    assert letter.escalated_to is None and "未升级" in letter.escalation_note and found


def test_the_management_command_is_meant_for_cron(world, capsys):
    overdue(world, 1)
    letter = issue(world)
    day = _after_deadline(letter).isoformat()
    call_command("inspections_escalate", "--date", day)
    call_command("inspections_escalate", "--date", day)
    out = capsys.readouterr().out
    assert "升级 1 份" in out and "升级 0 份" in out
    assert SupervisionLetter.objects.count() == 2


def test_levels_are_configurable_per_office(client, world, login):
    login(world.city_admin)
    response = client.post(
        "/inspections/letters/levels/",
        {"title": ["第一次督办函", "第二次督办函", ""], "days": ["7", "2", ""]},
    )
    assert response.status_code == 302
    assert list(
        EscalationLevel.objects.filter(office=world.city_office).values_list("level", "title", "reply_days")
    ) == [
        (1, "第一次督办函", 7),
        (2, "第二次督办函", 2),
    ]
    assert (
        services.escalation_levels(world.county_a_office) == services.ESCALATION_LEVELS
    )  # others keep defaults
    overdue(world, 1)
    first = issue(world)
    assert first.title == "第一次督办函" and first.reply_deadline == services.local_today() + dt.timedelta(
        days=7
    )
    response = client.post("/inspections/letters/levels/", {"title": ["x"], "days": ["0"]}, follow=True)
    assert "1 到 90" in response.content.decode()
    login(world.unit_a_admin)
    assert client.get("/inspections/letters/levels/").status_code == 403
    with as_user(world.county_a_admin), pytest.raises(PermissionDenied):
        services.escalation_levels_save(
            user=world.county_a_admin, office=world.city_office, levels=[("x", 3)]
        )
    with as_user(world.county_a_admin), pytest.raises(PermissionDenied):
        services.escalation_levels_save(user=world.county_a_admin, office=None, levels=[("x", 3)])
    assert Status.OPEN and new_finding


def test_the_home_page_counts_letters_to_answer_and_reports_to_triage(client, world, login):
    import re

    from wenming.files.tests.samples import jpeg_bytes

    overdue(world, 1)
    letter = issue(world)
    login(world.unit_a_admin)
    home = client.get("/").content.decode()
    assert "待回复的督办函" in home
    listed = client.get("/inspections/letters/?todo=reply").content.decode()
    assert letter.number in listed
    with as_user(world.unit_a_admin):
        services.letter_reply(letter=letter, user=world.unit_a_admin, text="已整改")
    assert letter.number not in client.get("/inspections/letters/?todo=reply").content.decode()
    with as_user(world.platform):
        services.report_submit(
            office=world.county_a_office,
            location_text="路口",
            description="垃圾",
            photos=[upload(jpeg_bytes(), name="a.jpg")],
        )
    login(world.city_inspector)
    home = client.get("/").content.decode()
    match = re.search(r'(\d+)</div><div class="text-secondary">待处理的随手拍', home)
    assert match and match.group(1) == "1"
    assert "/inspections/reports/?status=pending" in home
