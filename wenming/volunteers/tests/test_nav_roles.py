"""The navigation follows the volunteer module's roles (``web.nav`` module roles): a
volunteer-org admin sees the pages of their work, a plain volunteer 我的志愿服务 and the activity
pages — and neither sees office pages; the roles cost no query on ordinary page views."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


OFFICE_ONLY = ["/orgs/regions/", "/audit/", "/vstats/", "/volunteers/stars/", "/inspections/points/",
               "/inspections/findings/", "/frameworks/", "/campaigns/", "/account/tokens/"]  # fmt: skip


def _nav(html: str) -> str:
    start = html.find('id="navbar-menu"')
    assert start >= 0
    return html[start : html.find("</header>", start)]


def test_a_volunteer_org_admin_sees_their_pages_and_no_office_pages(client, login, vw):
    login(vw.vorg_admin)
    nav = _nav(client.get("/volunteers/activities/").content.decode())
    for href in ("/volunteers/", "/volunteers/activities/", "/volunteers/records/", "/volimport/",
                 "/certificates/", "/jobs/", "/files/"):  # fmt: skip
        assert f'href="{href}"' in nav, href
    for href in OFFICE_ONLY + ["/volunteers/me/"]:
        assert f'href="{href}"' not in nav, href


def test_a_plain_volunteer_sees_my_pages_and_no_office_pages(client, login, vw):
    login(vw.vol_user)
    nav = _nav(client.get("/volunteers/me/").content.decode())
    for href in ("/volunteers/me/", "/volunteers/activities/", "/volunteers/records/", "/certificates/"):
        assert f'href="{href}"' in nav, href
    for href in OFFICE_ONLY + ['/volunteers/"', "/volimport/", "/jobs/", "/files/", "/orgs/"]:
        assert f'href="{href}' not in nav, href


def test_office_users_keep_their_entries(client, login, world, vw):
    login(world.city_admin)
    nav = _nav(client.get("/").content.decode())
    for href in ["/volunteers/", "/volimport/", "/jobs/", "/files/", *OFFICE_ONLY]:
        assert f'href="{href}"' in nav, href  # (so the absences above are not vacuous)
    assert 'href="/volunteers/me/"' not in nav  # not a volunteer


def test_module_roles_are_kept_in_the_session(client, login, vw):
    from wenming.volunteers.models import VolunteerOrgAdmin

    login(vw.vol_user)
    client.get("/volunteers/me/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/volunteers/me/")
    assert not [q for q in ctx.captured_queries if "volunteers_volunteerorgadmin" in q["sql"]]
    # A role granted during the session shows once the kept answer expires.
    VolunteerOrgAdmin.objects.create(org=vw.vorg_a, user=vw.vol_user)
    session = client.session
    uid, roles, at = session["wm_module_roles"]
    session["wm_module_roles"] = (uid, roles, at - 10_000)
    session.save()
    assert 'href="/volimport/"' in _nav(client.get("/volunteers/me/").content.decode())
