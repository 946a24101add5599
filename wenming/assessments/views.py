"""Assessment pages: rounds of a campaign, the scoring page (one item at a time), bonus/deduction
and veto check, submit, the 自评报告 .docx, rounds side by side, the gap list (对标找差) and the
office heatmap. Objects come through ``access`` (out of scope → 404); writes go through services,
which check who may score and refuse a submitted round."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from markupsafe import Markup

from wenming.assessments import scoring, selectors, services
from wenming.assessments.documents import REPORT_TITLES, round_report_docx
from wenming.assessments.models import (
    AdjustmentEntry,
    Round,
    RoundKind,
    RoundStatus,
    Score,
    ScoreEvidence,
    VetoCheck,
)
from wenming.audit.models import Action
from wenming.audit.services import audit_record
from wenming.campaigns.models import Campaign, Evidence, EvidenceStatus
from wenming.campaigns.services import local_today
from wenming.frameworks.models import Adjustment, VetoCondition
from wenming.orgs.access import access, get_scope
from wenming.orgs.models import OFFICE_ROLES, Role

SAFE_CODE = re.compile(r"[A-Za-z0-9._-]+")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _crumbs(campaign: Campaign, *extra):
    return [
        ("创建任务", reverse("campaigns:campaign_list")),
        (campaign.title, reverse("campaigns:campaign_detail", args=[campaign.pk])),
        *extra,
    ]


def _campaign(request, campaign_id: int) -> Campaign:
    return access(Campaign.objects.select_related("unit", "framework"), request.user, pk=campaign_id)


def _round(request, round_id: int) -> Round:
    r = access(
        Round.objects.select_related("campaign__unit", "campaign__framework", "conducted_by"),
        request.user,
        pk=round_id,
    )
    # An office's mock/formal round is its working copy until submitted: the unit does not see it.
    if r.kind != RoundKind.SELF and r.status == RoundStatus.DRAFT:
        if not selectors.office_covers(get_scope(request.user), r.campaign):
            raise Http404("未找到")
    return r


def round_list(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    scope = get_scope(request.user)
    rounds = list(selectors.rounds_visible(user=request.user, campaign=campaign))
    for r in rounds:
        r.campaign = campaign
    items = selectors.framework_items(framework=campaign.framework)
    results = selectors.results_for(rounds=rounds, items=items)
    creatable = [
        (k, label)
        for k, label in RoundKind.choices
        if selectors.can_create(scope=scope, campaign=campaign, kind=k)
    ]
    return render(
        request,
        "assessments/round_list.html",
        {
            "title": "测评",
            "campaign": campaign,
            "rows": [(r, results[r.pk]) for r in rounds],
            "creatable": creatable,
            "today": local_today(),
            "breadcrumbs": _crumbs(campaign, ("测评", None)),
        },
    )


@require_POST
def round_create(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    kind = request.POST.get("kind", "")
    conducted_on = None
    if request.POST.get("conducted_on"):
        try:
            conducted_on = dt.date.fromisoformat(request.POST["conducted_on"])
        except ValueError:
            messages.error(request, "测评日期格式不正确")
            return redirect("assessments:round_list", campaign.pk)
    try:
        r = services.round_create(
            campaign=campaign,
            kind=kind,
            user=request.user,
            conducted_on=conducted_on,
            title=request.POST.get("title", ""),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("assessments:round_list", campaign.pk)
    messages.success(request, f"已开始{r.title}")
    return redirect("assessments:round_detail", r.pk)


def _detail(request, r: Round, *, item_code: str = "", posted=None, errors=None, status: int = 200):
    campaign = r.campaign
    scope = get_scope(request.user)
    items = selectors.framework_items(framework=campaign.framework)
    result = selectors.results_for(rounds=[r], items=items)[r.pk]
    current = next((it for it in items if it.node.code == item_code), items[0] if items else None)
    rows = []
    if current is not None:
        ids = [c.pk for c in current.leaves]
        scores = {s.criterion_id: s for s in Score.objects.filter(round=r, criterion_id__in=ids)}
        linked: dict[int, set[int]] = {}
        for score_id, ev_id in ScoreEvidence.objects.filter(score__in=scores.values()).values_list(
            "score_id", "evidence_id"
        ):
            linked.setdefault(score_id, set()).add(ev_id)
        evidence: dict[int, list[Evidence]] = {}
        for ev in (
            Evidence.objects.filter(campaign=campaign, criterion_id__in=ids)
            .exclude(status=EvidenceStatus.RETURNED)
            .order_by("refers_to", "pk")
        ):
            evidence.setdefault(ev.criterion_id, []).append(ev)
        for c in current.leaves:
            s = scores.get(c.pk)
            if posted is not None:
                value, reason, chosen = posted.get(c.pk, ("", "", set()))
            else:
                value = scoring.input_value(s)
                reason = s.reason if s else ""
                chosen = linked.get(s.pk, set()) if s else set()
            rows.append(
                {
                    "criterion": c,
                    "kind": scoring.input_kind(c),
                    "choices": scoring.choices(c),
                    "score": s,
                    "value": value,
                    "reason": reason,
                    "evidence": evidence.get(c.pk, []),
                    "chosen": chosen,
                    "error": (errors or {}).get(c.pk, ""),
                }
            )
    entries = {e.adjustment_id: e for e in AdjustmentEntry.objects.filter(round=r)}
    adjustments = [
        (a, entries.get(a.pk)) for a in Adjustment.objects.filter(framework_id=campaign.framework_id)
    ]
    checks = {v.condition_id: v for v in VetoCheck.objects.filter(round=r)}
    veto = [(v, checks.get(v.pk)) for v in VetoCondition.objects.filter(framework_id=campaign.framework_id)]
    editable = not r.is_locked and selectors.can_score(scope=scope, round=r)
    return render(
        request,
        "assessments/round_detail.html",
        {
            "title": r.title,
            "round": r,
            "campaign": campaign,
            "items": items,
            "current": current,
            "rows": rows,
            "result": result,
            "adjustments": adjustments,
            "veto": veto,
            "editable": editable,
            "report_title": REPORT_TITLES[r.kind],
            "breadcrumbs": _crumbs(
                campaign, ("测评", reverse("assessments:round_list", args=[campaign.pk])), (r.title, None)
            ),
        },
        status=status,
    )


def round_detail(request, round_id: int):
    r = _round(request, round_id)
    return _detail(request, r, item_code=request.GET.get("item", ""))


def _ints(values) -> list[int]:
    out = []
    for v in values:
        if str(v).isdigit():
            out.append(int(v))
    return out


@require_POST
def scores_save(request, round_id: int):
    r = _round(request, round_id)
    item_code = request.POST.get("item", "")
    entries, posted = [], {}
    for cid in _ints(request.POST.getlist("criterion"))[:500]:
        value = request.POST.get(f"v-{cid}", "")[:50]
        reason = request.POST.get(f"r-{cid}", "")
        ev_ids = _ints(request.POST.getlist(f"e-{cid}"))[:200]
        entries.append(services.ScoreInput(criterion_id=cid, value=value, reason=reason, evidence_ids=ev_ids))
        posted[cid] = (value, reason, set(ev_ids))
    try:
        changed = services.scores_save(round=r, entries=entries, user=request.user)
    except services.ScoreErrors as exc:
        messages.error(request, exc.messages[0])
        return _detail(request, r, item_code=item_code, posted=posted, errors=exc.by_criterion, status=400)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(f"{reverse('assessments:round_detail', args=[r.pk])}?item={item_code}")
    messages.success(request, f"已保存（{changed} 项有变化）")
    return redirect(f"{reverse('assessments:round_detail', args=[r.pk])}?item={item_code}")


@require_POST
def extras_save(request, round_id: int):
    r = _round(request, round_id)
    adjustments = {}
    for key, raw in request.POST.items():
        if key.startswith("adj-") and key[4:].isdigit():
            raw = raw.strip() or "0"
            if not raw.isdigit():
                messages.error(request, "加分/扣分次数须为非负整数")
                return redirect("assessments:round_detail", r.pk)
            adjustments[int(key[4:])] = (int(raw), request.POST.get(f"adjn-{key[4:]}", ""))
    veto = {}
    for key, raw in request.POST.items():
        if key.startswith("veto-") and key[5:].isdigit():
            found = {"1": True, "0": False}.get(raw)
            veto[int(key[5:])] = (found, request.POST.get(f"veton-{key[5:]}", ""))
    try:
        services.round_extras_save(
            round=r,
            user=request.user,
            summary=request.POST.get("summary"),
            adjustments=adjustments,
            veto=veto,
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已保存")
    return redirect(f"{reverse('assessments:round_detail', args=[r.pk])}#extras")


@require_POST
def round_submit(request, round_id: int):
    r = _round(request, round_id)
    try:
        services.round_submit(round=r, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"{r.title}已提交并锁定")
    return redirect("assessments:round_detail", r.pk)


def round_report(request, round_id: int):
    r = _round(request, round_id)
    items = selectors.framework_items(framework=r.campaign.framework)
    result = selectors.results_for(rounds=[r], items=items)[r.pk]
    scores = {s.criterion_id: s for s in Score.objects.filter(round=r)}
    data = round_report_docx(result=result, items=items, scores=scores)
    audit_record(action=Action.EXPORT, obj=r, changes={"document": REPORT_TITLES[r.kind]})
    response = HttpResponse(data, content_type=DOCX)
    name = f"{r.campaign.unit.name}{REPORT_TITLES[r.kind]}（{r.title}）.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def compare(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    rounds = list(selectors.rounds_visible(user=request.user, campaign=campaign))
    chosen_ids = set(_ints(request.GET.getlist("r")))
    chosen = [r for r in rounds if r.pk in chosen_ids] if chosen_ids else rounds[-4:]
    for r in chosen:
        r.campaign = campaign
    items = selectors.framework_items(framework=campaign.framework)
    results = selectors.results_for(rounds=chosen, items=items)
    cells: dict[tuple[int, int], Score] = {
        (s.round_id, s.criterion_id): s for s in Score.objects.filter(round__in=chosen)
    }
    return render(
        request,
        "assessments/compare.html",
        {
            "title": "测评对比",
            "campaign": campaign,
            "rounds": rounds,
            "chosen": chosen,
            "items": items,
            "results": results,
            "cells": cells,
            "display": scoring.display_value,
            "breadcrumbs": _crumbs(
                campaign, ("测评", reverse("assessments:round_list", args=[campaign.pk])), ("测评对比", None)
            ),
        },
    )


def gaps(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    item_code = request.GET.get("item", "")[:32]
    rows, basis, items = selectors.gap_rows(campaign=campaign, item_code=item_code, today=local_today())
    at_risk = sum((r.risk or Decimal(0) for r in rows), Decimal(0))
    # Links and figures prepared once here (300 rows: no reverse() or macro call per row).
    tasks_url = reverse("campaigns:task_list", args=[campaign.pk]) + "?q="
    ledger_url = reverse("campaigns:evidence_ledger", args=[campaign.pk]) + "?criterion="
    evidence_url = reverse("campaigns:criterion_evidence", args=[987654321])
    fmt = selectors.fmt
    for r in rows:
        code = r.criterion.code
        r.tasks_href = tasks_url + (code if SAFE_CODE.fullmatch(code) else quote(code, safe=""))
        # The criterion's own evidence page (through its task); the ledger's anchor when it has no task.
        if r.task_id:
            r.ledger_href = evidence_url.replace("987654321", str(r.task_id))
        else:
            r.ledger_href = f"{ledger_url}{r.criterion.pk}#criterion-{r.criterion.pk}"
        r.full_s = "未赋分" if r.full is None else fmt(r.full)
        r.risk_s = "—" if r.risk is None else fmt(r.risk)
        if r.score is not None:
            r.score_s = (fmt(r.score.points) + (" " + r.score.grade if r.score.grade else "")).strip()
    return render(
        request,
        "assessments/gaps.html",
        {
            "title": "对标找差",
            "campaign": campaign,
            "rows": rows,
            "basis": basis,
            "item_code": item_code,
            "items": items,
            "at_risk": fmt(at_risk) or "0",
            "unweighted": sum(1 for r in rows if r.full is None),
            "breadcrumbs": _crumbs(campaign, ("对标找差", None)),
        },
    )


def heatmap(request):
    scope = get_scope(request.user)
    if not scope.has_role(*OFFICE_ROLES, Role.PLATFORM_ADMIN):
        raise PermissionDenied("只有文明办人员可以查看辖区对标热力图")
    sort = request.GET.get("sort", "")[:32]
    desc = request.GET.get("desc") == "1"
    data = selectors.heatmap(user=request.user, lineage=request.GET.get("f", "")[:36], sort=sort, desc=desc)
    # The 7,500 cells of 500 units × 15 items are written here in one pass, as HTML: every part is
    # safe by construction (a number or "—", a class from HEAT_CLASSES, a path from reverse() with
    # an int and a percent-quoted code), so no per-cell escaping or template calls are needed.
    gaps_url = reverse("assessments:gaps", args=[987654321])
    suffixes = [f"?item={quote(i['code'], safe='')}" for i in data.items]
    codes = [i["code"] for i in data.items]
    heat_class = selectors.heat_class
    blank = Markup(f'<td class="{heat_class(None)}">—</td>' * len(codes))
    for row in data.rows:
        row.total_css = heat_class(row.rate)
        if row.campaign is None:
            row.href = ""
            row.cells_html = blank
            continue
        row.href = prefix = gaps_url.replace("987654321", str(row.campaign["pk"]))
        parts = []
        for code, suffix in zip(codes, suffixes, strict=True):
            v = row.cells.get(code)
            parts.append(
                f'<td class="{heat_class(v)}"><a class="text-reset" href="{prefix}{suffix}">'
                f"{'—' if v is None else v}</a></td>"
            )
        row.cells_html = Markup("".join(parts))
    return render(
        request,
        "assessments/heatmap.html",
        {
            "title": "对标找差热力图",
            "map": data,
            "sort": sort,
            "desc": desc,
            "legend": [
                ("≥ 90%", "bg-green text-white"),
                ("80–90%", "bg-green-lt"),
                ("70–80%", "bg-yellow-lt"),
                ("60–70%", "bg-orange-lt"),
                ("< 60%", "bg-red text-white"),
                ("未测评", "bg-secondary-lt"),
            ],
            "breadcrumbs": [("对标找差热力图", None)],
        },
    )
