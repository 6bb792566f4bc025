"""Stripe's events: stored once under their id when they arrive, then processed by a task that
turns each into a billing service call. Processing locks the StripeEvent row first (then the
services lock request, then payment), re-checks its status, and is a no-op once processed, so
duplicates, redeliveries and retries do the work once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import services
from billing import stripe_gateway as gateway
from billing.models import EventStatus, Payment, PaymentStatus, StripeEvent
from jobs.retry import reason as error_reason

log = logging.getLogger(__name__)
Obj = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Receiving
# ---------------------------------------------------------------------------------------------


def stripe_event_receive(*, event: Obj) -> tuple[StripeEvent, bool]:
    """Store a verified event (the caller verified the signature). Returns the row and whether
    processing was queued. A repeat of an event not yet processed is queued again: a failed
    event gets another go whenever Stripe redelivers it."""
    from billing import tasks

    handled = event.get("type") in HANDLERS
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = StripeEvent.objects.create(
                    event_id=event["id"],
                    type=event.get("type", ""),
                    api_version=event.get("api_version") or "",
                    payload=event,
                    status=EventStatus.RECEIVED if handled else EventStatus.IGNORED,
                )
        except IntegrityError:
            row = StripeEvent.objects.get(event_id=event["id"])
        queue = row.status in (EventStatus.RECEIVED, EventStatus.FAILED)
        if queue:
            transaction.on_commit(lambda: tasks.process_stripe_event.enqueue(event_id=row.event_id))
    return row, queue


# ---------------------------------------------------------------------------------------------
# Processing
# ---------------------------------------------------------------------------------------------


def stripe_event_process(*, event_id: str) -> str:
    """Do what one stored event says, once. A failure is recorded on the row (status failed,
    attempts, last error) and raised for the task layer to retry; nothing is skipped silently."""
    failure: BaseException | None = None
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().get(event_id=event_id)
        if event.status in (EventStatus.PROCESSED, EventStatus.IGNORED):
            return event.status
        handler = HANDLERS.get(event.type)
        event.attempts += 1
        if handler is None:
            event.status = EventStatus.IGNORED
        else:
            try:
                with transaction.atomic():
                    handler(event.payload["data"]["object"])
            except Exception as exc:  # recorded on the row, then raised below
                failure = exc
        if failure is None:
            if event.status != EventStatus.IGNORED:
                event.status = EventStatus.PROCESSED
            event.processed_at = timezone.now()
            event.last_error = ""
        else:
            event.status = EventStatus.FAILED
            event.last_error = error_reason(failure)
        event.save()
    if failure is not None:
        log.warning("stripe event=%s type=%s failed: %s", event_id, event.type, event.last_error)
        raise failure
    log.info("stripe event=%s type=%s %s", event_id, event.type, event.status)
    return event.status


def stripe_event_reprocess(*, event: StripeEvent) -> bool:
    """Staff (or the daily reconciliation) send a stored event round again. Returns whether it
    was queued (a processed one is not)."""
    from billing import tasks

    if event.status in (EventStatus.PROCESSED, EventStatus.IGNORED):
        return False
    transaction.on_commit(lambda: tasks.process_stripe_event.enqueue(event_id=event.event_id))
    return True


# ---------------------------------------------------------------------------------------------
# Finding our payment
# ---------------------------------------------------------------------------------------------


def payment_for(obj: Obj, **ids: str | None) -> Payment | None:
    """Our payment for a Stripe object: by the payment id we put in its metadata, else by
    Stripe's ids (session, invoice, payment intent, charge)."""
    raw = str((obj.get("metadata") or {}).get("payment_id") or "")
    if raw.isdigit():
        payment = Payment.objects.filter(pk=int(raw)).first()
        if payment is not None:
            return payment
    fields = {
        "checkout_session": "stripe_checkout_session_id",
        "invoice": "stripe_invoice_id",
        "payment_intent": "stripe_payment_intent_id",
        "charge": "stripe_charge_id",
    }
    for name, value in ids.items():
        if value:
            payment = Payment.objects.filter(**{fields[name]: value}).order_by("-pk").first()
            if payment is not None:
                return payment
    return None


def _id(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value.get("id") or "")


def _unknown(obj: Obj) -> None:
    # Not a payment of ours (another integration on the account): nothing to do, said in the log.
    log.info("stripe %s %s matches no payment; ignored", obj.get("object"), obj.get("id"))


# ---------------------------------------------------------------------------------------------
# Handlers: one per event type, each a call into billing.services
# ---------------------------------------------------------------------------------------------


def on_checkout_completed(session: Obj) -> None:
    payment = payment_for(session, checkout_session=session["id"])
    if payment is None:
        return _unknown(session)
    intent = _id(session.get("payment_intent"))
    if session.get("payment_status") in ("paid", "no_payment_required"):
        services.payment_settle(
            payment_id=payment.pk, payment_intent_id=intent, note="Paid by card (Stripe Checkout)."
        )
    else:
        # A delayed method (a bank debit): the async_payment_* event settles it.
        services.payment_note_attempt(
            payment_id=payment.pk,
            message="Paid by a delayed method (a bank debit, for example); waiting for the bank.",
            action="payment_delayed",
            key=f"checkout-{session['id']}-delayed",
            data={"checkout_session": session["id"]},
        )
        if intent:
            Payment.objects.filter(pk=payment.pk, stripe_payment_intent_id="").update(
                stripe_payment_intent_id=intent
            )


def on_checkout_async_succeeded(session: Obj) -> None:
    payment = payment_for(session, checkout_session=session["id"])
    if payment is None:
        return _unknown(session)
    services.payment_settle(
        payment_id=payment.pk,
        payment_intent_id=_id(session.get("payment_intent")),
        note="Delayed payment succeeded (Stripe Checkout).",
    )


def on_checkout_async_failed(session: Obj) -> None:
    payment = payment_for(session, checkout_session=session["id"])
    if payment is None:
        return _unknown(session)
    services.payment_close(
        payment_id=payment.pk,
        status=PaymentStatus.FAILED,
        # Shown to the partner on the pay page as well as to staff.
        reason="The bank did not complete the delayed payment (a bank debit, for example).",
        payment_intent_id=_id(session.get("payment_intent")),
    )


def on_checkout_expired(session: Obj) -> None:
    payment = payment_for(session, checkout_session=session["id"])
    if payment is None:
        return _unknown(session)
    services.payment_close(
        payment_id=payment.pk,
        status=PaymentStatus.CANCELLED,
        reason="The Checkout Session expired; the partner can renew it from the pay link.",
    )


def on_invoice_finalized(invoice: Obj) -> None:
    payment = payment_for(invoice, invoice=invoice["id"])
    if payment is None:
        return _unknown(invoice)
    services.invoice_finalized(
        payment_id=payment.pk,
        invoice_id=invoice["id"],
        url=invoice.get("hosted_invoice_url"),
        number=invoice.get("number"),
    )


def on_invoice_paid(invoice: Obj) -> None:
    payment = payment_for(invoice, invoice=invoice["id"])
    if payment is None:
        return _unknown(invoice)
    if not payment.stripe_invoice_id:
        services.invoice_finalized(
            payment_id=payment.pk,
            invoice_id=invoice["id"],
            url=invoice.get("hosted_invoice_url"),
            number=invoice.get("number"),
        )
    # The event does not name the PaymentIntent (refunds need it): ask, but do not insist.
    intent = charge = ""
    try:
        paid = gateway.invoice_retrieve(invoice["id"])
        intent, charge = paid.payment_intent_id or "", paid.charge_id or ""
    except gateway.StripePermanentError:
        log.warning("invoice %s could not be retrieved; refunds will look it up", invoice["id"])
    services.payment_settle(
        payment_id=payment.pk,
        payment_intent_id=intent,
        charge_id=charge,
        note=f"Invoice {invoice.get('number') or invoice['id']} paid.",
    )


def on_invoice_payment_failed(invoice: Obj) -> None:
    payment = payment_for(invoice, invoice=invoice["id"])
    if payment is None:
        return _unknown(invoice)
    # Stripe counts the attempts on an invoice: the count tells one failure from the next, and
    # a redelivery of the same one apart. The decline reason is not in the event.
    attempt = int(invoice.get("attempt_count") or 0)
    name = invoice.get("number") or invoice["id"]
    services.payment_note_attempt(
        payment_id=payment.pk,
        message=f"Attempt {attempt} to pay invoice {name} failed; the invoice is still open.",
        action="payment_attempt_failed",
        key=f"invoice-{invoice['id']}-attempt-{attempt}",
        data={"invoice": invoice["id"], "attempt": attempt},
    )


def on_invoice_voided(invoice: Obj) -> None:
    payment = payment_for(invoice, invoice=invoice["id"])
    if payment is None:
        return _unknown(invoice)
    services.payment_close(
        payment_id=payment.pk, status=PaymentStatus.CANCELLED, reason="The invoice was voided."
    )


def on_invoice_uncollectible(invoice: Obj) -> None:
    payment = payment_for(invoice, invoice=invoice["id"])
    if payment is None:
        return _unknown(invoice)
    services.payment_close(
        payment_id=payment.pk,
        status=PaymentStatus.FAILED,
        reason="The invoice was marked uncollectible.",
    )


def on_charge_refunded(charge: Obj) -> None:
    intent = _id(charge.get("payment_intent"))
    payment = payment_for(charge, payment_intent=intent, charge=charge["id"])
    if payment is None:
        return _unknown(charge)
    currency = charge["currency"].upper()
    refunds = [
        refund_info(refund, currency) for refund in (charge.get("refunds") or {}).get("data", [])
    ]
    services.refunds_sync(
        payment_id=payment.pk, refunds=refunds, payment_intent_id=intent, charge_id=charge["id"]
    )


def refund_info(refund: Obj, currency: str) -> services.RefundInfo:
    ours = str((refund.get("metadata") or {}).get("refund_id") or "")
    return services.RefundInfo(
        stripe_refund_id=refund["id"],
        amount=gateway.from_minor_units(refund["amount"], currency),
        status=refund["status"],
        refund_id=int(ours) if ours.isdigit() else None,
    )


def on_dispute_created(dispute: Obj) -> None:
    payment = payment_for(
        dispute,
        payment_intent=_id(dispute.get("payment_intent")),
        charge=_id(dispute.get("charge")),
    )
    services.payment_disputed(payment_id=payment.pk if payment else None, dispute=dispute)


HANDLERS: dict[str, Callable[[Obj], None]] = {
    "checkout.session.completed": on_checkout_completed,
    "checkout.session.async_payment_succeeded": on_checkout_async_succeeded,
    "checkout.session.async_payment_failed": on_checkout_async_failed,
    "checkout.session.expired": on_checkout_expired,
    "invoice.finalized": on_invoice_finalized,
    "invoice.paid": on_invoice_paid,
    "invoice.payment_failed": on_invoice_payment_failed,
    "invoice.voided": on_invoice_voided,
    "invoice.marked_uncollectible": on_invoice_uncollectible,
    "charge.refunded": on_charge_refunded,
    "charge.dispute.created": on_dispute_created,
}
