"""Every write to frameworks: create, edit the tree, derive, publish, freeze, new version, import.

Rules held here (and by constraints in the models where the database can hold them):
- a frozen version is never edited: ``framework_new_version`` makes an editable copy;
- each write validates the whole tree (codes unique, depth ≤ 4, scores non-negative and children
  within their parent) before anything is saved, inside one transaction, and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.frameworks.models import (
    Adjustment,
    AdjustmentKind,
    Criterion,
    Framework,
    FrameworkKind,
    FrameworkStatus,
    LevelThreshold,
    VetoCondition,
)
from wenming.frameworks.tree import Node, TreeError, order_nodes, score_problem, validate_nodes
from wenming.orgs.models import Organisation, OrgKind
from wenming.orgs.regions import prefix_of

META_FIELDS = (
    "kind",
    "title",
    "issuer",
    "description",
    "source",
    "total_score",
    "report_char_limit",
    "bonus_cap",
    "deduction_cap",
    "veto_window",
    "veto_effect",
)
NULLABLE_META = ("total_score", "report_char_limit", "bonus_cap", "deduction_cap")


class TreeInvalid(ValidationError):
    """The tree would break a rule; ``errors`` lists each problem (row/column when from a file)."""

    def __init__(self, errors: list[TreeError]):
        super().__init__([str(e) for e in errors])
        self.errors = errors


@dataclass
class Spec:
    """A whole framework as data (YAML import/export, built-in data files)."""

    meta: dict[str, Any]
    thresholds: list[tuple[str, Decimal]] = field(default_factory=list)
    veto: list[str] = field(default_factory=list)
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)


# --- reading the tree as nodes ----------------------------------------------------------------


def node_of(c: Criterion, parent_codes: dict[int, str]) -> Node:
    return Node(
        code=c.code,
        title=c.title,
        parent_code=parent_codes.get(c.parent_id, "") if c.parent_id else "",
        requirement=c.requirement,
        evidence_guidance=c.evidence_guidance,
        evidence_types=list(c.evidence_types or []),
        report_char_limit=c.report_char_limit,
        methods=list(c.methods or []),
        score=c.score,
        scheme=dict(c.scheme or {}),
        note=c.note,
        depth=c.depth,
    )


def framework_nodes(*, framework: Framework) -> list[Node]:
    """The tree as nodes in depth-first order (one query)."""
    criteria = list(Criterion.objects.filter(framework=framework).order_by("depth", "position", "pk"))
    codes = {c.pk: c.code for c in criteria}
    return order_nodes([node_of(c, codes) for c in criteria])


def framework_spec(*, framework: Framework) -> Spec:
    return Spec(
        meta={f: getattr(framework, f) for f in META_FIELDS},
        thresholds=[(t.title, t.min_score) for t in framework.thresholds.all()],
        veto=[v.text for v in framework.veto_conditions.all()],
        adjustments=[
            {"kind": a.kind, "code": a.code, "title": a.title, "points": a.points, "cap": a.cap}
            for a in framework.adjustments.all()
        ],
        nodes=framework_nodes(framework=framework),
    )


# --- guards ---------------------------------------------------------------------------------


def framework_can_edit(*, scope, framework: Framework) -> bool:
    """Office admins of the owning office edit its frameworks (platform admins anything);
    frozen versions are edited through a new version."""
    if framework.status == FrameworkStatus.FROZEN:
        return False
    if scope.is_platform:
        return True
    return framework.owner_id is not None and framework.owner_id in scope.admin_office_ids


def _ensure_editable(framework: Framework) -> None:
    if framework.status == FrameworkStatus.FROZEN:
        raise ValidationError("该版本已冻结（已被创建活动使用），不能修改；请先生成新版本")


def _validate_owner(owner: Organisation | None) -> None:
    if owner is not None and owner.kind != OrgKind.OFFICE:
        raise ValidationError("测评体系只能属于文明办")


# --- writing the tree -------------------------------------------------------------------------


def _write_nodes(framework: Framework, nodes: list[Node]) -> None:
    """Create criteria for validated nodes, level by level (parents first) with bulk inserts."""
    ordered = order_nodes(nodes)
    position = {n.code: i for i, n in enumerate(ordered)}
    ids: dict[str, int] = {}
    for depth in range(1, 5):
        level = [n for n in ordered if n.depth == depth]
        if not level:
            continue
        created = Criterion.objects.bulk_create(
            [
                Criterion(
                    framework=framework,
                    parent_id=ids[n.parent_code] if n.parent_code else None,
                    depth=n.depth,
                    code=n.code,
                    position=position[n.code],
                    title=n.title,
                    requirement=n.requirement,
                    evidence_guidance=n.evidence_guidance,
                    evidence_types=list(n.evidence_types),
                    report_char_limit=n.report_char_limit,
                    methods=list(n.methods),
                    score=n.score,
                    scheme=n.scheme or {},
                    note=n.note,
                )
                for n in level
            ]
        )
        if any(c.pk is None for c in created):  # backends that do not return ids
            created = list(Criterion.objects.filter(framework=framework, depth=depth))
        ids.update({c.code: c.pk for c in created})


def _write_rules(framework: Framework, spec: Spec) -> None:
    LevelThreshold.objects.bulk_create(
        LevelThreshold(framework=framework, title=title, min_score=score, position=i)
        for i, (title, score) in enumerate(spec.thresholds)
    )
    VetoCondition.objects.bulk_create(
        VetoCondition(framework=framework, text=t, position=i) for i, t in enumerate(spec.veto)
    )
    Adjustment.objects.bulk_create(
        Adjustment(
            framework=framework,
            position=i,
            **{k: a.get(k) for k in ("kind", "code", "title", "points", "cap")},
        )
        for i, a in enumerate(spec.adjustments)
    )


def validate_rules(spec: Spec) -> list[TreeError]:
    errors: list[TreeError] = []
    titles = set()
    for title, score in spec.thresholds:
        if not title:
            errors.append(TreeError(None, "称号等级", "称号不能为空"))
        if title in titles:
            errors.append(TreeError(None, "称号等级", f"称号“{title}”重复"))
        titles.add(title)
        if score is None or score_problem(score):
            errors.append(TreeError(None, "称号等级", f"“{title}”的分数线须为非负数，最多两位小数"))
    codes = set()
    for a in spec.adjustments:
        if a.get("kind") not in AdjustmentKind.values:
            errors.append(TreeError(None, "加分扣分", f"“{a.get('code')}”的类别须为加分或扣分"))
        if not a.get("code") or a.get("code") in codes:
            errors.append(TreeError(None, "加分扣分", f"编码“{a.get('code')}”为空或重复"))
        codes.add(a.get("code"))
        if not a.get("title"):
            errors.append(TreeError(None, "加分扣分", f"“{a.get('code')}”缺少名称"))
        for key, label in (("points", "分值"), ("cap", "上限")):
            problem = score_problem(a.get(key), label)
            if problem:
                errors.append(TreeError(None, "加分扣分", f"“{a.get('code')}”：{problem}"))
    meta = spec.meta
    if meta.get("kind") not in FrameworkKind.values:
        errors.append(TreeError(None, "类别", "类别不可识别，可填：" + "、".join(FrameworkKind.labels)))
    if not meta.get("title"):
        errors.append(TreeError(None, "名称", "测评体系名称不能为空"))
    for key, label in (
        ("total_score", "总分"),
        ("bonus_cap", "加分合计上限"),
        ("deduction_cap", "扣分合计上限"),
    ):
        problem = score_problem(meta.get(key), label)
        if problem:
            errors.append(TreeError(None, label, problem))
    return errors


@transaction.atomic
def framework_create(*, owner: Organisation | None, spec: Spec, builtin_key: str = "") -> Framework:
    """A new draft framework (version 1) from a spec; the whole spec is validated first."""
    _validate_owner(owner)
    errors = validate_rules(spec) + validate_nodes(spec.nodes, total_score=spec.meta.get("total_score"))
    if errors:
        raise TreeInvalid(errors)
    meta = {f: spec.meta.get(f) for f in META_FIELDS}
    meta.update({f: meta[f] or "" for f in META_FIELDS if f not in NULLABLE_META})  # text fields: '' not NULL
    framework = Framework(owner=owner, builtin_key=builtin_key, **meta)
    _locate(framework, owner)
    framework.save()
    _write_rules(framework, spec)
    _write_nodes(framework, spec.nodes)
    audit_record(action=Action.CREATE, obj=framework, after=snapshot(framework))
    return framework


def _locate(framework: Framework, owner: Organisation | None) -> None:
    framework.region_code = owner.region_code if owner else ""
    framework.region_prefix = prefix_of(owner.region_code) if owner else ""


@transaction.atomic
def framework_update(*, framework: Framework, **fields: Any) -> Framework:
    """Edit the framework's own fields (not its tree)."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    _ensure_editable(framework)
    before = snapshot(framework)
    for name, value in fields.items():
        if name not in META_FIELDS:
            raise ValueError(f"unknown field {name}")
        setattr(framework, name, value)
    if framework.total_score is not None:
        errors = validate_nodes(framework_nodes(framework=framework), total_score=framework.total_score)
        if errors:
            raise TreeInvalid(errors)
    framework.full_clean(exclude=["owner", "derived_from"])
    framework.save()
    audit_record(action=Action.UPDATE, obj=framework, before=before, after=snapshot(framework))
    return framework


@transaction.atomic
def framework_set_rules(
    *, framework: Framework, thresholds: list[tuple[str, Decimal]], veto: list[str], adjustments: list[dict]
) -> None:
    """Replace the level thresholds, veto list and bonus/deduction items."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    _ensure_editable(framework)
    spec = Spec(
        meta={f: getattr(framework, f) for f in META_FIELDS},
        thresholds=thresholds,
        veto=veto,
        adjustments=adjustments,
    )
    errors = validate_rules(spec)
    if errors:
        raise TreeInvalid(errors)
    before = framework_spec(framework=framework)
    framework.thresholds.all().delete()
    framework.veto_conditions.all().delete()
    framework.adjustments.all().delete()
    _write_rules(framework, spec)
    audit_record(
        action=Action.UPDATE,
        obj=framework,
        changes={
            "thresholds": [[list(t) for t in before.thresholds], [list(t) for t in thresholds]],
            "veto": [before.veto, veto],
            "adjustments": [before.adjustments, adjustments],
        },
    )


@transaction.atomic
def criterion_save(*, framework: Framework, node: Node, criterion: Criterion | None = None) -> Criterion:
    """Add a criterion (``criterion`` None) or change one; the whole tree is re-validated."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    _ensure_editable(framework)
    nodes = framework_nodes(framework=framework)
    if criterion is not None:
        old_code = criterion.code
        nodes = [n for n in nodes if n.code != old_code]
        for n in nodes:  # children follow a renamed code
            if n.parent_code == old_code:
                n.parent_code = node.code
    nodes.append(node)
    errors = validate_nodes(nodes, total_score=framework.total_score)
    if errors:
        raise TreeInvalid(errors)
    parent = Criterion.objects.get(framework=framework, code=node.parent_code) if node.parent_code else None
    before = snapshot(criterion) if criterion else None
    obj = criterion or Criterion(framework=framework)
    if criterion is None:
        siblings = Criterion.objects.filter(framework=framework, parent=parent)
        obj.position = (max((s.position for s in siblings), default=-1)) + 1
    for name in (
        "code",
        "title",
        "requirement",
        "evidence_guidance",
        "evidence_types",
        "report_char_limit",
        "methods",
        "score",
        "scheme",
        "note",
    ):
        setattr(obj, name, getattr(node, name))
    obj.parent = parent
    obj.depth = node.depth
    obj.save()
    # A move changes the depth of the whole subtree.
    by_code = {n.code: n for n in nodes}
    for child in Criterion.objects.filter(framework=framework).exclude(pk=obj.pk):
        if child.code in by_code and child.depth != by_code[child.code].depth:
            Criterion.objects.filter(pk=child.pk).update(depth=by_code[child.code].depth)
    audit_record(
        action=Action.UPDATE if criterion else Action.CREATE, obj=obj, before=before, after=snapshot(obj)
    )
    _touch(framework)
    return obj


@transaction.atomic
def criterion_delete(*, criterion: Criterion) -> None:
    framework = Framework.objects.select_for_update().get(pk=criterion.framework_id)
    _ensure_editable(framework)
    before = snapshot(criterion)
    audit_record(action=Action.DELETE, obj=criterion, before=before)
    criterion.delete()  # children go with it (CASCADE)
    _touch(framework)


def _touch(framework: Framework) -> None:
    Framework.objects.filter(pk=framework.pk).update(updated_at=timezone.now())


@transaction.atomic
def framework_replace(*, framework: Framework, spec: Spec, replace_meta: bool, source_name: str = "") -> int:
    """Replace the tree (and, from YAML, the framework's fields and rules) from an import.
    All or nothing: validated first, then written in the one transaction. Returns criteria count."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    _ensure_editable(framework)
    total = spec.meta.get("total_score") if replace_meta else framework.total_score
    errors = validate_nodes(spec.nodes, total_score=total)
    if replace_meta:
        errors = validate_rules(spec) + errors
    if errors:
        raise TreeInvalid(errors)
    before = snapshot(framework)
    old_count = framework.criteria.count()
    framework.criteria.all().delete()
    if replace_meta:
        for f in META_FIELDS:
            value = spec.meta.get(f)
            setattr(framework, f, value if value is not None or f in NULLABLE_META else "")
        framework.save()
        framework.thresholds.all().delete()
        framework.veto_conditions.all().delete()
        framework.adjustments.all().delete()
        _write_rules(framework, spec)
    _write_nodes(framework, spec.nodes)
    _touch(framework)
    audit_record(
        action=Action.IMPORT,
        obj=framework,
        changes={
            "file": source_name,
            "criteria": [old_count, len(spec.nodes)],
            **({"framework": [before, snapshot(framework)]} if replace_meta else {}),
        },
    )
    return len(spec.nodes)


# --- versions ---------------------------------------------------------------------------------


def _copy(source: Framework, target: Framework) -> None:
    _write_rules(target, framework_spec(framework=source))
    nodes = framework_nodes(framework=source)
    _write_nodes(target, nodes)


@transaction.atomic
def framework_derive(*, source: Framework, owner: Organisation, title: str = "") -> Framework:
    """An office's local version of another framework: a draft copy of the tree and rules that
    the office then weights and extends. The derivation is recorded in ``derived_from``."""
    _validate_owner(owner)
    framework = Framework(
        owner=owner,
        derived_from=source,
        version=1,
        **{f: getattr(source, f) for f in META_FIELDS if f != "title"},
        title=title or source.title,
    )
    _locate(framework, owner)
    framework.save()
    _copy(source, framework)
    audit_record(
        action=Action.CREATE,
        obj=framework,
        after=snapshot(framework),
        changes={"derived_from": [None, source.pk]},
    )
    return framework


@transaction.atomic
def framework_publish(*, framework: Framework) -> Framework:
    """Make a draft visible to the offices and units below its owner."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    if framework.status != FrameworkStatus.DRAFT:
        raise ValidationError("只有草稿可以发布")
    errors = validate_nodes(framework_nodes(framework=framework), total_score=framework.total_score)
    if errors:
        raise TreeInvalid(errors)
    if not framework.criteria.exists():
        raise ValidationError("测评体系还没有测评项目，不能发布")
    before = snapshot(framework)
    framework.status = FrameworkStatus.PUBLISHED
    framework.published_at = timezone.now()
    framework.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(action=Action.UPDATE, obj=framework, before=before, after=snapshot(framework))
    return framework


@transaction.atomic
def framework_freeze(*, framework: Framework) -> Framework:
    """Freeze a published version because something (a campaign) now depends on it. Idempotent:
    freezing a frozen version changes nothing. Campaigns call this when they adopt a version."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    if framework.status == FrameworkStatus.FROZEN:
        return framework
    if framework.status != FrameworkStatus.PUBLISHED:
        raise ValidationError("只有已发布的测评体系可以被使用（冻结）")
    before = snapshot(framework)
    framework.status = FrameworkStatus.FROZEN
    framework.frozen_at = timezone.now()
    framework.save(update_fields=["status", "frozen_at", "updated_at"])
    audit_record(action=Action.UPDATE, obj=framework, before=before, after=snapshot(framework))
    return framework


@transaction.atomic
def framework_new_version(*, framework: Framework) -> Framework:
    """An editable next version (draft) of a frozen or published framework, same lineage."""
    source = Framework.objects.select_for_update().get(pk=framework.pk)
    if source.status == FrameworkStatus.DRAFT:
        raise ValidationError("草稿可以直接修改，无需生成新版本")
    latest = (
        Framework.objects.filter(lineage=source.lineage)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    new = Framework(
        owner_id=source.owner_id,
        region_code=source.region_code,
        region_prefix=source.region_prefix,
        builtin_key=source.builtin_key,
        lineage=source.lineage,
        version=(latest or source.version) + 1,
        derived_from=source,
        **{f: getattr(source, f) for f in META_FIELDS},
    )
    new.save()
    _copy(source, new)
    audit_record(
        action=Action.CREATE, obj=new, after=snapshot(new), changes={"new_version_of": [None, source.pk]}
    )
    return new


@transaction.atomic
def criterion_move(*, criterion: Criterion, up: bool) -> bool:
    """Swap a criterion with its previous (``up``) or next sibling. False at either end."""
    framework = Framework.objects.select_for_update().get(pk=criterion.framework_id)
    _ensure_editable(framework)
    siblings = list(
        Criterion.objects.filter(framework=framework, parent_id=criterion.parent_id).order_by(
            "position", "pk"
        )
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == criterion.pk)
    other = index - 1 if up else index + 1
    if other < 0 or other >= len(siblings):
        return False
    siblings[index], siblings[other] = siblings[other], siblings[index]
    # Renumber the sibling group densely (positions from imports may have gaps or ties).
    for i, s in enumerate(siblings):
        if s.position != i:
            Criterion.objects.filter(pk=s.pk).update(position=i)
    audit_record(action=Action.UPDATE, obj=criterion, changes={"position": [index, other]})
    _touch(framework)
    return True
