"""Scheduled work of the statistics module (see wenming/jobs/schedule.py)."""

from __future__ import annotations

from wenming.jobs.schedule import scheduled
from wenming.vstats.services import rollup_rebuild


@scheduled("vstats.rebuild", "重建志愿服务统计汇总", daily_at="03:00")
def rebuild() -> str:
    """The rollups are kept current as records change; the nightly rebuild repairs any drift
    (for example rows written by hand in the database)."""
    counts = rollup_rebuild()
    return f"月度 {counts['monthly']} 行，志愿者累计 {counts['volunteers']} 行，星级 {counts['stars']} 行"
