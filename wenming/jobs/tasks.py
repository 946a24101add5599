"""Job tasks of the jobs app itself: the organisation directory export (组织名录导出).

It is also the worked example of a job task (docs/jobs.md): read in the starter's scope, report
progress, stop when cancelled, build the file in a temporary file and store it only at the end.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

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

    user = run.user
    if user is None or not user.is_active:
        raise JobError("发起人账号已停用，无法导出")
    orgs = scoped(Organisation.objects.select_related("region", "supervisor"), user).order_by(
        "region_code", "kind", "name"
    )
    total = orgs.count()
    job_progress(run, done=0, total=total, message="正在导出组织名录", force=True)

    def row_of(org) -> list:
        return [
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

    stored, result = export_xlsx(
        run,
        items=orgs.iterator(chunk_size=1000),
        row_of=row_of,
        headers=ORG_EXPORT_HEADERS,
        file_name="组织名录.xlsx",
        sheet_name="组织名录",
        check_every=1,
        column_widths=ORG_EXPORT_WIDTHS,
    )
    written = result.rows
    job_attach_file(run, stored_file=stored)
    run.done_message = f"已导出 {written} 个组织"
    return {"organisations": written}


def export_xlsx(
    run: RunningJob,
    *,
    items: Iterable,
    row_of: Callable[[Any], Sequence],
    headers: Sequence[str],
    file_name: str,
    sheet_name: str,
    check_every: int = 1000,
    **write_options: Any,
):
    """Stream ``items`` (a server-side iterator; each made a row by ``row_of``) into an xlsx in
    constant memory (``web.excel.write_xlsx``, which takes ``write_options``) and store it
    owner-only for the starter (:func:`store_result`). Progress and the cancellation check every
    ``check_every`` rows; on a cancel the sheet is ended normally (so the writer removes its own
    spool), the half-written file is discarded with the directory and ``JobCancelled`` raised.
    Returns (the stored file, the writer's result: rows written, truncated)."""
    from wenming.web.excel import write_xlsx

    cancelled = False

    def rows():
        nonlocal cancelled
        for done, item in enumerate(items, 1):
            if done % check_every == 0:
                try:
                    job_check_cancel(run)
                except JobCancelled:
                    cancelled = True
                    return
                job_progress(run, done=done)
            yield row_of(item)

    with tempfile.TemporaryDirectory(prefix="wenming-export-") as tmp:
        path = Path(tmp) / "export.xlsx"
        result = write_xlsx(path, headers, rows(), sheet_name=sheet_name, **write_options)
        if cancelled:
            raise JobCancelled
        job_progress(run, done=result.rows, total=result.rows, message="正在保存文件", force=True)
        with path.open("rb") as fh:
            stored = store_result(fh, name=file_name, user=run.user)
    return stored, result


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
