"""Signed links partners follow without an account: the request status page."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from licensing.models import LicenceRequest

STATUS_SALT = "licensing.request-status"


def status_token(request: LicenceRequest) -> str:
    """A stable token per request: it signs the id and the request's creation time, so every
    email and page shows the same link, and the link's age is the request's age."""
    created = int(request.created_at.timestamp())
    return signing.Signer(salt=STATUS_SALT).sign(f"{request.pk}.{created}")


def request_id_from_status_token(token: str) -> int | None:
    """The request id, or None when the token is forged or older than the configured age."""
    try:
        pk, created = signing.Signer(salt=STATUS_SALT).unsign(token).split(".")
        age = time.time() - int(created)
        if age > timedelta(days=settings.STATUS_LINK_MAX_AGE_DAYS).total_seconds():
            return None
        return int(pk)
    except (signing.BadSignature, ValueError, TypeError):
        return None


def status_path(request: LicenceRequest) -> str:
    return reverse("licensing:request-status", kwargs={"token": status_token(request)})


def status_url(request: LicenceRequest) -> str:
    return settings.SITE_URL + status_path(request)
