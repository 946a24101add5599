"""Scheduled work of 创建工作 (see wenming/jobs/schedule.py)."""

from __future__ import annotations

import datetime as dt

from wenming.jobs.schedule import scheduled


@scheduled("campaigns.binder_parts", "清理中断的资料装订临时文件", every=dt.timedelta(hours=1))
def binder_parts() -> str:
    """A worker killed mid-binder leaves its ``.part`` file; a worker that comes back runs the
    latest slot of this schedule, so a restart cleans them within the check interval."""
    from wenming.campaigns.binder import binder_sweep_parts

    return f"已清理 {binder_sweep_parts()} 个中断的装订临时文件"
