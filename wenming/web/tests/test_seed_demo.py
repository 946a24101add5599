from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from wenming.audit.services import audit_verify
from wenming.orgs.demo import DEMO_PASSWORD, PERSONAS
from wenming.orgs.models import Department, Membership, Organisation, OrgKind, Profile, Region

pytestmark = pytest.mark.django_db


def _clear_world():
    """Empty the organisation tables (the session's persona world) inside the test transaction."""
    # Other apps' demo rows refer to organisations and users, some through PROTECT: delete them
    # first, later apps before earlier ones and each app's models in reverse definition order.
    from django.apps import apps

    for config in reversed(list(apps.get_app_configs())):
        if config.name.startswith("wenming.") and config.label not in {"orgs", "audit"}:
            for model in reversed(list(config.get_models())):
                model._default_manager.all().delete()
    Membership.objects.all().delete()
    Profile.objects.all().delete()
    get_user_model().objects.all().delete()
    Department.objects.all().delete()
    Organisation.objects.all().delete()
    for level in (5, 4, 3, 2, 1):
        Region.objects.filter(level=level).delete()


def _fingerprint():
    return (
        list(Region.objects.order_by("code").values_list("code", "name", "level")),
        list(Organisation.objects.order_by("region_code", "name").values_list("region_code", "name", "kind", "unit_type")),
        list(Department.objects.order_by("organisation__name", "sort_order").values_list("organisation__name", "name")),
    )


def test_it_builds_the_demo_city_deterministically_and_only_once():
    _clear_world()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = _fingerprint()
    assert all(code.startswith("99") for code, _, _ in first[0])
    assert Organisation.objects.filter(kind=OrgKind.UNIT).count() >= 60
    assert Organisation.objects.filter(kind=OrgKind.OFFICE).count() == 4  # city + three counties
    assert Department.objects.count() > 150

    # Every persona can log in with the documented password and holds the documented role.
    User = get_user_model()
    for username, _display, role, _key in PERSONAS:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert Membership.objects.filter(user=user, role=role).exists()

    # A second run changes nothing.
    call_command("seed_demo", "--if-empty", stdout=out)
    assert _fingerprint() == first
    assert "沿用现有数据" in out.getvalue()

    # The same data again from scratch.
    _clear_world()
    call_command("seed_demo", stdout=io.StringIO())
    assert _fingerprint() == first
    assert audit_verify()[2] == ""


def test_it_generates_scale_data_in_bulk(settings):
    """The province scale through the same code path, with the volunteer data cut to a few
    thousand rows (the full 450,000 / 5,000,000 took 3–5 minutes of the suite; its speed is
    measured by ``bench_modules vimport`` and the generator's own tests)."""
    from wenming.volunteers.models import ServiceRecord, Volunteer

    settings.DEMO_PROVINCE_VOLUNTEERS, settings.DEMO_PROVINCE_RECORDS = 3_000, 30_000
    _clear_world()
    call_command("seed_demo", "--scale", "province", stdout=io.StringIO())
    assert Volunteer.objects.filter(consent_version="generated").count() == 3_000
    assert ServiceRecord.objects.filter(volunteer__consent_version="generated").count() == 30_000
    # 40 counties × (1 office + 50 units) on top of the demo city.
    assert Organisation.objects.filter(name__startswith="规模测试县").count() == 40 * 51
    assert Organisation.objects.filter(region_code__startswith="9902").exists()
