"""Scheduled work of the volunteer module (see wenming/jobs/schedule.py)."""

from __future__ import annotations

import datetime as dt

from wenming.jobs.schedule import scheduled
from wenming.volunteers import ledger


@scheduled("volunteers.close_activities", "结项已结束的志愿服务活动", every=dt.timedelta(minutes=15))
def close_activities() -> str:
    """Close activities past end + grace; forgotten check-outs get hours capped at the end."""
    return f"已结项 {ledger.close_finished_activities()} 个活动"
