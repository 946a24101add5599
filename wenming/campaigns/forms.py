from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from wenming.campaigns.models import Campaign, CampaignStatus, GroupKind, Level, Milestone, TaskStatus
from wenming.frameworks.models import EvidenceType, FrameworkKind
from wenming.orgs.models import Department

DATE = forms.DateInput(attrs={"type": "date"})


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        profile = getattr(obj, "profile", None)
        name = getattr(profile, "display_name", "") if profile else ""
        return f"{name}（{obj.username}）" if name else obj.username


def unit_users(unit_id: int):
    return (
        get_user_model()
        .objects.filter(memberships__organisation_id=unit_id, is_active=True)
        .select_related("profile")
        .distinct()
        .order_by("username")
    )


class CampaignOpenForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label="创建单位", empty_label=None)
    framework = forms.ModelChoiceField(queryset=None, label="测评体系", help_text="开展创建后该版本将被冻结")
    title = forms.CharField(label="名称", max_length=200, help_text="例如：创建2027年度市级文明单位")
    target_kind = forms.ChoiceField(
        label="创建称号类别", choices=FrameworkKind.choices, initial=FrameworkKind.UNIT
    )
    level = forms.ChoiceField(label="级别", choices=Level.choices, initial=Level.CITY)
    exemplar = forms.BooleanField(label="创建标兵", required=False)
    start_date = forms.DateField(label="启动日期", widget=DATE)
    acceptance_date = forms.DateField(label="验收日期", widget=DATE)
    plan = forms.FileField(label="实施方案", required=False, help_text="可上传 PDF、Word 等文件")

    def __init__(self, *args, units, frameworks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["framework"].queryset = frameworks

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("acceptance_date")
        if start and end and end <= start:
            self.add_error("acceptance_date", "验收日期须晚于启动日期")
        return data


class TaskForm(forms.Form):
    title = forms.CharField(label="任务名称", max_length=500)
    description = forms.CharField(label="任务说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    department = forms.ModelChoiceField(queryset=None, label="责任科室", required=False)
    assignee = UserChoice(queryset=None, label="责任人", required=False)
    milestone = forms.ModelChoiceField(
        queryset=None, label="时间节点", required=False, help_text="完成时限按验收日期倒排"
    )
    due_override = forms.DateField(
        label="指定完成时限", required=False, widget=DATE, help_text="填写后不再按时间节点倒排"
    )
    status = forms.ChoiceField(label="状态", choices=TaskStatus.choices)

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(organisation_id=campaign.unit_id)
        self.fields["assignee"].queryset = unit_users(campaign.unit_id)
        self.fields["milestone"].queryset = Milestone.objects.filter(campaign=campaign)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=TaskStatus.choices)


class SplitForm(forms.Form):
    titles = forms.CharField(
        label="子任务名称", widget=forms.Textarea(attrs={"rows": 4}), help_text="每行一个，至少两行"
    )

    def clean_titles(self):
        lines = [x.strip() for x in self.cleaned_data["titles"].splitlines() if x.strip()]
        if len(lines) < 2:
            raise forms.ValidationError("至少填写两个子任务名称")
        if len(lines) > 20:
            raise forms.ValidationError("一次最多拆分为 20 个子任务")
        return lines


GROUP_BY_LABEL = {str(label): value for value, label in GroupKind.choices}


class GroupForm(forms.Form):
    lines = forms.CharField(
        label="领导小组及工作组",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="每行一人：小组，姓名，职务[，用户名]（用户名可省略，填写时须为本单位用户）。小组可填："
        + "、".join(GROUP_BY_LABEL),
    )

    def __init__(self, *args, unit_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id = unit_id

    def clean_lines(self):
        out = []
        users = {u.username: u.pk for u in unit_users(self.unit_id)}
        for n, line in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) not in (3, 4) or not all(parts[:3]):
                raise forms.ValidationError(f"第 {n} 行应为“小组，姓名，职务”三项（可再加用户名）")
            if parts[0] not in GROUP_BY_LABEL:
                raise forms.ValidationError(f"第 {n} 行的小组“{parts[0]}”不存在")
            user_id = None
            if len(parts) == 4 and parts[3]:
                user_id = users.get(parts[3])
                if user_id is None:
                    raise forms.ValidationError(f"第 {n} 行的用户名“{parts[3]}”不是本单位的用户")
            out.append((GROUP_BY_LABEL[parts[0]], parts[1][:50], parts[2][:50], user_id))
        return out


class AssignImportForm(forms.Form):
    file = forms.FileField(label="任务分解表（xlsx）")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class EvidenceForm(forms.Form):
    files = MultipleFileField(
        label="文件", required=False, help_text="可一次选择多个文件（最多 20 个）；链接类材料可不上传文件"
    )
    title = forms.CharField(label="材料名称", max_length=150)
    refers_to = forms.DateField(
        label="材料日期", widget=DATE, help_text="材料所反映的日期，如会议、活动的日期"
    )
    kind = forms.ChoiceField(label="材料类型", choices=EvidenceType.choices)
    url = forms.CharField(
        label="链接", required=False, max_length=500, help_text="仅“链接/截图”类材料：网页地址，可附截图文件"
    )
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class EvidenceReplaceForm(forms.Form):
    file = forms.FileField(label="新文件", required=False)
    url = forms.CharField(label="链接", required=False, max_length=500, help_text="仅“链接/截图”类材料")


class CampaignEditForm(forms.Form):
    title = forms.CharField(label="名称", max_length=200)
    start_date = forms.DateField(label="启动日期", widget=DATE)
    acceptance_date = forms.DateField(
        label="验收日期", widget=DATE, help_text="修改后未指定完成时限的任务将重新倒排"
    )
    status = forms.ChoiceField(label="状态", choices=CampaignStatus.choices)
    plan = forms.FileField(label="更换实施方案", required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("acceptance_date")
        if start and end and end <= start:
            self.add_error("acceptance_date", "验收日期须晚于启动日期")
        return data
