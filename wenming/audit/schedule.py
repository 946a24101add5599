"""Scheduled work of the audit module (see wenming/jobs/schedule.py)."""

from __future__ import annotations

from wenming.audit.services import audit_verify
from wenming.jobs.schedule import ScheduleFailed, scheduled


@scheduled("audit.verify", "校验审计日志哈希链", daily_at="04:00")
def verify() -> str:
    checked, broken, reason = audit_verify()
    if reason:
        where = f"第 {broken.seq} 条（id={broken.pk}）" if broken is not None else "链尾"
        raise ScheduleFailed(f"审计链断裂：{where}：{reason}；此前 {checked} 条完好")
    return f"审计链完好，共 {checked} 条"
