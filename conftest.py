"""Shared fixtures. The persona world is built once per test session (tests roll back around it);
transactional tests, which empty the database, rebuild it on demand."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from tests.world import build_world

    with django_db_blocker.unblock():
        build_world()


@pytest.fixture
def world(db, request):
    from tests.world import build_world, load_world
    from wenming.orgs.models import Region

    if not Region.objects.filter(code="990100000000").exists():
        return build_world()
    return load_world()


def login_client(client, user, *, verified: bool = True):
    """Log a user in on the test client; admins also pass the second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    if verified:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def login(client):
    def _login(user, *, verified: bool = True):
        return login_client(client, user, verified=verified)

    return _login
