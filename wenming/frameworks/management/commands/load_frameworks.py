"""manage.py load_frameworks — load the built-in frameworks (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from wenming.audit.context import SYSTEM, acting_as


class Command(BaseCommand):
    help = "载入内置测评体系（wenming/frameworks/data/*.yaml）；已载入的跳过"

    def handle(self, *args, **options):
        from wenming.frameworks.builtins import BuiltinError, load_builtins

        with acting_as(SYSTEM):
            try:
                created = load_builtins(stdout=self.stdout)
            except BuiltinError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"内置测评体系：新载入 {len(created)} 个"))
