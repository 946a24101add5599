"""Module benchmark "inspections": the ledger list and the 红黑榜 at the issue's scale.

Issue 4's targets:
- the ledger list with 100,000 findings: filtering and paging p95 ≤ 200 ms, ≤ 15 SQL queries;
- 红黑榜 for 2,000 units over a period with 100,000 findings: ≤ 2 s.

Quick mode: 100 units / 5,000 findings. Setup (a subprocess on a scratch database per engine): the
test world, N units spread over the two test counties, the seeded categories, and the findings
bulk-inserted (statuses, deadlines and creation dates spread over 120 days, a third closed),
then ``ANALYZE``.
Measurement (a second subprocess): the Django test client, logged in as the city inspector and as
the county admin, fetches each ledger URL (default, overdue, status + category, one unit, a deep
page reached by key, newest first and overdue; open findings of one county) ``REQUESTS`` times — p95 of the wall time and the SQL query count of each; then
``ranking_compute`` for the last 30 days as the city admin, three times (each run also stores its
draft ranking: the stored rows are part of the work).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from wenming.bench.modules import ModuleBenchContext, module_bench, run_json, scratch_database, scratch_env

TARGET_P95_MS = 200
TARGET_QUERIES = 15
TARGET_RANKING_S = 2.0
REQUESTS = 15


def _env(ctx: ModuleBenchContext, url: str) -> dict:
    return scratch_env(ctx, url, var_name="inspections-var", settings_module="wenming.settings_test")


def _run(ctx, url: str, code: str) -> dict:
    return run_json(
        ctx,
        url,
        code,
        var_name="inspections-var",
        settings_module="wenming.settings_test",
        label="inspections",
    )


PRELUDE = "import django, json; django.setup(); from wenming.inspections import bench; "


@module_bench("inspections", title="督查整改：问题台账与红黑榜 (inspections)")
def inspections_bench(ctx: ModuleBenchContext) -> str:
    from django.conf import settings

    units, findings = (100, 5_000) if ctx.quick else (2_000, 100_000)
    requests = 5 if ctx.quick else REQUESTS
    lines = []
    for db in ctx.databases:
        url = scratch_database(ctx, db, "inspections")
        ctx.say(f"inspections ({db}): migrating a scratch database, then {units} units / {findings} findings")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            env=_env(ctx, url),
            cwd=settings.BASE_DIR,
            check=True,
        )
        t0 = time.perf_counter()
        _run(ctx, url, PRELUDE + f"print(json.dumps(bench.setup({units}, {findings})))")
        ctx.say(f"inspections ({db}): setup {time.perf_counter() - t0:.1f} s; measuring")
        m = _run(ctx, url, PRELUDE + f"print(json.dumps(bench.measure({requests})))")
        lines += _report(db, m, units=units, findings=findings, requests=requests)
    mode = "quick (small data)" if ctx.quick else "full scale"
    return "\n".join(
        [
            f"{mode}; in-process Django test client (no HTTP server, no concurrency), one scratch database per engine, "
            "this machine shared with other work. p50/p95 are wall time of the whole request (view, template, queries); "
            "on a loaded machine they include waiting for a CPU, so the CPU time of the Django process and the time spent in "
            'SQL are shown beside them. "met" is judged on the wall p95.',
            "",
            *lines,
        ]
    )


def _report(db: str, m: dict, *, units: int, findings: int, requests: int) -> list[str]:
    out = [
        f"**{db}** — {units:,} units, {findings:,} findings; {requests} requests per URL; machine load average "
        f"(1 min, 2 cores) {m['load'][0]:.1f} before and {m['load'][1]:.1f} after the measurement",
        "",
        "| ledger URL | user | p50 | p95 | CPU p95 (Django process) | SQL p50 | max queries | target (p95, queries) | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in m["ledger"]:
        ok = r["p95_ms"] <= TARGET_P95_MS and r["queries"] <= TARGET_QUERIES
        miss = []
        if r["p95_ms"] > TARGET_P95_MS:
            miss.append(f"p95 by {r['p95_ms'] - TARGET_P95_MS:.0f} ms")
        if r["queries"] > TARGET_QUERIES:
            miss.append(f"queries by {r['queries'] - TARGET_QUERIES}")
        out.append(
            f"| `{r['url']}` | {r['user']} | {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['cpu_p95_ms']:.0f} ms | "
            f"{r['sql_p50_ms']:.0f} ms | {r['queries']} | ≤ {TARGET_P95_MS} ms, ≤ {TARGET_QUERIES} | "
            f"{'met' if ok else 'missed (' + ', '.join(miss) + ')'} |"
        )
    worst = max(m["ranking_s"])
    ok = worst <= TARGET_RANKING_S
    out += [
        "",
        "| 红黑榜 | value | target | met |",
        "|---|---|---|---|",
        f"| `ranking_compute`, last 30 days, {m['ranked_units']:,} units ranked (runs: "
        f"{' / '.join(f'{s:.2f}' for s in m['ranking_s'])} s) | worst {worst:.2f} s | ≤ {TARGET_RANKING_S:.0f} s | "
        f"{'met' if ok else f'missed by {worst - TARGET_RANKING_S:.2f} s'} |",
        "",
    ]
    return out


# --- run inside the subprocesses -------------------------------------------------------------------


def setup(units: int, findings: int) -> dict:
    """World, ``units`` units over the two test counties, and ``findings`` bulk-inserted findings."""
    import datetime as dt
    import random

    from django.utils import timezone

    from tests.world import build_world
    from wenming.audit.context import SYSTEM, acting_as
    from wenming.inspections import services
    from wenming.inspections.models import Finding, FindingCategory, Outcome, Status
    from wenming.orgs.models import Organisation, OrgKind

    world = build_world()
    rng = random.Random(20261122)
    with acting_as(SYSTEM):
        services.category_seed()
    regions = [world.county_a, world.county_b]
    orgs = Organisation.objects.bulk_create(
        Organisation(
            kind=OrgKind.UNIT, name=f"基准单位{i:05d}", region=regions[i % 2], region_code=regions[i % 2].code
        )
        for i in range(units)
    )
    categories = list(FindingCategory.objects.all())
    now = timezone.now()
    statuses = [
        Status.OPEN,
        Status.RECTIFYING,
        Status.CLOSURE_REQUESTED,
        Status.UNDER_REVIEW,
        Status.CLOSED,
        Status.CLOSED,
    ]
    batch = []
    for i in range(findings):
        unit = orgs[rng.randrange(units)]
        created = now - dt.timedelta(days=rng.uniform(0, 120))
        status = rng.choice(statuses)
        closed_at = created + dt.timedelta(days=rng.uniform(0.5, 20)) if status == Status.CLOSED else None
        if closed_at and closed_at > now:
            closed_at = now
        batch.append(
            Finding(
                location_text=f"基准位置{i}",
                category=categories[i % len(categories)],
                severity="minor",
                responsible_unit=unit,
                office=world.city_office,
                region_code=unit.region_code,
                status=status,
                outcome=Outcome.FIXED if status == Status.CLOSED else "",
                deadline=(created + dt.timedelta(days=rng.choice([3, 5, 7, 15]))).date(),
                assigned_at=created,
                closed_at=closed_at,
            )
        )
        if len(batch) == 5000:
            Finding.objects.bulk_create(batch)
            batch = []
    Finding.objects.bulk_create(batch)
    # created_at is auto_now_add: spread it afterwards, in one statement.
    from django.db.models import F

    Finding.objects.update(created_at=F("assigned_at"))
    # Planner statistics, as autovacuum (PostgreSQL) or a maintenance ANALYZE (SQLite) would keep
    # them in production: without them the bulk-loaded table is planned as if nearly empty.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"units": units, "findings": Finding.objects.count()}


def measure(requests: int) -> dict:
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from conftest import login_client
    from tests.world import load_world
    from wenming.audit.context import SYSTEM, acting_as
    from wenming.inspections.models import Finding, FindingCategory
    from wenming.inspections.services import ranking_compute

    load_before = os.getloadavg()[0]
    world = load_world()
    category = FindingCategory.objects.order_by("pk").first()
    unit_id = (
        Finding.objects.filter(region_code=world.county_a.code)
        .values_list("responsible_unit_id", flat=True)
        .first()
    )
    # Deep pages are reached by key (the "下一页" link carries the last row's key): the key of the
    # row halfway down the city's list, newest first and by deadline (overdue).
    from wenming.inspections.selectors import _cursor_key, overdue_q
    from wenming.inspections.services import local_today

    half = Finding.objects.count() // 2
    deep = _cursor_key(Finding.objects.order_by("-created_at", "-id")[half], by_deadline=False)
    late = Finding.objects.filter(overdue_q(local_today())).order_by("deadline", "id")
    deep_late = _cursor_key(late[late.count() // 2], by_deadline=True)
    urls = [
        "/inspections/findings/",
        "/inspections/findings/?overdue=1",
        f"/inspections/findings/?status=open&category={category.pk}",
        f"/inspections/findings/?unit={unit_id}",
        f"/inspections/findings/?after={deep}",
        f"/inspections/findings/?overdue=1&after={deep_late}",
        f"/inspections/findings/?group=open&region={world.county_a.code}",
    ]
    ledger = []
    for user in (world.city_inspector, world.county_a_admin):
        client = login_client(Client(), user)
        for url in urls:
            times, cpu, sql, queries = [], [], [], 0
            client.get(url)  # warm-up (templates, caches)
            for _ in range(requests):
                with CaptureQueriesContext(connection) as ctx:
                    t0, c0 = time.perf_counter(), time.process_time()
                    response = client.get(url)
                    times.append((time.perf_counter() - t0) * 1000)
                    cpu.append((time.process_time() - c0) * 1000)
                assert response.status_code == 200, (url, response.status_code)
                queries = max(queries, len(ctx.captured_queries))
                sql.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)

            def p95(xs):
                return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 2 else xs[0]

            ledger.append(
                {
                    "url": url,
                    "user": user.username,
                    "p50_ms": statistics.median(times),
                    "p95_ms": p95(times),
                    # CPU time of the Django process (view, ORM, template; not the database server's
                    # work, not waiting for a CPU on a loaded machine) and the wall time inside SQL.
                    "cpu_p95_ms": p95(cpu),
                    "sql_p50_ms": statistics.median(sql),
                    "queries": queries,
                }
            )
    today = timezone.localdate()
    runs, ranked = [], 0
    import datetime as dt

    for _ in range(3):
        t0 = time.perf_counter()
        with acting_as(SYSTEM):
            ranking = ranking_compute(user=world.city_admin, start=today - dt.timedelta(days=30), end=today)
        runs.append(time.perf_counter() - t0)
        ranked = ranking.entries.count()
    return {
        "ledger": ledger,
        "ranking_s": runs,
        "ranked_units": ranked,
        "load": [load_before, os.getloadavg()[0]],
    }
