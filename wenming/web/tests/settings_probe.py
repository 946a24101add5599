"""Read settings as a fresh process sees them under a given environment (not the test settings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[3]


def clean_env(var_dir: Path, **env: str) -> dict[str, str]:
    """A minimal environment: nothing of the test run's own variables leaks into the child."""
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if key in os.environ}
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "wenming.settings",
        "WENMING_VAR_DIR": str(var_dir),
        "PYTHONPATH": str(BASE_DIR),
        **env,
    }


def run_manage(var_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=clean_env(var_dir, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def probe_settings(var_dir: Path, names: list[str], **env: str) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean_env(var_dir, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])
