"""Keyed hashes are 128 bits now (orgs.personal.blind_index: HMAC-SHA256 cut to its first 32 hex
characters): the stored phone hashes of public reports and of their anti-abuse attempts are cut
to the same prefix."""

from django.db import migrations
from django.db.models.functions import Substr


def cut_to_128_bits(apps, schema_editor):
    for name in ("PublicReport", "PublicReportAttempt"):
        apps.get_model("inspections", name).objects.update(phone_hash=Substr("phone_hash", 1, 32))


class Migration(migrations.Migration):
    dependencies = [("inspections", "0015_unit_samples")]

    operations = [migrations.RunPython(cut_to_128_bits, migrations.RunPython.noop)]
