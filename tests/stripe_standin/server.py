"""The stand-in's HTTP side: routing of Stripe's endpoints, API-key check, Idempotency-Key replay,
fault injection, and the hosted checkout and invoice pages a browser test can click through."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .wire import StripeAPIError, decode_form, new_id

if TYPE_CHECKING:
    from . import StripeStandin
    from .state import StripeState

Handler = Callable[["StripeState", dict[str, Any], str, dict[str, Any]], dict[str, Any]]


def _retrieve(kind: str) -> Handler:
    return lambda state, params, ident, req: state.render(
        state.get(kind, ident), params.get("expand")
    )


def _list(kind: str, url: str) -> Handler:
    return lambda state, params, ident, req: state.list(kind, params, url)


def _created(fn: Callable[[StripeState, dict[str, Any]], dict[str, Any]]) -> Handler:
    return lambda state, params, ident, req: state.render(fn(state, params), params.get("expand"))


# (method, path template, handler): the template doubles as the endpoint's name for counting
# calls and injecting faults, e.g. "POST /v1/checkout/sessions".
ROUTES: list[tuple[str, str, Handler]] = [
    ("POST", "/v1/checkout/sessions", _created(lambda s, p: s.checkout_session_create(p))),
    ("GET", "/v1/checkout/sessions", _list("checkout.session", "/v1/checkout/sessions")),
    ("GET", "/v1/checkout/sessions/{id}", _retrieve("checkout.session")),
    (
        "POST",
        "/v1/checkout/sessions/{id}/expire",
        lambda s, p, i, r: s.render(s.checkout_session_expire(i, r), p.get("expand")),
    ),
    ("POST", "/v1/customers", _created(lambda s, p: s.customer_create(p))),
    ("GET", "/v1/customers/{id}", _retrieve("customer")),
    ("POST", "/v1/invoices", _created(lambda s, p: s.invoice_create(p))),
    ("GET", "/v1/invoices", _list("invoice", "/v1/invoices")),
    ("GET", "/v1/invoices/{id}", _retrieve("invoice")),
    (
        "POST",
        "/v1/invoices/{id}/finalize",
        lambda s, p, i, r: s.render(s.invoice_finalize(i, r), p.get("expand")),
    ),
    (
        "POST",
        "/v1/invoices/{id}/send",
        lambda s, p, i, r: s.render(s.invoice_send(i, r), p.get("expand")),
    ),
    ("POST", "/v1/invoiceitems", _created(lambda s, p: s.invoice_item_create(p))),
    ("POST", "/v1/refunds", lambda s, p, i, r: s.render(s.refund_create(p, r), p.get("expand"))),
    ("GET", "/v1/refunds", _list("refund", "/v1/refunds")),
    ("GET", "/v1/refunds/{id}", _retrieve("refund")),
    ("GET", "/v1/payment_intents/{id}", _retrieve("payment_intent")),
    ("GET", "/v1/charges/{id}", _retrieve("charge")),
]
_COMPILED = [
    (
        method,
        template,
        re.compile("^" + template.replace("{id}", "(?P<id>[A-Za-z0-9_]+)") + "$"),
        handler,
    )
    for method, template, handler in ROUTES
]


def match(method: str, path: str) -> tuple[str, str, Handler] | None:
    for route_method, template, pattern, handler in _COMPILED:
        if route_method == method and (m := pattern.match(path)):
            return template, m.groupdict().get("id", ""), handler
    return None


class StandinRequestHandler(BaseHTTPRequestHandler):
    server_version = "stripe-standin/1"
    # One request per connection: no idle keep-alive sockets left behind by a finished test.
    protocol_version = "HTTP/1.0"
    standin: StripeStandin  # set on the subclass the stand-in builds

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows failures, not access logs

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if url.path.startswith(("/pay/", "/invoice/")):
            self._page(method, url.path)
        else:
            self._api(method, url.path, body if method == "POST" else url.query)

    # -- the API -----------------------------------------------------------------------------

    def _api(self, method: str, path: str, raw_params: str) -> None:
        request_id = new_id("req_", 14)
        standin = self.standin
        found = match(method, path)
        endpoint = f"{method} {found[0]}" if found else f"{method} {path}"
        standin.record_call(endpoint)
        fault = standin.take_fault(endpoint)
        if fault and fault[0] == "hang":
            # Hold the line past the client's timeout, then drop it without answering.
            standin.stopping.wait(fault[1])
            return
        if fault:
            status, code = fault[1], fault[2]
            err_type = "api_error" if status >= 500 else "invalid_request_error"
            message = (
                "Too many requests hit the API too quickly."
                if status == 429
                else ("An unknown error occurred" if status >= 500 else "Injected error")
            )
            self._json(
                status, StripeAPIError(status, message, type=err_type, code=code).body, request_id
            )
            return
        auth = self.headers.get("Authorization", "")
        if not re.fullmatch(r"Bearer sk_test_\w+", auth):
            shown = auth.removeprefix("Bearer ").strip() or "(none)"
            self._json(
                401,
                StripeAPIError(401, f"Invalid API Key provided: {shown[:12]}***").body,
                request_id,
            )
            return
        if found is None:
            self._json(
                404,
                StripeAPIError(404, f"Unrecognized request URL ({method}: {path}).").body,
                request_id,
            )
            return
        _, ident, handler = found
        params = decode_form(raw_params)
        key = self.headers.get("Idempotency-Key") if method == "POST" else None
        fingerprint = (method, path, json.dumps(params, sort_keys=True))
        if key:
            replay = standin.idempotency_begin(key, fingerprint)
            if replay is not None:
                status, payload, extra = replay
                self._json(status, payload, request_id, extra)
                return
        status, payload, new_events = 500, None, []
        try:
            payload, new_events = standin.run(
                lambda: handler(
                    standin.state, params, ident, {"id": request_id, "idempotency_key": key}
                )
            )
            status = 200
        except StripeAPIError as exc:
            status, payload = exc.status, exc.body
        except Exception as exc:  # a stand-in bug: answer like Stripe's own 500s, loudly
            payload = StripeAPIError(500, f"stand-in failure: {exc!r}", type="api_error").body
        finally:
            if key:
                # Like Stripe, only a request that went through is remembered for replay.
                standin.idempotency_end(key, fingerprint, status, payload)
        # Events go out before the answer, so a test sees them once its call returns.
        standin.deliver_all(new_events)
        self._json(status, payload, request_id)

    def _json(
        self, status: int, payload: Any, request_id: str, extra: dict[str, str] | None = None
    ) -> None:
        body = json.dumps(payload, indent=2).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", request_id)
        self.send_header("Stripe-Version", self.standin.api_version)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    # -- hosted pages ------------------------------------------------------------------------

    def _page(self, method: str, path: str) -> None:
        standin = self.standin
        kind, _, object_id = path.strip("/").partition("/")
        expected = "checkout.session" if kind == "pay" else "invoice"
        with standin.state.lock:
            obj = standin.state.objects.get(object_id)
            if obj is None or obj["object"] != expected:
                self._html(404, "<h1>Not found</h1>")
                return
            if method != "POST":
                self._html(200, self._page_html(obj))
                return
            if obj["status"] != "open":
                self._html(410, f"<h1>This {expected} is {obj['status']}</h1>")
                return
        target, new_events = standin.run(lambda: self._pay(obj))
        # The webhook lands before the browser is sent back, so the success page sees it.
        standin.deliver_all(new_events)
        self.send_response(303)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _pay(self, obj: dict[str, Any]) -> str:
        state = self.standin.state
        if obj["object"] == "checkout.session":
            state.checkout_session_complete(obj["id"])
            return (obj["success_url"] or "").replace("{CHECKOUT_SESSION_ID}", obj["id"])
        state.invoice_pay(obj["id"])
        return obj["hosted_invoice_url"]

    def _page_html(self, obj: dict[str, Any]) -> str:
        e = html.escape
        amount = obj.get("amount_total", obj.get("amount_due"))
        currency = (obj.get("currency") or "").upper()
        if obj["object"] == "checkout.session":
            title = "Pay"
            rows = "".join(
                f"<li>{e(li['description'])} x {li['quantity']}: "
                f"{li['unit_amount'] * li['quantity']} {e(currency)}</li>"
                for li in obj["_lines"]
            )
            cancel = f'<a href="{e(obj["cancel_url"])}">Cancel</a>' if obj.get("cancel_url") else ""
        else:
            title = f"Invoice {obj['number']}"
            rows = "".join(
                f"<li>{e(li['description'] or '')}: {li['amount']} {e(currency)}</li>"
                for li in obj["lines"]["data"]
            )
            cancel = ""
        can_pay = obj["status"] == "open"
        form = (
            f'<form method="post"><button type="submit" id="pay">Pay {amount} '
            f"{e(currency)}</button></form>{cancel}"
            if can_pay
            else f"<p class=status>{e(obj['status'])}</p>"
        )
        return (
            f"<!doctype html><html><head><meta charset=utf-8><title>{e(title)} — Stripe "
            f"stand-in</title></head><body><h1>{e(title)}</h1><ul>{rows}</ul>"
            f"<p>Total: <span id=total>{amount} {e(currency)}</span> (minor units)</p>"
            f"{form}</body></html>"
        )

    def _html(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
