"""The stand-in's own promises: Stripe's wire format, replay, lists, commands, signed delivery
and the hosted pages, checked over raw HTTP where the library would hide them."""

from __future__ import annotations

import http.client
import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit

import pytest
from django.utils import timezone

from billing import stripe_gateway as gateway
from tests.stripe_standin.wire import decode_form

AUTH = {"Authorization": "Bearer sk_test_standin"}


def _call(standin, method, path, params=None, headers=None):
    host = urlsplit(standin.url)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=5)
    body = urlencode(params or {})
    all_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    conn.request(method, path, body=body if method == "POST" else None, headers=all_headers)
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    payload = json.loads(raw) if "json" in (response.getheader("Content-Type") or "") else raw
    return response.status, dict(response.getheaders()), payload


def _session(key="licreq-1-checkout-1", amount=Decimal("12.50")):
    return gateway.checkout_session_create(
        line_items=[("Article licence", amount, 1)],
        currency="GBP",
        customer_email=None,
        client_reference_id="licreq-1",
        success_url="https://licences.example/paid?session={CHECKOUT_SESSION_ID}",
        cancel_url="https://licences.example/cancelled",
        expires_at=timezone.now() + timedelta(hours=1),
        metadata={"licence_request": "1"},
        idempotency_key=key,
    )


def _invoice():
    customer = gateway.customer_create(
        name="Ledger", email="a@ledger.example", metadata={}, idempotency_key="c"
    )
    return gateway.invoice_create_and_send(
        customer_id=customer.id,
        currency="GBP",
        days_until_due=14,
        lines=[("Article licence", Decimal("40.00"), 1)],
        metadata={"licence_request": "2"},
        description="Licence",
        idempotency_key="i",
    )


class _Receiver:
    """A webhook endpoint on loopback that keeps what it is sent."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((body, self.headers["Stripe-Signature"]))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/billing/stripe/webhook/"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver():
    r = _Receiver()
    yield r
    r.close()


def test_bracket_notation_becomes_nested_data():
    body = urlencode(
        [
            ("line_items[0][price_data][unit_amount]", "1000"),
            ("line_items[0][quantity]", "2"),
            ("line_items[1][quantity]", "1"),
            ("metadata[licence_request]", "7"),
            ("expand[]", "payment_intent"),
            ("expand[]", "customer"),
            ("mode", "payment"),
        ]
    )
    assert decode_form(body) == {
        "line_items": [{"price_data": {"unit_amount": "1000"}, "quantity": "2"}, {"quantity": "1"}],
        "metadata": {"licence_request": "7"},
        "expand": ["payment_intent", "customer"],
        "mode": "payment",
    }


def test_a_request_without_a_test_key_gets_stripes_401(stripe_standin):
    status, headers, payload = _call(stripe_standin, "GET", "/v1/checkout/sessions")
    assert status == 401
    assert headers["Request-Id"].startswith("req_")
    assert payload["error"]["type"] == "invalid_request_error"
    assert payload["error"]["message"].startswith("Invalid API Key provided")


def test_a_missing_param_gets_stripes_400(stripe_standin):
    status, _, payload = _call(stripe_standin, "POST", "/v1/checkout/sessions", {}, AUTH)
    assert status == 400
    assert payload["error"] == {
        "type": "invalid_request_error",
        "code": "parameter_missing",
        "message": "Missing required param: mode.",
        "param": "mode",
    }


def test_a_replayed_request_says_so(stripe_standin):
    params = {"name": "Ledger", "email": "a@ledger.example"}
    headers = {**AUTH, "Idempotency-Key": "partner-1"}
    first = _call(stripe_standin, "POST", "/v1/customers", params, headers)
    second = _call(stripe_standin, "POST", "/v1/customers", params, headers)
    assert second[2] == first[2]
    assert "Idempotent-Replayed" not in first[1]
    assert second[1]["Idempotent-Replayed"] == "true"
    assert first[1]["Request-Id"] != second[1]["Request-Id"]


def test_lists_page_like_stripe(stripe_standin):
    ids = [_session(key=f"k{n}").id for n in range(3)]
    status, _, page = _call(stripe_standin, "GET", "/v1/checkout/sessions?limit=2", headers=AUTH)
    assert status == 200
    assert (page["object"], page["url"], page["has_more"]) == (
        "list",
        "/v1/checkout/sessions",
        True,
    )
    assert [s["id"] for s in page["data"]] == ids[::-1][:2]
    _, _, rest = _call(
        stripe_standin,
        "GET",
        f"/v1/checkout/sessions?limit=2&starting_after={page['data'][-1]['id']}",
        headers=AUTH,
    )
    assert ([s["id"] for s in rest["data"]], rest["has_more"]) == ([ids[0]], False)


def test_events_go_signed_to_the_webhook_url(stripe_standin, receiver):
    stripe_standin.deliver_to = receiver.url
    session = _session()
    event = stripe_standin.complete_checkout_session(session.id)
    assert len(receiver.received) == 1
    body, header = receiver.received[0]
    assert gateway.construct_event(body, header) == event
    assert stripe_standin.deliveries == [(event["id"], 200)]


def test_an_event_can_be_delivered_again_and_out_of_order(stripe_standin):
    seen = []
    first = stripe_standin.complete_checkout_session(_session(key="a").id)
    second = stripe_standin.expire_checkout_session(_session(key="b").id)
    for event in (second, first, first):
        stripe_standin.deliver(event, to=lambda body, headers: seen.append(json.loads(body)["id"]))
    assert seen == [second["id"], first["id"], first["id"]]


def test_api_made_events_name_the_request(stripe_standin):
    session = _session()
    gateway.checkout_session_expire(session.id, idempotency_key="licreq-1-expire")
    (event,) = stripe_standin.events
    assert event["request"]["id"].startswith("req_")
    assert event["request"]["idempotency_key"] == "licreq-1-expire"


def test_an_async_payment_is_pending_then_succeeds(stripe_standin):
    session = _session()
    pending = stripe_standin.checkout_session_async_pending(session.id)
    assert pending["type"] == "checkout.session.completed"
    assert pending["data"]["object"]["payment_status"] == "unpaid"
    succeeded = stripe_standin.checkout_session_async_succeed(session.id)
    assert succeeded["type"] == "checkout.session.async_payment_succeeded"
    assert succeeded["data"]["object"]["payment_status"] == "paid"
    intent = stripe_standin.get(succeeded["data"]["object"]["payment_intent"])
    assert (intent["status"], intent["amount_received"]) == ("succeeded", 1250)
    assert intent["metadata"] == {"licence_request": "1"}


def test_an_async_payment_can_fail(stripe_standin):
    session = _session()
    stripe_standin.checkout_session_async_pending(session.id)
    failed = stripe_standin.checkout_session_async_fail(session.id)
    assert failed["type"] == "checkout.session.async_payment_failed"
    assert failed["data"]["object"]["payment_status"] == "unpaid"


@pytest.mark.parametrize(
    ("command", "event_type", "status"),
    [
        ("pay_invoice", "invoice.paid", "paid"),
        ("fail_invoice_payment", "invoice.payment_failed", "open"),
        ("mark_invoice_uncollectible", "invoice.marked_uncollectible", "uncollectible"),
        ("void_invoice", "invoice.voided", "void"),
    ],
)
def test_invoice_commands_move_the_invoice_and_say_so(stripe_standin, command, event_type, status):
    invoice = _invoice()
    event = getattr(stripe_standin, command)(invoice.id)
    assert event["type"] == event_type
    assert event["data"]["object"]["id"] == invoice.id
    assert event["data"]["object"]["metadata"] == {"licence_request": "2"}
    assert gateway.invoice_retrieve(invoice.id).status == status


def test_a_dashboard_refund_and_a_dispute_send_their_events(stripe_standin):
    session = _session()
    stripe_standin.complete_checkout_session(session.id)
    intent_id = gateway.checkout_session_retrieve(session.id).payment_intent_id
    refunded = stripe_standin.refund(intent_id, amount=250)
    assert refunded["type"] == "refund.created"
    assert refunded["data"]["object"]["amount"] == 250
    assert stripe_standin.events[-1]["type"] == "charge.refunded"
    disputed = stripe_standin.open_dispute(intent_id)
    assert disputed["type"] == "charge.dispute.created"
    assert disputed["data"]["object"]["payment_intent"] == intent_id
    assert disputed["data"]["object"]["amount"] == 1250


def test_the_hosted_checkout_page_takes_payment(stripe_standin, receiver):
    stripe_standin.deliver_to = receiver.url
    session = _session()
    path = urlsplit(session.url).path
    # the page shows a Pay button
    status, _, page = _call(stripe_standin, "GET", path)
    assert status == 200
    assert b'<button type="submit" id="pay">Pay 1250 GBP</button>' in page
    # pressing it pays, redirects to our success URL and sends the webhook
    status, headers, _ = _call(stripe_standin, "POST", path)
    assert status == 303
    assert headers["Location"] == f"https://licences.example/paid?session={session.id}"
    assert gateway.checkout_session_retrieve(session.id).payment_status == "paid"
    (body, _header) = receiver.received[0]
    assert json.loads(body)["type"] == "checkout.session.completed"
    # and a second press finds the session closed
    assert _call(stripe_standin, "POST", path)[0] == 410


def test_the_hosted_invoice_page_takes_payment(stripe_standin):
    invoice = _invoice()
    path = urlsplit(invoice.hosted_invoice_url).path
    assert b"Pay 4000 GBP" in _call(stripe_standin, "GET", path)[2]
    assert _call(stripe_standin, "POST", path)[0] == 303
    assert gateway.invoice_retrieve(invoice.id).status == "paid"
