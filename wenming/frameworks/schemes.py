"""Scoring schemes (评分方式) of a criterion, stored as validated JSON on ``Criterion.scheme``.

Shapes (numbers are decimal *strings* in JSON so nothing passes through float):

- ``{}`` or ``{"type": "fixed"}`` — 固定分值: met → the criterion's full score, not met → 0.
- ``{"type": "bands", "unit": "points"|"fraction", "bands": [{"grade": "A", "label": "很健全", "value": "2"}, …]}``
  — 等级评分: each grade gives points (≤ the criterion's score) or a fraction of it (0–1).
- ``{"type": "count_met", "unit": …, "bands": [{"grade": "A", "min_met": 5, "value": "1"}, …]}``
  — 达标项数: the number of sub-standards met picks the first band whose ``min_met`` it reaches
  (bands in descending ``min_met``); ``value`` may be absent when the source gives no points per grade.

The text form used in spreadsheets (:func:`scheme_from_text` / :func:`scheme_to_text`):
``A(很健全)=2；B=1.5`` (points), ``A=100%；B=66%`` (fractions), ``A>=5=100%；B>=4；C>=3`` (N of M).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

FIXED = "fixed"
BANDS = "bands"
COUNT_MET = "count_met"
TYPES = {FIXED: "固定分值", BANDS: "等级评分", COUNT_MET: "达标项数"}
TYPE_BY_LABEL = {v: k for k, v in TYPES.items()}
UNITS = ("points", "fraction")
MAX_BANDS = 10


class SchemeError(ValueError):
    """A scheme that does not hold together (message in Chinese)."""


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, float):
        raise SchemeError(f"{what}须为数字文本，不能为浮点数")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise SchemeError(f"{what}“{value}”不是数字") from exc
    if not number.is_finite():
        raise SchemeError(f"{what}“{value}”不是数字")
    if number < 0:
        raise SchemeError(f"{what}不能为负数")
    return number


def scheme_type(scheme: dict | None) -> str:
    return (scheme or {}).get("type") or FIXED


def validate_scheme(scheme: Any, *, max_score: Decimal | None) -> dict:
    """The scheme in canonical form, or :class:`SchemeError`."""
    if scheme in (None, {}, ""):
        return {}
    if not isinstance(scheme, dict):
        raise SchemeError("评分方式格式不正确")
    kind = scheme.get("type") or FIXED
    if kind not in TYPES:
        raise SchemeError(f"未知的评分方式“{kind}”")
    if kind == FIXED:
        return {"type": FIXED}
    unit = scheme.get("unit") or "points"
    if unit not in UNITS:
        raise SchemeError(f"未知的计分单位“{unit}”")
    bands = scheme.get("bands")
    if not isinstance(bands, list) or not bands:
        raise SchemeError("等级评分须至少有一个等级")
    if len(bands) > MAX_BANDS:
        raise SchemeError(f"等级不能超过 {MAX_BANDS} 个")
    clean, grades = [], set()
    last_min = None
    for band in bands:
        if not isinstance(band, dict):
            raise SchemeError("等级格式不正确")
        grade = str(band.get("grade") or "").strip()
        if not grade or len(grade) > 10:
            raise SchemeError("等级须有 1–10 个字符的名称")
        if grade in grades:
            raise SchemeError(f"等级“{grade}”重复")
        grades.add(grade)
        item: dict[str, Any] = {"grade": grade}
        label = str(band.get("label") or "").strip()
        if label:
            item["label"] = label[:50]
        if kind == COUNT_MET:
            min_met = band.get("min_met")
            if isinstance(min_met, bool) or not isinstance(min_met, int) or min_met < 0:
                raise SchemeError(f"等级“{grade}”的达标项数须为非负整数")
            if last_min is not None and min_met >= last_min:
                raise SchemeError("达标项数须按等级从高到低递减")
            last_min = min_met
            item["min_met"] = min_met
        value = band.get("value")
        if value not in (None, ""):
            number = _decimal(value, f"等级“{grade}”的分值")
            if unit == "fraction" and number > 1:
                raise SchemeError(f"等级“{grade}”的比例不能超过 100%")
            if unit == "points" and max_score is not None and number > max_score:
                raise SchemeError(
                    f"等级“{grade}”的分值 {_fmt(str(number))} 超过本项分值 {_fmt(str(max_score))}"
                )
            item["value"] = str(number)
        elif kind == BANDS:
            raise SchemeError(f"等级“{grade}”缺少分值")
        clean.append(item)
    return {"type": kind, "unit": unit, "bands": clean}


def scheme_evaluate(
    *, scheme: dict | None, max_score: Decimal | None, answer: Any
) -> tuple[str | None, Decimal | None]:
    """(grade, points) for an answer: ``bool`` for fixed, a grade for bands, the number of
    sub-standards met for count_met. Points are ``None`` when the criterion carries no score
    (national frameworks) or the band has no value."""
    kind = scheme_type(scheme)
    if kind == FIXED:
        if max_score is None:
            return None, None
        return None, (max_score if answer else Decimal(0))
    unit = scheme.get("unit", "points")
    bands = scheme["bands"]
    if kind == BANDS:
        band = next((b for b in bands if b["grade"] == answer), None)
        if band is None:
            raise SchemeError(f"没有等级“{answer}”")
    else:
        met = int(answer)
        band = next((b for b in bands if met >= b["min_met"]), None)
        if band is None:
            return None, (Decimal(0) if max_score is not None else None)
    value = band.get("value")
    if value is None:
        return band["grade"], None
    number = Decimal(value)
    if unit == "fraction":
        if max_score is None:
            return band["grade"], None
        return band["grade"], (max_score * number).quantize(Decimal("0.01"))
    return band["grade"], number


_BAND_RE = re.compile(
    r"^(?P<grade>[^()（）>=≥]+?)\s*(?:[(（](?P<label>[^)）]*)[)）])?\s*(?:(?:>=|≥)\s*(?P<min>\d+))?\s*(?:=\s*(?P<value>[^=]+?))?$"
)


def scheme_from_text(kind_label: str, text: str, *, max_score: Decimal | None) -> dict:
    """Parse the spreadsheet form (评分方式 + 评分规则 cells) into a validated scheme."""
    kind_label = (kind_label or "").strip()
    text = (text or "").strip()
    if not kind_label and not text:
        return {}
    kind = TYPE_BY_LABEL.get(kind_label) or (kind_label if kind_label in TYPES else None)
    if kind is None:
        raise SchemeError(f"评分方式“{kind_label}”不可识别，可填：" + "、".join(TYPES.values()))
    if kind == FIXED:
        return {"type": FIXED}
    parts = [p.strip() for p in re.split(r"[;；\n]", text) if p.strip()]
    if not parts:
        raise SchemeError("请填写评分规则，例如 A=2；B=1.5")
    bands, units = [], set()
    for part in parts:
        m = _BAND_RE.match(part)
        if not m:
            raise SchemeError(f"评分规则“{part}”格式不正确")
        band: dict[str, Any] = {"grade": m["grade"].strip()}
        if m["label"]:
            band["label"] = m["label"].strip()
        if kind == COUNT_MET:
            if m["min"] is None:
                raise SchemeError(f"评分规则“{part}”缺少达标项数，例如 A>=5")
            band["min_met"] = int(m["min"])
        value = (m["value"] or "").strip()
        if value:
            if value.endswith("%"):
                units.add("fraction")
                band["value"] = str(_decimal(value[:-1], f"等级“{band['grade']}”的比例") / 100)
            else:
                units.add("points")
                band["value"] = value
        bands.append(band)
    if len(units) > 1:
        raise SchemeError("评分规则不能同时使用分值和百分比")
    return validate_scheme(
        {"type": kind, "unit": units.pop() if units else "points", "bands": bands}, max_score=max_score
    )


def _fmt(number: str) -> str:
    return format(Decimal(number).normalize(), "f")


def scheme_to_text(scheme: dict | None) -> tuple[str, str]:
    """(评分方式, 评分规则) cells for a scheme — the inverse of :func:`scheme_from_text`."""
    kind = scheme_type(scheme)
    if not scheme:
        return "", ""
    if kind == FIXED:
        return TYPES[FIXED], ""
    parts = []
    for band in scheme["bands"]:
        text = band["grade"]
        if band.get("label"):
            text += f"({band['label']})"
        if "min_met" in band:
            text += f">={band['min_met']}"
        if band.get("value") is not None:
            if scheme.get("unit") == "fraction":
                text += "=" + _fmt(str(Decimal(band["value"]) * 100)) + "%"
            else:
                text += "=" + _fmt(band["value"])
        parts.append(text)
    return TYPES[kind], "；".join(parts)


def scheme_summary(scheme: dict | None) -> str:
    """Short Chinese description for pages."""
    label, rule = scheme_to_text(scheme)
    if not label:
        return ""
    return f"{label}：{rule}" if rule else label


def adjustments_apply(
    *,
    items: list[Any],
    counts: dict[str, int],
    bonus_cap: Decimal | None = None,
    deduction_cap: Decimal | None = None,
) -> tuple[Decimal, Decimal]:
    """(bonus, deduction) points for how often each 加分/扣分 item occurred (``counts`` by code):
    points × count, capped per item, then the kind's total capped by the framework's cap.
    Items without points contribute nothing (the source gave none)."""
    totals = {"bonus": Decimal(0), "deduction": Decimal(0)}
    for item in items:
        count = counts.get(item.code, 0)
        if count < 0:
            raise SchemeError(f"“{item.code}”的次数不能为负数")
        if not count or item.points is None:
            continue
        value = item.points * count
        if item.cap is not None:
            value = min(value, item.cap)
        totals[item.kind] += value
    bonus, deduction = totals["bonus"], totals["deduction"]
    if bonus_cap is not None:
        bonus = min(bonus, bonus_cap)
    if deduction_cap is not None:
        deduction = min(deduction, deduction_cap)
    return bonus, deduction
