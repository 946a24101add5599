"""Masking on every page and file this app adds: rendered for each persona, none shows a full ID
number or phone — neither of registered volunteers nor of the people in an uploaded sheet —
except the full export, to the rows that persona may unmask (checked so the test cannot pass by
exporting nothing)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import login_client
from wenming.volimport.models import ImportBatch
from wenming.volimport.tests import helpers as t
from wenming.volunteers.tests import helpers as vh

pytestmark = pytest.mark.django_db

CLEAR_SHEET = (t.person(1), t.phone(1), t.person(2), t.phone(2))
PERSONAS = [
    "platform",
    "city_admin",
    "city_inspector",
    "county_a_admin",
    "unit_a_admin",
    "outsider",
    "county_b_admin",
    "vorg_admin",
    "vol_user",
]


def _body(response) -> str:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    if data.startswith(b"PK"):
        grid = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        return "\n".join(" ".join(str(c) for c in row) for row in grid)
    return data.decode("utf-8", "replace")


@pytest.fixture
def batch(client, vw, django_capture_on_commit_callbacks):
    """A checked batch whose sheet holds clear IDs and phones (plus errors echoing values)."""
    login_client(client, vw.vorg_admin)
    rows = [t.HEADER, *t.good_rows(3), [9, "错队", vh.ID_B, vh.PHONE_B, vh.ID_B, "群众", ""]]
    client.post(
        reverse("volimport:index"),
        {"org": vw.vorg_a.pk, "kind": "volunteers", "file": t.upload(t.xlsx_bytes(rows))},
    )
    b = ImportBatch.objects.latest("pk")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("volimport:batch_mapping", args=[b.pk]), {f"map_{k}": v for k, v in b.mapping.items()}
        )
    client.logout()
    b.refresh_from_db()
    assert b.errors
    return b


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_never_show_full_numbers(client, world, vw, batch, persona, django_capture_on_commit_callbacks):
    user = getattr(vw, persona) if persona in ("vorg_admin", "vol_user") else getattr(world, persona)
    login_client(client, user)
    urls = [
        reverse("volimport:index"),
        reverse("volimport:template") + "?kind=volunteers",
        reverse("volimport:template") + "?kind=records",
        reverse("volimport:batch_detail", args=[batch.pk]),
        reverse("volimport:batch_progress", args=[batch.pk]),
        reverse("volimport:batch_errors", args=[batch.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        body = _body(response)
        for clear in (*vh.CLEAR_VALUES, *CLEAR_SHEET):
            assert clear not in body, f"{persona} {url} shows {clear}"
    # Masked exports (background jobs) for everyone who may reach them.
    for kind in ("volunteers", "records"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("volimport:export_start"), {"kind": kind})
        if response.status_code != 302:
            continue
        job_url = response["Location"]
        body = _body(client.get(job_url.rstrip("/") + "/download/"))
        for clear in vh.CLEAR_VALUES:
            assert clear not in body, f"{persona} masked {kind} export shows {clear}"


MAY_SEE = {
    "platform": {"A", "B"},
    "city_admin": {"A", "B"},
    "county_a_admin": {"A"},
    "county_b_admin": {"B"},
    "vorg_admin": {"A"},
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_full_export_only_to_those_who_may_unmask(
    client, world, vw, persona, django_capture_on_commit_callbacks
):
    user = getattr(vw, persona) if persona in ("vorg_admin", "vol_user") else getattr(world, persona)
    login_client(client, user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("volimport:export_start"), {"kind": "volunteers", "full": "1"})
    if persona not in MAY_SEE:
        assert response.status_code == 403
        return
    assert response.status_code == 302
    body = _body(client.get(response["Location"].rstrip("/") + "/download/"))
    for who, (ident, phone) in {"A": (vh.ID_A, vh.PHONE_A), "B": (vh.ID_B, vh.PHONE_B)}.items():
        shown = ident in body and phone in body
        assert shown == (who in MAY_SEE[persona]), f"{persona} full export, volunteer {who}: shown={shown}"
