"""Every write of the volunteer module. Each one is audited inside its transaction."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.orgs.models import Organisation, Region
from wenming.orgs.personal import (
    encrypt,
    id_hash,
    mask_id,
    mask_phone,
    phone_hash,
    validate_id,
    validate_phone,
)
from wenming.orgs.regions import Level
from wenming.volunteers.models import (
    ACTIVE_STATUSES,
    MembershipStatus,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerNumberCounter,
    VolunteerOrg,
    VolunteerOrgAdmin,
)

User = get_user_model()

# Version of the 个人信息处理告知 text (forms.CONSENT_TEXT); bump it when the text changes.
CONSENT_VERSION = "2026-11-v1"
# Fields an audit snapshot of a volunteer records: never the ciphertexts or the keyed hashes.
VOLUNTEER_AUDIT_FIELDS = [
    "number",
    "name",
    "id_type",
    "id_masked",
    "birth_date",
    "sex",
    "phone_masked",
    "residence",
    "political_status",
    "skills",
    "availability",
    "home_org",
    "user",
    "dual_report_unit",
    "dual_report_community",
    "consent_at",
    "consent_version",
]


def _vsnap(volunteer: Volunteer) -> dict:
    return snapshot(volunteer, fields=VOLUNTEER_AUDIT_FIELDS)


# --- Organisations and teams ----------------------------------------------------------------


def vorg_create(
    *,
    name: str,
    region: Region,
    operator: Organisation | None,
    contact_name: str = "",
    contact_phone: str = "",
    description: str = "",
) -> VolunteerOrg:
    if VolunteerOrg.objects.filter(region=region, name=name).exists():
        raise ValidationError(f"该区划下已有名为“{name}”的志愿服务组织")
    with transaction.atomic():
        org = VolunteerOrg.objects.create(
            name=name,
            region=region,
            region_code=region.code,
            operator=operator,
            contact_name=contact_name,
            contact_phone=contact_phone,
            description=description,
        )
        audit_record(action=Action.CREATE, obj=org, after=snapshot(org))
    return org


def vorg_admin_add(*, org: VolunteerOrg, user) -> VolunteerOrgAdmin:
    with transaction.atomic():
        admin, created = VolunteerOrgAdmin.objects.get_or_create(org=org, user=user)
        if created:
            audit_record(
                action=Action.MEMBERSHIP_ADD,
                obj=admin,
                object_repr=f"{user.username} · 志愿组织管理员 · {org.name}",
                after=snapshot(admin),
            )
    return admin


def team_create(*, org: VolunteerOrg, name: str, service_area: str = "", description: str = "") -> Team:
    if Team.objects.filter(org=org, name=name).exists():
        raise ValidationError(f"本组织已有名为“{name}”的队伍")
    with transaction.atomic():
        team = Team.objects.create(org=org, name=name, service_area=service_area, description=description)
        audit_record(action=Action.CREATE, obj=team, after=snapshot(team))
    return team


# --- Volunteers -----------------------------------------------------------------------------


def number_prefix(*, residence: Region | None, home_org: VolunteerOrg | None) -> str:
    """The 6-digit county part of a volunteer number: where they live, else their organisation."""
    code = residence.code if residence else home_org.region_code if home_org else ""
    return (code[:6] or "000000").ljust(6, "0")


def number_text(prefix: str, seq: int) -> str:
    """A volunteer number: ``ZY<6-digit county prefix><7-digit sequence>``."""
    return f"ZY{prefix}{seq:07d}"


def number_counter_lock(prefix: str) -> int:
    """Lock the number counter of ``prefix`` until the caller's transaction ends (concurrent
    registrations in that county wait) and return its last sequence; the caller reserves what it
    uses with :func:`number_counter_set`. For bulk inserts that number rows themselves."""
    VolunteerNumberCounter.objects.get_or_create(prefix=prefix)
    return (
        VolunteerNumberCounter.objects.select_for_update().values_list("last", flat=True).get(prefix=prefix)
    )


def number_counter_set(prefix: str, last: int) -> None:
    VolunteerNumberCounter.objects.filter(prefix=prefix).update(last=last)


def number_allocate(*, prefix: str, count: int = 1) -> list[str]:
    """Reserve ``count`` consecutive volunteer numbers (row-locked counter per prefix, so
    concurrent registrations never share a number)."""
    with transaction.atomic():
        first = number_counter_lock(prefix) + 1
        number_counter_set(prefix, first + count - 1)
    return [number_text(prefix, seq) for seq in range(first, first + count)]


def _check_residence(region: Region | None, label: str) -> None:
    if region is not None and region.level != Level.VILLAGE:
        raise ValidationError(f"{label}须为村（社区）一级的区划")


def volunteer_register(
    *,
    name: str,
    id_type: str,
    id_number: str,
    phone: str,
    residence: Region | None,
    political_status: str,
    skills: str = "",
    availability: str = "any",
    home_org: VolunteerOrg | None = None,
    user=None,
    dual_report_unit: Organisation | None = None,
    dual_report_community: Region | None = None,
    consent_version: str = CONSENT_VERSION,
) -> Volunteer:
    """Register one volunteer (real name). Raises ValidationError in Chinese for a bad ID or
    phone, or an ID number that is already registered (one volunteer per document)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写姓名")
    info = validate_id(id_type, id_number)
    phone = validate_phone(phone)
    _check_residence(residence, "居住社区")
    _check_residence(dual_report_community, "报到社区")
    digest = id_hash(info.id_type, info.number)
    if Volunteer.objects.filter(id_hash=digest).exists():
        raise ValidationError("该证件号已登记为志愿者，请勿重复注册")
    with transaction.atomic():
        number = number_allocate(prefix=number_prefix(residence=residence, home_org=home_org))[0]
        volunteer = Volunteer(
            number=number,
            name=name,
            id_type=info.id_type,
            id_number_enc=encrypt(info.number),
            id_hash=digest,
            id_masked=mask_id(info.number),
            birth_date=info.birth_date,
            sex=info.sex,
            phone_enc=encrypt(phone),
            phone_hash=phone_hash(phone),
            phone_masked=mask_phone(phone),
            residence=residence,
            residence_code=residence.code if residence else "",
            political_status=political_status,
            skills=skills.strip(),
            availability=availability,
            home_org=home_org,
            user=user,
            dual_report_unit=dual_report_unit,
            dual_report_community=dual_report_community,
            consent_at=timezone.now(),
            consent_version=consent_version,
        )
        try:
            with transaction.atomic():
                volunteer.save()
        except IntegrityError as exc:  # a concurrent registration of the same document won
            raise ValidationError("该证件号已登记为志愿者，请勿重复注册") from exc
        audit_record(action=Action.CREATE, obj=volunteer, after=_vsnap(volunteer))
    return volunteer


def volunteer_self_register(*, password: str, **fields) -> Volunteer:
    """Self-registration: the volunteer and a login account (username = volunteer number), in one
    transaction. The password must pass the platform's rules (raises ValidationError)."""
    from django.contrib.auth.password_validation import validate_password

    from wenming.orgs.models import Profile

    with transaction.atomic():
        volunteer = volunteer_register(**fields)
        user = User(username=volunteer.number)
        validate_password(password, user)
        user.set_password(password)
        user.save()
        Profile.objects.create(user=user, display_name=volunteer.name, phone="")
        audit_record(
            action=Action.CREATE,
            obj=user,
            object_repr=f"{volunteer.name}（{user.username}）",
            after=snapshot(user),
            region_code=volunteer.residence_code,
            org_id=None,
        )
        volunteer.user = user
        volunteer.save(update_fields=["user"])
    return volunteer


def volunteer_update(
    *,
    volunteer: Volunteer,
    phone: str,
    residence: Region | None,
    political_status: str,
    skills: str = "",
    availability: str = "any",
) -> Volunteer:
    """Correct the fields a volunteer may correct themself (name and ID are real-name data: an
    admin flow with evidence, not built yet). The phone is re-validated, re-encrypted, re-hashed."""
    phone = validate_phone(phone)
    _check_residence(residence, "居住社区")
    with transaction.atomic():
        before = _vsnap(volunteer)
        volunteer.phone_enc = encrypt(phone)
        volunteer.phone_hash = phone_hash(phone)
        volunteer.phone_masked = mask_phone(phone)
        volunteer.residence = residence
        volunteer.residence_code = residence.code if residence else ""
        volunteer.political_status = political_status
        volunteer.skills = skills.strip()
        volunteer.availability = availability
        volunteer.save()
        audit_record(action=Action.UPDATE, obj=volunteer, before=before, after=_vsnap(volunteer))
    return volunteer


def volunteer_reveal(*, volunteer: Volunteer, purpose: str = "detail") -> tuple[str, str]:
    """The clear ID number and phone, for a caller that has checked the right to see them
    (selectors.volunteer_may_unmask). Every call is audited as VIEW_SENSITIVE."""
    from wenming.orgs.personal import decrypt

    with transaction.atomic():
        audit_record(
            action=Action.VIEW_SENSITIVE,
            obj=volunteer,
            changes={"查看": ["", "完整证件号与手机号"], "用途": ["", purpose]},
        )
    return decrypt(volunteer.id_number_enc), decrypt(volunteer.phone_enc)


# --- Team membership ------------------------------------------------------------------------


def membership_apply(*, volunteer: Volunteer, team: Team, note: str = "") -> TeamMembership:
    if not team.is_active or not team.org.is_active:
        raise ValidationError("该队伍已停用，不能申请加入")
    if TeamMembership.objects.filter(team=team, volunteer=volunteer, status__in=ACTIVE_STATUSES).exists():
        raise ValidationError("您已申请或已加入该队伍")
    with transaction.atomic():
        try:
            with transaction.atomic():
                membership = TeamMembership.objects.create(team=team, volunteer=volunteer, note=note[:200])
        except IntegrityError as exc:
            raise ValidationError("您已申请或已加入该队伍") from exc
        audit_record(action=Action.CREATE, obj=membership, after=snapshot(membership))
    return membership


def membership_decide(*, membership: TeamMembership, approve: bool, user, note: str = "") -> TeamMembership:
    """Approve or reject an application; only the team's organisation admins (or the platform)
    may (checked by the caller through selectors.may_manage_vorg)."""
    if membership.status != MembershipStatus.APPLIED:
        raise ValidationError("该申请已处理")
    with transaction.atomic():
        before = snapshot(membership)
        membership.status = MembershipStatus.APPROVED if approve else MembershipStatus.REJECTED
        membership.decided_at = timezone.now()
        membership.decided_by = user
        if note:
            membership.note = note[:200]
        membership.save(update_fields=["status", "decided_at", "decided_by", "note"])
        audit_record(action=Action.UPDATE, obj=membership, before=before, after=snapshot(membership))
    return membership


def membership_leave(*, membership: TeamMembership) -> TeamMembership:
    """The volunteer leaves a team (or withdraws an application); the row stays as history."""
    if membership.status not in ACTIVE_STATUSES:
        raise ValidationError("您不在该队伍中")
    with transaction.atomic():
        before = snapshot(membership)
        membership.status = MembershipStatus.LEFT
        membership.decided_at = timezone.now()
        membership.save(update_fields=["status", "decided_at"])
        audit_record(action=Action.UPDATE, obj=membership, before=before, after=snapshot(membership))
    return membership


def membership_add_approved(*, volunteer: Volunteer, team: Team, user) -> TeamMembership:
    """An org admin puts a volunteer they registered straight into a team (no application)."""
    membership = membership_apply(volunteer=volunteer, team=team, note="管理员登记")
    return membership_decide(membership=membership, approve=True, user=user)


def require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)
