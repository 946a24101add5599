"""认领档案: proving document + phone on an admin-created record creates the login; every
failure that could reveal a registered document gives one generic answer; per-address limit;
audited."""

from __future__ import annotations

import hmac

import pytest
from django.contrib.auth import get_user_model

from wenming.audit.models import AuditEntry
from wenming.orgs import personal
from wenming.orgs.personal import make_mainland_id
from wenming.volunteers import claim
from wenming.volunteers.models import RegistrationAttempt, Volunteer
from wenming.volunteers.tests import helpers as h
from wenming.volunteers.views_claim import CLAIM_LIMIT

pytestmark = pytest.mark.django_db
URL = "/volunteers/claim/"
PASSWORD = "Claim#Passw0rd"


def _data(**over):
    data = {"id_type": "mainland", "id_number": h.ID_APPLICANT, "phone": h.PHONE_APPLICANT,
            "password1": PASSWORD, "password2": PASSWORD, "consent": "on"}  # fmt: skip
    data.update(over)
    return data


def test_claiming_creates_the_login_signs_in_and_is_audited(client, vw):
    assert vw.applicant.user_id is None
    page = client.get(URL)
    assert page.status_code == 200 and 'data-testid="consent-text"' in page.content.decode()
    # Lower case x, spaces, +86: normalised like everywhere else.
    response = client.post(URL, _data(phone="+86 139-2222-3333"))
    assert response.status_code == 302 and response["Location"] == "/volunteers/me/"
    applicant = Volunteer.objects.get(pk=vw.applicant.pk)
    assert applicant.user is not None and applicant.user.username == applicant.number
    assert applicant.consent_version and applicant.consent_at
    assert applicant.user.check_password(PASSWORD)
    me = client.get("/volunteers/me/").content.decode()
    assert applicant.number in me and h.ID_APPLICANT not in me and h.PHONE_APPLICANT not in me
    assert AuditEntry.objects.filter(action="create", object_repr__contains="认领档案").exists()
    entry = AuditEntry.objects.filter(action="update", object_id=str(applicant.pk)).order_by("-seq").first()
    assert entry is not None and entry.changes["user_id"] == [None, applicant.user_id]
    assert h.ID_APPLICANT not in str(entry.changes) and h.PHONE_APPLICANT not in str(entry.changes)
    # The same person cannot claim twice; a second login is not created.
    client.logout()
    page = client.post(URL, _data()).content.decode()
    assert claim.ALREADY_CLAIMED in page
    assert get_user_model().objects.filter(username=applicant.number).count() == 1


@pytest.mark.parametrize(
    "over",
    [
        {"phone": "13900000000"},  # the record exists, the phone is wrong
        {"id_number": make_mainland_id("990102", __import__("datetime").date(2001, 2, 3), 77)},  # no record
        {"id_type": "passport", "id_number": "E12345678"},  # another document type, no record
    ],
    ids=["wrong-phone", "unknown-id", "unknown-passport"],
)
def test_failures_give_one_generic_answer(client, vw, over):
    page = client.post(URL, _data(**over))
    assert page.status_code == 200
    body = page.content.decode()
    assert claim.GENERIC_ERROR in body
    assert vw.applicant.name not in body and vw.applicant.number not in body
    assert Volunteer.objects.get(pk=vw.applicant.pk).user_id is None


def test_a_self_registered_volunteer_is_answered_generically_without_the_right_phone(client, vw):
    body = client.post(URL, _data(id_number=h.ID_A, phone="13900000000")).content.decode()
    assert claim.GENERIC_ERROR in body and claim.ALREADY_CLAIMED not in body


def test_the_phone_is_compared_in_constant_time_even_without_a_record(monkeypatch, vw):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(claim.hmac, "compare_digest", spy)
    unknown = make_mainland_id("990102", __import__("datetime").date(2002, 2, 3), 78)
    for number, phone in ((unknown, h.PHONE_APPLICANT), (h.ID_APPLICANT, "13900000000")):
        with pytest.raises(claim.ClaimRefused, match="不匹配"):
            claim.claim_record(id_type="mainland", id_number=number, phone=phone, password=PASSWORD)
    width = personal.BLIND_INDEX_HEX
    assert calls == [(width, width), (width, width)]


def test_a_weak_password_is_refused_and_nothing_is_created(client, vw):
    body = client.post(URL, _data(password1="12345678", password2="12345678")).content.decode()
    assert "密码" in body and Volunteer.objects.get(pk=vw.applicant.pk).user_id is None


def test_it_is_rate_limited_per_address_apart_from_registration(client, vw):
    for _ in range(CLAIM_LIMIT):
        assert client.post(URL, _data(phone="13900000000")).status_code == 200
    # Even the right numbers are refused once over the limit.
    response = client.post(URL, _data())
    assert response.status_code == 429 and "过于频繁" in response.content.decode()
    assert Volunteer.objects.get(pk=vw.applicant.pk).user_id is None
    assert RegistrationAttempt.objects.filter(kind="claim").count() == CLAIM_LIMIT + 1
    assert client.get("/volunteers/register/").status_code == 200
    # Another address is not affected.
    assert client.post(URL, _data(), REMOTE_ADDR="10.0.0.9").status_code == 302


def test_a_signed_in_volunteer_is_sent_to_their_page(client, login, vw):
    login(vw.vol_user)
    assert client.get(URL)["Location"] == "/volunteers/me/"
