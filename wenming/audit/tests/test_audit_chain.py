"""The audit chain: `audit_verify` passes an intact chain and names the first broken entry after
tampering (an edited row, a rewritten hash, a deleted row); the database and the model refuse
changes; parallel appends on PostgreSQL do not fork the chain."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from wenming.audit.context import Actor, acting_as
from wenming.audit.models import Action, AuditEntry, AuditHead
from wenming.audit.services import audit_record, audit_verify, entry_digest

ON_POSTGRES = connection.vendor == "postgresql"


def _append(count: int, label: str = "probe") -> list[AuditEntry]:
    with acting_as(Actor(user_id=None, label="测试", ip="192.0.2.1")):
        return [
            audit_record(
                action=Action.UPDATE,
                object_type="test.probe",
                object_id=str(i),
                object_repr=f"{label} {i}",
                changes={"score": [str(i), str(i + 1)]},
            )
            for i in range(count)
        ]


def _verify_command() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def _verify_failure() -> str:
    with pytest.raises(CommandError) as failure:
        _verify_command()
    return str(failure.value)


def _raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _allow_updates_in_this_transaction() -> None:
    """Remove the append-only trigger; the test's transaction rolls this back."""
    if ON_POSTGRES:
        _raw("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_change")
    else:
        _raw("DROP TRIGGER audit_entry_no_update")


def _assert_update_refused(entry: AuditEntry) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():  # a savepoint: PostgreSQL aborts the statement's transaction
            _raw("UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", ["篡改", entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == entry.object_repr


@pytest.mark.django_db
def test_an_intact_chain_passes(world):
    _append(3)
    total = AuditEntry.objects.count()
    assert total >= 3
    assert f"审计链完好，共 {total} 条" in _verify_command()


@pytest.mark.django_db
def test_each_entry_hashes_its_content_and_the_previous_hash(world):
    first, second = _append(2)
    assert second.prev_hash == first.hash
    assert second.seq == first.seq + 1
    head = AuditHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (second.seq, second.hash)
    stored = AuditEntry.objects.get(pk=second.pk)
    fields = {f: getattr(stored, f) for f in ("seq", "created_at", "actor_id", "actor_label", "ip", "action")}
    fields |= {
        f: getattr(stored, f) for f in ("object_type", "object_id", "object_repr", "region_code", "org_id")
    }
    assert entry_digest(**fields, changes=stored.changes, prev_hash=stored.prev_hash) == stored.hash


@pytest.mark.django_db
def test_the_database_refuses_an_update_and_a_tampered_entry_is_named(world):
    entries = _append(3)
    target = entries[1]
    _assert_update_refused(target)

    _allow_updates_in_this_transaction()
    _raw("UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", ["篡改", target.pk])

    message = _verify_failure()
    assert f"第 {target.seq} 条（id={target.pk}）" in message
    assert "内容哈希不符" in message
    assert f"此前 {target.seq - 1} 条完好" in message


@pytest.mark.django_db
def test_a_tampered_entry_with_a_recomputed_hash_breaks_the_next_link(world):
    entries = _append(3)
    target, following = entries[1], entries[2]
    _allow_updates_in_this_transaction()
    forged = AuditEntry.objects.get(pk=target.pk)
    forged.changes = {"score": ["1", "100"]}
    fields = {f: getattr(forged, f) for f in ("seq", "created_at", "actor_id", "actor_label", "ip", "action")}
    fields |= {
        f: getattr(forged, f) for f in ("object_type", "object_id", "object_repr", "region_code", "org_id")
    }
    new_hash = entry_digest(**fields, changes=forged.changes, prev_hash=forged.prev_hash)
    _raw(
        "UPDATE audit_auditentry SET changes = %s, hash = %s WHERE id = %s",
        ['{"score": ["1", "100"]}', new_hash, target.pk],
    )

    message = _verify_failure()
    assert f"第 {following.seq} 条（id={following.pk}）" in message
    assert "前一条哈希不符" in message


@pytest.mark.django_db
def test_a_deleted_entry_leaves_a_gap_that_is_named(world):
    entries = _append(3)
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])

    message = _verify_failure()
    assert f"第 {entries[2].seq} 条（id={entries[2].pk}）" in message
    assert f"应为 {entries[1].seq}" in message and "有条目被删除" in message


@pytest.mark.django_db
def test_a_deleted_last_entry_is_found_against_the_head(world):
    entries = _append(2)
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])

    message = _verify_failure()
    assert "链尾" in message and "末尾条目被删除" in message


@pytest.mark.django_db
def test_the_model_refuses_to_change_or_delete_an_entry(world):
    [entry] = _append(1)
    entry.object_repr = "改过"
    with pytest.raises(PermissionError, match="只能追加"):
        entry.save()
    with pytest.raises(PermissionError, match="不能删除"):
        entry.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="改过")
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == "probe 0"
    assert "审计链完好" in _verify_command()


APPENDS_PER_THREAD = 25


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: two connections appending at once")
@pytest.mark.django_db(transaction=True)
def test_parallel_appends_from_two_connections_do_not_fork_the_chain():
    from django.db import connections

    start = AuditHead.objects.filter(pk=1).values_list("last_seq", flat=True).first() or 0
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def append(label: str) -> None:
        try:
            barrier.wait()
            for _ in range(APPENDS_PER_THREAD):
                with transaction.atomic():
                    _append(1, label)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(name,)) for name in ("线程甲", "线程乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    seqs = list(AuditEntry.objects.filter(seq__gt=start).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(start + 1, start + 1 + 2 * APPENDS_PER_THREAD))
    labels = set(AuditEntry.objects.filter(seq__gt=start).values_list("object_repr", flat=True))
    assert {"线程甲 0", "线程乙 0"} <= labels
    checked, broken, reason = audit_verify()
    assert (broken, reason) == (None, "")
    assert checked == start + 2 * APPENDS_PER_THREAD
