"""Escalate 督办函 whose reply deadline passed without a reply.

The worker's scheduler runs it daily (``inspections.escalate`` in ``wenming/inspections/schedule.py``);
this command is for a manual run or catching up.

Idempotent: each overdue letter is handled once (``SupervisionLetter.escalated_at``), so running
it twice, or after a missed day, issues no duplicate letters. ``--date YYYY-MM-DD`` computes as of
that day (for catching up or testing).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from wenming.audit.context import SYSTEM, acting_as
from wenming.inspections.services import letters_escalate


class Command(BaseCommand):
    help = "督办函逾期未回复时自动升级督办（每日由 cron 运行，可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=dt.date.fromisoformat, default=None, help="按该日期计算（默认今天）"
        )

    def handle(self, *args, date=None, **options):
        with acting_as(SYSTEM):
            done = letters_escalate(today=date)
        self.stdout.write(
            f"检查 {done['checked']} 份逾期未回复的督办函：升级 {done['issued']} 份，"
            f"问题已整改未升级 {done['resolved']} 份"
        )
