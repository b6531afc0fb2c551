"""Settings: production refuses to start half-configured; language and time zone defaults."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = [
    "DJANGO_SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DEFAULT_FROM_EMAIL",
    "WAGTAILADMIN_BASE_URL",
]


def production_env(**overrides):
    """A complete production environment; pass NAME=None to leave a variable out."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "portal.example.gov.tw",
        # Never connected to by `check`: only its driver is loaded.
        "DATABASE_URL": "postgres://portal@127.0.0.1:1/portal",
        "DEFAULT_FROM_EMAIL": "教育部中小學國際教育全球資訊網 <noreply@example.gov.tw>",
        "WAGTAILADMIN_BASE_URL": "https://portal.example.gov.tw",
        "LOG_LEVEL": "WARNING",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("name", REQUIRED)
def test_production_refuses_to_start_without_a_required_variable(name):
    result = manage("check", env=production_env(**{name: None}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"The environment variable {name} is required" in result.stderr


@pytest.mark.parametrize("name", ["DJANGO_SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_treats_an_empty_variable_as_missing(name):
    result = manage("check", env=production_env(**{name: ""}))
    assert result.returncode != 0
    assert name in result.stderr


def test_production_passes_the_deploy_checks_with_everything_set():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_a_short_secret_key_fails_the_deploy_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_env(DJANGO_SECRET_KEY="short"),
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_production_refuses_the_demo_data():
    result = manage("load_demo_data", env=production_env())
    assert result.returncode != 0
    assert "Demo data (with known passwords) is refused by these settings." in result.stderr


# ---------------------------------------------------------------- language and time zone


def test_language_and_time_zone_settings():
    assert settings.LANGUAGE_CODE == "zh-hant"
    assert settings.TIME_ZONE == "Asia/Taipei"
    assert settings.USE_TZ is True
    assert timezone.get_default_timezone_name() == "Asia/Taipei"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hant", "en"]


@pytest.mark.django_db
def test_traditional_chinese_by_default_whatever_the_browser_asks(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hant"
    assert '<html lang="zh-Hant">' in response.content.decode()


@pytest.mark.django_db
def test_english_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/login/")
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["fr", "zh-hans", "<script>", "en" * 500])
def test_an_unsupported_language_cookie_falls_back_to_traditional_chinese(client, value):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = value
    response = client.get("/login/")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hant"
    assert '<html lang="zh-Hant">' in response.content.decode()


@pytest.mark.django_db
def test_the_language_switch_sets_the_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert response.url == "/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert client.get("/login/")["Content-Language"] == "en"


@pytest.mark.django_db
def test_the_language_switch_ignores_an_offsite_next(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response.url
