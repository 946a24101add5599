"""Tree rules: codes unique, parents exist, depth ≤ 4, scores non-negative and within the parent."""

from __future__ import annotations

from decimal import Decimal

from wenming.frameworks.tests.helpers import node
from wenming.frameworks.tree import order_nodes, validate_nodes


def messages(nodes, **kw):
    return [str(e) for e in validate_nodes(nodes, **kw)]


def test_a_good_tree_has_no_errors_and_gets_depths():
    nodes = [
        node("1", score=10),
        node("1.1", "1", score=4),
        node("1.2", "1", score=6),
        node("1.2.1", "1.2"),
        node("1.2.1.1", "1.2.1"),
    ]
    assert validate_nodes(nodes) == []
    assert [n.depth for n in nodes] == [1, 2, 2, 3, 4]


def test_it_refuses_duplicate_codes_naming_both_rows():
    nodes = [node("1", row=2), node("1", row=5)]
    assert messages(nodes) == ["第 5 行“编码”列：编码“1”重复（与第 2 行相同）"]


def test_it_refuses_orphans_and_cycles():
    assert messages([node("2.1", "2", row=3)]) == ["第 3 行“上级编码”列：上级编码“2”不存在"]
    cyc = messages([node("a", "b", row=2), node("b", "a", row=3)])
    assert len(cyc) == 2 and all("循环" in m for m in cyc)


def test_depth_is_at_most_four():
    nodes = [node("1"), node("2", "1"), node("3", "2"), node("4", "3"), node("5", "4", row=6)]
    assert messages(nodes) == [
        "第 6 行“上级编码”列：层级超过 4 级（测评项目 › 测评内容 › 测评标准 › 子标准）"
    ]


def test_scores_non_negative_and_children_within_parent():
    assert messages([node("1", score=-1, row=2)]) == ["第 2 行“分值”列：分值不能为负数"]
    over_one = messages([node("1", score=5), node("1.1", "1", score=6, row=3)])
    assert over_one == ["第 3 行“分值”列：分值 6 超过上级“1”的分值 5"]
    over_sum = messages([node("1", score=5), node("1.1", "1", score=3), node("1.2", "1", score=3, row=4)])
    assert over_sum == ["第 4 行“分值”列：“1”的下级分值合计 6 超过其分值 5"]


def test_empty_scores_are_allowed_anywhere():
    assert validate_nodes([node("1"), node("1.1", "1", score=3), node("1.2", "1")]) == []
    assert validate_nodes([node("1", score=3), node("1.1", "1")]) == []


def test_top_level_within_total():
    assert messages([node("1", score=60), node("2", score=50)], total_score=Decimal(100)) == [
        "“分值”：测评项目分值合计 110 超过总分 100"
    ]


def test_bad_scheme_is_reported_on_its_row():
    bad = node(
        "1",
        score=2,
        row=7,
        scheme={"type": "bands", "unit": "points", "bands": [{"grade": "A", "value": "3"}]},
    )
    assert messages([bad]) == ["第 7 行“评分规则”列：等级“A”的分值 3 超过本项分值 2"]


def test_order_is_depth_first():
    nodes = [node("2"), node("1"), node("1.1", "1"), node("2.1", "2")]
    assert [n.code for n in order_nodes(nodes)] == ["2", "2.1", "1", "1.1"]


def test_scores_fit_the_column_or_are_refused():
    assert messages([node("1", score="1.234", row=2)]) == ["第 2 行“分值”列：分值最多保留两位小数"]
    assert messages([node("1", score="100000", row=2)]) == ["第 2 行“分值”列：分值不能超过 99999.99"]
    assert validate_nodes([node("1", score="1.500")]) == []  # trailing zeros are fine
