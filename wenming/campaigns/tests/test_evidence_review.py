"""资料台账, the rest of item 8: completeness by the criterion's required evidence types, the 说明报告
character limit, link evidence without a file, bulk review, delete/replace of returned items, the
per-criterion page in reading order, the home-page item for pending reviews, query bounds."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from docx import Document

from wenming.audit.models import AuditEntry
from wenming.campaigns import attention
from wenming.campaigns.binder import binder_plan
from wenming.campaigns.evidence import evidence_review, evidence_upload, ledger
from wenming.campaigns.models import Evidence, EvidenceStatus
from wenming.campaigns.tests.helpers import open_campaign
from wenming.frameworks.tests.helpers import node
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 1)


def nodes():
    return [
        node("1", title="组织领导"),
        node("1.1", "1", title="领导小组", evidence_types=["situation", "report"], report_char_limit=20),
        node("1.2", "1", title="宣传阵地", evidence_types=["link"]),
    ]


def txt(name, text):
    return SimpleUploadedFile(name, text.encode())


def docx_file(name, text):
    doc = Document()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def pdf_file(name, pages: list[str], *, image: bool = False):
    """A PDF drawn with ReportLab and the CJK font: each string on its own page (as text), or,
    with ``image``, only a picture and shapes — no text layer, like a scanned report."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from wenming.web.pdf import cjk_font

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for text in pages:
        if image:
            picture = Image.new("RGB", (120, 60), "white")
            pdf.drawImage(ImageReader(picture), 72, 600, width=240, height=120)
            pdf.rect(72, 500, 300, 40)
        else:
            pdf.setFont(cjk_font(), 12)
            for i, line in enumerate(text.split("\n")):
                pdf.drawString(72, 760 - 18 * i, line)
        pdf.showPage()
    pdf.save()
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/pdf")


def add(world, task, uploads, *, kind="situation", title="材料", url="", refers_to=DAY, user=None):
    user = user or world.dept_lead_a
    with as_user(user):
        return evidence_upload(
            task=task, uploads=uploads, title=title, refers_to=refers_to, kind=kind, url=url, user=user
        )


def review(world, ev, accept=True, comment=""):
    with as_user(world.unit_a_admin):
        return evidence_review(evidence=ev, accept=accept, comment=comment, user=world.unit_a_admin)


def test_completeness_needs_every_required_type(world):
    c = open_campaign(world, nodes=nodes())
    t11 = c.tasks.get(code="1.1")
    (situation,) = add(world, t11, [txt("纪要.txt", "会议纪要")])
    review(world, situation)
    items, totals = ledger(user=world.unit_a_admin, campaign=c)
    row = items[0].rows[0]
    assert (row.accepted, row.complete, row.missing) == (1, False, ["说明报告"])
    assert totals["complete"] == 0
    (report,) = add(world, t11, [txt("报告.txt", "我单位成立了领导小组。")], kind="report")
    assert report.char_count == 11  # punctuation counts, as on paper
    items, _ = ledger(user=world.unit_a_admin, campaign=c)
    assert items[0].rows[0].missing == ["说明报告"]  # pending does not count
    review(world, report)
    items, totals = ledger(user=world.unit_a_admin, campaign=c)
    assert items[0].rows[0].complete and totals["complete"] == 1


def test_a_report_over_the_character_limit_is_refused(world):
    c = open_campaign(world, nodes=nodes())
    t11 = c.tasks.get(code="1.1")
    with pytest.raises(ValidationError, match="超过该测评标准的字数上限 20 字"):
        add(world, t11, [txt("报告.txt", "字" * 21)], kind="report")
    with pytest.raises(ValidationError, match="共 24 字"):
        add(world, t11, [docx_file("报告.docx", "文明创建 " * 5 + "工作报告")], kind="report")
    assert not Evidence.objects.exists()
    (ok,) = add(world, t11, [docx_file("报告.docx", "二十字以内的报告 正文")], kind="report")
    assert ok.char_count == 10
    # Other kinds are not counted; whitespace is not a character.
    (other,) = add(world, t11, [txt("情况.txt", "字" * 50)])
    assert other.char_count is None


def test_a_pdf_report_is_counted_and_held_to_the_limit_an_image_only_pdf_is_accepted_uncounted(
    world, client, login
):
    c = open_campaign(world, nodes=nodes())
    t11 = c.tasks.get(code="1.1")
    # 21 characters over two pages (spaces and line breaks are not characters): over the limit of 20.
    with pytest.raises(ValidationError, match="共 21 字，超过该测评标准的字数上限 20 字"):
        add(world, t11, [pdf_file("报告.pdf", ["文明创建 工作报告\n第一部分", "字" * 9])], kind="report")
    assert not Evidence.objects.exists()
    (ok,) = add(world, t11, [pdf_file("报告.pdf", ["我单位成立了", "领导小组。"])], kind="report")
    assert ok.char_count == 11  # punctuation counts, as on paper
    # A scan: no text layer → accepted without a count, and the page says so.
    login(world.dept_lead_a)
    from wenming.campaigns import services

    with as_user(world.unit_a_admin):
        services.task_update(task=t11, department=world.dept_a)
    r = client.post(
        f"/campaigns/tasks/{t11.pk}/evidence/",
        {
            "files": pdf_file("扫描件.pdf", ["", ""], image=True),
            "title": "扫描的报告",
            "refers_to": "2026-03-01",
            "kind": "report",
        },
        follow=True,
    )
    scanned = Evidence.objects.get(title="扫描的报告")
    assert scanned.char_count is None and scanned.file_id
    body = r.content.decode()
    assert "没有可读取的文字（如扫描件或图片），未统计字数，已照常登记" in body
    assert body.count('data-testid="uncounted"') == 1  # the scan, not the counted PDF


def test_link_evidence_without_a_file(world, client, login):
    c = open_campaign(world, nodes=nodes())
    t12 = c.tasks.get(code="1.2")
    (link,) = add(world, t12, [], kind="link", title="官网专栏", url="https://example.org/wenming")
    assert link.file_id is None and link.url == "https://example.org/wenming"
    with pytest.raises(ValidationError, match="链接/截图"):
        add(world, t12, [], kind="situation", url="https://example.org/")
    with pytest.raises(ValidationError, match="http"):
        add(world, t12, [], kind="link", url="javascript:alert(1)")
    with pytest.raises(ValidationError, match="请选择要上传的文件"):
        add(world, t12, [], kind="link")
    (shot,) = add(world, t12, [txt("截图说明.txt", "截图")], kind="link", url="https://example.org/a")
    assert shot.file_id and shot.url
    review(world, link)
    items, _ = ledger(user=world.unit_a_admin, campaign=c)
    assert items[0].rows[1].complete
    login(world.unit_a_admin)
    body = client.get(f"/campaigns/{c.pk}/evidence/").content.decode()
    assert 'href="https://example.org/wenming"' in body and 'rel="noopener noreferrer nofollow"' in body
    plan = binder_plan(campaign=c)
    assert [(e.path, e.evidence.url) for e in plan] == [("", "https://example.org/wenming")]
    r = client.post(
        f"/campaigns/tasks/{t12.pk}/evidence/",
        {"title": "公众号", "refers_to": "2026-03-02", "kind": "link", "url": "https://mp.example.org/x"},
    )
    assert r.status_code == 302 and Evidence.objects.filter(title="公众号", file__isnull=True).exists()


def test_bulk_review_from_the_ledger(world, client, login):
    c = open_campaign(world, nodes=nodes())
    t11 = c.tasks.get(code="1.1")
    evs = add(world, t11, [txt(f"{i}.txt", f"材料{i}") for i in range(3)])
    url = f"/campaigns/{c.pk}/evidence/review/"
    ids = [e.pk for e in evs[:2]]
    login(world.dept_lead_a)
    assert client.post(url, {"evidence": ids, "decision": "accept"}).status_code == 403
    login(world.unit_a_admin)
    client.post(url, {"evidence": ids, "decision": "return", "comment": " "})
    assert set(Evidence.objects.values_list("status", flat=True)) == {EvidenceStatus.PENDING}
    client.post(url, {"evidence": ids, "decision": "return", "comment": "缺少签字"})
    assert list(Evidence.objects.order_by("pk").values_list("status", "review_comment")) == [
        ("returned", "缺少签字"),
        ("returned", "缺少签字"),
        ("pending", ""),
    ]
    client.post(url, {"evidence": [e.pk for e in evs], "decision": "accept"})  # only the pending one
    assert list(Evidence.objects.order_by("pk").values_list("status", flat=True)) == [
        "returned",
        "returned",
        "accepted",
    ]
    assert AuditEntry.objects.filter(object_type="campaigns.evidence", action="update").count() == 3
    login(world.outsider)
    assert client.post(url, {"evidence": ids, "decision": "accept"}).status_code == 404


def test_delete_and_replace_a_returned_item(world, client, login):
    c = open_campaign(world, nodes=nodes())
    t11 = c.tasks.get(code="1.1")
    a, b = add(world, t11, [txt("a.txt", "第一份"), txt("b.txt", "第二份")])
    review(world, a, accept=False, comment="不清晰")
    review(world, b)
    login(world.dept_lead_a)  # the uploader
    r = client.post(f"/campaigns/evidence/{a.pk}/replace/", {"file": txt("a2.txt", "第一份（清晰版）")})
    assert r.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.review_comment, a.file.original_name) == ("pending", "", "a2.txt")
    assert client.get(f"/campaigns/evidence/{a.pk}/replace/").status_code == 200
    assert (
        client.post(f"/campaigns/evidence/{a.pk}/replace/", {"file": txt("a3.txt", "x")}).status_code == 200
    )
    a.refresh_from_db()
    assert a.file.original_name == "a2.txt"  # only returned items can be replaced
    assert client.post(f"/campaigns/evidence/{b.pk}/delete/").status_code == 302
    assert Evidence.objects.filter(pk=b.pk).exists()  # accepted evidence stays
    review(world, a, accept=False, comment="仍不清晰")
    login(world.county_a_admin)  # sees the campaign, may not change it
    assert client.post(f"/campaigns/evidence/{a.pk}/delete/").status_code == 403
    login(world.outsider)
    assert client.post(f"/campaigns/evidence/{a.pk}/delete/").status_code == 404
    login(world.unit_a_admin)
    assert client.post(f"/campaigns/evidence/{a.pk}/delete/").status_code == 302
    assert not Evidence.objects.filter(pk=a.pk).exists()
    assert AuditEntry.objects.filter(object_type="campaigns.evidence", action="delete").count() == 1


def test_the_criterion_page_reads_in_date_order_with_what_is_missing(world, client, login):
    c = open_campaign(world, nodes=nodes())
    t11 = c.tasks.get(code="1.1")
    add(world, t11, [txt("b.txt", "后")], title="五月会议", refers_to=dt.date(2026, 5, 1))
    add(world, t11, [txt("a.txt", "前")], title="二月会议", refers_to=dt.date(2026, 2, 1))
    login(world.dept_lead_a)
    body = client.get(f"/campaigns/tasks/{t11.pk}/evidence/list/").content.decode()
    assert body.index("二月会议") < body.index("五月会议")
    assert "尚缺：情况资料、说明报告" in body and "说明报告字数上限" in body
    login(world.outsider)
    assert client.get(f"/campaigns/tasks/{t11.pk}/evidence/list/").status_code == 404


def test_pending_reviews_on_the_home_page_match_their_list(world, client, login):
    c = open_campaign(world, nodes=nodes())
    t11 = c.tasks.get(code="1.1")
    evs = add(world, t11, [txt(f"{i}.txt", f"材料{i}") for i in range(3)])
    review(world, evs[0])

    def items_for(user):
        request = RequestFactory().get("/")
        request.user = user
        return {i.label: i for i in attention.campaign_tasks(request)}

    item = items_for(world.unit_a_admin)["待审核的佐证材料"]
    assert item.count == 2
    login(world.unit_a_admin)
    body = client.get(item.href).content.decode()
    assert body.count('data-testid="pending-row"') == 2
    assert "待审核的佐证材料" not in items_for(world.dept_lead_a)
    assert items_for(world.county_a_admin) == {}
    login(world.dept_lead_a)
    assert 'data-testid="pending-row"' not in client.get(item.href).content.decode()


def test_pages_stay_within_their_query_bounds_with_many_items(
    world, client, login, django_assert_max_num_queries
):
    from wenming.files.tests.helpers import make_stored_file

    c = open_campaign(world, nodes=nodes())
    t11, t12 = c.tasks.get(code="1.1"), c.tasks.get(code="1.2")
    stored = make_stored_file(owner=world.dept_lead_a, organisation=world.unit_a)
    rows = []
    for i in range(300):
        task = t11 if i % 2 else t12
        rows.append(
            Evidence(
                campaign=c,
                criterion_id=task.criterion_id,
                task=task,
                file=stored,
                title=f"材料{i}",
                refers_to=DAY - dt.timedelta(days=i),
                kind="situation",
                status=["pending", "accepted", "returned"][i % 3],
                review_comment="退回" if i % 3 == 2 else "",
                uploaded_by=world.dept_lead_a,
            )
        )
    Evidence.objects.bulk_create(rows)
    login(world.unit_a_admin)
    with django_assert_max_num_queries(14):
        body = client.get(f"/campaigns/{c.pk}/evidence/").content.decode()
    # Ten per criterion on the ledger, the rest one click away on the criterion's page.
    assert body.count('data-testid="evidence-row"') == 20 and body.count('data-testid="more-evidence"') == 2
    assert "另有 140 份，查看全部" in body
    with django_assert_max_num_queries(14):
        body = client.get(f"/campaigns/tasks/{t11.pk}/evidence/list/").content.decode()
    assert body.count('data-testid="evidence-row"') == 150
    with django_assert_max_num_queries(14):
        client.get("/campaigns/evidence/pending/")
    empty = open_campaign(world, nodes=nodes(), title="空")
    with CaptureQueriesContext(connection) as small:
        client.get(f"/campaigns/{empty.pk}/evidence/")
    assert len(small.captured_queries) <= 14
