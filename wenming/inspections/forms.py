"""Forms of the 督查整改 pages. Choices come from the user's scope; the services re-check every rule."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from wenming.files.forms import MultipleFileField, MultipleFileInput
from wenming.inspections.models import FindingCategory, InspectionKind, InspectionPoint, PointType, Severity

NAME_MAX = InspectionPoint._meta.get_field("name").max_length
ADDRESS_MAX = InspectionPoint._meta.get_field("address").max_length
MICRO_DEGREE = Decimal("0.000001")
PHOTO_ATTRS = {"accept": "image/*", "capture": "environment", "multiple": True}


class PhotoInput(MultipleFileInput):
    """A camera-first file input: phones open the back camera, several photos at once."""

    def __init__(self, attrs=None):
        super().__init__(attrs={**PHOTO_ATTRS, **(attrs or {})})


class FindingForm(forms.Form):
    photos = MultipleFileField(label="现场照片", required=False, widget=PhotoInput)
    point = forms.ModelChoiceField(
        label="点位", queryset=None, required=False, empty_label="（不在已登记点位）"
    )
    responsible_unit = forms.ModelChoiceField(
        label="责任单位",
        queryset=None,
        required=False,
        empty_label="（按点位的包保单位）",
        help_text="选择点位时可留空，自动填为该点位的包保单位",
    )
    location_text = forms.CharField(label="位置描述", max_length=300, required=False)
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=10, decimal_places=6, required=False, widget=forms.HiddenInput)
    category = forms.ModelChoiceField(
        label="问题类别", queryset=FindingCategory.objects.filter(is_active=True), empty_label=None
    )
    severity = forms.ChoiceField(label="严重程度", choices=Severity.choices, initial=Severity.MINOR)
    description = forms.CharField(label="问题描述", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    criterion_code = forms.CharField(label="对应测评标准（编号，可选）", max_length=50, required=False)
    criterion = forms.ModelChoiceField(
        label="对应测评标准（可选）", queryset=None, required=False, empty_label="（不对应具体标准）"
    )
    inspection = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, points, units, inspections, criteria=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = points
        self.fields["responsible_unit"].queryset = units
        self.fields["inspection"].queryset = inspections
        # With an inspection that has a framework, the criterion is chosen from its leaf criteria.
        if criteria is not None:
            self.fields["criterion"].queryset = criteria
            self.fields["criterion"].label_from_instance = lambda c: f"{c.code} {c.title}"[:80]
            del self.fields["criterion_code"]
        else:
            del self.fields["criterion"]

    def clean(self):
        data = super().clean()
        if not data.get("point") and not data.get("responsible_unit"):
            self.add_error("responsible_unit", "未选择点位时，请选择责任单位")
        if not data.get("point") and not (data.get("location_text") or "").strip():
            self.add_error("location_text", "未选择点位时，请填写位置描述")
        return data


class TransitionForm(forms.Form):
    reason = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photos = MultipleFileField(label="照片", required=False, widget=PhotoInput)
    new_unit = forms.ModelChoiceField(label="转办给", queryset=None, required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_unit"].queryset = units


class PointImportForm(forms.Form):
    file = forms.FileField(label="点位表（.xlsx 或 .csv）")


def _coordinate(label: str, bound: int) -> forms.DecimalField:
    """纬度 / 经度: any number of decimals is accepted (GPS apps give eight) and rounded to the six
    the point stores (about 0.1 m), as the import does."""
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=-bound,
        max_value=bound,
        error_messages={
            "invalid": f"{label}须为数字",
            "min_value": f"{label}须在 -{bound} 到 {bound} 之间",
            "max_value": f"{label}须在 -{bound} 到 {bound} 之间",
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class PointForm(forms.Form):
    """新增 / 编辑点位. Choices come from the user's scope (``region_lookup`` finds a code in it);
    ``services.point_create`` / ``point_update`` check every rule again."""

    name = forms.CharField(
        label="点位名称",
        max_length=NAME_MAX,
        error_messages={"required": "请填写点位名称", "max_length": f"点位名称不能超过 {NAME_MAX} 个字"},
    )
    point_type = forms.ModelChoiceField(
        label="点位类型",
        queryset=None,
        empty_label=None,
        error_messages={"required": "请选择点位类型", "invalid_choice": "所选点位类型不存在或已停用"},
    )
    region = forms.CharField(
        label="所属区划（区划代码）",
        help_text="12 位统计用区划代码，须在您的辖区内；可输入名称从列表中选择",
        error_messages={"required": "请填写所属区划的 12 位区划代码"},
    )
    address = forms.CharField(
        label="地址",
        max_length=ADDRESS_MAX,
        required=False,
        error_messages={"max_length": f"地址不能超过 {ADDRESS_MAX} 个字"},
    )
    latitude = _coordinate("纬度", 90)
    longitude = _coordinate("经度", 180)
    responsible_unit = forms.ModelChoiceField(
        label="包保单位",
        queryset=None,
        error_messages={
            "required": "请选择包保单位",
            "invalid_choice": "所选包保单位不存在、已停用或不在您的管辖范围内",
        },
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, region_lookup, units, point_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_lookup = region_lookup
        self.fields["responsible_unit"].queryset = units
        self.fields["point_type"].queryset = point_types

    def clean_region(self):
        code = self.cleaned_data["region"].strip()
        if len(code) != 12 or not code.isdigit():
            raise forms.ValidationError(f"“{code}”不是 12 位数字的区划代码")
        region = self.region_lookup(code)
        if region is None:
            raise forms.ValidationError(f"区划“{code}”不存在或不在您的管辖范围内")
        return region

    def clean(self):
        data = super().clean()
        lat, lng = data.get("latitude"), data.get("longitude")
        if (
            "latitude" not in self.errors
            and "longitude" not in self.errors
            and (lat is None) != (lng is None)
        ):
            self.add_error("longitude" if lng is None else "latitude", "经度和纬度须同时填写或同时留空")
        for key in ("latitude", "longitude"):
            if data.get(key) is not None:
                data[key] = data[key].quantize(MICRO_DEGREE)
        return data


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(label="督查类型", choices=InspectionKind.choices)
    title = forms.CharField(label="名称", max_length=200)
    region = forms.ModelChoiceField(label="督查范围", queryset=None, empty_label=None)
    start_date = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    inspectors = forms.ModelMultipleChoiceField(label="督查人员", queryset=None, required=False)
    point_types = forms.ModelMultipleChoiceField(
        label="点位类型",
        queryset=PointType.objects.filter(is_active=True),
        required=False,
        help_text="不选则为全部类型",
    )
    categories = forms.ModelMultipleChoiceField(
        label="整治问题（专项整治）", queryset=FindingCategory.objects.filter(is_active=True), required=False
    )
    notes = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, regions, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["inspectors"].queryset = inspectors

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "结束日期不能早于开始日期")
        return data


class UnitDrawForm(forms.Form):
    size = forms.IntegerField(label="抽取单位数", min_value=1, max_value=1000)
    seed = forms.IntegerField(
        label="抽样种子（可选）",
        min_value=0,
        max_value=2**62 - 1,
        required=False,
        help_text="留空则随机生成；填写相同的种子可重现同一结果",
    )


class DrawForm(forms.Form):
    size = forms.IntegerField(label="抽取点位数", min_value=1, max_value=1000)
    seed = forms.IntegerField(
        label="抽样种子（可选）",
        min_value=0,
        max_value=2**62 - 1,
        required=False,
        help_text="留空则随机生成；填写相同的种子可重现同一结果",
    )


class BulletinForm(forms.Form):
    start = forms.DateField(label="统计起始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="统计截止日期", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "截止日期不能早于起始日期")
        return data


class PublicReportForm(forms.Form):
    """随手拍 on a phone, without an account."""

    photos = MultipleFileField(label="现场照片", widget=PhotoInput)
    office = forms.TypedChoiceField(label="所在区域", coerce=int)
    location_text = forms.CharField(label="地点", max_length=300, help_text="如：人民路与解放路路口东北角")
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=10, decimal_places=6, required=False, widget=forms.HiddenInput)
    description = forms.CharField(label="问题描述", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    phone = forms.CharField(
        label="手机号（可选）",
        max_length=20,
        required=False,
        help_text="仅用于工作人员回访核实，不会公开",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(o.pk, o.region.name) for o in offices]
        if choices:
            choices[0] = (choices[0][0], f"{choices[0][1]}（不清楚所在区县时选此项）")
        self.fields["office"].choices = choices


class ReportAcceptForm(forms.Form):
    category = forms.ModelChoiceField(
        label="问题类别", queryset=FindingCategory.objects.filter(is_active=True), empty_label=None
    )
    severity = forms.ChoiceField(label="严重程度", choices=Severity.choices, initial=Severity.MINOR)
    point = forms.ModelChoiceField(
        label="点位", queryset=None, required=False, empty_label="（不在已登记点位）"
    )
    responsible_unit = forms.ModelChoiceField(
        label="责任单位", queryset=None, required=False, empty_label="（按点位的包保单位）"
    )
    location_text = forms.CharField(label="位置描述", max_length=300, required=False)

    def __init__(self, *args, points, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = points
        self.fields["responsible_unit"].queryset = units

    def clean(self):
        data = super().clean()
        if not data.get("point") and not data.get("responsible_unit"):
            self.add_error("responsible_unit", "未选择点位时，请选择责任单位")
        return data


class ReportRejectForm(forms.Form):
    reason = forms.CharField(
        label="不予受理的理由（举报人可见）", max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
