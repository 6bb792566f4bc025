"""Who hears about money: the partner gets the pay link; staff hear of disputes and of payments
that need a person (set-up failures, money for a request that can no longer be paid)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings

from billing import stripe_gateway as gateway
from billing.models import Payment
from billing.selectors import pay_url
from licensing.links import status_url
from syndication.emails import send_templated_email
from syndication.models import Publication


def _context(payment: Payment | None, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "publication": Publication.current(),
        "site_url": settings.SITE_URL,
        "payment": payment,
        **extra,
    }
    if payment is not None:
        request = payment.request
        context.update(request=request, status_url=status_url(request))
    return context


def send_payment_link(payment: Payment) -> int:
    """The partner's pay link (card) or invoice link, once per payment."""
    request = payment.request
    link = pay_url(request) if payment.method == "card" else payment.invoice_url
    return send_templated_email(
        template="payment_link",
        to=[request.contact_email],
        context=_context(payment, pay_link=link),
        reply_to=[settings.DEFAULT_FROM_EMAIL],
        key=f"payment-link:{payment.pk}",
    )


def tell_staff(*, payment: Payment, headline: str, message: str, key: str) -> int:
    return send_templated_email(
        template="payment_attention",
        to=settings.STAFF_NOTIFICATION_EMAILS,
        context=_context(payment, headline=headline, message=message),
        key=key,
    )


def tell_staff_dispute(*, payment: Payment | None, dispute: dict[str, Any]) -> int:
    currency = (dispute.get("currency") or "").upper()
    amount = (
        gateway.from_minor_units(dispute["amount"], currency)
        if currency and dispute.get("amount") is not None
        else Decimal("0")
    )
    due = (dispute.get("evidence_details") or {}).get("due_by")
    return send_templated_email(
        template="staff_dispute_opened",
        to=settings.STAFF_NOTIFICATION_EMAILS,
        context=_context(
            payment,
            dispute_id=dispute["id"],
            dispute_reason=dispute.get("reason") or "",
            dispute_amount=amount,
            dispute_currency=currency,
            dispute_due=datetime.fromtimestamp(due, tz=UTC) if due else None,
            charge_id=dispute.get("charge") or "",
        ),
        key=f"dispute:{dispute['id']}",
    )
