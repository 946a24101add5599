"""Declarations of how each model is reached from a scope (see orgs.access)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ScopeRule:
    """How a model is reached from a scope.

    region: path to a 12-digit region code (offices see their subtree through it).
    org:    path to the owning organisation's id (units see their own rows through it).
    department: path to a department id, for rows a department lead owns (optional).
    owner:  path to a user id; that user always sees the row (their own uploads, jobs).
    custom: a callable (scope) -> Q for models that need something else (e.g. users).
    """

    region: str | None = None
    org: str | None = None
    department: str | None = None
    owner: str | None = None
    custom: Any = None
