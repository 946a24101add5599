"""The import job's code path with its worker processes really forked (no test transaction around
it, so ``VolunteerChecks`` forks): checked chunk by chunk and inserted while the next chunk is
checked (``PIPELINED_VENDORS``), or checked first then inserted — same volunteers, numbers,
memberships and errors either way, and the same as checking in this process; a cancellation
between chunks leaves nothing and no worker behind. On SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.audit.context import SYSTEM, acting_as
from wenming.audit.models import Action, AuditEntry
from wenming.orgs.personal import decrypt, id_hash, validate_id
from wenming.volimport import parser, services, validate
from wenming.volimport.tests import helpers as t
from wenming.volunteers.models import TeamMembership, Volunteer
from wenming.volunteers.tests import helpers as vh

pytestmark = pytest.mark.django_db(transaction=True)


class Cancelled(Exception):
    pass


def _sheet():
    rows = [t.HEADER, *t.good_rows(230, start=300)]
    rows[40][2] = rows[7][2]  # a duplicate across chunks (chunk = 50 rows)
    rows[120][3] = "12"  # a bad phone
    rows[121][2] = vh.ID_A  # already registered
    rows[170][4] = "不存在的队"
    return rows


def _batch(vw, rows):
    data = t.xlsx_bytes(rows)
    with acting_as(SYSTEM):
        batch = services.batch_create(
            org=vw.vorg_a, kind="volunteers", upload=SimpleUploadedFile("名单.xlsx", data), user=vw.vorg_admin
        )
    batch.mapping = parser.suggest_mapping("volunteers", batch.headers)
    return batch, data


@pytest.fixture
def small_chunks(monkeypatch, settings_personal_key):
    """Chunks of 50 rows, two forked workers; asserts at the end that they were really forked."""
    forked = []
    close = validate.VolunteerChecks.close

    def spy_close(self):
        forked.append(self.parallel)
        close(self)

    monkeypatch.setattr(validate.VolunteerChecks, "close", spy_close)
    monkeypatch.setattr(validate, "PARALLEL_MIN_ROWS", 10)
    monkeypatch.setattr(validate, "PARALLEL_CHUNK", 50)
    monkeypatch.setattr(services, "INSERT_CHUNK", 30)
    monkeypatch.setattr(validate, "default_workers", lambda: 2)
    yield
    assert forked and forked[0] is True


@pytest.mark.parametrize("pipelined", [True, False])
def test_forked_import_pipelined_or_not(vw, small_chunks, monkeypatch, pipelined):
    from django.db import connection

    monkeypatch.setattr(services, "PIPELINED_VENDORS", {connection.vendor} if pipelined else set())
    rows = _sheet()
    batch, data = _batch(vw, rows)
    before = Volunteer.objects.count()
    with acting_as(SYSTEM):
        inserted, checked = services.batch_import_volunteers(
            batch=batch, mode="valid", data=data, user=vw.vorg_admin
        )
    assert not multiprocessing.active_children()
    assert (checked.total, inserted, checked.error_rows) == (230, 226, 4)
    assert {(e.row, e.code) for e in checked.errors} == {
        (3 + 40, "id_dup_file"),  # file rows: title, blank, header, then rows[1] on row 4
        (3 + 120, "phone_invalid"),
        (3 + 121, "id_dup_db"),
        (3 + 170, "team_unknown"),
    }
    assert Volunteer.objects.count() == before + 226
    v = Volunteer.objects.get(id_hash=id_hash("mainland", t.person(300 + 3)))
    assert decrypt(v.id_number_enc) == t.person(303) and v.id_number_enc.startswith("v2:")
    # The row the worker built (COPY text / tuple) carries the derived and constant columns too.
    assert v.birth_date == validate_id("mainland", t.person(303)).birth_date and v.birth_date is not None
    assert v.home_org_id == vw.vorg_a.pk and v.consent_version and v.consent_at is not None
    assert TeamMembership.objects.filter(volunteer=v, team=vw.team_a, status="approved").exists()
    assert TeamMembership.objects.filter(note="批量导入").count() == sum(
        1 for r in checked.valid if r.team_id
    )
    numbers = list(Volunteer.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    batch.refresh_from_db()
    assert batch.status == "imported" and batch.imported_rows == 226
    assert AuditEntry.objects.filter(action=Action.IMPORT, object_type="volunteers.volunteer").count() == 1
    # The same file checked in this process gives the same rows and errors.
    serial = validate.check_volunteers(
        parser.read_grid(data),
        header_row=batch.header_row - 1,
        mapping=batch.mapping,
        labels=batch.headers,
        ctx=validate.VolunteerContext(
            teams=validate.volunteer_context(vw.vorg_a).teams,
            regions_by_code={},
            regions_by_name={},
            existing_hashes=lambda hashes: {id_hash("mainland", vh.ID_A)} & set(hashes),
        ),
        workers=1,
    )
    assert [(e.row, e.column, e.code, e.message) for e in serial.errors] == [
        (e.row, e.column, e.code, e.message) for e in checked.errors
    ]
    assert [(r.row, r.id_hash, r.team_id) for r in serial.valid] == [
        (r.row, r.id_hash, r.team_id) for r in checked.valid
    ]


@pytest.mark.parametrize("pipelined", [True, False])
def test_cancel_between_chunks_leaves_nothing_and_no_worker(vw, small_chunks, monkeypatch, pipelined):
    from django.db import connection

    monkeypatch.setattr(services, "PIPELINED_VENDORS", {connection.vendor} if pipelined else set())
    batch, data = _batch(vw, _sheet())
    before = (Volunteer.objects.count(), TeamMembership.objects.count(), AuditEntry.objects.count())
    calls = []

    def check_cancel():
        calls.append(1)
        if len(calls) == 3:
            raise Cancelled

    with acting_as(SYSTEM), pytest.raises(Cancelled):
        services.batch_import_volunteers(
            batch=batch, mode="valid", data=data, user=vw.vorg_admin, check_cancel=check_cancel
        )
    assert not multiprocessing.active_children()
    assert (Volunteer.objects.count(), TeamMembership.objects.count(), AuditEntry.objects.count()) == before


def test_all_or_nothing_refuses_after_a_pipelined_pass(vw, small_chunks, monkeypatch):
    from django.core.exceptions import ValidationError
    from django.db import connection

    monkeypatch.setattr(services, "PIPELINED_VENDORS", {connection.vendor})
    batch, data = _batch(vw, _sheet())
    before = Volunteer.objects.count()
    with acting_as(SYSTEM), pytest.raises(ValidationError, match="未导入任何数据"):
        services.batch_import_volunteers(batch=batch, mode="all", data=data, user=vw.vorg_admin)
    assert Volunteer.objects.count() == before and not multiprocessing.active_children()
