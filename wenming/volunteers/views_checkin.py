"""The scan page: the URL in the organiser's rotating QR code (issue 5 item 4; rules and the scan
path in :mod:`wenming.volunteers.checkin`).

This is the one page hit by hundreds of phones within a minute when an activity starts, so it
does only what a scan needs: one query for the activity and the volunteer's sign-up and
attendance (:func:`checkin.scan_state`), one ``INSERT … ON CONFLICT DO NOTHING`` for a check-in,
a redirect back to the page (the result is shown there by the messages framework, kept in a
cookie: no session write). Everything the middleware stack does still applies: sign-in required,
CSRF on the POST, session limits, the second factor.

Who may open it: any signed-in volunteer; what they may do is decided by their confirmed
sign-up. A user without a volunteer record, or an unknown activity, gets 404 (no hint that the
activity exists).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from wenming.volunteers import checkin, ledger
from wenming.volunteers.models import Activity, ServiceRecord, SignupStatus, Volunteer

_STATUS_NAMES = dict(SignupStatus.choices)


def _check_out(state: checkin.ScanState, token: str, now):
    """Check-out writes the hours line (audited) through the ledger; a scan that has nothing to
    do (not checked in, already checked out) is answered from the state without loading more."""
    if not checkin.token_valid(state, token, now):
        raise checkin.CheckinError(checkin.EXPIRED)
    if state.attendance_id is None:
        raise checkin.CheckinError("您还没有签到")
    if state.checked_out_at is not None:
        return state.checked_out_at, False
    activity = Activity.objects.get(pk=state.pk)
    volunteer = Volunteer(pk=state.volunteer_id)
    att, changed = ledger.check_out(activity=activity, volunteer=volunteer, token=token, now=now)
    return att.checked_out_at, changed


@require_http_methods(["GET", "POST"])
def scan(request, activity_id: int, scan_token: str):
    """GET shows what a tap will do (签到 / 签退 / done); POST does it and redirects back."""
    state = checkin.scan_state(activity_id=activity_id, user_id=request.user.pk)
    if state is None:  # not a volunteer, or no such activity
        raise Http404("未找到")
    now = timezone.now()
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "checkout":
                when, changed = _check_out(state, scan_token, now)
                if changed:
                    messages.success(request, f"签退成功：{timezone.localtime(when):%H:%M}")
                else:
                    messages.info(request, "您已签退，无需重复扫码")
            else:
                state, created = checkin.record_check_in(state, scan_token, now)
                if created:
                    messages.success(request, f"签到成功：{timezone.localtime(state.checked_in_at):%H:%M}")
                else:
                    messages.info(request, "您已签到，无需重复扫码")
        except ValidationError as exc:
            error = "；".join(exc.messages)
        else:
            return HttpResponseRedirect(request.path)  # this page again (no URL reversing)
    att = None
    if state.attendance_id is not None:
        att = {"checked_in_at": state.checked_in_at, "checked_out_at": state.checked_out_at}
    record_hours = None
    if state.checked_out_at is not None:
        record_hours = ServiceRecord.objects.filter(
            activity_id=state.pk, volunteer_id=state.volunteer_id
        ).aggregate(h=Sum("hours"))["h"]
        record_hours = None if record_hours is None else Decimal(record_hours).quantize(Decimal("0.01"))
    signup = {"status": state.signup_status} if state.signup_id is not None else None
    return render(request, "volunteers/scan.html", {
        "title": "扫码签到", "a": state, "att": att, "signup": signup, "error": error,
        "valid": checkin.token_valid(state, scan_token, now), "record_hours": record_hours,
        "status_names": _STATUS_NAMES,
    }, status=400 if error else 200)  # fmt: skip
