"""Service records (the hours ledger) from a sheet: volunteers found by ID or volunteer number,
name checked, hours and dates validated, duplicates in the file and against the ledger, rows
written as source=import lines of the importing organisation (谁组织谁记录), one audit entry."""

from __future__ import annotations

import decimal

import pytest
from django.urls import reverse

from wenming.audit.models import Action, AuditEntry
from wenming.volimport.models import BatchStatus, ImportBatch
from wenming.volimport.tests import helpers as t
from wenming.volunteers.models import ServiceRecord
from wenming.volunteers.tests import helpers as vh

pytestmark = pytest.mark.django_db


def _run(client, vw, rows, mode, capture):
    response = client.post(
        reverse("volimport:index"),
        {"org": vw.vorg_a.pk, "kind": "records", "file": t.upload(t.xlsx_bytes(rows))},
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    batch = ImportBatch.objects.latest("pk")
    with capture(execute=True):
        client.post(
            reverse("volimport:batch_mapping", args=[batch.pk]),
            {f"map_{k}": v for k, v in batch.mapping.items()},
        )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CHECKED, batch.message
    checked = (batch.total_rows, batch.valid_rows, dict((r, m) for r, _c, m in batch.errors))
    with capture(execute=True):
        client.post(reverse("volimport:batch_import", args=[batch.pk]), {"mode": mode})
    batch.refresh_from_db()
    return batch, checked


def test_records_are_imported_into_the_ledger(client, login, vw, django_capture_on_commit_callbacks):
    login(vw.vorg_admin)
    number_a = vw.volunteer_a.number
    rows = [
        ["姓名", "身份证号", "志愿者编号", "服务日期", "服务时长", "服务内容"],
        ["张志愿", vh.ID_A, "", "2025-03-01", 2.5, "助老"],
        ["", "", number_a, "2025/3/2", "3小时", "环保"],
        ["张志愿", vh.ID_A, "", "2025-03-01", 2.5, "助老"],  # same line again
        ["李四", vh.ID_A, "", "2025-03-03", 1, "助老"],  # wrong name
        ["", t.person(90), "", "2025-03-03", 1, ""],  # not a volunteer
        ["", vh.ID_A, "", "2099-01-01", 1, ""],  # future date
        ["", vh.ID_A, "", "2025-03-04", 30, ""],  # > 24 h
        ["", vh.ID_A, "", "2025-03-05", "两小时", ""],  # not a number
    ]
    batch, (total, valid, errors) = _run(client, vw, rows, "valid", django_capture_on_commit_callbacks)
    assert (total, valid) == (8, 2)
    assert "与第 4 行是同一条记录" in errors[6]
    assert "姓名" in errors[7] and "没有找到" in errors[8] and "晚于今天" in errors[9]
    assert "24" in errors[10] and "数字" in errors[11]
    assert batch.status == BatchStatus.IMPORTED and batch.imported_rows == 2
    lines = ServiceRecord.objects.filter(import_batch=batch.pk).order_by("date")
    assert [(r.volunteer_id, str(r.date), r.hours, r.source, r.org_id) for r in lines] == [
        (vw.volunteer_a.pk, "2025-03-01", decimal.Decimal("2.50"), "import", vw.vorg_a.pk),
        (vw.volunteer_a.pk, "2025-03-02", decimal.Decimal("3.00"), "import", vw.vorg_a.pk),
    ]
    assert (
        AuditEntry.objects.filter(action=Action.IMPORT, object_type="volunteers.servicerecord").count() == 1
    )
    # The same file again: every line is already in the ledger.
    _batch2, (_t, valid2, errors2) = _run(client, vw, rows[:3], "all", django_capture_on_commit_callbacks)
    assert valid2 == 0 and all("已有相同" in m for m in errors2.values())
    assert ServiceRecord.objects.filter(source="import").count() == 2
