"""Sign-in events written to the audit chain: login, failed login, lockout, logout.

Connected in ``AuditConfig.ready``. Password changes and 2FA enrolment are recorded by their
views (``wenming.web.views``), inside the change's transaction.

A failed login records the attempted username and never the password: only the ``username``
key of the credentials is read.

django-axes sends ``user_locked_out`` both when a failure reaches the limit and again for every
attempt refused while the lock holds. Only the first is a lockout; a refused attempt is recorded
as a failed login marked ``locked``. Axes puts the failure count on the request
(``axes_failures_since_start``): it equals the limit on the locking attempt, and is higher (each
refused attempt also counts and restarts the cool-off) or unset (with
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off) for attempts refused afterwards.
"""

from __future__ import annotations

from axes.helpers import get_failure_limit
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from wenming.audit.context import Actor, client_ip
from wenming.audit.models import Action
from wenming.audit.services import audit_record

_USERNAME_MAX = 150


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


def _user_actor(user, request) -> Actor:
    return Actor(user_id=user.pk, label=user.get_username()[:_USERNAME_MAX], ip=_ip(request))


def _anonymous(request) -> Actor:
    return Actor(user_id=None, label="匿名", ip=_ip(request))


@receiver(user_logged_in, dispatch_uid="wenming_audit_login")
def record_login(sender, request, user, **kwargs) -> None:
    audit_record(
        action=Action.LOGIN,
        obj=user,
        object_repr=user.get_username(),
        actor=_user_actor(user, request),
    )


@receiver(user_logged_out, dispatch_uid="wenming_audit_logout")
def record_logout(sender, request, user, **kwargs) -> None:
    if user is None:  # an anonymous visitor pressed "log out": nothing happened
        return
    # SessionLimitsMiddleware sets the reason when it ends a session on a timeout.
    reason = getattr(request, "wenming_logout_reason", "") if request is not None else ""
    audit_record(
        action=Action.LOGOUT,
        obj=user,
        object_repr=user.get_username(),
        changes={"reason": reason} if reason else {},
        actor=_user_actor(user, request),
    )


@receiver(user_login_failed, dispatch_uid="wenming_audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str((credentials or {}).get("username") or "")[:_USERNAME_MAX]
    changes: dict = {"username": username}
    if _refused_while_locked(request):
        changes["locked"] = True  # refused by the lock; the password was not checked
    audit_record(
        action=Action.LOGIN_FAILED,
        object_type="auth.user",
        object_repr=username,
        changes=changes,
        actor=_anonymous(request),
    )


def _refused_while_locked(request) -> bool:
    if request is None or not getattr(request, "axes_locked_out", False):
        return False
    failures = getattr(request, "axes_failures_since_start", None)
    return failures is None or failures > get_failure_limit(
        request, getattr(request, "axes_credentials", None)
    )


@receiver(user_locked_out, dispatch_uid="wenming_audit_lockout")
def record_lockout(sender, request, username, ip_address, **kwargs) -> None:
    if _refused_while_locked(request):
        return  # not a new lock: recorded as a failed login marked "locked"
    username = str(username or "")[:_USERNAME_MAX]
    failures = getattr(request, "axes_failures_since_start", None)
    audit_record(
        action=Action.LOCKOUT,
        object_type="auth.user",
        object_repr=username,
        changes={"username": username, "failures": failures},
        actor=_anonymous(request),
    )
