"""Last of the volunteer demo steps (vstats comes after volunteers and volimport in INSTALLED_APPS):
the demo and the province seed insert with bulk_create/COPY, which send no signals, so the
statistics rollups are recomputed here from the raw tables."""

from __future__ import annotations

from wenming.vstats.services import rollup_rebuild


def seed(*, scale: str = "small", stdout=None) -> None:
    counts = rollup_rebuild()
    if stdout is not None:
        stdout.write(
            f"志愿服务统计：汇总表已重建（月度 {counts['monthly']} 行，志愿者累计 {counts['volunteers']} 行）"
        )
