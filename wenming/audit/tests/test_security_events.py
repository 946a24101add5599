"""Sign-in events on the audit chain: login, failed login (username, never the password), lockout,
logout. (Password change and 2FA enrolment: wenming/web/tests/test_security_password.py and
test_security_2fa.py.)"""

from __future__ import annotations

import json

import pytest
from django.forms.models import model_to_dict

from tests.world import PASSWORD
from wenming.audit.models import Action, AuditEntry
from wenming.audit.services import audit_verify

pytestmark = pytest.mark.django_db


def _new_entries(since: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(seq__gt=since).order_by("seq"))


def _last_seq() -> int:
    entry = AuditEntry.objects.order_by("-seq").first()
    return entry.seq if entry else 0


def _login(client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR="203.0.113.7")


def test_a_login_is_recorded_with_who_and_where(client, world):
    start = _last_seq()
    assert _login(client, "unit_a_admin", PASSWORD).status_code == 302

    [entry] = [e for e in _new_entries(start) if e.action == Action.LOGIN]
    assert entry.actor_id == world.unit_a_admin.pk
    assert entry.actor_label == "unit_a_admin"
    assert entry.ip == "203.0.113.7"
    assert entry.object_type == "auth.user" and entry.object_id == str(world.unit_a_admin.pk)


@pytest.mark.parametrize("username", ["unit_a_admin", "no_such_user"])
def test_a_failed_login_records_the_username_and_never_the_password(client, world, username):
    start = _last_seq()
    secret = "Tr0ub4dor&3-guess"
    assert _login(client, username, secret).status_code == 200

    entries = _new_entries(start)
    assert [e.action for e in entries] == [Action.LOGIN_FAILED]
    entry = entries[0]
    assert entry.changes == {"username": username}
    assert entry.object_repr == username
    assert entry.actor_id is None and entry.ip == "203.0.113.7"
    stored = json.dumps(model_to_dict(entry), ensure_ascii=False, default=str)
    assert secret not in stored and "****" not in stored


@pytest.mark.parametrize(
    "restart_cool_off", [True, False], ids=["attempts-restart-cool-off", "fixed-cool-off"]
)
def test_a_lockout_is_recorded_once_and_refused_attempts_are_marked(
    client, world, settings, restart_cool_off
):
    settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = restart_cool_off
    start = _last_seq()
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(limit):
        response = _login(client, "unit_a_admin", f"Wrong#{attempt}")
    assert response.status_code == 429
    # Two more tries while locked, one of them with the right password.
    _login(client, "unit_a_admin", "Wrong#again")
    _login(client, "unit_a_admin", PASSWORD)

    entries = _new_entries(start)
    lockouts = [e for e in entries if e.action == Action.LOCKOUT]
    failures = [e for e in entries if e.action == Action.LOGIN_FAILED]
    assert len(lockouts) == 1
    assert lockouts[0].changes == {"username": "unit_a_admin", "failures": limit}
    assert lockouts[0].ip == "203.0.113.7"
    assert [f.changes.get("locked", False) for f in failures] == [False] * limit + [True, True]
    assert not any(e.action == Action.LOGIN for e in entries)
    assert PASSWORD not in json.dumps([e.changes for e in entries])


def test_a_logout_is_recorded(client, world):
    _login(client, "unit_a_admin", PASSWORD)
    start = _last_seq()

    assert client.post("/logout/").status_code == 302

    [entry] = _new_entries(start)
    assert entry.action == Action.LOGOUT
    assert entry.actor_id == world.unit_a_admin.pk and entry.changes == {}


def test_an_anonymous_logout_records_nothing(client, world):
    start = _last_seq()
    client.post("/logout/")
    assert _new_entries(start) == []


def test_the_chain_stays_intact_through_sign_in_events(client, world):
    _login(client, "unit_a_admin", "Wrong#1")
    _login(client, "unit_a_admin", PASSWORD)
    client.post("/logout/")
    checked, broken, reason = audit_verify()
    assert (broken, reason) == (None, "")
    assert checked == AuditEntry.objects.count()
