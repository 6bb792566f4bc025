"""A local Stripe for tests: an HTTP server on loopback that speaks Stripe's wire format for the
endpoints billing uses, keeps state, and on a test's command moves money and sends signed events.

    standin = StripeStandin(webhook_secret="whsec_test").start()
    ...  # point STRIPE_API_BASE at standin.url; the real `stripe` library talks to it
    event = standin.complete_checkout_session(session_id)  # -> checkout.session.completed
    payload, header = standin.sign(event, timestamp=...)  # deliver it yourself, or set
    standin.deliver_to = "http://.../billing/stripe/webhook/"  # to have every event POSTed

Endpoint names for faults and call counts are "<METHOD> <path template>", as in `server.ROUTES`,
e.g. "POST /v1/checkout/sessions" or "GET /v1/invoices/{id}".
"""

from __future__ import annotations

import collections
import copy
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

import stripe

from .server import StandinRequestHandler
from .state import StripeState
from .wire import StripeAPIError, signature_header

__all__ = ["StripeStandin"]

Deliverer = Callable[[bytes, dict[str, str]], Any]


class StripeStandin:
    def __init__(self, *, webhook_secret: str = "whsec_test", api_version: str | None = None):  # noqa: S107
        self.webhook_secret = webhook_secret
        self.api_version = api_version or stripe.api_version
        # Where events go as they happen: a URL (POSTed like Stripe does), a callable taking
        # (payload, headers), or None to only record them in `events`.
        self.deliver_to: str | Deliverer | None = None
        self.deliveries: list[tuple[str, Any]] = []  # (event id, status or result)
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> StripeStandin:
        handler = type("Handler", (StandinRequestHandler,), {"standin": self})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        self._server = server
        self.stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever,
            name="stripe-standin",
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # releases any request held by an injected hang
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def reset(self) -> None:
        """Forget every object, event, call, fault and idempotency key."""
        self.state = StripeState(base_url=lambda: self.url, api_version=self.api_version)
        self.calls: list[str] = []
        self._faults: dict[str, collections.deque[tuple[Any, ...]]] = {}
        self._idempotency: dict[str, tuple[tuple[str, str, str], int, Any]] = {}
        self._in_flight: set[str] = set()
        self.deliveries = []

    @property
    def url(self) -> str:
        if self._server is None:
            return "http://127.0.0.1:0"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- inspection --------------------------------------------------------------------------

    def call_count(self, endpoint: str) -> int:
        return self.calls.count(endpoint)

    def record_call(self, endpoint: str) -> None:
        with self._lock:
            self.calls.append(endpoint)

    def get(self, object_id: str) -> dict[str, Any]:
        """An object as the API would return it (a copy)."""
        with self.state.lock:
            return self.state.render(self.state.objects[object_id])

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Every stored object of one kind ("checkout.session", "invoice", ...), oldest first."""
        with self.state.lock:
            rows = sorted(self.state.of_kind(kind), key=lambda o: o["_seq"])
            return [self.state.render(o) for o in rows]

    @property
    def events(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self.state.events)

    def backdate(self, object_id: str, created: int) -> None:
        """Move an object's `created` (a Unix time), for tests of `created[gte]` filters."""
        with self.state.lock:
            self.state.objects[object_id]["created"] = created

    # -- fault injection ---------------------------------------------------------------------

    def fail_next(
        self, endpoint: str, *, status: int = 500, times: int = 1, code: str | None = None
    ) -> None:
        """The next `times` calls to `endpoint` answer `status` in Stripe's error shape
        (e.g. 500, 502, 429, or 409 with code="lock_timeout")."""
        with self._lock:
            queue = self._faults.setdefault(endpoint, collections.deque())
            queue.extend([("status", status, code)] * times)

    def hang_next(self, endpoint: str, *, seconds: float = 10.0, times: int = 1) -> None:
        """The next `times` calls to `endpoint` get no answer for `seconds`, then a dropped line."""
        with self._lock:
            queue = self._faults.setdefault(endpoint, collections.deque())
            queue.extend([("hang", seconds)] * times)

    def take_fault(self, endpoint: str) -> tuple[Any, ...] | None:
        with self._lock:
            queue = self._faults.get(endpoint)
            return queue.popleft() if queue else None

    # -- idempotency (called by the request handler) -----------------------------------------

    def idempotency_begin(
        self, key: str, fingerprint: tuple[str, str, str]
    ) -> tuple[int, Any, dict[str, str]] | None:
        """A saved answer to replay or refuse with, or None to go ahead with the request."""
        with self._lock:
            saved = self._idempotency.get(key)
            if saved is not None:
                if saved[0] != fingerprint:
                    return (
                        400,
                        StripeAPIError(
                            400,
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with. Try using a key other than "
                            f"'{key}' if you meant to execute a different request.",
                            type="idempotency_error",
                        ).body,
                        {},
                    )
                return saved[1], saved[2], {"Idempotent-Replayed": "true"}
            if key in self._in_flight:
                return (
                    409,
                    StripeAPIError(
                        409,
                        "There is currently another in-progress request using this "
                        f"Idempotent Key (that probably means you submitted twice, and the other "
                        f"request is still going through): {key}. Please try again later.",
                        type="idempotency_error",
                    ).body,
                    {},
                )
            self._in_flight.add(key)
            return None

    def idempotency_end(
        self, key: str, fingerprint: tuple[str, str, str], status: int, payload: Any
    ) -> None:
        with self._lock:
            self._in_flight.discard(key)
            if 200 <= status < 300:
                self._idempotency[key] = (fingerprint, status, payload)

    # -- commands: what the customer, the bank or Stripe does --------------------------------

    def _command(self, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        result, new_events = self.run(fn)
        self.deliver_all(new_events)
        return copy.deepcopy(result)

    def run(self, fn: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]]]:
        """Run one move under the state's lock; answer its result and the events it made, so
        each caller delivers its own events and no other thread's."""
        with self.state.lock:
            mark = len(self.state.events)
            result = fn()
            return result, self.state.events[mark:]

    def complete_checkout_session(self, session_id: str) -> dict[str, Any]:
        """The customer pays by card: paid at once. Returns checkout.session.completed."""
        return self._command(lambda: self.state.checkout_session_complete(session_id))

    def checkout_session_async_pending(self, session_id: str) -> dict[str, Any]:
        """The customer chose a delayed method: complete but unpaid. checkout.session.completed."""
        return self._command(lambda: self.state.checkout_session_complete(session_id, paid=False))

    def checkout_session_async_succeed(self, session_id: str) -> dict[str, Any]:
        return self._command(lambda: self.state.checkout_session_settle(session_id, succeeded=True))

    def checkout_session_async_fail(self, session_id: str) -> dict[str, Any]:
        return self._command(
            lambda: self.state.checkout_session_settle(session_id, succeeded=False)
        )

    def expire_checkout_session(self, session_id: str) -> dict[str, Any]:
        """Stripe's clock runs out on the session. Returns checkout.session.expired."""

        def run() -> dict[str, Any]:
            self.state.checkout_session_expire(session_id)
            return self.state.events[-1]

        return self._command(run)

    def pay_invoice(self, invoice_id: str) -> dict[str, Any]:
        """The customer pays the hosted invoice. Returns invoice.paid."""
        return self._command(lambda: self.state.invoice_pay(invoice_id))

    def fail_invoice_payment(self, invoice_id: str) -> dict[str, Any]:
        return self._command(lambda: self.state.invoice_payment_fail(invoice_id))

    def mark_invoice_uncollectible(self, invoice_id: str) -> dict[str, Any]:
        return self._command(lambda: self.state.invoice_mark_uncollectible(invoice_id))

    def void_invoice(self, invoice_id: str) -> dict[str, Any]:
        return self._command(lambda: self.state.invoice_void(invoice_id))

    def refund(
        self,
        payment_intent_id: str,
        *,
        amount: int | None = None,
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """A refund made in Stripe's dashboard. Returns refund.created (charge.refunded follows
        it in `events`)."""

        def run() -> dict[str, Any]:
            params: dict[str, Any] = {
                "payment_intent": payment_intent_id,
                "metadata": metadata or {},
            }
            if amount is not None:
                params["amount"] = str(amount)
            self.state.refund_create(params)
            return self.state.events[-2]

        return self._command(run)

    def open_dispute(
        self, payment_intent_id: str, *, reason: str = "fraudulent", amount: int | None = None
    ) -> dict[str, Any]:
        """The card holder disputes the charge. Returns charge.dispute.created."""
        return self._command(
            lambda: self.state.dispute_open(payment_intent_id, reason=reason, amount=amount)
        )

    # -- webhooks ----------------------------------------------------------------------------

    def sign(
        self, event: dict[str, Any], *, timestamp: int | None = None, secret: str | None = None
    ) -> tuple[bytes, str]:
        """The body and `Stripe-Signature` header Stripe would send for `event`."""
        payload = json.dumps(event, indent=2).encode()
        ts = int(time.time()) if timestamp is None else timestamp
        return payload, signature_header(payload, secret or self.webhook_secret, ts)

    def deliver(
        self,
        event: dict[str, Any],
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        to: str | Deliverer | None = None,
    ) -> Any:
        """Send one signed event now; returns the HTTP status (URL) or the callable's result."""
        target = to or self.deliver_to
        if target is None:
            raise ValueError("no webhook target: set deliver_to or pass to=")
        payload, header = self.sign(event, timestamp=timestamp, secret=secret)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": header,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        if callable(target):
            result = target(payload, headers)
        else:
            request = urllib.request.Request(  # noqa: S310 (a loopback URL the test gave)
                target, data=payload, headers=headers, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    result = response.status
            except urllib.error.HTTPError as exc:
                result = exc.code
                exc.close()
        self.deliveries.append((event["id"], result))
        return result

    def deliver_all(self, events: list[dict[str, Any]]) -> None:
        """Hand freshly made events to `deliver_to`, oldest first (if a target is set)."""
        if self.deliver_to is None:
            return
        for event in events:
            self.deliver(event)
