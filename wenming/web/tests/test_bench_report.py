"""Targets and the report: the ratio uses the same run's minimal view, p99 is judged at 16
connections, any error fails, and the hand-written intro of docs/benchmarks.md survives a run."""

from __future__ import annotations

import datetime as dt

from wenming.bench import report
from wenming.bench.loadgen import LoadResult
from wenming.bench.runner import (
    HOME,
    LOGIN,
    MINIMAL,
    MINIMAL_PUBLIC,
    ORG_LIST,
    BenchRun,
    Config,
    DatabaseRun,
    Row,
    evaluate,
)


def result(
    rps: float, *, conns: int = 16, p99: float = 20.0, socket_errors: int = 0, non2xx: int = 0
) -> LoadResult:
    return LoadResult(
        tool="wrk", url="http://127.0.0.1/", connections=conns, requests=int(rps * 10), duration_s=10.0, rps=rps,
        p50_ms=p99 / 2, p90_ms=p99 * 0.8, p99_ms=p99, mean_ms=p99 / 2, max_ms=p99 * 2,
        socket_errors=socket_errors, non2xx=non2xx, bytes=1000,
    )  # fmt: skip


def rows(conns: int = 16, **overrides) -> list[Row]:
    made = [
        Row(MINIMAL, "before", overrides.get("minimal_before", result(1000, conns=conns))),
        Row(HOME, "", overrides.get("home", result(300, conns=conns))),
        Row(ORG_LIST, "", overrides.get("org_list", result(200, conns=conns))),
        Row(MINIMAL, "after", overrides.get("minimal_after", result(600, conns=conns))),
        Row(MINIMAL_PUBLIC, "", result(2000, conns=conns)),
        Row(LOGIN, "", overrides.get("login", result(1500, conns=conns))),
    ]
    evaluate(made)
    return made


def by_key(made: list[Row]) -> dict[str, Row]:
    return {r.scenario.key + r.phase: r for r in made}


def test_the_ratio_divides_by_the_mean_of_the_minimal_runs_around_the_pages():
    made = by_key(rows())
    assert made["home"].baseline_rps == 800  # (1000 + 600) / 2
    assert made["home"].ratio == 300 / 800
    assert made["org_list"].ratio == 200 / 800
    assert made["login"].baseline_rps == 2000 and made["login"].ratio == 0.75
    assert all(r.passed for r in made.values())


def test_a_page_below_its_share_of_the_minimal_view_fails():
    made = by_key(rows(home=result(150), org_list=result(110)))  # 18.75 % and 13.75 % of 800
    assert [c.name for c in made["home"].checks if not c.passed] == ["ratio"]
    assert [c.name for c in made["org_list"].checks if not c.passed] == ["ratio"]


def test_p99_is_a_target_at_16_connections_only():
    slow = by_key(rows(home=result(300, p99=150.0), login=result(1500, p99=400.0)))
    assert [c.name for c in slow["home"].checks if not c.passed] == ["p99"]  # 150 is not < 150
    assert [c.name for c in slow["login"].checks if not c.passed] == ["p99"]
    at_64 = by_key(rows(conns=64, home=result(300, conns=64, p99=900.0)))
    assert at_64["home"].passed and not any(c.name == "p99" for c in at_64["home"].checks)


def test_any_error_fails_the_row_including_the_baselines():
    made = by_key(rows(minimal_after=result(600, non2xx=1), org_list=result(200, socket_errors=3)))
    assert not made["minimalafter"].passed and not made["org_list"].passed
    assert made["home"].passed


def bench(tmp_path, made: list[Row]) -> BenchRun:
    run = BenchRun(
        config=Config(var_dir=tmp_path, output=tmp_path / "b.md", command="manage.py bench"),
        tool="wrk",
        started=dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC),
        machine=dict(
            cpu="Test CPU",
            cores=2,
            memory_gib=4.0,
            os="Linux",
            python="3.11",
            django="5.2",
            granian="2.8",
            psycopg="3.3",
        ),
        commit="abc123",
        load_before="0.10 0.20 0.30",
        load_after="0.40 0.50 0.60",
        tool_version="4.1.0",
    )
    run.runs = [
        DatabaseRun(
            "sqlite", "SQLite", info={"version": "3.40", "orgs_visible": 68, "conn_max_age": 600}, rows=made
        ),
        DatabaseRun("postgres", "PostgreSQL", skipped="not reachable: connection refused"),
    ]
    return run


def test_the_report_replaces_only_what_is_below_the_marker(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\nHow to read these figures.\n\n" + report.MARKER + "\n\nold tables\n")
    report.write(bench(tmp_path, rows()), path)
    text = path.read_text()
    assert text.startswith("# Benchmarks\n\nHow to read these figures.\n\n" + report.MARKER)
    assert "old tables" not in text
    assert "all targets met on SQLite" in text and "PostgreSQL not run" in text
    assert "| 组织列表（50 行） | `/orgs/?page=1` | 16 | 200.0 |" in text
    assert "25%" in text and "abc123" in text and "Test CPU, 2 cores" in text


def test_the_report_names_each_missed_target(tmp_path):
    path = tmp_path / "benchmarks.md"
    report.write(bench(tmp_path, rows(org_list=result(50, non2xx=2))), path)
    text = path.read_text()
    assert text.startswith(report.DEFAULT_INTRO.rstrip())
    assert "**targets missed** — SQLite 组织列表（50 行） @16 (errors, ratio)" in text
    assert "**FAIL** (errors, ratio)" in text
    assert not bench(tmp_path, rows(org_list=result(50))).passed


def test_the_cpu_share_uses_server_cpu_per_request_of_the_same_baselines(tmp_path):
    made = rows()
    cpu = {
        "minimalbefore": 1.0,
        "minimalafter": 3.0,
        "home": 4.0,
        "org_list": 8.0,
        "minimal_public": 0.5,
        "login": 1.0,
    }
    for row in made:
        row.cpu_ms = cpu[row.scenario.key + row.phase]
    evaluate(made)
    keyed = by_key(made)
    assert keyed["home"].baseline_cpu_ms == 2.0 and keyed["home"].cpu_ratio == 0.5
    assert keyed["org_list"].cpu_ratio == 0.25 and keyed["login"].cpu_ratio == 0.5
    path = tmp_path / "benchmarks.md"
    report.write(bench(tmp_path, made), path)
    assert "| 25% (CPU 25%) |" in path.read_text()  # org list: 200 / 800 req/s, 2.0 / 8.0 ms
