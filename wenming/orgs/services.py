"""Every write to organisations, users and memberships. Each one is audited."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.orgs.models import Department, Membership, Organisation, OrgKind, Profile, Region, Role
from wenming.orgs.regions import is_valid_code, level_of, parent_code, prefix_of

User = get_user_model()


def region_create(*, code: str, name: str) -> Region:
    if not is_valid_code(code):
        raise ValidationError(f"区划代码“{code}”无效：应为 12 位数字的统计用区划代码")
    parent = None
    pcode = parent_code(code)
    if pcode is not None:
        parent = Region.objects.filter(code=pcode).first()
        if parent is None:
            raise ValidationError(f"区划代码“{code}”的上级“{pcode}”不存在")
    with transaction.atomic():
        region = Region.objects.create(code=code, prefix=prefix_of(code), name=name, level=level_of(code), parent=parent)
        audit_record(action=Action.CREATE, obj=region, after=snapshot(region))
    return region


def organisation_create(
    *,
    kind: str,
    name: str,
    region: Region,
    unit_type: str = "",
    supervisor: Organisation | None = None,
    short_name: str = "",
    credit_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> Organisation:
    if kind == OrgKind.OFFICE and unit_type:
        raise ValidationError("文明办不设单位类型")
    if kind == OrgKind.UNIT and not unit_type:
        raise ValidationError("请选择单位类型")
    with transaction.atomic():
        org = Organisation(
            kind=kind,
            name=name,
            region=region,
            region_code=region.code,
            unit_type=unit_type if kind == OrgKind.UNIT else "",
            supervisor=supervisor,
            short_name=short_name,
            credit_code=credit_code,
            contact_name=contact_name,
            contact_phone=contact_phone,
        )
        org.full_clean()
        org.save()
        audit_record(action=Action.CREATE, obj=org, after=snapshot(org))
    return org


def organisation_update(*, org: Organisation, **fields) -> Organisation:
    with transaction.atomic():
        before = snapshot(org)
        for key, value in fields.items():
            setattr(org, key, value)
        if "region" in fields:
            org.region_code = org.region.code
        org.full_clean()
        org.save()
        audit_record(action=Action.UPDATE, obj=org, before=before, after=snapshot(org))
    return org


def department_create(*, organisation: Organisation, name: str, sort_order: int = 0) -> Department:
    if organisation.kind != OrgKind.UNIT:
        raise ValidationError("只有创建单位可以设置科室")
    with transaction.atomic():
        dept = Department.objects.create(organisation=organisation, name=name, sort_order=sort_order)
        audit_record(action=Action.CREATE, obj=dept, after=snapshot(dept))
    return dept


def user_create(*, username: str, display_name: str, password: str | None, phone: str = "", email: str = "") -> User:
    from django.contrib.auth.password_validation import validate_password

    if User.objects.filter(username=username).exists():
        raise ValidationError(f"用户名“{username}”已存在")
    with transaction.atomic():
        user = User(username=username, email=email)
        if password:
            validate_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        Profile.objects.create(user=user, display_name=display_name, phone=phone)
        audit_record(action=Action.CREATE, obj=user, object_repr=f"{display_name}（{username}）", after=snapshot(user))
    return user


def _check_membership(role: str, organisation: Organisation | None, department: Department | None) -> None:
    if role == Role.PLATFORM_ADMIN:
        if organisation is not None:
            raise ValidationError("平台管理员不属于任何组织")
        return
    if organisation is None:
        raise ValidationError("请选择组织")
    if role in (Role.OFFICE_ADMIN, Role.OFFICE_INSPECTOR) and organisation.kind != OrgKind.OFFICE:
        raise ValidationError("文明办角色只能授予文明办的成员")
    if role in (Role.UNIT_ADMIN, Role.DEPT_LEAD) and organisation.kind != OrgKind.UNIT:
        raise ValidationError("单位角色只能授予创建单位的成员")
    if role == Role.DEPT_LEAD and (department is None or department.organisation_id != organisation.pk):
        raise ValidationError("科室责任人须指定本单位的科室")


def membership_add(
    *, user: User, role: str, organisation: Organisation | None = None, department: Department | None = None
) -> Membership:
    _check_membership(role, organisation, department)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role, defaults={"department": department}
        )
        if created:
            audit_record(
                action=Action.MEMBERSHIP_ADD,
                obj=membership,
                object_repr=str(membership),
                after=snapshot(membership),
                region_code=organisation.region_code if organisation else "",
                org_id=organisation.pk if organisation else None,
            )
    return membership


def membership_remove(*, membership: Membership) -> None:
    with transaction.atomic():
        org = membership.organisation
        audit_record(
            action=Action.MEMBERSHIP_REMOVE,
            obj=membership,
            object_repr=str(membership),
            before=snapshot(membership),
            region_code=org.region_code if org else "",
            org_id=org.pk if org else None,
        )
        membership.delete()
