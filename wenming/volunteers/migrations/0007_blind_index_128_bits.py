"""Keyed hashes are 128 bits now (orgs.personal.blind_index: HMAC-SHA256 cut to its first 32 hex
characters). The stored ones are cut to the same prefix, so every look-up keeps finding them."""

from django.db import migrations
from django.db.models.functions import Substr


def cut_to_128_bits(apps, schema_editor):
    Volunteer = apps.get_model("volunteers", "Volunteer")
    Volunteer.objects.update(id_hash=Substr("id_hash", 1, 32), phone_hash=Substr("phone_hash", 1, 32))


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0006_phone_hash_index_without_like")]

    # Not reversible in data: a cut hash cannot be lengthened. Code from before this migration
    # would not find these rows; `manage.py volunteers_rekey` recomputes every hash with it.
    operations = [migrations.RunPython(cut_to_128_bits, migrations.RunPython.noop)]
