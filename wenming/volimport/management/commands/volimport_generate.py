"""manage.py volimport_generate — province-scale demo data through the import's fast path."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from wenming.audit.context import SYSTEM, acting_as


class Command(BaseCommand):
    help = "生成省级规模演示数据（默认志愿者 450,000 名、服务记录 5,000,000 条），需先运行 seed_demo"

    def add_arguments(self, parser):
        parser.add_argument("--volunteers", type=int, default=450_000)
        parser.add_argument("--records", type=int, default=5_000_000)

    def handle(self, *args, volunteers: int, records: int, **options):
        from wenming.volimport.generate import province_generate

        started = time.monotonic()
        with acting_as(SYSTEM):
            timings = province_generate(volunteers=volunteers, records=records, stdout=self.stdout)
        parts = "，".join(f"{k} {v:.1f} 秒" for k, v in timings.items())
        self.stdout.write(
            self.style.SUCCESS(f"省级规模数据已生成（共 {time.monotonic() - started:.1f} 秒：{parts}）")
        )
