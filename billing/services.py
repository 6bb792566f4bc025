"""Every write about money: setting a payment up at Stripe (Checkout or invoice), renewing an
expired Checkout, recording an offline transfer, settling, failing and refunding payments.

Locks are always taken in one order: the licence request row, then the payment row (webhook
processing takes its StripeEvent row before both). Stripe is never called inside a transaction:
a row is written and committed first, so the Stripe call carries an idempotency key made from
its id (`payment-42-checkout`), and the answer is stored in a second short transaction."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from billing import notifications, selectors
from billing import stripe_gateway as gateway
from billing.models import (
    SETTLED,
    BillingCustomer,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from licensing import services as licensing
from licensing.links import status_url
from licensing.models import LicenceRequest, RequestStatus
from licensing.money import format_money, quantize
from syndication.errors import Conflict, DomainError
from syndication.models import PaymentMethod as PartnerPaymentMethod

log = logging.getLogger(__name__)
P = PaymentStatus
M = PaymentMethod
STRIPE_ACTOR = "stripe"


def _lock_request(request_id: int) -> LicenceRequest:
    return LicenceRequest.objects.select_for_update().select_related("partner").get(pk=request_id)


def _lock_payment(payment_id: int) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment_id)


def stripe_method_for(request: LicenceRequest) -> str | None:
    """How Stripe collects this request's fee, or None when only offline payment is possible."""
    if not gateway.is_configured():
        return None
    if request.partner.payment_method == PartnerPaymentMethod.INVOICE:
        return M.INVOICE
    return M.CARD


# ---------------------------------------------------------------------------------------------
# Line items
# ---------------------------------------------------------------------------------------------


def quote_line_items(request: LicenceRequest) -> list[tuple[str, Decimal, int]]:
    """The quote as Stripe line items: one per article, request-wide lines (bundle discount,
    minimum fee, re-price) shared pro rata, because Stripe takes no negative lines. Sums to the
    request total exactly; a single line when the split would not be positive."""
    headlines = {
        item.article_id: item.article.headline
        for item in request.items.select_related("article").order_by("position")
    }
    own: dict[int, Decimal] = defaultdict(Decimal)
    for line in request.quote.get("lines", []):
        if line.get("article_id") in headlines:
            own[line["article_id"]] += Decimal(str(line["amount"]))
    ids = list(headlines)
    base = sum(own.values(), Decimal("0"))
    shared = request.total - base
    items: list[tuple[str, Decimal, int]] = []
    running = Decimal("0")
    for i, aid in enumerate(ids):
        if i == len(ids) - 1:
            fee = request.total - running
        else:
            weight = own[aid] / base if base else Decimal(1) / len(ids)
            fee = quantize(own[aid] + shared * weight, request.currency)
            running += fee
        items.append((f"Republishing licence: {headlines[aid]}"[:250], fee, 1))
    if not items or any(amount <= 0 for _, amount, _ in items):
        return [(f"Republishing licence, request {request.pk}", request.total, 1)]
    return items


# ---------------------------------------------------------------------------------------------
# Setting up a Stripe payment (Checkout or invoice)
# ---------------------------------------------------------------------------------------------


def _open_stripe_payment(request: LicenceRequest, method: str) -> Payment:
    """The request's pending Stripe payment, or a new one. The caller holds the request lock.
    A Checkout Session past its expiry is cancelled here, so a renewal makes a fresh one."""
    current = Payment.objects.filter(
        request=request, status=P.PENDING, method__in=[M.CARD, M.INVOICE]
    ).first()
    if current is not None:
        stale = (
            current.method == M.CARD
            and current.checkout_expires_at is not None
            and current.checkout_expires_at <= timezone.now()
        )
        if not stale:
            return current
        current.status = P.CANCELLED
        current.save(update_fields=["status", "updated_at"])
    return Payment.objects.create(
        request=request, method=method, amount=request.total, currency=request.currency
    )


def payment_set_up(*, request_id: int) -> Payment | None:
    """Create the Stripe object the partner pays through: a Checkout Session for card partners,
    a sent invoice for account partners. Safe to run again: it resumes or does nothing.
    Returns None when the request is not awaiting payment, its approval has lapsed (the sweep
    has not caught up yet) or Stripe is not configured."""
    with transaction.atomic():
        request = _lock_request(request_id)
        if request.status != RequestStatus.AWAITING_PAYMENT:
            return None
        method = stripe_method_for(request)
        if method is None:
            return None
        if selectors.approval_lapsed(request):
            # A retry that comes after the approval's last day: nothing the partner could pay.
            log.info("request=%s approval lapsed; no Stripe payment set up", request.pk)
            return None
        payment = _open_stripe_payment(request, method)
        if payment.stripe_checkout_session_id or payment.stripe_invoice_id:
            return payment
    try:
        if payment.method == M.CARD:
            _create_checkout(request, payment)
        else:
            _create_invoice(request, payment)
    except gateway.StripeGatewayError as exc:
        payment_setup_failed(payment_id=payment.pk, error=exc)
        raise
    payment.refresh_from_db()
    return payment


def _create_checkout(request: LicenceRequest, payment: Payment) -> None:
    back = status_url(request)
    session = gateway.checkout_session_create(
        line_items=quote_line_items(request),
        currency=payment.currency,
        customer_email=request.contact_email,
        client_reference_id=f"licreq-{request.pk}",
        success_url=f"{back}?payment=done",
        cancel_url=f"{back}?payment=cancelled",
        expires_at=selectors.payment_deadline(request),
        metadata={"request_id": request.pk, "payment_id": payment.pk},
        idempotency_key=f"payment-{payment.pk}-checkout",
    )
    with transaction.atomic():
        _lock_request(request.pk)
        payment = _lock_payment(payment.pk)
        payment.stripe_checkout_session_id = session.id
        payment.checkout_url = session.url or ""
        payment.checkout_expires_at = session.expires_at
        if session.payment_intent_id and not payment.stripe_payment_intent_id:
            payment.stripe_payment_intent_id = session.payment_intent_id
        payment.setup_error = ""
        payment.save()
        log.info("payment=%s request=%s checkout=%s", payment.pk, request.pk, session.id)
        if payment.status == P.PENDING:
            notifications.send_payment_link(payment)


def _customer_for(request: LicenceRequest) -> str:
    partner = request.partner
    existing = BillingCustomer.objects.filter(partner=partner).first()
    if existing is not None:
        return existing.stripe_customer_id
    customer = gateway.customer_create(
        name=partner.name,
        email=partner.billing_email or request.contact_email,
        metadata={"partner_id": partner.pk},
        idempotency_key=f"partner-{partner.pk}-customer",
    )
    # The idempotency key gives a concurrent second caller the same customer: either insert wins.
    BillingCustomer.objects.get_or_create(
        partner=partner, defaults={"stripe_customer_id": customer.id}
    )
    return customer.id


def _create_invoice(request: LicenceRequest, payment: Payment) -> None:
    customer_id = _customer_for(request)
    invoice = gateway.invoice_create_and_send(
        customer_id=customer_id,
        currency=payment.currency,
        days_until_due=request.partner.payment_terms_days,
        lines=quote_line_items(request),
        metadata={"request_id": request.pk, "payment_id": payment.pk},
        description=f"Republishing licence, request {request.pk}",
        idempotency_key=f"payment-{payment.pk}-invoice",
    )
    with transaction.atomic():
        _lock_request(request.pk)
        payment = _lock_payment(payment.pk)
        _store_invoice(
            payment, invoice_id=invoice.id, url=invoice.hosted_invoice_url, number=invoice.number
        )
        payment.stripe_customer_id = customer_id
        payment.setup_error = ""
        payment.save()
        if payment.status == P.PENDING:
            notifications.send_payment_link(payment)
    if invoice.status in ("open", "paid"):
        invoice_finalized(payment_id=payment.pk)


def _store_invoice(
    payment: Payment, *, invoice_id: str, url: str | None, number: str | None
) -> None:
    payment.stripe_invoice_id = payment.stripe_invoice_id or invoice_id
    payment.invoice_url = url or payment.invoice_url
    payment.invoice_number = number or payment.invoice_number


def payment_setup_failed(*, payment_id: int, error: gateway.StripeGatewayError) -> Payment:
    """Record why Stripe refused or did not answer. Staff hear once the retries are used up, or
    at once when retrying cannot help. The request stays awaiting payment throughout."""
    transient = isinstance(error, gateway.StripeTransientError)
    with transaction.atomic():
        payment = _lock_payment(payment_id)
        payment.setup_attempts += 1
        budget = settings.JOBS_RETRY_MAX_ATTEMPTS
        if transient:
            payment.setup_error = (
                f"Stripe did not answer when setting up the {payment.get_method_display()} "
                f"payment (attempt {payment.setup_attempts} of {budget}): {error}. "
                + (
                    "Set-up is retried automatically."
                    if payment.setup_attempts < budget
                    else "No more automatic retries: record an offline payment, or reprocess."
                )
            )
        else:
            payment.setup_error = f"Stripe refused to set up the payment: {error}"
        payment.save(update_fields=["setup_attempts", "setup_error", "updated_at"])
        log.warning("payment=%s setup failed: %s", payment.pk, payment.setup_error)
        if not transient or payment.setup_attempts >= budget:
            notifications.tell_staff(
                payment=payment,
                headline=f"Payment set-up failed for request {payment.request_id}",
                message=payment.setup_error,
                key=f"payment-setup-failed:{payment.pk}",
            )
    return payment


@transaction.atomic
def _checkout_usable(request: LicenceRequest) -> Payment | None:
    return (
        Payment.objects.filter(
            request=request,
            method=M.CARD,
            status=P.PENDING,
            checkout_expires_at__gt=timezone.now(),
        )
        .exclude(checkout_url="")
        .first()
    )


def checkout_renew(*, request: LicenceRequest) -> Payment:
    """The partner asks for a fresh Checkout Session: the old one expired, the approval has not.
    Gives back the live session when there still is one."""
    if stripe_method_for(request) != M.CARD:
        raise Conflict("Card payment is not offered for this request.", field="payment")
    if request.status != RequestStatus.AWAITING_PAYMENT:
        raise Conflict("This request is not waiting for payment.", field="status")
    if selectors.approval_lapsed(request):
        raise Conflict(
            f"This approval lapsed on {date_format(request.valid_until, 'j F Y')}; "
            "ask for a new quote.",
            field="status",
        )
    live = _checkout_usable(request)
    if live is not None:
        return live
    payment = payment_set_up(request_id=request.pk)
    if payment is None or not payment.checkout_url:
        raise Conflict("Card payment is not available right now; please try again.")
    return payment


# ---------------------------------------------------------------------------------------------
# Money arrives, or does not
# ---------------------------------------------------------------------------------------------


def _issue(
    request: LicenceRequest,
    payment: Payment,
    *,
    note: str,
    actor: Any = None,
    actor_label: str = STRIPE_ACTOR,
) -> None:
    """Hand the paid request to licensing. A payment for a request that can no longer be paid
    (lapsed, cancelled) is kept, and staff are told to refund or reinstate it."""
    data = {"payment_id": payment.pk, "method": payment.method, "amount": str(payment.amount)}
    if payment.stripe_checkout_session_id:
        data["checkout_session"] = payment.stripe_checkout_session_id
    if payment.stripe_invoice_id:
        data["invoice"] = payment.stripe_invoice_id
    if payment.offline_reference:
        data["reference"] = payment.offline_reference
    if request.status in (RequestStatus.PAID, RequestStatus.FULFILLED, RequestStatus.REFUNDED):
        return
    if request.status != RequestStatus.AWAITING_PAYMENT:
        notifications.tell_staff(
            payment=payment,
            headline=f"Money received for request {request.pk}, which is {request.status}",
            message=(
                f"Payment {payment.pk} ({format_money(payment.amount, payment.currency)}) "
                f"arrived for a request that is {request.get_status_display().lower()}. "
                "No licences were issued: refund the payment or reinstate the request."
            ),
            key=f"payment-orphan:{payment.pk}",
        )
        return
    licensing.licence_request_mark_paid(
        request=request, actor=actor, actor_label=actor_label, note=note, data=data
    )


def payment_settle(
    *,
    payment_id: int,
    payment_intent_id: str = "",
    charge_id: str = "",
    note: str = "",
) -> Payment:
    """Stripe says the money arrived: the payment is paid and the request's licences are issued,
    once, however often and in whatever order Stripe says so."""
    request_id = Payment.objects.values_list("request_id", flat=True).get(pk=payment_id)
    with transaction.atomic():
        request = _lock_request(request_id)
        payment = _lock_payment(payment_id)
        _remember_ids(payment, payment_intent_id=payment_intent_id, charge_id=charge_id)
        if payment.status in SETTLED:
            payment.save()
            return payment
        others = (
            Payment.objects.filter(request=request, status__in=SETTLED)
            .exclude(pk=payment.pk)
            .exists()
        )
        payment.status = P.PAID
        payment.paid_at = timezone.now()
        payment.setup_error = ""
        payment.save()
        if others:
            notifications.tell_staff(
                payment=payment,
                headline=f"Request {request.pk} was paid twice",
                message=(
                    f"Payment {payment.pk} ({format_money(payment.amount, payment.currency)}) "
                    "arrived after the request had already been paid. Refund one of them."
                ),
                key=f"payment-duplicate:{payment.pk}",
            )
        else:
            _issue(request, payment, note=note or f"Paid by {payment.get_method_display()}.")
        log.info("payment=%s request=%s paid", payment.pk, request.pk)
        return payment


def _remember_ids(payment: Payment, *, payment_intent_id: str = "", charge_id: str = "") -> None:
    if payment_intent_id and not payment.stripe_payment_intent_id:
        payment.stripe_payment_intent_id = payment_intent_id
    if charge_id and not payment.stripe_charge_id:
        payment.stripe_charge_id = charge_id


def payment_close(
    *, payment_id: int, status: str, reason: str, payment_intent_id: str = ""
) -> Payment:
    """A payment that will not happen: failed, or cancelled (expired session, voided invoice).
    Money that already arrived wins: a settled payment is never closed."""
    request_id = Payment.objects.values_list("request_id", flat=True).get(pk=payment_id)
    with transaction.atomic():
        request = _lock_request(request_id)
        payment = _lock_payment(payment_id)
        _remember_ids(payment, payment_intent_id=payment_intent_id)
        if payment.status in SETTLED or payment.status == status:
            payment.save()
            if payment.status in SETTLED and payment.method == M.INVOICE:
                notifications.tell_staff(
                    payment=payment,
                    headline=f"Invoice for request {request.pk} is {status} after licensing",
                    message=f"{reason} The payment was already settled; check it in Stripe.",
                    key=f"payment-closed-settled:{payment.pk}:{status}",
                )
            return payment
        was_pending = payment.status == P.PENDING
        payment.status = status
        payment.setup_error = reason
        payment.save()
        if (
            payment.method == M.INVOICE
            and was_pending
            and request.status == RequestStatus.FULFILLED
            and request.partner.trusted
        ):
            # Licences went out on trust at finalisation; the invoice will never be paid.
            notifications.tell_staff(
                payment=payment,
                headline=f"Trusted invoice for request {request.pk} will not be paid",
                message=f"{reason} Licences were issued on finalisation; revoke or chase them.",
                key=f"payment-trusted-unpaid:{payment.pk}",
            )
        log.info("payment=%s request=%s %s: %s", payment.pk, request.pk, status, reason)
        return payment


def payment_note_attempt(
    *, payment_id: int, message: str, action: str, key: str, data: dict[str, Any] | None = None
) -> Payment:
    """An attempt that left the payment pending: a failed try at an invoice that stays open, a
    delayed method the bank has yet to confirm. The reason goes on the payment and, once per
    `key` (what happened at Stripe), into the request's audit trail. The partner gets no email
    from us: Stripe tells the payer of a failed invoice payment itself."""
    request_id = Payment.objects.values_list("request_id", flat=True).get(pk=payment_id)
    with transaction.atomic():
        request = _lock_request(request_id)
        payment = _lock_payment(payment_id)
        if payment.status != P.PENDING:
            return payment
        payment.setup_error = message
        payment.save(update_fields=["setup_error", "updated_at"])
        licensing.licence_request_add_note(
            request=request,
            action=action,
            note=message,
            key=key,
            actor_label=STRIPE_ACTOR,
            data={"payment_id": payment.pk, **(data or {})},
        )
    return payment


def invoice_finalized(
    *, payment_id: int, invoice_id: str = "", url: str | None = None, number: str | None = None
) -> Payment:
    """The invoice is final and sent. Trusted partners get their licences now, on account."""
    request_id = Payment.objects.values_list("request_id", flat=True).get(pk=payment_id)
    with transaction.atomic():
        request = _lock_request(request_id)
        payment = _lock_payment(payment_id)
        if invoice_id:
            _store_invoice(payment, invoice_id=invoice_id, url=url, number=number)
            payment.save()
        if request.partner.trusted and payment.status in (P.PENDING, *SETTLED):
            _issue(
                request,
                payment,
                note="Invoice finalised for a trusted partner: licences issued on account.",
            )
    return payment


# ---------------------------------------------------------------------------------------------
# Offline payments
# ---------------------------------------------------------------------------------------------


def payment_record_offline(
    *,
    request: LicenceRequest,
    reference: str,
    actor: Any,
    amount: Decimal | None = None,
    note: str = "",
) -> Payment:
    """Staff saw a bank transfer arrive. Recording the same reference again returns the first
    record; the request is marked paid and its licences issued, audited under the staff member."""
    reference = reference.strip()
    if not reference:
        raise DomainError("Give the bank transfer's reference.", field="reference")
    to_expire: list[int] = []
    with transaction.atomic():
        request = _lock_request(request.pk)
        existing = Payment.objects.filter(
            request=request, method=M.OFFLINE, offline_reference=reference
        ).first()
        if existing is not None:
            return existing
        if request.status != RequestStatus.AWAITING_PAYMENT:
            raise Conflict(
                f"Request {request.pk} is {request.get_status_display().lower()}, not awaiting "
                "payment.",
                field="request",
            )
        amount = request.total if amount is None else quantize(amount, request.currency)
        if amount != request.total:
            raise DomainError(
                "The transfer must be the full fee of "
                f"{format_money(request.total, request.currency)}.",
                field="amount",
            )
        payment = Payment.objects.create(
            request=request,
            method=M.OFFLINE,
            amount=amount,
            currency=request.currency,
            status=P.PAID,
            paid_at=timezone.now(),
            offline_reference=reference,
            recorded_by=actor if getattr(actor, "pk", None) else None,
            note=note,
        )
        for open_payment in Payment.objects.select_for_update().filter(
            request=request, status=P.PENDING, method__in=[M.CARD, M.INVOICE]
        ):
            open_payment.status = P.CANCELLED
            open_payment.setup_error = f"Superseded by offline payment {payment.pk}."
            open_payment.save(update_fields=["status", "setup_error", "updated_at"])
            if open_payment.stripe_checkout_session_id:
                to_expire.append(open_payment.pk)
        _issue(
            request,
            payment,
            note=f"Bank transfer received, reference {reference}." + (f" {note}" if note else ""),
            actor=actor,
            actor_label="",
        )
        if to_expire:
            from billing import tasks

            for pk in to_expire:
                transaction.on_commit(partial(tasks.expire_checkout.enqueue, payment_id=pk))
    return payment


def checkout_expire(*, payment_id: int) -> None:
    """Close a Checkout Session we no longer want paid (the request was paid another way)."""
    payment = Payment.objects.get(pk=payment_id)
    if not payment.stripe_checkout_session_id or payment.status != P.CANCELLED:
        return
    try:
        gateway.checkout_session_expire(
            payment.stripe_checkout_session_id, idempotency_key=f"payment-{payment.pk}-expire"
        )
    except gateway.StripePermanentError as exc:
        # Already complete or expired at Stripe: a completion event will say which.
        log.info("payment=%s session not expired: %s", payment.pk, exc)


# ---------------------------------------------------------------------------------------------
# Refunds
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundInfo:
    """A refund as Stripe reports it (on a charge, in a list)."""

    stripe_refund_id: str
    amount: Decimal
    status: str
    refund_id: int | None = None  # ours, from the metadata we sent


def payment_refund(*, payment: Payment, amount: Decimal | None, reason: str, actor: Any) -> Refund:
    """Staff give money back, all (amount None) or part. A full refund revokes the licences and
    tells the partner; a partial one keeps them."""
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the payment is refunded.", field="reason")
    with transaction.atomic():
        _lock_request(payment.request_id)
        payment = _lock_payment(payment.pk)
        if payment.status not in (P.PAID, P.PARTIALLY_REFUNDED):
            raise Conflict(
                f"Only a paid payment can be refunded; this one is "
                f"{payment.get_status_display().lower()}.",
                field="payment",
            )
        in_flight = sum(
            (r.amount for r in payment.refunds.filter(status=RefundStatus.PENDING)), Decimal("0")
        )
        remaining = payment.amount - payment.amount_refunded - in_flight
        amount = remaining if amount is None else quantize(amount, payment.currency)
        if not Decimal("0") < amount <= remaining:
            raise DomainError(
                f"Refund between 0 and {remaining} {payment.currency}.", field="amount"
            )
        refund = Refund.objects.create(
            payment=payment,
            amount=amount,
            currency=payment.currency,
            reason=reason,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
    if payment.method == M.OFFLINE:
        # The money goes back by bank transfer, outside Stripe; staff record that it did.
        return refund_record(refund_id=refund.pk, stripe_refund_id=None, status="succeeded")
    intent = payment.stripe_payment_intent_id or _intent_from_stripe(payment)
    try:
        data = gateway.refund_create(
            payment_intent_id=intent,
            amount=amount,
            currency=payment.currency,
            reason_metadata={
                "refund_id": refund.pk,
                "payment_id": payment.pk,
                "request_id": payment.request_id,
                "reason": reason[:450],
            },
            idempotency_key=f"refund-{refund.pk}",
        )
    except gateway.StripeGatewayError as exc:
        Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.FAILED, error=str(exc))
        raise DomainError(f"Stripe did not refund: {exc}", field="amount") from exc
    return refund_record(refund_id=refund.pk, stripe_refund_id=data.id, status=data.status)


def _intent_from_stripe(payment: Payment) -> str:
    """An invoice's PaymentIntent is only known by asking Stripe for the paid invoice."""
    if not payment.stripe_invoice_id:
        raise Conflict("This payment has no Stripe payment to refund.", field="payment")
    invoice = gateway.invoice_retrieve(payment.stripe_invoice_id)
    if not invoice.payment_intent_id:
        raise Conflict("Stripe shows no payment on this invoice.", field="payment")
    with transaction.atomic():
        locked = _lock_payment(payment.pk)
        _remember_ids(
            locked, payment_intent_id=invoice.payment_intent_id, charge_id=invoice.charge_id or ""
        )
        locked.save()
    return invoice.payment_intent_id


def refund_record(*, refund_id: int, stripe_refund_id: str | None, status: str) -> Refund:
    request_id = Refund.objects.values_list("payment__request_id", flat=True).get(pk=refund_id)
    with transaction.atomic():
        _lock_request(request_id)
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        payment = _lock_payment(refund.payment_id)
        if stripe_refund_id and not refund.stripe_refund_id:
            refund.stripe_refund_id = stripe_refund_id
        refund.status = _refund_status(status)
        refund.save()
        _apply_refunds(payment, reason=refund.reason, actor=refund.created_by)
    return refund


def _refund_status(stripe_status: str) -> str:
    values = {choice.value for choice in RefundStatus}
    return stripe_status if stripe_status in values else RefundStatus.PENDING


def refunds_sync(
    *,
    payment_id: int,
    refunds: list[RefundInfo],
    payment_intent_id: str = "",
    charge_id: str = "",
) -> Payment:
    """Stripe reports the refunds on a payment (charge.refunded, reconciliation). Refunds we made
    are matched by id or by our metadata; ones made in Stripe's dashboard are added. A refund
    reported before the payment's own completion settles the payment first."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status not in SETTLED:
        payment_settle(
            payment_id=payment_id,
            payment_intent_id=payment_intent_id,
            charge_id=charge_id,
            note="Paid (learnt from a refund Stripe reported first).",
        )
    with transaction.atomic():
        _lock_request(payment.request_id)
        payment = _lock_payment(payment_id)
        _remember_ids(payment, payment_intent_id=payment_intent_id, charge_id=charge_id)
        payment.save()
        reason = ""
        for info in refunds:
            refund = (
                Refund.objects.select_for_update()
                .filter(stripe_refund_id=info.stripe_refund_id)
                .first()
            )
            if refund is None and info.refund_id is not None:
                refund = (
                    Refund.objects.select_for_update()
                    .filter(pk=info.refund_id, payment=payment, stripe_refund_id__isnull=True)
                    .first()
                )
            if refund is None:
                refund = Refund.objects.create(
                    payment=payment,
                    amount=info.amount,
                    currency=payment.currency,
                    reason="Refunded in Stripe.",
                    stripe_refund_id=info.stripe_refund_id,
                    status=_refund_status(info.status),
                )
            refund.stripe_refund_id = info.stripe_refund_id
            refund.status = _refund_status(info.status)
            refund.save()
            reason = reason or refund.reason
        _apply_refunds(payment, reason=reason or "Refunded in Stripe.", actor=None)
    return payment


def _apply_refunds(payment: Payment, *, reason: str, actor: Any) -> None:
    """Recompute what has gone back from the refunds themselves (so replays cannot double it),
    and on a full refund revoke the licences. The caller holds the request and payment locks."""
    total = sum(
        (r.amount for r in payment.refunds.filter(status=RefundStatus.SUCCEEDED)), Decimal("0")
    )
    if total > payment.amount_refunded:
        payment.amount_refunded = total
    if payment.amount_refunded >= payment.amount:
        payment.status = P.REFUNDED
    elif payment.amount_refunded > 0:
        payment.status = P.PARTIALLY_REFUNDED
    payment.save()
    if payment.status != P.REFUNDED:
        return
    request = LicenceRequest.objects.get(pk=payment.request_id)
    if request.status == RequestStatus.FULFILLED:
        licensing.licence_request_refund(
            request=request,
            actor=actor,
            actor_label="" if getattr(actor, "pk", None) else STRIPE_ACTOR,
            reason=reason,
        )


def payment_disputed(*, payment_id: int | None, dispute: dict[str, Any]) -> None:
    """The card holder disputed the charge: staff must answer in Stripe before the deadline."""
    payment = None
    with transaction.atomic():
        if payment_id is not None:
            payment = _lock_payment(payment_id)
            payment.dispute_id = dispute["id"]
            payment.disputed_at = payment.disputed_at or timezone.now()
            payment.save(update_fields=["dispute_id", "disputed_at", "updated_at"])
        notifications.tell_staff_dispute(payment=payment, dispute=dispute)
