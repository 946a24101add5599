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
        # An import is one entry listing every record it created: find it by any of their codes.
        qs = qs.filter(
            Q(object_repr__icontains=filters.q)
            | Q(object_id=filters.q)
            | Q(action=Action.IMPORT, changes__icontains=filters.q)
        )
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


# Names of common fields that models leave without a Chinese verbose_name.
COMMON_FIELD_LABELS = {
    "id": "编号",
    "created_at": "创建时间",
    "updated_at": "修改时间",
    "organisation": "组织",
    "department": "科室",
    "user": "用户",
    "parent": "上级",
    "sort_order": "排序",
    "is_active": "启用",
    "email": "电子邮箱",
    "username": "用户名",
    "display_name": "姓名",
    "phone": "手机号",
    "password": "密码",
    "last_login": "最近登录",
    "date_joined": "注册时间",
    "is_staff": "后台权限",
    "is_superuser": "超级用户",
    "first_name": "名",
    "last_name": "姓",
}
# Marker in a field's "choices": its values are ids of other records, shown as "#id".
REFERENCE = "\x00ref"
# Shown on the entry's own page but left out of the list, where they are noise.
LIST_HIDDEN_FIELDS = {"id", "created_at", "prefix", "region_code"}


@lru_cache(maxsize=2048)
def _field_info(object_type: str, name: str) -> tuple[str, dict]:
    """A changed field's Chinese name and its choice labels, when the model gives them."""
    base = name[:-3] if name.endswith("_id") else name
    fallback = COMMON_FIELD_LABELS.get(base, name)
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return fallback, {}
    for candidate in (name, base):
        try:
            field = model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        verbose = str(getattr(field, "verbose_name", "") or "")
        # Django's default verbose name is the field name with spaces: that is not a label.
        label = verbose if verbose and verbose != field.name.replace("_", " ") else fallback
        if field.is_relation:
            return label, {REFERENCE: ""}
        choices = {str(k): str(v) for k, v in (getattr(field, "flatchoices", None) or [])}
        return label, choices
    return fallback, {}


def field_label(object_type: str, name: str) -> str:
    return _field_info(object_type, name)[0]


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


def _show(value: Any, choices: dict | None = None) -> str:
    if value is None or value == "":
        return "（空）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, dict):
        return "；".join(f"{k} {_show(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_show(v) for v in value)
    if choices:
        if REFERENCE in choices:
            return f"#{value}"
        if str(value) in choices:
            return choices[str(value)]
    return str(value)


def describe_changes(entry: AuditEntry, *, brief: bool = False) -> list[Change]:
    """before → after per field, readable: Chinese field names, choice labels instead of codes.
    ``changes`` is {field: [before, after]} for diffs; an entry written with free-form changes
    (an import's counts) shows each value as "after". ``brief`` leaves out bookkeeping fields."""
    out = []
    for name, value in (entry.changes or {}).items():
        if brief and name in LIST_HIDDEN_FIELDS:
            continue
        if isinstance(value, list) and len(value) == 2:
            before, after = value
        else:
            before, after = None, value
        label, choices = _field_info(entry.object_type, name)
        out.append(Change(name, label, _show(before, choices), _show(after, choices)))
    return out


def changes_text(entry: AuditEntry) -> str:
    parts = []
    for c in describe_changes(entry):
        parts.append(f"{c.label}：{c.after}" if c.before == "（空）" else f"{c.label}：{c.before} → {c.after}")
    return "；".join(parts)
