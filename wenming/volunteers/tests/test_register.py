"""Self-registration on the phone page: consent, validation, one volunteer per ID, rate limit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from wenming.audit.models import Action, AuditEntry
from wenming.orgs.personal import decrypt, make_mainland_id
from wenming.volunteers.models import RegistrationAttempt, Volunteer
from wenming.volunteers.services import CONSENT_VERSION
from wenming.volunteers.tests import helpers as h

pytestmark = pytest.mark.django_db
NEW_ID = make_mainland_id("990102", dt.date(2000, 2, 29), 457)


def _data(vw, **over):
    data = {
        "name": "赵新人",
        "id_type": "mainland",
        "id_number": NEW_ID.lower(),
        "phone": "186 0000 1111",
        "residence": str(vw.community_a.pk),
        "political_status": "cyl",
        "skills": "摄影",
        "availability": "weekends",
        "password1": "Zhao#2026new",
        "password2": "Zhao#2026new",
        "consent": "on",
    }
    data.update(over)
    return data


def test_the_page_is_public_and_shows_the_consent_text(client, vw):
    response = client.get("/volunteers/register/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "个人信息处理告知" in body and CONSENT_VERSION in body and "csrfmiddlewaretoken" in body
    assert 'name="viewport"' in body


def test_it_registers_logs_in_and_stores_protected(client, vw):
    response = client.post("/volunteers/register/", _data(vw))
    assert response.status_code == 302 and response["Location"] == "/volunteers/me/"
    v = Volunteer.objects.get(name="赵新人")
    assert v.birth_date == dt.date(2000, 2, 29) and v.sex == "M"
    assert decrypt(v.id_number_enc) == NEW_ID and decrypt(v.phone_enc) == "18600001111"
    assert v.id_masked == NEW_ID[:4] + "*" * 10 + NEW_ID[-4:] and v.phone_masked == "186****1111"
    assert v.number.startswith("ZY990102") and len(v.number) == 15
    assert v.consent_version == CONSENT_VERSION and v.consent_at is not None
    assert v.user.username == v.number and v.user.check_password("Zhao#2026new")
    assert not v.user.memberships.exists()
    me = client.get("/volunteers/me/").content.decode()
    assert v.number in me and NEW_ID not in me
    assert AuditEntry.objects.filter(action=Action.CREATE, object_type="volunteers.volunteer", object_id=str(v.pk)).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1"), "校验位"),
        ("phone", "12345", "手机号"),
        ("consent", "", "同意"),
        ("password2", "Different#2026", "不一致"),
        ("password1", "12345678", ""),
    ],
)
def test_it_refuses_bad_input_in_chinese(client, vw, field, value, message):
    data = _data(vw, **{field: value})
    if field == "password1":
        data["password2"] = value
    response = client.post("/volunteers/register/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Volunteer.objects.filter(name="赵新人").exists()
    assert not get_user_model().objects.filter(username__startswith="ZY990102").exclude(volunteer__isnull=False).exists()


def test_one_volunteer_per_id_number(client, vw):
    response = client.post("/volunteers/register/", _data(vw, id_number=h.ID_A, name="冒名"))
    assert response.status_code == 200
    assert "已登记" in response.content.decode()
    assert not Volunteer.objects.filter(name="冒名").exists()


def test_it_is_rate_limited_per_address(client, vw):
    from wenming.volunteers.views import REGISTER_LIMIT

    for _ in range(REGISTER_LIMIT):
        assert client.post("/volunteers/register/", _data(vw, consent="")).status_code == 200
    response = client.post("/volunteers/register/", _data(vw))
    assert response.status_code == 429 and "过于频繁" in response.content.decode()
    assert not Volunteer.objects.filter(name="赵新人").exists()
    # Another address is not affected.
    assert client.post("/volunteers/register/", _data(vw), REMOTE_ADDR="10.0.0.9").status_code == 302
    assert RegistrationAttempt.objects.count() == REGISTER_LIMIT + 2


def test_csrf_is_enforced(vw):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/volunteers/register/", _data(vw))
    assert response.status_code == 403


def test_the_community_picker(client, world, vw):
    """Counties are listed; towns and communities load by parent; the page never lists every
    community, and a re-shown form keeps the chosen county, town and community."""
    body = client.get("/volunteers/register/").content.decode()
    assert world.county_a.code in body and "幸福社区" not in body
    towns = client.get("/volunteers/regions/", {"parent": world.county_a.code}).content.decode()
    assert 'value="990102001000"' in towns and "朝阳街道" in towns
    communities = client.get("/volunteers/regions/", {"parent": "990102001000", "value": "pk"}).content.decode()
    assert f'value="{vw.community_a.pk}"' in communities and "幸福社区" in communities
    assert "请先选择" in client.get("/volunteers/regions/", {"parent": "nonsense"}).content.decode()
    response = client.post("/volunteers/register/", _data(vw, consent=""))
    body = response.content.decode()
    assert f'<option value="{vw.community_a.pk}" selected>幸福社区</option>' in body
    assert 'value="990102001000" selected' in body and f'value="{world.county_a.code}" selected' in body


def test_a_residence_must_be_a_community(client, world, vw):
    response = client.post("/volunteers/register/", _data(vw, residence=str(world.county_a.pk)))
    assert response.status_code == 200 and "请选择有效的社区" in response.content.decode()
    assert not Volunteer.objects.filter(name="赵新人").exists()


def _edit(vw, **over):
    data = {"phone": "", "residence": str(vw.community_a.pk), "political_status": "cpc", "skills": "急救、摄影", "availability": "any"}
    data.update(over)
    return data


def test_a_volunteer_corrects_their_data(client, world, vw, login):
    from wenming.orgs.personal import phone_hash

    login(vw.vol_user)
    page = client.get("/volunteers/me/edit/").content.decode()
    assert "138****1234" in page and h.PHONE_A not in page and h.ID_A not in page
    assert 'name="name"' not in page and 'name="id_number"' not in page  # real-name data stays
    # Left empty: the phone is kept; a bad one is refused without echoing the stored number.
    assert client.post("/volunteers/me/edit/", _edit(vw))["Location"] == "/volunteers/me/"
    v = Volunteer.objects.get(pk=vw.volunteer_a.pk)
    assert decrypt(v.phone_enc) == h.PHONE_A and v.skills == "急救、摄影"
    response = client.post("/volunteers/me/edit/", _edit(vw, residence=str(world.county_a.pk)))
    assert response.status_code == 200 and h.PHONE_A not in response.content.decode()
    response = client.post("/volunteers/me/edit/", _edit(vw, phone="123"))
    assert response.status_code == 200 and "手机号" in response.content.decode()
    # A new phone: encrypted, masked, and found by its keyed hash.
    client.post("/volunteers/me/edit/", _edit(vw, phone="15912345678"))
    v.refresh_from_db()
    assert decrypt(v.phone_enc) == "15912345678" and v.phone_masked == "159****5678"
    assert Volunteer.objects.get(phone_hash=phone_hash("15912345678")) == v
    entry = AuditEntry.objects.filter(action=Action.UPDATE, object_type="volunteers.volunteer", object_id=str(v.pk)).latest("seq")
    assert entry.changes["phone_masked"] == ["138****1234", "159****5678"]
    assert "15912345678" not in str(entry.changes)


def test_only_volunteers_have_the_edit_page(client, world, login):
    login(world.county_a_admin)
    assert client.get("/volunteers/me/edit/").status_code == 403
