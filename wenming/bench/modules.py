"""Module benchmarks: in-process measurements that are not HTTP load (imports, binders, dashboards).

A module registers a function in its own ``wenming/<app>/bench.py``::

    from wenming.bench.modules import module_bench

    @module_bench("binder", title="装订 ZIP 吞吐")
    def binder(ctx):  # ctx: ModuleBenchContext
        ...
        return "markdown with the figures, targets and whether each is met"

``manage.py bench_modules [name ...]`` (run by ``make bench`` after the HTTP benchmark) imports
every ``wenming.<app>.bench`` module, runs the selected benchmarks, and writes each one's
markdown into its own section of docs/benchmarks.md (above the HTTP results marker, so the HTTP
run keeps it). A benchmark gets the databases to run on from ``ctx.databases`` (``"sqlite"``
always; ``"postgres"`` when reachable) and must use its own scratch database/files under
``ctx.var_dir`` — never the developer's data.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings


@dataclass
class ModuleBenchContext:
    var_dir: Path
    databases: list[str]
    pg_url: str
    quick: bool = False
    say: Callable[[str], None] = print


@dataclass
class ModuleBench:
    name: str
    title: str
    func: Callable[[ModuleBenchContext], str]


REGISTRY: dict[str, ModuleBench] = {}
SECTIONS_HEADING = "## Module benchmarks"


def module_bench(name: str, title: str):
    def register(func):
        REGISTRY[name] = ModuleBench(name=name, title=title, func=func)
        return func

    return register


def discover() -> dict[str, ModuleBench]:
    for config in apps.get_app_configs():
        if config.name.startswith("wenming."):
            try:
                importlib.import_module(f"{config.name}.bench")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.bench":
                    raise
    return dict(sorted(REGISTRY.items()))


def scratch_database(ctx: ModuleBenchContext, db: str, name: str) -> str:
    """A fresh, empty database URL for one benchmark: ``var/bench/<name>.sqlite3`` or the PostgreSQL
    database ``wenming_bench_<name>`` (dropped and created). Migrate it in a subprocess, e.g.
    ``subprocess.run([sys.executable, "manage.py", "migrate"], env={**os.environ, "DATABASE_URL": url})``."""
    from urllib.parse import urlsplit, urlunsplit

    from wenming.bench import databases

    if db == "sqlite":
        path = ctx.var_dir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    parts = urlsplit(ctx.pg_url)
    url = urlunsplit(parts._replace(path=f"/wenming_bench_{name}"))
    return databases.postgres_database(url).url


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- module-bench:{name}:start -->", f"<!-- module-bench:{name}:end -->"


def write_section(name: str, title: str, markdown: str, path: Path | None = None) -> None:
    """Replace (or add) this benchmark's section; it lives above the HTTP results marker."""
    from wenming.bench.report import MARKER

    path = path or settings.BASE_DIR / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start, end = _markers(name)
    block = f"{start}\n### {title}\n\n{markdown.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text, count=1)
    else:
        head, sep, tail = text.partition(MARKER)
        if SECTIONS_HEADING not in head:
            head = (
                head.rstrip()
                + f"\n\n{SECTIONS_HEADING}\n\nWritten by `manage.py bench_modules` (run by `make bench`).\n"
            )
        head = head.rstrip() + "\n\n" + block + "\n\n"
        text = head + sep + tail
    path.write_text(text)


def scratch_env(
    ctx: ModuleBenchContext, url: str, *, var_name: str, settings_module: str = "wenming.settings"
) -> dict:
    """The environment of a benchmark's subprocess: its scratch database and its own var/ dir."""
    import os

    return {
        **os.environ,
        "DATABASE_URL": url,
        "WENMING_VAR_DIR": str(ctx.var_dir / var_name),
        "DJANGO_SETTINGS_MODULE": settings_module,
    }


def run_json(
    ctx: ModuleBenchContext,
    url: str,
    code: str,
    *,
    var_name: str,
    label: str,
    settings_module: str = "wenming.settings",
) -> dict:
    """Run ``python -c code`` against the scratch database; its last printed line is JSON."""
    import json
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=scratch_env(ctx, url, var_name=var_name, settings_module=settings_module),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{label} bench subprocess failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
