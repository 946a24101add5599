"""`manage.py check --deploy` is clean with the production environment recommended in docs/deploy.md,
and still warns when a part of it is missing (nothing is silenced)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest

from wenming.web.tests.settings_probe import BASE_DIR, probe_settings, run_manage


def production_env() -> dict[str, str]:
    """The recommended production environment of docs/deploy.md (secrets replaced)."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "wenming.example.cn",
        "CSRF_TRUSTED_ORIGINS": "https://wenming.example.cn",
        "BEHIND_TLS_PROXY": "1",
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_HSTS_SECONDS": "31536000",
        "DATABASE_URL": "postgres://wenming:secret@db-primary.internal:5432/wenming",
        "REPLICA_DATABASE_URL": "postgres://wenming_ro:secret@db-replica.internal:5432/wenming",
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": "wenming-files",
        "S3_ENDPOINT_URL": "https://oss.example.cn",
        "S3_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "S3_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
    }


def _check_deploy(tmp_path: Path, env: dict[str, str]):
    return run_manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **env)


def test_check_deploy_is_clean_with_the_recommended_production_env(tmp_path):
    result = _check_deploy(tmp_path, production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def _deploy_doc() -> str:
    return (BASE_DIR / "docs" / "deploy.md").read_text(encoding="utf-8")


def test_every_environment_variable_of_the_settings_is_documented():
    source = (BASE_DIR / "wenming" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r"""env(?:str|bool|int|list)\(\s*["']([A-Z0-9_]+)["']""", source))
    assert {"SECRET_KEY", "DATABASE_URL", "REQUIRE_2FA"} <= names  # the pattern still finds them
    table = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", _deploy_doc(), re.M))
    assert names - table == set(), f"add to the table in docs/deploy.md: {sorted(names - table)}"
    assert table - names == set(), (
        f"docs/deploy.md documents variables settings.py no longer reads: {sorted(table - names)}"
    )


def test_the_recommended_env_is_what_docs_deploy_md_recommends():
    doc = _deploy_doc()
    block = re.search(r"```sh\n# recommended production environment\n(.*?)```", doc, re.S)
    assert block, "docs/deploy.md must hold the recommended production env block"
    names = {
        line.split("=", 1)[0]
        for line in block.group(1).splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert set(production_env()) <= names, set(production_env()) - names


@pytest.mark.parametrize(
    ("drop", "warning"),
    [
        ("SECURE_HSTS_SECONDS", "security.W004"),
        ("SECURE_SSL_REDIRECT", "security.W008"),
    ],
)
def test_check_deploy_still_warns_when_part_of_it_is_missing(tmp_path, drop, warning):
    env = production_env()
    del env[drop]
    result = _check_deploy(tmp_path, env)
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


def test_check_deploy_warns_about_a_weak_secret_key_and_debug(tmp_path):
    result = _check_deploy(tmp_path, {**production_env(), "SECRET_KEY": "short", "DEBUG": "1"})
    output = result.stdout + result.stderr
    assert "security.W009" in output and "security.W018" in output


def test_the_production_env_gives_secure_cookies_and_the_proxy_header(tmp_path):
    values = probe_settings(
        tmp_path,
        [
            "DEBUG",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SECURE_PROXY_SSL_HEADER",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS",
            "SECURE_HSTS_PRELOAD",
            "REQUIRE_2FA",
            "SILENCED_SYSTEM_CHECKS",
        ],
        **production_env(),
    )
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "REQUIRE_2FA": True,
        "SILENCED_SYSTEM_CHECKS": [],
    }
