"""Forms of the 督查整改 pages. Choices come from the user's scope; the services re-check every rule."""

from __future__ import annotations

from django import forms

from wenming.files.forms import MultipleFileField, MultipleFileInput
from wenming.inspections.models import FindingCategory, Severity

PHOTO_ATTRS = {"accept": "image/*", "capture": "environment", "multiple": True}


class PhotoInput(MultipleFileInput):
    """A camera-first file input: phones open the back camera, several photos at once."""

    def __init__(self, attrs=None):
        super().__init__(attrs={**PHOTO_ATTRS, **(attrs or {})})


class FindingForm(forms.Form):
    photos = MultipleFileField(label="现场照片", required=False, widget=PhotoInput)
    point = forms.ModelChoiceField(label="点位", queryset=None, required=False, empty_label="（不在已登记点位）")
    responsible_unit = forms.ModelChoiceField(
        label="责任单位", queryset=None, required=False, empty_label="（按点位的包保单位）",
        help_text="选择点位时可留空，自动填为该点位的包保单位",
    )
    location_text = forms.CharField(label="位置描述", max_length=300, required=False)
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=10, decimal_places=6, required=False, widget=forms.HiddenInput)
    category = forms.ModelChoiceField(label="问题类别", queryset=FindingCategory.objects.filter(is_active=True), empty_label=None)
    severity = forms.ChoiceField(label="严重程度", choices=Severity.choices, initial=Severity.MINOR)
    description = forms.CharField(label="问题描述", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    criterion_code = forms.CharField(label="对应测评标准（编号，可选）", max_length=50, required=False)

    def __init__(self, *args, points, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = points
        self.fields["responsible_unit"].queryset = units

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
