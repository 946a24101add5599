"""The jobs card on the home page: the user's running jobs and recent failures (real counts)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from wenming.jobs.models import JobStatus
from wenming.jobs.selectors import ACTIVE, RECENT_FAILURE_DAYS, job_attention_counts
from wenming.web.home import AttentionItem, attention_provider


@attention_provider
def jobs_attention(request) -> list[AttentionItem]:
    if not request.user.is_authenticated:
        return []
    counts = job_attention_counts(user=request.user)
    base = reverse("jobs:job_list")
    return [
        AttentionItem(
            section="后台任务",
            label="我的进行中任务",
            count=counts["active"],
            href=f"{base}?{urlencode({'mine': 1, 'status': ACTIVE})}",
        ),
        AttentionItem(
            section="后台任务",
            label=f"近 {RECENT_FAILURE_DAYS} 天失败的任务",
            count=counts["failed"],
            href=f"{base}?{urlencode({'mine': 1, 'status': JobStatus.FAILED.value, 'days': RECENT_FAILURE_DAYS})}",
        ),
    ]
