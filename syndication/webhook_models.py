"""Partner webhooks: the endpoint each partner gives us (URL and signing secret) and every event
delivered to it, with its attempts and the receiver's last answer (the delivery log)."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from syndication.models import Partner


def new_webhook_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class WebhookEventType(models.TextChoices):
    LICENCE_ISSUED = "licence.issued", _("Licence issued")
    ARTICLE_CORRECTED = "article.corrected", _("Licensed article corrected")
    LICENCE_REVOKED = "licence.revoked", _("Licence revoked")
    LICENCE_EXPIRING = "licence.expiring", _("Licence expiring soon")
    LICENCE_EXPIRED = "licence.expired", _("Licence expired")
    TEST = "webhook.test", _("Test event")


class WebhookEndpoint(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    # Kept as is because every delivery is signed with it; shown to the partner, never logged.
    secret = models.CharField(max_length=100, default=new_webhook_secret)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["partner", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "url"], name="uniq_webhook_endpoint_url")
        ]

    def __str__(self) -> str:
        return f"{self.partner} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Failed, will retry")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint. The event id is what receivers deduplicate on: retries and
    re-sends by hand carry the same id, and the database refuses the same event twice."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(default=uuid.uuid4)
    event_type = models.CharField(max_length=32, choices=WebhookEventType.choices)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    # Attempts in the current round; a re-send by hand starts a new round.
    attempts = models.PositiveIntegerField(default=0)
    resends = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="uniq_webhook_delivery_event"
            )
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx")
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} ({self.status})"
