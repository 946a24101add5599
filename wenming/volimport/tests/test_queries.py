"""Pages run a bounded number of queries, whatever the number of batches or errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wenming.volimport.models import ImportBatch
from wenming.volimport.tests import helpers as t

pytestmark = pytest.mark.django_db


def test_index_and_batch_pages_are_bounded(
    client, login, vw, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    login(vw.vorg_admin)
    for i in range(3):
        rows = [t.HEADER, *t.good_rows(5, start=i * 10), [99, "坏", "1", "2", "", "", ""]]
        client.post(
            reverse("volimport:index"),
            {"org": vw.vorg_a.pk, "kind": "volunteers", "file": t.upload(t.xlsx_bytes(rows))},
        )
    batch = ImportBatch.objects.latest("pk")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("volimport:batch_mapping", args=[batch.pk]),
            {f"map_{k}": v for k, v in batch.mapping.items()},
        )
    with django_assert_max_num_queries(25):
        assert client.get(reverse("volimport:index")).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("volimport:batch_detail", args=[batch.pk])).status_code == 200
    first = ImportBatch.objects.order_by("pk").first()
    with django_assert_max_num_queries(25):
        assert client.get(reverse("volimport:batch_detail", args=[first.pk])).status_code == 200
