"""资料台账 (evidence ledger): upload several files against a criterion (and task), review each,
completeness per criterion / item / campaign, text search. Writes audited, in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.campaigns.models import Campaign, Evidence, EvidenceStatus, Task
from wenming.files.services import file_store
from wenming.frameworks.models import EvidenceType
from wenming.orgs.access import scoped

MAX_FILES = 20


@transaction.atomic
def evidence_upload(
    *, task: Task, uploads: list, title: str, refers_to: dt.date, kind: str, description: str = "", user
) -> list[Evidence]:
    """One Evidence per file (each stored through ``file_store``: type sniffing, limits, dedup);
    with several files the file name is appended to the title. All files or none."""
    campaign = task.campaign
    if not uploads:
        raise ValidationError("请选择要上传的文件")
    if len(uploads) > MAX_FILES:
        raise ValidationError(f"一次最多上传 {MAX_FILES} 个文件")
    if kind not in EvidenceType.values:
        raise ValidationError("材料类型无效")
    if refers_to > timezone.localdate():
        raise ValidationError("材料日期不能晚于今天")
    out = []
    for upload in uploads:
        stored = file_store(upload=upload, organisation=campaign.unit, user=user, purpose="佐证材料")
        name = title if len(uploads) == 1 else f"{title}（{upload.name}）"
        ev = Evidence.objects.create(
            campaign=campaign,
            criterion_id=task.criterion_id,
            task=task,
            file=stored,
            title=name[:200],
            refers_to=refers_to,
            kind=kind,
            description=description,
            uploaded_by=user,
        )
        ev.campaign = campaign
        audit_record(action=Action.CREATE, obj=ev, after=snapshot(ev))
        out.append(ev)
    return out


@transaction.atomic
def evidence_review(*, evidence: Evidence, accept: bool, comment: str = "", user) -> Evidence:
    """The unit admin accepts or returns one item; returning needs a comment."""
    comment = comment.strip()
    if not accept and not comment:
        raise ValidationError("退回时须填写审核意见")
    before = snapshot(evidence)
    evidence.status = EvidenceStatus.ACCEPTED if accept else EvidenceStatus.RETURNED
    evidence.review_comment = comment
    evidence.reviewed_by = user
    evidence.reviewed_at = timezone.now()
    evidence.save()
    audit_record(action=Action.UPDATE, obj=evidence, before=before, after=snapshot(evidence))
    return evidence


def evidence_search(*, user, campaign: Campaign, q: str = "", status: str = "") -> QuerySet[Evidence]:
    qs = scoped(Evidence, user).filter(campaign=campaign).select_related("criterion", "file", "task")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if status:
        qs = qs.filter(status=status)
    return qs


@dataclass
class CriterionRow:
    task: Task
    total: int = 0
    accepted: int = 0
    pending: int = 0
    returned: int = 0
    items: list = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.accepted > 0


@dataclass
class ItemRow:
    item: object
    rows: list[CriterionRow] = field(default_factory=list)

    @property
    def complete(self) -> int:
        return sum(r.complete for r in self.rows)


def ledger(
    *, user, campaign: Campaign, q: str = "", status: str = ""
) -> tuple[list[ItemRow], dict[str, int]]:
    """Per item › criterion (reading order), the evidence of each criterion ordered by the date it
    refers to, and completeness: a criterion is complete with at least one accepted item.
    Three queries whatever the size."""
    tasks = list(
        scoped(Task, user)
        .filter(campaign=campaign, parent__isnull=True)
        .select_related("item", "criterion")
        .order_by("position", "pk")
    )
    counts = {
        r["criterion_id"]: r
        for r in Evidence.objects.filter(campaign=campaign)
        .values("criterion_id")
        .annotate(
            total=Count("pk"),
            accepted=Count("pk", filter=Q(status=EvidenceStatus.ACCEPTED)),
            pending=Count("pk", filter=Q(status=EvidenceStatus.PENDING)),
            returned=Count("pk", filter=Q(status=EvidenceStatus.RETURNED)),
        )
    }
    listed: dict[int, list[Evidence]] = {}
    for ev in evidence_search(user=user, campaign=campaign, q=q, status=status).order_by("refers_to", "pk"):
        listed.setdefault(ev.criterion_id, []).append(ev)
    items: dict[int, ItemRow] = {}
    order: list[ItemRow] = []
    for t in tasks:
        c = counts.get(t.criterion_id, {})
        row = CriterionRow(
            task=t,
            total=c.get("total", 0),
            accepted=c.get("accepted", 0),
            pending=c.get("pending", 0),
            returned=c.get("returned", 0),
            items=listed.get(t.criterion_id, []),
        )
        if t.item_id not in items:
            items[t.item_id] = ItemRow(item=t.item)
            order.append(items[t.item_id])
        items[t.item_id].rows.append(row)
    if q or status:
        for it in order:
            it.rows = [r for r in it.rows if r.items]
        order = [it for it in order if it.rows]
    total = len(tasks)
    done = sum(1 for t in tasks if counts.get(t.criterion_id, {}).get("accepted", 0) > 0)
    return order, {
        "criteria": total,
        "complete": done,
        "percent": round(done * 100 / total, 1) if total else 0,
    }
