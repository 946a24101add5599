"""Reads for frameworks: the scoped list, the tree in a fixed number of queries, version diffs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from wenming.frameworks.models import Criterion, EvidenceType, Framework
from wenming.frameworks.services import framework_nodes
from wenming.orgs.access import scoped


def framework_list(*, user, q: str = "", kind: str = "", status: str = "") -> QuerySet[Framework]:
    qs = (
        scoped(Framework, user)
        .select_related("owner", "derived_from")
        .annotate(criteria_count=Count("criteria"))
    )
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(issuer__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    # Offices' own versions first (built-ins last on every database), versions of one title together.
    return qs.order_by(F("owner_id").asc(nulls_last=True), "title", "-version", "-pk")


def framework_versions(*, user, framework: Framework) -> list[Framework]:
    """The other versions of the same lineage the user may see (for compare)."""
    return list(
        scoped(Framework, user)
        .filter(lineage=framework.lineage)
        .order_by("version")
        .only("pk", "title", "version", "status")
    )


EVIDENCE_LABELS = dict(EvidenceType.choices)


def framework_tree(*, framework: Framework) -> list[Criterion]:
    """Root criteria, each with ``kids`` (recursively) — one query for the whole tree."""
    criteria = list(Criterion.objects.filter(framework=framework).order_by("depth", "position", "pk"))
    by_id = {c.pk: c for c in criteria}
    roots = []
    for c in criteria:
        c.kids = []
        c.evidence_labels = [str(EVIDENCE_LABELS.get(t, t)) for t in c.evidence_types or []]
    for c in criteria:
        if c.parent_id and c.parent_id in by_id:
            by_id[c.parent_id].kids.append(c)
        else:
            roots.append(c)
    return roots


@dataclass
class Change:
    code: str
    title: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class Comparison:
    added: list[Any]
    removed: list[Any]
    changed: list[Change]

    @property
    def is_same(self) -> bool:
        return not (self.added or self.removed or self.changed)


FIELD_LABELS = {
    "parent_code": "上级编码",
    "title": "名称",
    "requirement": "测评要求",
    "evidence_guidance": "佐证材料说明",
    "evidence_types": "佐证材料类型",
    "report_char_limit": "说明报告字数上限",
    "methods": "测评方法",
    "score": "分值",
    "scheme": "评分方式",
    "note": "备注",
}


def framework_compare(*, old: Framework, new: Framework) -> Comparison:
    """Criteria added, removed and changed (field by field) from ``old`` to ``new``, by code."""
    a = {n.code: n for n in framework_nodes(framework=old)}
    b = {n.code: n for n in framework_nodes(framework=new)}
    added = [b[c] for c in b if c not in a]
    removed = [a[c] for c in a if c not in b]
    changed = []
    for code in b:
        if code not in a:
            continue
        before, after = a[code].comparable(), b[code].comparable()
        diffs = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        if diffs:
            changed.append(Change(code=code, title=b[code].title, fields=diffs))
    return Comparison(added=added, removed=removed, changed=changed)


def frameworks_usable(*, user) -> QuerySet[Framework]:
    """Versions a campaign may adopt: published or frozen, within the user's scope."""
    from wenming.frameworks.models import FrameworkStatus

    return scoped(Framework, user).filter(status__in=[FrameworkStatus.PUBLISHED, FrameworkStatus.FROZEN])


def framework_leaves(*, framework: Framework) -> list[Criterion]:
    """The criteria that are scored and evidenced (those without children), in reading order —
    what a campaign turns into tasks. One query."""
    roots = framework_tree(framework=framework)
    out: list[Criterion] = []

    def walk(nodes):
        for c in nodes:
            if c.kids:
                walk(c.kids)
            else:
                out.append(c)

    walk(roots)
    return out
