"""Bulk assignment by spreadsheet (任务分解表): download the template, fill in 责任科室 / 责任人 /
完成时限, upload. Rows are matched by 任务编码. Every problem is reported by row and column in
Chinese and nothing is applied unless the whole file is clean."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wenming.campaigns.forms import unit_users
from wenming.campaigns.models import Campaign, Task
from wenming.campaigns.services import Assignment
from wenming.orgs.models import Department
from wenming.web.excel import TableError, read_table

HEADERS = ["任务编码", "任务名称", "责任科室", "责任人", "完成时限"]
REQUIRED = ["任务编码", "责任科室", "责任人", "完成时限"]
MAX_ROWS = 3000
MAX_BYTES = 2 * 1024 * 1024


@dataclass
class RowError:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message


def template_rows(tasks: list[Task]):
    for t in tasks:
        yield [
            t.code,
            t.title,
            t.department.name if t.department else "",
            _person(t.assignee),
            t.due_override or "",
        ]


def _person(user) -> str:
    if user is None:
        return ""
    return user.username


def _parse_date(text: str) -> dt.date | None:
    text = text.strip().split(" ")[0]
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_assignments(*, file, campaign: Campaign) -> tuple[list[Assignment], list[RowError]]:
    """Check every row; return the assignments (only meaningful when there are no errors)."""
    try:
        table = read_table(
            file,
            max_rows=MAX_ROWS,
            max_bytes=MAX_BYTES,
            required_headers=REQUIRED,
            optional_headers=["任务名称"],
        )
    except TableError as exc:
        return [], [RowError("", exc.message)]
    tasks = {t.code: t for t in Task.objects.filter(campaign=campaign, merged_into__isnull=True)}
    departments = {d.name: d for d in Department.objects.filter(organisation_id=campaign.unit_id)}
    users = list(unit_users(campaign.unit_id))
    by_username = {u.username: u for u in users}
    by_name: dict[str, list] = {}
    for u in users:
        name = getattr(getattr(u, "profile", None), "display_name", "")
        if name:
            by_name.setdefault(name, []).append(u)
    errors: list[RowError] = []
    out: list[Assignment] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        n = row.number
        code = row.get("任务编码")
        task = tasks.get(code)
        if not code:
            errors.append(RowError(table.where(n, "任务编码"), "任务编码不能为空"))
        elif task is None:
            errors.append(RowError(table.where(n, "任务编码"), f"本创建活动没有编码为“{code}”的任务"))
        elif code in seen:
            errors.append(RowError(table.where(n, "任务编码"), f"任务编码“{code}”与第 {seen[code]} 行重复"))
        else:
            seen[code] = n
        dept_name = row.get("责任科室")
        department = departments.get(dept_name) if dept_name else None
        if dept_name and department is None:
            errors.append(RowError(table.where(n, "责任科室"), f"本单位没有名为“{dept_name}”的科室"))
        person = row.get("责任人")
        assignee = None
        if person:
            assignee = by_username.get(person)
            if assignee is None:
                matches = by_name.get(person, [])
                if len(matches) == 1:
                    assignee = matches[0]
                elif len(matches) > 1:
                    errors.append(
                        RowError(table.where(n, "责任人"), f"本单位有多人名为“{person}”，请填写用户名")
                    )
                else:
                    errors.append(RowError(table.where(n, "责任人"), f"“{person}”不是本单位的用户"))
        due_text = row.get("完成时限")
        due = None
        if due_text:
            due = _parse_date(due_text)
            if due is None:
                errors.append(
                    RowError(
                        table.where(n, "完成时限"), f"“{due_text}”不是有效日期，请按 2027-05-31 的格式填写"
                    )
                )
            elif not (campaign.start_date <= due <= campaign.acceptance_date):
                errors.append(RowError(table.where(n, "完成时限"), "完成时限须在启动日期和验收日期之间"))
        if task is not None:
            out.append(Assignment(task=task, department=department, assignee=assignee, due_override=due))
    if not table.rows:
        errors.append(RowError("", "文件中没有数据行"))
    return out, errors
