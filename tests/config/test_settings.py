"""Settings come from the environment: production passes Django's deploy checks, and the email
and database URLs are read the way the README says."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest
from django.core.exceptions import ImproperlyConfigured

from config.email_url import mailer_from_url

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_checks_with_no_warnings(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="syndication.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path):
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_smtp_url_becomes_a_mailer():
    mailer = mailer_from_url("smtp://desk%40pub.example:s3cret@mail.example:587/?tls=1")
    assert mailer == {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": "mail.example",
            "port": 587,
            "username": "desk@pub.example",
            "password": "s3cret",
            "use_ssl": False,
            "use_tls": True,
            "timeout": 10,
        },
    }


def test_file_and_console_urls():
    assert mailer_from_url("file:///var/mail/out")["OPTIONS"] == {"file_path": "/var/mail/out"}
    assert mailer_from_url("console://")["BACKEND"].endswith("console.EmailBackend")


def test_unknown_email_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="imap"):
        mailer_from_url("imap://mail.example")


def test_database_urls_of_any_form(tmp_path):
    path = tmp_path / "x.sqlite3"
    assert dj_database_url.parse(f"sqlite:///{path}")["NAME"] == str(path)
    pg = dj_database_url.parse("postgres://postgres@127.0.0.1:5432/republish")
    assert (pg["ENGINE"], pg["HOST"], pg["NAME"]) == (
        "django.db.backends.postgresql",
        "127.0.0.1",
        "republish",
    )


def settings_database(**env: str) -> dict:
    """config.settings' DATABASES["default"] as a fresh process reads it from `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from config.settings import base; "
            "print(json.dumps(base.DATABASES['default'], default=str))",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_settings_take_the_database_from_database_url():
    database = settings_database(
        DATABASE_URL="postgres://syndication:pw@db.example:6543/republish", DB_CONN_MAX_AGE="60"
    )

    assert {k: database[k] for k in ("ENGINE", "NAME", "USER", "HOST", "PORT")} == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "republish",
        "USER": "syndication",
        "HOST": "db.example",
        "PORT": 6543,
    }
    assert database["CONN_MAX_AGE"] == 60
    assert "init_command" not in database.get("OPTIONS", {})  # SQLite's pragmas stay SQLite's


def test_settings_take_a_sqlite_path_from_database_url_and_default_to_a_file(tmp_path):
    path = tmp_path / "elsewhere" / "db.sqlite3"

    named = settings_database(DATABASE_URL=f"sqlite:///{path}")
    default = settings_database(VAR_DIR=str(tmp_path / "var"))

    assert (named["ENGINE"], named["NAME"]) == ("django.db.backends.sqlite3", str(path))
    assert named["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert path.parent.is_dir()  # created so the first migrate can open the file
    assert default["NAME"] == str(tmp_path / "var" / "db.sqlite3")
