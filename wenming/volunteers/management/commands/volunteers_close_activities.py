"""Close finished activities (run it from cron, e.g. every 15 minutes): every published activity
whose end + the check-out grace has passed is closed, and volunteers who forgot to check out get
hours up to the scheduled end (the cap rule in wenming/volunteers/checkin.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from wenming.audit.context import SYSTEM, acting_as
from wenming.volunteers import ledger


class Command(BaseCommand):
    help = "结项已结束的志愿服务活动（未签退者按活动结束时间封顶计时）"

    def handle(self, *args, **options):
        with acting_as(SYSTEM):
            closed = ledger.close_finished_activities()
        self.stdout.write(f"已结项 {closed} 个活动")
