"""Region import (区划导入): a spreadsheet of 区划代码 + 名称, checked in full before anything is written.

Every row is validated first; any error means nothing is imported and every error is reported
with its row, column and a Chinese reason. Only when the whole file is clean are the regions
created, in one transaction, parents first (services.region_import_apply).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

from wenming.orgs import services
from wenming.orgs.access import get_scope
from wenming.orgs.models import Region, Role
from wenming.orgs.regions import is_valid_code, parent_code
from wenming.web.excel import Table, TableError, read_table

CODE = "区划代码"
NAME = "名称"
ALIASES = {
    "代码": CODE,
    "统计用区划代码": CODE,
    "行政区划代码": CODE,
    "区划编码": CODE,
    "区划名称": NAME,
    "行政区划名称": NAME,
}
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
NAME_MAX_LENGTH = Region._meta.get_field("name").max_length


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based row number in the file; 0 for the file as a whole
    column: str  # column letter and header, e.g. "A 列（区划代码）"; empty for the file
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "文件"
        return f"{where} {self.column}：{self.message}" if self.column else f"{where}：{self.message}"


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    to_create: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0  # rows naming a region that already exists with the same name
    created: list[Region] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _column(table: Table, name: str) -> str:
    letter = table.column_letter(name)
    return f"{letter} 列（{name}）" if letter else f"（{name}）"


def region_import_check(*, file, user) -> ImportReport:
    """Read and validate the whole file; writes nothing."""
    scope = get_scope(user)
    if not scope.has_role(Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN):
        raise PermissionDenied("只有平台管理员和文明办管理员可以导入区划")
    report = ImportReport()
    try:
        table = read_table(
            file, max_rows=MAX_ROWS, max_bytes=MAX_BYTES, required_headers=[CODE, NAME], aliases=ALIASES
        )
    except TableError as exc:
        report.errors.append(RowError(0, "", exc.message))
        return report
    if not table.rows:
        report.errors.append(RowError(0, "", "表头下没有数据行"))
        return report

    code_col, name_col = _column(table, CODE), _column(table, NAME)
    seen: dict[str, int] = {}
    candidates: list[tuple[int, str, str]] = []
    for row in table.rows:
        code = row.get(CODE).replace(" ", "").replace("\u3000", "")
        name = row.get(NAME).strip()
        bad = False
        if not code:
            report.errors.append(RowError(row.number, code_col, "区划代码不能为空"))
            bad = True
        elif not code.isdigit() or len(code) != 12:
            report.errors.append(RowError(row.number, code_col, f"“{code}”不是 12 位数字的统计用区划代码"))
            bad = True
        elif not is_valid_code(code):
            report.errors.append(
                RowError(row.number, code_col, f"“{code}”不是有效的区划代码：上级各段不能为全 0（如“省-00-县”这样的空段）")
            )
            bad = True
        elif code in seen:
            report.errors.append(RowError(row.number, code_col, f"区划代码“{code}”与第 {seen[code]} 行重复"))
            bad = True
        if not name:
            report.errors.append(RowError(row.number, name_col, "名称不能为空"))
            bad = True
        elif len(name) > NAME_MAX_LENGTH:
            report.errors.append(RowError(row.number, name_col, f"名称过长：不能超过 {NAME_MAX_LENGTH} 个字"))
            bad = True
        if code and code not in seen:
            seen[code] = row.number
        if not bad:
            if not _may_import(scope, code):
                report.errors.append(
                    RowError(row.number, code_col, f"区划“{code}”不在您管辖的范围内（{_scope_label(scope)}）")
                )
                continue
            candidates.append((row.number, code, name))

    existing = {
        r.code: r.name
        for r in Region.objects.filter(
            code__in={c for _, c, _ in candidates} | {parent_code(c) for _, c, _ in candidates if parent_code(c)}
        )
    }
    in_file = set(seen)
    for number, code, name in candidates:
        if code in existing:
            if existing[code] != name:
                report.errors.append(
                    RowError(number, name_col, f"区划代码“{code}”已存在，名称为“{existing[code]}”，与本行的“{name}”不一致")
                )
            else:
                report.unchanged += 1
            continue
        pcode = parent_code(code)
        if pcode and pcode not in existing and pcode not in in_file:
            report.errors.append(
                RowError(number, code_col, f"上级区划“{pcode}”不存在：既不在系统中，也不在本文件中")
            )
            continue
        report.to_create.append((code, name))
    report.errors.sort(key=lambda e: (e.row, e.column))
    return report


def region_import(*, file, user, source_name: str) -> ImportReport:
    """Check the file and, only if every row is clean, create its new regions (all or nothing)."""
    report = region_import_check(file=file, user=user)
    if report.ok and report.to_create:
        report.created = services.region_import_apply(
            items=report.to_create, source_name=source_name, unchanged=report.unchanged
        )
    return report


def _may_import(scope, code: str) -> bool:
    """Platform admins import anywhere; office admins only inside their own subtree."""
    if scope.is_platform:
        return True
    return any(code.startswith(prefix) for prefix in scope.admin_prefixes)


def _scope_label(scope) -> str:
    if not scope.admin_prefixes:
        return "无管辖区划"
    return "您的辖区代码前缀：" + "、".join(scope.admin_prefixes)
