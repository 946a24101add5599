"""Background jobs of 创建工作: building a large binder (资料装订)."""

from __future__ import annotations

from wenming.jobs.services import JobError, RunningJob, job_check_cancel, job_progress, job_task


@job_task()
def build_binder(run: RunningJob, *, binder_id: int) -> dict:
    """Write the binder ZIP, reporting progress per file; cancellable between files (the partial
    file is removed)."""
    from wenming.campaigns.binder import binder_build, binder_stats, binder_sweep_parts
    from wenming.campaigns.models import Binder
    from wenming.files.zipwriter import ZipSizeMismatch

    binder = Binder.objects.select_related("campaign").filter(pk=binder_id).first()
    if binder is None:
        raise JobError("装订记录已不存在")
    binder_sweep_parts()  # what a worker killed mid-build left behind
    files, _ = binder_stats(campaign=binder.campaign)
    job_progress(run, done=0, total=files, message="正在生成目录", force=True)

    def on_file(done: int, total: int) -> None:
        job_check_cancel(run)
        job_progress(run, done=done, total=total, message=f"正在装订：已写入 {done} / {total} 个文件")

    try:
        binder_build(binder=binder, on_file=on_file)
    except ZipSizeMismatch as exc:
        raise JobError("有文件的内容与登记的大小不符，装订已停止，请联系管理员") from exc
    except FileNotFoundError as exc:
        raise JobError("有文件在存储中找不到，装订已停止，请联系管理员") from exc
    # The ZIP is not a files.StoredFile (no upload limits apply to it): it is downloaded from the
    # campaign's 资料装订 page, which the message names.
    run.done_message = f"装订完成：{binder.files} 个文件，{binder.size / 1024 / 1024:.1f} MB，请在“{binder.campaign.title}”的资料装订页下载"
    return {"binder": binder.pk, "files": binder.files, "bytes": binder.size}
