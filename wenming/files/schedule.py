"""Scheduled work of the files app (see wenming/jobs/schedule.py)."""

from __future__ import annotations

from wenming.jobs.schedule import scheduled


@scheduled("files.orphans", "清理未入库的上传文件", daily_at="04:30")
def orphans() -> str:
    """Bytes of uploads whose transaction rolled back stay in storage without a record; delete
    those older than a day (``services.ORPHAN_AGE``)."""
    from wenming.files.services import blob_sweep_orphans

    return f"已删除 {blob_sweep_orphans()} 个未入库的文件"
