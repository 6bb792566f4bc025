"""Reconciliation: what Stripe says happened since a date, compared with our payments, and the
gaps a missed webhook left repaired through the same services the webhooks use."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from billing import services
from billing import stripe_gateway as gateway
from billing.models import SETTLED, EventStatus, Payment, PaymentMethod, PaymentStatus, StripeEvent
from billing.webhooks import payment_for, stripe_event_reprocess


@dataclass
class Report:
    since: datetime
    lines: list[str] = field(default_factory=list)
    checked: int = 0
    repaired: int = 0
    unknown: int = 0
    requeued_events: int = 0

    def note(self, line: str) -> None:
        self.lines.append(line)

    def counts(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "repaired": self.repaired,
            "unknown": self.unknown,
            "requeued_events": self.requeued_events,
        }

    def summary(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.counts().items())


def reconcile(*, since: datetime) -> Report:
    report = Report(since=since)
    _sessions(report, gateway.list_checkout_sessions(since))
    _invoices(report, gateway.list_invoices(since))
    _refunds(report, gateway.list_refunds(since))
    _failed_events(report, since)
    return report


def _meta_payment(metadata: dict[str, str], **ids: str | None) -> Payment | None:
    return payment_for({"metadata": metadata}, **ids)


def _sessions(report: Report, sessions: list[gateway.CheckoutSessionData]) -> None:
    for session in sessions:
        report.checked += 1
        payment = _meta_payment(session.metadata, checkout_session=session.id)
        if payment is None:
            report.unknown += 1
            report.note(f"session {session.id}: no local payment")
            continue
        paid = session.status == "complete" and session.payment_status == "paid"
        if paid and payment.status not in SETTLED:
            services.payment_settle(
                payment_id=payment.pk,
                payment_intent_id=session.payment_intent_id or "",
                note="Paid by card (found by reconciliation).",
            )
            report.repaired += 1
            report.note(f"session {session.id}: paid at Stripe, payment {payment.pk} now paid")
        elif session.status == "expired" and payment.status == PaymentStatus.PENDING:
            services.payment_close(
                payment_id=payment.pk,
                status=PaymentStatus.CANCELLED,
                reason="The Checkout Session expired (found by reconciliation).",
            )
            report.repaired += 1
            report.note(f"session {session.id}: expired, payment {payment.pk} cancelled")
        else:
            report.note(
                f"session {session.id}: {session.status}, payment {payment.pk} {payment.status}: ok"
            )


def _invoices(report: Report, invoices: list[gateway.InvoiceData]) -> None:
    for invoice in invoices:
        report.checked += 1
        payment = _meta_payment(invoice.metadata, invoice=invoice.id)
        if payment is None:
            report.unknown += 1
            report.note(f"invoice {invoice.id}: no local payment")
            continue
        if invoice.status == "paid" and payment.status not in SETTLED:
            paid = gateway.invoice_retrieve(invoice.id)
            if not payment.stripe_invoice_id:
                services.invoice_finalized(
                    payment_id=payment.pk,
                    invoice_id=invoice.id,
                    url=invoice.hosted_invoice_url,
                    number=invoice.number,
                )
            services.payment_settle(
                payment_id=payment.pk,
                payment_intent_id=paid.payment_intent_id or "",
                charge_id=paid.charge_id or "",
                note=f"Invoice {invoice.number or invoice.id} paid (found by reconciliation).",
            )
            report.repaired += 1
            report.note(f"invoice {invoice.id}: paid at Stripe, payment {payment.pk} now paid")
        elif (
            invoice.status in ("void", "uncollectible") and payment.status == PaymentStatus.PENDING
        ):
            status = PaymentStatus.CANCELLED if invoice.status == "void" else PaymentStatus.FAILED
            services.payment_close(
                payment_id=payment.pk,
                status=status,
                reason=f"The invoice is {invoice.status} (found by reconciliation).",
            )
            report.repaired += 1
            report.note(f"invoice {invoice.id}: {invoice.status}, payment {payment.pk} {status}")
        else:
            report.note(
                f"invoice {invoice.id}: {invoice.status}, payment {payment.pk} {payment.status}: ok"
            )


def _refunds(report: Report, refunds: list[gateway.RefundData]) -> None:
    by_payment: dict[int, list[services.RefundInfo]] = defaultdict(list)
    intents: dict[int, str] = {}
    for refund in refunds:
        report.checked += 1
        payment = _meta_payment(
            refund.metadata, payment_intent=refund.payment_intent_id, charge=refund.charge_id
        )
        if payment is None or payment.method == PaymentMethod.OFFLINE:
            report.unknown += 1
            report.note(f"refund {refund.id}: no local payment")
            continue
        ours = refund.metadata.get("refund_id", "")
        by_payment[payment.pk].append(
            services.RefundInfo(
                stripe_refund_id=refund.id,
                amount=refund.amount,
                status=refund.status,
                refund_id=int(ours) if ours.isdigit() else None,
            )
        )
        intents[payment.pk] = refund.payment_intent_id or ""
    for payment_id, infos in by_payment.items():
        payment = Payment.objects.get(pk=payment_id)
        known = set(
            payment.refunds.filter(stripe_refund_id__isnull=False)
            .exclude(status="pending")
            .values_list("stripe_refund_id", flat=True)
        )
        if {info.stripe_refund_id for info in infos} <= known:
            report.note(f"payment {payment_id}: {len(infos)} refund(s): ok")
            continue
        services.refunds_sync(
            payment_id=payment_id, refunds=infos, payment_intent_id=intents[payment_id]
        )
        payment.refresh_from_db()
        report.repaired += 1
        report.note(
            f"payment {payment_id}: refunds brought in, now {payment.status} "
            f"({payment.amount_refunded} {payment.currency} refunded)"
        )


def _failed_events(report: Report, since: datetime) -> None:
    stuck = StripeEvent.objects.filter(
        status__in=[EventStatus.FAILED, EventStatus.RECEIVED], received_at__gte=since
    )
    for event in stuck:
        if stripe_event_reprocess(event=event):
            report.requeued_events += 1
            report.note(f"event {event.event_id} ({event.type}) {event.status}: queued again")
