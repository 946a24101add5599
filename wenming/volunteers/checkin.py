"""The rules of verified check-in (签到/签退), pure functions over an activity and times.

- **QR token.** The organiser's screen shows a QR code of the URL
  ``/volunteers/c/<activity id>/<token>/``. ``token`` is an HMAC-SHA256 (key: the activity's
  random ``checkin_key`` and the site's ``SECRET_KEY``) of the activity id and the current time
  slot of ``SLOT_SECONDS`` (30 s), cut to 16 hex characters. A token of the current or the
  previous slot is accepted, so a code scanned just before it rotates still works (a photo of
  the code is therefore useful for at most a minute).
- **Window.** Check-in from ``OPEN_BEFORE`` (30 min) before the scheduled start until the
  scheduled end; check-out from check-in until ``CHECKOUT_GRACE`` (30 min) after the end.
- **Hours.** ``min(check-out, scheduled end) − max(check-in, scheduled start)``, rounded **down**
  to ``ROUND_TO`` (0.5 h), never negative.
- **Forgotten check-out.** When the activity is closed (by its admin, or by
  ``manage.py volunteers_close_activities`` for activities whose end + grace has passed), a
  volunteer still checked in is checked out at the scheduled end (``auto_closed``): the cap
  above then gives hours up to the scheduled end, and the record is marked so the admin can
  correct it through the correction flow.

**The scan path.** A check-in scan is the hot path of an activity's start (hundreds of phones in
a minute), so it runs two short SQL statements instead of the ORM's six or seven:
:func:`scan_state` reads, in one query, the activity, the signed-in user's volunteer record,
their active sign-up and their attendance row; :func:`record_check_in` applies the rules above
to it and inserts the attendance with ``INSERT … ON CONFLICT (activity, volunteer) DO NOTHING``
— one statement in autocommit, so it is its own short transaction, and the unique constraint
makes concurrent or repeated scans insert at most one row (the loser reads the winner's row).
Not audited: the attendance row is itself the record (who, which activity, when; only its
check-out is ever set); the hours line written at check-out is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.dateparse import parse_datetime

SLOT_SECONDS = 30
OPEN_BEFORE = dt.timedelta(minutes=30)
CHECKOUT_GRACE = dt.timedelta(minutes=30)
ROUND_TO = Decimal("0.5")


def slot_of(now: dt.datetime) -> int:
    return int(now.timestamp()) // SLOT_SECONDS


def token_for(activity, slot: int) -> str:
    key = f"{settings.SECRET_KEY}:{activity.checkin_key}".encode()
    return hmac.new(key, f"{activity.pk}:{slot}".encode(), hashlib.sha256).hexdigest()[:16]


def current_token(activity, now: dt.datetime) -> str:
    return token_for(activity, slot_of(now))


def token_valid(activity, token: str, now: dt.datetime) -> bool:
    slot = slot_of(now)
    return any(hmac.compare_digest(token_for(activity, s), token or "") for s in (slot, slot - 1))


def checkin_open(activity, now: dt.datetime) -> bool:
    return activity.start - OPEN_BEFORE <= now <= activity.end


def checkout_open(activity, now: dt.datetime) -> bool:
    return now <= activity.end + CHECKOUT_GRACE


def hours_between(activity, checked_in: dt.datetime, checked_out: dt.datetime) -> Decimal:
    begin = max(checked_in, activity.start)
    finish = min(checked_out, activity.end)
    seconds = Decimal((finish - begin).total_seconds())
    if seconds <= 0:
        return Decimal("0.00")
    hours = seconds / Decimal(3600)
    rounded = (hours / ROUND_TO).to_integral_value(rounding=ROUND_FLOOR) * ROUND_TO
    return rounded.quantize(Decimal("0.01"))


# --- The scan path -----------------------------------------------------------------------


class CheckinError(ValidationError):
    pass


EXPIRED = "二维码已过期，请重新扫描组织方屏幕上的二维码"


@dataclass(slots=True)
class ScanState:
    """What a scan needs, read in one query. Quacks like an Activity for the rule functions
    above (``pk``, ``checkin_key``, ``start``, ``end``) and for the scan page (``title``, ``place``)."""

    pk: int
    checkin_key: str
    start: dt.datetime
    end: dt.datetime
    status: str
    title: str
    place: str
    volunteer_id: int
    signup_id: int | None  # the active (pending / confirmed / waitlisted) sign-up, if any
    signup_status: str | None
    attendance_id: int | None
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None


def _sql() -> dict[str, str]:
    from wenming.volunteers.models import SIGNUP_ACTIVE, Activity, Attendance, Signup, Volunteer

    q = connection.ops.quote_name
    a, v, s, t = (q(m._meta.db_table) for m in (Activity, Volunteer, Signup, Attendance))
    active = ", ".join(f"'{status}'" for status in SIGNUP_ACTIVE)  # constants, not input
    select = (
        f"SELECT a.{q('id')}, a.{q('checkin_key')}, a.{q('start')}, a.{q('end')}, a.{q('status')}, "
        f"a.{q('title')}, a.{q('place')}, v.{q('id')}, s.{q('id')}, s.{q('status')}, "
        f"t.{q('id')}, t.{q('checked_in_at')}, t.{q('checked_out_at')} "
        f"FROM {v} v JOIN {a} a ON a.{q('id')} = %s "
        f"LEFT JOIN {s} s ON s.{q('activity_id')} = a.{q('id')} AND s.{q('volunteer_id')} = v.{q('id')} "
        f"AND s.{q('status')} IN ({active}) "
        f"LEFT JOIN {t} t ON t.{q('activity_id')} = a.{q('id')} AND t.{q('volunteer_id')} = v.{q('id')} "
    )
    return {
        "by_user": select + f"WHERE v.{q('user_id')} = %s",
        "by_volunteer": select + f"WHERE v.{q('id')} = %s",
        "insert": (
            f"INSERT INTO {t} ({q('activity_id')}, {q('volunteer_id')}, {q('signup_id')}, {q('checked_in_at')}, "
            f"{q('checked_out_at')}, {q('auto_closed')}) VALUES (%s, %s, %s, %s, NULL, %s) "
            f"ON CONFLICT ({q('activity_id')}, {q('volunteer_id')}) DO NOTHING RETURNING {q('id')}"
        ),
    }


_SQL: dict[str, dict[str, str]] = {}


def _statements() -> dict[str, str]:
    sql = _SQL.get(connection.vendor)
    if sql is None:
        sql = _SQL[connection.vendor] = _sql()
    return sql


def _aware(value):
    """A datetime column read by a raw cursor: PostgreSQL returns an aware datetime, SQLite a
    naive one (or text) in UTC."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = parse_datetime(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def scan_state(*, activity_id: int, user_id: int | None = None, volunteer_id: int | None = None):
    """The activity and this volunteer's sign-up and attendance, or None when the user is not a
    volunteer or the activity does not exist. Give ``user_id`` (the scan) or ``volunteer_id``."""
    key, who = ("by_user", user_id) if user_id is not None else ("by_volunteer", volunteer_id)
    with connection.cursor() as cursor:
        cursor.execute(_statements()[key], [activity_id, who])
        row = cursor.fetchone()
    if row is None:
        return None
    return ScanState(
        pk=row[0], checkin_key=row[1], start=_aware(row[2]), end=_aware(row[3]), status=row[4],
        title=row[5], place=row[6], volunteer_id=row[7], signup_id=row[8], signup_status=row[9],
        attendance_id=row[10], checked_in_at=_aware(row[11]), checked_out_at=_aware(row[12]),
    )  # fmt: skip


def record_check_in(state: ScanState, token: str, now: dt.datetime) -> tuple[ScanState, bool]:
    """Check in with a scanned token: returns the state after it and whether this scan checked
    in (False: already checked in — a repeated scan changes nothing, even after the window)."""
    from wenming.volunteers.models import PublishStatus, SignupStatus

    if not token_valid(state, token, now):
        raise CheckinError(EXPIRED)
    if state.attendance_id is not None:
        return state, False
    if state.status != PublishStatus.PUBLISHED:
        raise CheckinError("该活动已结项或未开放")
    if not checkin_open(state, now):
        raise CheckinError("不在签到时间内（活动开始前 30 分钟至结束）")
    if state.signup_id is None or state.signup_status != SignupStatus.CONFIRMED:
        raise CheckinError("您没有该活动已确认的报名，不能签到")
    with connection.cursor() as cursor:
        cursor.execute(
            _statements()["insert"],
            [
                state.pk,
                state.volunteer_id,
                state.signup_id,
                connection.ops.adapt_datetimefield_value(now),
                False,
            ],
        )
        row = cursor.fetchone()
    if row is None:  # a concurrent scan of the same volunteer inserted first: answer with its row
        again = scan_state(activity_id=state.pk, volunteer_id=state.volunteer_id)
        return again, False
    state.attendance_id, state.checked_in_at = row[0], now
    return state, True
