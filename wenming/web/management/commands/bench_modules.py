"""manage.py bench_modules — run the modules' in-process benchmarks (see wenming/bench/modules.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from wenming.bench import databases
from wenming.bench.modules import ModuleBenchContext, discover, write_section


class Command(BaseCommand):
    help = "模块基准（导入、装订、统计等进程内测量），结果写入 docs/benchmarks.md 的对应小节"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="只运行这些基准（默认全部）")
        parser.add_argument("--list", action="store_true", help="列出已登记的基准")
        parser.add_argument("--quick", action="store_true", help="小规模快速运行（检查机制，不写入文档）")
        parser.add_argument("--db", default="sqlite,postgres", help="数据库：sqlite、postgres，逗号分隔")
        parser.add_argument("--pg-url", default=databases.DEFAULT_PG_URL)
        parser.add_argument("--var-dir", default=str(settings.BASE_DIR / "var" / "bench"))
        parser.add_argument("--output", default=str(settings.BASE_DIR / "docs" / "benchmarks.md"))

    def handle(self, *args, **opts):
        registry = discover()
        if opts["list"]:
            for bench in registry.values():
                self.stdout.write(f"{bench.name}\t{bench.title}")
            return
        names = opts["names"] or list(registry)
        unknown = [n for n in names if n not in registry]
        if unknown:
            raise CommandError(f"未登记的基准：{'、'.join(unknown)}（可用：{'、'.join(registry) or '无'}）")
        wanted = [d.strip() for d in opts["db"].split(",") if d.strip()]
        dbs = ["sqlite"] if "sqlite" in wanted else []
        if "postgres" in wanted:
            reason = databases.postgres_unreachable(opts["pg_url"])
            if reason is None:
                dbs.append("postgres")
            else:
                self.stdout.write(f"PostgreSQL 无法连接（{reason}），只测 SQLite")
        var_dir = Path(opts["var_dir"])
        var_dir.mkdir(parents=True, exist_ok=True)
        ctx = ModuleBenchContext(
            var_dir=var_dir, databases=dbs, pg_url=opts["pg_url"], quick=opts["quick"], say=self.stdout.write
        )
        for name in names:
            bench = registry[name]
            self.stdout.write(f"== {bench.name}: {bench.title}")
            markdown = bench.func(ctx)
            if opts["quick"]:
                self.stdout.write(markdown)
            else:
                write_section(bench.name, bench.title, markdown, Path(opts["output"]))
                self.stdout.write(f"   已写入 {opts['output']}")
