"""志愿服务: volunteer organisations, teams, volunteers (real-name, protected) and team membership.

Scope (see :mod:`wenming.volunteers.scoping`): an office sees the volunteer organisations in its
region subtree, their teams, and the volunteers who live there or belong to those organisations;
a volunteer-organisation admin sees their organisations, teams and members; the unit that operates
an organisation (``operator``) sees it too; a volunteer sees themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from wenming.orgs.models import Organisation, Region
from wenming.orgs.personal import IdType, Sex
from wenming.orgs.rules import ScopeRule


def _prefix_q(field: str, prefixes) -> Q:
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(**{f"{field}__startswith": prefix})
    return q


def admin_org_ids(scope):
    """Subquery: the volunteer organisations this user administers."""
    return VolunteerOrgAdmin.objects.filter(user_id=scope.user_id).values("org_id")


def _vorg_q(scope, prefix: str = "") -> Q:
    """Volunteer organisations visible to ``scope`` (field paths under ``prefix``)."""
    q = _prefix_q(f"{prefix}region_code", scope.region_prefixes)
    if scope.unit_ids:
        q |= Q(**{f"{prefix}operator_id__in": scope.unit_ids})
    if scope.user_id is not None:
        q |= Q(**{f"{prefix}id__in": admin_org_ids(scope)})
    return q


def vorg_scope(scope) -> Q:
    return _vorg_q(scope)


def team_scope(scope) -> Q:
    return _vorg_q(scope, "org__")


def membership_scope(scope) -> Q:
    return _vorg_q(scope, "team__org__") | Q(volunteer__user_id=scope.user_id)


def volunteer_scope(scope) -> Q:
    """Volunteers: living in the office's subtree, registered by or member of a visible
    organisation, or oneself. One EXISTS over memberships, not a join (no duplicate rows)."""
    visible_orgs = VolunteerOrg.objects.filter(vorg_scope(scope)).values("pk")
    q = _prefix_q("residence_code", scope.region_prefixes)
    q |= Q(home_org_id__in=visible_orgs)
    q |= Exists(TeamMembership.objects.filter(volunteer_id=OuterRef("pk"), team__org_id__in=visible_orgs))
    if scope.user_id is not None:
        q |= Q(user_id=scope.user_id)
    return q


class VolunteerOrg(models.Model):
    """志愿服务组织 — a volunteer organisation in a region, run by an operating organisation
    (the civilization office, or another office such as 团委/民政局 that runs the region's
    volunteer work)."""

    name = models.CharField(_("名称"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区划"))
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    operator = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer_orgs",
        verbose_name=_("主管（运营）单位"),
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    description = models.TextField(_("简介"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_rule = ScopeRule(custom=vorg_scope)

    class Meta:
        verbose_name = _("志愿服务组织")
        ordering = ["region_code", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="vorg_unique_name_per_region")]

    def __str__(self) -> str:
        return self.name

    def audit_location(self) -> tuple[str, int | None]:
        return self.region_code, self.operator_id


class VolunteerOrgAdmin(models.Model):
    """志愿组织管理员 — a user who administers a volunteer organisation (its teams, members,
    approvals). Kept here, not as an orgs Role: the organisation is not an orgs Organisation."""

    org = models.ForeignKey(VolunteerOrg, on_delete=models.CASCADE, related_name="admins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_org_roles")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_rule = ScopeRule(custom=lambda scope: _vorg_q(scope, "org__"))

    class Meta:
        verbose_name = _("志愿组织管理员")
        constraints = [models.UniqueConstraint(fields=["org", "user"], name="vorg_admin_unique")]

    def __str__(self) -> str:
        return f"{self.user} · 志愿组织管理员 · {self.org}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.org.region_code, self.org.operator_id


class Team(models.Model):
    """志愿服务队伍 — a team under a volunteer organisation."""

    org = models.ForeignKey(VolunteerOrg, on_delete=models.PROTECT, related_name="teams", verbose_name=_("所属组织"))
    name = models.CharField(_("队伍名称"), max_length=200)
    service_area = models.CharField(_("服务领域"), max_length=100, blank=True)
    description = models.TextField(_("简介"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_rule = ScopeRule(custom=team_scope)

    class Meta:
        verbose_name = _("志愿服务队伍")
        ordering = ["org_id", "name"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="team_unique_name_per_org")]

    def __str__(self) -> str:
        return self.name

    def audit_location(self) -> tuple[str, int | None]:
        return self.org.region_code, self.org.operator_id


class PoliticalStatus(models.TextChoices):
    CPC = "cpc", _("中共党员")
    CPC_PROBATIONARY = "cpc_probationary", _("中共预备党员")
    CYL = "cyl", _("共青团员")
    DEMOCRATIC = "democratic", _("民主党派")
    MASSES = "masses", _("群众")


class Availability(models.TextChoices):
    ANY = "any", _("不限")
    WEEKDAYS = "weekdays", _("工作日")
    WEEKENDS = "weekends", _("周末")
    HOLIDAYS = "holidays", _("节假日")
    EVENINGS = "evenings", _("工作日晚间")


class Volunteer(models.Model):
    """志愿者 — a real-name registered volunteer.

    The ID number and phone are never stored in clear: ``*_enc`` hold them encrypted,
    ``*_hash`` a keyed hash for exact look-up and uniqueness, ``*_masked`` what pages show
    (:mod:`wenming.orgs.personal`). The platform number (``number``) is shown instead of the ID.
    """

    number = models.CharField(_("志愿者编号"), max_length=24, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    id_type = models.CharField(_("证件类型"), max_length=16, choices=IdType.choices, default=IdType.MAINLAND)
    id_number_enc = models.TextField(_("证件号（加密）"))
    id_hash = models.CharField(max_length=64, editable=False)
    id_masked = models.CharField(_("证件号"), max_length=24)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    phone_enc = models.TextField(_("手机号（加密）"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("手机号"), max_length=16, blank=True)
    residence = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("居住社区")
    )
    residence_code = models.CharField(max_length=12, blank=True, db_index=True, editable=False)
    political_status = models.CharField(
        _("政治面貌"), max_length=20, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    skills = models.CharField(_("专业技能"), max_length=200, blank=True)
    availability = models.CharField(_("可服务时间"), max_length=16, choices=Availability.choices, default=Availability.ANY)
    home_org = models.ForeignKey(
        VolunteerOrg, null=True, blank=True, on_delete=models.SET_NULL, related_name="registered", verbose_name=_("登记组织")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="volunteer"
    )
    # 双报到: an employed party member reports to their work unit and serves in their home community.
    dual_report_unit = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("在职党员工作单位")
    )
    dual_report_community = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("报到社区")
    )
    consent_at = models.DateTimeField(_("同意告知时间"), null=True, blank=True)
    consent_version = models.CharField(_("告知版本"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    scope_rule = ScopeRule(custom=volunteer_scope)

    class Meta:
        verbose_name = _("志愿者")
        ordering = ["-id"]
        constraints = [
            # One volunteer per document (type + number), enforced on the keyed hash.
            models.UniqueConstraint(fields=["id_hash"], name="volunteer_unique_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"

    def audit_location(self) -> tuple[str, int | None]:
        if self.home_org_id:
            return self.home_org.region_code, self.home_org.operator_id
        return self.residence_code, None


class VolunteerNumberCounter(models.Model):
    """志愿者编号计数器 — the last sequence issued per region prefix (numbers ZY + prefix + seq)."""

    prefix = models.CharField(max_length=12, unique=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"ZY{self.prefix}: {self.last}"


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", _("待审核")
    APPROVED = "approved", _("已加入")
    REJECTED = "rejected", _("未通过")
    LEFT = "left", _("已退出")


ACTIVE_STATUSES = (MembershipStatus.APPLIED, MembershipStatus.APPROVED)


class TeamMembership(models.Model):
    """队员 — a volunteer's membership of a team: applied → approved/rejected, later left."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="team_memberships")
    status = models.CharField(_("状态"), max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.APPLIED)
    applied_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True)

    scope_rule = ScopeRule(custom=membership_scope)

    class Meta:
        verbose_name = _("队员")
        ordering = ["-applied_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"],
                condition=Q(status__in=["applied", "approved"]),
                name="team_membership_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.team}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.team.org.region_code, self.team.org.operator_id


class RegistrationAttempt(models.Model):
    """自助注册记录 — one self-registration POST, for the per-address rate limit (rows older
    than the window are deleted as new ones arrive)."""

    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["ip", "created_at"], name="vol_reg_attempt_ip")]

    def __str__(self) -> str:
        return f"{self.ip} {self.created_at:%Y-%m-%d %H:%M}"
