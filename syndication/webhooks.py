"""Partner webhooks: setting an endpoint, emitting events (one delivery per active endpoint),
sending a delivery signed with the endpoint's secret, re-sending by hand, and the signature check
partners run on their side.

Partners verify a delivery like this (Python; any language with HMAC-SHA256 works the same):

    header = request.headers["X-Republish-Signature"]        # "t=1764100000,v1=5f2c…"
    ok = webhook_signature_verify(secret, request.body, header, tolerance=300)

The signed message is `f"{t}.{body}"`: the Unix time the attempt was made, a dot, and the raw
request body as sent. Several `v1=` values may appear (during a secret rotation); one matching is
enough. Reject a timestamp older than the tolerance to stop replays, and deduplicate on the
`id` of the event (also in `X-Republish-Delivery`): retries and re-sends carry the same id."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from http.client import HTTPException
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from jobs.retry import PermanentError, TransientError, backoff_seconds
from syndication import tasks
from syndication.emails import send_templated_email
from syndication.errors import Conflict, DomainError
from syndication.models import Partner, Publication
from syndication.webhook_models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
    new_webhook_secret,
)

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Republish-Signature"
EVENT_HEADER = "X-Republish-Event"
DELIVERY_HEADER = "X-Republish-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300
# Event ids derived from a business key (uuid5) make "the same event" the same id everywhere.
EVENT_NAMESPACE = uuid.UUID("8c0f4a8e-5a3b-4f53-9d0e-3c1b2a7f6e10")
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
RESPONSE_EXCERPT = 300


def _settings_timeout() -> float:
    return float(getattr(settings, "WEBHOOKS_TIMEOUT_SECONDS", 10))


def _loopback_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False))


# ---------------------------------------------------------------------------------------------
# Endpoints
# ---------------------------------------------------------------------------------------------


def webhook_url_validate(url: str) -> str:
    """The URL cleaned, or a DomainError. HTTPS only, and never an address inside our own
    network: a partner must not make us call our database or metadata service. Loopback over
    plain HTTP is allowed only in development and tests (DEBUG or WEBHOOKS_ALLOW_LOOPBACK)."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as exc:
        raise DomainError("Give a valid URL.", field="url") from exc
    if not host or parts.username or parts.password:
        raise DomainError("Give a URL with a host name and no credentials.", field="url")
    loopback = host in LOOPBACK_HOSTS or host.endswith(".localhost")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    internal = address is not None and not address.is_global
    if loopback or (address is not None and address.is_loopback):
        if not _loopback_allowed():
            raise DomainError("Webhooks cannot be sent to this machine.", field="url")
        if parts.scheme not in ("http", "https"):
            raise DomainError("Use an https:// URL.", field="url")
    elif internal:
        raise DomainError("Webhooks cannot be sent to a private network address.", field="url")
    elif parts.scheme != "https":
        raise DomainError("Use an https:// URL.", field="url")
    return parts._replace(fragment="").geturl()


@transaction.atomic
def webhook_endpoint_set(
    *, partner: Partner, url: str, active: bool = True, rotate_secret: bool = False
) -> WebhookEndpoint:
    """Create or change the partner's endpoint (a partner has one through the API; staff may add
    more in the admin). A new endpoint gets a new secret; `rotate_secret` replaces it."""
    url = webhook_url_validate(url)
    endpoint = (
        WebhookEndpoint.objects.select_for_update().filter(partner=partner).order_by("pk").first()
    )
    if endpoint is None:
        return WebhookEndpoint.objects.create(partner=partner, url=url, active=active)
    endpoint.url = url
    endpoint.active = active
    fields = ["url", "active"]
    if rotate_secret:
        endpoint.secret = new_webhook_secret()
        endpoint.secret_rotated_at = timezone.now()
        fields += ["secret", "secret_rotated_at"]
    endpoint.save(update_fields=fields)
    return endpoint


def webhook_endpoint_for(partner: Partner) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(partner=partner).order_by("pk").first()


def deliveries_for_partner(partner: Partner) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint__partner=partner).select_related("endpoint")


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


def event_id_for(*, partner: Partner, event_key: str) -> uuid.UUID:
    return uuid.uuid5(EVENT_NAMESPACE, f"{partner.pk}:{event_key}")


@transaction.atomic
def webhook_event_emit(
    *, partner: Partner, event_type: str, data: dict[str, Any], event_key: str | None = None
) -> list[WebhookDelivery]:
    """Record one delivery per active endpoint of the partner and send each after the commit.

    With `event_key` (e.g. "article.corrected:<licence>:<revision>") the event is once-only: a
    second emit with the same key creates nothing. Returns the deliveries created now."""
    if event_type not in WebhookEventType.values:
        raise DomainError(f"Unknown webhook event {event_type!r}.", field="event_type")
    event_id = event_id_for(partner=partner, event_key=event_key) if event_key else uuid.uuid4()
    created = []
    for endpoint in WebhookEndpoint.objects.filter(partner=partner, active=True).order_by("pk"):
        delivery, is_new = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint,
            event_id=event_id,
            defaults={"event_type": event_type, "payload": data},
        )
        if is_new:
            _enqueue_on_commit(delivery)
            created.append(delivery)
    return created


def _enqueue_on_commit(delivery: WebhookDelivery) -> None:
    transaction.on_commit(lambda: tasks.deliver_webhook.enqueue(delivery_id=delivery.pk))


@transaction.atomic
def webhook_test_send(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `webhook.test` event to one endpoint, so a partner can check its receiver."""
    if not endpoint.active:
        raise Conflict("Turn the endpoint on before sending a test event.", field="active")
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type=WebhookEventType.TEST,
        payload={
            "message": "A test event from the syndication desk.",
            "partner": endpoint.partner.name,
        },
    )
    _enqueue_on_commit(delivery)
    return delivery


@transaction.atomic
def webhook_delivery_resend(*, delivery: WebhookDelivery, actor: Any = None) -> WebhookDelivery:
    """Send a delivery again by hand (staff or the partner), same event id, fresh attempts."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    endpoint = WebhookEndpoint.objects.get(pk=delivery.endpoint_id)
    if not endpoint.active:
        raise Conflict("The endpoint is turned off; turn it on to re-send.", field="endpoint")
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.resends += 1
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "attempts", "resends", "next_attempt_at"])
    log.info(
        "webhook delivery=%s re-sent by %s",
        delivery.pk,
        getattr(actor, "actor_label", None) or getattr(actor, "pk", None) or "system",
    )
    _enqueue_on_commit(delivery)
    return delivery


# ---------------------------------------------------------------------------------------------
# Signing
# ---------------------------------------------------------------------------------------------


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON sent: the same bytes for every attempt of a delivery."""
    envelope = {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "created": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


def _hmac(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_signature(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The `X-Republish-Signature` value: `t=<unix time>,v1=<hex HMAC-SHA256>`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={_hmac(secret, timestamp, body)}"


def webhook_signature_verify(
    secret: str,
    body: bytes | str,
    header: str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: float | None = None,
) -> bool:
    """True when `header` signs `body` with `secret` and its time is within `tolerance` seconds
    of now. Compares in constant time; any malformed header is simply False."""
    if isinstance(body, str):
        body = body.encode()
    timestamp: int | None = None
    candidates = []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if tolerance and abs(current - timestamp) > tolerance:
        return False
    expected = _hmac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


# ---------------------------------------------------------------------------------------------
# Sending (the body of syndication.tasks.deliver_webhook)
# ---------------------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would re-send a signed body somewhere the partner did not register.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _opener() -> urllib.request.OpenerDirector:
    # No proxies from the environment: the receiver is the partner's URL, reached directly.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, str | None]:
    """POST and return (status code, start of the response body, Retry-After header)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener().open(request, timeout=_settings_timeout()) as response:
            excerpt = response.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
            return response.status, excerpt, None
    except urllib.error.HTTPError as exc:
        excerpt = exc.read(RESPONSE_EXCERPT).decode("utf-8", "replace") if exc.fp else ""
        return exc.code, excerpt, exc.headers.get("Retry-After") if exc.headers else None


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _start_attempt(delivery_id: int) -> WebhookDelivery | None:
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint__partner")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status == DeliveryStatus.DELIVERED:
            return None
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
    return delivery


def _finish(delivery: WebhookDelivery, **fields: Any) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)


def webhook_delivery_send(delivery_id: int) -> str:
    """One attempt: POST the signed event. 2xx: delivered. 408, 429, 5xx, timeouts and network
    errors: TransientError (the task layer retries with backoff). Any other answer: failed for
    good (PermanentError). Running it for a delivered event sends nothing."""
    delivery = _start_attempt(delivery_id)
    if delivery is None:
        return "already delivered"
    endpoint = delivery.endpoint
    if not endpoint.active:
        _finish(delivery, status=DeliveryStatus.FAILED, last_error="The endpoint is turned off.")
        return "endpoint off"
    try:
        url = webhook_url_validate(endpoint.url)
    except DomainError as exc:
        _finish(delivery, status=DeliveryStatus.FAILED, last_error=exc.message)
        raise PermanentError(exc.message) from exc
    body = delivery_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Republish-Webhooks/1",
        EVENT_HEADER: delivery.event_type,
        DELIVERY_HEADER: str(delivery.event_id),
        SIGNATURE_HEADER: webhook_signature(endpoint.secret, body),
    }
    try:
        status, excerpt, retry_after = _post(url, body, headers)
    except (OSError, HTTPException) as exc:  # URLError, timeouts, refused and reset connections
        reason = getattr(exc, "reason", None) or exc
        error = f"{type(exc).__name__}: {reason}"
        raise _transient(delivery, code=None, error=error, retry_after=None) from exc
    if 200 <= status < 300:
        _finish(
            delivery,
            status=DeliveryStatus.DELIVERED,
            last_status_code=status,
            last_error="",
            delivered_at=timezone.now(),
        )
        log.info("webhook delivery=%s %s delivered (%s)", delivery.pk, delivery.event_type, status)
        return "delivered"
    error = f"HTTP {status}: {' '.join(excerpt.split())}".strip().rstrip(":")
    if status in (408, 429) or status >= 500:
        raise _transient(delivery, code=status, error=error, retry_after=_retry_after(retry_after))
    _finish(delivery, status=DeliveryStatus.FAILED, last_status_code=status, last_error=error)
    log.warning("webhook delivery=%s failed for good: %s", delivery.pk, error)
    raise PermanentError(f"Webhook delivery {delivery.pk} refused: {error}")


def _transient(
    delivery: WebhookDelivery, *, code: int | None, error: str, retry_after: float | None
) -> TransientError:
    """Record a failure that may pass and return the error for the task layer to retry. The
    last attempt marks the delivery failed and tells staff."""
    final = delivery.attempts >= settings.JOBS_RETRY_MAX_ATTEMPTS
    fields: dict[str, Any] = {"last_status_code": code, "last_error": error[:1000]}
    if final:
        fields["status"] = DeliveryStatus.FAILED
    else:
        fields["status"] = DeliveryStatus.RETRYING
        # Roughly when the task layer will try again (its own jitter decides the exact moment).
        delay = backoff_seconds(delivery.attempts, retry_after=retry_after)
        fields["next_attempt_at"] = timezone.now() + timedelta(seconds=delay)
    _finish(delivery, **fields)
    if final:
        _tell_staff_failing(delivery, error=error)
    log.warning("webhook delivery=%s attempt %s failed: %s", delivery.pk, delivery.attempts, error)
    return TransientError(f"Webhook delivery {delivery.pk}: {error}", retry_after=retry_after)


def _tell_staff_failing(delivery: WebhookDelivery, *, error: str) -> None:
    endpoint = delivery.endpoint
    send_templated_email(
        template="webhook_failing",
        to=settings.STAFF_NOTIFICATION_EMAILS,
        context={
            "endpoint": endpoint,
            "partner": endpoint.partner,
            "delivery": delivery,
            "error": error,
            "publication": Publication.current(),
            "site_url": settings.SITE_URL,
        },
        # Once per endpoint per day, however many of its deliveries fail.
        key=f"webhook-failing:{endpoint.pk}:{timezone.localdate().isoformat()}",
    )
