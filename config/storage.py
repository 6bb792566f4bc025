"""Where packages and media are stored: the "default" entry of Django's STORAGES setting.

  filesystem  files under MEDIA_ROOT (the default)
  s3          an S3-compatible bucket (AWS S3, MinIO, Ceph, R2...) through django-storages

Both packages (licensing.Package.file) and pictures (syndication.Media.file) use this one alias.
Partners never get a bucket address: downloads stream through the signed-link view, which checks
the licence on every request (docs/packages.md, "S3-compatible storage")."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

BACKENDS = ("filesystem", "s3")
ADDRESSING_STYLES = ("auto", "path", "virtual")
# A downloaded object is buffered in memory up to this size, then in a temporary file.
S3_MAX_MEMORY_BYTES = 5 * 1024 * 1024
# Addresses from .url() (the admin's "Currently" link, for staff) are presigned for this long.
S3_URL_EXPIRE_SECONDS = 300


def default_storage_setting(
    backend: str = "filesystem",
    *,
    bucket: str = "",
    endpoint_url: str = "",
    region: str = "",
    access_key: str = "",
    secret_key: str = "",
    prefix: str = "",
    addressing_style: str = "",
) -> dict[str, Any]:
    """The STORAGES["default"] entry for one backend. Empty strings mean "not set", so the
    values can come straight from the environment. Without keys, boto3 finds credentials itself
    (AWS_* variables, an instance or task role)."""
    backend = (backend or "filesystem").strip().lower()
    if backend == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if backend != "s3":
        raise ImproperlyConfigured(
            f"STORAGE_BACKEND {backend!r} is not one of {', '.join(BACKENDS)}"
        )
    if not bucket:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET.")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither."
        )
    if addressing_style and addressing_style not in ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            f"S3_ADDRESSING_STYLE {addressing_style!r} is not one of {', '.join(ADDRESSING_STYLES)}"
        )
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "location": prefix.strip("/"),
            "addressing_style": addressing_style or None,
            # The bucket's own policy decides access (keep it private); no ACL header is sent,
            # which buckets with ACLs disabled (the AWS default) and R2 would refuse.
            "default_acl": None,
            # Never a public address: any .url() is presigned and short-lived, and no CDN domain.
            "querystring_auth": True,
            "querystring_expire": S3_URL_EXPIRE_SECONDS,
            "custom_domain": None,
            # Overwriting would let a worker that lost a render race replace, then delete, the
            # winner's file: a taken name gets a new one, as on the file system.
            "file_overwrite": False,
            "max_memory_size": S3_MAX_MEMORY_BYTES,
        },
    }
