"""The stand-in's memory: Stripe objects built from the fixtures, the business moves on them
(API calls and test commands alike), and the events each move produces."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from .invoicing import InvoicingMixin
from .wire import (
    StripeAPIError,
    as_int,
    as_list_of_strings,
    as_metadata,
    fixture,
    list_page,
    missing,
    new_id,
    no_such,
    strip_private,
)

# Stripe's rule for Checkout: a session may expire 30 minutes to 24 hours after it is created.
CHECKOUT_MIN_EXPIRY = 30 * 60
CHECKOUT_MAX_EXPIRY = 24 * 60 * 60

Obj = dict[str, Any]


class StripeState(InvoicingMixin):
    def __init__(self, *, base_url: Callable[[], str], api_version: str):
        self.base_url = base_url
        self.api_version = api_version
        self.lock = threading.RLock()
        self.clock: Callable[[], int] = lambda: int(time.time())
        self.objects: dict[str, Obj] = {}
        self.events: list[Obj] = []
        self._seq = itertools.count(1)
        self._invoice_numbers = itertools.count(1)

    # -- storage ---------------------------------------------------------------------------

    def _store(self, obj: Obj) -> Obj:
        obj["_seq"] = next(self._seq)
        self.objects[obj["id"]] = obj
        return obj

    def get(self, kind: str, object_id: str, param: str = "id") -> Obj:
        obj = self.objects.get(object_id)
        if obj is None or obj["object"] != kind:
            raise no_such(kind, object_id, param)
        return obj

    def of_kind(self, kind: str) -> list[Obj]:
        return [o for o in self.objects.values() if o["object"] == kind]

    def render(self, obj: Obj, expand: Any = None) -> Obj:
        """The object as the API returns it: a copy, with `expand[]` paths resolved."""
        paths = as_list_of_strings(expand)
        out = strip_private(obj)
        if obj["object"] == "invoice" and any(p.split(".")[0] == "payments" for p in paths):
            # `payments` is includable: it is only in the answer when asked for.
            out["payments"] = {
                "object": "list",
                "data": [
                    strip_private(p)
                    for p in self.of_kind("invoice_payment")
                    if p["invoice"] == obj["id"]
                ],
                "has_more": False,
                "url": f"/v1/invoice_payments?invoice={obj['id']}",
            }
        for path in paths:
            self._expand(out, path.split("."))
        return out

    def _expand(self, node: Any, parts: list[str]) -> None:
        if not parts or not isinstance(node, dict):
            return
        key, rest = parts[0], parts[1:]
        if key == "data" and isinstance(node.get("data"), list):
            for item in node["data"]:
                self._expand(item, rest)
            return
        value = node.get(key)
        if isinstance(value, str) and value in self.objects:
            node[key] = value = strip_private(self.objects[value])
        self._expand(value, rest)

    # -- events ------------------------------------------------------------------------------

    def emit(self, event_type: str, obj: Obj, request: dict[str, Any] | None = None) -> Obj:
        event = fixture("event")
        event.update(
            id=new_id("evt_test_"),
            type=event_type,
            api_version=self.api_version,
            created=self.clock(),
            data={"object": strip_private(obj)},
            livemode=False,
            pending_webhooks=1,
            request=request or {"id": None, "idempotency_key": None},
        )
        self.events.append(event)
        return event

    # -- Checkout ----------------------------------------------------------------------------

    def checkout_session_create(self, params: Obj) -> Obj:
        if params.get("mode") != "payment":
            raise (
                missing("mode")
                if not params.get("mode")
                else StripeAPIError(400, "The stand-in only speaks mode=payment.", param="mode")
            )
        raw_lines = params.get("line_items")
        if not raw_lines:
            raise missing("line_items")
        currencies, total, lines = set(), 0, []
        for i, line in enumerate(raw_lines):
            price = line.get("price_data") or {}
            name = (price.get("product_data") or {}).get("name")
            if not price.get("currency"):
                raise missing(f"line_items[{i}][price_data][currency]")
            if not name:
                raise missing(f"line_items[{i}][price_data][product_data][name]")
            unit = as_int(price, "unit_amount", required=True)
            quantity = as_int(line, "quantity", required=True)
            if unit is None or unit < 0 or quantity is None or quantity < 1:
                raise StripeAPIError(400, "Invalid amount or quantity.", param=f"line_items[{i}]")
            currencies.add(price["currency"])
            total += unit * quantity
            lines.append({"description": name, "unit_amount": unit, "quantity": quantity})
        if len(currencies) != 1:
            raise StripeAPIError(400, "All line items must share one currency.", param="line_items")
        now = self.clock()
        expires_at = as_int(params, "expires_at") or now + CHECKOUT_MAX_EXPIRY
        if not now + CHECKOUT_MIN_EXPIRY <= expires_at <= now + CHECKOUT_MAX_EXPIRY:
            raise StripeAPIError(
                400,
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                "Checkout Session creation.",
                code="parameter_invalid_integer",
                param="expires_at",
            )
        session = fixture("checkout.session")
        session_id = new_id("cs_test_", 58)
        session.update(
            id=session_id,
            created=now,
            expires_at=expires_at,
            mode="payment",
            currency=currencies.pop(),
            amount_subtotal=total,
            amount_total=total,
            client_reference_id=params.get("client_reference_id"),
            customer_email=params.get("customer_email"),
            success_url=params.get("success_url"),
            cancel_url=params.get("cancel_url"),
            metadata=as_metadata(params.get("metadata")),
            payment_intent=None,
            status="open",
            payment_status="unpaid",
            url=f"{self.base_url()}/pay/{session_id}",
            shipping_cost=None,
            shipping_address_collection=None,
            currency_conversion=None,
            total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        )
        session["customer_details"] = None
        session["_lines"] = lines
        session["_pi_metadata"] = as_metadata(
            (params.get("payment_intent_data") or {}).get("metadata")
        )
        return self._store(session)

    def checkout_session_expire(self, session_id: str, request: Obj | None = None) -> Obj:
        session = self.get("checkout.session", session_id)
        if session["status"] != "open":
            raise StripeAPIError(
                400, 'Only Checkout Sessions with a status in ["open"] can be expired.'
            )
        session.update(status="expired", url=None)
        self.emit("checkout.session.expired", session, request)
        return session

    def checkout_session_complete(self, session_id: str, *, paid: bool = True) -> Obj:
        """The customer pays (or, with paid=False, starts an async payment that is pending)."""
        session = self.get("checkout.session", session_id)
        if session["status"] != "open":
            raise ValueError(f"{session_id} is {session['status']}, not open")
        pi = self._payment_intent(
            session["amount_total"], session["currency"], session["_pi_metadata"], succeeded=paid
        )
        session.update(
            status="complete",
            url=None,
            payment_intent=pi["id"],
            payment_status="paid" if paid else "unpaid",
            customer_details={
                "address": None,
                "email": session["customer_email"] or "payer@example.com",
                "name": "Test Payer",
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
                "business_name": None,
                "individual_name": None,
            },
        )
        return self.emit("checkout.session.completed", session)

    def checkout_session_settle(self, session_id: str, *, succeeded: bool) -> Obj:
        """The pending async payment (e.g. a bank debit) finally succeeds or fails."""
        session = self.get("checkout.session", session_id)
        if session["status"] != "complete" or session["payment_status"] != "unpaid":
            raise ValueError(f"{session_id} has no pending async payment")
        pi = self.objects[session["payment_intent"]]
        if succeeded:
            self._charge_for(pi)
            session["payment_status"] = "paid"
            return self.emit("checkout.session.async_payment_succeeded", session)
        pi.update(
            status="requires_payment_method",
            last_payment_error={"type": "card_error", "code": "payment_declined"},
        )
        return self.emit("checkout.session.async_payment_failed", session)

    # -- money movements ---------------------------------------------------------------------

    def _payment_intent(
        self, amount: int, currency: str, metadata: dict[str, str], *, succeeded: bool
    ) -> Obj:
        pi = fixture("payment_intent")
        pi.update(
            id=new_id("pi_test_"),
            amount=amount,
            currency=currency,
            created=self.clock(),
            metadata=dict(metadata),
            client_secret=None,
            canceled_at=None,
            last_payment_error=None,
            next_action=None,
            latest_charge=None,
            status="processing",
            amount_received=0,
            transfer_data=None,
        )
        self._store(pi)
        if succeeded:
            self._charge_for(pi)
        return pi

    def _charge_for(self, pi: Obj) -> Obj:
        charge = fixture("charge")
        charge.update(
            id=new_id("ch_test_"),
            amount=pi["amount"],
            amount_captured=pi["amount"],
            amount_refunded=0,
            captured=True,
            currency=pi["currency"],
            created=self.clock(),
            payment_intent=pi["id"],
            metadata=dict(pi["metadata"]),
            paid=True,
            refunded=False,
            status="succeeded",
            source=None,
            transfer_data=None,
            balance_transaction=new_id("txn_test_"),
            receipt_url=None,
        )
        charge["refunds"]["url"] = f"/v1/charges/{charge['id']}/refunds"
        self._store(charge)
        pi.update(status="succeeded", latest_charge=charge["id"], amount_received=pi["amount"])
        return charge

    def refund_create(self, params: Obj, request: Obj | None = None) -> Obj:
        if pi_id := params.get("payment_intent"):
            pi = self.get("payment_intent", pi_id, "payment_intent")
            charge_id = pi.get("latest_charge")
            if pi["status"] != "succeeded" or not charge_id:
                raise StripeAPIError(
                    400,
                    f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                    code="charge_not_refundable",
                    param="payment_intent",
                )
            charge = self.objects[charge_id]
        elif charge_id := params.get("charge"):
            charge = self.get("charge", charge_id, "charge")
        else:
            raise missing("payment_intent")
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining == 0:
            raise StripeAPIError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = as_int(params, "amount")
        amount = remaining if amount is None else amount
        if not 0 < amount <= remaining:
            raise StripeAPIError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({remaining})",
                code="amount_too_large",
                param="amount",
            )
        refund = fixture("refund")
        refund.update(
            id=new_id("re_test_"),
            amount=amount,
            charge=charge["id"],
            currency=charge["currency"],
            created=self.clock(),
            metadata=as_metadata(params.get("metadata")),
            payment_intent=charge["payment_intent"],
            reason=params.get("reason") or None,
            status="succeeded",
            balance_transaction=new_id("txn_test_"),
        )
        self._store(refund)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, strip_private(refund))
        self.emit("refund.created", refund, request)
        self.emit("charge.refunded", charge, request)
        return refund

    def dispute_open(
        self, payment_intent_id: str, *, reason: str = "fraudulent", amount: int | None = None
    ) -> Obj:
        pi = self.get("payment_intent", payment_intent_id)
        if not pi.get("latest_charge"):
            raise ValueError(f"{payment_intent_id} has no charge to dispute")
        charge = self.objects[pi["latest_charge"]]
        dispute = fixture("dispute")
        dispute.update(
            id=new_id("dp_test_"),
            amount=charge["amount"] if amount is None else amount,
            charge=charge["id"],
            payment_intent=pi["id"],
            currency=charge["currency"],
            created=self.clock(),
            reason=reason,
            status="needs_response",
            is_charge_refundable=False,
        )
        self._store(dispute)
        charge["disputed"] = True
        return self.emit("charge.dispute.created", dispute)

    # -- lists -------------------------------------------------------------------------------

    def list(self, kind: str, params: Obj, url: str) -> Obj:
        page = list_page(self.of_kind(kind), params, url)
        # A list's expand paths name its items as `data.<field>`.
        expand = [p.removeprefix("data.") for p in as_list_of_strings(params.get("expand"))]
        page["data"] = [self.render(o, expand) for o in page["data"]]
        return page
