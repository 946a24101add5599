"""Writing the audit trail. Every service that changes something that matters calls
:func:`audit_record` inside its transaction, with a snapshot before and after."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from wenming.audit.context import Actor, current_actor
from wenming.audit.models import Action, AuditEntry, AuditHead

GENESIS = "0" * 64
SENSITIVE_FIELDS = {"password", "id_number", "id_number_enc", "phone_enc", "key", "token_hash", "secret"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (bytes, memoryview)):
        return f"<{len(value)} bytes>"
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-able dict of the object's concrete fields (secrets replaced by a marker)."""
    data: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        if f.name in SENSITIVE_FIELDS:
            data[f.name] = "***"
            continue
        data[f.attname if f.is_relation else f.name] = _jsonable(getattr(obj, f.attname))
    return data


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """Only what changed: {field: [before, after]}."""
    before, after = before or {}, after or {}
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def entry_digest(
    *,
    seq: int,
    created_at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    ip: str | None,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    region_code: str,
    org_id: int | None,
    changes: dict,
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [
            seq,
            created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            actor_id,
            actor_label,
            ip,
            action,
            object_type,
            object_id,
            object_repr,
            region_code,
            org_id,
            changes,
            prev_hash,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _locate(obj: models.Model | None) -> tuple[str, int | None]:
    """Region code and owning organisation of an object, for scoping its entries."""
    if obj is None:
        return "", None
    from wenming.orgs.models import Organisation, Region

    if isinstance(obj, Region):
        return obj.code, None
    if isinstance(obj, Organisation):
        return obj.region_code, obj.pk
    locate = getattr(obj, "audit_location", None)
    if callable(locate):
        return locate()
    org = getattr(obj, "organisation", None)
    if isinstance(org, Organisation):
        return org.region_code, org.pk
    return "", None


def audit_record(
    *,
    action: str,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    changes: dict | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    actor: Actor | None = None,
    region_code: str | None = None,
    org_id: int | None = None,
) -> AuditEntry:
    """Append one entry to the chain. Locks the chain head, so call it inside the change's
    transaction: the entry and the change commit or roll back together."""
    actor = actor or current_actor()
    loc_region, loc_org = _locate(obj)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    if changes is None:
        changes = diff(before, after) if (before is not None or after is not None) else {}
    changes = _jsonable(changes)
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        seq = head.last_seq + 1
        now = timezone.now()
        fields = dict(
            seq=seq,
            created_at=now,
            actor_id=actor.user_id,
            actor_label=actor.label[:150],
            ip=actor.ip,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            region_code=region_code if region_code is not None else loc_region,
            org_id=org_id if org_id is not None else loc_org,
            changes=changes,
            prev_hash=head.last_hash,
        )
        digest = entry_digest(**fields)
        entry = AuditEntry.objects.create(hash=digest, **fields)
        AuditHead.objects.filter(pk=1).update(last_seq=seq, last_hash=digest)
    return entry


def audit_verify() -> tuple[int, AuditEntry | None, str]:
    """Walk the chain in order. Returns (entries checked, first broken entry or None, reason)."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return checked, entry, f"序号不连续：应为 {expected_seq}，实为 {entry.seq}（有条目被删除）"
        if entry.prev_hash != prev:
            return checked, entry, "前一条哈希不符（前序条目被改动或删除）"
        digest = entry_digest(
            seq=entry.seq,
            created_at=entry.created_at,
            actor_id=entry.actor_id,
            actor_label=entry.actor_label,
            ip=entry.ip,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            object_repr=entry.object_repr,
            region_code=entry.region_code,
            org_id=entry.org_id,
            changes=entry.changes,
            prev_hash=entry.prev_hash,
        )
        if digest != entry.hash:
            return checked, entry, "内容哈希不符（本条被改动）"
        prev = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head and head.last_seq != checked:
        return checked, None, f"链头记录 {head.last_seq} 条，实有 {checked} 条（末尾条目被删除）"
    return checked, None, ""


__all__ = ["Action", "audit_record", "audit_verify", "snapshot", "diff"]
