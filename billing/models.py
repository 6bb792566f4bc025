"""The money side of a licence request: payments (card, invoice, offline), their refunds, the
Stripe customer of each invoiced partner, and every Stripe event we received, stored once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from licensing.models import LicenceRequest
from syndication.models import Partner

MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2}


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card (Stripe Checkout)")
    INVOICE = "invoice", _("Invoice (Stripe)")
    OFFLINE = "offline", _("Offline (bank transfer)")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")


# Money has arrived for these; a late or repeated event never moves a payment back out of them.
SETTLED = (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED)


class Payment(models.Model):
    """One attempt to collect a request's fee: one Checkout Session, one invoice, or one offline
    transfer. A renewed Checkout Session is a new Payment; the expired one is cancelled."""

    request = models.ForeignKey(LicenceRequest, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=8, choices=PaymentMethod.choices)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    amount_refunded = models.DecimalField(default=0, **MONEY)

    # Stripe's ids; the unique ones are how a repeated event finds, and never duplicates, a row.
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    stripe_checkout_session_id = models.CharField(max_length=255, null=True, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_invoice_id = models.CharField(max_length=255, null=True, blank=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True, db_index=True)
    # Where the partner pays: the hosted Checkout page (until it expires) or the hosted invoice.
    checkout_url = models.URLField(max_length=2000, blank=True)
    checkout_expires_at = models.DateTimeField(null=True, blank=True)
    invoice_url = models.URLField(max_length=2000, blank=True)
    invoice_number = models.CharField(max_length=100, blank=True)

    # Offline payments: the bank's reference and the staff member who recorded it.
    offline_reference = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(blank=True)

    # Setting the payment up at Stripe: failed attempts so far and the last reason, for staff.
    setup_attempts = models.PositiveIntegerField(default=0)
    setup_error = models.TextField(blank=True)
    dispute_id = models.CharField(max_length=255, blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_checkout_session_id"], name="uniq_payment_checkout_session"
            ),
            models.UniqueConstraint(fields=["stripe_invoice_id"], name="uniq_payment_invoice"),
            # Recording the same bank transfer twice finds the first record.
            models.UniqueConstraint(
                fields=["request", "offline_reference"],
                condition=Q(method="offline"),
                name="uniq_payment_offline_reference",
            ),
            # At most one Stripe payment being set up or waiting per request: a repeated set-up
            # task or a double click on "renew" finds it instead of making a second one.
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="pending", method__in=["card", "invoice"]),
                name="uniq_payment_open_stripe",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment #{self.pk} {self.amount} {self.currency} ({self.status})"

    @property
    def refundable_amount(self) -> Decimal:
        return self.amount - self.amount_refunded


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Cancelled")
    REQUIRES_ACTION = "requires_action", _("Requires action")


class Refund(models.Model):
    """Money sent back for a payment, in full or in part, from our admin or Stripe's dashboard."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    reason = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    stripe_refund_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Refund #{self.pk} {self.amount} {self.currency} ({self.status})"


class BillingCustomer(models.Model):
    """The Stripe Customer an invoiced partner is billed as; one per partner."""

    partner = models.OneToOneField(Partner, on_delete=models.PROTECT, related_name="+")
    stripe_customer_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.partner} = {self.stripe_customer_id}"


class EventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored (type not handled)")
    FAILED = "failed", _("Failed (will be retried)")


class StripeEvent(models.Model):
    """A verified webhook event, stored under Stripe's id before any work: the unique constraint
    is what makes a repeated delivery harmless."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    api_version = models.CharField(max_length=32, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=EventStatus.choices, default=EventStatus.RECEIVED
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id} ({self.status})"
