from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from wenming.orgs.personal import IdType, validate_id, validate_phone
from wenming.volunteers.models import Availability, PoliticalStatus

# 个人信息处理告知 (PIPL art. 17): who processes, what, why, how long, the person's rights.
# Its version is services.CONSENT_VERSION; every registration records which text it agreed to.
CONSENT_TEXT = [
    "本平台由文明办及志愿服务组织用于志愿者实名登记、志愿服务记录和志愿服务证明出具。",
    "我们收集：姓名、证件类型及号码、出生日期与性别（由证件号推算）、手机号、居住社区、政治面貌、专业技能和可服务时间。",
    "证件号和手机号加密存储，页面和导出中只显示部分号码（如 3301**********123X、138****1234）；只有您所在志愿服务组织的管理员和所在地文明办管理员在核验身份等必要时可查看完整号码，每次查看均留痕可查。",
    "信息保存至您注销志愿者身份后依法规定的期限；您可以查询、更正您的信息，或申请注销。",
    "不满十四周岁的未成年人须由监护人代为注册并同意本告知。",
]


class _VolunteerFields(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_type = forms.ChoiceField(label="证件类型", choices=IdType.choices, initial=IdType.MAINLAND)
    id_number = forms.CharField(
        label="证件号码", max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    phone = forms.CharField(
        label="手机号",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    residence = forms.ModelChoiceField(
        label="居住社区",
        queryset=None,
        required=False,
        empty_label="（请选择）",
        error_messages={"invalid_choice": "请选择有效的社区"},
    )
    political_status = forms.ChoiceField(
        label="政治面貌", choices=PoliticalStatus.choices, initial=PoliticalStatus.MASSES
    )
    skills = forms.CharField(
        label="专业技能", max_length=200, required=False, help_text="如：医疗急救、心理咨询、外语、法律"
    )
    availability = forms.ChoiceField(label="可服务时间", choices=Availability.choices)

    # Level-5 region fields drawn as a county → town → community picker (volunteers/_form.html):
    # validated against every community, but only the chosen town's communities are rendered.
    community_fields = ("residence",)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.community_fields:
            self.fields[name].queryset = communities
        self.pickers = {}

    def prepare_pickers(self) -> None:
        """Per community field: the counties, the towns of the chosen county and the communities
        of the chosen town (three small queries), and the field's rendered options cut to those."""
        from wenming.orgs.models import Region
        from wenming.orgs.regions import Level

        counties = list(
            Region.objects.filter(level=Level.COUNTY).order_by("code").values_list("code", "name")
        )
        for name in self.community_fields:
            field = self[name]
            value = field.value()
            chosen = (
                Region.objects.filter(pk=value, level=Level.VILLAGE).select_related("parent__parent").first()
                if str(value or "").isdigit()
                else None
            )
            town = chosen.parent if chosen else None
            county = town.parent if town else None
            towns = list(county.children.order_by("code").values_list("code", "name")) if county else []
            siblings = list(town.children.order_by("code").values_list("pk", "name")) if town else []
            self.fields[name].widget.choices = [
                ("", "（请先选择街道/乡镇）" if not town else "（请选择）"),
                *siblings,
            ]
            self.pickers[name] = {
                "counties": counties,
                "county": county.code if county else "",
                "towns": towns,
                "town": town.code if town else "",
            }

    def clean(self):
        data = super().clean()
        if data.get("id_type") and data.get("id_number"):
            try:
                info = validate_id(data["id_type"], data["id_number"])
            except ValidationError as exc:
                self.add_error("id_number", exc)
            else:
                data["id_number"] = info.number
        if data.get("phone"):
            try:
                data["phone"] = validate_phone(data["phone"])
            except ValidationError as exc:
                self.add_error("phone", exc)
        return data


class SelfEditForm(_VolunteerFields):
    """What a volunteer corrects themself: not the name or the document (real-name data)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "id_type", "id_number"):
            del self.fields[name]


class RegisterForm(_VolunteerFields):
    password1 = forms.CharField(
        label="登录密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 8 位，含字母、数字、符号中的三类",
    )
    password2 = forms.CharField(
        label="再次输入密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    consent = forms.BooleanField(
        label="我已阅读并同意上述个人信息处理告知",
        required=True,
        error_messages={"required": "请阅读并同意个人信息处理告知"},
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致")
        return data


class AdminVolunteerForm(_VolunteerFields):
    home_org = forms.ModelChoiceField(label="登记组织", queryset=None, empty_label=None)
    team = forms.ModelChoiceField(
        label="加入队伍",
        queryset=None,
        required=False,
        empty_label="（暂不加入）",
        help_text="须为登记组织的队伍",
    )
    dual_report_unit = forms.ModelChoiceField(
        label="在职党员工作单位（双报到）", queryset=None, required=False, empty_label="（无）"
    )
    dual_report_community = forms.ModelChoiceField(
        label="报到社区（双报到）", queryset=None, required=False, empty_label="（无）"
    )
    consent = forms.BooleanField(
        label="已向本人告知个人信息处理规则并取得其同意",
        required=True,
        error_messages={"required": "须先向本人告知并取得同意"},
    )

    community_fields = ("residence", "dual_report_community")

    def __init__(self, *args, orgs, teams, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_org"].queryset = orgs
        self.fields["team"].queryset = teams
        self.fields["dual_report_unit"].queryset = units

    def clean(self):
        data = super().clean()
        team, org = data.get("team"), data.get("home_org")
        if team and org and team.org_id != org.pk:
            self.add_error("team", "所选队伍不属于登记组织")
        return data


class VolunteerOrgForm(forms.Form):
    name = forms.CharField(label="组织名称", max_length=200)
    region = forms.ModelChoiceField(label="所属区划", queryset=None, empty_label=None)
    operator = forms.ModelChoiceField(
        label="主管（运营）单位",
        queryset=None,
        required=False,
        empty_label="（无）",
        help_text="负责本区划志愿服务工作的单位，可以是文明办以外的部门（如团委、民政局）",
    )
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    description = forms.CharField(label="简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, regions, operators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["operator"].queryset = operators


class TeamForm(forms.Form):
    name = forms.CharField(label="队伍名称", max_length=200)
    service_area = forms.CharField(
        label="服务领域", max_length=100, required=False, help_text="如：助老、环保、文明交通"
    )
    description = forms.CharField(label="简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class OrgAdminForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150, help_text="已在平台注册的用户")


# --- Projects, activities, ledger -----------------------------------------------------------

_DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class ProjectForm(forms.Form):
    org = forms.ModelChoiceField(label="组织", queryset=None, empty_label=None)
    name = forms.CharField(label="项目名称", max_length=200)
    service_area = forms.CharField(
        label="服务领域", max_length=100, required=False, help_text="如：助老、环保、文明交通"
    )
    description = forms.CharField(label="项目简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs


class ActivityForm(forms.Form):
    title = forms.CharField(label="活动名称", max_length=200)
    place = forms.CharField(label="地点", max_length=200)
    start = forms.DateTimeField(label="开始时间", widget=_DT, input_formats=_DT_FORMATS)
    end = forms.DateTimeField(label="结束时间", widget=_DT, input_formats=_DT_FORMATS)
    capacity = forms.IntegerField(label="招募人数", min_value=1, max_value=100000)
    signup_deadline = forms.DateTimeField(
        label="报名截止",
        widget=_DT,
        input_formats=_DT_FORMATS,
        required=False,
        help_text="留空则为活动开始时间",
    )
    required_skills = forms.CharField(label="技能要求", max_length=200, required=False)
    insurance_note = forms.CharField(
        label="保险说明", max_length=300, required=False, help_text="如：组织方统一购买志愿者意外险"
    )
    needs_confirmation = forms.BooleanField(label="报名需管理员确认", required=False, initial=True)
    description = forms.CharField(label="服务内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ManualRecordForm(forms.Form):
    org = forms.ModelChoiceField(label="记录组织", queryset=None, empty_label=None)
    volunteer_number = forms.CharField(label="志愿者编号", max_length=24)
    date = forms.DateField(label="服务日期", widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        label="服务时长（小时）", max_digits=5, decimal_places=2, min_value=0.01, max_value=24
    )
    content = forms.CharField(label="服务内容", max_length=300, required=False)
    reason = forms.CharField(
        label="录入原因", max_length=300, help_text="手工录入须说明原因，如：纸质签到补录"
    )

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs


class CorrectionForm(forms.Form):
    requested_hours = forms.DecimalField(
        label="应为（小时）", max_digits=5, decimal_places=2, min_value=0, max_value=24
    )
    reason = forms.CharField(label="更正理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ActivityEditForm(ActivityForm):
    """Editing a published activity: the same fields but the confirmation switch (sign-ups already
    made under it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["needs_confirmation"]


class ProjectEditForm(forms.Form):
    name = forms.CharField(label="项目名称", max_length=200)
    service_area = forms.CharField(label="服务领域", max_length=100, required=False)
    description = forms.CharField(label="项目简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="取消原因",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="将以站内通知发给已报名的志愿者",
        error_messages={"required": "请填写取消原因"},
    )


class StarLadderForm(forms.Form):
    region = forms.ModelChoiceField(
        label="适用地区",
        queryset=None,
        empty_label=None,
        help_text="该地区及其下级地区的志愿者按此标准评定星级（下级地区另设的优先）",
    )
    thresholds = forms.CharField(
        label="各星级时长（小时）",
        max_length=100,
        help_text="从一星起依次填写，用逗号分隔，须严格递增，可含两位小数，如 100,300,600,1000,1500",
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["region"].label_from_instance = lambda r: f"{r.name}（{r.code[:6]}）"


class ClaimForm(forms.Form):
    """认领档案: prove the document and the phone on a record an organisation created."""

    id_type = forms.ChoiceField(label="证件类型", choices=IdType.choices, initial=IdType.MAINLAND)
    id_number = forms.CharField(
        label="证件号码", max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    phone = forms.CharField(label="登记时留的手机号", max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))  # fmt: skip
    password1 = forms.CharField(label="设置登录密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text="至少 8 位，含字母、数字、符号中的三类")  # fmt: skip
    password2 = forms.CharField(
        label="再次输入密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    consent = forms.BooleanField(label="我已阅读并同意上述个人信息处理告知", required=True,
                                 error_messages={"required": "请阅读并同意个人信息处理告知"})  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("id_type") and data.get("id_number"):
            try:
                data["id_number"] = validate_id(data["id_type"], data["id_number"]).number
            except ValidationError as exc:
                self.add_error("id_number", exc)
        if data.get("phone"):
            try:
                data["phone"] = validate_phone(data["phone"])
            except ValidationError as exc:
                self.add_error("phone", exc)
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致")
        return data
