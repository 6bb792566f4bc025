"""Shared steps for the billing stories: a request approved and awaiting payment, an invoiced
partner, the emails sent, and the partner pressing "renew" on the pay link."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage

from licensing import services as licensing
from licensing.models import LicenceRequest
from licensing.quoting import UseSpec
from syndication.models import Partner
from syndication.models import PaymentMethod as PartnerPaymentMethod
from tests import factories as f

# The live server answers each request in its own thread. With SQLite's in-memory test database
# those threads open handles Django never closes (it keeps in-memory databases open), which
# filterwarnings=error reports; a file database is closed after each request. Same file as the
# task tests make the same choice (tests/jobs/conftest.py).
_db = settings.DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("TEST", {})["NAME"] = str(Path(settings.VAR_DIR) / "test_billing.sqlite3")

WEB_GB_30D = UseSpec(use_type="web", portion="full", territory="gb", term="30d", reach=50_000)


def approved_request(*, partner=None, articles=None, staff=None) -> LicenceRequest:
    """An unverified partner's £100 web use of one article, approved by staff."""
    partner = partner or f.PartnerFactory(verified=False)
    articles = articles or [f.ArticleFactory()]
    request = licensing.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        article_ids=[a.pk for a in articles],
        use=WEB_GB_30D,
        terms_accepted=True,
    )
    licensing.licence_request_approve(request=request, actor=staff or f.StaffFactory())
    request.refresh_from_db()
    return request


def invoice_partner(**kwargs: Any) -> Partner:
    """An account partner paying by Stripe invoice on 14 days' terms."""
    fields: dict[str, Any] = {
        "verified": False,
        "payment_method": PartnerPaymentMethod.INVOICE,
        "payment_terms_days": 14,
    }
    return f.PartnerFactory(**(fields | kwargs))


def sent(template: str) -> list[EmailMessage]:
    """The emails sent so far from one template."""
    return [m for m in mail.outbox if m.extra_headers.get("X-Template") == template]


def ask_for_a_fresh_session(pay_url: str) -> requests.Response:
    """The partner opens the pay link in a browser and presses the renew button."""
    browser = requests.Session()
    browser.get(pay_url, timeout=10)
    return browser.post(
        pay_url,
        data={"csrfmiddlewaretoken": browser.cookies.get("csrftoken")},
        headers={"Referer": pay_url},
        timeout=10,
        allow_redirects=False,
    )
