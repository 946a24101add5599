"""Password rules (≥ 8 characters, three character classes) and the password change page, in Chinese."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from tests.world import PASSWORD
from wenming.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db

URL = "/password/"
HAN = re.compile(r"[\u4e00-\u9fff]")


def _errors(response) -> list[str]:
    body = response.content.decode()
    found = re.findall(
        r'<div class="(?:invalid-feedback d-block|alert alert-danger)">(.*?)</div>', body, re.S
    )
    return [htmllib.unescape(e).strip() for e in found]


def _change(client, old: str, new1: str, new2: str | None = None):
    return client.post(URL, {"old_password": old, "new_password1": new1, "new_password2": new2 or new1})


def test_it_shows_the_rules_in_chinese(client, world, login):
    login(world.unit_a_admin)
    body = client.get(URL).content.decode()
    assert "原密码" in body and "新密码" in body and "再次输入新密码" in body
    assert "密码至少需要 8 个字符" in body
    assert "至少 3 类" in body


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (PASSWORD, "Ab1!xyz", "密码太短，至少需要 8 个字符。"),
        (PASSWORD, "abcdefghijkl", "密码须包含大写字母、小写字母、数字、符号中的至少 3 类。"),
        (PASSWORD, "abcdefgh12", "密码须包含大写字母、小写字母、数字、符号中的至少 3 类。"),
        (PASSWORD, "1234567890123", "密码只包含数字。"),
        ("Not#MyPassw0rd", "New#Passw0rd1", "原密码不正确，请重新输入。"),
    ],
)
def test_it_refuses_weak_or_wrong_passwords_in_chinese(client, world, login, old, new, expected):
    login(world.unit_a_admin)
    response = _change(client, old, new)
    errors = _errors(response)
    assert response.status_code == 200
    assert expected in errors
    assert all(HAN.search(e) for e in errors), f"untranslated error: {errors}"
    world.unit_a_admin.refresh_from_db()
    assert world.unit_a_admin.check_password(PASSWORD)


def test_it_refuses_a_mismatched_confirmation(client, world, login):
    login(world.unit_a_admin)
    errors = _errors(_change(client, PASSWORD, "New#Passw0rd1", "New#Passw0rd2"))
    assert "两次输入的新密码不一致。" in errors


def test_it_changes_the_password_keeps_this_session_and_audits(client, world, login):
    user = world.unit_a_admin
    login(user)
    before = AuditEntry.objects.filter(action=Action.PASSWORD_CHANGE).count()

    response = _change(client, PASSWORD, "New#Passw0rd1")

    assert response.status_code == 302 and response["Location"] == "/"
    user.refresh_from_db()
    assert user.check_password("New#Passw0rd1")
    assert client.get("/").status_code == 200, "the session that changed the password stays signed in"
    entries = AuditEntry.objects.filter(action=Action.PASSWORD_CHANGE)
    assert entries.count() == before + 1
    entry = entries.order_by("-seq").first()
    assert entry.actor_id == user.pk and entry.object_id == str(user.pk)
    assert "New#Passw0rd1" not in str(entry.changes) and PASSWORD not in str(entry.changes)


def test_other_sessions_end_when_the_password_changes(client, world, login):
    from django.test import Client

    from conftest import login_client

    user = world.unit_a_admin
    other = login_client(Client(), user)
    assert other.get("/").status_code == 200
    login(user)
    _change(client, PASSWORD, "New#Passw0rd1")
    response = other.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
