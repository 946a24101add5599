"""After an import commits, its rows are added to the statistics rollups (vstats'
rollup_add_import for the batch): the tables then equal a full rebuild."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wenming.volimport.models import BatchStatus, ImportBatch
from wenming.volimport.tests import helpers as t
from wenming.volunteers.tests import helpers as vh

pytestmark = pytest.mark.django_db


def _tables():
    from wenming.vstats.models import MonthlyRollup, StarRollup, VolunteerTotal

    def rows(model):
        fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        return sorted(tuple(str(v) for v in r) for r in model.objects.values_list(*fields))

    return {m.__name__: rows(m) for m in (MonthlyRollup, VolunteerTotal, StarRollup)}


def _import(client, vw, kind, rows, capture):
    client.post(
        reverse("volimport:index"), {"org": vw.vorg_a.pk, "kind": kind, "file": t.upload(t.xlsx_bytes(rows))}
    )
    batch = ImportBatch.objects.latest("pk")
    with capture(execute=True):
        client.post(
            reverse("volimport:batch_mapping", args=[batch.pk]),
            {f"map_{k}": v for k, v in batch.mapping.items()},
        )
    with capture(execute=True):
        client.post(reverse("volimport:batch_import", args=[batch.pk]), {"mode": "valid"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTED, batch.message
    return batch


def test_imports_are_added_to_the_rollups(client, login, vw, django_capture_on_commit_callbacks):
    pytest.importorskip("wenming.vstats.services")
    from wenming.vstats.services import rollup_rebuild

    rollup_rebuild()
    login(vw.vorg_admin)
    _import(client, vw, "volunteers", [t.HEADER, *t.good_rows(4)], django_capture_on_commit_callbacks)
    records = [
        ["身份证号", "服务日期", "服务时长"],
        [vh.ID_A, "2025-03-01", 2.5],
        [t.person(1), "2025-04-02", 3],
    ]
    _import(client, vw, "records", records, django_capture_on_commit_callbacks)
    incremental = _tables()
    rollup_rebuild()
    assert _tables() == incremental
    assert incremental["VolunteerTotal"]
