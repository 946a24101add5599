"""Write the results into docs/benchmarks.md below a marker; the hand-written text above it stays."""

from __future__ import annotations

from pathlib import Path

from wenming.bench.runner import P99_AT_CONNECTIONS, P99_TARGET_MS, BenchRun, DatabaseRun, Row

MARKER = "<!-- bench:results — everything below this line is written by `manage.py bench` -->"

DEFAULT_INTRO = """# Benchmarks

Written by `make bench` (`manage.py bench`); see the top of `wenming/bench/runner.py` for the method.
"""


def _ms(value: float) -> str:
    return f"{value:.1f}"


def _row(row: Row) -> str:
    r = row.result
    name = row.scenario.label + (f"（{'前' if row.phase == 'before' else '后'}）" if row.phase else "")
    ratio = f"{row.ratio:.0%}" if row.ratio is not None else "—"
    if row.cpu_ratio is not None:
        ratio += f" (CPU {row.cpu_ratio:.0%})"
    targets = [c for c in row.checks if c.name != "errors"]
    target = "; ".join(c.target for c in targets) or "—"
    verdict = (
        "PASS" if row.passed else "**FAIL** (" + ", ".join(c.name for c in row.checks if not c.passed) + ")"
    )
    errors = (
        str(r.errors) if not r.errors else f"**{r.errors}** ({r.socket_errors} socket, {r.non2xx} non-2xx)"
    )
    return (
        f"| {name} | `{row.scenario.path}` | {r.connections} | {r.rps:.1f} | {_ms(r.p50_ms)} | {_ms(r.p99_ms)} "
        f"| {errors} | {ratio} | {target} | {verdict} | {'—' if row.cpu_ms is None else f'{row.cpu_ms:.2f}'} |"
    )


def _database(run: DatabaseRun) -> list[str]:
    if run.skipped:
        return [f"### {run.label}", "", f"Not run: {run.skipped}.", ""]
    info = run.info
    lines = [
        f"### {run.label} {info.get('version', '')}",
        "",
        f"Bench user sees {info.get('orgs_visible')} organisations; CONN_MAX_AGE={info.get('conn_max_age')}"
        + (f"; server max_connections={info['max_connections']}" if info.get("max_connections") else "")
        + f". Prepared in {info.get('migrate_s')} s migrate + {info.get('seed_s')} s seed_demo"
        f" + {info.get('collectstatic_s')} s collectstatic.",
        "",
        "| scenario | path | connections | req/s | p50 ms | p99 ms | errors | vs minimal | target | result "
        "| server CPU ms/req |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    lines += [_row(row) for row in run.rows]
    sizes = ", ".join(
        f"`{k}` {v['bytes']} B" + (f" ({v['rows']} rows)" if v.get("rows") else "")
        for k, v in run.prechecks.items()
    )
    lines += ["", f"Response sizes (one request each before the load): {sizes}.", ""]
    return lines


def render(bench: BenchRun) -> str:
    c = bench.config
    m = bench.machine
    ran = [r for r in bench.runs if not r.skipped]
    failed = [
        f"{r.label} {row.scenario.label} @{row.result.connections} ("
        + ", ".join(c.name for c in row.checks if not c.passed)
        + ")"
        for r in ran
        for row in r.rows
        if not row.passed
    ]
    skipped = [f"{r.label} not run ({r.skipped})" for r in bench.runs if r.skipped]
    if not ran:
        verdict = "no database was benchmarked"
    elif failed:
        verdict = "**targets missed** — " + "; ".join(failed)
    else:
        verdict = "all targets met on " + ", ".join(r.label for r in ran)
    if skipped:
        verdict += " — " + "; ".join(skipped)
    lines = [
        "## Latest results",
        "",
        f"- **Verdict:** {verdict}",
        f"- **Run:** {bench.started:%Y-%m-%d %H:%M %Z}, commit `{bench.commit}`",
        f"- **Command:** `{c.command}`",
        f"- **Machine:** {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB RAM, {m['os']}; "
        f"load average {bench.load_before} before, {bench.load_after} after",
        f"- **Software:** Python {m['python']}, Django {m['django']}, granian {m['granian']}, psycopg {m['psycopg']}"
        + "".join(f", {r.label} {r.info.get('version')}" for r in ran),
        f"- **Server:** granian WSGI, {c.workers} workers × {c.threads} blocking threads, DEBUG off, "
        f"CONN_MAX_AGE={c.conn_max_age} s, whitenoise manifest static files, WENMING_DEMO=1 (second factor off "
        f"for the demo admins, cookies without the Secure flag over plain HTTP), signed in as `{c.user}`",
        f"- **Load:** {bench.tool} {bench.tool_version} in a separate process on 127.0.0.1, keep-alive, "
        f"{c.duration:g} s per scenario after a {c.warmup:g} s warm-up per page, connections {c.connections}",
        f"- **Targets:** home ≥ 20 % and the 50-row list ≥ 15 % of the minimal view's req/s at each connection "
        f"count; p99 < {P99_TARGET_MS:.0f} ms at {P99_AT_CONNECTIONS} connections for the pages; zero errors "
        "(socket errors and any non-2xx response) everywhere. “vs minimal” divides by the same user's "
        "minimal view in the same run (signed in: mean of the runs before and after the pages). "
        "“server CPU ms/req” is the CPU time granian's processes used per request; it is less "
        "sensitive than req/s to other programs competing for the cores, so “(CPU n %)” gives the "
        "share estimated from it (minimal view's CPU per request ÷ the page's). The targets are "
        "judged on req/s.",
        "",
    ]
    for run in bench.runs:
        lines += _database(run)
    return "\n".join(lines).rstrip() + "\n"


def write(bench: BenchRun, path: Path) -> None:
    """Replace everything below the marker; keep (or create) the text above it."""
    intro = DEFAULT_INTRO
    if path.exists():
        text = path.read_text()
        intro = text.split(MARKER, 1)[0] if MARKER in text else text
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(intro.rstrip() + "\n\n" + MARKER + "\n\n" + render(bench))
