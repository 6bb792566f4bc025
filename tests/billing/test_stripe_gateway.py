"""The Stripe gateway against the stand-in over real HTTP, through the real `stripe` library."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import stripe
from django.utils import timezone

from billing import stripe_gateway as gateway
from tests.stripe_standin.wire import fixture

D = Decimal
CREATE = "POST /v1/checkout/sessions"


def _session(key: str = "licreq-1-checkout-1", **overrides):
    kwargs = {
        "line_items": [("Republication: Tide gauges record a new high", D("12.50"), 1)],
        "currency": "GBP",
        "customer_email": "desk@outlet.example",
        "client_reference_id": "licreq-1",
        "success_url": "https://licences.example/paid?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://licences.example/requests/1",
        "expires_at": timezone.now() + timedelta(hours=2),
        "metadata": {"licence_request": 1},
        "idempotency_key": key,
    }
    return gateway.checkout_session_create(**{**kwargs, **overrides})


def _paid_session(standin):
    session = _session(line_items=[("Republication", D("12.50"), 1)])
    standin.complete_checkout_session(session.id)
    return gateway.checkout_session_retrieve(session.id)


# -- money --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (D("12.50"), "GBP", 1250),
        (D("0.01"), "EUR", 1),
        (D("500"), "JPY", 500),
        (D("1200"), "KRW", 1200),
        (D("1.50"), "KWD", 1500),  # three decimals at Stripe
    ],
)
def test_amounts_cross_the_boundary_in_stripes_minor_units(amount, currency, minor):
    assert gateway.to_minor_units(amount, currency) == minor
    assert gateway.from_minor_units(minor, currency) == amount


def test_an_unrounded_amount_is_refused_rather_than_rounded():
    with pytest.raises(ValueError, match="not rounded"):
        gateway.to_minor_units(D("12.505"), "GBP")
    with pytest.raises(ValueError, match="not rounded"):
        gateway.to_minor_units(D("500.5"), "JPY")


def test_from_minor_units_keeps_the_currencys_places():
    assert str(gateway.from_minor_units(1200, "GBP")) == "12.00"
    assert str(gateway.from_minor_units(500, "JPY")) == "500"


# -- configuration ------------------------------------------------------------------------------


def test_without_a_secret_key_the_gateway_is_not_configured(settings):
    settings.STRIPE_SECRET_KEY = ""
    assert gateway.is_configured() is False
    with pytest.raises(gateway.StripeNotConfiguredError):
        gateway.checkout_session_retrieve("cs_test_x")


def test_a_wrong_api_key_is_a_permanent_error(stripe_standin, settings):
    settings.STRIPE_SECRET_KEY = "rk_wrong"
    with pytest.raises(gateway.StripePermanentError) as caught:
        gateway.checkout_session_retrieve("cs_test_x")
    assert caught.value.http_status == 401
    assert caught.value.request_id.startswith("req_")


# -- Checkout -----------------------------------------------------------------------------------


def test_a_checkout_session_is_created_in_minor_units_and_read_back(stripe_standin):
    # given a request for two lines in pounds
    session = _session(
        line_items=[("Article licence", D("12.50"), 1), ("Picture licence", D("5.00"), 2)]
    )
    # then Stripe got pence, and we get pounds back
    stored = stripe_standin.get(session.id)
    assert stored["amount_total"] == 2250
    assert stored["currency"] == "gbp"
    assert stored["mode"] == "payment"
    assert stored["client_reference_id"] == "licreq-1"
    assert stored["customer_email"] == "desk@outlet.example"
    assert stored["metadata"] == {"licence_request": "1"}
    assert session.amount_total == D("22.50")
    assert session.currency == "GBP"
    assert session.status == "open"
    assert session.payment_status == "unpaid"
    assert session.payment_intent_id is None
    assert session.url == f"{stripe_standin.url}/pay/{session.id}"
    assert session.metadata == {"licence_request": "1"}
    # and reading it back gives the same plain data
    assert gateway.checkout_session_retrieve(session.id) == session


def test_yen_are_sent_as_they_are(stripe_standin):
    session = _session(currency="JPY", line_items=[("Article licence", D("500"), 1)])
    assert stripe_standin.get(session.id)["amount_total"] == 500
    assert session.amount_total == D("500")
    assert session.currency == "JPY"


@pytest.mark.parametrize(
    ("asked", "lower", "upper"),
    [
        (timedelta(days=14), timedelta(hours=23, minutes=58), timedelta(hours=24)),
        (timedelta(minutes=5), timedelta(minutes=30), timedelta(minutes=32)),
    ],
)
def test_the_expiry_is_clamped_into_stripes_window(stripe_standin, asked, lower, upper):
    now = timezone.now()
    session = _session(expires_at=now + asked)
    assert now + lower <= session.expires_at <= now + upper


def test_the_same_idempotency_key_twice_gives_the_same_session(stripe_standin):
    first = _session(key="licreq-7-checkout-1")
    second = _session(key="licreq-7-checkout-1")
    assert second.id == first.id
    assert len(stripe_standin.all("checkout.session")) == 1
    assert stripe_standin.call_count(CREATE) == 2


def test_the_same_key_with_a_different_body_is_a_permanent_error(stripe_standin):
    _session(key="licreq-7-checkout-1")
    with pytest.raises(gateway.StripePermanentError) as caught:
        _session(key="licreq-7-checkout-1", line_items=[("Article licence", D("99.00"), 1)])
    assert caught.value.http_status == 400
    assert "same parameters" in caught.value.message
    assert len(stripe_standin.all("checkout.session")) == 1


def test_server_errors_are_transient_and_never_retried_behind_our_back(stripe_standin):
    # given Stripe answers 500 to the next two calls
    stripe_standin.fail_next(CREATE, status=500, times=2)
    # then each gateway call fails once, with exactly one HTTP call each
    for calls in (1, 2):
        with pytest.raises(gateway.StripeTransientError) as caught:
            _session()
        assert caught.value.http_status == 500
        assert caught.value.request_id.startswith("req_")
        assert stripe_standin.call_count(CREATE) == calls
    # and the task layer's retry with the same key goes through
    assert _session().status == "open"
    assert stripe_standin.call_count(CREATE) == 3
    assert len(stripe_standin.all("checkout.session")) == 1


@pytest.mark.parametrize(("status", "code"), [(429, "rate_limit"), (409, "lock_timeout")])
def test_rate_limits_and_lock_timeouts_are_transient(stripe_standin, status, code):
    stripe_standin.fail_next(CREATE, status=status, code=code)
    with pytest.raises(gateway.StripeTransientError) as caught:
        _session()
    assert caught.value.http_status == status
    assert stripe_standin.call_count(CREATE) == 1


def test_a_call_that_hangs_past_the_timeout_is_transient(stripe_standin, settings):
    settings.STRIPE_TIMEOUT = 0.5
    stripe_standin.hang_next(CREATE, seconds=5)
    started = time.monotonic()
    with pytest.raises(gateway.StripeTransientError):
        _session()
    assert time.monotonic() - started < 3
    assert stripe_standin.call_count(CREATE) == 1


def test_an_unknown_session_is_a_permanent_error(stripe_standin):
    with pytest.raises(gateway.StripePermanentError) as caught:
        gateway.checkout_session_retrieve("cs_test_missing")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"


def test_an_open_session_can_be_expired(stripe_standin):
    session = _session()
    expired = gateway.checkout_session_expire(session.id, idempotency_key="licreq-1-expire-1")
    assert expired.status == "expired"
    assert expired.url is None
    assert [e["type"] for e in stripe_standin.events] == ["checkout.session.expired"]


# -- customers and invoices ---------------------------------------------------------------------


def _customer():
    return gateway.customer_create(
        name="Northern Ledger",
        email="accounts@ledger.example",
        metadata={"partner": 3},
        idempotency_key="partner-3-customer",
    )


def _invoice(customer_id: str, key: str = "licreq-9-invoice"):
    return gateway.invoice_create_and_send(
        customer_id=customer_id,
        currency="GBP",
        days_until_due=30,
        lines=[("Article licence", D("120.00"), 1), ("Picture licence", D("15.50"), 2)],
        metadata={"licence_request": 9},
        description="Republishing licence HC-2026-000009",
        idempotency_key=key,
    )


def test_an_invoice_is_created_finalised_and_sent_for_payment_by_transfer(stripe_standin):
    # given a customer for the partner
    customer = _customer()
    assert customer.name == "Northern Ledger"
    assert customer.metadata == {"partner": "3"}
    # when we invoice them
    invoice = _invoice(customer.id)
    # then Stripe holds an open send_invoice invoice due in 30 days
    stored = stripe_standin.get(invoice.id)
    assert stored["collection_method"] == "send_invoice"
    assert stored["customer"] == customer.id
    assert stored["due_date"] == stored["status_transitions"]["finalized_at"] + 30 * 86400
    assert [
        (li["description"], li["amount"], li["quantity"]) for li in stored["lines"]["data"]
    ] == [
        ("Article licence", 12000, 1),
        ("Picture licence", 3100, 2),
    ]
    assert invoice.status == "open"
    assert invoice.amount_due == D("151.00")
    assert invoice.amount_paid == D("0.00")
    assert invoice.currency == "GBP"
    assert invoice.number == stored["number"]
    assert invoice.hosted_invoice_url == f"{stripe_standin.url}/invoice/{invoice.id}"
    assert invoice.due_date == datetime.fromtimestamp(stored["due_date"], tz=UTC)
    assert invoice.metadata == {"licence_request": "9"}
    assert [e["type"] for e in stripe_standin.events] == ["invoice.finalized", "invoice.sent"]
    assert stripe_standin.calls == [
        "POST /v1/customers",
        "POST /v1/invoices",
        "POST /v1/invoiceitems",
        "POST /v1/invoiceitems",
        "POST /v1/invoices/{id}/finalize",
        "POST /v1/invoices/{id}/send",
    ]


def test_an_invoice_retried_after_a_failure_part_way_is_made_once(stripe_standin):
    customer = _customer()
    stripe_standin.fail_next("POST /v1/invoices/{id}/finalize", status=503)
    with pytest.raises(gateway.StripeTransientError):
        _invoice(customer.id)
    # when the task retries with the same key
    invoice = _invoice(customer.id)
    # then the earlier steps were replayed, not repeated
    assert [i["id"] for i in stripe_standin.all("invoice")] == [invoice.id]
    assert len(stripe_standin.all("invoiceitem")) == 2
    assert invoice.amount_due == D("151.00")


def test_a_paid_invoice_names_its_payment_intent_and_charge(stripe_standin):
    invoice = _invoice(_customer().id)
    stripe_standin.pay_invoice(invoice.id)
    paid = gateway.invoice_retrieve(invoice.id)
    assert paid.status == "paid"
    assert paid.amount_paid == D("151.00")
    intent = stripe_standin.get(paid.payment_intent_id)
    assert intent["object"] == "payment_intent"
    assert intent["amount"] == 15100
    assert paid.charge_id == intent["latest_charge"]


# -- refunds ------------------------------------------------------------------------------------


def test_a_payment_is_refunded_in_part_then_in_full(stripe_standin):
    session = _paid_session(stripe_standin)
    # when part is refunded
    part = gateway.refund_create(
        payment_intent_id=session.payment_intent_id,
        amount=D("2.50"),
        currency="GBP",
        reason_metadata={"reason": "partial takedown"},
        idempotency_key="licreq-1-refund-1",
    )
    assert part.amount == D("2.50")
    assert part.status == "succeeded"
    assert part.payment_intent_id == session.payment_intent_id
    assert part.metadata == {"reason": "partial takedown"}
    # and then the rest
    rest = gateway.refund_create(
        payment_intent_id=session.payment_intent_id,
        amount=None,
        currency="GBP",
        reason_metadata={"reason": "licence revoked"},
        idempotency_key="licreq-1-refund-2",
    )
    assert rest.amount == D("10.00")
    charge = stripe_standin.get(part.charge_id)
    assert (charge["amount_refunded"], charge["refunded"]) == (1250, True)
    # and a third refund has nothing left to take
    with pytest.raises(gateway.StripePermanentError) as caught:
        gateway.refund_create(
            payment_intent_id=session.payment_intent_id,
            amount=None,
            currency="GBP",
            reason_metadata={},
            idempotency_key="licreq-1-refund-3",
        )
    assert caught.value.code == "charge_already_refunded"


# -- lists --------------------------------------------------------------------------------------


def test_lists_filter_on_creation_time(stripe_standin):
    recent = _session(key="a")
    old = _session(key="b")
    stripe_standin.backdate(old.id, int((timezone.now() - timedelta(days=3)).timestamp()))
    since = timezone.now() - timedelta(days=1)
    assert [s.id for s in gateway.list_checkout_sessions(since)] == [recent.id]
    session = _paid_session(stripe_standin)
    refund = gateway.refund_create(
        payment_intent_id=session.payment_intent_id,
        amount=None,
        currency="GBP",
        reason_metadata={},
        idempotency_key="r",
    )
    assert [r.id for r in gateway.list_refunds(since)] == [refund.id]
    invoice = _invoice(_customer().id)
    assert [i.id for i in gateway.list_invoices(since)] == [invoice.id]


def test_a_list_longer_than_a_page_is_followed_to_its_end(stripe_standin):
    # given 101 sessions: more than Stripe's largest page of 100
    for _ in range(101):
        stripe_standin.state.checkout_session_create(
            {
                "mode": "payment",
                "line_items": [
                    {
                        "price_data": {
                            "currency": "gbp",
                            "unit_amount": "100",
                            "product_data": {"name": "x"},
                        },
                        "quantity": "1",
                    }
                ],
            }
        )
    sessions = gateway.list_checkout_sessions(timezone.now() - timedelta(hours=1))
    assert len({s.id for s in sessions}) == 101
    assert stripe_standin.call_count("GET /v1/checkout/sessions") == 2


# -- webhooks -----------------------------------------------------------------------------------


def test_an_event_signed_by_the_standin_is_accepted(stripe_standin):
    session = _session()
    event = stripe_standin.complete_checkout_session(session.id)
    payload, header = stripe_standin.sign(event)
    parsed = gateway.construct_event(payload, header)
    assert parsed == json.loads(payload)
    assert parsed["type"] == "checkout.session.completed"


def test_a_tampered_body_is_rejected(stripe_standin):
    event = stripe_standin.complete_checkout_session(_session().id)
    payload, header = stripe_standin.sign(event)
    with pytest.raises(gateway.StripeSignatureError):
        gateway.construct_event(payload.replace(b"1250", b"1", 1), header)


def test_a_wrong_secret_is_rejected(stripe_standin):
    event = stripe_standin.complete_checkout_session(_session().id)
    payload, header = stripe_standin.sign(event, secret="whsec_someone_else")
    with pytest.raises(gateway.StripeSignatureError):
        gateway.construct_event(payload, header)


def test_a_stale_signature_is_rejected_unless_the_tolerance_allows_it(stripe_standin, settings):
    event = stripe_standin.complete_checkout_session(_session().id)
    payload, header = stripe_standin.sign(event, timestamp=int(time.time()) - 301)
    with pytest.raises(gateway.StripeSignatureError, match="tolerance"):
        gateway.construct_event(payload, header)
    settings.STRIPE_WEBHOOK_TOLERANCE = 600
    assert gateway.construct_event(payload, header)["id"] == event["id"]


def test_a_body_that_is_not_json_is_rejected(stripe_standin):
    payload = b"not json"
    _, header = stripe_standin.sign({"id": "evt_x"})
    with pytest.raises(gateway.StripeSignatureError):
        gateway.construct_event(payload, header)


def test_standin_events_have_stripes_shape(stripe_standin):
    # given a session made with our reference and metadata, then paid
    session = _session(client_reference_id="licreq-5", metadata={"licence_request": 5})
    event = stripe_standin.complete_checkout_session(session.id)
    # then the library reads it as an Event of the pinned API version
    parsed = stripe.Event.construct_from(event, "sk_test_standin")
    assert parsed.type == "checkout.session.completed"
    assert parsed.api_version == stripe.api_version
    assert parsed.data.object.client_reference_id == "licreq-5"
    assert parsed.data.object.metadata.to_dict() == {"licence_request": "5"}
    assert parsed.data.object.payment_status == "paid"
    # and it carries every field Stripe's own examples do
    assert set(event) == set(fixture("event"))
    assert set(fixture("checkout.session")) <= set(event["data"]["object"])
    assert event["id"].startswith("evt_")
    assert (event["livemode"], event["pending_webhooks"]) == (False, 1)
