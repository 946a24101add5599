"""No full ID number or phone on any page or export the certificates and statistics modules add,
for any role (these modules never unmask; the PDF itself is checked in test_certificate_content)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from wenming.certificates.tests.helpers import hours_world, issued
from wenming.volunteers.tests.helpers import CLEAR_VALUES


def _body(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith(".xml"))
    return data.decode("utf-8", "replace")


@pytest.mark.django_db
def test_no_clear_id_or_phone_anywhere(client, login, world):
    cert = issued(world)
    vw = hours_world(world)
    period = {"start": "2025-01-01", "end": "2026-12-31"}
    cert_urls = [
        reverse("certificates:certificate_list"),
        reverse("certificates:certificate_detail", args=[cert.pk]),
        reverse("certificates:certificate_issue") + "?request=",
        reverse("certificates:request_create"),
        reverse("certificates:verify") + f"?s={cert.serial}&h={cert.content_hash}",
    ]
    stats_urls = [reverse("vstats:dashboard") + "?region=990100000000"]
    stats_urls += [
        reverse("vstats:drill") + f"?what={k}&region=990100000000"
        for k in ("volunteers", "records", "orgs", "teams", "projects", "activities")
    ]
    stats_urls += [
        reverse("vstats:ranking") + "?region=990100000000",
        reverse("vstats:ranking") + "?region=990100000000&format=xlsx",
    ]
    stats_urls += [
        reverse("vstats:export") + f"?region=990100000000&element={e}"
        for e in ("volunteers", "teams", "projects", "service", "certificates")
    ]
    checked = 0
    for user in (world.platform, world.city_admin, vw.vorg_admin, vw.vol_user, world.outsider):
        login(user)
        for url in cert_urls + stats_urls:
            if url.startswith("/vstats/"):
                url += f"&start={period['start']}&end={period['end']}"
            response = client.get(url)
            assert response.status_code < 500, url
            if response.status_code != 200:
                continue
            body = _body(response)
            checked += 1
            for clear in CLEAR_VALUES:
                assert clear not in body, (user, url, clear)
    # vorg_admin, the volunteer and the outsider get 403 on /vstats/; the rest is read
    assert checked >= 40, checked
