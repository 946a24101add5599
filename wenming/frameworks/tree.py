"""The criterion tree as plain data: what imports parse into, exports write from, services validate.

:func:`validate_nodes` checks a whole tree at once and reports every problem with its row and
column (for files) — codes unique, parents present, depth ≤ 4, scores non-negative, children's
scores not above their parent's, top-level scores not above the framework's total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from wenming.frameworks.models import MAX_DEPTH, EvidenceType
from wenming.frameworks.schemes import SchemeError, validate_scheme

MAX_CODE_LENGTH = 32
MAX_TITLE_LENGTH = 500


@dataclass
class Node:
    code: str
    title: str
    parent_code: str = ""
    requirement: str = ""
    evidence_guidance: str = ""
    evidence_types: list[str] = field(default_factory=list)
    report_char_limit: int | None = None
    methods: list[str] = field(default_factory=list)
    score: Decimal | None = None
    scheme: dict = field(default_factory=dict)
    note: str = ""
    row: int | None = None  # spreadsheet row (or YAML entry number) for error messages
    depth: int = 0  # filled in by validate_nodes

    def comparable(self) -> dict[str, Any]:
        """The fields that make a criterion what it is (for diffs and round-trip checks)."""
        return {
            "parent_code": self.parent_code,
            "title": self.title,
            "requirement": self.requirement,
            "evidence_guidance": self.evidence_guidance,
            "evidence_types": list(self.evidence_types),
            "report_char_limit": self.report_char_limit,
            "methods": list(self.methods),
            "score": self.score,
            "scheme": self.scheme or {},
            "note": self.note,
        }


@dataclass(frozen=True)
class TreeError:
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else ""
        if self.column:
            where += f"“{self.column}”列" if where else f"“{self.column}”"
        return f"{where}：{self.message}" if where else self.message


# Column names used in messages (and as the spreadsheet headers; see transfer.py).
COL_CODE = "编码"
COL_PARENT = "上级编码"
COL_TITLE = "名称"
COL_SCORE = "分值"
COL_SCHEME = "评分规则"
COL_TYPES = "佐证材料类型"


MAX_SCORE = Decimal("99999.99")  # Decimal(7, 2)


def score_problem(value: Decimal | None, what: str = "分值") -> str | None:
    """Why a score cannot be stored (negative, more than two decimals, too large), or None."""
    if value is None:
        return None
    if value < 0:
        return f"{what}不能为负数"
    if value.as_tuple().exponent < -2 and value != value.quantize(Decimal("0.01")):
        return f"{what}最多保留两位小数"
    if value > MAX_SCORE:
        return f"{what}不能超过 {MAX_SCORE}"
    return None


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")


def validate_nodes(nodes: list[Node], *, total_score: Decimal | None = None) -> list[TreeError]:
    """Every problem of the tree; fills ``node.depth`` and canonicalises ``node.scheme``."""
    errors: list[TreeError] = []
    by_code: dict[str, Node] = {}
    valid_types = set(EvidenceType.values)
    for node in nodes:
        if not node.code:
            errors.append(TreeError(node.row, COL_CODE, "编码不能为空"))
            continue
        if len(node.code) > MAX_CODE_LENGTH:
            errors.append(TreeError(node.row, COL_CODE, f"编码不能超过 {MAX_CODE_LENGTH} 个字符"))
        if node.code in by_code:
            first = by_code[node.code].row
            errors.append(
                TreeError(
                    node.row,
                    COL_CODE,
                    f"编码“{node.code}”重复" + (f"（与第 {first} 行相同）" if first else ""),
                )
            )
            continue
        by_code[node.code] = node
        if not node.title:
            errors.append(TreeError(node.row, COL_TITLE, "名称不能为空"))
        elif len(node.title) > MAX_TITLE_LENGTH:
            errors.append(TreeError(node.row, COL_TITLE, f"名称不能超过 {MAX_TITLE_LENGTH} 个字符"))
        problem = score_problem(node.score)
        if problem:
            errors.append(TreeError(node.row, COL_SCORE, problem))
        bad_types = [t for t in node.evidence_types if t not in valid_types]
        if bad_types:
            errors.append(TreeError(node.row, COL_TYPES, "未知的佐证材料类型：" + "、".join(bad_types)))
        try:
            node.scheme = validate_scheme(node.scheme, max_score=node.score)
        except SchemeError as exc:
            errors.append(TreeError(node.row, COL_SCHEME, str(exc)))

    # Parents, depth (and cycles) — walk up from each node.
    children: dict[str, list[Node]] = {}
    for node in by_code.values():
        if node.parent_code:
            if node.parent_code == node.code:
                errors.append(TreeError(node.row, COL_PARENT, "上级编码不能是自身"))
                continue
            if node.parent_code not in by_code:
                errors.append(TreeError(node.row, COL_PARENT, f"上级编码“{node.parent_code}”不存在"))
                continue
            children.setdefault(node.parent_code, []).append(node)
    for node in by_code.values():
        depth, seen, current = 1, {node.code}, node
        broken = False
        while current.parent_code and current.parent_code in by_code:
            current = by_code[current.parent_code]
            if current.code in seen:
                errors.append(TreeError(node.row, COL_PARENT, "上级编码形成了循环"))
                broken = True
                break
            seen.add(current.code)
            depth += 1
        if broken:
            continue
        node.depth = depth
        if depth > MAX_DEPTH:
            errors.append(
                TreeError(
                    node.row,
                    COL_PARENT,
                    f"层级超过 {MAX_DEPTH} 级（测评项目 › 测评内容 › 测评标准 › 子标准）",
                )
            )

    # Scores: each child and the children together stay within the parent.
    for parent_code, kids in children.items():
        parent = by_code[parent_code]
        if parent.score is None or score_problem(parent.score):
            continue
        total = Decimal(0)
        for kid in kids:
            if kid.score is None or score_problem(kid.score):
                continue
            total += kid.score
            if kid.score > parent.score:
                errors.append(
                    TreeError(
                        kid.row,
                        COL_SCORE,
                        f"分值 {_n(kid.score)} 超过上级“{parent.code}”的分值 {_n(parent.score)}",
                    )
                )
        if total > parent.score and all(
            k.score is None or score_problem(k.score) or k.score <= parent.score for k in kids
        ):
            last = kids[-1]
            errors.append(
                TreeError(
                    last.row,
                    COL_SCORE,
                    f"“{parent.code}”的下级分值合计 {_n(total)} 超过其分值 {_n(parent.score)}",
                )
            )
    if total_score is not None:
        top = sum(
            (
                n.score
                for n in by_code.values()
                if not n.parent_code and n.score is not None and not score_problem(n.score)
            ),
            Decimal(0),
        )
        if top > total_score:
            errors.append(
                TreeError(None, COL_SCORE, f"测评项目分值合计 {_n(top)} 超过总分 {_n(total_score)}")
            )
    return errors


def order_nodes(nodes: list[Node]) -> list[Node]:
    """Depth-first order (parents before children, siblings in their given order)."""
    children: dict[str, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent_code, []).append(node)
    out: list[Node] = []

    def walk(code: str) -> None:
        for kid in children.get(code, []):
            out.append(kid)
            walk(kid.code)

    walk("")
    return out
