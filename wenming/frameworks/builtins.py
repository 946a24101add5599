"""Built-in frameworks (内置测评体系) from the data files in ``wenming/frameworks/data/``.

Loading is idempotent: a file whose ``builtin_key`` is already loaded is skipped, so the command
can run on every deploy. Built-ins have no owner (every signed-in user sees them) and are
published as loaded; scores missing from the sources stay empty (NULL).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from wenming.frameworks.models import Framework, FrameworkStatus
from wenming.frameworks.services import framework_create
from wenming.frameworks.transfer import parse_yaml

DATA_DIR = Path(__file__).resolve().parent / "data"


class BuiltinError(Exception):
    pass


def builtin_files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.yaml"))


@transaction.atomic
def load_builtins(*, stdout=None) -> list[Framework]:
    """Load every data file not yet loaded; returns the frameworks created."""
    created = []
    for path in builtin_files():
        raw = path.read_bytes()
        key = (yaml.safe_load(raw) or {}).get("builtin_key") or path.stem
        if Framework.objects.filter(builtin_key=key).exists():
            continue
        result = parse_yaml(raw)
        if not result.ok:
            raise BuiltinError(f"{path.name}: " + "；".join(str(e) for e in result.errors))
        framework = framework_create(owner=None, spec=result.spec, builtin_key=key)
        now = timezone.now()
        Framework.objects.filter(pk=framework.pk).update(status=FrameworkStatus.PUBLISHED, published_at=now)
        framework.status, framework.published_at = FrameworkStatus.PUBLISHED, now
        created.append(framework)
        if stdout is not None:
            stdout.write(f"已载入：{framework.title}（{framework.criteria.count()} 个测评项目/标准）")
    return created
