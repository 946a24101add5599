"""Builders for the framework tests (through the real services)."""

from __future__ import annotations

from decimal import Decimal

from wenming.frameworks.services import Spec, framework_create
from wenming.frameworks.tree import Node


def node(code: str, parent: str = "", score=None, **kw) -> Node:
    return Node(
        code=code,
        title=kw.pop("title", f"标准{code}"),
        parent_code=parent,
        score=None if score is None else Decimal(str(score)),
        **kw,
    )


def make_framework(owner=None, *, title="测试测评体系", nodes=None, total=None, kind="unit", **meta):
    spec = Spec(
        meta={
            "kind": kind,
            "title": title,
            "total_score": None if total is None else Decimal(str(total)),
            **meta,
        },
        nodes=nodes or [],
    )
    return framework_create(owner=owner, spec=spec)


def big_nodes(items: int = 5, contents: int = 4, standards: int = 5) -> list[Node]:
    """items × contents × standards criteria plus their parents (5×4×5 = 100 + 20 + 5 = 125)."""
    out = []
    for i in range(1, items + 1):
        out.append(node(f"{i}", score=20, methods=["材料审核"], evidence_types=["situation"]))
        for j in range(1, contents + 1):
            out.append(node(f"{i}.{j}", f"{i}", score=5))
            for k in range(1, standards + 1):
                out.append(
                    node(f"{i}.{j}.{k}", f"{i}.{j}", score=1, methods=["实地考察"], scheme={"type": "fixed"})
                )
    return out
