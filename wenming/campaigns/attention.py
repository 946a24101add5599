"""Home-page attention items for 创建任务, each count the size of exactly the list it opens.

- department leads (and anyone with tasks assigned): "我的逾期任务", "7 天内到期的任务" (我的任务 page);
- unit admins: "逾期任务" — every overdue task of the units they administer; "待审核的佐证材料" —
  evidence of those units waiting for their review (in the same query).
"""

from __future__ import annotations

from wenming.campaigns import selectors, services
from wenming.orgs.access import get_scope
from wenming.web.home import AttentionItem, ChartSlice, HomeChart, attention_provider, home_chart
from wenming.web.links import url

SECTION = "创建任务"
SOON_DAYS = 7


@attention_provider
def campaign_tasks(request) -> list[AttentionItem]:
    scope = get_scope(request.user)
    if not (scope.department_ids or scope.admin_unit_ids):
        return []
    counts = selectors.attention_counts(user=request.user, today=services.local_today(), soon_days=SOON_DAYS)
    items = []
    if scope.department_ids:
        items += [
            AttentionItem(
                SECTION, "我的逾期任务", counts["my_overdue"], url("campaigns:my_tasks") + "?when=overdue"
            ),
            AttentionItem(
                SECTION,
                f"{SOON_DAYS} 天内到期的任务",
                counts["my_soon"],
                url("campaigns:my_tasks") + "?when=soon",
            ),
        ]
    if scope.admin_unit_ids:
        items.append(
            AttentionItem(
                SECTION, "逾期任务", counts["unit_overdue"], url("campaigns:my_tasks") + "?when=unit_overdue"
            )
        )
        items.append(
            AttentionItem(
                SECTION,
                "待审核的佐证材料",
                counts["pending_evidence"],
                url("campaigns:evidence_pending"),
            )
        )
    return items


@home_chart
def campaign_progress(request) -> list[HomeChart]:
    """Unit admins: each active campaign's tasks as 已完成 / 逾期 / 进行中 / 未开始, every slice
    opening the task list filtered to exactly those tasks."""
    rows = selectors.progress_by_campaign(user=request.user, today=services.local_today())
    charts = []
    for row in rows:
        base = url("campaigns:task_list", row["campaign_id"])
        charts.append(
            HomeChart(
                title=f"{row['campaign__title']}：任务进度",
                kind="pie",
                slices=[
                    ChartSlice("已完成", row["done"], f"{base}?status=done", "#2fb344"),
                    ChartSlice("逾期", row["overdue"], f"{base}?overdue=1", "#d63939"),
                    ChartSlice("进行中", row["doing"], f"{base}?status=doing&overdue=0", "#206bc4"),
                    ChartSlice("未开始", row["todo"], f"{base}?status=todo&overdue=0", "#adb5bd"),
                ],
            )
        )
    return charts
