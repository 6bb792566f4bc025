"""Customers and invoices in the stand-in: drafts, items, finalising and sending, and what the
customer or Stripe does to an open invoice afterwards (pay, fail, uncollectible, void)."""

from __future__ import annotations

import copy
import itertools
from typing import TYPE_CHECKING, Any

from .wire import StripeAPIError, as_int, as_metadata, fixture, missing, new_id

Obj = dict[str, Any]


class InvoicingMixin:
    if TYPE_CHECKING:
        from collections.abc import Callable

        objects: dict[str, Obj]
        _invoice_numbers: itertools.count[int]
        base_url: Callable[[], str]
        clock: Callable[[], int]

        def _store(self, obj: Obj) -> Obj: ...
        def get(self, kind: str, object_id: str, param: str = "id") -> Obj: ...
        def emit(self, event_type: str, obj: Obj, request: Obj | None = None) -> Obj: ...
        def _payment_intent(
            self, amount: int, currency: str, metadata: dict[str, str], *, succeeded: bool
        ) -> Obj: ...

    # -- customers and invoices --------------------------------------------------------------

    def customer_create(self, params: Obj) -> Obj:
        customer = fixture("customer")
        customer.update(
            id=new_id("cus_test_", 14),
            created=self.clock(),
            name=params.get("name"),
            email=params.get("email"),
            metadata=as_metadata(params.get("metadata")),
            discount=None,
            currency=None,
            invoice_prefix=new_id("", 8).upper(),
        )
        return self._store(customer)

    def invoice_create(self, params: Obj) -> Obj:
        customer_id = params.get("customer") or ""
        if not customer_id:
            raise missing("customer")
        customer = self.get("customer", customer_id, "customer")
        method = params.get("collection_method") or "charge_automatically"
        days = as_int(params, "days_until_due")
        if method == "send_invoice" and days is None:
            raise StripeAPIError(
                400,
                "Invoices with collection_method=send_invoice need days_until_due or due_date.",
                param="days_until_due",
            )
        invoice = fixture("invoice")
        now = self.clock()
        invoice.update(
            id=new_id("in_test_"),
            created=now,
            customer=customer["id"],
            customer_email=customer["email"],
            customer_name=customer["name"],
            collection_method=method,
            currency=params.get("currency") or "gbp",
            description=params.get("description") or None,
            metadata=as_metadata(params.get("metadata")),
            auto_advance=False,
            status="draft",
            number=None,
            hosted_invoice_url=None,
            invoice_pdf=None,
            amount_due=0,
            amount_paid=0,
            amount_remaining=0,
            amount_overpaid=0,
            subtotal=0,
            subtotal_excluding_tax=0,
            total=0,
            total_excluding_tax=0,
            due_date=None,
            effective_at=None,
            next_payment_attempt=None,
            parent=None,
            last_finalization_error=None,
            from_invoice=None,
            shipping_cost=None,
            webhooks_delivered_at=None,
            period_start=now,
            period_end=now,
        )
        invoice["lines"].update(data=[], url=f"/v1/invoices/{invoice['id']}/lines")
        invoice["_days_until_due"] = days
        return self._store(invoice)

    def invoice_item_create(self, params: Obj) -> Obj:
        customer = self.get("customer", params.get("customer") or "", "customer")
        invoice = self.get("invoice", params.get("invoice") or "", "invoice")
        if invoice["status"] != "draft":
            raise StripeAPIError(
                400,
                f"Invoice {invoice['id']} is no longer a draft.",
                code="invoice_not_editable",
                param="invoice",
            )
        quantity = as_int(params, "quantity") or 1
        if params.get("unit_amount_decimal") not in (None, ""):
            amount = int(params["unit_amount_decimal"]) * quantity
        else:
            amount = as_int(params, "amount", required=True) or 0
        item = fixture("invoiceitem")
        item.update(
            id=new_id("ii_test_"),
            amount=amount,
            currency=invoice["currency"],
            customer=customer["id"],
            date=self.clock(),
            description=params.get("description"),
            invoice=invoice["id"],
            metadata=as_metadata(params.get("metadata")),
            quantity=quantity,
            parent=None,
            net_amount=amount,
            quantity_decimal=str(quantity),
        )
        self._store(item)
        line = copy.deepcopy(fixture("invoice")["lines"]["data"][0])
        line.update(
            id=new_id("il_test_"),
            amount=amount,
            currency=invoice["currency"],
            description=item["description"],
            invoice=invoice["id"],
            quantity=quantity,
            metadata=dict(item["metadata"]),
            subtotal=amount,
            quantity_decimal=str(quantity),
            parent={
                "type": "invoice_item_details",
                "invoice_item_details": {
                    "invoice_item": item["id"],
                    "proration": False,
                    "proration_details": None,
                    "subscription": None,
                },
                "subscription_item_details": None,
            },
        )
        invoice["lines"]["data"].append(line)
        total = sum(li["amount"] for li in invoice["lines"]["data"])
        invoice.update(
            amount_due=total,
            amount_remaining=total,
            subtotal=total,
            subtotal_excluding_tax=total,
            total=total,
            total_excluding_tax=total,
        )
        return item

    def invoice_finalize(self, invoice_id: str, request: Obj | None = None) -> Obj:
        invoice = self.get("invoice", invoice_id)
        if invoice["status"] != "draft":
            raise StripeAPIError(
                400,
                "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
                code="invoice_not_editable",
            )
        now = self.clock()
        days = invoice["_days_until_due"]
        customer = self.objects[invoice["customer"]]
        invoice.update(
            status="open",
            effective_at=now,
            number=f"{customer['invoice_prefix']}-{next(self._invoice_numbers):04d}",
            hosted_invoice_url=f"{self.base_url()}/invoice/{invoice_id}",
            invoice_pdf=f"{self.base_url()}/invoice/{invoice_id}/pdf",
            due_date=None if days is None else now + days * 86400,
        )
        invoice["status_transitions"]["finalized_at"] = now
        self.emit("invoice.finalized", invoice, request)
        return invoice

    def invoice_send(self, invoice_id: str, request: Obj | None = None) -> Obj:
        invoice = self.get("invoice", invoice_id)
        if invoice["status"] != "open" or invoice["collection_method"] != "send_invoice":
            raise StripeAPIError(
                400,
                "You can only manually send an invoice if its status is "
                "open and collection_method is send_invoice.",
            )
        self.emit("invoice.sent", invoice, request)
        return invoice

    def _open_invoice(self, invoice_id: str) -> Obj:
        invoice = self.get("invoice", invoice_id)
        if invoice["status"] not in ("open", "uncollectible"):
            raise ValueError(f"{invoice_id} is {invoice['status']}")
        return invoice

    def invoice_pay(self, invoice_id: str) -> Obj:
        invoice = self._open_invoice(invoice_id)
        pi = self._payment_intent(
            invoice["amount_due"], invoice["currency"], invoice["metadata"], succeeded=True
        )
        payment = fixture("invoice_payment")
        payment.update(
            id=new_id("inpay_test_"),
            amount_paid=pi["amount"],
            amount_requested=pi["amount"],
            created=self.clock(),
            currency=invoice["currency"],
            invoice=invoice_id,
            livemode=False,
            payment={"type": "payment_intent", "payment_intent": pi["id"]},
            status="paid",
            status_transitions={"canceled_at": None, "paid_at": self.clock()},
        )
        self._store(payment)
        invoice.update(
            status="paid",
            amount_paid=invoice["amount_due"],
            amount_remaining=0,
            attempted=True,
            attempt_count=invoice["attempt_count"] + 1,
        )
        invoice["status_transitions"]["paid_at"] = self.clock()
        return self.emit("invoice.paid", invoice)

    def invoice_payment_fail(self, invoice_id: str) -> Obj:
        invoice = self._open_invoice(invoice_id)
        invoice.update(attempted=True, attempt_count=invoice["attempt_count"] + 1)
        return self.emit("invoice.payment_failed", invoice)

    def invoice_mark_uncollectible(self, invoice_id: str) -> Obj:
        invoice = self._open_invoice(invoice_id)
        invoice["status"] = "uncollectible"
        invoice["status_transitions"]["marked_uncollectible_at"] = self.clock()
        return self.emit("invoice.marked_uncollectible", invoice)

    def invoice_void(self, invoice_id: str) -> Obj:
        invoice = self._open_invoice(invoice_id)
        invoice["status"] = "void"
        invoice["status_transitions"]["voided_at"] = self.clock()
        return self.emit("invoice.voided", invoice)
