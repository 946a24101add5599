"""Forms of the organisation administration pages. Choices are limited to what the acting
administrator may use; the services re-check every rule."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError

from wenming.orgs import services
from wenming.orgs.access import Scope
from wenming.orgs.models import Department, Membership, Organisation, OrgKind, Region, Role, UnitType

User = get_user_model()

# Above this many choices a select box becomes a text field (a region code / an exact name).
MAX_SELECT_CHOICES = 300
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{3,150}$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def is_valid_credit_code(code: str) -> bool:
    """统一社会信用代码 (GB 32100-2015): 18 characters, the last a mod-31 check character."""
    if len(code) != 18 or any(c not in CREDIT_CODE_CHARS for c in code):
        return False
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(code[:17], CREDIT_CODE_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return CREDIT_CODE_CHARS[check] == code[17]


def clean_phone(value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if value and not (MOBILE_RE.match(value) or LANDLINE_RE.match(value)):
        raise ValidationError("请输入 11 位手机号或带区号的固定电话（如 0571-88886666）")
    return value


def role_choices(roles: list[str]) -> list[tuple[str, str]]:
    labels = dict(Role.choices)
    return [(r, labels[r]) for r in roles]


class OrganisationForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=OrgKind.choices)
    name = forms.CharField(label="名称", max_length=200)
    short_name = forms.CharField(label="简称", max_length=50, required=False)
    region = forms.ModelChoiceField(label="所属区划", queryset=Region.objects.none(), to_field_name="code")
    unit_type = forms.ChoiceField(label="单位类型", choices=[("", "（文明办不填）"), *UnitType.choices], required=False)
    supervisor = forms.ModelChoiceField(label="主管部门", queryset=Organisation.objects.none(), required=False)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    # A select, not a checkbox: web/_form.html styles every input as a form control.
    is_active = forms.TypedChoiceField(
        label="状态", choices=[("1", "启用"), ("0", "停用")], coerce=lambda v: v == "1", initial="1"
    )

    def __init__(self, *args, scope: Scope, regions, supervisors, instance: Organisation | None = None, **kwargs):
        self.scope = scope
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": instance.kind,
                "name": instance.name,
                "short_name": instance.short_name,
                "region": instance.region.code,
                "unit_type": instance.unit_type,
                "supervisor": instance.supervisor_id,
                "credit_code": instance.credit_code,
                "contact_name": instance.contact_name,
                "contact_phone": instance.contact_phone,
                "is_active": "1" if instance.is_active else "0",
            }
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        if regions.count() > MAX_SELECT_CHOICES:
            self.fields["region"].widget = forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 12})
            self.fields["region"].help_text = "输入 12 位统计用区划代码"
        else:
            self.fields["region"].label_from_instance = lambda r: f"{r.code} {r.name}"
        if instance is not None:
            supervisors = supervisors.exclude(pk=instance.pk)
            # The kind of an existing organisation is fixed: its memberships depend on it.
            self.fields["kind"].disabled = True
        else:
            del self.fields["is_active"]
        self.fields["supervisor"].queryset = supervisors
        self.fields["supervisor"].empty_label = "（无）"
        self.fields["supervisor"].help_text = "主管本单位的机关，如学校的主管部门为教育局"

    def clean_credit_code(self) -> str:
        code = self.cleaned_data["credit_code"].strip().upper()
        if code and not is_valid_credit_code(code):
            raise ValidationError("统一社会信用代码无效：应为 18 位，且校验位正确")
        return code

    def clean_contact_phone(self) -> str:
        return clean_phone(self.cleaned_data["contact_phone"])

    def clean(self):
        data = super().clean()
        kind, region, unit_type = data.get("kind"), data.get("region"), data.get("unit_type")
        if kind == OrgKind.UNIT and not unit_type:
            self.add_error("unit_type", "请选择单位类型")
        if kind == OrgKind.OFFICE:
            data["unit_type"] = ""
            if data.get("supervisor"):
                self.add_error("supervisor", "文明办不设主管部门")
        if kind and region is not None:
            moving = self.instance is None or self.instance.region_id != region.pk
            if moving and not services.may_create_organisation(scope=self.scope, kind=kind, region=region):
                self.add_error("region", "您不能在该区划下设立此类组织（文明办只能设在您辖区的下级区划）")
        if region is not None and data.get("name"):
            clash = Organisation.objects.filter(region=region, name=data["name"])
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", "该区划下已有同名组织")
        return data


class DepartmentForm(forms.Form):
    name = forms.CharField(label="科室名称", max_length=100)
    sort_order = forms.IntegerField(label="排序", min_value=0, max_value=9999, initial=0, required=False)

    def __init__(self, *args, organisation: Organisation, instance: Department | None = None, **kwargs):
        self.organisation = organisation
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {"name": instance.name, "sort_order": instance.sort_order}
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Department.objects.filter(organisation=self.organisation, name=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("本单位已有同名科室")
        return name


class DepartmentLeadForm(forms.Form):
    user = forms.ModelChoiceField(label="责任人", queryset=User.objects.none(), empty_label="请选择本单位人员")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = members
        self.fields["user"].label_from_instance = _user_label


def _user_label(user) -> str:
    profile = getattr(user, "profile", None)
    return f"{profile.display_name}（{user.username}）" if profile else user.username


class PasswordChoiceMixin(forms.Form):
    password_mode = forms.ChoiceField(
        label="初始密码",
        choices=[("generate", "自动生成（仅显示一次）"), ("typed", "手动设置")],
        initial="generate",
    )
    password = forms.CharField(
        label="密码",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="手动设置时填写。" + " ".join(password_validators_help_texts()),
    )

    def _check_password(self, user) -> None:
        if self.cleaned_data.get("password_mode") == "typed":
            password = self.cleaned_data.get("password") or ""
            if not password:
                self.add_error("password", "请输入密码，或选择自动生成")
                return
            try:
                validate_password(password, user)
            except ValidationError as exc:
                self.add_error("password", exc)
        else:
            self.cleaned_data["password"] = ""


class MembershipFields(forms.Form):
    """Organisation + role + department, limited to what the acting admin may grant."""

    organisation = forms.ModelChoiceField(label="组织", queryset=Organisation.objects.none(), required=False)
    role = forms.ChoiceField(label="角色", choices=())
    department = forms.ModelChoiceField(
        label="科室", queryset=Department.objects.none(), required=False, help_text="科室责任人须选择本单位的科室"
    )

    def setup_membership_fields(self, *, scope: Scope, organisations, departments, organisation: Organisation | None):
        self.scope = scope
        self.fixed_organisation = organisation
        roles = (
            services.grantable_roles(scope=scope, organisation=organisation)
            if organisation is not None
            else services.grantable_roles_anywhere(scope=scope)
        )
        self.fields["role"].choices = role_choices(roles)
        if organisation is not None:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = organisations
            self.fields["organisation"].empty_label = "请选择组织"
            self.fields["organisation"].label_from_instance = lambda o: f"{o.name}（{o.region_code}）"
            if scope.is_platform:
                self.fields["organisation"].help_text = "平台管理员角色不选组织"
        self.fields["department"].queryset = departments
        self.fields["department"].label_from_instance = lambda d: f"{d.organisation.name} · {d.name}"
        self.fields["department"].empty_label = "（不适用）"

    def clean_membership(self):
        data = self.cleaned_data
        role = data.get("role")
        organisation = self.fixed_organisation or data.get("organisation")
        department = data.get("department")
        if not role:
            return data
        if role == Role.PLATFORM_ADMIN:
            organisation = None
            department = None
        elif organisation is None:
            self.add_error("organisation" if "organisation" in self.fields else "role", "请选择组织")
            return data
        if not services.may_grant(scope=self.scope, role=role, organisation=organisation):
            self.add_error("role", "您不能在该组织授予此角色")
            return data
        if role == Role.DEPT_LEAD:
            if department is None or department.organisation_id != organisation.pk:
                self.add_error("department", "请选择该单位的科室")
                return data
        else:
            department = None
        data["organisation"], data["department"] = organisation, department
        return data


class UserCreateForm(PasswordChoiceMixin, MembershipFields):
    username = forms.CharField(label="用户名", max_length=150, help_text="字母、数字或 _ . @ + -，3 位以上；登录时使用")
    display_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)

    field_order = ["username", "display_name", "phone", "email", "organisation", "role", "department", "password_mode", "password"]

    def __init__(self, *args, scope: Scope, organisations, departments, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_membership_fields(scope=scope, organisations=organisations, departments=departments, organisation=organisation)
        self.order_fields(self.field_order)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if not USERNAME_RE.match(username):
            raise ValidationError("用户名只能包含字母、数字和 _ . @ + -，至少 3 位")
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("该用户名已被使用")
        return username

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def clean(self):
        super().clean()
        self.clean_membership()
        probe = User(username=self.cleaned_data.get("username", ""), email=self.cleaned_data.get("email", ""))
        self._check_password(probe)
        return self.cleaned_data


class MembershipForm(MembershipFields):
    def __init__(self, *args, scope: Scope, organisations, departments, organisation=None, target=None, **kwargs):
        self.target = target
        super().__init__(*args, **kwargs)
        self.setup_membership_fields(scope=scope, organisations=organisations, departments=departments, organisation=organisation)

    def clean(self):
        super().clean()
        self.clean_membership()
        data = self.cleaned_data
        if self.target is not None and data.get("role") and not self.errors:
            if Membership.objects.filter(user=self.target, organisation=data.get("organisation"), role=data["role"]).exists():
                raise ValidationError("该用户已拥有此角色")
        return data


class MemberAddForm(MembershipForm):
    """On an organisation's page: add an existing user (by username) with a role."""

    username = forms.CharField(label="用户名", max_length=150, help_text="已有用户的用户名；新人员请用“新建用户”")

    field_order = ["username", "role", "department"]

    def __init__(self, *args, visible_users, **kwargs):
        self.visible_users = visible_users
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        try:
            self.target = self.visible_users.get(username=username)
        except User.DoesNotExist as exc:
            # The same answer for "no such user" and "a user you may not see".
            raise ValidationError("未找到该用户") from exc
        return username


class UserEditForm(forms.Form):
    display_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])


class PasswordResetForm(PasswordChoiceMixin):
    def __init__(self, *args, target, **kwargs):
        self.target = target
        super().__init__(*args, **kwargs)
        self.fields["password_mode"].label = "新密码"

    def clean(self):
        super().clean()
        self._check_password(self.target)
        return self.cleaned_data


class RegionImportForm(forms.Form):
    file = forms.FileField(label="区划文件", help_text="Excel（.xlsx）或 CSV 文件，须含“区划代码”“名称”两列")
