"""Reads for assessments: who may do what, the leaves of a round's framework grouped by item,
round results (totals per item and overall against the level thresholds), the gap list of a
campaign and the office heatmap. Every function issues a fixed number of queries whatever the
number of criteria, evidence items or units."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Min, Q, QuerySet, Sum

from wenming.assessments.models import (
    AdjustmentEntry,
    ItemTotal,
    Round,
    RoundKind,
    RoundStatus,
    Score,
    VetoCheck,
)
from wenming.campaigns.models import Campaign, CampaignStatus, Evidence, EvidenceStatus, Task, TaskStatus
from wenming.frameworks.models import Criterion, LevelThreshold, VetoCondition
from wenming.frameworks.schemes import adjustments_apply
from wenming.orgs.access import Scope, get_scope, scoped
from wenming.orgs.models import Organisation, OrgKind
from wenming.orgs.regions import prefix_of

ZERO = Decimal(0)


def fmt(value: Decimal | None) -> str:
    """A score for display: 2.80 → "2.8", 7.00 → "7", None → ""."""
    if value is None:
        return ""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


CENT = Decimal("0.01")
HUNDRED = Decimal(100)


# ---------------------------------------------------------------- permissions


def office_covers(scope: Scope, campaign: Campaign) -> bool:
    """An office admin or inspector whose region contains the campaign's unit."""
    return scope.is_platform or (bool(scope.office_ids) and scope.covers_region(campaign.region_code))


def can_create(*, scope: Scope, campaign: Campaign, kind: str) -> bool:
    if campaign.status == CampaignStatus.CLOSED:
        return False
    if kind == RoundKind.SELF:
        return scope.is_platform or campaign.unit_id in scope.admin_unit_ids
    return office_covers(scope, campaign)


def can_score(*, scope: Scope, round: Round) -> bool:
    """自评: the unit's admins. 模拟测评 / 正式测评: staff of the office that conducts it."""
    if scope.is_platform:
        return True
    if round.kind == RoundKind.SELF:
        return round.campaign.unit_id in scope.admin_unit_ids
    return round.conducted_by_id in scope.office_ids


def conducting_office(*, scope: Scope, campaign: Campaign) -> Organisation | None:
    """The user's office nearest to the campaign's unit (the one that runs a mock assessment)."""
    qs = Organisation.objects.filter(kind=OrgKind.OFFICE)
    if not scope.is_platform:
        qs = qs.filter(pk__in=scope.office_ids)
    best = None
    for office in qs.only("pk", "name", "region_code"):
        prefix = prefix_of(office.region_code)
        if campaign.region_code.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), office)
    return best[1] if best else None


def rounds_visible(*, user, campaign: Campaign) -> QuerySet[Round]:
    """Rounds of the campaign the user may see: an office's mock or formal round is shown to the
    unit only once submitted (a draft is the office's working copy)."""
    qs = scoped(Round, user).filter(campaign=campaign)
    if not office_covers(get_scope(user), campaign):
        qs = qs.filter(Q(kind=RoundKind.SELF) | Q(status=RoundStatus.SUBMITTED))
    return qs.select_related("conducted_by", "created_by__profile", "submitted_by__profile").order_by(
        "created_at", "pk"
    )


# ---------------------------------------------------------------- the framework's leaves


@dataclass
class Item:
    """测评项目 with its leaf criteria in reading order."""

    node: Criterion
    leaves: list[Criterion] = field(default_factory=list)

    @property
    def full(self) -> Decimal | None:
        scores = [c.score for c in self.leaves if c.score is not None]
        return sum(scores, ZERO) if scores else None

    @property
    def unweighted(self) -> int:
        return sum(1 for c in self.leaves if c.score is None)


# What the scoring pages read of a criterion; the gap list needs even less (no JSON to decode).
SCORING_FIELDS = (
    "id",
    "framework_id",
    "parent_id",
    "depth",
    "position",
    "code",
    "title",
    "score",
    "scheme",
    "requirement",
    "methods",
)
GAP_FIELDS = ("id", "framework_id", "parent_id", "depth", "position", "code", "title", "score")


def _tree(framework, fields) -> list[Criterion]:
    criteria = list(
        Criterion.objects.filter(framework=framework).order_by("depth", "position", "pk").only(*fields)
    )
    by_id = {c.pk: c for c in criteria}
    roots = []
    for c in criteria:
        c.kids = []
    for c in criteria:
        if c.parent_id and c.parent_id in by_id:
            by_id[c.parent_id].kids.append(c)
        else:
            roots.append(c)
    return roots


def framework_items(*, framework, fields: tuple[str, ...] = SCORING_FIELDS) -> list[Item]:
    """Items (depth 1) with their leaves (criteria without children): what is scored. One query.
    Each leaf gets ``item_pk`` (its depth-1 ancestor's id) and ``index`` (reading position) — ids, not
    objects, so the structure has no reference cycles and is freed as soon as a request is done
    (cycles of a few hundred criteria per request made the cyclic GC run a full pass every ~12
    requests, +80 ms each time)."""
    items: list[Item] = []
    index = 0

    def walk(nodes, item: Item):
        nonlocal index
        for c in nodes:
            if c.kids:
                walk(c.kids, item)
            else:
                c.item_pk, c.index = item.node.pk, index
                index += 1
                item.leaves.append(c)

    for root in _tree(framework, fields):
        item = Item(node=root)
        if root.kids:
            walk(root.kids, item)
        else:
            root.item_pk, root.index = root.pk, index
            index += 1
            item.leaves.append(root)
        items.append(item)
    return items


# ---------------------------------------------------------------- results


@dataclass
class ItemResult:
    item: Criterion
    full: Decimal | None
    points: Decimal
    scored: int
    leaves: int
    unweighted: int

    @property
    def rate(self) -> Decimal | None:
        if not self.full:
            return None
        return (self.points * HUNDRED / self.full).quantize(Decimal("0.1"))

    @property
    def lost(self) -> Decimal:
        return (self.full or ZERO) - self.points


@dataclass
class Result:
    round: Round
    items: list[ItemResult]
    base: Decimal
    full: Decimal
    bonus: Decimal
    deduction: Decimal
    total: Decimal
    thresholds: list[LevelThreshold]
    reached: LevelThreshold | None
    veto_found: list[VetoCheck]
    veto_open: int
    missing: int  # weighted criteria without a score
    unweighted: int  # criteria without a score value (未赋分), excluded from totals

    @property
    def vetoed(self) -> bool:
        return bool(self.veto_found)


def results_for(*, rounds: list[Round], items: list[Item]) -> dict[int, Result]:
    """Totals per item and overall for several rounds of one framework: five queries in all."""
    if not rounds:
        return {}
    framework_id = rounds[0].campaign.framework_id
    ids = [r.pk for r in rounds]
    sums: dict[tuple[int, int], dict] = {
        (row["round_id"], row["item_id"]): row
        for row in Score.objects.filter(round_id__in=ids)
        .values("round_id", "item_id")
        .annotate(
            points=Sum("points"), scored=Count("pk"), weighted=Count("pk", filter=Q(full__isnull=False))
        )
    }
    entries: dict[int, list[AdjustmentEntry]] = {}
    for e in AdjustmentEntry.objects.filter(round_id__in=ids).select_related("adjustment"):
        entries.setdefault(e.round_id, []).append(e)
    checks: dict[int, list[VetoCheck]] = {}
    for v in VetoCheck.objects.filter(round_id__in=ids).select_related("condition"):
        checks.setdefault(v.round_id, []).append(v)
    conditions = VetoCondition.objects.filter(framework_id=framework_id).count()
    thresholds = list(
        LevelThreshold.objects.filter(framework_id=framework_id).order_by("min_score", "position")
    )
    framework = rounds[0].campaign.framework
    weighted_leaves = sum(1 for it in items for c in it.leaves if c.score is not None)
    unweighted = sum(it.unweighted for it in items)
    out = {}
    for r in rounds:
        item_results = []
        scored_weighted = 0
        for it in items:
            row = sums.get((r.pk, it.node.pk), {})
            scored_weighted += row.get("weighted", 0)
            item_results.append(
                ItemResult(
                    item=it.node,
                    full=it.full,
                    points=(row.get("points") or ZERO).quantize(CENT),
                    scored=row.get("scored", 0),
                    leaves=len(it.leaves),
                    unweighted=it.unweighted,
                )
            )
        base = sum((x.points for x in item_results), ZERO)
        full = sum((x.full or ZERO for x in item_results), ZERO)
        es = entries.get(r.pk, [])
        bonus, deduction = adjustments_apply(
            items=[e.adjustment for e in es],
            counts={e.adjustment.code: e.count for e in es},
            bonus_cap=framework.bonus_cap,
            deduction_cap=framework.deduction_cap,
        )
        total = max(base + bonus - deduction, ZERO)
        reached = None
        for t in thresholds:
            if total >= t.min_score:
                reached = t
        vs = checks.get(r.pk, [])
        found = [v for v in vs if v.found]
        out[r.pk] = Result(
            round=r,
            items=item_results,
            base=base,
            full=full,
            bonus=bonus,
            deduction=deduction,
            total=total,
            thresholds=thresholds,
            reached=None if found else reached,
            veto_found=found,
            veto_open=max(conditions - len(vs), 0),
            missing=weighted_leaves - scored_weighted,
            unweighted=unweighted,
        )
    return out


# ---------------------------------------------------------------- gap analysis (对标找差)


def latest_submitted(*, campaign: Campaign) -> Round | None:
    return (
        Round.objects.filter(campaign=campaign, status=RoundStatus.SUBMITTED)
        .select_related("conducted_by")
        .order_by("-submitted_at", "-pk")
        .first()
    )


@dataclass
class GapRow:
    criterion: Criterion
    item: Criterion
    full: Decimal | None
    score: Score | None = None
    evidence: int = 0
    accepted: int = 0
    tasks: int = 0
    done: int = 0
    overdue: int = 0
    task_id: int | None = None  # the criterion's (top-level) task: its evidence page
    risk: Decimal | None = None  # points at risk: full − score, or the estimate before scoring
    estimated: bool = False

    @property
    def evidence_gap(self) -> Decimal:
        if self.accepted:
            return ZERO
        return Decimal("0.5") if self.evidence else Decimal(1)

    @property
    def task_gap(self) -> Decimal:
        return Decimal(1) if self.overdue else ZERO


def gap_rows(
    *, campaign: Campaign, item_code: str = "", today: dt.date
) -> tuple[list[GapRow], Round | None, list[Criterion]]:
    """The campaign's leaf criteria ranked by points at risk, highest first.

    After a submitted round: at risk = full − points of the latest submitted round. Before any:
    an estimate, full × (evidence gap + task gap) / 2, where the evidence gap is 1 without any
    evidence, ½ with evidence none of which is accepted, 0 with accepted evidence, and the task
    gap is 1 when a task of the criterion is overdue. Criteria without a score (未赋分) carry no
    points and come last, ordered by their gaps. Five queries."""
    items = framework_items(framework=campaign.framework, fields=GAP_FIELDS)
    basis = latest_submitted(campaign=campaign)
    scores = {s.criterion_id: s for s in Score.objects.filter(round=basis)} if basis else {}
    ev = {
        r["criterion_id"]: r
        for r in Evidence.objects.filter(campaign=campaign)
        .values("criterion_id")
        .annotate(total=Count("pk"), accepted=Count("pk", filter=Q(status=EvidenceStatus.ACCEPTED)))
    }
    tk = {
        r["criterion_id"]: r
        for r in Task.objects.filter(campaign=campaign, merged_into__isnull=True)
        .values("criterion_id")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=TaskStatus.DONE)),
            overdue=Count("pk", filter=Q(due_date__lt=today) & ~Q(status=TaskStatus.DONE)),
            first=Min("pk", filter=Q(parent__isnull=True)),
        )
    }
    rows: list[GapRow] = []
    for it in items:
        if item_code and it.node.code != item_code:
            continue
        for c in it.leaves:
            e, t = ev.get(c.pk, {}), tk.get(c.pk, {})
            row = GapRow(
                criterion=c,
                item=it.node,
                full=c.score,
                score=scores.get(c.pk),
                evidence=e.get("total", 0),
                accepted=e.get("accepted", 0),
                tasks=t.get("total", 0),
                done=t.get("done", 0),
                overdue=t.get("overdue", 0),
                task_id=t.get("first"),
            )
            if basis is not None:
                if row.score is not None and row.score.points is not None and row.full is not None:
                    row.risk = row.full - row.score.points
                elif row.full is not None:
                    row.risk = row.full  # not scored in the round: all of it is at risk
            elif row.full is not None:
                row.risk = (row.full * (row.evidence_gap + row.task_gap) / 2).quantize(Decimal("0.01"))
                row.estimated = True
            rows.append(row)

    def key(r: GapRow):
        below = r.score is not None and r.score.points is None and r.score.grade and r.score.reason
        return (
            r.full is None,
            -(r.risk or ZERO),
            -(r.evidence_gap + r.task_gap),
            not below,
            -(r.full or ZERO),
            r.criterion.index,
        )

    rows.sort(key=key)
    return rows, basis, [it.node for it in items]


# ---------------------------------------------------------------- office heatmap


@dataclass
class HeatRow:
    unit: dict
    campaign: dict | None = None
    round: dict | None = None
    cells: dict[str, Decimal | None] = field(default_factory=dict)
    points: Decimal = ZERO
    full: Decimal = ZERO
    rate: Decimal | None = None


@dataclass
class Heatmap:
    lineages: list[dict]
    lineage: str
    items: list[dict]
    rows: list[HeatRow]


def _rate(points_x100: int, full_x100: int) -> Decimal | None:
    """得分率 in percent with one decimal, rounded half up, from exact hundredths (no float)."""
    if not full_x100:
        return None
    return Decimal((points_x100 * 1000 * 2 + full_x100) // (full_x100 * 2)).scaleb(-1)


def heatmap(*, user, lineage: str = "", sort: str = "", desc: bool = False) -> Heatmap:
    """Units × items of one framework (by lineage) over every unit in the user's scope. Each cell
    is the item's 得分率 in the unit's latest submitted round of its latest open campaign on that
    framework; units without a campaign or a submitted round stay empty. Six queries."""
    campaigns = scoped(Campaign, user).exclude(status=CampaignStatus.CLOSED)
    by_lineage: dict[str, dict] = {}
    for row in campaigns.values(
        "framework__lineage", "framework_id", "framework__title", "framework__version"
    ).annotate(n=Count("pk")):
        key = str(row["framework__lineage"])
        entry = by_lineage.setdefault(key, {"lineage": key, "n": 0, "version": -1})
        entry["n"] += row["n"]
        if (row["framework__version"], row["framework_id"]) > (
            entry["version"],
            entry.get("framework_id", 0),
        ):
            entry.update(
                version=row["framework__version"],
                framework_id=row["framework_id"],
                title=row["framework__title"],
            )
    lineages = sorted(by_lineage.values(), key=lambda x: (-x["n"], x["title"]))
    chosen = lineage if lineage in by_lineage else (lineages[0]["lineage"] if lineages else "")
    units = list(
        scoped(Organisation, user)
        .filter(kind=OrgKind.UNIT)
        .values("pk", "name", "region_code")
        .order_by("name")
    )
    if not chosen:
        return Heatmap(lineages=[], lineage="", items=[], rows=[HeatRow(unit=u) for u in units])
    camp_rows = list(campaigns.filter(framework__lineage=chosen).values("pk", "unit_id").order_by("pk"))
    items = list(
        Criterion.objects.filter(framework_id=by_lineage[chosen]["framework_id"], depth=1)
        .order_by("position", "pk")
        .values("code", "title")
    )
    by_unit = {c["unit_id"]: c for c in camp_rows}  # the latest campaign per unit (ordered by pk)
    campaign_ids = [c["pk"] for c in by_unit.values()]
    latest: dict[int, dict] = {}
    for r in (
        Round.objects.filter(
            campaign__in=campaigns.filter(framework__lineage=chosen), status=RoundStatus.SUBMITTED
        )
        .values("pk", "campaign_id", "kind", "title", "submitted_at")
        .order_by("submitted_at", "pk")
    ):
        latest[r["campaign_id"]] = r
    round_ids = [latest[c]["pk"] for c in campaign_ids if c in latest]
    cells: dict[int, dict[str, tuple[int, int]]] = {}
    if round_ids:
        for round_id, code, points, full in ItemTotal.objects.filter(round_id__in=round_ids).values_list(
            "round_id", "code", "points_x100", "full_x100"
        ):
            cells.setdefault(round_id, {})[code] = (points, full)
    rows = []
    for u in units:
        row = HeatRow(unit=u, campaign=by_unit.get(u["pk"]))
        if row.campaign is not None:
            row.round = latest.get(row.campaign["pk"])
        if row.round is not None:
            points_sum = full_sum = 0
            for code, (points, full) in cells.get(row.round["pk"], {}).items():
                row.cells[code] = _rate(points, full)
                points_sum += points
                full_sum += full
            row.points, row.full = Decimal(points_sum) / 100, Decimal(full_sum) / 100
            row.rate = _rate(points_sum, full_sum)
        rows.append(row)

    def value_key(r: HeatRow):
        v = r.rate if sort == "total" else r.cells.get(sort)
        return v

    if sort and (sort == "total" or any(i["code"] == sort for i in items)):
        present = [r for r in rows if value_key(r) is not None]
        absent = [r for r in rows if value_key(r) is None]
        present.sort(key=value_key, reverse=desc)
        rows = present + absent
    else:
        # By name, units with a submitted round first, then those with a campaign, then the rest.
        rows.sort(key=lambda r: (r.round is None, r.campaign is None))
        if desc:
            rows.reverse()
    return Heatmap(lineages=lineages, lineage=chosen, items=items, rows=rows)


HEAT_CLASSES = [
    (90, "bg-green text-white"),
    (80, "bg-green-lt"),
    (70, "bg-yellow-lt"),
    (60, "bg-orange-lt"),
]


def heat_class(rate: Decimal | None) -> str:
    """Tabler colour classes for a 得分率 (no inline styles; colours also named in the legend)."""
    if rate is None:
        return "bg-secondary-lt"
    for floor, css in HEAT_CLASSES:
        if rate >= floor:
            return css
    return "bg-red text-white"
