"""The `Idempotency-Key` header for API POSTs: the first response to a key is stored per partner
and replayed for repeats, so a client retrying after a timeout never creates a thing twice."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from syndication.errors import Conflict, DomainError
from syndication.models import IdempotencyRecord, Partner

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255  # IdempotencyRecord.key

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique value (a UUID is ideal) that makes a retry safe. A repeat with the same key and "
        "body gets the first response again (marked `Idempotent-Replayed: true`) and creates "
        "nothing; a repeat while the first is still running gets 409; the same key with another "
        "body gets 422 `idempotency_key_reused`. Keys are kept per partner for "
        "API_IDEMPOTENCY_TTL_HOURS (24 by default)."
    ),
)


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status_code = 422


class IdempotencyRequestInFlight(Conflict):
    code = "idempotency_request_in_flight"


View = Callable[..., Response]


def idempotent(view_method: View) -> View:
    """Decorate a DRF view's `post` (or `put`, `patch`) to honour `Idempotency-Key`.

    Needs a partner on request.user (PartnerPrincipal); requests without the header, or without a
    partner, run as usual. The view and the stored response commit together."""

    @functools.wraps(view_method)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw_key = request.headers.get(HEADER)
        partner = getattr(request.user, "partner", None)
        if raw_key is None or not isinstance(partner, Partner):
            return view_method(view, request, *args, **kwargs)
        key = _clean_key(raw_key)
        record, replay = _claim(
            partner=partner,
            key=key,
            method=request.method or "",
            path=request.path,
            fingerprint=request_fingerprint(request),
        )
        if replay is not None:
            return replay
        try:
            with transaction.atomic():
                response = view_method(view, request, *args, **kwargs)
                if response.status_code < 500:
                    _store(record, response)
        except BaseException:
            # Nothing was created, so the client may retry with the same key.
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return response

    return wrapper


def _clean_key(raw_key: str) -> str:
    key = raw_key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError(f"An idempotency key has 1 to {MAX_KEY_LENGTH} characters.", field=HEADER)
    return key


def request_fingerprint(request: Request) -> str:
    """SHA-256 of the parsed body, so key order and whitespace in the JSON do not matter."""
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict from a form post
        data = dict(data.lists())
    return body_fingerprint(data)


def body_fingerprint(data: Any) -> str:
    canonical = json.dumps(
        data, sort_keys=True, separators=(",", ":"), cls=_FingerprintEncoder, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class _FingerprintEncoder(JSONEncoder):
    def default(self, obj: Any) -> Any:
        if isinstance(obj, UploadedFile):
            return {"file": obj.name, "size": obj.size}
        return super().default(obj)


def _is_stale(record: IdempotencyRecord, now: datetime) -> bool:
    return record.created_at < now - timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)


def _claim(
    *, partner: Partner, key: str, method: str, path: str, fingerprint: str
) -> tuple[IdempotencyRecord, Response | None]:
    """Insert the in-flight record, or decide from the one already there. The unique constraint
    on (partner, key) decides which of two racing requests runs; the other sees its record."""
    for _attempt in range(3):
        try:
            # Committed on its own, before the view runs, so a concurrent repeat sees it.
            with transaction.atomic(durable=True):
                record = IdempotencyRecord.objects.create(
                    partner=partner, key=key, method=method, path=path, fingerprint=fingerprint
                )
            return record, None
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(partner=partner, key=key).first()
        if existing is None:
            continue  # deleted by a failed first attempt a moment ago: claim it again
        if _is_stale(existing, timezone.now()):
            IdempotencyRecord.objects.filter(
                pk=existing.pk, created_at=existing.created_at
            ).delete()
            continue
        if (existing.method, existing.path, existing.fingerprint) != (method, path, fingerprint):
            raise IdempotencyKeyReused(
                "This idempotency key was used for a different request; use a new key.",
                field=HEADER,
            )
        if existing.status_code is None:
            raise IdempotencyRequestInFlight(
                "A request with this idempotency key is still being processed; retry shortly.",
                field=HEADER,
            )
        return existing, Response(
            existing.response_body,
            status=existing.status_code,
            headers={REPLAY_HEADER: "true"},
        )
    raise IdempotencyRequestInFlight(
        "A request with this idempotency key is still being processed; retry shortly.",
        field=HEADER,
    )


def _store(record: IdempotencyRecord, response: Response) -> None:
    # Stored as the client received it (Decimals and dates already strings), so a replay is
    # the same JSON.
    data = getattr(response, "data", None)
    body = None if data is None else json.loads(json.dumps(data, cls=JSONEncoder))
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=response.status_code, response_body=body
    )


def idempotency_records_purge(*, now: datetime | None = None) -> int:
    """Delete records past the replay window (a daily sweep). Returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
