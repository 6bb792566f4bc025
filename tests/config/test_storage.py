"""STORAGE_BACKEND picks where packages and media live: the file system by default, an
S3-compatible bucket by setting, never with public addresses; production stays deploy-clean
either way."""

from __future__ import annotations

import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.storage import default_storage_setting
from tests.config.test_settings import run_manage


def test_the_file_system_is_the_default():
    assert default_storage_setting() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert default_storage_setting("") == default_storage_setting("filesystem")


def test_s3_options_from_the_environment_values():
    setting = default_storage_setting(
        "S3",
        bucket="republish-files",
        endpoint_url="https://minio.internal:9000",
        region="eu-west-2",
        access_key="AKIA-EXAMPLE",
        secret_key="s3cret",
        prefix="/prod/",
        addressing_style="path",
    )
    assert setting == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "republish-files",
            "endpoint_url": "https://minio.internal:9000",
            "region_name": "eu-west-2",
            "access_key": "AKIA-EXAMPLE",
            "secret_key": "s3cret",
            "location": "prod",
            "addressing_style": "path",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "custom_domain": None,
            "file_overwrite": False,
            "max_memory_size": 5 * 1024 * 1024,
        },
    }


def test_unset_s3_values_are_left_to_boto3():
    options = default_storage_setting("s3", bucket="republish-files")["OPTIONS"]
    assert {k: options[k] for k in ("endpoint_url", "region_name", "access_key", "secret_key")} == {
        "endpoint_url": None,
        "region_name": None,
        "access_key": None,
        "secret_key": None,
    }
    assert (options["location"], options["addressing_style"]) == ("", None)


@pytest.mark.parametrize(
    ("backend", "values", "message"),
    [
        ("gcs", {}, "STORAGE_BACKEND 'gcs' is not one of filesystem, s3"),
        ("s3", {}, "needs S3_BUCKET"),
        ("s3", {"bucket": "b", "access_key": "AKIA-EXAMPLE"}, "both S3_ACCESS_KEY_ID"),
        ("s3", {"bucket": "b", "addressing_style": "dns"}, "S3_ADDRESSING_STYLE 'dns'"),
    ],
)
def test_incomplete_or_unknown_settings_are_refused(backend, values, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        default_storage_setting(backend, **values)


def test_production_on_s3_passes_the_deploy_checks_with_no_warnings(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="syndication.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STORAGE_BACKEND="s3",
        S3_BUCKET="republish-files",
        S3_ENDPOINT_URL="https://minio.internal:9000",
        S3_REGION="eu-west-2",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_s3_without_a_bucket(tmp_path):
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STORAGE_BACKEND="s3",
    )
    assert result.returncode != 0
    assert "STORAGE_BACKEND=s3 needs S3_BUCKET." in result.stderr
