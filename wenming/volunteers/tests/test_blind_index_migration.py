"""Migration 0007: hashes stored at full length (64 hex characters, before keyed hashes were cut
to 128 bits) are cut to the new length, so the look-ups by ID and by phone find them again."""

from __future__ import annotations

import hashlib
import hmac
import importlib

import pytest
from django.apps import apps

from wenming.orgs import personal
from wenming.orgs.personal import id_hash, phone_hash
from wenming.volunteers.models import Volunteer
from wenming.volunteers.tests import helpers as h

pytestmark = pytest.mark.django_db

migration = importlib.import_module("wenming.volunteers.migrations.0007_blind_index_128_bits")


def _full_length(kind: str, value: str) -> str:
    """The keyed hash as it was stored before: all 256 bits."""
    _, key = personal._current_keys()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def test_stored_full_length_hashes_are_cut_and_found_again(vw):
    Volunteer.objects.filter(pk=vw.volunteer_a.pk).update(
        id_hash=_full_length("id:mainland", h.ID_A), phone_hash=_full_length("phone", h.PHONE_A)
    )
    assert not Volunteer.objects.filter(id_hash=id_hash("mainland", h.ID_A)).exists()

    migration.cut_to_128_bits(apps, None)
    migration.cut_to_128_bits(apps, None)  # a second run changes nothing

    assert Volunteer.objects.get(id_hash=id_hash("mainland", h.ID_A)) == vw.volunteer_a
    assert Volunteer.objects.get(phone_hash=phone_hash(h.PHONE_A)) == vw.volunteer_a
    assert Volunteer.objects.get(id_hash=id_hash("mainland", h.ID_B)) == vw.volunteer_b
    assert {len(x) for x in Volunteer.objects.values_list("id_hash", flat=True)} == {32}
