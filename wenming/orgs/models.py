from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wenming.orgs.regions import Level
from wenming.orgs.rules import ScopeRule


class Region(models.Model):
    """行政区划 — a region keyed by its 12-digit statistical division code."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    # The significant prefix of the code; every region in this subtree starts with it.
    prefix = models.CharField(_("代码前缀"), max_length=12, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    scope_rule = ScopeRule(region="code")

    class Meta:
        verbose_name = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class OrgKind(models.TextChoices):
    OFFICE = "office", _("文明办")
    UNIT = "unit", _("创建单位")


class UnitType(models.TextChoices):
    ORGAN = "organ", _("机关")
    ENTERPRISE = "enterprise", _("企业")
    INSTITUTION = "institution", _("事业单位")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    TOWN = "town", _("乡镇（街道）")
    OTHER = "other", _("其他")


class Organisation(models.Model):
    """组织 — a civilization office (文明办) or a unit (创建单位) in a region.

    Offices oversee their region's whole subtree; a unit sees itself. ``region_code`` is copied
    from the region so scope filters are a single indexed prefix match, without a join.
    """

    kind = models.CharField(_("类别"), max_length=16, choices=OrgKind.choices)
    name = models.CharField(_("名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("所属区划"))
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    unit_type = models.CharField(_("单位类型"), max_length=16, choices=UnitType.choices, blank=True)
    supervisor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_units",
        verbose_name=_("主管部门"),
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_rule = ScopeRule(region="region_code", org="id")

    class Meta:
        verbose_name = _("组织")
        ordering = ["region_code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="org_unique_name_per_region"),
            models.CheckConstraint(
                condition=Q(kind="unit") | Q(unit_type=""), name="org_unit_type_only_for_units"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_office(self) -> bool:
        return self.kind == OrgKind.OFFICE


class Department(models.Model):
    """科室 / 部门 — a department or party branch inside a unit."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(_("名称"), max_length=100)
    sort_order = models.PositiveIntegerField(default=0)

    scope_rule = ScopeRule(region="organisation__region_code", org="organisation_id")

    class Meta:
        verbose_name = _("科室")
        ordering = ["organisation_id", "sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="dept_unique_name")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")
    OFFICE_ADMIN = "office_admin", _("文明办管理员")
    OFFICE_INSPECTOR = "office_inspector", _("测评员/督查员")
    UNIT_ADMIN = "unit_admin", _("单位创建办")
    DEPT_LEAD = "dept_lead", _("科室责任人")


OFFICE_ROLES = {Role.OFFICE_ADMIN, Role.OFFICE_INSPECTOR}
UNIT_ROLES = {Role.UNIT_ADMIN, Role.DEPT_LEAD}
ADMIN_ROLES_REQUIRING_2FA = {Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN}


class Membership(models.Model):
    """成员身份 — a user's role in an organisation (platform admins have no organisation)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_rule = ScopeRule(region="organisation__region_code", org="organisation_id")

    class Meta:
        verbose_name = _("成员身份")
        ordering = ["user_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role="platform_admin", organisation__isnull=True)
                | (~Q(role="platform_admin") & Q(organisation__isnull=False)),
                name="membership_org_matches_role",
            ),
            models.CheckConstraint(
                condition=Q(role="dept_lead", department__isnull=False) | ~Q(role="dept_lead"),
                name="membership_dept_lead_has_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation or '平台'}"


class Profile(models.Model):
    """用户资料 — display name and phone of a platform user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    def __str__(self) -> str:
        return self.display_name
