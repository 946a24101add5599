"""Recompute the statistics rollups from the raw volunteer tables (after raw bulk inserts, or nightly)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from wenming.vstats.services import rollup_rebuild


class Command(BaseCommand):
    help = "重建志愿服务统计汇总表（批量导入、省级演示数据写入后调用；也可每晚运行）"

    def handle(self, *args, **options):
        started = time.perf_counter()
        counts = rollup_rebuild()
        self.stdout.write(
            f"志愿服务统计已重建：月度 {counts['monthly']} 行，志愿者累计 {counts['volunteers']} 行，"
            f"星级 {counts['stars']} 行，用时 {time.perf_counter() - started:.1f} 秒"
        )
