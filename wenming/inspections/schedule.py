"""Scheduled work of 督查整改 (see wenming/jobs/schedule.py): runs without a person, as the system.

Each function is idempotent (running twice in one slot adds nothing): reminders are recorded once
per finding and deadline (``Finding.reminded_for``), each overdue 督办函 is escalated once
(``SupervisionLetter.escalated_at``), and a 通报 draft exists once per office and month (a unique
constraint).
"""

from __future__ import annotations

from wenming.inspections import selectors, services
from wenming.jobs.schedule import scheduled


@scheduled("inspections.remind", "督查问题到期提醒", daily_at="07:00")
def remind() -> str:
    n = services.findings_remind()
    return f"已提醒 {n} 个 {selectors.REMIND_DAYS} 天内到期的问题"


@scheduled("inspections.escalate", "督办函逾期未回复自动升级", daily_at="02:30")
def escalate() -> str:
    done = services.letters_escalate()
    return f"检查 {done['checked']} 份逾期未回复的督办函：升级 {done['issued']} 份，问题已整改未升级 {done['resolved']} 份"


@scheduled("inspections.bulletin_drafts", "生成上月督查通报草稿", daily_at="03:30")
def bulletin_drafts() -> str:
    n = services.bulletin_drafts_prepare()
    return f"已生成 {n} 份上月督查通报草稿" if n else "上月督查通报草稿均已生成"
