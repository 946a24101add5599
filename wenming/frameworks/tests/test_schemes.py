"""Scoring schemes: fixed points, grade bands (points or fractions), N of M met → grade."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wenming.frameworks.schemes import (
    SchemeError,
    scheme_evaluate,
    scheme_from_text,
    scheme_to_text,
    validate_scheme,
)

D = Decimal


def test_fixed_gives_full_or_nothing_and_nothing_without_a_score():
    assert scheme_evaluate(scheme={}, max_score=D(4), answer=True) == (None, D(4))
    assert scheme_evaluate(scheme={"type": "fixed"}, max_score=D(4), answer=False) == (None, D(0))
    assert scheme_evaluate(scheme={}, max_score=None, answer=True) == (None, None)


def test_bands_in_points():
    scheme = scheme_from_text("等级评分", "A(很健全)=2；B(较健全)=1.5；C=1；D=0", max_score=D(2))
    assert scheme["bands"][0] == {"grade": "A", "label": "很健全", "value": "2"}
    assert scheme_evaluate(scheme=scheme, max_score=D(2), answer="B") == ("B", D("1.5"))
    assert scheme_evaluate(scheme=scheme, max_score=D(2), answer="D") == ("D", D(0))
    with pytest.raises(SchemeError):
        scheme_evaluate(scheme=scheme, max_score=D(2), answer="E")


def test_bands_in_fractions_of_the_criterion_score():
    scheme = scheme_from_text("等级评分", "A=100%；B=66%；C=33%；D=0%", max_score=D(6))
    assert scheme["unit"] == "fraction"
    assert scheme_evaluate(scheme=scheme, max_score=D(6), answer="B") == ("B", D("3.96"))
    assert scheme_evaluate(scheme=scheme, max_score=D(6), answer="A") == ("A", D("6.00"))


def test_n_of_m_met_picks_the_grade():
    scheme = scheme_from_text("达标项数", "A>=5=100%；B>=4=66%；C>=3=33%", max_score=D(15))
    assert scheme_evaluate(scheme=scheme, max_score=D(15), answer=5) == ("A", D("15.00"))
    assert scheme_evaluate(scheme=scheme, max_score=D(15), answer=4) == ("B", D("9.90"))
    assert scheme_evaluate(scheme=scheme, max_score=D(15), answer=3) == ("C", D("4.95"))
    assert scheme_evaluate(scheme=scheme, max_score=D(15), answer=2) == (None, D(0))


def test_n_of_m_without_grade_points_gives_the_grade_only():
    # 全国文明村镇测评体系（2017年版）: the grade rule is known, the points per grade are not.
    scheme = validate_scheme(
        {"type": "count_met", "bands": [{"grade": "A", "min_met": 5}, {"grade": "B", "min_met": 4}]},
        max_score=D(15),
    )
    assert scheme_evaluate(scheme=scheme, max_score=D(15), answer=4) == ("B", None)


@pytest.mark.parametrize(
    "kind,text,message",
    [
        ("等级评分", "A=3", "超过本项分值"),
        ("等级评分", "A=120%", "不能超过 100%"),
        ("等级评分", "A=2；A=1", "重复"),
        ("等级评分", "A=2；B=50%", "不能同时"),
        ("等级评分", "A=x", "不是数字"),
        ("等级评分", "A=-1", "不能为负数"),
        ("达标项数", "A>=3；B>=4", "递减"),
        ("达标项数", "A=1", "缺少达标项数"),
        ("百分制", "", "不可识别"),
        ("等级评分", "", "请填写评分规则"),
    ],
)
def test_bad_rules_are_refused_in_chinese(kind, text, message):
    with pytest.raises(SchemeError) as exc:
        scheme_from_text(kind, text, max_score=D(2))
    assert message in str(exc.value)


def test_floats_are_refused_in_stored_schemes():
    with pytest.raises(SchemeError):
        validate_scheme({"type": "bands", "bands": [{"grade": "A", "value": 1.5}]}, max_score=D(2))


@pytest.mark.parametrize(
    "text", ["A(很健全)=2；B=1.5；C=0", "A=100%；B=66%；C=33.5%", "A>=5；B>=4；C>=3", "A>=5=100%；B>=4=50%"]
)
def test_text_form_round_trips(text):
    kind = "达标项数" if ">=" in text else "等级评分"
    scheme = scheme_from_text(kind, text, max_score=D(2))
    assert scheme_to_text(scheme) == (kind, text)
    assert scheme_from_text(*scheme_to_text(scheme), max_score=D(2)) == scheme


def test_bonus_and_deduction_items_with_caps():
    from types import SimpleNamespace as Item

    from wenming.frameworks.schemes import adjustments_apply

    items = [
        Item(kind="bonus", code="B1", points=D(1), cap=D(3)),
        Item(kind="bonus", code="B2", points=D("0.5"), cap=None),
        Item(kind="bonus", code="B3", points=None, cap=None),  # the source gave no points
        Item(kind="deduction", code="D1", points=D(2), cap=D(5)),
    ]
    assert adjustments_apply(items=items, counts={"B1": 5, "B2": 2, "B3": 4, "D1": 1}) == (D(4), D(2))
    assert adjustments_apply(
        items=items, counts={"B1": 5, "B2": 2, "D1": 9}, bonus_cap=D("3.5"), deduction_cap=D(4)
    ) == (D("3.5"), D(4))
    assert adjustments_apply(items=items, counts={}) == (D(0), D(0))
    with pytest.raises(SchemeError):
        adjustments_apply(items=items, counts={"B1": -1})
