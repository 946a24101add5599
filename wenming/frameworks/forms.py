"""Forms of the framework pages. They parse what people type; the services validate the tree."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from wenming.frameworks.models import COMMON_METHODS, Criterion, EvidenceType, Framework, FrameworkKind
from wenming.frameworks.schemes import TYPES, SchemeError, scheme_from_text, scheme_to_text
from wenming.frameworks.transfer import MAX_BYTES, MAX_YAML_BYTES
from wenming.frameworks.tree import Node

SPLIT = re.compile(r"[、,，;；\s]+")


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise ValidationError(f"{what}“{text}”不是数字") from exc
    if not value.is_finite() or value < 0:
        raise ValidationError(f"{what}须为非负数")
    return value


class FrameworkForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=FrameworkKind.choices)
    title = forms.CharField(label="名称", max_length=200)
    issuer = forms.CharField(label="发布机关", max_length=200, required=False)
    total_score = forms.DecimalField(
        label="总分",
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        help_text="留空表示不设总分",
    )
    report_char_limit = forms.IntegerField(
        label="说明报告字数上限", required=False, min_value=1, max_value=100000
    )
    bonus_cap = forms.DecimalField(
        label="加分合计上限", required=False, min_value=0, max_digits=7, decimal_places=2
    )
    deduction_cap = forms.DecimalField(
        label="扣分合计上限", required=False, min_value=0, max_digits=7, decimal_places=2
    )
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.CharField(label="来源", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    thresholds = forms.CharField(
        label="称号等级分数线",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一条，如：省级文明单位=85",
    )
    veto_window = forms.CharField(
        label="否决期间", max_length=100, required=False, help_text="例如：申报前两年内"
    )
    veto_effect = forms.CharField(
        label="否决后果", max_length=100, required=False, help_text="例如：不得申报"
    )
    veto = forms.CharField(
        label="不得申报情形", required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="每行一条"
    )
    adjustments = forms.CharField(
        label="加分/扣分项目",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一条：类别|编码|名称|每次分值|上限，如：加分|B1|获市级以上表彰|1|3",
    )

    def clean_thresholds(self):
        out = []
        for line in self.cleaned_data["thresholds"].splitlines():
            if not line.strip():
                continue
            title, sep, score = line.replace("＝", "=").replace("≥", "=").rpartition("=")
            if not sep or not title.strip():
                raise ValidationError(f"“{line}”格式不正确，应为 称号=分数")
            out.append((title.strip(), _decimal(score, "分数线")))
        return out

    def clean_veto(self):
        return [line.strip() for line in self.cleaned_data["veto"].splitlines() if line.strip()]

    def clean_adjustments(self):
        out = []
        for line in self.cleaned_data["adjustments"].splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("｜", "|").split("|")]
            if len(parts) != 5:
                raise ValidationError(f"“{line}”应有 5 段：类别|编码|名称|每次分值|上限")
            kind = {"加分": "bonus", "扣分": "deduction"}.get(parts[0])
            if kind is None:
                raise ValidationError(f"“{line}”的类别须为加分或扣分")
            out.append(
                {
                    "kind": kind,
                    "code": parts[1],
                    "title": parts[2],
                    "points": _decimal(parts[3], "每次分值") if parts[3] else None,
                    "cap": _decimal(parts[4], "上限") if parts[4] else None,
                }
            )
        return out

    @classmethod
    def initial_for(cls, framework: Framework) -> dict:
        def fmt(d):
            return "" if d is None else format(d.normalize(), "f")

        return {
            "kind": framework.kind,
            "title": framework.title,
            "issuer": framework.issuer,
            "total_score": framework.total_score,
            "bonus_cap": framework.bonus_cap,
            "deduction_cap": framework.deduction_cap,
            "report_char_limit": framework.report_char_limit,
            "description": framework.description,
            "source": framework.source,
            "thresholds": "\n".join(f"{t.title}={fmt(t.min_score)}" for t in framework.thresholds.all()),
            "veto_window": framework.veto_window,
            "veto_effect": framework.veto_effect,
            "veto": "\n".join(v.text for v in framework.veto_conditions.all()),
            "adjustments": "\n".join(
                f"{a.get_kind_display()}|{a.code}|{a.title}|{fmt(a.points)}|{fmt(a.cap)}"
                for a in framework.adjustments.all()
            ),
        }


class CriterionForm(forms.Form):
    parent = forms.ChoiceField(label="上级", required=False)
    code = forms.CharField(label="编码", max_length=32, help_text="本版本内唯一，如 1.2")
    title = forms.CharField(label="名称", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    requirement = forms.CharField(label="测评要求", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence_guidance = forms.CharField(
        label="佐证材料说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_types = forms.MultipleChoiceField(
        label="佐证材料类型",
        required=False,
        choices=EvidenceType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    report_char_limit = forms.IntegerField(
        label="说明报告字数上限", required=False, min_value=1, max_value=100000
    )
    methods = forms.CharField(
        label="测评方法", required=False, help_text="用顿号分隔，常用：" + "、".join(COMMON_METHODS[:6])
    )
    score = forms.DecimalField(
        label="分值",
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        help_text="留空表示不设分值",
    )
    scheme_type = forms.ChoiceField(
        label="评分方式", required=False, choices=[("", "（不设）"), *[(v, v) for v in TYPES.values()]]
    )
    scheme_rule = forms.CharField(
        label="评分规则",
        required=False,
        help_text="等级：A=2；B=1.5　比例：A=100%；B=66%　达标项数：A>=5；B>=4",
    )
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, framework: Framework, criterion: Criterion | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = (
            Criterion.objects.filter(framework=framework, depth__lt=4)
            .order_by("depth", "position")
            .only("pk", "code", "title")
        )
        if criterion is not None:
            qs = qs.exclude(pk=criterion.pk)
        self.parents = {str(c.pk): c for c in qs}
        self.fields["parent"].choices = [("", "（顶层：测评项目）")] + [
            (pk, f"{c.code} {c.title[:30]}") for pk, c in self.parents.items()
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["scheme"] = scheme_from_text(
                data.get("scheme_type") or "", data.get("scheme_rule") or "", max_score=data.get("score")
            )
        except SchemeError as exc:
            self.add_error("scheme_rule", str(exc))
        return data

    def node(self) -> Node:
        d = self.cleaned_data
        parent = self.parents.get(d.get("parent") or "")
        return Node(
            code=d["code"].strip(),
            title=d["title"].strip(),
            parent_code=parent.code if parent else "",
            requirement=d["requirement"],
            evidence_guidance=d["evidence_guidance"],
            evidence_types=list(d["evidence_types"]),
            report_char_limit=d["report_char_limit"],
            methods=[m for m in SPLIT.split(d["methods"] or "") if m][:20],
            score=d["score"],
            scheme=d.get("scheme") or {},
            note=d["note"],
        )

    @classmethod
    def initial_for(cls, c: Criterion) -> dict:
        kind, rule = scheme_to_text(c.scheme)
        return {
            "parent": str(c.parent_id or ""),
            "code": c.code,
            "title": c.title,
            "requirement": c.requirement,
            "evidence_guidance": c.evidence_guidance,
            "evidence_types": c.evidence_types,
            "report_char_limit": c.report_char_limit,
            "methods": "、".join(c.methods or []),
            "score": c.score,
            "scheme_type": kind,
            "scheme_rule": rule,
            "note": c.note,
        }


class DeriveForm(forms.Form):
    title = forms.CharField(label="新版本名称", max_length=200)
    owner = forms.ChoiceField(label="所属文明办")

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.offices = {str(o.pk): o for o in offices}
        self.fields["owner"].choices = [(pk, o.name) for pk, o in self.offices.items()]

    def clean_owner(self):
        return self.offices[self.cleaned_data["owner"]]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="文件",
        help_text=f"Excel（.xlsx，不超过 {MAX_BYTES // 1024 // 1024} MB）或 YAML（不超过 {MAX_YAML_BYTES // 1024} KB）",
    )
