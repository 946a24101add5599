"""Build the demo world. Each app with a ``demo`` module contributes, in INSTALLED_APPS order."""

from __future__ import annotations

import importlib
import time

from django.apps import apps
from django.core.management.base import BaseCommand

from wenming.audit.context import SYSTEM, acting_as


class Command(BaseCommand):
    help = "生成演示数据（虚构的示范市，区划代码以 99 开头）；重复运行不会重复生成"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["small", "province"], default="small", help="province：规模测试数据")
        parser.add_argument("--if-empty", action="store_true", help="已有演示数据时静默跳过")

    def handle(self, *args, scale: str, if_empty: bool, **options):
        from wenming.orgs.demo import is_seeded

        if if_empty and is_seeded():
            self.stdout.write("演示数据已存在，沿用现有数据")
            return
        started = time.monotonic()
        with acting_as(SYSTEM):
            for config in apps.get_app_configs():
                if not config.name.startswith("wenming."):
                    continue
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name == f"{config.name}.demo":
                        continue
                    raise
                module.seed(scale=scale, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"演示数据已生成（{time.monotonic() - started:.1f} 秒）"))
