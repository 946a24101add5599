"""manage.py bench — serve the project as in production and time the named scenarios.

The method, targets and latest figures are in docs/benchmarks.md; the machinery in wenming/bench/.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from wenming.bench import databases, loadgen, report
from wenming.bench.runner import BENCH_USER, Config, run_bench


def _int_list(value: str) -> list[int]:
    try:
        items = [int(x) for x in value.split(",") if x.strip()]
    except ValueError as exc:
        raise CommandError(f"并发数应为逗号分隔的整数：{value!r}") from exc
    if not items or min(items) < 1:
        raise CommandError(f"并发数应为正整数：{value!r}")
    return items


_NOT_RECORDED = ("--verbosity", "--settings", "--pythonpath", "--traceback", "--no-color", "--force-color")


class Command(BaseCommand):
    help = "性能基准：以生产方式启动服务（granian），用独立进程的负载生成器测量各场景，结果写入 docs/benchmarks.md"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=float, default=10.0, help="每个场景的测量秒数（默认 10）")
        parser.add_argument(
            "--warmup", type=float, default=2.0, help="每个页面首次测量前的预热秒数（默认 2）"
        )
        parser.add_argument("--connections", default="16,64", help="并发连接数，逗号分隔（默认 16,64）")
        parser.add_argument("--db", default="sqlite,postgres", help="数据库：sqlite、postgres，逗号分隔")
        parser.add_argument("--quick", action="store_true", help="快速运行（1 秒、不预热），用于测试机制")
        parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto", help="负载生成器")
        parser.add_argument("--workers", type=int, default=2, help="granian 进程数（默认 2）")
        parser.add_argument(
            "--threads",
            type=int,
            default=4,
            help="每个进程的阻塞线程数（默认 4；每个线程各持一个数据库连接，见 docs/benchmarks.md）",
        )
        parser.add_argument("--user", default=BENCH_USER, help=f"登录的演示账号（默认 {BENCH_USER}）")
        parser.add_argument(
            "--pg-url", default=databases.DEFAULT_PG_URL, help="PostgreSQL 基准库（库名须含 bench）"
        )
        parser.add_argument(
            "--var-dir",
            default=str(settings.BASE_DIR / "var" / "bench"),
            help="基准数据库、静态文件和日志的目录",
        )
        parser.add_argument(
            "--output",
            default=str(settings.BASE_DIR / "docs" / "benchmarks.md"),
            help="结果写入的 Markdown 文件",
        )
        parser.add_argument("--strict", action="store_true", help="未达标时以非零状态退出")

    def _command_line(self, opts) -> str:
        """The exact command, for the report: the options that differ from their defaults."""
        parser = self.create_parser("manage.py", "bench")
        words = ["manage.py", "bench"]
        for action in parser._actions:
            dest = action.dest
            if not action.option_strings or dest not in opts or dest in ("help", "version"):
                continue
            value, default = opts[dest], action.default
            if value == default or action.option_strings[0] in _NOT_RECORDED:
                continue
            if isinstance(value, bool):
                words.append(action.option_strings[0])
            else:
                words += [action.option_strings[0], shlex.quote(str(value))]
        return " ".join(words)

    def handle(self, *args, **opts):
        dbs = [x.strip() for x in opts["db"].split(",") if x.strip()]
        unknown = set(dbs) - {"sqlite", "postgres"}
        if unknown or not dbs:
            raise CommandError(f"--db 只能是 sqlite、postgres：{opts['db']!r}")
        var_dir = Path(opts["var_dir"]).resolve()
        if var_dir == Path(settings.VAR_DIR).resolve():
            raise CommandError("--var-dir 不能是开发数据目录（基准会重建其中的数据库）")
        duration, warmup = opts["duration"], opts["warmup"]
        if opts["quick"]:
            duration, warmup = 1.0, 0.0
        if duration <= 0 or warmup < 0 or opts["workers"] < 1 or opts["threads"] < 1:
            raise CommandError("时长、进程数和线程数必须为正数")
        config = Config(
            duration=duration,
            warmup=warmup,
            connections=_int_list(opts["connections"]),
            databases=dbs,
            loadgen=opts["loadgen"],
            workers=opts["workers"],
            threads=opts["threads"],
            user=opts["user"],
            var_dir=var_dir,
            pg_url=opts["pg_url"],
            output=Path(opts["output"]),
            command=self._command_line(opts),
        )
        try:
            bench = run_bench(config, say=self.stdout.write)
        except (loadgen.LoadError, databases.DatabaseError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        report.write(bench, config.output)
        self.stdout.write(f"结果已写入 {config.output}（原始数据：{var_dir / 'results.json'}）")
        if bench.passed:
            self.stdout.write(self.style.SUCCESS("全部目标达成"))
        else:
            self.stdout.write(self.style.WARNING("有目标未达成，见报告"))
            if opts["strict"]:
                raise CommandError("基准未达标")
