"""志愿服务统计 rollups: what region dashboards read instead of the raw tables.

Every row is keyed by a region *prefix* (the significant prefix of a 12-digit division code,
``Region.prefix``) and holds the figures of that whole subtree: a write adds to the rows of each
ancestor prefix of its region (at most five), so a dashboard for any region reads only the rows of
its own prefix — a handful of rows per month whatever the number of records.

These tables are derived: :func:`wenming.vstats.services.rollup_rebuild` recomputes them from the
raw tables at any time (the bulk import and the province seed call it after their raw inserts).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MonthlyRollup(models.Model):
    """月度统计 — figures of one region subtree in one month.

    - ``volunteers``: volunteers registered that month whose region (residence, else the
      registering organisation's) is in the subtree;
    - ``orgs`` / ``teams`` / ``projects``: created that month, by the organisation's region;
    - ``activities``: activities starting that month, by the organiser's region;
    - ``participations`` (人次) and ``hours``: service-record lines dated that month, by the
      recording organisation's region; corrections add their signed hours but no person-time.
    """

    prefix = models.CharField(max_length=12)
    month = models.DateField()
    volunteers = models.BigIntegerField(default=0)
    orgs = models.BigIntegerField(default=0)
    teams = models.BigIntegerField(default=0)
    projects = models.BigIntegerField(default=0)
    activities = models.BigIntegerField(default=0)
    participations = models.BigIntegerField(default=0)
    # Hours in hundredths: integer sums are exact on SQLite too (its decimals are floats).
    hours_x100 = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("月度统计")
        constraints = [models.UniqueConstraint(fields=["prefix", "month"], name="vstats_monthly_key")]

    def __str__(self) -> str:
        return f"{self.prefix} {self.month:%Y-%m}"


class VolunteerTotal(models.Model):
    """志愿者累计 — one volunteer's all-time hours, service lines and star level (the ladder of
    their residence). Ranked lists and star counts read it."""

    volunteer = models.OneToOneField(
        "volunteers.Volunteer", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    region_code = models.CharField(max_length=12, blank=True)
    hours_x100 = models.BigIntegerField(default=0)
    lines = models.BigIntegerField(default=0)
    level = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("志愿者累计时长")
        indexes = [
            models.Index(fields=["region_code", "hours_x100"], name="vstats_total_region_hours"),
            models.Index(fields=["region_code", "lines"], name="vstats_total_region_lines"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}: {self.hours_x100 / 100}h"


class StarRollup(models.Model):
    """星级统计 — how many volunteers of a region subtree hold each star level now."""

    prefix = models.CharField(max_length=12)
    level = models.PositiveSmallIntegerField()
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("星级统计")
        constraints = [models.UniqueConstraint(fields=["prefix", "level"], name="vstats_star_key")]

    def __str__(self) -> str:
        return f"{self.prefix} {self.level}星: {self.count}"
