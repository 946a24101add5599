"""Prepare a bench database; runs in the child environment (``python -m wenming.bench.prepare``).

Migrate, load the demo, collect static files into the bench static root, then check that the
bench user sees what the scenarios need. Prints one JSON line for the report.
"""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
import subprocess
import sys
import time

from wenming.bench import REPO_ROOT


def prepare_child(env: dict[str, str], *, user: str) -> dict:
    """Run this module in the bench environment (never in the caller's, whose database it is not)."""
    out = subprocess.run(
        [sys.executable, "-m", "wenming.bench.prepare", "--user", user],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"准备基准数据库失败（退出码 {out.returncode}）：\n{out.stderr.strip()[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", required=True)
    parser.add_argument("--min-orgs", type=int, default=50)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from wenming.orgs.access import scoped
    from wenming.orgs.models import Organisation

    timings = {}
    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    timings["migrate_s"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    call_command("seed_demo", stdout=io.StringIO())
    timings["seed_s"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    call_command("collectstatic", interactive=False, verbosity=0)
    timings["collectstatic_s"] = round(time.monotonic() - started, 1)

    user = get_user_model().objects.get(username=args.user)
    visible = scoped(Organisation, user).count()
    if visible < args.min_orgs:
        sys.stderr.write(f"{args.user} 只能看到 {visible} 个组织，50 行列表场景需要至少 {args.min_orgs} 个\n")
        return 2

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SHOW max_connections")
            max_connections = int(cursor.fetchone()[0])
    else:
        version, max_connections = sqlite3.sqlite_version, None
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "version": version,
                "max_connections": max_connections,
                "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
                "debug": settings.DEBUG,
                "demo_mode": settings.DEMO_MODE,
                "require_2fa": settings.REQUIRE_2FA,
                "orgs_visible": visible,
                "static_root": str(settings.STATIC_ROOT),
                **timings,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
