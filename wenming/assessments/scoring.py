"""How one criterion is scored in a round, on top of ``wenming.frameworks.schemes``.

The value an assessor enters depends on the criterion's scheme:

- fixed scheme with a score: the points given (0 … the criterion's score, at most two decimals);
- fixed scheme without a score (national frameworks leave weights empty): 达标 / 未达标;
- grade bands: a grade (A/B/C…) → points through ``scheme_evaluate``;
- N of M: the number of sub-standards met → grade and points through ``scheme_evaluate``.

"Below full marks" (a reason is then required): points below the criterion's score when both are
known; otherwise anything but the top grade (or 未达标).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from wenming.frameworks.schemes import BANDS, COUNT_MET, FIXED, SchemeError, scheme_evaluate, scheme_type

MET, UNMET = "达标", "未达标"
MAX_MET = 999
CENT = Decimal("0.01")


class ScoreInputError(ValueError):
    """A value that does not fit the criterion's scheme (message in Chinese)."""


@dataclass(frozen=True)
class Evaluated:
    grade: str
    met_count: int | None
    points: Decimal | None
    full: Decimal | None
    below_full: bool


def input_kind(criterion) -> str:
    """'points' | 'judge' | 'bands' | 'count_met' — which control the scoring form shows."""
    kind = scheme_type(criterion.scheme)
    if kind == FIXED:
        return "points" if criterion.score is not None else "judge"
    return kind


def choices(criterion) -> list[tuple[str, str]]:
    """The options of a select control (grades or 达标/未达标); empty for number inputs."""
    kind = input_kind(criterion)
    if kind == "judge":
        return [(MET, MET), (UNMET, UNMET)]
    if kind == BANDS:
        out = []
        for band in criterion.scheme["bands"]:
            label = band["grade"] + (f"（{band['label']}）" if band.get("label") else "")
            if band.get("value") is not None:
                if criterion.scheme.get("unit") == "fraction":
                    label += f" {(Decimal(band['value']) * 100).normalize():f}%"
                else:
                    label += f" {Decimal(band['value']).normalize():f} 分"
            out.append((band["grade"], label))
        return out
    return []


def evaluate(criterion, value: str) -> Evaluated:
    """Turn the entered value into grade / points, or raise :class:`ScoreInputError`."""
    value = (value or "").strip()
    full = criterion.score
    kind = input_kind(criterion)
    if kind == "points":
        try:
            points = Decimal(value)
        except InvalidOperation as exc:
            raise ScoreInputError(f"得分“{value}”不是数字") from exc
        if not points.is_finite() or points < 0:
            raise ScoreInputError("得分不能为负数")
        if points > full:
            raise ScoreInputError(f"得分不能超过本项分值 {full.normalize():f}")
        if points != points.quantize(CENT):
            raise ScoreInputError("得分最多保留两位小数")
        points = points.quantize(CENT)
        return Evaluated("", None, points, full, points < full)
    if kind == "judge":
        if value not in (MET, UNMET):
            raise ScoreInputError("请选择达标或未达标")
        return Evaluated(value, None, None, None, value == UNMET)
    bands = criterion.scheme["bands"]
    top = bands[0]["grade"]
    try:
        if kind == COUNT_MET:
            if not value.isdigit() or int(value) > MAX_MET:
                raise ScoreInputError("达标项数须为非负整数")
            met = int(value)
            grade, points = scheme_evaluate(scheme=criterion.scheme, max_score=full, answer=met)
        else:
            met = None
            grade, points = scheme_evaluate(scheme=criterion.scheme, max_score=full, answer=value)
    except SchemeError as exc:
        raise ScoreInputError(str(exc)) from exc
    if points is not None and full is not None:
        below = points < full
    else:
        below = grade != top
    return Evaluated(grade or "", met, points, full, below)


def display_value(score) -> str:
    """What was entered, for pages and documents."""
    if score is None:
        return ""
    if score.met_count is not None:
        return f"达标 {score.met_count} 项" + (f"（{score.grade}）" if score.grade else "")
    if score.grade:
        return score.grade
    return "" if score.points is None else f"{score.points.normalize():f}"


def input_value(score) -> str:
    """The value to put back into the form control."""
    if score is None:
        return ""
    if score.met_count is not None:
        return str(score.met_count)
    if score.grade:
        return score.grade
    return "" if score.points is None else f"{score.points.normalize():f}"
