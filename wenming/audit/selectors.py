"""Reading the audit trail: the filtered, scoped list behind the audit page and its export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.audit.models import Action, AuditEntry
from wenming.orgs.access import get_scope, scoped
from wenming.orgs.models import Role

# Object types shown by their Chinese names; other types fall back to the model's verbose name.
EXTRA_TYPE_LABELS = {"auth.user": "用户"}


@dataclass(frozen=True)
class AuditFilters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    action: str = ""
    actor: str = ""
    object_type: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, params) -> AuditFilters:
        def date(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat((params.get(name) or "").strip())
            except ValueError:
                return None

        action = params.get("action", "")
        return cls(
            date_from=date("date_from"),
            date_to=date("date_to"),
            action=action if action in Action.values else "",
            actor=(params.get("actor") or "").strip()[:150],
            object_type=(params.get("object_type") or "").strip()[:100],
            q=(params.get("q") or "").strip()[:200],
        )

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v not in (None, "")}


def audit_scope_q(user) -> Q:
    """Platform admins see every entry; an office admin sees the entries filed under a region of
    their own subtree (not merely what an inspector role elsewhere lets them see)."""
    scope = get_scope(user)
    if scope.is_platform:
        return Q()
    if not scope.has_role(Role.OFFICE_ADMIN):
        raise PermissionDenied("只有平台管理员和文明办管理员可以查看审计日志")
    q = Q(pk__in=[])
    for prefix in scope.admin_prefixes:
        q |= Q(region_code__startswith=prefix)
    return q


def audit_entries(*, user, filters: AuditFilters) -> QuerySet[AuditEntry]:
    qs = scoped(AuditEntry, user).filter(audit_scope_q(user))
    tz = timezone.get_current_timezone()
    if filters.date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(filters.date_from, dt.time.min, tzinfo=tz))
    if filters.date_to:
        qs = qs.filter(created_at__lt=dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.actor:
        qs = qs.filter(actor_label__icontains=filters.actor)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.q:
        qs = qs.filter(Q(object_repr__icontains=filters.q) | Q(object_id=filters.q))
    return qs.order_by("-seq")


def object_type_choices() -> list[tuple[str, str]]:
    """The project's own models (and users), labelled in Chinese; no query."""
    choices = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if model.__module__.startswith("wenming.") and model is not AuditEntry:
            choices.append((label, str(model._meta.verbose_name)))
    choices.extend(EXTRA_TYPE_LABELS.items())
    return sorted(set(choices), key=lambda c: c[0])


@lru_cache(maxsize=256)
def object_type_label(object_type: str) -> str:
    if object_type in EXTRA_TYPE_LABELS:
        return EXTRA_TYPE_LABELS[object_type]
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


@lru_cache(maxsize=2048)
def field_label(object_type: str, name: str) -> str:
    """A changed field's Chinese name, when the model gives one."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return name
    for candidate in (name, name[:-3] if name.endswith("_id") else name):
        try:
            field = model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        verbose = getattr(field, "verbose_name", None)
        if verbose and str(verbose) != candidate.replace("_", " "):
            return str(verbose)
    return name


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


def _show(value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, (list, dict)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def describe_changes(entry: AuditEntry) -> list[Change]:
    """before → after per field, readable. ``changes`` is {field: [before, after]} for diffs; an
    entry written with free-form changes (an import's counts) shows each value as "after"."""
    out = []
    for name, value in (entry.changes or {}).items():
        if isinstance(value, list) and len(value) == 2:
            before, after = value
        else:
            before, after = None, value
        out.append(Change(name, field_label(entry.object_type, name), _show(before), _show(after)))
    return out


def changes_text(entry: AuditEntry) -> str:
    parts = []
    for c in describe_changes(entry):
        parts.append(f"{c.label}：{c.after}" if c.before == "（空）" else f"{c.label}：{c.before} → {c.after}")
    return "；".join(parts)
