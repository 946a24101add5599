"""Volunteer-org admins may unmask ID numbers, so they pass the second factor like office admins;
a volunteer does not need one."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_volunteer_org_admin_is_sent_to_enrol_a_second_factor(client, login, vw):
    login(vw.vorg_admin, verified=False)
    response = client.get("/volunteers/")
    assert response.status_code == 302
    assert response["Location"].startswith("/2fa/setup/")


def test_once_verified_the_org_admin_reaches_the_pages(client, login, vw):
    login(vw.vorg_admin)
    assert client.get("/volunteers/").status_code == 200


def test_a_volunteer_needs_no_second_factor(client, login, vw):
    login(vw.vol_user, verified=False)
    assert client.get("/").status_code == 200


def test_without_the_requirement_nobody_is_stopped(client, login, vw, settings):
    settings.REQUIRE_2FA = False
    login(vw.vorg_admin, verified=False)
    assert client.get("/volunteers/").status_code == 200
