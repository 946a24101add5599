"""资料台账: several files at once, review with comment, completeness, search (Chinese substrings)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.audit.models import AuditEntry
from wenming.campaigns.evidence import evidence_review, evidence_search, evidence_upload, ledger
from wenming.campaigns.models import Evidence, EvidenceStatus
from wenming.campaigns.tests.helpers import open_campaign
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 1)


def files(*names):
    return [SimpleUploadedFile(n, f"{n} 的内容：会议记录\n".encode()) for n in names]


def upload(world, task, names=("纪要.txt",), title="领导小组会议纪要", **kw):
    with as_user(world.dept_lead_a):
        return evidence_upload(
            task=task,
            uploads=files(*names),
            title=title,
            refers_to=kw.pop("refers_to", DAY),
            kind=kw.pop("kind", "situation"),
            description=kw.pop("description", ""),
            user=world.dept_lead_a,
        )


def test_several_files_at_once_each_audited(world):
    c = open_campaign(world)
    task = c.tasks.get(code="1.1")
    evs = upload(world, task, names=("纪要.txt", "签到表.txt"))
    assert [e.title for e in evs] == ["领导小组会议纪要（纪要.txt）", "领导小组会议纪要（签到表.txt）"]
    assert all(
        e.criterion_id == task.criterion_id and e.refers_to == DAY and e.status == EvidenceStatus.PENDING
        for e in evs
    )
    assert AuditEntry.objects.filter(object_type="campaigns.evidence").count() == 2


def test_refusals(world):
    c = open_campaign(world)
    task = c.tasks.first()
    with pytest.raises(ValidationError):
        upload(world, task, names=())
    with pytest.raises(ValidationError):
        upload(world, task, kind="video")
    with pytest.raises(ValidationError):
        upload(world, task, refers_to=dt.date.today() + dt.timedelta(days=3))
    assert not Evidence.objects.exists()


def test_review_and_completeness_per_criterion_item_campaign(world):
    c = open_campaign(world)
    t11, t12, t211, t212 = list(c.tasks.order_by("position"))
    (a,) = upload(world, t11)
    (b,) = upload(world, t12, title="年度工作计划")
    (d,) = upload(world, t211, title="学习制度")
    with as_user(world.unit_a_admin):
        evidence_review(evidence=a, accept=True, user=world.unit_a_admin)
        with pytest.raises(ValidationError):
            evidence_review(evidence=b, accept=False, comment=" ", user=world.unit_a_admin)
        evidence_review(evidence=b, accept=False, comment="缺少盖章页", user=world.unit_a_admin)
        evidence_review(evidence=d, accept=True, user=world.unit_a_admin)
    items, totals = ledger(user=world.unit_a_admin, campaign=c)
    assert {k: totals[k] for k in ("criteria", "complete", "percent")} == {
        "criteria": 4,
        "complete": 2,
        "percent": 50.0,
    }
    assert totals["selected"] is None and [i.item.code for i in totals["nav"]] == ["1", "2"]
    assert [(i.item.code, i.complete, len(i.rows)) for i in items] == [("1", 1, 2), ("2", 1, 2)]
    row12 = items[0].rows[1]
    assert (row12.returned, row12.complete, row12.items[0].review_comment) == (1, False, "缺少盖章页")


def test_reading_order_and_chinese_search(world):
    c = open_campaign(world)
    task = c.tasks.get(code="1.1")
    upload(world, task, title="第二次会议", refers_to=dt.date(2026, 5, 1))
    upload(world, task, title="第一次会议", refers_to=dt.date(2026, 2, 1), description="研究部署文明创建工作")
    items, _ = ledger(user=world.unit_a_admin, campaign=c)
    assert [e.title for e in items[0].rows[0].items] == ["第一次会议", "第二次会议"]
    assert [e.title for e in evidence_search(user=world.unit_a_admin, campaign=c, q="部署文明")] == [
        "第一次会议"
    ]
    items, _ = ledger(user=world.unit_a_admin, campaign=c, q="二次")
    assert [r.task.code for i in items for r in i.rows] == ["1.1"] and len(items[0].rows[0].items) == 1
    assert not evidence_search(user=world.outsider, campaign=c).exists()


def test_pages_upload_review_and_scope(client, login, world):
    from wenming.campaigns import services

    c = open_campaign(world)
    task, other = list(c.tasks.order_by("position")[:2])
    with as_user(world.unit_a_admin):
        services.task_update(task=task, department=world.dept_a)
    login(world.dept_lead_a)
    assert client.get(f"/campaigns/tasks/{other.pk}/evidence/").status_code == 403
    r = client.post(
        f"/campaigns/tasks/{task.pk}/evidence/",
        {
            "files": files("纪要.txt", "照片说明.txt"),
            "title": "领导小组会议",
            "refers_to": "2026-03-01",
            "kind": "situation",
        },
    )
    assert r.status_code == 302
    evs = list(Evidence.objects.filter(task=task).order_by("pk"))
    assert len(evs) == 2
    assert client.post(f"/campaigns/evidence/{evs[0].pk}/review/", {"decision": "accept"}).status_code == 403
    login(world.unit_a_admin)
    client.post(f"/campaigns/evidence/{evs[0].pk}/review/", {"decision": "accept"})
    client.post(f"/campaigns/evidence/{evs[1].pk}/review/", {"decision": "return", "comment": ""})
    evs[1].refresh_from_db()
    assert evs[1].status == EvidenceStatus.PENDING  # a return without a comment is refused
    client.post(f"/campaigns/evidence/{evs[1].pk}/review/", {"decision": "return", "comment": "照片不清晰"})
    body = client.get(f"/campaigns/{c.pk}/evidence/").content.decode()
    assert "1 / 4 条测评标准的材料已齐全（25.0%）" in body and "照片不清晰" in body
    # One 测评项目 at a time: item 1 (two criteria) by default, item 2 from its tab.
    assert body.count('data-testid="evidence-row"') == 2 and body.count('data-testid="ledger-criterion"') == 2
    item2 = c.tasks.get(code="2.1.1").item_id
    assert f'href="?item={item2}&amp;q=&amp;status="' in body
    body2 = client.get(f"/campaigns/{c.pk}/evidence/?item={item2}").content.decode()
    assert (
        body2.count('data-testid="ledger-criterion"') == 2 and body2.count('data-testid="evidence-row"') == 0
    )
    login(world.outsider)
    assert client.get(f"/campaigns/{c.pk}/evidence/").status_code == 404
    assert client.post(f"/campaigns/evidence/{evs[0].pk}/review/", {"decision": "accept"}).status_code == 404


def test_ledger_queries_do_not_grow(client, login, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wenming.campaigns.tests.helpers import big_nodes

    small = open_campaign(world, title="小")
    big = open_campaign(world, nodes=big_nodes(5, 4, 5), title="大")
    for t in big.tasks.order_by("position")[:20]:
        upload(world, t, names=("a.txt", "b.txt"))
    login(world.unit_a_admin)
    counts = []
    for c in (small, big):
        client.get(f"/campaigns/{c.pk}/evidence/")
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(f"/campaigns/{c.pk}/evidence/").content.decode()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 14, counts
    assert body.count('data-testid="evidence-row"') == 40


def test_the_ledger_pages_by_item_opens_a_criterions_item_and_counts_matches_per_item(world):
    c = open_campaign(world)
    t11, t212 = c.tasks.get(code="1.1"), c.tasks.get(code="2.1.2")
    upload(world, t11, title="会议纪要一", refers_to=dt.date(2026, 2, 1))
    for n in range(3):
        upload(world, t212, title=f"学习笔记{n}", refers_to=dt.date(2026, 2, 1 + n))
    items, totals = ledger(
        user=world.unit_a_admin, campaign=c, criterion_id=t212.criterion_id, per_criterion=2
    )
    assert totals["selected"] == t212.item_id and [i.item.pk for i in items] == [t212.item_id]
    row = next(r for r in items[0].rows if r.task.pk == t212.pk)
    assert [e.title for e in row.items] == [
        "学习笔记0",
        "学习笔记1",
    ] and row.matching == 3  # first two loaded
    items, totals = ledger(user=world.unit_a_admin, campaign=c, q="笔记", per_criterion=10)
    # A search opens the first item with matches; the tabs count the matches of every item.
    assert totals["selected"] == t212.item_id
    assert [(i.item.code, i.matches) for i in totals["nav"]] == [("1", 0), ("2", 3)]
    assert [r.task.code for i in items for r in i.rows] == ["2.1.2"]
    items, totals = ledger(user=world.unit_a_admin, campaign=c, item_id=t11.item_id, per_criterion=10)
    assert [r.task.code for r in items[0].rows] == ["1.1", "1.2"] and len(items[0].rows[0].items) == 1
