"""Every write to organisations, users and memberships. Each one is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.orgs.models import (
    OFFICE_ROLES,
    UNIT_ROLES,
    Department,
    Membership,
    Organisation,
    OrgKind,
    Profile,
    Region,
    Role,
)
from wenming.orgs.regions import is_valid_code, level_of, parent_code, prefix_of

if TYPE_CHECKING:
    from wenming.orgs.access import Scope

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


def user_create(
    *,
    username: str,
    display_name: str,
    password: str | None,
    phone: str = "",
    email: str = "",
    organisation: Organisation | None = None,
) -> User:
    """Create a user and their profile. ``organisation`` (the one they join first) files the
    audit entry under it, so that organisation's office admins see who was created."""
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
        audit_record(
            action=Action.CREATE,
            obj=user,
            object_repr=f"{display_name}（{username}）",
            after=snapshot(user),
            region_code=organisation.region_code if organisation else "",
            org_id=organisation.pk if organisation else None,
        )
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


# --- Rules: who may do what (pure functions of the acting user's scope) --------------------------
#
# Scope limits what a user *sees* (orgs.access); these rules decide what an administrator may
# *change* among what they see. Views call them after fetching the object through ``access``, so
# an object out of scope is a 404 before any rule is asked.


def may_grant(*, scope: Scope, role: str, organisation: Organisation | None) -> bool:
    """May this administrator grant (or revoke) ``role`` in ``organisation``?

    Platform admins grant anything, and alone grant platform_admin. An office admin grants office
    roles in offices of their subtree and unit roles in units of their subtree. A unit admin grants
    unit_admin/dept_lead in their own unit only.
    """
    if role == Role.PLATFORM_ADMIN:
        return scope.is_platform and organisation is None
    if organisation is None:
        return False
    if role in OFFICE_ROLES:
        if organisation.kind != OrgKind.OFFICE:
            return False
        return scope.is_platform or _in_admin_subtree(scope, organisation.region_code)
    if role in UNIT_ROLES:
        if organisation.kind != OrgKind.UNIT:
            return False
        return (
            scope.is_platform
            or organisation.pk in scope.admin_unit_ids
            or _in_admin_subtree(scope, organisation.region_code)
        )
    return False


def grantable_roles(*, scope: Scope, organisation: Organisation | None) -> list[str]:
    return [role for role in Role.values if may_grant(scope=scope, role=role, organisation=organisation)]


def grantable_roles_anywhere(*, scope: Scope) -> list[str]:
    """Every role this administrator may grant in some organisation (for a form's role list)."""
    if scope.is_platform:
        return list(Role.values)
    roles: set[str] = set()
    if scope.admin_prefixes:
        roles |= OFFICE_ROLES | UNIT_ROLES
    if scope.admin_unit_ids:
        roles |= UNIT_ROLES
    return [r for r in Role.values if r in roles]


def _in_admin_subtree(scope: Scope, region_code: str) -> bool:
    return any(region_code.startswith(p) for p in scope.admin_prefixes)


def may_create_organisation(*, scope: Scope, kind: str, region: Region) -> bool:
    """Offices and units are created by platform admins anywhere and by office admins within
    their subtree; a new office only strictly below the admin's own region (an office does not
    create its peer)."""
    if scope.is_platform:
        return True
    if kind == OrgKind.OFFICE:
        return any(region.code.startswith(p) and region.prefix != p for p in scope.admin_prefixes)
    return _in_admin_subtree(scope, region.code)


def may_edit_organisation(*, scope: Scope, organisation: Organisation) -> bool:
    """Settings of an organisation: platform, or an office admin whose subtree holds it."""
    return scope.is_platform or _in_admin_subtree(scope, organisation.region_code)


def may_manage_departments(*, scope: Scope, organisation: Organisation) -> bool:
    """Departments: the unit's own admin, or an office admin above it."""
    return organisation.kind == OrgKind.UNIT and scope.administers(organisation)


def may_manage_user(*, scope: Scope, user: User) -> bool:
    """Profile, status and password of a user: platform admins; otherwise an administrator of
    every organisation the user belongs to (so a county admin cannot switch off someone who also
    works for another county). Platform admins are managed by platform admins only."""
    if scope.is_platform:
        return True
    memberships = list(Membership.objects.filter(user=user).select_related("organisation"))
    if not memberships:
        return False
    return all(m.organisation is not None and scope.administers(m.organisation) for m in memberships)


def may_create_user(*, scope: Scope) -> bool:
    return scope.is_platform or bool(scope.admin_prefixes or scope.admin_unit_ids)


def grantable_organisations(*, scope: Scope) -> QuerySet[Organisation]:
    """Organisations in which this administrator may grant at least one role."""
    if scope.is_platform:
        return Organisation.objects.filter(is_active=True)
    q = Q(pk__in=scope.admin_unit_ids)
    for prefix in scope.admin_prefixes:
        q |= Q(region_code__startswith=prefix)
    return Organisation.objects.filter(q, is_active=True)


# --- Regions --------------------------------------------------------------------------------


def region_import_apply(*, items: list[tuple[str, str]], source_name: str, unchanged: int = 0) -> list[Region]:
    """Create regions from a validated import (see orgs.imports), parents first, all or nothing.

    Audit: ONE ``IMPORT`` entry per file, holding the file name, the counts and every created
    region (code → name). An import is one act by one person from one file, and one entry records
    it completely. One entry per region was measured and refused: each append locks the chain
    head, so a 5,000-row file took ~40 s on PostgreSQL here while blocking every other audited
    write; the single entry costs the same whatever the file's size. The entry is filed under
    the regions' common ancestor, so the importing office sees it; the audit page's text filter
    finds it by any created code.
    """
    by_level: dict[int, list[tuple[str, str]]] = {}
    for code, name in items:
        by_level.setdefault(level_of(code), []).append((code, name))
    created: list[Region] = []
    with transaction.atomic():
        parent_codes = {parent_code(code) for code, _ in items} - {None}
        known = dict(Region.objects.filter(code__in=parent_codes).values_list("code", "pk"))
        for level in sorted(by_level):
            batch = []
            for code, name in sorted(by_level[level]):
                pcode = parent_code(code)
                if pcode and pcode not in known:
                    raise ValidationError(f"区划代码“{code}”的上级“{pcode}”不存在")
                batch.append(
                    Region(code=code, prefix=prefix_of(code), name=name, level=level, parent_id=known.get(pcode))
                )
            Region.objects.bulk_create(batch, batch_size=1000)
            # Read the ids back (not every backend returns them from a bulk insert).
            fresh = list(Region.objects.filter(code__in=[r.code for r in batch]).order_by("code"))
            known.update((r.code, r.pk) for r in fresh)
            created.extend(fresh)
        if created:
            audit_record(
                action=Action.IMPORT,
                object_type="orgs.region",
                object_repr=f"区划导入：{source_name}（新增 {len(created)} 个）"[:200],
                changes={
                    "文件": source_name,
                    "新增": len(created),
                    "已存在未改动": unchanged,
                    "新增区划": {r.code: r.name for r in created},
                },
                region_code=_common_ancestor([r.code for r in created]),
                org_id=None,
            )
    return created


def _common_ancestor(codes: list[str]) -> str:
    """The deepest region code that is an ancestor-or-self of every code (for scoping an entry)."""
    if not codes:
        return ""
    candidate = codes[0]
    while candidate:
        prefix = prefix_of(candidate)
        if all(code.startswith(prefix) for code in codes):
            return candidate
        candidate = parent_code(candidate)
    return ""


# --- Organisations and departments -----------------------------------------------------------


def department_update(*, department: Department, name: str, sort_order: int | None = None) -> Department:
    name = name.strip()
    if not name:
        raise ValidationError("科室名称不能为空")
    if Department.objects.filter(organisation_id=department.organisation_id, name=name).exclude(pk=department.pk).exists():
        raise ValidationError(f"本单位已有名为“{name}”的科室")
    with transaction.atomic():
        before = snapshot(department)
        department.name = name
        if sort_order is not None:
            department.sort_order = sort_order
        department.save()
        audit_record(action=Action.UPDATE, obj=department, before=before, after=snapshot(department))
    return department


def department_delete(*, department: Department) -> None:
    """Remove a department. Refused while someone leads it (their role would lose its meaning) or
    while other records point at it."""
    from django.db.models import ProtectedError

    if Membership.objects.filter(department=department).exists():
        raise ValidationError(f"科室“{department.name}”仍有科室责任人，请先撤销其角色")
    with transaction.atomic():
        audit_record(action=Action.DELETE, obj=department, before=snapshot(department))
        try:
            department.delete()
        except ProtectedError as exc:
            raise ValidationError(f"科室“{department.name}”已被其他记录引用，不能删除") from exc


def department_lead_set(*, department: Department, user: User) -> Membership:
    """Make ``user`` the lead of ``department`` (a dept_lead membership in its unit)."""
    organisation = department.organisation
    existing = Membership.objects.filter(user=user, organisation=organisation, role=Role.DEPT_LEAD).first()
    if existing is not None:
        if existing.department_id == department.pk:
            return existing
        raise ValidationError("该用户已是本单位另一科室的责任人，请先撤销其原角色")
    return membership_add(user=user, role=Role.DEPT_LEAD, organisation=organisation, department=department)


# --- Users ----------------------------------------------------------------------------------

_PASSWORD_ALPHABETS = ("ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "#@%&*+=?!")


def password_generate(length: int = 12) -> str:
    """A random initial password meeting the password rules (every character class, no look-alikes)."""
    import secrets

    chars = [secrets.choice(alphabet) for alphabet in _PASSWORD_ALPHABETS]
    pool = "".join(_PASSWORD_ALPHABETS)
    chars += [secrets.choice(pool) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def user_onboard(
    *,
    username: str,
    display_name: str,
    password: str | None,
    phone: str = "",
    email: str = "",
    role: str,
    organisation: Organisation | None,
    department: Department | None = None,
) -> tuple[User, str]:
    """Create a user with their first role, in one transaction. Without ``password`` one is
    generated; the password is returned so it can be shown once and never again."""
    password = password or password_generate()
    with transaction.atomic():
        user = user_create(
            username=username,
            display_name=display_name,
            password=password,
            phone=phone,
            email=email,
            organisation=organisation,
        )
        membership_add(user=user, role=role, organisation=organisation, department=department)
    return user, password


def user_update(*, user: User, display_name: str, phone: str = "", email: str | None = None) -> User:
    display_name = display_name.strip()
    if not display_name:
        raise ValidationError("姓名不能为空")
    with transaction.atomic():
        profile, _ = Profile.objects.get_or_create(user=user, defaults={"display_name": display_name})
        before = {**snapshot(profile, ["display_name", "phone"]), "email": user.email}
        profile.display_name = display_name
        profile.phone = phone.strip()
        profile.save()
        if email is not None and email != user.email:
            user.email = email
            user.save(update_fields=["email"])
        after = {**snapshot(profile, ["display_name", "phone"]), "email": user.email}
        audit_record(
            action=Action.UPDATE,
            obj=user,
            object_repr=f"{display_name}（{user.get_username()}）",
            before=before,
            after=after,
            **_user_location(user),
        )
    return user


def user_set_active(*, user: User, active: bool, actor_id: int | None = None) -> User:
    """Deactivate (the user can no longer sign in; records stay) or reactivate a user."""
    if not active and actor_id is not None and user.pk == actor_id:
        raise ValidationError("不能停用自己的账号")
    if user.is_active == active:
        return user
    with transaction.atomic():
        before = snapshot(user, ["is_active"])
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            action=Action.UPDATE,
            obj=user,
            object_repr=_user_repr(user),
            before=before,
            after=snapshot(user, ["is_active"]),
            **_user_location(user),
        )
    return user


def user_password_reset(*, user: User, password: str | None = None) -> str:
    """Set a new password (generated unless given); returned so it can be shown once."""
    from django.contrib.auth.password_validation import validate_password

    password = password or password_generate()
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            action=Action.PASSWORD_CHANGE,
            obj=user,
            object_repr=_user_repr(user),
            changes={"password": ["***", "***（管理员重置）"]},
            **_user_location(user),
        )
    return password


def _user_repr(user: User) -> str:
    profile = Profile.objects.filter(user=user).only("display_name").first()
    return f"{profile.display_name}（{user.get_username()}）" if profile else user.get_username()


def _user_location(user: User) -> dict:
    """Entries about a user are filed under their first organisation, so the office above sees them."""
    org = (
        Organisation.objects.filter(memberships__user=user).order_by("memberships__id").only("id", "region_code").first()
    )
    if org is None:
        return {"region_code": "", "org_id": None}
    return {"region_code": org.region_code, "org_id": org.pk}


def membership_remove_checked(*, membership: Membership, scope: Scope) -> None:
    """Revoke a role on behalf of an administrator: only what they may grant, and never their
    own administrator role (someone else must do that, so nobody locks themselves out)."""
    if not may_grant(scope=scope, role=membership.role, organisation=membership.organisation):
        raise PermissionDenied("您不能撤销该角色")
    if membership.user_id == scope.user_id and membership.role in (Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN, Role.UNIT_ADMIN):
        raise ValidationError("不能撤销自己的管理员角色，请由其他管理员操作")
    membership_remove(membership=membership)
