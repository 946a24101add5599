"""督办函: numbered per office and year, listing exactly the unit's overdue findings, escalating,
generated as a .docx in 公文 layout (opened here with python-docx)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from docx import Document
from docx.shared import Mm

from conftest import login_client
from wenming.audit.models import AuditEntry
from wenming.inspections import services
from wenming.inspections.models import Finding, InspectionPoint, Status
from wenming.inspections.tests.helpers import new_finding, point
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def overdue(world, n: int, days: int = 4, **kw) -> list[Finding]:
    found = [new_finding(world, description=f"逾期问题{i}", **kw) for i in range(n)]
    Finding.objects.filter(pk__in=[f.pk for f in found]).update(
        deadline=services.local_today() - dt.timedelta(days=days)
    )
    return found


def issue(world, user=None, unit=None):
    user = user or world.city_inspector
    with as_user(user):
        return services.letter_issue(user=user, unit=unit or world.unit_a)


def docx_of(letter) -> Document:
    with default_storage.open(letter.document.blob.storage_name, "rb") as fh:
        return Document(io.BytesIO(fh.read()))


def test_a_letter_lists_exactly_the_units_overdue_findings(world):
    late = overdue(world, 2)
    on_time = new_finding(world, description="未逾期")
    closed = new_finding(world, status=Status.CLOSED, description="已销号")
    Finding.objects.filter(pk=closed.pk).update(deadline=services.local_today() - dt.timedelta(days=9))
    other_point = point(world, name="西湖站", unit=world.unit_b)
    InspectionPoint.objects.filter(pk=other_point.pk).update(
        region=world.county_b, region_code=world.county_b.code
    )
    others = overdue(world, 1, point=InspectionPoint.objects.get(pk=other_point.pk))

    letter = issue(world)

    assert set(letter.findings.values_list("pk", flat=True)) == {f.pk for f in late}
    assert letter.level == 1 and letter.title == services.ESCALATION_LEVELS[0][0]
    assert letter.reply_deadline == services.local_today() + dt.timedelta(
        days=services.ESCALATION_LEVELS[0][1]
    )
    assert letter.office_id == world.city_office.pk and letter.unit_id == world.unit_a.pk
    text = "\n".join(p.text for p in docx_of(letter).paragraphs)
    assert f"〔{services.local_today().year}〕第{letter.seq}期" in text
    assert "示范市文明办督办函" in text and "东城区执法局：" in text
    assert "以下 2 个问题已超过整改期限" in text
    for f in late:
        assert f"问题编号 {f.pk}" in text and "已逾期 4 天" in text
    for f in (on_time, closed, *others):
        assert f"问题编号 {f.pk}）" not in text
    d = letter.reply_deadline
    assert f"于{d.year}年{d.month}月{d.day}日前" in text
    assert AuditEntry.objects.filter(
        object_type="inspections.supervisionletter", object_id=str(letter.pk)
    ).exists()


def test_the_page_setup_follows_gbt_9704(world):
    overdue(world, 1)
    doc = docx_of(issue(world))
    s = doc.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    assert (
        round(s.top_margin.mm),
        round(s.bottom_margin.mm),
        round(s.left_margin.mm),
        round(s.right_margin.mm),
    ) == (37, 35, 28, 26)
    assert abs((s.page_width - s.left_margin - s.right_margin) - Mm(156)) < Mm(0.5)  # 版心 156 mm
    body = next(p for p in doc.paragraphs if p.text.startswith("经督查"))
    run = body.runs[0]
    assert run.font.size.pt == 16 and run.font.name == "仿宋_GB2312"
    assert (
        run._element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        == "仿宋_GB2312"
    )
    assert body.paragraph_format.line_spacing.pt == 28


def test_numbers_count_per_office_and_letters_escalate(world):
    overdue(world, 1)
    first = issue(world)
    second = issue(world)  # the same findings still overdue: escalated
    assert second.seq == first.seq + 1 and second.year == first.year
    assert second.level == 2 and second.title == services.ESCALATION_LEVELS[1][0]
    assert "此前已就其中问题发函督办" in "\n".join(p.text for p in docx_of(second).paragraphs)
    third, fourth = issue(world), issue(world)
    assert (third.level, fourth.level) == (3, 3)  # the last level repeats
    county = issue(world, user=world.county_a_admin)  # another office: its own numbers
    assert county.office_id == world.county_a_office.pk and county.seq == 1


def test_nothing_overdue_nothing_to_send_and_units_cannot_issue(world):
    new_finding(world)
    with pytest.raises(ValidationError, match="没有逾期未销号的问题"):
        issue(world)
    overdue(world, 1)
    with pytest.raises(PermissionDenied):
        issue(world, user=world.unit_a_admin)
    with pytest.raises(ValidationError, match="没有逾期"):  # out of this office's sight
        issue(world, user=world.county_b_admin)


def test_pages_issue_download_and_record_sending(client, world):
    overdue(world, 2)
    login_client(client, world.city_inspector)
    body = client.get("/inspections/letters/").content.decode()
    assert "东城区执法局" in body and "生成督办函" in body
    response = client.post("/inspections/letters/issue/", {"unit": world.unit_a.pk})
    assert response.status_code == 302
    letter_url = response["Location"]
    download = client.get(letter_url + "download/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert (
        Document(io.BytesIO(b"".join(download.streaming_content))).paragraphs[0].text == "示范市文明办督办函"
    )
    client.post(letter_url + "sent/", {"note": "OA 系统"})
    assert "OA 系统" in client.get(letter_url).content.decode()

    # The unit sees and downloads the letter addressed to it, but cannot record sending.
    login_client(client, world.unit_a_admin)
    assert client.get(letter_url).status_code == 200
    assert client.get(letter_url + "download/").status_code == 200
    assert "登记已发送" not in client.get(letter_url).content.decode()
    assert client.post("/inspections/letters/issue/", {"unit": world.unit_a.pk}).status_code == 403
    # Another unit sees nothing.
    login_client(client, world.outsider)
    assert client.get(letter_url).status_code == 404
    assert client.get(letter_url + "download/").status_code == 404
    assert client.post("/inspections/letters/issue/", {"unit": world.unit_a.pk}).status_code == 404
