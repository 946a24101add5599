"""Keeping the statistics rollups current.

Two ways in, one result (a test holds them equal):

- **incrementally**, on every ORM write of a volunteer table (``signals.py`` calls the
  ``rollup_on_*`` functions inside the writer's transaction, so the rollup and the row commit or
  roll back together); each call is one multi-row ``INSERT … ON CONFLICT DO UPDATE`` that adds to
  the rows of every ancestor prefix of the region;
- **in bulk**, :func:`rollup_rebuild` recomputes every rollup from the raw tables with a few
  ``GROUP BY`` queries. Writers that bypass the ORM (the xlsx import's COPY/executemany, the
  province seed) call it after their inserts; so does ``manage.py vstats_rebuild``.

Changes that move a row between regions or months (a volunteer moving house, an activity
rescheduled into another month, deletions) are not followed incrementally; the nightly
``vstats_rebuild`` (or any rebuild) puts them right. The hours ledger itself is append-only, so
hours and person-times are always exact.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from wenming.orgs.regions import LEVEL_DIGITS, level_of
from wenming.vstats.models import MonthlyRollup, StarRollup, VolunteerTotal

MONTHLY_FIELDS = ("volunteers", "orgs", "teams", "projects", "activities", "participations", "hours_x100")
ROOT = ""  # the prefix of the whole platform: every row is also counted under it


def ancestors(code: str | None) -> list[str]:
    """Prefixes of every subtree that contains ``code`` (and ``""``, the whole platform)."""
    level = level_of(code or "")
    if level is None:
        return [ROOT]
    return [ROOT] + [code[: LEVEL_DIGITS[n]] for n in range(1, level + 1)]


def month_of(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return value.replace(day=1)


def centi(hours) -> int:
    """Hours as integer hundredths (exact)."""
    return int((Decimal(str(hours)) * 100).to_integral_value())


# --- incremental -------------------------------------------------------------------------------


def _add_monthly(code: str | None, month: dt.date, **deltas: int) -> None:
    if not any(deltas.values()):  # e.g. a zero-hour correction: nothing to add
        return
    prefixes = ancestors(code)
    values = [deltas.get(f, 0) for f in MONTHLY_FIELDS]
    table = MonthlyRollup._meta.db_table
    cols = ", ".join(MONTHLY_FIELDS)
    row = "(%s, %s, " + ", ".join(["%s"] * len(MONTHLY_FIELDS)) + ")"
    updates = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in MONTHLY_FIELDS if deltas.get(f))
    params: list = []
    for prefix in sorted(prefixes):  # one lock order for every writer
        params += [prefix, month.isoformat(), *values]
    sql = (
        f"INSERT INTO {table} (prefix, month, {cols}) VALUES {', '.join([row] * len(prefixes))} "
        f"ON CONFLICT (prefix, month) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _add_stars(code: str | None, level: int, delta: int) -> None:
    if level <= 0 or not delta:
        return
    prefixes = sorted(ancestors(code))
    table = StarRollup._meta.db_table
    sql = (
        f"INSERT INTO {table} (prefix, level, count) VALUES {', '.join(['(%s, %s, %s)'] * len(prefixes))} "
        f"ON CONFLICT (prefix, level) DO UPDATE SET count = {table}.count + excluded.count"
    )
    params: list = []
    for prefix in prefixes:
        params += [prefix, level, delta]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def volunteer_region(volunteer) -> str:
    """The region a volunteer is counted in: residence, else the registering organisation's."""
    if volunteer.residence_code:
        return volunteer.residence_code
    if volunteer.home_org_id:
        return volunteer.home_org.region_code
    return ""


def rollup_on_volunteer(volunteer) -> None:
    _add_monthly(volunteer_region(volunteer), month_of(volunteer.created_at), volunteers=1)


def rollup_on_org(org) -> None:
    _add_monthly(org.region_code, month_of(org.created_at), orgs=1)


def rollup_on_team(team) -> None:
    _add_monthly(team.org.region_code, month_of(team.created_at), teams=1)


def rollup_on_project(project) -> None:
    _add_monthly(project.org.region_code, month_of(project.created_at), projects=1)


def rollup_on_activity(activity) -> None:
    _add_monthly(activity.org.region_code, month_of(activity.start), activities=1)


def rollup_on_record(record) -> None:
    """A new hours-ledger line: month figures of the recording organisation's region, the
    volunteer's total and, when it crosses a threshold, the star counts."""
    from wenming.volunteers.selectors import star_ladder_for, star_level

    x100 = centi(record.hours)
    line = 0 if record.source == "correction" else 1
    _add_monthly(record.org.region_code, month_of(record.date), participations=line, hours_x100=x100)
    volunteer = record.volunteer
    region = volunteer_region(volunteer)
    table = VolunteerTotal._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (volunteer_id, region_code, hours_x100, lines, level) VALUES (%s, %s, %s, %s, 0) "
            f"ON CONFLICT (volunteer_id) DO UPDATE SET hours_x100 = {table}.hours_x100 + excluded.hours_x100, "
            f"lines = {table}.lines + excluded.lines RETURNING hours_x100, level, region_code",
            [volunteer.pk, region, x100, line],
        )
        total_x100, old_level, stored_region = cursor.fetchone()
    if not x100:
        return
    new_level = star_level(Decimal(total_x100) / 100, star_ladder_for(volunteer))
    if new_level != old_level:
        VolunteerTotal.objects.filter(pk=volunteer.pk).update(level=new_level)
        _add_stars(stored_region, old_level, -1)
        _add_stars(stored_region, new_level, +1)


# --- rebuild -----------------------------------------------------------------------------------


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"substr({column}, 1, 7)"


def _default_ladder() -> tuple[int, ...]:
    from wenming.volunteers.selectors import DEFAULT_STAR_LADDER

    return tuple(getattr(settings, "VOLUNTEER_STAR_LADDER", DEFAULT_STAR_LADDER))


def _level_case(ladder: Iterable[int]) -> str:
    ladder = list(ladder)
    whens = " ".join(
        f"WHEN hours_x100 >= {int(Decimal(str(threshold)) * 100)} THEN {n}"
        for n, threshold in reversed(list(enumerate(ladder, 1)))
    )
    return f"CASE {whens} ELSE 0 END"


@transaction.atomic
def rollup_rebuild() -> dict[str, int]:
    """Recompute every rollup from the raw tables (idempotent; safe to run at any time).

    On PostgreSQL the rollup tables are locked for the duration, so incremental writers wait
    and add on top of the rebuilt figures rather than being lost. Returns row counts.
    """
    from wenming.volunteers.models import (
        Activity,
        ServiceRecord,
        StarLadder,
        Team,
        Volunteer,
        VolunteerOrg,
        VolunteerProject,
    )
    from wenming.volunteers.selectors import parse_ladder

    mt, vt, st = (m._meta.db_table for m in (MonthlyRollup, VolunteerTotal, StarRollup))
    rt, vol_t, org_t = ServiceRecord._meta.db_table, Volunteer._meta.db_table, VolunteerOrg._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {mt}, {vt}, {st} IN EXCLUSIVE MODE")
        for table in (mt, vt, st):
            cursor.execute(f"DELETE FROM {table}")

    org_codes = dict(VolunteerOrg.objects.values_list("id", "region_code"))
    monthly: dict[tuple[str, dt.date], list[int]] = defaultdict(lambda: [0] * len(MONTHLY_FIELDS))

    def add(code, month, field, n):
        if month is None or not n:
            return
        month = month_of(month)
        i = MONTHLY_FIELDS.index(field)
        for prefix in ancestors(code):
            monthly[(prefix, month)][i] += n

    for code, month, n in (
        VolunteerOrg.objects.annotate(m=TruncMonth("created_at"))
        .values_list("region_code", "m")
        .annotate(n=Count("id"))
        .order_by()
    ):
        add(code, month, "orgs", n)
    for model, field in ((Team, "teams"), (VolunteerProject, "projects")):
        for org_id, month, n in (
            model.objects.annotate(m=TruncMonth("created_at"))
            .values_list("org_id", "m")
            .annotate(n=Count("id"))
            .order_by()
        ):
            add(org_codes.get(org_id), month, field, n)
    for org_id, month, n in (
        Activity.objects.annotate(m=TruncMonth("start"))
        .values_list("org_id", "m")
        .annotate(n=Count("id"))
        .order_by()
    ):
        add(org_codes.get(org_id), month, "activities", n)
    for residence, home_org_id, month, n in (
        Volunteer.objects.annotate(m=TruncMonth("created_at"))
        .values_list("residence_code", "home_org_id", "m")
        .annotate(n=Count("id"))
        .order_by()
    ):
        add(residence or org_codes.get(home_org_id) or "", month, "volunteers", n)
    with connection.cursor() as cursor:
        m = _month_sql("date")
        cursor.execute(
            f"SELECT org_id, {m}, SUM(CASE WHEN source <> 'correction' THEN 1 ELSE 0 END), "
            f"SUM(CAST(ROUND(hours * 100) AS BIGINT)) FROM {rt} GROUP BY org_id, {m}"
        )
        for org_id, ym, lines, x100 in cursor.fetchall():
            month = dt.date(int(ym[:4]), int(ym[5:7]), 1)
            add(org_codes.get(org_id), month, "participations", int(lines or 0))
            add(org_codes.get(org_id), month, "hours_x100", int(x100 or 0))
    MonthlyRollup.objects.bulk_create(
        (
            MonthlyRollup(prefix=p, month=mo, **dict(zip(MONTHLY_FIELDS, v, strict=True)))
            for (p, mo), v in monthly.items()
        ),
        batch_size=2000,
    )

    # Per-volunteer totals and levels, all in SQL (450,000 volunteers stay in the database).
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {vt} (volunteer_id, region_code, hours_x100, lines, level) "
            f"SELECT r.volunteer_id, '', SUM(CAST(ROUND(r.hours * 100) AS BIGINT)), "
            f"SUM(CASE WHEN r.source <> 'correction' THEN 1 ELSE 0 END), 0 FROM {rt} r GROUP BY r.volunteer_id"
        )
        cursor.execute(
            f"UPDATE {vt} SET region_code = COALESCE((SELECT CASE WHEN v.residence_code <> '' THEN v.residence_code "
            f"ELSE COALESCE(o.region_code, '') END FROM {vol_t} v LEFT JOIN {org_t} o ON o.id = v.home_org_id "
            f"WHERE v.id = {vt}.volunteer_id), '')"
        )
        cursor.execute(f"UPDATE {vt} SET level = {_level_case(_default_ladder())}")
        from wenming.orgs.regions import prefix_of

        ladders = sorted(
            (
                (prefix_of(code), text)
                for code, text in StarLadder.objects.values_list("region_code", "thresholds")
            ),
            key=lambda item: len(item[0]),
        )
        for prefix, text in ladders:  # deeper ladders last: the deepest applies
            try:
                ladder = parse_ladder(text)
            except ValueError:
                continue
            cursor.execute(
                f"UPDATE {vt} SET level = {_level_case(ladder)} WHERE volunteer_id IN "
                f"(SELECT id FROM {vol_t} WHERE residence_code LIKE %s)",
                [prefix + "%"],
            )
        cursor.execute(
            f"SELECT region_code, level, COUNT(*) FROM {vt} WHERE level > 0 GROUP BY region_code, level"
        )
        stars: dict[tuple[str, int], int] = defaultdict(int)
        for code, level, n in cursor.fetchall():
            for prefix in ancestors(code):
                stars[(prefix, level)] += n
    StarRollup.objects.bulk_create(
        (StarRollup(prefix=p, level=lv, count=n) for (p, lv), n in stars.items()), batch_size=2000
    )
    return {
        "monthly": len(monthly),
        "volunteers": VolunteerTotal.objects.count(),
        "stars": len(stars),
    }


# --- batch-incremental (after a raw bulk insert, instead of a full rebuild) ---------------------


@transaction.atomic
def rollup_add_import(
    *, import_batch: int | None = None, volunteer_ids: tuple[int, int] | None = None
) -> None:
    """Add rows inserted without the ORM to the rollups, without recomputing everything:
    the service records tagged ``import_batch`` and/or the volunteers with ids in the inclusive
    range ``volunteer_ids``. Call it once per batch, after the rows are committed (calling it twice
    counts them twice). Star counts are recomputed from the per-volunteer totals."""
    from wenming.orgs.regions import prefix_of
    from wenming.volunteers.models import ServiceRecord, StarLadder, Volunteer, VolunteerOrg
    from wenming.volunteers.selectors import parse_ladder

    mt, vt, st = (m._meta.db_table for m in (MonthlyRollup, VolunteerTotal, StarRollup))
    rt, vol_t, org_t = ServiceRecord._meta.db_table, Volunteer._meta.db_table, VolunteerOrg._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {mt}, {vt}, {st} IN EXCLUSIVE MODE")
    org_codes = dict(VolunteerOrg.objects.values_list("id", "region_code"))
    if volunteer_ids is not None:
        lo, hi = volunteer_ids
        for residence, home_org_id, month, n in (
            Volunteer.objects.filter(pk__gte=lo, pk__lte=hi)
            .annotate(m=TruncMonth("created_at"))
            .values_list("residence_code", "home_org_id", "m")
            .annotate(n=Count("id"))
            .order_by()
        ):
            _add_monthly(residence or org_codes.get(home_org_id) or "", month_of(month), volunteers=n)
    if import_batch is None:
        return
    in_batch = f"SELECT volunteer_id FROM {rt} WHERE import_batch = %s"
    with connection.cursor() as cursor:
        m = _month_sql("date")
        cursor.execute(
            f"SELECT org_id, {m}, SUM(CASE WHEN source <> 'correction' THEN 1 ELSE 0 END), "
            f"SUM(CAST(ROUND(hours * 100) AS BIGINT)) FROM {rt} WHERE import_batch = %s GROUP BY org_id, {m}",
            [import_batch],
        )
        for org_id, ym, lines, x100 in cursor.fetchall():
            month = dt.date(int(ym[:4]), int(ym[5:7]), 1)
            _add_monthly(
                org_codes.get(org_id), month, participations=int(lines or 0), hours_x100=int(x100 or 0)
            )
        cursor.execute(
            f"INSERT INTO {vt} (volunteer_id, region_code, hours_x100, lines, level) "
            f"SELECT r.volunteer_id, '', SUM(CAST(ROUND(r.hours * 100) AS BIGINT)), "
            f"SUM(CASE WHEN r.source <> 'correction' THEN 1 ELSE 0 END), 0 FROM {rt} r WHERE r.import_batch = %s "
            f"GROUP BY r.volunteer_id ON CONFLICT (volunteer_id) DO UPDATE SET "
            f"hours_x100 = {vt}.hours_x100 + excluded.hours_x100, lines = {vt}.lines + excluded.lines",
            [import_batch],
        )
        cursor.execute(
            f"UPDATE {vt} SET region_code = COALESCE((SELECT CASE WHEN v.residence_code <> '' THEN v.residence_code "
            f"ELSE COALESCE(o.region_code, '') END FROM {vol_t} v LEFT JOIN {org_t} o ON o.id = v.home_org_id "
            f"WHERE v.id = {vt}.volunteer_id), '') WHERE region_code = '' AND volunteer_id IN ({in_batch})",
            [import_batch],
        )
        cursor.execute(
            f"UPDATE {vt} SET level = {_level_case(_default_ladder())} WHERE volunteer_id IN ({in_batch})",
            [import_batch],
        )
        ladders = sorted(
            (
                (prefix_of(code), text)
                for code, text in StarLadder.objects.values_list("region_code", "thresholds")
            ),
            key=lambda item: len(item[0]),
        )
        for prefix, text in ladders:
            try:
                ladder = parse_ladder(text)
            except ValueError:
                continue
            cursor.execute(
                f"UPDATE {vt} SET level = {_level_case(ladder)} WHERE volunteer_id IN ({in_batch}) AND volunteer_id IN "
                f"(SELECT id FROM {vol_t} WHERE residence_code LIKE %s)",
                [import_batch, prefix + "%"],
            )
        cursor.execute(f"DELETE FROM {st}")
        cursor.execute(
            f"SELECT region_code, level, COUNT(*) FROM {vt} WHERE level > 0 GROUP BY region_code, level"
        )
        stars: dict[tuple[str, int], int] = defaultdict(int)
        for code, level, n in cursor.fetchall():
            for prefix in ancestors(code):
                stars[(prefix, level)] += n
    StarRollup.objects.bulk_create(
        (StarRollup(prefix=p, level=lv, count=n) for (p, lv), n in stars.items()), batch_size=2000
    )
