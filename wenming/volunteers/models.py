"""志愿服务: volunteer organisations, teams, volunteers (real-name, protected) and team membership.

Scope (see :mod:`wenming.volunteers.scoping`): an office sees the volunteer organisations in its
region subtree, their teams, and the volunteers who live there or belong to those organisations;
a volunteer-organisation admin sees their organisations, teams and members; the unit that operates
an organisation (``operator``) sees it too; a volunteer sees themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
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
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_org_roles"
    )
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

    org = models.ForeignKey(
        VolunteerOrg, on_delete=models.PROTECT, related_name="teams", verbose_name=_("所属组织")
    )
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
    # Indexed in Meta: phone look-ups are exact, so not Django's extra LIKE index for db_index.
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("手机号"), max_length=16, blank=True)
    residence = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("居住社区")
    )
    residence_code = models.CharField(max_length=12, blank=True, db_index=True, editable=False)
    political_status = models.CharField(
        _("政治面貌"), max_length=20, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    skills = models.CharField(_("专业技能"), max_length=200, blank=True)
    availability = models.CharField(
        _("可服务时间"), max_length=16, choices=Availability.choices, default=Availability.ANY
    )
    home_org = models.ForeignKey(
        VolunteerOrg,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered",
        verbose_name=_("登记组织"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="volunteer"
    )
    # 双报到: an employed party member reports to their work unit and serves in their home community.
    dual_report_unit = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("在职党员工作单位"),
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
        # A plain B-tree: on PostgreSQL ``db_index=True`` on a CharField also builds a
        # varchar_pattern_ops index for LIKE, which nothing uses here and which cost the import
        # of 450,000 volunteers 1–3.5 s (docs/volimport.md).
        indexes = [models.Index(fields=["phone_hash"], name="volunteer_phone_hash")]

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
    status = models.CharField(
        _("状态"), max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.APPLIED
    )
    applied_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
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
    """自助注册记录 — one POST of a public volunteer form (self-registration, claiming a record),
    for the per-address rate limit (rows older than the window are deleted as new ones arrive)."""

    ip = models.GenericIPAddressField(null=True, blank=True)
    # Which public form: "register" (自助注册) or "claim" (认领档案); each has its own limit.
    kind = models.CharField(max_length=16, default="register")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["ip", "created_at"], name="vol_reg_attempt_ip")]

    def __str__(self) -> str:
        return f"{self.ip} {self.created_at:%Y-%m-%d %H:%M}"


# --- Projects, activities, sign-ups, check-in (issue 5 item 3–4) ----------------------------


def _org_or_self_q(scope, org_path: str) -> Q:
    """Rows of a visible volunteer organisation, or the user's own (``volunteer__user``)."""
    q = _vorg_q(scope, org_path)
    if scope.user_id is not None:
        q |= Q(volunteer__user_id=scope.user_id)
    return q


def published_or_org_q(scope) -> Q:
    """Projects/activities: everything of a visible organisation; published ones also to every
    registered volunteer (they browse them to sign up, wherever they live)."""
    q = _vorg_q(scope, "org__")
    if scope.user_id is not None:
        q |= Q(status=PublishStatus.PUBLISHED) & Exists(Volunteer.objects.filter(user_id=scope.user_id))
    return q


def activity_scope_q(scope) -> Q:
    """Activities: as projects (``published_or_org_q``), plus those a volunteer signed up for in
    any state — so a volunteer still opens an activity that was cancelled (and reads why)."""
    q = published_or_org_q(scope)
    if scope.user_id is not None:
        q |= Exists(Signup.objects.filter(activity_id=OuterRef("pk"), volunteer__user_id=scope.user_id))
    return q


class PublishStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("已结项")
    CANCELLED = "cancelled", _("已取消")


class VolunteerProject(models.Model):
    """志愿服务项目 — a project of a volunteer organisation; its activities are the dated events."""

    org = models.ForeignKey(
        VolunteerOrg, on_delete=models.PROTECT, related_name="projects", verbose_name=_("组织")
    )
    name = models.CharField(_("项目名称"), max_length=200)
    service_area = models.CharField(_("服务领域"), max_length=100, blank=True)
    description = models.TextField(_("项目简介"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=PublishStatus.choices, default=PublishStatus.PUBLISHED
    )
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_rule = ScopeRule(custom=published_or_org_q)

    class Meta:
        verbose_name = _("志愿服务项目")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name

    def audit_location(self) -> tuple[str, int | None]:
        return self.org.region_code, self.org.operator_id


class Activity(models.Model):
    """志愿服务活动 — one dated event of a project (time, place, capacity, sign-up deadline,
    required skills, insurance note). ``org`` is the project's organisation (kept here too: it is
    the organiser, the only one that records hours for the activity — 谁组织谁记录)."""

    project = models.ForeignKey(
        VolunteerProject, on_delete=models.PROTECT, related_name="activities", verbose_name=_("项目")
    )
    org = models.ForeignKey(
        VolunteerOrg, on_delete=models.PROTECT, related_name="activities", verbose_name=_("组织单位")
    )
    title = models.CharField(_("活动名称"), max_length=200)
    description = models.TextField(_("服务内容"), blank=True)
    place = models.CharField(_("地点"), max_length=200)
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("招募人数"))
    signup_deadline = models.DateTimeField(_("报名截止"))
    required_skills = models.CharField(_("技能要求"), max_length=200, blank=True)
    insurance_note = models.CharField(_("保险说明"), max_length=300, blank=True)
    needs_confirmation = models.BooleanField(_("报名需管理员确认"), default=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=PublishStatus.choices, default=PublishStatus.PUBLISHED
    )
    # Per-activity key of the rotating check-in QR (HMAC with the time slot); replaced to revoke.
    checkin_key = models.CharField(max_length=64, editable=False)
    closed_at = models.DateTimeField(_("结项时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_rule = ScopeRule(custom=activity_scope_q)

    class Meta:
        verbose_name = _("志愿服务活动")
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["org", "start"], name="vol_activity_org_start")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="vol_activity_end_after_start")
        ]

    def __str__(self) -> str:
        return self.title

    def audit_location(self) -> tuple[str, int | None]:
        return self.org.region_code, self.org.operator_id


class SignupStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")
    REJECTED = "rejected", _("未通过")


SIGNUP_ACTIVE = (SignupStatus.PENDING, SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)


class Signup(models.Model):
    """活动报名 — pending (awaiting the admin) / confirmed / waitlisted (over capacity, promoted
    in order when a place frees) / cancelled / rejected. One active sign-up per volunteer and
    activity."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="signups")
    status = models.CharField(
        _("状态"), max_length=16, choices=SignupStatus.choices, default=SignupStatus.PENDING
    )
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    overlap_warned = models.BooleanField(_("时间冲突已提示"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    scope_rule = ScopeRule(custom=lambda scope: _org_or_self_q(scope, "activity__org__"))

    class Meta:
        verbose_name = _("活动报名")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"],
                condition=Q(status__in=["pending", "confirmed", "waitlisted"]),
                name="vol_signup_one_active",
            )
        ]
        indexes = [models.Index(fields=["volunteer", "status"], name="vol_signup_volunteer")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.activity}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.activity.org.region_code, self.activity.org.operator_id


class Attendance(models.Model):
    """签到记录 — one row per volunteer and activity (unique: concurrent scans cannot duplicate);
    check-out is a conditional update of the same row. ``auto_closed``: the volunteer forgot to
    check out and the activity's close applied the cap (scheduled end)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="attendances")
    signup = models.ForeignKey(Signup, on_delete=models.CASCADE, related_name="+")
    checked_in_at = models.DateTimeField(_("签到时间"))
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    auto_closed = models.BooleanField(_("未签退（按规则封顶）"), default=False)
    # Set when the organiser checked the volunteer in or out by hand (the reasons; who: the audit
    # entry). A database default, so the scan path's raw INSERT need not name it.
    manual_note = models.CharField(
        _("手工签到/签退说明"), max_length=400, blank=True, default="", db_default=""
    )

    scope_rule = ScopeRule(custom=lambda scope: _org_or_self_q(scope, "activity__org__"))

    class Meta:
        verbose_name = _("签到记录")
        ordering = ["checked_in_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="vol_attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.activity}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.activity.org.region_code, self.activity.org.operator_id


class ActivityMessage(models.Model):
    """活动通知 — an in-app message from the organiser to an activity's signed-up volunteers
    (no SMS channel)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="messages")
    body = models.TextField(_("通知内容"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    scope_rule = ScopeRule(
        custom=lambda scope: (
            _vorg_q(scope, "activity__org__")
            | Exists(
                Signup.objects.filter(
                    activity_id=OuterRef("activity_id"),
                    volunteer__user_id=scope.user_id,
                    status__in=SIGNUP_ACTIVE,
                )
            )
        )
    )

    class Meta:
        verbose_name = _("活动通知")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.body[:30]

    def audit_location(self) -> tuple[str, int | None]:
        return self.activity.org.region_code, self.activity.org.operator_id


# --- The hours ledger (issue 5 item 5) ------------------------------------------------------


class RecordSource(models.TextChoices):
    CHECKIN = "checkin", _("扫码签到")
    MANUAL = "manual", _("手工录入")
    IMPORT = "import", _("批量导入")
    CORRECTION = "correction", _("更正")


class ServiceRecord(models.Model):
    """志愿服务记录 — one line of the hours ledger. Append-only: a correction is a new line
    (``source=correction``, ``corrects`` → the line it corrects) whose ``hours`` is the signed
    difference, so a volunteer's total is ``Sum(hours)`` and history stays visible.

    ``org`` is the organising organisation, the only one that records (谁组织谁记录).
    ``reason`` is required for manual entries and corrections. ``import_batch`` is free for the
    bulk import to tag its rows (e.g. a job id) so a cancelled import can be removed whole.
    """

    org = models.ForeignKey(
        VolunteerOrg, on_delete=models.PROTECT, related_name="service_records", verbose_name=_("记录组织")
    )
    activity = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_records",
        verbose_name=_("活动"),
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="service_records", verbose_name=_("志愿者")
    )
    date = models.DateField(_("服务日期"))
    start = models.DateTimeField(_("开始时间"), null=True, blank=True)
    end = models.DateTimeField(_("结束时间"), null=True, blank=True)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=7, decimal_places=2)
    content = models.CharField(_("服务内容"), max_length=300, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=RecordSource.choices)
    reason = models.CharField(_("录入/更正原因"), max_length=300, blank=True)
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("更正的记录"),
    )
    import_batch = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope_rule = ScopeRule(custom=lambda scope: _org_or_self_q(scope, "org__"))

    class Meta:
        verbose_name = _("志愿服务记录")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["volunteer", "date"], name="vol_record_volunteer_date"),
            models.Index(fields=["org", "date"], name="vol_record_org_date"),
        ]
        constraints = [
            # Only a correction may be negative.
            models.CheckConstraint(
                condition=Q(hours__gte=0) | Q(source="correction"), name="vol_record_hours_nonneg"
            ),
            # One check-in line per volunteer and activity (the check-out that writes it may race).
            models.UniqueConstraint(
                fields=["activity", "volunteer"], condition=Q(source="checkin"), name="vol_record_one_checkin"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.date} · {self.hours}h"

    def audit_location(self) -> tuple[str, int | None]:
        return self.org.region_code, self.org.operator_id


class CorrectionStatus(models.TextChoices):
    REQUESTED = "requested", _("待核实")
    VERIFIED = "verified", _("已核实待更正")
    REJECTED = "rejected", _("不予更正")
    CORRECTED = "corrected", _("已更正")


class CorrectionRequest(models.Model):
    """时长更正申请 — a volunteer asks the organising organisation to correct a record (or to
    record a missing one: ``record`` empty, ``activity`` set); the org admin verifies (核实) or
    rejects, then corrects, which writes a ``ServiceRecord(source=correction)``. Each step audited."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="correction_requests")
    org = models.ForeignKey(VolunteerOrg, on_delete=models.PROTECT, related_name="correction_requests")
    record = models.ForeignKey(
        ServiceRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="correction_requests"
    )
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requested_hours = models.DecimalField(_("申请更正为（小时）"), max_digits=7, decimal_places=2)
    reason = models.CharField(_("申请理由"), max_length=500)
    status = models.CharField(
        _("状态"), max_length=16, choices=CorrectionStatus.choices, default=CorrectionStatus.REQUESTED
    )
    verified_hours = models.DecimalField(
        _("核实时长（小时）"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    verify_note = models.CharField(_("核实意见"), max_length=500, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrected_at = models.DateTimeField(null=True, blank=True)
    result = models.ForeignKey(
        ServiceRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    scope_rule = ScopeRule(custom=lambda scope: _org_or_self_q(scope, "org__"))

    class Meta:
        verbose_name = _("时长更正申请")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.volunteer} · 更正申请 · {self.get_status_display()}"

    def audit_location(self) -> tuple[str, int | None]:
        return self.org.region_code, self.org.operator_id


class StarLadder(models.Model):
    """星级标准 — hours thresholds for 一星…五星 valid in a region's subtree (the deepest ladder
    above a volunteer's residence applies; none → ``settings.VOLUNTEER_STAR_LADDER``)."""

    region = models.OneToOneField(
        Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("适用区划")
    )
    region_code = models.CharField(max_length=12, db_index=True, editable=False)
    thresholds = models.CharField(_("各星级时长（小时，逗号分隔）"), max_length=100)

    scope_rule = ScopeRule(region="region_code")

    class Meta:
        verbose_name = _("星级标准")

    def __str__(self) -> str:
        return f"{self.region_code}: {self.thresholds}"


class PointsEntry(models.Model):
    """积分 — points (e.g. redeemable in 爱心超市), kept apart from legal hours; written only when
    ``settings.VOLUNTEER_POINTS_ENABLED``."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="points")
    org = models.ForeignKey(VolunteerOrg, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(
        ServiceRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    points = models.IntegerField(_("积分"))
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_rule = ScopeRule(custom=lambda scope: _org_or_self_q(scope, "org__"))

    class Meta:
        verbose_name = _("积分记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.points}"
