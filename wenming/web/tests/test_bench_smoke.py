"""manage.py bench, end to end on SQLite with a one-second run: the machinery works, not the speed.

It prepares its own database in a temporary directory, starts granian, signs in, loads every
scenario and writes the report to a temporary file (never docs/benchmarks.md). Figures depend on
the machine and whatever else runs on it, so nothing here asserts how fast anything is.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from wenming.bench import report
from wenming.bench.runner import ORDER, SCENARIOS


def test_it_runs_end_to_end_on_sqlite(tmp_path):
    # One test, one run: under pytest-xdist a module fixture would start the bench once per worker.
    output = tmp_path / "benchmarks.md"
    output.write_text("# Hand-written intro\n\nKept across runs.\n")
    call_command(
        "bench",
        "--quick",
        "--db",
        "sqlite",
        "--connections",
        "4",
        "--var-dir",
        str(tmp_path / "var"),
        "--output",
        str(output),
    )
    results = json.loads((tmp_path / "var" / "results.json").read_text())
    check_every_scenario_was_measured_without_errors(results)
    check_each_page_is_compared_with_the_same_users_minimal_view(results)
    check_real_pages_were_served_to_a_signed_in_user(results)
    check_the_report_is_below_the_marker_and_keeps_the_intro(output, results)


def check_every_scenario_was_measured_without_errors(results):
    (db,) = results["databases"]
    assert db["key"] == "sqlite" and not db["skipped"]
    assert [(r["scenario"], r["phase"]) for r in db["rows"]] == [(s.key, phase) for s, phase in ORDER]
    for row in db["rows"]:
        assert row["connections"] == 4
        assert row["requests"] > 0 and row["rps"] > 0, row
        assert 0 < row["p50_ms"] <= row["p99_ms"], row
        assert row["errors"] == 0, row  # no socket errors, and every response was 2xx (no login redirect)
        assert row["cpu_ms"] is not None and row["cpu_ms"] >= 0, row  # granian's CPU time was read


def check_each_page_is_compared_with_the_same_users_minimal_view(results):
    rows = {(r["scenario"], r["phase"]): r for r in results["databases"][0]["rows"]}
    signed_in = (rows[("minimal", "before")]["rps"] + rows[("minimal", "after")]["rps"]) / 2
    for key in ("home", "org_list"):
        assert rows[(key, "")]["baseline_rps"] == pytest.approx(signed_in)
        assert rows[(key, "")]["ratio"] == pytest.approx(rows[(key, "")]["rps"] / signed_in)
        # p99 is judged at 16 connections only
        assert {c["name"] for c in rows[(key, "")]["checks"]} == {"errors", "ratio"}
    assert rows[("login", "")]["baseline_rps"] == rows[("minimal_public", "")]["rps"]


def check_real_pages_were_served_to_a_signed_in_user(results):
    db = results["databases"][0]
    assert db["info"]["debug"] is False and db["info"]["conn_max_age"] > 0
    assert db["info"]["orgs_visible"] >= 50
    assert db["prechecks"]["org_list"]["rows"] >= 50
    assert set(db["prechecks"]) == {s.key for s in SCENARIOS}
    assert all(p["status"] == 200 for p in db["prechecks"].values())
    assert results["machine"]["cores"] and results["machine"]["python"]


def check_the_report_is_below_the_marker_and_keeps_the_intro(output, results):
    text = output.read_text()
    intro, _, tables = text.partition(report.MARKER)
    assert intro.startswith("# Hand-written intro\n\nKept across runs.")
    assert "### SQLite" in tables
    for scenario in SCENARIOS:
        assert f"`{scenario.path}`" in tables
    assert results["commit"].split()[0] in tables
    assert "--output" in tables  # the exact command is recorded
