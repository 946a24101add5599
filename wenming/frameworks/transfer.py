"""Frameworks in and out of files: xlsx (Chinese headers, one row per criterion) and YAML (the
whole framework: fields, thresholds, veto list, bonus/deduction items and the nested tree).

Parsing never writes: ``parse_xlsx`` / ``parse_yaml`` return the parsed data and every error with
its row and column; the import service writes only a file without errors (all or nothing).
YAML goes through ``yaml.SafeLoader`` (no object construction), after a size cap, and documents
with anchors/aliases are refused (they can expand to far more data than the file holds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from wenming.frameworks.models import EvidenceType, Framework, FrameworkKind
from wenming.frameworks.schemes import SchemeError, scheme_from_text, scheme_to_text
from wenming.frameworks.services import META_FIELDS, Spec, framework_spec
from wenming.frameworks.tree import Node, TreeError, order_nodes, validate_nodes
from wenming.web.excel import TableError, read_table

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 3000
MAX_YAML_BYTES = 1024 * 1024
MAX_TEXT = 5000

H_CODE = "编码"
H_PARENT = "上级编码"
H_TITLE = "名称"
H_REQUIREMENT = "测评要求"
H_GUIDANCE = "佐证材料说明"
H_TYPES = "佐证材料类型"
H_LIMIT = "说明报告字数上限"
H_METHODS = "测评方法"
H_SCORE = "分值"
H_SCHEME_TYPE = "评分方式"
H_SCHEME = "评分规则"
H_NOTE = "备注"
HEADERS = [
    H_CODE,
    H_PARENT,
    H_TITLE,
    H_REQUIREMENT,
    H_GUIDANCE,
    H_TYPES,
    H_LIMIT,
    H_METHODS,
    H_SCORE,
    H_SCHEME_TYPE,
    H_SCHEME,
    H_NOTE,
]
REQUIRED = [H_CODE, H_PARENT, H_TITLE, H_SCORE]
ALIASES = {"测评项目编码": H_CODE, "上级": H_PARENT, "标题": H_TITLE, "分数": H_SCORE, "测评方式": H_METHODS}
SPLIT = re.compile(r"[、,，;；/\n]+")
EVIDENCE_BY_LABEL = {str(label): value for value, label in EvidenceType.choices}
EVIDENCE_BY_LABEL.update({"链接": "link", "截图": "link", "链接或截图": "link"})
KIND_BY_LABEL = {str(label): value for value, label in FrameworkKind.choices}


@dataclass
class ParseResult:
    spec: Spec | None = None
    errors: list[TreeError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.spec is not None and not self.errors


def _decimal_text(text: str) -> Decimal:
    number = Decimal(text.replace(",", "").strip())
    if not number.is_finite():
        raise InvalidOperation
    return number.quantize(Decimal("0.01")) if number == number.quantize(Decimal("0.01")) else number


def _split(text: str) -> list[str]:
    return [p.strip() for p in SPLIT.split(text or "") if p.strip()]


def _evidence(values: list[str]) -> tuple[list[str], list[str]]:
    found, unknown = [], []
    for v in values:
        key = EVIDENCE_BY_LABEL.get(v) or (v if v in EvidenceType.values else None)
        if key is None:
            unknown.append(v)
        elif key not in found:
            found.append(key)
    return found, unknown


# --- xlsx -------------------------------------------------------------------------------------


def parse_xlsx(file: Any) -> ParseResult:
    """Criteria from a spreadsheet (xlsx or csv). Errors name the row and column."""
    try:
        table = read_table(
            file,
            max_rows=MAX_ROWS,
            max_bytes=MAX_BYTES,
            required_headers=[H_CODE, H_TITLE],
            optional_headers=[h for h in HEADERS if h not in (H_CODE, H_TITLE)],
            aliases=ALIASES,
        )
    except TableError as exc:
        return ParseResult(errors=[TreeError(None, "", exc.message)])
    missing = [h for h in REQUIRED if h not in table.columns]
    if missing:
        return ParseResult(
            errors=[
                TreeError(table.header_row, h, f"缺少“{h}”列（表头在第 {table.header_row} 行）")
                for h in missing
            ]
        )
    errors: list[TreeError] = []
    nodes: list[Node] = []
    for row in table.rows:
        node = Node(
            code=row.get(H_CODE)[:100],
            title=row.get(H_TITLE)[:1000],
            parent_code=row.get(H_PARENT)[:100],
            row=row.number,
        )
        node.requirement = row.get(H_REQUIREMENT)[:MAX_TEXT]
        node.evidence_guidance = row.get(H_GUIDANCE)[:MAX_TEXT]
        node.note = row.get(H_NOTE)[:MAX_TEXT]
        node.methods = [m[:50] for m in _split(row.get(H_METHODS))][:20]
        node.evidence_types, unknown = _evidence(_split(row.get(H_TYPES)))
        if unknown:
            errors.append(
                TreeError(
                    row.number,
                    H_TYPES,
                    "未知的佐证材料类型："
                    + "、".join(unknown[:5])
                    + "；可填："
                    + "、".join(map(str, EvidenceType.labels)),
                )
            )
        score_text = row.get(H_SCORE)
        if score_text:
            try:
                node.score = _decimal_text(score_text)
            except (InvalidOperation, ValueError):
                errors.append(TreeError(row.number, H_SCORE, f"分值“{score_text[:20]}”不是数字"))
            else:
                if node.score < 0:
                    errors.append(TreeError(row.number, H_SCORE, "分值不能为负数"))
                    node.score = None
        limit = row.get(H_LIMIT)
        if limit:
            if limit.isdigit() and 0 < int(limit) <= 100000:
                node.report_char_limit = int(limit)
            else:
                errors.append(TreeError(row.number, H_LIMIT, f"字数上限“{limit[:20]}”须为正整数"))
        try:
            node.scheme = scheme_from_text(row.get(H_SCHEME_TYPE), row.get(H_SCHEME), max_score=node.score)
        except SchemeError as exc:
            errors.append(TreeError(row.number, H_SCHEME, str(exc)))
            node.scheme = {}
        nodes.append(node)
    if not nodes and not errors:
        errors.append(TreeError(None, "", "文件中没有测评项目"))
    errors += [e for e in validate_nodes(nodes) if e.column != H_SCHEME]
    located = [TreeError(e.row, _where(table, e.column), e.message) for e in errors]
    located.sort(key=lambda e: e.row or 0)
    return ParseResult(spec=Spec(meta={}, nodes=nodes), errors=located)


def _where(table, name: str) -> str:
    letter = table.column_letter(name) if name else ""
    return f"{letter} 列（{name}）" if letter else name


def xlsx_rows(nodes: list[Node]) -> list[list[Any]]:
    out = []
    for n in order_nodes(nodes):
        kind_label, rule = scheme_to_text(n.scheme)
        out.append(
            [
                n.code,
                n.parent_code,
                n.title,
                n.requirement,
                n.evidence_guidance,
                "、".join(str(EvidenceType(t).label) for t in n.evidence_types if t in EvidenceType.values),
                n.report_char_limit,
                "、".join(n.methods),
                n.score,
                kind_label,
                rule,
                n.note,
            ]
        )
    return out


TEMPLATE_ROWS = [
    ["1", "", "组织领导（示例）", "", "", "", None, "", "10", "", "", "示例行，导入前请删除"],
    [
        "1.1",
        "1",
        "成立创建工作领导小组（示例）",
        "有文件、有分工",
        "正式发文",
        "正式发文、情况资料",
        None,
        "材料审核",
        "4",
        "等级评分",
        "A=4；B=3；C=2；D=0",
        "",
    ],
    [
        "1.2",
        "1",
        "达标项数示例",
        "",
        "",
        "说明报告",
        500,
        "材料审核、实地考察",
        "6",
        "达标项数",
        "A>=5=100%；B>=4=66%；C>=3=33%",
        "",
    ],
]


# --- YAML -------------------------------------------------------------------------------------


def _num(value: Any) -> Any:
    """YAML numbers as decimal text (never through float arithmetic)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {k: _num(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_num(v) for v in value]
    return value


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return _decimal_text(str(_num(value)))


def _fmt(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


def spec_to_yaml_data(spec: Spec) -> dict[str, Any]:
    meta = dict(spec.meta)
    framework = {
        "kind": str(FrameworkKind(meta["kind"]).label),
        "title": meta.get("title") or "",
        "issuer": meta.get("issuer") or "",
        "description": meta.get("description") or "",
        "source": meta.get("source") or "",
        "total_score": _fmt(meta.get("total_score")),
        "report_char_limit": meta.get("report_char_limit"),
        "bonus_cap": _fmt(meta.get("bonus_cap")),
        "deduction_cap": _fmt(meta.get("deduction_cap")),
    }
    children: dict[str, list[Node]] = {}
    for n in spec.nodes:
        children.setdefault(n.parent_code, []).append(n)

    def tree(code: str) -> list[dict]:
        out = []
        for n in children.get(code, []):
            item: dict[str, Any] = {"code": n.code, "title": n.title, "score": _fmt(n.score)}
            for key in ("requirement", "evidence_guidance", "note"):
                if getattr(n, key):
                    item[key] = getattr(n, key)
            if n.evidence_types:
                item["evidence_types"] = [str(EvidenceType(t).label) for t in n.evidence_types]
            if n.report_char_limit:
                item["report_char_limit"] = n.report_char_limit
            if n.methods:
                item["methods"] = list(n.methods)
            if n.scheme:
                item["scheme"] = n.scheme
            kids = tree(n.code)
            if kids:
                item["children"] = kids
            out.append(item)
        return out

    return {
        "format": "wenming-framework",
        "format_version": 1,
        "framework": framework,
        "thresholds": [{"title": t, "min_score": _fmt(s)} for t, s in spec.thresholds],
        "veto": {
            "window": meta.get("veto_window") or "",
            "effect": meta.get("veto_effect") or "",
            "conditions": list(spec.veto),
        },
        "adjustments": [
            {
                "kind": "加分" if a["kind"] == "bonus" else "扣分",
                "code": a["code"],
                "title": a["title"],
                "points": _fmt(a.get("points")),
                "cap": _fmt(a.get("cap")),
            }
            for a in spec.adjustments
        ],
        "criteria": tree(""),
    }


def framework_yaml(framework: Framework) -> str:
    import yaml

    data = spec_to_yaml_data(framework_spec(framework=framework))
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def parse_yaml(data: bytes | str, *, max_bytes: int = MAX_YAML_BYTES) -> ParseResult:
    """A whole framework from YAML. Errors carry the line number of the criterion concerned."""
    import yaml

    if isinstance(data, bytes):
        if len(data) > max_bytes:
            return ParseResult(errors=[TreeError(None, "", f"文件过大：不能超过 {max_bytes // 1024} KB")])
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ParseResult(errors=[TreeError(None, "", "文件不是 UTF-8 编码的 YAML 文本")])
    else:
        text = data
        if len(text.encode("utf-8")) > max_bytes:
            return ParseResult(errors=[TreeError(None, "", f"文件过大：不能超过 {max_bytes // 1024} KB")])
    if "\x00" in text:
        return ParseResult(errors=[TreeError(None, "", "文件不是 YAML 文本")])
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        while loader.check_token():
            token = loader.get_token()
            if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
                line = token.start_mark.line + 1
                return ParseResult(errors=[TreeError(line, "", "不支持 YAML 锚点和别名（& 和 *）")])
        loader.dispose()
        loader = yaml.SafeLoader(text)
        root = loader.get_single_node()
        doc = loader.construct_document(root) if root is not None else None
    except yaml.reader.ReaderError:
        return ParseResult(errors=[TreeError(None, "", "文件含有不允许的控制字符，不是有效的 YAML 文本")])
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return ParseResult(
            errors=[
                TreeError(mark.line + 1 if mark else None, "", f"YAML 格式错误：{exc.problem or exc.context}")
            ]
        )
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        return ParseResult(errors=[TreeError(None, "", f"YAML 无法读取：{type(exc).__name__}")])
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(doc, dict) or doc.get("format") != "wenming-framework":
        return ParseResult(
            errors=[TreeError(None, "format", "不是测评体系文件：缺少 format: wenming-framework")]
        )
    lines: dict[int, int] = {}
    _collect_lines(root, lines)
    try:
        return _spec_from_doc(doc, lines)
    except RecursionError:
        return ParseResult(errors=[TreeError(None, "", "文件结构嵌套过深")])


def _collect_lines(root, lines: dict[int, int]) -> None:
    """Remember the line of every mapping under ``criteria`` by its position in a walk that
    ``_spec_from_doc`` repeats (same order), so errors can name the line."""
    import yaml

    counter = [0]

    def walk_list(seq):
        if not isinstance(seq, yaml.SequenceNode):
            return
        for item in seq.value:
            if isinstance(item, yaml.MappingNode):
                lines[counter[0]] = item.start_mark.line + 1
                counter[0] += 1
                for key, value in item.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == "children":
                        walk_list(value)
            else:
                counter[0] += 1

    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "criteria":
                walk_list(value)


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ValueError
    return str(_num(value)).strip()[:limit]


def _spec_from_doc(doc: dict, lines: dict[int, int]) -> ParseResult:
    errors: list[TreeError] = []
    fw = doc.get("framework") if isinstance(doc.get("framework"), dict) else {}
    meta: dict[str, Any] = {}
    kind_label = _text(fw.get("kind"), 20)
    meta["kind"] = KIND_BY_LABEL.get(kind_label) or (kind_label if kind_label in FrameworkKind.values else "")
    if not meta["kind"]:
        errors.append(
            TreeError(
                None,
                "framework.kind",
                f"类别“{kind_label}”不可识别，可填：" + "、".join(map(str, FrameworkKind.labels)),
            )
        )
    for key, limit in (("title", 200), ("issuer", 200), ("description", MAX_TEXT), ("source", MAX_TEXT)):
        try:
            meta[key] = _text(fw.get(key), limit)
        except ValueError:
            errors.append(TreeError(None, f"framework.{key}", "须为文本"))
            meta[key] = ""
    for key, label in (
        ("total_score", "总分"),
        ("bonus_cap", "加分合计上限"),
        ("deduction_cap", "扣分合计上限"),
    ):
        try:
            meta[key] = _dec(fw.get(key))
        except (InvalidOperation, ValueError):
            errors.append(TreeError(None, f"framework.{key}", f"{label}不是数字"))
            meta[key] = None
    limit = fw.get("report_char_limit")
    meta["report_char_limit"] = (
        limit if isinstance(limit, int) and not isinstance(limit, bool) and 0 < limit <= 100000 else None
    )
    veto = doc.get("veto") if isinstance(doc.get("veto"), dict) else {}
    meta["veto_window"] = _safe_text(veto.get("window"), 100)
    meta["veto_effect"] = _safe_text(veto.get("effect"), 100)
    spec = Spec(meta=meta)
    conditions = veto.get("conditions") or []
    if isinstance(conditions, list):
        spec.veto = [
            _safe_text(c, MAX_TEXT) for c in conditions if c is not None and _safe_text(c, MAX_TEXT)
        ][:200]
    for t in (doc.get("thresholds") or [])[:20] if isinstance(doc.get("thresholds"), list) else []:
        if not isinstance(t, dict):
            errors.append(TreeError(None, "thresholds", "格式不正确"))
            continue
        try:
            spec.thresholds.append((_text(t.get("title"), 100), _dec(t.get("min_score"))))
        except (InvalidOperation, ValueError):
            errors.append(
                TreeError(None, "thresholds", f"“{_safe_text(t.get('title'), 50)}”的分数线不是数字")
            )
    for a in (doc.get("adjustments") or [])[:200] if isinstance(doc.get("adjustments"), list) else []:
        if not isinstance(a, dict):
            errors.append(TreeError(None, "adjustments", "格式不正确"))
            continue
        kind = {"加分": "bonus", "扣分": "deduction"}.get(
            _safe_text(a.get("kind"), 10), _safe_text(a.get("kind"), 10)
        )
        try:
            spec.adjustments.append(
                {
                    "kind": kind,
                    "code": _text(a.get("code"), 32),
                    "title": _text(a.get("title"), 300),
                    "points": _dec(a.get("points")),
                    "cap": _dec(a.get("cap")),
                }
            )
        except (InvalidOperation, ValueError):
            errors.append(
                TreeError(None, "adjustments", f"“{_safe_text(a.get('code'), 32)}”的分值或上限不是数字")
            )

    counter = [0]
    total_nodes = [0]

    def walk(items: Any, parent: str) -> None:
        if items is None:
            return
        if not isinstance(items, list):
            errors.append(TreeError(None, "criteria", "criteria/children 须为列表"))
            return
        for item in items:
            line = lines.get(counter[0])
            counter[0] += 1
            total_nodes[0] += 1
            if total_nodes[0] > MAX_ROWS:
                if total_nodes[0] == MAX_ROWS + 1:
                    errors.append(TreeError(line, "", f"测评项目超过上限 {MAX_ROWS} 条"))
                return
            if not isinstance(item, dict):
                errors.append(TreeError(line, "", "测评项目须为键值对"))
                continue
            node = Node(
                code=_safe_text(item.get("code"), 100),
                title=_safe_text(item.get("title"), 1000),
                parent_code=parent,
                row=line,
            )
            for key in ("requirement", "evidence_guidance", "note"):
                setattr(node, key, _safe_text(item.get(key), MAX_TEXT))
            try:
                node.score = _dec(item.get("score"))
            except (InvalidOperation, ValueError):
                errors.append(TreeError(line, "分值", f"分值“{_safe_text(item.get('score'), 20)}”不是数字"))
            if node.score is not None and node.score < 0:
                errors.append(TreeError(line, "分值", "分值不能为负数"))
                node.score = None
            types = item.get("evidence_types") or []
            if isinstance(types, list):
                node.evidence_types, unknown = _evidence([_safe_text(t, 50) for t in types])
                if unknown:
                    errors.append(
                        TreeError(line, "佐证材料类型", "未知的佐证材料类型：" + "、".join(unknown[:5]))
                    )
            methods = item.get("methods") or []
            if isinstance(methods, list):
                node.methods = [m for m in (_safe_text(m, 50) for m in methods) if m][:20]
            limit = item.get("report_char_limit")
            if isinstance(limit, int) and not isinstance(limit, bool) and 0 < limit <= 100000:
                node.report_char_limit = limit
            scheme = item.get("scheme")
            node.scheme = _num(scheme) if isinstance(scheme, dict) else {}
            if scheme is not None and not isinstance(scheme, dict):
                errors.append(TreeError(line, "评分规则", "评分方式格式不正确"))
            nodes.append(node)
            if node.code:
                walk(item.get("children"), node.code)

    nodes: list[Node] = []
    walk(doc.get("criteria"), "")
    spec.nodes = nodes
    errors += validate_nodes(nodes, total_score=meta.get("total_score"))
    return ParseResult(spec=spec, errors=errors)


def _safe_text(value: Any, limit: int) -> str:
    try:
        return _text(value, limit)
    except ValueError:
        return ""


__all__ = ["HEADERS", "META_FIELDS", "ParseResult", "parse_xlsx", "parse_yaml", "xlsx_rows", "framework_yaml"]
