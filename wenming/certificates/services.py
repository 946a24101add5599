"""Issuing, requesting and revoking 志愿服务证明 — every write audited in its transaction.

Who may call what is checked by the views through :mod:`wenming.certificates.selectors`
(only the organisation's own admins issue and revoke: 谁记录谁证明).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections import OrderedDict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.certificates.models import (
    Certificate,
    CertificateCounter,
    CertificateRequest,
    CertificateStatus,
    RequestStatus,
)
from wenming.files.services import file_store
from wenming.orgs.personal import IdType
from wenming.volunteers.models import RecordSource, ServiceRecord, Volunteer, VolunteerOrg

CONTENT_VERSION = 1
SERIAL_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
AUDIT_FIELDS = [
    "serial", "volunteer", "org", "period_start", "period_end", "hours", "content_hash", "issued_on", "status",
    "revoked_at", "revoke_reason",
]  # fmt: skip


def canonical_bytes(content: dict) -> bytes:
    """The one serialisation the hash is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def masked_name(name: str) -> str:
    """张三 → 张*, 欧阳明月 → 欧***: the family-name character and stars."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _period_records(*, org: VolunteerOrg, volunteer: Volunteer, start: dt.date, end: dt.date):
    return (
        ServiceRecord.objects.filter(org=org, volunteer=volunteer, date__gte=start, date__lte=end)
        .select_related("activity", "corrects__activity")
        .order_by("date", "id")
    )


def _item_label(record: ServiceRecord) -> str:
    line = record.corrects if record.source == RecordSource.CORRECTION and record.corrects_id else record
    if line.activity_id:
        return line.activity.title
    return (line.content or "").strip() or "志愿服务"


def service_summary(*, org: VolunteerOrg, volunteer: Volunteer, start: dt.date, end: dt.date) -> dict:
    """Hours and service content the organisation recorded for the volunteer in the period —
    only its own records (谁组织谁证明), corrections included with their sign."""
    items: OrderedDict[str, dict] = OrderedDict()
    total = Decimal("0")
    times = 0
    for r in _period_records(org=org, volunteer=volunteer, start=start, end=end):
        label = _item_label(r)[:100]
        item = items.setdefault(
            label, {"content": label, "hours": Decimal("0"), "times": 0, "first": r.date, "last": r.date}
        )
        item["hours"] += r.hours
        item["last"] = max(item["last"], r.date)
        total += r.hours
        if r.source != RecordSource.CORRECTION:
            item["times"] += 1
            times += 1
    return {
        "hours": total.quantize(Decimal("0.01")),
        "times": times,
        "items": [
            {
                "content": i["content"],
                "hours": str(i["hours"].quantize(Decimal("0.01"))),
                "times": i["times"],
                "first": i["first"].isoformat(),
                "last": i["last"].isoformat(),
            }
            for i in items.values()
            if i["hours"] != 0 or i["times"]
        ],
    }


def _serial(org: VolunteerOrg, year: int) -> str:
    counter, _ = CertificateCounter.objects.select_for_update().get_or_create(org=org, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    tail = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(4))
    return f"ZM{year}{org.pk:04d}{counter.last:05d}{tail}"


def certificate_issue(
    *,
    org: VolunteerOrg,
    volunteer: Volunteer,
    period_start: dt.date,
    period_end: dt.date,
    head: str,
    handler: str,
    contact: str,
    user,
    verify_url: str,
    request: CertificateRequest | None = None,
    today: dt.date | None = None,
) -> Certificate:
    """Freeze the content, render and store the PDF, record and audit the certificate."""
    from wenming.certificates.pdf import render_certificate

    today = today or timezone.localdate()
    head, handler, contact = (head or "").strip(), (handler or "").strip(), (contact or "").strip()
    if not (head and handler and contact):
        raise ValidationError("请填写负责人、经办人和联系方式")
    if period_end < period_start:
        raise ValidationError("截止日期不能早于起始日期")
    if period_end > today:
        raise ValidationError("截止日期不能晚于今天")
    summary = service_summary(org=org, volunteer=volunteer, start=period_start, end=period_end)
    if summary["hours"] <= 0:
        raise ValidationError(
            "该期间内本组织没有为该志愿者记录服务时长，不能出具证明（谁组织谁记录、谁记录谁证明）"
        )
    with transaction.atomic():
        serial = _serial(org, today.year)
        content = {
            "version": CONTENT_VERSION,
            "serial": serial,
            "issued_on": today.isoformat(),
            "volunteer": {
                "name": volunteer.name,
                "id_type": str(dict(IdType.choices).get(volunteer.id_type, volunteer.id_type)),
                "id_masked": volunteer.id_masked,
                "number": volunteer.number,
            },
            "service": {
                "period_start": period_start.isoformat(),
                "period_end": period_end.isoformat(),
                "hours": str(summary["hours"]),
                "times": summary["times"],
                "items": summary["items"],
            },
            "issuer": {
                "org": org.name,
                "org_id": org.pk,
                "head": head,
                "handler": handler,
                "contact": contact,
            },
        }
        digest = content_hash(content)
        pdf = render_certificate(content, digest=digest, verify_url=f"{verify_url}?s={serial}&h={digest}")
        stored = file_store(
            upload=ContentFile(pdf, name=f"志愿服务证明_{serial}.pdf"),
            organisation=org.operator if org.operator_id else None,
            user=None,  # issued by the system on the organisation's behalf; the issuer is recorded below
            purpose="志愿服务证明",
        )
        cert = Certificate.objects.create(
            serial=serial,
            volunteer=volunteer,
            org=org,
            period_start=period_start,
            period_end=period_end,
            hours=summary["hours"],
            content=content,
            content_hash=digest,
            file=stored,
            issued_on=today,
            issued_by=user,
        )
        audit_record(action=Action.CREATE, obj=cert, after=snapshot(cert, fields=AUDIT_FIELDS))
        if request is not None:
            before = snapshot(request, fields=["status", "note"])
            request.status = RequestStatus.ISSUED
            request.certificate = cert
            request.decided_by = user
            request.decided_at = timezone.now()
            request.save(update_fields=["status", "certificate", "decided_by", "decided_at"])
            audit_record(
                action=Action.UPDATE,
                obj=request,
                before=before,
                after=snapshot(request, fields=["status", "note"]),
            )
    return cert


def certificate_revoke(*, certificate: Certificate, reason: str, user) -> Certificate:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写撤销原因")
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if cert.status == CertificateStatus.REVOKED:
            raise ValidationError("该证明已撤销")
        before = snapshot(cert, fields=AUDIT_FIELDS)
        cert.status = CertificateStatus.REVOKED
        cert.revoked_at = timezone.now()
        cert.revoked_by = user
        cert.revoke_reason = reason[:300]
        cert.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
        audit_record(action=Action.UPDATE, obj=cert, before=before, after=snapshot(cert, fields=AUDIT_FIELDS))
    return cert


def request_create(
    *, volunteer: Volunteer, org: VolunteerOrg, period_start: dt.date, period_end: dt.date, purpose: str = ""
) -> CertificateRequest:
    if period_end < period_start:
        raise ValidationError("截止日期不能早于起始日期")
    has_hours = (
        ServiceRecord.objects.filter(
            org=org, volunteer=volunteer, date__gte=period_start, date__lte=period_end
        ).aggregate(s=Sum("hours"))["s"]
        or 0
    ) > 0
    if not has_hours:
        raise ValidationError("该组织在此期间没有您的服务时长记录")
    if CertificateRequest.objects.filter(
        volunteer=volunteer, org=org, status=RequestStatus.REQUESTED
    ).exists():
        raise ValidationError("您已向该组织提交过申请，请等待处理")
    with transaction.atomic():
        req = CertificateRequest.objects.create(
            volunteer=volunteer,
            org=org,
            period_start=period_start,
            period_end=period_end,
            purpose=(purpose or "")[:200],
        )
        audit_record(action=Action.CREATE, obj=req, after=snapshot(req))
    return req


def request_reject(*, req: CertificateRequest, note: str, user) -> CertificateRequest:
    note = (note or "").strip()
    if not note:
        raise ValidationError("请填写不予开具的理由")
    if req.status != RequestStatus.REQUESTED:
        raise ValidationError("该申请已处理")
    with transaction.atomic():
        before = snapshot(req, fields=["status", "note"])
        req.status = RequestStatus.REJECTED
        req.note = note[:300]
        req.decided_by = user
        req.decided_at = timezone.now()
        req.save(update_fields=["status", "note", "decided_by", "decided_at"])
        audit_record(
            action=Action.UPDATE, obj=req, before=before, after=snapshot(req, fields=["status", "note"])
        )
    return req


def verify(*, serial: str, digest: str) -> dict:
    """What the public verification page may say: never the ID, phone or full name."""
    serial = (serial or "").strip().upper()[:32]
    digest = (digest or "").strip().lower()[:64]
    cert = Certificate.objects.select_related("org").filter(serial=serial).first() if serial else None
    if cert is None:
        return {"found": False, "serial": serial}
    recomputed = content_hash(cert.content)
    intact = recomputed == cert.content_hash
    return {
        "found": True,
        "serial": cert.serial,
        "intact": intact,  # the stored content still matches its hash
        "asked": bool(digest),
        "matches": intact and digest == cert.content_hash,
        "revoked": cert.status == CertificateStatus.REVOKED,
        "revoked_at": cert.revoked_at,
        "revoke_reason": cert.revoke_reason,
        "org": cert.content["issuer"]["org"],
        "name": masked_name(cert.content["volunteer"]["name"]),
        "period_start": cert.period_start,
        "period_end": cert.period_end,
        "hours": cert.hours,
        "issued_on": cert.issued_on,
        "digest": cert.content_hash,
    }
