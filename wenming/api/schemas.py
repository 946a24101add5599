"""Response schemas of /api/v1/ (field names are English; labels carry the Chinese display value)."""

from __future__ import annotations

from ninja import Field, Schema


class RegionOut(Schema):
    id: int
    code: str = Field(description="12 位统计用区划代码")
    name: str
    level: int = Field(description="1 省 · 2 市 · 3 县（区）· 4 乡镇（街道）· 5 村（社区）")
    level_label: str
    parent_id: int | None

    @staticmethod
    def resolve_level_label(obj) -> str:
        return str(obj.get_level_display())


class OrganisationOut(Schema):
    id: int
    kind: str = Field(description="office 文明办 · unit 创建单位")
    kind_label: str
    name: str
    short_name: str
    region_id: int
    region_code: str
    region_name: str
    unit_type: str
    unit_type_label: str
    supervisor_id: int | None
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_region_name(obj) -> str:
        # List queries annotate the name (organisation_list); a single object has its region.
        name = getattr(obj, "region_name", None)
        return name if name is not None else obj.region.name

    @staticmethod
    def resolve_unit_type_label(obj) -> str:
        return str(obj.get_unit_type_display()) if obj.unit_type else ""


class OrganisationListItem(OrganisationOut):
    member_count: int


class DepartmentOut(Schema):
    id: int
    organisation_id: int
    name: str
    sort_order: int


class MembershipOut(Schema):
    organisation_id: int | None
    organisation_name: str
    role: str
    role_label: str
    department_id: int | None

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name if obj.organisation_id else ""

    @staticmethod
    def resolve_role_label(obj) -> str:
        return str(obj.get_role_display())


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    is_platform: bool
    roles: list[str]
    memberships: list[MembershipOut]


class ErrorOut(Schema):
    detail: str
