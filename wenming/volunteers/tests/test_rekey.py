"""Changing PERSONAL_DATA_KEY: volunteers_rekey re-encrypts and re-hashes; a second run is harmless."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from wenming.orgs.personal import decrypt, id_hash
from wenming.volunteers.models import Volunteer
from wenming.volunteers.tests import helpers as h

pytestmark = pytest.mark.django_db


def test_rekey(world, vw, settings, tmp_path):
    old_key = settings.PERSONAL_DATA_KEY
    old_hash = Volunteer.objects.get(pk=vw.volunteer_a.pk).id_hash
    key_file = tmp_path / "old"
    key_file.write_text(old_key)
    settings.PERSONAL_DATA_KEY = "a brand-new personal data key for this test"
    out = io.StringIO()
    call_command("volunteers_rekey", "--old-key-file", str(key_file), stdout=out)
    assert "已重新加密 3 名" in out.getvalue()
    v = Volunteer.objects.get(pk=vw.volunteer_a.pk)
    assert decrypt(v.id_number_enc) == h.ID_A and decrypt(v.phone_enc) == h.PHONE_A
    assert v.id_hash == id_hash("mainland", h.ID_A) != old_hash
    # The look-up by hash works under the new key; a second run changes nothing.
    assert Volunteer.objects.filter(id_hash=id_hash("mainland", h.ID_B)).get() == vw.volunteer_b
    out = io.StringIO()
    call_command("volunteers_rekey", "--old-key-file", str(key_file), stdout=out)
    assert "已重新加密 0 名" in out.getvalue() and "3 名已是新密钥" in out.getvalue()
