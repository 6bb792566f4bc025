"""The one door to Stripe: every API call, money in minor units, and webhook signatures live here.
Callers get plain frozen dataclasses (Decimal amounts, upper-case ISO currencies, aware datetimes)
and two kinds of error: transient (retry later) and permanent (do not)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.utils import timezone

from licensing import money

# Stripe's own currency facts, which are not always ISO 4217's: these have no minor unit at
# Stripe (https://docs.stripe.com/currencies#zero-decimal) ...
ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
# ... and these have three decimals, where Stripe wants the last digit of the amount to be 0.
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

# Stripe accepts a Checkout Session expiry 30 minutes to 24 hours after creation; we keep a
# margin on both sides so clock skew and transit time never push a request out of range.
CHECKOUT_MIN_LIFETIME = timedelta(minutes=31)
CHECKOUT_MAX_LIFETIME = timedelta(hours=23, minutes=59)

DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300


# -- errors -------------------------------------------------------------------------------------


class StripeGatewayError(Exception):
    """A Stripe call failed; `request_id` is Stripe's, for support and the logs."""

    def __init__(
        self,
        message: str,
        *,
        request_id: str | None = None,
        http_status: int | None = None,
        code: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        self.code = code

    def __str__(self) -> str:
        prefix = f"[{self.request_id}] " if self.request_id else ""
        return f"{prefix}{self.message}"


class StripeTransientError(StripeGatewayError):
    """Worth retrying with the same idempotency key: network trouble, timeouts, 5xx, 429,
    a lock timeout or a concurrent request on the same key."""


class StripePermanentError(StripeGatewayError):
    """Retrying will not help: invalid request, declined card, bad key, reused idempotency key."""


class StripeNotConfiguredError(StripePermanentError):
    """STRIPE_SECRET_KEY is not set."""


class StripeSignatureError(StripeGatewayError):
    """A webhook payload whose signature is missing, wrong or stale, or that is not JSON."""


def _wrap(exc: stripe.StripeError) -> StripeGatewayError:
    status = exc.http_status
    code = exc.code or (exc.error.code if exc.error is not None else None)
    transient = (
        isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError))
        or status is None
        or status >= 500
        or status in (409, 429)
        or code == "lock_timeout"
    )
    cls = StripeTransientError if transient else StripePermanentError
    message = exc.user_message or type(exc).__name__
    return cls(message, request_id=exc.request_id, http_status=status, code=code)


def _calling(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the library; answer plain dicts (or lists of them) and gateway errors only."""
    try:
        result = fn(*args, **kwargs)
    except stripe.StripeError as exc:
        raise _wrap(exc) from exc
    if isinstance(result, list):
        return [_plain(item) for item in result]
    return _plain(result)


def _plain(obj: Any) -> Any:
    return obj.to_dict() if isinstance(obj, stripe.StripeObject) else obj


# -- configuration ------------------------------------------------------------------------------


def is_configured() -> bool:
    return bool(getattr(settings, "STRIPE_SECRET_KEY", ""))


@functools.lru_cache(maxsize=4)
def _client_for(api_key: str, api_base: str, timeout: float) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        # Retries belong to the task layer, which knows the business action and its backoff.
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def _client() -> stripe.StripeClient:
    # Read at call time, never at import: tests and deployments change these.
    api_key = getattr(settings, "STRIPE_SECRET_KEY", "")
    if not api_key:
        raise StripeNotConfiguredError("STRIPE_SECRET_KEY is not set")
    api_base = getattr(settings, "STRIPE_API_BASE", "") or ""
    timeout = float(getattr(settings, "STRIPE_TIMEOUT", DEFAULT_TIMEOUT_SECONDS))
    return _client_for(api_key, api_base, timeout)


def _options(idempotency_key: str) -> Any:
    if not idempotency_key:
        raise ValueError("every Stripe write needs an idempotency key tied to its business action")
    return {"idempotency_key": idempotency_key}


# -- money --------------------------------------------------------------------------------------


def stripe_exponent(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL_CURRENCIES:
        return 0
    if code in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Decimal("12.50") GBP -> 1250; Decimal("500") JPY -> 500. The amount must already be
    rounded to the currency (licensing.money rounds; this module never does)."""
    code = currency.upper()
    if amount != money.quantize(amount, code):
        raise ValueError(f"{amount} is not rounded to {code}'s minor unit")
    minor = amount.scaleb(stripe_exponent(code))
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} {code} has no exact amount in Stripe's minor units")
    return int(minor)


def from_minor_units(amount: int, currency: str) -> Decimal:
    """1250 GBP -> Decimal("12.50"); 500 JPY -> Decimal("500")."""
    exponent = stripe_exponent(currency)
    return Decimal(amount).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def _amount(value: int | None, currency: str) -> Decimal | None:
    return None if value is None else from_minor_units(value, currency)


def _when(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


def _id(value: Any) -> str | None:
    """An expandable field's id whether Stripe sent the id or the expanded object."""
    if value is None or isinstance(value, str):
        return value
    return value["id"]


def _metadata(raw: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (raw or {}).items()}


# -- plain results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutSessionData:
    id: str
    url: str | None  # only while the session is open
    status: str  # open | complete | expired
    payment_status: str  # unpaid | paid | no_payment_required
    payment_intent_id: str | None  # set once the customer has paid or started paying
    expires_at: datetime
    amount_total: Decimal | None
    currency: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    client_reference_id: str | None = None


@dataclass(frozen=True)
class CustomerData:
    id: str
    name: str | None
    email: str | None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InvoiceData:
    id: str
    status: str  # draft | open | paid | uncollectible | void
    hosted_invoice_url: str | None
    number: str | None
    amount_due: Decimal
    amount_paid: Decimal
    currency: str
    due_date: datetime | None
    metadata: dict[str, str]
    payment_intent_id: str | None  # known only on invoice_retrieve, once paid
    charge_id: str | None
    customer_id: str | None = None


@dataclass(frozen=True)
class RefundData:
    id: str
    status: str  # pending | requires_action | succeeded | failed | canceled
    amount: Decimal
    currency: str
    charge_id: str | None
    payment_intent_id: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    created: datetime | None = None


def _session(obj: Any) -> CheckoutSessionData:
    currency = (obj["currency"] or "").upper() or None
    return CheckoutSessionData(
        id=obj["id"],
        url=obj.get("url"),
        status=obj["status"],
        payment_status=obj["payment_status"],
        payment_intent_id=_id(obj.get("payment_intent")),
        expires_at=datetime.fromtimestamp(obj["expires_at"], tz=UTC),
        amount_total=_amount(obj.get("amount_total"), currency) if currency else None,
        currency=currency,
        metadata=_metadata(obj.get("metadata")),
        client_reference_id=obj.get("client_reference_id"),
    )


def _customer(obj: Any) -> CustomerData:
    return CustomerData(
        id=obj["id"],
        name=obj.get("name"),
        email=obj.get("email"),
        metadata=_metadata(obj.get("metadata")),
    )


def _invoice(obj: Any) -> InvoiceData:
    currency = obj["currency"].upper()
    payment_intent_id = charge_id = None
    # Since API 2025-03-31 an invoice names its payments only through `payments` (expanded).
    payments = obj.get("payments")
    for payment in payments["data"] if payments else []:
        if payment.get("status") != "paid":
            continue
        intent = payment["payment"].get("payment_intent")
        payment_intent_id = _id(intent)
        if intent is not None and not isinstance(intent, str):
            charge_id = _id(intent.get("latest_charge"))
        charge_id = charge_id or _id(payment["payment"].get("charge"))
    return InvoiceData(
        id=obj["id"],
        status=obj["status"],
        hosted_invoice_url=obj.get("hosted_invoice_url"),
        number=obj.get("number"),
        amount_due=from_minor_units(obj["amount_due"], currency),
        amount_paid=from_minor_units(obj["amount_paid"], currency),
        currency=currency,
        due_date=_when(obj.get("due_date")),
        metadata=_metadata(obj.get("metadata")),
        payment_intent_id=payment_intent_id,
        charge_id=charge_id,
        customer_id=_id(obj.get("customer")),
    )


def _refund(obj: Any) -> RefundData:
    currency = obj["currency"].upper()
    return RefundData(
        id=obj["id"],
        status=obj["status"],
        amount=from_minor_units(obj["amount"], currency),
        currency=currency,
        charge_id=_id(obj.get("charge")),
        payment_intent_id=_id(obj.get("payment_intent")),
        metadata=_metadata(obj.get("metadata")),
        created=_when(obj.get("created")),
    )


# -- Checkout -----------------------------------------------------------------------------------


def checkout_session_create(
    *,
    line_items: Iterable[tuple[str, Decimal, int]],
    currency: str,
    customer_email: str | None,
    client_reference_id: str,
    success_url: str,
    cancel_url: str,
    expires_at: datetime,
    metadata: Mapping[str, Any],
    idempotency_key: str,
) -> CheckoutSessionData:
    """A hosted Checkout Session in payment mode; each line is (description, unit amount,
    quantity). `expires_at` is clamped into Stripe's window of 31 minutes to 23 h 59 min from
    now, so a payment deadline days away still gets a session (a fresh one is made on expiry).
    The metadata is copied onto the PaymentIntent too, so refunds and disputes can be traced."""
    code = currency.upper()
    now = timezone.now()
    expires_at = min(max(expires_at, now + CHECKOUT_MIN_LIFETIME), now + CHECKOUT_MAX_LIFETIME)
    meta = _metadata(metadata)
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": code.lower(),
                    "unit_amount": to_minor_units(amount, code),
                    "product_data": {"name": description},
                },
                "quantity": quantity,
            }
            for description, amount, quantity in line_items
        ],
        "client_reference_id": client_reference_id,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": int(expires_at.timestamp()),
        "metadata": meta,
        "payment_intent_data": {"metadata": meta},
    }
    if customer_email:
        params["customer_email"] = customer_email
    session = _calling(
        _client().v1.checkout.sessions.create, params=params, options=_options(idempotency_key)
    )
    return _session(session)


def checkout_session_retrieve(session_id: str) -> CheckoutSessionData:
    return _session(_calling(_client().v1.checkout.sessions.retrieve, session_id))


def checkout_session_expire(session_id: str, *, idempotency_key: str) -> CheckoutSessionData:
    session = _calling(
        _client().v1.checkout.sessions.expire, session_id, options=_options(idempotency_key)
    )
    return _session(session)


def list_checkout_sessions(created_gte: datetime) -> list[CheckoutSessionData]:
    return [_session(obj) for obj in _list(_client().v1.checkout.sessions, created_gte)]


# -- customers and invoices ---------------------------------------------------------------------


def customer_create(
    *, name: str, email: str, metadata: Mapping[str, Any], idempotency_key: str
) -> CustomerData:
    params = {"name": name, "email": email, "metadata": _metadata(metadata)}
    customer = _calling(
        _client().v1.customers.create, params=params, options=_options(idempotency_key)
    )
    return _customer(customer)


def invoice_create_and_send(
    *,
    customer_id: str,
    currency: str,
    days_until_due: int,
    lines: Iterable[tuple[str, Decimal, int]],
    metadata: Mapping[str, Any],
    description: str,
    idempotency_key: str,
) -> InvoiceData:
    """A draft invoice, its items, finalised and emailed by Stripe; the partner pays on the
    hosted page. Each of the steps has its own key derived from `idempotency_key`, so a retry
    after a failure part-way through replays the finished steps and resumes at the next."""
    code = currency.upper()
    client = _client()
    meta = _metadata(metadata)
    invoice = _calling(
        client.v1.invoices.create,
        params={
            "customer": customer_id,
            "currency": code.lower(),
            "collection_method": "send_invoice",
            "days_until_due": days_until_due,
            "description": description,
            "metadata": meta,
            # We finalise and send ourselves, now, rather than in Stripe's hour of grace.
            "auto_advance": False,
            "pending_invoice_items_behavior": "exclude",
        },
        options=_options(f"{idempotency_key}-invoice"),
    )
    for index, (line_description, unit_amount, quantity) in enumerate(lines):
        _calling(
            client.v1.invoice_items.create,
            params={
                "customer": customer_id,
                "invoice": invoice["id"],
                "currency": code.lower(),
                "description": line_description,
                "quantity": quantity,
                "unit_amount_decimal": str(to_minor_units(unit_amount, code)),
                "metadata": meta,
            },
            options=_options(f"{idempotency_key}-item-{index}"),
        )
    _calling(
        client.v1.invoices.finalize_invoice,
        invoice["id"],
        options=_options(f"{idempotency_key}-finalize"),
    )
    sent = _calling(
        client.v1.invoices.send_invoice, invoice["id"], options=_options(f"{idempotency_key}-send")
    )
    return _invoice(sent)


def invoice_retrieve(invoice_id: str) -> InvoiceData:
    invoice = _calling(
        _client().v1.invoices.retrieve,
        invoice_id,
        params={"expand": ["payments", "payments.data.payment.payment_intent"]},
    )
    return _invoice(invoice)


def list_invoices(created_gte: datetime) -> list[InvoiceData]:
    return [_invoice(obj) for obj in _list(_client().v1.invoices, created_gte)]


# -- refunds ------------------------------------------------------------------------------------


def refund_create(
    *,
    payment_intent_id: str,
    amount: Decimal | None,
    currency: str,
    reason_metadata: Mapping[str, Any],
    idempotency_key: str,
) -> RefundData:
    """Refund `amount` of the payment, or all that is left of it when amount is None."""
    params: dict[str, Any] = {
        "payment_intent": payment_intent_id,
        "metadata": _metadata(reason_metadata),
    }
    if amount is not None:
        params["amount"] = to_minor_units(amount, currency)
    refund = _calling(_client().v1.refunds.create, params=params, options=_options(idempotency_key))
    return _refund(refund)


def list_refunds(created_gte: datetime) -> list[RefundData]:
    return [_refund(obj) for obj in _list(_client().v1.refunds, created_gte)]


def _list(service: Any, created_gte: datetime) -> list[Any]:
    def fetch() -> list[Any]:
        page = service.list(params={"created": {"gte": int(created_gte.timestamp())}, "limit": 100})
        return list(page.auto_paging_iter())

    return _calling(fetch)


# -- webhooks -----------------------------------------------------------------------------------


def construct_event(payload: bytes, sig_header: str) -> dict[str, Any]:
    """The verified event as plain data; StripeSignatureError when the signature is missing,
    wrong, older than STRIPE_WEBHOOK_TOLERANCE seconds, or the body is not JSON."""
    secret = getattr(settings, "STRIPE_WEBHOOK_SECRET", "")
    if not secret:
        raise StripeNotConfiguredError("STRIPE_WEBHOOK_SECRET is not set")
    tolerance = int(
        getattr(settings, "STRIPE_WEBHOOK_TOLERANCE", DEFAULT_WEBHOOK_TOLERANCE_SECONDS)
    )
    try:
        stripe.Webhook.construct_event(payload, sig_header, secret, tolerance=tolerance)
    except stripe.SignatureVerificationError as exc:
        raise StripeSignatureError(exc.user_message or "invalid signature") from exc
    except ValueError as exc:
        raise StripeSignatureError(f"payload is not a Stripe event: {exc}") from exc
    # The verified body exactly as sent: the library's objects would turn some decimal strings
    # into Decimals and could drift from the wire between versions.
    return json.loads(payload)
