"""Point import (点位导入): a spreadsheet of points and their 包保单位, checked in full first.

Every row is validated before anything is written; any error means nothing is imported and each
error names its row, column and reason in Chinese. Units are matched by their exact name among
the units the importer can see; regions by 12-digit code inside the importer's subtree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied

from wenming.inspections import services
from wenming.inspections.models import InspectionPoint, PointType
from wenming.orgs.access import scoped
from wenming.orgs.models import Organisation, OrgKind, Region
from wenming.web.excel import Table, TableError, read_table

NAME, TYPE, REGION, UNIT = "点位名称", "点位类型", "区划代码", "包保单位"
ADDRESS, LAT, LNG = "地址", "纬度", "经度"
ALIASES = {"名称": NAME, "类型": TYPE, "所属区划代码": REGION, "责任单位": UNIT, "包保责任单位": UNIT}
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
NAME_MAX = InspectionPoint._meta.get_field("name").max_length
ADDRESS_MAX = InspectionPoint._meta.get_field("address").max_length


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "文件"
        return f"{where} {self.column}：{self.message}" if self.column else f"{where}：{self.message}"


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    created: list[InspectionPoint] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _col(table: Table, name: str) -> str:
    letter = table.column_letter(name)
    return f"{letter} 列（{name}）" if letter else f"（{name}）"


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def point_import_check(*, file, user) -> ImportReport:
    """Read and validate the whole file; writes nothing."""
    if not services.may_manage_points(user):
        raise PermissionDenied("只有平台管理员和文明办管理员可以导入点位")
    report = ImportReport()
    try:
        table = read_table(
            file,
            max_rows=MAX_ROWS,
            max_bytes=MAX_BYTES,
            required_headers=[NAME, TYPE, REGION, UNIT],
            optional_headers=[ADDRESS, LAT, LNG],
            aliases=ALIASES,
        )
    except TableError as exc:
        report.errors.append(RowError(0, "", exc.message))
        return report
    if not table.rows:
        report.errors.append(RowError(0, "", "表头下没有数据行"))
        return report

    types = {t.name: t for t in PointType.objects.filter(is_active=True)}
    codes = {r.get(REGION).strip() for r in table.rows}
    regions = {r.code: r for r in scoped(Region, user).filter(code__in=codes)}
    unit_names = {r.get(UNIT).strip() for r in table.rows}
    units: dict[str, list[Organisation]] = {}
    for org in scoped(Organisation, user).filter(kind=OrgKind.UNIT, is_active=True, name__in=unit_names):
        units.setdefault(org.name, []).append(org)
    existing = set(
        InspectionPoint.objects.filter(
            region__code__in=codes, name__in={r.get(NAME).strip() for r in table.rows}
        ).values_list("region__code", "name")
    )
    seen: dict[tuple[str, str], int] = {}
    for row in table.rows:
        errors_before = len(report.errors)

        def bad(column: str, message: str, _row=row) -> None:
            report.errors.append(RowError(_row.number, _col(table, column), message))

        name, type_name = row.get(NAME).strip(), row.get(TYPE).strip()
        code, unit_name = row.get(REGION).strip(), row.get(UNIT).strip()
        address = row.get(ADDRESS).strip()
        if not name:
            bad(NAME, "点位名称不能为空")
        elif len(name) > NAME_MAX:
            bad(NAME, f"点位名称过长：不能超过 {NAME_MAX} 个字")
        point_type = types.get(type_name)
        if point_type is None:
            bad(TYPE, f"“{type_name}”不是已设置的点位类型" if type_name else "点位类型不能为空")
        region = regions.get(code)
        if region is None:
            bad(REGION, f"区划“{code}”不存在或不在您的管辖范围内" if code else "区划代码不能为空")
        matches = units.get(unit_name, [])
        if not unit_name:
            bad(UNIT, "包保单位不能为空")
        elif not matches:
            bad(UNIT, f"在您的管辖范围内没有名为“{unit_name}”的启用中的创建单位（须与单位名称完全一致）")
        elif len(matches) > 1:
            bad(UNIT, f"有 {len(matches)} 个单位名为“{unit_name}”，无法确定是哪一个")
        if len(address) > ADDRESS_MAX:
            bad(ADDRESS, f"地址过长：不能超过 {ADDRESS_MAX} 个字")
        lat_text, lng_text = row.get(LAT).strip(), row.get(LNG).strip()
        lat = _decimal(lat_text) if lat_text else None
        lng = _decimal(lng_text) if lng_text else None
        if lat_text and (lat is None or not -90 <= lat <= 90):
            bad(LAT, f"“{lat_text}”不是有效的纬度（-90 到 90）")
        if lng_text and (lng is None or not -180 <= lng <= 180):
            bad(LNG, f"“{lng_text}”不是有效的经度（-180 到 180）")
        if bool(lat_text) != bool(lng_text):
            bad(LAT if not lat_text else LNG, "经度和纬度须同时填写或同时留空")
        if name and code:
            key = (code, name)
            if key in seen:
                bad(NAME, f"与第 {seen[key]} 行重复（同一区划下的同名点位）")
            elif key in existing:
                bad(NAME, f"区划“{code}”下已有名为“{name}”的点位")
            seen.setdefault(key, row.number)
        if len(report.errors) == errors_before:
            report.rows.append(
                {
                    "name": name,
                    "point_type": point_type,
                    "region": region,
                    "responsible_unit": matches[0],
                    "address": address,
                    "latitude": lat.quantize(Decimal("0.000001")) if lat is not None else None,
                    "longitude": lng.quantize(Decimal("0.000001")) if lng is not None else None,
                }
            )
    return report


def point_import(*, file, user, source_name: str) -> ImportReport:
    """Check the file and, only if every row is clean, create all its points (all or nothing)."""
    report = point_import_check(file=file, user=user)
    if report.ok:
        report.created = services.point_import_apply(rows=report.rows, source_name=source_name)
    return report
