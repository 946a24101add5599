"""资料台账 (evidence ledger): upload several files against a criterion (and task), review each,
completeness per criterion / item / campaign, text search. Writes audited, in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.campaigns.models import Campaign, Evidence, EvidenceStatus, Task
from wenming.files.services import file_store
from wenming.frameworks.models import Criterion, EvidenceType
from wenming.orgs.access import scoped

MAX_FILES = 20


_check_url = URLValidator(schemes=["http", "https"], message="链接应以 http:// 或 https:// 开头")


def report_char_limit(criterion: Criterion) -> int | None:
    """The 说明报告 limit of a criterion: its own, else its framework's."""
    if criterion.report_char_limit:
        return criterion.report_char_limit
    return criterion.framework.report_char_limit or None


#: A PDF report's text is read from at most this many pages (a 说明报告 is a few pages; the cap
#: bounds the work an upload can cause). Longer PDFs are counted over these pages only.
PDF_MAX_PAGES = 200


def _pdf_text(upload) -> str | None:
    """The text layer of a PDF (pypdf), or None when it has none (a scan: images only), is
    encrypted, or cannot be parsed — such a report is accepted without a count."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        text = "".join(page.extract_text() or "" for page in reader.pages[:PDF_MAX_PAGES])
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        logging.getLogger(__name__).info("PDF report not counted: %s", exc)
        return None
    return text if text.strip() else None


def count_report_chars(upload, ext: str) -> int | None:
    """Characters of a report's text, whitespace not counted (how 字数 is counted on paper):
    txt, docx and the text layer of a PDF are read; images and PDFs without text (scans)
    cannot be counted → None."""
    upload.seek(0)
    try:
        if ext == "txt":
            raw = upload.read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
        elif ext == "docx":
            from docx import Document

            doc = Document(upload)
            parts = [p.text for p in doc.paragraphs]
            parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
            text = "".join(parts)
        elif ext == "pdf":
            text = _pdf_text(upload)
            if text is None:
                return None
        else:
            return None
    finally:
        upload.seek(0)
    return sum(1 for ch in text if not ch.isspace())


def _check_report(*, criterion: Criterion, kind: str, upload, stored, name: str) -> int | None:
    if kind != EvidenceType.REPORT:
        return None
    chars = count_report_chars(upload, stored.blob.ext)
    limit = report_char_limit(criterion)
    if chars is not None and limit and chars > limit:
        raise ValidationError(
            f"说明报告“{name}”共 {chars} 字，超过该测评标准的字数上限 {limit} 字，请精简后再上传"
        )
    return chars


@transaction.atomic
def evidence_upload(
    *,
    task: Task,
    uploads: list,
    title: str,
    refers_to: dt.date,
    kind: str,
    description: str = "",
    url: str = "",
    user,
) -> list[Evidence]:
    """One Evidence per file (each stored through ``file_store``: type sniffing, limits, dedup);
    with several files the file name is appended to the title. 链接/截图 evidence may be a URL
    without a file (or screenshots with their URL). A 说明报告 longer than the criterion's
    character limit is refused. All files or none."""
    campaign = task.campaign
    url = (url or "").strip()
    if not uploads and not url:
        raise ValidationError("请选择要上传的文件（链接/截图类材料也可只填写链接）")
    if len(uploads) > MAX_FILES:
        raise ValidationError(f"一次最多上传 {MAX_FILES} 个文件")
    if kind not in EvidenceType.values:
        raise ValidationError("材料类型无效")
    if url:
        if kind != EvidenceType.LINK:
            raise ValidationError("只有“链接/截图”类材料可以填写链接")
        _check_url(url)
    if refers_to > timezone.localdate():
        raise ValidationError("材料日期不能晚于今天")
    criterion = Criterion.objects.select_related("framework").get(pk=task.criterion_id)
    out = []
    for upload in uploads or [None]:
        stored, chars = None, None
        name = title
        if upload is not None:
            stored = file_store(upload=upload, organisation=campaign.unit, user=user, purpose="佐证材料")
            if len(uploads) > 1:
                name = f"{title}（{upload.name}）"
            chars = _check_report(
                criterion=criterion, kind=kind, upload=upload, stored=stored, name=upload.name
            )
        ev = Evidence.objects.create(
            campaign=campaign,
            criterion_id=task.criterion_id,
            task=task,
            file=stored,
            url=url,
            char_count=chars,
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


def may_change(*, scope, evidence: Evidence) -> bool:
    """Unit admins of the campaign's unit, the uploader, and the responsible department lead may
    delete or replace an item that is not accepted."""
    from wenming.campaigns import selectors

    if selectors.can_manage(scope=scope, campaign=evidence.campaign):
        return True
    if evidence.uploaded_by_id and evidence.uploaded_by_id == scope.user_id:
        return True
    return evidence.task is not None and selectors.can_work_on(scope=scope, task=evidence.task)


@transaction.atomic
def evidence_delete(*, evidence: Evidence) -> None:
    """Remove a returned (or still pending) item; accepted evidence stays (the inspectors rely on
    it). The stored file is kept — other records may share it, and the audit names it."""
    if evidence.status == EvidenceStatus.ACCEPTED:
        raise ValidationError("已采纳的材料不能删除")
    before = snapshot(evidence)
    audit_record(action=Action.DELETE, obj=evidence, before=before)
    evidence.delete()


@transaction.atomic
def evidence_replace(*, evidence: Evidence, upload, user, url: str = "") -> Evidence:
    """Replace the file (or link) of a returned item: it goes back to 待审核 for a new review;
    the previous file and comment stay in the audit trail."""
    if evidence.status != EvidenceStatus.RETURNED:
        raise ValidationError("只有被退回的材料可以替换")
    url = (url or "").strip()
    if upload is None and not url:
        raise ValidationError("请选择新的文件或填写链接")
    if url:
        if evidence.kind != EvidenceType.LINK:
            raise ValidationError("只有“链接/截图”类材料可以填写链接")
        _check_url(url)
    before = snapshot(evidence)
    campaign = evidence.campaign
    if upload is not None:
        criterion = Criterion.objects.select_related("framework").get(pk=evidence.criterion_id)
        stored = file_store(upload=upload, organisation=campaign.unit, user=user, purpose="佐证材料")
        evidence.char_count = _check_report(
            criterion=criterion, kind=evidence.kind, upload=upload, stored=stored, name=upload.name
        )
        evidence.file = stored
    if url or upload is None:
        evidence.url = url
    evidence.status = EvidenceStatus.PENDING
    evidence.review_comment = ""
    evidence.reviewed_by = None
    evidence.reviewed_at = None
    evidence.uploaded_by = user
    evidence.save()
    audit_record(action=Action.UPDATE, obj=evidence, before=before, after=snapshot(evidence))
    return evidence


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


@transaction.atomic
def evidence_review_bulk(*, evidences: list[Evidence], accept: bool, comment: str = "", user) -> int:
    """Accept or return several pending items at once (one comment for all when returning); all
    or none. Items no longer pending are left alone. Returns how many were reviewed."""
    comment = comment.strip()
    if not accept and not comment:
        raise ValidationError("退回时须填写审核意见")
    n = 0
    for ev in evidences:
        if ev.status == EvidenceStatus.PENDING:
            evidence_review(evidence=ev, accept=accept, comment=comment, user=user)
            n += 1
    return n


def evidence_search(*, user, campaign: Campaign, q: str = "", status: str = "") -> QuerySet[Evidence]:
    qs = scoped(Evidence, user).filter(campaign=campaign).select_related("criterion", "file", "task")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if status:
        qs = qs.filter(status=status)
    return qs


EVIDENCE_LABELS = dict(EvidenceType.choices)


@dataclass
class CriterionRow:
    task: Task
    total: int = 0
    accepted: int = 0
    pending: int = 0
    returned: int = 0
    items: list = field(default_factory=list)
    accepted_kinds: set = field(default_factory=set)
    #: How many items match (with a filter) — ``items`` may hold only the first of them.
    matching: int = 0

    @property
    def required(self) -> list[str]:
        return [t for t in (self.task.criterion.evidence_types or []) if t in EVIDENCE_LABELS]

    @property
    def missing(self) -> list[str]:
        """Labels of the required evidence types with no accepted item yet."""
        return [str(EVIDENCE_LABELS[t]) for t in self.required if t not in self.accepted_kinds]

    @property
    def complete(self) -> bool:
        """At least one accepted item, and one of every type the criterion requires."""
        return self.accepted > 0 and not self.missing


def evidence_counts(*, campaign: Campaign) -> dict[int, dict]:
    """Per criterion: total / accepted / pending / returned and the set of accepted types. One
    grouped query."""
    out: dict[int, dict] = {}
    rows = (
        Evidence.objects.filter(campaign=campaign)
        .values("criterion_id", "kind")
        .annotate(
            total=Count("pk"),
            accepted=Count("pk", filter=Q(status=EvidenceStatus.ACCEPTED)),
            pending=Count("pk", filter=Q(status=EvidenceStatus.PENDING)),
            returned=Count("pk", filter=Q(status=EvidenceStatus.RETURNED)),
        )
        .order_by()
    )
    for r in rows:
        c = out.setdefault(
            r["criterion_id"], {"total": 0, "accepted": 0, "pending": 0, "returned": 0, "kinds": set()}
        )
        for k in ("total", "accepted", "pending", "returned"):
            c[k] += r[k]
        if r["accepted"]:
            c["kinds"].add(r["kind"])
    return out


@dataclass
class ItemRow:
    item: object
    rows: list[CriterionRow] = field(default_factory=list)
    #: With a search or status filter: how many items of this 测评项目 match.
    matches: int = 0

    @property
    def complete(self) -> int:
        return sum(r.complete for r in self.rows)


def ledger(
    *,
    user,
    campaign: Campaign,
    q: str = "",
    status: str = "",
    item_id: int | None = None,
    criterion_id: int | None = None,
    per_criterion: int | None = None,
) -> tuple[list[ItemRow], dict]:
    """Per item › criterion (reading order), the evidence of each criterion ordered by the date it
    refers to, and completeness: a criterion is complete with an accepted item of every type it
    requires. Three queries whatever the size (four with a search or status filter).

    The page shows one 测评项目 at a time (``item_id``, or the item of ``criterion_id``; by default
    the first — with a filter, the first with matches) and at most ``per_criterion`` items per
    criterion (a window function in the query, so a criterion with hundreds of items loads only
    those shown; ``CriterionRow.matching`` says how many there are). Without ``item_id`` and
    ``criterion_id`` and with ``per_criterion=None`` (the default) everything is returned.
    ``totals["nav"]`` lists every item (complete / criteria / matches) for the page's tabs and
    ``totals["selected"]`` the item shown (None when all are)."""
    tasks = list(
        scoped(Task, user)
        .filter(campaign=campaign, parent__isnull=True)
        .select_related("item", "criterion")
        .order_by("position", "pk")
    )
    counts = evidence_counts(campaign=campaign)
    items: dict[int, ItemRow] = {}
    order: list[ItemRow] = []
    rows_by_criterion: dict[int, CriterionRow] = {}
    for t in tasks:
        c = counts.get(t.criterion_id, {})
        row = CriterionRow(
            task=t,
            total=c.get("total", 0),
            accepted=c.get("accepted", 0),
            pending=c.get("pending", 0),
            returned=c.get("returned", 0),
            accepted_kinds=c.get("kinds", set()),
        )
        rows_by_criterion.setdefault(t.criterion_id, row)
        if t.item_id not in items:
            items[t.item_id] = ItemRow(item=t.item)
            order.append(items[t.item_id])
        items[t.item_id].rows.append(row)
    item_of = {t.criterion_id: t.item_id for t in tasks}
    # The rows carry the criterion; each item needs only its task (who may change it).
    found = (
        evidence_search(user=user, campaign=campaign, q=q, status=status)
        .select_related(None)
        .select_related("task")
    )
    if q or status:
        for r in found.values("criterion_id").annotate(n=Count("pk")).order_by():
            if r["criterion_id"] in item_of:
                items[item_of[r["criterion_id"]]].matches += r["n"]
    paged = item_id is not None or criterion_id is not None or per_criterion is not None
    selected = None
    if paged and order:
        wanted = item_id if item_id in items else item_of.get(criterion_id)
        if wanted is None:
            wanted = (
                next((it.item.pk for it in order if it.matches), order[0].item.pk)
                if (q or status)
                else order[0].item.pk
            )
        selected = items[wanted]
        found = found.filter(criterion_id__in=[r.task.criterion_id for r in selected.rows])
    if per_criterion is not None:
        found = found.annotate(
            ledger_n=Window(
                RowNumber(), partition_by=[F("criterion_id")], order_by=[F("refers_to"), F("pk")]
            ),
            ledger_of=Window(Count("pk"), partition_by=[F("criterion_id")]),
        ).filter(ledger_n__lte=per_criterion)
    for ev in found.order_by("refers_to", "pk"):
        row = rows_by_criterion.get(ev.criterion_id)
        if row is not None:
            row.items.append(ev)
            row.matching = getattr(ev, "ledger_of", None) or len(row.items)
    total = len(tasks)
    done = sum(1 for it in order for r in it.rows if r.complete)
    nav = list(order)
    shown = [selected] if selected is not None else list(order)
    if q or status:
        shown = [
            ItemRow(item=it.item, rows=[r for r in it.rows if r.items], matches=it.matches) for it in shown
        ]
        shown = [it for it in shown if it.rows]
    return shown, {
        "criteria": total,
        "complete": done,
        "percent": round(done * 100 / total, 1) if total else 0,
        "nav": nav,
        "selected": selected.item.pk if selected is not None else None,
    }
