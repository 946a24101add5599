"""Job tasks of the jobs app itself: the organisation directory export (组织名录导出).

It is also the worked example of a job task (docs/jobs.md): read in the starter's scope, report
progress, stop when cancelled, build the file in a temporary file and store it only at the end.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django_tasks import task as django_task

from wenming.jobs.services import (
    JobCancelled,
    JobError,
    RunningJob,
    job_attach_file,
    job_check_cancel,
    job_progress,
    job_task,
)

ORG_EXPORT_HEADERS = [
    "名称",
    "简称",
    "类别",
    "单位类型",
    "所属区划",
    "区划代码",
    "主管部门",
    "统一社会信用代码",
    "状态",
]
ORG_EXPORT_WIDTHS = [32, 16, 10, 14, 16, 16, 28, 22, 8]


@job_task()
def export_organisations(run: RunningJob) -> dict:
    """导出组织名录: every organisation the starter may see, one row each, as an xlsx file
    (written by the shared spreadsheet helper, wenming.web.excel: text never becomes a formula)."""
    from wenming.orgs.access import scoped
    from wenming.orgs.models import Organisation
    from wenming.web.excel import write_xlsx

    user = run.user
    if user is None or not user.is_active:
        raise JobError("发起人账号已停用，无法导出")
    orgs = scoped(Organisation.objects.select_related("region", "supervisor"), user).order_by(
        "region_code", "kind", "name"
    )
    total = orgs.count()
    job_progress(run, done=0, total=total, message="正在导出组织名录", force=True)
    cancelled = False

    def rows():
        nonlocal cancelled
        for done, org in enumerate(orgs.iterator(chunk_size=1000), 1):
            try:
                job_check_cancel(run)
            except JobCancelled:
                # End the sheet normally (so the writer cleans up its own temporary files), then
                # raise below: the half-written file is discarded with the directory.
                cancelled = True
                return
            yield [
                org.name,
                org.short_name,
                org.get_kind_display(),
                org.get_unit_type_display(),
                org.region.name,
                org.region_code,
                org.supervisor.name if org.supervisor else "",
                org.credit_code,
                "启用" if org.is_active else "停用",
            ]
            job_progress(run, done=done)

    with tempfile.TemporaryDirectory(prefix="wenming-export-") as tmp:
        path = Path(tmp) / "export.xlsx"
        written = write_xlsx(
            path, ORG_EXPORT_HEADERS, rows(), sheet_name="组织名录", column_widths=ORG_EXPORT_WIDTHS
        ).rows
        if cancelled:
            raise JobCancelled
        job_progress(run, done=written, total=written, message="正在保存文件", force=True)
        with path.open("rb") as fh:
            stored = store_result(fh, name="组织名录.xlsx", user=user)
    job_attach_file(run, stored_file=stored)
    run.done_message = f"已导出 {written} 个组织"
    return {"organisations": written}


def store_result(fh, *, name: str, user):
    """Store the export through the files service, owned by the starter alone: what it contains
    depends on their scope, so it is filed under no organisation (like the job itself)."""
    from wenming.files.services import file_store
    from wenming.files.sniff import UploadRefused

    fh.seek(0)
    try:
        with transaction.atomic():
            stored = file_store(
                upload=File(fh, name=name), organisation=None, user=user, purpose="导出", private=True
            )
    except UploadRefused as exc:  # e.g. larger than the document size limit
        raise JobError("导出文件无法保存：" + "；".join(exc.messages)) from exc
    return stored


@django_task()
def run_scheduled(*, run_id: int) -> None:
    """One claimed slot of a scheduled function (wenming/jobs/schedule.py)."""
    from wenming.jobs.schedule import run_claimed

    run_claimed(run_id)
