"""Scenarios, targets and the run itself (foundation requirement 14, docs/benchmarks.md).

Each page is measured beside a minimal view that passes through the same middleware for the same
user, served by the same server in the same run: the ratio page/minimal is the figure, because it
holds across machines while absolute numbers do not. The signed-in baseline is measured before
and after the signed-in pages and averaged, so a drift in background load (other processes on the
machine) biases the ratio less.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wenming.bench import databases as dbs
from wenming.bench import loadgen, machine
from wenming.bench.server import Server, child_env, cookie_header, login, request

P99_TARGET_MS = 150.0
P99_AT_CONNECTIONS = 16
BENCH_USER = "city_admin"  # the city office admin: sees all 68 demo organisations


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    path: str
    signed_in: bool
    baseline: str | None = None  # key of the scenario it is compared with
    min_ratio: float | None = None  # throughput target relative to the baseline
    min_rows: int = 0  # the page must list at least this many objects (links to /orgs/<id>/)


MINIMAL = Scenario("minimal", "最小视图（已登录）", "/bench/minimal/", signed_in=True)
MINIMAL_PUBLIC = Scenario("minimal_public", "最小视图（匿名）", "/bench/minimal/public/", signed_in=False)
HOME = Scenario("home", "首页（工作台）", "/", signed_in=True, baseline="minimal", min_ratio=0.20)
ORG_LIST = Scenario(
    "org_list",
    "组织列表（50 行）",
    "/orgs/?page=1",
    signed_in=True,
    baseline="minimal",
    min_ratio=0.15,
    min_rows=50,
)
LOGIN = Scenario("login", "登录页", "/login/", signed_in=False, baseline="minimal_public")
SCENARIOS = [MINIMAL, HOME, ORG_LIST, MINIMAL_PUBLIC, LOGIN]
# Measurement order for one connection count; the signed-in baseline runs before and after its pages.
ORDER = [
    (MINIMAL, "before"),
    (HOME, ""),
    (ORG_LIST, ""),
    (MINIMAL, "after"),
    (MINIMAL_PUBLIC, ""),
    (LOGIN, ""),
]
_ROW_LINK = re.compile(r'href="/orgs/\d+/"')


@dataclass
class Config:
    duration: float = 10.0
    warmup: float = 2.0
    connections: list[int] = field(default_factory=lambda: [16, 64])
    databases: list[str] = field(default_factory=lambda: ["sqlite", "postgres"])
    loadgen: str = "auto"
    workers: int = 2
    threads: int = 4
    conn_max_age: int = 600
    user: str = BENCH_USER
    password: str = ""
    var_dir: Path = Path("var/bench")
    pg_url: str = dbs.DEFAULT_PG_URL
    output: Path = Path("docs/benchmarks.md")
    command: str = "make bench"


@dataclass
class Check:
    name: str
    target: str
    passed: bool


@dataclass
class Row:
    scenario: Scenario
    phase: str
    result: loadgen.LoadResult
    cpu_ms: float | None = None  # server CPU time per request
    baseline_rps: float | None = None
    baseline_cpu_ms: float | None = None
    checks: list[Check] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.baseline_rps:
            return self.result.rps / self.baseline_rps
        return None

    @property
    def cpu_ratio(self) -> float | None:
        """The same share estimated from server CPU per request: steadier when the machine is busy."""
        if self.baseline_cpu_ms and self.cpu_ms:
            return self.baseline_cpu_ms / self.cpu_ms
        return None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


@dataclass
class DatabaseRun:
    key: str
    label: str
    skipped: str = ""  # why it did not run
    info: dict = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    prechecks: dict[str, dict] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.skipped and all(r.passed for r in self.rows)


@dataclass
class BenchRun:
    config: Config
    tool: str
    started: dt.datetime
    machine: dict
    commit: str
    load_before: str
    load_after: str = ""
    tool_version: str = ""
    runs: list[DatabaseRun] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            bool(self.runs)
            and all(r.passed for r in self.runs if not r.skipped)
            and any(not r.skipped for r in self.runs)
        )

    def as_dict(self) -> dict:
        return {
            "started": self.started.isoformat(),
            "commit": self.commit,
            "machine": self.machine,
            "tool": self.tool,
            "tool_version": self.tool_version,
            "load_before": self.load_before,
            "load_after": self.load_after,
            "config": {
                k: str(v) if isinstance(v, Path) else v
                for k, v in self.config.__dict__.items()
                if k != "password"
            },
            "databases": [
                {
                    "key": r.key,
                    "skipped": r.skipped,
                    "info": r.info,
                    "prechecks": r.prechecks,
                    "rows": [
                        {
                            "scenario": row.scenario.key,
                            "phase": row.phase,
                            **row.result.as_dict(),
                            "cpu_ms": row.cpu_ms,
                            "baseline_rps": row.baseline_rps,
                            "ratio": row.ratio,
                            "baseline_cpu_ms": row.baseline_cpu_ms,
                            "cpu_ratio": row.cpu_ratio,
                            "checks": [c.__dict__ for c in row.checks],
                        }
                        for row in r.rows
                    ],
                }
                for r in self.runs
            ],
        }


def evaluate(rows: list[Row]) -> None:
    """Attach baselines, ratios and the target checks to the rows of one database run."""
    by_conn: dict[int, dict[str, list[Row]]] = {}
    for row in rows:
        by_conn.setdefault(row.result.connections, {}).setdefault(row.scenario.key, []).append(row)
    for row in rows:
        conns = row.result.connections
        row.checks = [Check("errors", "0 errors", row.result.errors == 0)]
        if row.scenario.baseline:
            base = by_conn[conns].get(row.scenario.baseline, [])
            if base:
                row.baseline_rps = sum(b.result.rps for b in base) / len(base)
                cpus = [b.cpu_ms for b in base if b.cpu_ms]
                row.baseline_cpu_ms = sum(cpus) / len(cpus) if cpus else None
            if row.scenario.min_ratio is not None:
                ratio = row.ratio or 0.0
                row.checks.append(
                    Check("ratio", f"≥ {row.scenario.min_ratio:.0%}", ratio >= row.scenario.min_ratio)
                )
            if conns == P99_AT_CONNECTIONS:
                row.checks.append(
                    Check("p99", f"p99 < {P99_TARGET_MS:.0f} ms", row.result.p99_ms < P99_TARGET_MS)
                )


def _precheck(port: int, scenario: Scenario, cookie: str) -> dict:
    """One request before the load: the page must answer 200 (and list its rows) for this user."""
    headers = {"Cookie": cookie} if scenario.signed_in else {}
    status, resp_headers, body = request(port, "GET", scenario.path, headers=headers)
    found = len(_ROW_LINK.findall(body))
    info = {"status": status, "bytes": len(body.encode()), "rows": found if scenario.min_rows else None}
    if status != 200:
        raise RuntimeError(f"{scenario.path} 返回 {status} {resp_headers.get('Location', '')}")
    if found < scenario.min_rows:
        raise RuntimeError(f"{scenario.path} 只有 {found} 行，场景需要 {scenario.min_rows} 行")
    return info


def _measure(
    server: Server, scenario: Scenario, cookie: str, *, tool: str, connections: int, duration: float
) -> Row:
    headers = [f"Cookie: {cookie}"] if scenario.signed_in else []
    cpu_before = server.cpu_seconds()
    result = loadgen.run_load(
        server.base_url + scenario.path,
        tool=tool,
        connections=connections,
        duration=duration,
        headers=headers,
    )
    cpu_after = server.cpu_seconds()
    cpu_ms = None
    if cpu_before is not None and cpu_after is not None and result.requests:
        cpu_ms = round((cpu_after - cpu_before) * 1000 / result.requests, 2)
    return Row(scenario, "", result, cpu_ms=cpu_ms)


def run_database(db: dbs.BenchDatabase, config: Config, tool: str, say: Callable[[str], None]) -> DatabaseRun:
    from wenming.bench.prepare import prepare_child
    from wenming.orgs.demo import DEMO_PASSWORD

    run = DatabaseRun(db.key, db.label)
    var_dir = config.var_dir
    env = child_env(database_url=db.url, var_dir=var_dir, conn_max_age=config.conn_max_age)
    say(f"[{db.label}] 准备数据库：migrate、seed_demo、collectstatic …")
    run.info = prepare_child(env, user=config.user)
    say(
        f"[{db.label}] {db.label} {run.info['version']}，{config.user} 可见 {run.info['orgs_visible']} 个组织"
    )
    server = Server(
        env=env, workers=config.workers, threads=config.threads, log_path=var_dir / f"granian-{db.key}.log"
    )
    say(f"[{db.label}] 启动 granian（{config.workers} 个进程 × {config.threads} 个线程，端口 {server.port}）")
    with server:
        jar = login(server.port, username=config.user, password=config.password or DEMO_PASSWORD)
        signed_in = cookie_header(jar)
        for scenario in SCENARIOS:
            run.prechecks[scenario.key] = _precheck(server.port, scenario, signed_in)
        warmed: set[str] = set()
        for conns in config.connections:
            for scenario, phase in ORDER:
                if config.warmup > 0 and scenario.key not in warmed:
                    _measure(
                        server, scenario, signed_in, tool=tool, connections=conns, duration=config.warmup
                    )
                    warmed.add(scenario.key)
                row = _measure(
                    server, scenario, signed_in, tool=tool, connections=conns, duration=config.duration
                )
                row.phase = phase
                run.rows.append(row)
                r = row.result
                say(
                    f"[{db.label}] {scenario.label:<12} {conns:>3} 并发  {r.rps:>8.1f} 次/秒  "
                    f"p50 {r.p50_ms:>7.1f} ms  p99 {r.p99_ms:>7.1f} ms  错误 {r.errors}  "
                    f"服务端 CPU {'—' if row.cpu_ms is None else row.cpu_ms} ms/次"
                )
    evaluate(run.rows)
    return run


def run_bench(config: Config, say: Callable[[str], None] = print) -> BenchRun:
    from django.utils import timezone

    tool = loadgen.choose_tool(config.loadgen)
    config.var_dir.mkdir(parents=True, exist_ok=True)
    bench = BenchRun(
        config=config,
        tool=tool,
        started=timezone.localtime(),
        machine=machine.machine_info(),
        commit=machine.git_commit(),
        load_before=machine.load_average(),
        tool_version=loadgen.wrk_version() if tool == "wrk" else "wenming.bench.pyload",
    )
    say(
        f"负载生成器：{tool} {bench.tool_version}；每个场景 {config.duration:g} 秒；并发 {config.connections}"
    )
    for key in config.databases:
        if key == "sqlite":
            db = dbs.sqlite_database(config.var_dir)
        elif key == "postgres":
            reason = dbs.postgres_unreachable(config.pg_url)
            if reason:
                say(f"[PostgreSQL] 无法连接，跳过：{reason}")
                bench.runs.append(DatabaseRun("postgres", "PostgreSQL", skipped=f"not reachable: {reason}"))
                continue
            db = dbs.postgres_database(config.pg_url)
        else:
            raise ValueError(f"unknown database {key!r}")
        bench.runs.append(run_database(db, config, tool, say))
    bench.load_after = machine.load_average()
    (config.var_dir / "results.json").write_text(
        json.dumps(bench.as_dict(), ensure_ascii=False, indent=1, default=str)
    )
    return bench
