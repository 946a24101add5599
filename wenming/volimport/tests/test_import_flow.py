"""The import end to end through the pages: upload a person's own sheet (title rows above the
header, their own column names) → mapping → check (preview with row-level errors) → import as a
job → volunteers, memberships, one audit entry. Also: all-or-nothing, mapping remembered, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from wenming.audit.models import Action, AuditEntry
from wenming.orgs.personal import decrypt, id_hash, make_mainland_id
from wenming.volimport.models import BatchStatus, ImportBatch, ImportMapping
from wenming.volimport.tests import helpers as t
from wenming.volunteers.models import TeamMembership, Volunteer
from wenming.volunteers.tests import helpers as vh

pytestmark = pytest.mark.django_db


def _upload(client, vw, rows, *, name="名单.xlsx", title="花名册"):
    response = client.post(
        reverse("volimport:index"),
        {"org": vw.vorg_a.pk, "kind": "volunteers", "file": t.upload(t.xlsx_bytes(rows, title=title), name)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.latest("pk")


def _map_and_check(client, batch, django_capture_on_commit_callbacks, mapping=None):
    data = {f"map_{k}": v for k, v in (mapping or batch.mapping).items()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("volimport:batch_mapping", args=[batch.pk]), data)
    assert response.status_code == 302
    batch.refresh_from_db()
    return batch


def _import(client, batch, mode, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("volimport:batch_import", args=[batch.pk]), {"mode": mode})
    assert response.status_code == 302
    batch.refresh_from_db()
    return batch


def test_own_sheet_is_mapped_checked_and_imported(client, login, vw, django_capture_on_commit_callbacks):
    login(vw.vorg_admin)
    rows = [t.HEADER, *t.good_rows(6)]
    bad_checksum = t.person(50)[:17] + ("0" if t.person(50)[17] != "0" else "1")
    rows += [
        [7, "错校验", bad_checksum, t.phone(50), "", "群众", "2024-03-05"],
        [8, "重复", t.person(1), t.phone(51), "", "群众", "2024-03-05"],  # same ID as row 5 (i=1)
        [9, "在库", vh.ID_A, t.phone(52), "", "群众", "2024-03-05"],  # already registered
        [10, "坏手机", t.person(53), "1234", "", "群众", "2024-03-05"],
        [11, "坏日期", t.person(54), t.phone(54), "", "群众", "2024-02-30"],
        [12, "无队伍", t.person(55), t.phone(55), "不存在的队", "群众", "2024-03-05"],
    ]
    batch = _upload(client, vw, rows)
    assert batch.header_row == 3  # title, blank, header
    assert batch.mapping == {
        "name": 1,
        "id_number": 2,
        "phone": 3,
        "team": 4,
        "political_status": 5,
        "registered_on": 6,
    }
    page = client.get(reverse("volimport:batch_detail", args=[batch.pk])).content.decode()
    assert "确认列的对应关系" in page
    assert t.person(0) not in page and t.phone(0) not in page  # sample rows are masked

    batch = _map_and_check(client, batch, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.CHECKED, batch.message
    assert (batch.total_rows, batch.valid_rows, batch.error_rows) == (12, 6, 6)
    messages = {row: msg for row, _col, msg in batch.errors}
    assert "校验位" in messages[10]
    assert "与第 5 行重复" in messages[11]
    assert "已登记为志愿者" in messages[12]
    assert "手机号" in messages[13]
    assert "日期" in messages[14]
    assert "队伍" in messages[15]
    assert set(batch.error_counts) == {
        "id_invalid",
        "id_dup_file",
        "id_dup_db",
        "phone_invalid",
        "date_invalid",
        "team_unknown",
    }
    page = client.get(reverse("volimport:batch_detail", args=[batch.pk])).content.decode()
    assert "第 10 行" in page and "只导入正确的 6 行" in page
    assert vh.ID_A not in page and bad_checksum not in page

    before = Volunteer.objects.count()
    batch = _import(client, batch, "valid", django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.IMPORTED, batch.message
    assert batch.imported_rows == 6
    assert Volunteer.objects.count() == before + 6
    v = Volunteer.objects.get(id_hash=id_hash("mainland", t.person(3)))
    assert decrypt(v.id_number_enc) == t.person(3) and decrypt(v.phone_enc) == t.phone(3)
    assert v.home_org == vw.vorg_a and v.political_status == "cyl" and v.number.startswith("ZY990102")
    assert v.created_at.date() == dt.date(2024, 3, 5)
    assert TeamMembership.objects.filter(team=vw.team_a, volunteer=v, status="approved").exists()
    entries = AuditEntry.objects.filter(action=Action.IMPORT, object_type="volunteers.volunteer")
    assert entries.count() == 1 and entries.get().changes["导入行数"] == [0, 6]
    numbers = list(Volunteer.objects.filter(home_org=vw.vorg_a).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))


def test_all_or_nothing_mode_refuses_a_file_with_errors(
    client, login, vw, django_capture_on_commit_callbacks
):
    login(vw.vorg_admin)
    rows = [t.HEADER, *t.good_rows(3), [4, "坏手机", t.person(60), "1234", "", "", ""]]
    batch = _map_and_check(client, _upload(client, vw, rows), django_capture_on_commit_callbacks)
    before = Volunteer.objects.count()
    batch = _import(client, batch, "all", django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.FAILED and "未导入任何数据" in batch.message
    assert Volunteer.objects.count() == before
    assert not AuditEntry.objects.filter(action=Action.IMPORT).exists()


def test_failure_in_the_write_leaves_nothing(
    client, login, vw, django_capture_on_commit_callbacks, monkeypatch
):
    """An error after the volunteers are inserted (here: while adding team memberships) rolls
    back the volunteers, the reserved numbers and the audit entry with them."""
    from wenming.volimport import fastinsert
    from wenming.volunteers.models import VolunteerNumberCounter

    login(vw.vorg_admin)
    batch = _map_and_check(
        client, _upload(client, vw, [t.HEADER, *t.good_rows(4)]), django_capture_on_commit_callbacks
    )
    real = fastinsert.insert_rows

    def failing(table, *args, **kwargs):
        if table == TeamMembership._meta.db_table:
            raise RuntimeError("disk full")
        return real(table, *args, **kwargs)

    monkeypatch.setattr(fastinsert, "insert_rows", failing)
    counters = dict(VolunteerNumberCounter.objects.values_list("prefix", "last"))
    before = Volunteer.objects.count()
    batch = _import(client, batch, "valid", django_capture_on_commit_callbacks)  # the task fails (logged)
    assert batch.status == BatchStatus.FAILED
    assert Volunteer.objects.count() == before
    assert dict(VolunteerNumberCounter.objects.values_list("prefix", "last")) == counters
    assert not AuditEntry.objects.filter(action=Action.IMPORT).exists()


def test_cancel_during_the_write_rolls_everything_back(
    client, login, vw, django_capture_on_commit_callbacks, monkeypatch
):
    """The cancel request arrives while the rows are being written: the check between chunks
    raises inside the transaction, so none of the rows stays."""
    from wenming.jobs.models import Job
    from wenming.volimport import fastinsert, services

    login(vw.vorg_admin)
    batch = _map_and_check(
        client, _upload(client, vw, [t.HEADER, *t.good_rows(7)]), django_capture_on_commit_callbacks
    )
    monkeypatch.setattr(services, "INSERT_CHUNK", 3)
    calls = []

    def then_cancel(real):  # the volunteers go in through insert_rows (SQLite) or copy_lines
        def insert_then_cancel(table, *args, **kwargs):
            n = real(table, *args, **kwargs)
            calls.append(n)
            if len(calls) == 2:  # the second chunk is in: the person presses 取消
                Job.objects.filter(kind="volimport.import").update(cancel_requested=True)
            return n

        return insert_then_cancel

    monkeypatch.setattr(fastinsert, "insert_rows", then_cancel(fastinsert.insert_rows))
    monkeypatch.setattr(fastinsert, "copy_lines", then_cancel(fastinsert.copy_lines))
    before = Volunteer.objects.count()
    batch = _import(client, batch, "valid", django_capture_on_commit_callbacks)
    assert calls[:2] == [3, 3]
    assert batch.status == BatchStatus.CHECKED and "取消" in batch.message
    assert Volunteer.objects.count() == before
    assert Job.objects.get(kind="volimport.import").status == "cancelled"
    assert not AuditEntry.objects.filter(action=Action.IMPORT).exists()


def test_mapping_is_remembered_for_the_org_and_layout(client, login, vw, django_capture_on_commit_callbacks):
    login(vw.vorg_admin)
    header = ["名字", "号码", "手机号", "备注"]  # "号码" matches no synonym: the person maps it
    rows = [header, ["甲", t.person(70), t.phone(70), ""]]
    batch = _upload(client, vw, rows)
    assert "id_number" not in batch.mapping and not batch.mapping_remembered
    _map_and_check(
        client, batch, django_capture_on_commit_callbacks, mapping={"name": 0, "id_number": 1, "phone": 2}
    )
    assert ImportMapping.objects.filter(org=vw.vorg_a, kind="volunteers").count() == 1
    again = _upload(client, vw, [header, ["乙", t.person(71), t.phone(71), ""]], title=None)
    assert again.mapping_remembered and again.mapping == {"name": 0, "id_number": 1, "phone": 2}


def test_missing_required_mapping_is_refused(client, login, vw):
    login(vw.vorg_admin)
    batch = _upload(client, vw, [["姓名", "备注"], ["甲", "x"]])
    response = client.post(reverse("volimport:batch_mapping", args=[batch.pk]), {"map_name": 0}, follow=True)
    assert "证件号码" in response.content.decode() and "必填项" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UPLOADED


@pytest.mark.parametrize(
    "persona", ["county_b_admin", "unit_a_admin", "city_inspector", "outsider", "vol_user"]
)
def test_others_cannot_see_or_use_a_batch(
    client, login, vw, world, persona, django_capture_on_commit_callbacks
):
    login(vw.vorg_admin)
    batch = _upload(client, vw, [t.HEADER, *t.good_rows(2)])
    client.logout()
    login(getattr(vw, persona, None) or getattr(world, persona))
    for name in ("batch_detail", "batch_progress", "batch_errors"):
        assert client.get(reverse(f"volimport:{name}", args=[batch.pk])).status_code == 404
    for name in ("batch_mapping", "batch_import", "batch_header", "batch_cancel"):
        assert (
            client.post(reverse(f"volimport:{name}", args=[batch.pk]), {"mode": "valid"}).status_code == 404
        )
    # Nor import into vorg_a: the upload form offers only their own organisations (if any).
    response = client.post(
        reverse("volimport:index"),
        {"org": vw.vorg_a.pk, "kind": "volunteers", "file": t.upload(t.xlsx_bytes([t.HEADER]))},
    )
    assert response.status_code in (200, 403)
    assert ImportBatch.objects.count() == 1


def test_office_admin_above_the_org_may_import(client, login, vw, world):
    login(world.county_a_admin)
    batch = _upload(client, vw, [t.HEADER, *t.good_rows(1)])
    assert client.get(reverse("volimport:batch_detail", args=[batch.pk])).status_code == 200


def test_template_has_chinese_headers(client, login, vw):
    import io

    from python_calamine import CalamineWorkbook

    login(vw.vorg_admin)
    response = client.get(reverse("volimport:template") + "?kind=volunteers")
    assert response.status_code == 200
    grid = (
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert grid[0][:4] == ["＊姓名", "证件类型", "＊证件号码", "＊手机号"]


def test_passport_and_other_documents(client, login, vw, django_capture_on_commit_callbacks):
    login(vw.vorg_admin)
    rows = [
        ["姓名", "证件类型", "证件号码", "手机"],
        ["外宾", "护照", "E12345678", t.phone(80)],
        ["港人", "港澳通行证", "H1234567", t.phone(81)],
    ]
    batch = _map_and_check(client, _upload(client, vw, rows), django_capture_on_commit_callbacks)
    assert batch.valid_rows == 1 and "港澳" in batch.errors[0][2]
    _ = make_mainland_id


def test_batched_tokens_are_read_by_personal_decrypt_and_fernet_tokens_still_are(settings_personal_key):
    """The import writes v2 tokens (AES-256-GCM); values stored before as Fernet tokens stay
    readable, and either kind under another key raises Fernet's InvalidToken (volunteers_rekey
    relies on that)."""
    import pytest
    from cryptography.fernet import InvalidToken

    from wenming.orgs.personal import V2_PREFIX, _current_keys, encrypt
    from wenming.volimport.crypto import encrypt_many

    values = [
        "",
        "1",
        "13812341234",
        "a" * 15,
        "b" * 16,
        "c" * 17,
        "3301061990010112X4",
        "中文姓名" * 5,
        "x" * 100,
    ]
    tokens = encrypt_many(values)
    for value, token in zip(values, tokens, strict=True):
        assert (decrypt(token) if token else "") == value
        if value:
            assert token.startswith(V2_PREFIX) and (len(value) < 8 or value not in token)
        else:
            assert token == ""
    assert len(set(tokens[1:])) == len(tokens) - 1  # fresh nonces
    assert len(tokens[6]) == 67 and len(tokens[2]) == 55  # ID and phone: narrower than Fernet's 120/100
    fernet, _ = _current_keys()
    legacy = fernet.encrypt(b"13812341234").decode()  # a token written before v2
    assert legacy.startswith("gAAAA") and decrypt(legacy) == "13812341234"
    assert decrypt(encrypt("13812341234")) == "13812341234"
    for token in (tokens[2], legacy):
        with pytest.raises(InvalidToken):
            decrypt(token, secret="another key entirely")
    damaged = tokens[2][:-3] + ("A" if tokens[2][-3] != "A" else "B") + tokens[2][-2:]
    for bad in (damaged, V2_PREFIX, V2_PREFIX + "!!!!", V2_PREFIX + "A" * 40):
        with pytest.raises(InvalidToken):
            decrypt(bad)


def test_rekey_reads_imported_and_legacy_rows(settings_personal_key, vw, tmp_path):
    """volunteers_rekey after an import: v2 rows (the import's) and a Fernet row (written before
    v2) are all re-encrypted and re-hashed under the new key; a second run changes nothing."""
    import io

    from django.core.management import call_command

    from wenming.orgs.personal import _current_keys
    from wenming.volimport import services
    from wenming.volimport.validate import check_volunteers, volunteer_context

    settings = settings_personal_key
    rows = t.good_rows(6, start=700)
    grid = [t.HEADER, *rows]
    from wenming.volimport import parser

    mapping = parser.suggest_mapping("volunteers", t.HEADER)
    checked = check_volunteers(
        grid, header_row=0, mapping=mapping, labels=t.HEADER, ctx=volunteer_context(vw.vorg_a), encrypt=True
    )
    assert len(checked.valid) == 6 and all(r.id_enc.startswith("v2:") for r in checked.valid)
    services.insert_volunteers(
        prepared=services.prepare_volunteers(checked.valid), org=vw.vorg_a, user=None, file_name="x.xlsx"
    )
    legacy = Volunteer.objects.get(id_hash=id_hash("mainland", t.person(700)))
    fernet, _ = _current_keys()
    legacy.id_number_enc = fernet.encrypt(t.person(700).encode()).decode()
    legacy.save(update_fields=["id_number_enc"])
    key_file = tmp_path / "old"
    key_file.write_text(settings.PERSONAL_DATA_KEY)
    settings.PERSONAL_DATA_KEY = "a brand-new personal data key for the import test"
    before = Volunteer.objects.count()
    out = io.StringIO()
    call_command("volunteers_rekey", "--old-key-file", str(key_file), stdout=out)
    assert f"已重新加密 {before} 名" in out.getvalue()
    for i in range(700, 706):
        v = Volunteer.objects.get(id_hash=id_hash("mainland", t.person(i)))
        assert decrypt(v.id_number_enc) == t.person(i) and decrypt(v.phone_enc) == t.phone(i)
    out = io.StringIO()
    call_command("volunteers_rekey", "--old-key-file", str(key_file), stdout=out)
    assert "已重新加密 0 名" in out.getvalue()
