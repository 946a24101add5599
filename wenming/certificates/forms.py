from __future__ import annotations

import datetime as dt

from django import forms

from wenming.volunteers.models import Volunteer, VolunteerOrg


class DateInput(forms.DateInput):
    input_type = "date"


class IssueForm(forms.Form):
    org = forms.ModelChoiceField(label="出具组织", queryset=VolunteerOrg.objects.none())
    volunteer_number = forms.CharField(label="志愿者编号", max_length=24)
    period_start = forms.DateField(label="服务起始日期", widget=DateInput)
    period_end = forms.DateField(label="服务截止日期", widget=DateInput)
    head = forms.CharField(label="负责人", max_length=50)
    handler = forms.CharField(label="经办人", max_length=50)
    contact = forms.CharField(label="联系方式", max_length=100)
    request_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else VolunteerOrg.objects.none()

    def clean_volunteer_number(self):
        number = self.cleaned_data["volunteer_number"].strip().upper()
        volunteer = Volunteer.objects.filter(number=number).first()
        if volunteer is None:
            raise forms.ValidationError("没有这个志愿者编号")
        self.volunteer = volunteer
        return number


class RequestForm(forms.Form):
    org = forms.ModelChoiceField(label="向哪个组织申请", queryset=VolunteerOrg.objects.none())
    period_start = forms.DateField(label="服务起始日期", widget=DateInput)
    period_end = forms.DateField(label="服务截止日期", widget=DateInput, initial=dt.date.today)
    purpose = forms.CharField(label="用途（选填）", max_length=200, required=False)

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs if orgs is not None else VolunteerOrg.objects.none()


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=300)
