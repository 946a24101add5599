"""Writes for assessment rounds: create, score (per item form, all rows or none), bonus/deduction,
veto check, summary, submit. Each runs in one transaction, refuses a locked (submitted) round and
writes an audit entry for every change (a score's before → after, evidence included)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from wenming.assessments import scoring, selectors
from wenming.assessments.models import (
    AdjustmentEntry,
    ItemTotal,
    Round,
    RoundKind,
    RoundStatus,
    Score,
    ScoreEvidence,
    VetoCheck,
)
from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.campaigns.models import Campaign, CampaignStatus, Evidence, EvidenceStatus
from wenming.frameworks.models import Adjustment, VetoCondition
from wenming.orgs.access import get_scope

LOCKED = "该测评已提交，已锁定，不能再修改"
MAX_REASON = 2000


class ScoreErrors(ValidationError):
    """Errors per criterion (``by_criterion``: criterion id → Chinese message); nothing was saved."""

    def __init__(self, by_criterion: dict[int, str]):
        self.by_criterion = by_criterion
        super().__init__(f"有 {len(by_criterion)} 项评分需要修改，本次未保存")


@dataclass
class ScoreInput:
    criterion_id: int
    value: str
    reason: str = ""
    evidence_ids: list[int] = field(default_factory=list)


def _lock(round: Round) -> Round:
    locked = Round.objects.select_for_update().select_related("campaign__framework").get(pk=round.pk)
    if locked.is_locked:
        raise ValidationError(LOCKED)
    return locked


def _check_scorer(round: Round, user) -> None:
    if not selectors.can_score(scope=get_scope(user), round=round):
        if round.kind == RoundKind.SELF:
            raise PermissionDenied("只有本单位的创建办管理员可以自评")
        raise PermissionDenied("只有组织测评的文明办人员可以评分")


@transaction.atomic
def round_create(
    *, campaign: Campaign, kind: str, user, conducted_on: dt.date | None = None, title: str = ""
) -> Round:
    """A new 自评 (unit admins), 模拟测评 or 正式测评 (staff of an office above the unit). One round
    of a kind may be in progress at a time."""
    scope = get_scope(user)
    if kind not in RoundKind.values:
        raise ValidationError("测评类别无效")
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError("该创建活动已终止，不能再开展测评")
    if not selectors.can_create(scope=scope, campaign=campaign, kind=kind):
        if kind == RoundKind.SELF:
            raise PermissionDenied("只有本单位的创建办管理员可以开展自评")
        raise PermissionDenied("只有上级文明办的测评人员可以开展模拟测评或录入正式测评")
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    existing = Round.objects.filter(campaign=campaign, kind=kind)
    label = RoundKind(kind).label
    if existing.filter(status=RoundStatus.DRAFT).exists():
        raise ValidationError(f"已有一次评分中的{label}，请先完成并提交")
    office = None
    if kind != RoundKind.SELF:
        office = selectors.conducting_office(scope=scope, campaign=campaign)
        if office is None:
            raise ValidationError("找不到可以组织测评的文明办")
    number = existing.count() + 1
    today = timezone.localdate()
    conducted_on = conducted_on or today
    if conducted_on > today:
        raise ValidationError("测评日期不能晚于今天")
    r = Round.objects.create(
        campaign=campaign,
        kind=kind,
        number=number,
        title=(title.strip() or f"第 {number} 次{label}")[:200],
        conducted_by=office,
        conducted_on=conducted_on,
        created_by=user,
    )
    audit_record(action=Action.CREATE, obj=r, after=snapshot(r))
    return r


def _score_snapshot(score: Score | None, evidence_ids: list[int]) -> dict | None:
    if score is None:
        return None
    data = snapshot(score, ["grade", "met_count", "points", "full", "reason"])
    data["evidence"] = sorted(evidence_ids)
    return data


@transaction.atomic
def scores_save(*, round: Round, entries: list[ScoreInput], user) -> int:
    """Save the scores of several criteria (one item's form): a blank value clears a score. All rows
    or none — :class:`ScoreErrors` names each criterion that needs fixing. Returns the number of
    scores changed (each one audited with its before → after)."""
    _check_scorer(round, user)
    round = _lock(round)
    campaign = round.campaign
    leaves = {c.pk: c for it in selectors.framework_items(framework=campaign.framework) for c in it.leaves}
    ids = [e.criterion_id for e in entries]
    existing = {s.criterion_id: s for s in Score.objects.filter(round=round, criterion_id__in=ids)}
    links: dict[int, list[int]] = {}
    for score_id, ev_id in ScoreEvidence.objects.filter(score__in=existing.values()).values_list(
        "score_id", "evidence_id"
    ):
        links.setdefault(score_id, []).append(ev_id)
    wanted = {i for e in entries for i in e.evidence_ids}
    usable = {
        ev.pk: ev.criterion_id
        for ev in Evidence.objects.filter(campaign=campaign, pk__in=wanted).exclude(
            status=EvidenceStatus.RETURNED
        )
    }
    errors: dict[int, str] = {}
    plans = []
    for entry in entries:
        criterion = leaves.get(entry.criterion_id)
        if criterion is None:
            errors[entry.criterion_id] = "该测评标准不属于本次测评"
            continue
        reason = entry.reason.strip()
        if len(reason) > MAX_REASON:
            errors[criterion.pk] = f"理由不能超过 {MAX_REASON} 字"
            continue
        bad = [i for i in entry.evidence_ids if usable.get(i) != criterion.pk]
        if bad:
            errors[criterion.pk] = "所选依据材料不属于该测评标准（或已被退回）"
            continue
        if not entry.value.strip():
            plans.append((criterion, None, reason, []))
            continue
        try:
            ev = scoring.evaluate(criterion, entry.value)
        except scoring.ScoreInputError as exc:
            errors[criterion.pk] = str(exc)
            continue
        if ev.below_full and not reason:
            errors[criterion.pk] = "未得满分，请填写扣分理由"
            continue
        plans.append((criterion, ev, reason, sorted(set(entry.evidence_ids))))
    if errors:
        raise ScoreErrors(errors)
    changed = 0
    for criterion, ev, reason, evidence_ids in plans:
        score = existing.get(criterion.pk)
        old_ids = sorted(links.get(score.pk, [])) if score else []
        before = _score_snapshot(score, old_ids)
        if ev is None:
            if score is None:
                continue
            score.round = round
            audit_record(action=Action.DELETE, obj=score, before=before)
            score.delete()
            changed += 1
            continue
        values = dict(
            grade=ev.grade,
            met_count=ev.met_count,
            points=ev.points,
            full=ev.full,
            reason=reason if ev.below_full or reason else "",
        )
        if score is None:
            score = Score(
                round=round, criterion=criterion, item_id=criterion.item_pk, updated_by=user, **values
            )
            score.save()
        else:
            if all(getattr(score, k) == v for k, v in values.items()) and old_ids == evidence_ids:
                continue
            for k, v in values.items():
                setattr(score, k, v)
            score.updated_by = user
            score.save()
        if old_ids != evidence_ids:
            ScoreEvidence.objects.filter(score=score).delete()
            ScoreEvidence.objects.bulk_create(
                [ScoreEvidence(score=score, evidence_id=i) for i in evidence_ids]
            )
        score.round = round
        audit_record(
            action=Action.CREATE if before is None else Action.UPDATE,
            obj=score,
            before=before,
            after=_score_snapshot(score, evidence_ids),
        )
        changed += 1
    return changed


@transaction.atomic
def round_extras_save(
    *,
    round: Round,
    user,
    summary: str | None = None,
    adjustments: dict[int, tuple[int, str]] | None = None,
    veto: dict[int, tuple[bool | None, str]] | None = None,
) -> None:
    """总体评价, 加分/扣分 occurrences (count per item, with a note) and the veto check (found /
    not found / not yet checked = None), each change audited."""
    _check_scorer(round, user)
    round = _lock(round)
    framework_id = round.campaign.framework_id
    if summary is not None and summary.strip() != round.summary:
        before = snapshot(round, ["summary"])
        round.summary = summary.strip()[:5000]
        round.save(update_fields=["summary"])
        audit_record(action=Action.UPDATE, obj=round, before=before, after=snapshot(round, ["summary"]))
    if adjustments is not None:
        known = {a.pk: a for a in Adjustment.objects.filter(framework_id=framework_id)}
        current = {e.adjustment_id: e for e in AdjustmentEntry.objects.filter(round=round)}
        for adj_id, (count, note) in adjustments.items():
            if adj_id not in known:
                raise ValidationError("加分/扣分项目不属于本测评体系")
            if count < 0 or count > 999:
                raise ValidationError(f"“{known[adj_id].title}”的次数须为 0–999")
            entry = current.get(adj_id)
            before = {"count": entry.count, "note": entry.note} if entry else {"count": 0, "note": ""}
            after = {"count": count, "note": note.strip()[:500]}
            if before == after:
                continue
            if entry is None:
                entry = AdjustmentEntry.objects.create(round=round, adjustment=known[adj_id], **after)
            else:
                entry.count, entry.note = after["count"], after["note"]
                entry.save()
            audit_record(
                action=Action.UPDATE,
                obj=round,
                changes={f"{known[adj_id].get_kind_display()} {known[adj_id].code}": [before, after]},
            )
    if veto is not None:
        known_v = {v.pk: v for v in VetoCondition.objects.filter(framework_id=framework_id)}
        current_v = {c.condition_id: c for c in VetoCheck.objects.filter(round=round)}
        for cond_id, (found, note) in veto.items():
            if cond_id not in known_v:
                raise ValidationError("否决情形不属于本测评体系")
            check = current_v.get(cond_id)
            before = {"found": check.found, "note": check.note} if check else None
            after = None if found is None else {"found": found, "note": note.strip()[:500]}
            if before == after:
                continue
            if after is None:
                check.delete()
            elif check is None:
                VetoCheck.objects.create(round=round, condition=known_v[cond_id], **after)
            else:
                check.found, check.note = after["found"], after["note"]
                check.save()
            audit_record(
                action=Action.UPDATE,
                obj=round,
                changes={f"否决情形 {known_v[cond_id].text[:40]}": [before, after]},
            )


@transaction.atomic
def round_submit(*, round: Round, user) -> Round:
    """Lock the round. Every criterion that carries a score must be scored and every veto
    condition checked; criteria without a score (未赋分) may stay blank."""
    _check_scorer(round, user)
    round = _lock(round)
    items = selectors.framework_items(framework=round.campaign.framework)
    weighted = {c.pk for it in items for c in it.leaves if c.score is not None}
    scored = set(Score.objects.filter(round=round).values_list("criterion_id", flat=True))
    missing = weighted - scored
    if missing:
        raise ValidationError(f"还有 {len(missing)} 项测评标准未评分，不能提交")
    conditions = VetoCondition.objects.filter(framework_id=round.campaign.framework_id).count()
    if VetoCheck.objects.filter(round=round).count() < conditions:
        raise ValidationError("请逐项核查否决情形后再提交")
    before = snapshot(round, ["status", "submitted_at", "submitted_by"])
    round.status = RoundStatus.SUBMITTED
    round.submitted_at = timezone.now()
    round.submitted_by = user
    round.save(update_fields=["status", "submitted_at", "submitted_by"])
    item_totals_write(round_ids=[round.pk])
    audit_record(
        action=Action.UPDATE,
        obj=round,
        before=before,
        after=snapshot(round, ["status", "submitted_at", "submitted_by"]),
    )
    return round


def item_totals_write(*, round_ids: list[int]) -> int:
    """(Re)write the per-item totals of submitted rounds in one aggregate and one insert — called by
    ``round_submit``; also usable after bulk loads. Returns the number of rows written."""
    from django.db.models import Sum

    ItemTotal.objects.filter(round_id__in=round_ids).delete()
    rows = [
        ItemTotal(
            round_id=r["round_id"],
            item_id=r["item_id"],
            code=r["item__code"],
            points_x100=int((r["points"] or 0) * 100),
            full_x100=int((r["full"] or 0) * 100),
        )
        for r in Score.objects.filter(
            round_id__in=round_ids, round__status=RoundStatus.SUBMITTED, full__isnull=False
        )
        .order_by()
        .values("round_id", "item_id", "item__code")
        .annotate(points=Sum("points"), full=Sum("full"))
    ]
    ItemTotal.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
