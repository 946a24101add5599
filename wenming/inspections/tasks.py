"""Background jobs of 督查整改: the ledger export (问题台账导出).

The worked example is ``wenming.jobs.tasks.export_organisations``: read in the starter's scope,
report progress, stop when cancelled, build the file in a temporary directory and store it, owned
by the starter alone, only at the end.
"""

from __future__ import annotations

from wenming.jobs.services import (
    JobError,
    RunningJob,
    job_attach_file,
    job_progress,
    job_task,
)

LEDGER_HEADERS = [
    "编号",
    "类别",
    "严重程度",
    "点位",
    "位置",
    "责任单位",
    "督查单位",
    "状态",
    "销号结果",
    "整改期限",
    "是否逾期",
    "对应测评标准",
    "问题描述",
    "记录人",
    "记录时间",
    "销号时间",
]
LEDGER_WIDTHS = [8, 12, 8, 24, 30, 28, 20, 10, 12, 12, 8, 14, 40, 12, 20, 20]
# One sheet holds 1,048,576 rows; beyond this the sheet says it stopped (narrow the filters).
LEDGER_EXPORT_MAX_ROWS = 1_000_000
# Between two looks at the cancel flag and the progress bar (each look is cheap and throttled).
CHECK_EVERY = 1000


@job_task()
def export_findings(run: RunningJob) -> dict:
    """导出问题台账: the rows the ledger shows the starter with the filters they had applied
    (``run.params["filters"]``), in the ledger's order, streamed from a server-side cursor into
    xlsxwriter's constant-memory mode — memory stays flat at 100,000 rows. Text goes through
    ``web.excel`` (a cell a user typed as ``=…`` stays text)."""
    from wenming.inspections import selectors
    from wenming.inspections.models import Outcome, Severity, Status
    from wenming.inspections.services import local_today
    from wenming.jobs.tasks import export_xlsx

    user = run.user
    if user is None or not user.is_active:
        raise JobError("发起人账号已停用，无法导出")
    today = local_today()
    filters = (run.params or {}).get("filters") or {}
    qs = selectors.ledger_export_rows(user=user, params=filters, today=today)
    severities, statuses = dict(Severity.choices), dict(Status.choices)
    outcomes = {Outcome.FIXED: Outcome.FIXED.label, Outcome.UNFIXED: Outcome.UNFIXED.label}
    total = qs.count()
    job_progress(run, done=0, total=total, message="正在导出问题台账", force=True)

    def row_of(r) -> list:
        (pk, category, severity, point, location, unit, office, status, outcome, deadline) = r[:10]
        criterion, description, display_name, username, created_at, closed_at = r[10:]
        return [
            pk,
            category,
            str(severities.get(severity, severity)),
            point or "",
            location,
            unit,
            office,
            str(statuses.get(status, status)),
            str(outcomes.get(outcome, "")),
            deadline,
            "是" if deadline < today and status != Status.CLOSED else "否",
            criterion,
            description,
            display_name or username or "",
            created_at,
            closed_at,
        ]

    stored, result = export_xlsx(
        run,
        items=qs.iterator(chunk_size=2000),
        row_of=row_of,
        headers=LEDGER_HEADERS,
        file_name=f"问题台账{today:%Y%m%d}.xlsx",
        sheet_name="问题台账",
        check_every=CHECK_EVERY,
        column_widths=LEDGER_WIDTHS,
        max_rows=LEDGER_EXPORT_MAX_ROWS,
    )
    written = result.rows
    job_attach_file(run, stored_file=stored)
    run.done_message = f"已导出 {written} 个问题" + ("（已达上限，其余未导出）" if result.truncated else "")
    return {"rows": written, "truncated": result.truncated}
