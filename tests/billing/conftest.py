"""Billing fixtures: a Stripe stand-in on loopback, with the settings pointing the gateway at it."""

from __future__ import annotations

import pytest

from tests.stripe_standin import StripeStandin


@pytest.fixture
def stripe_standin(settings):
    """A fresh stand-in per test; the gateway's settings aim at it. Events are only recorded
    until a test sets `stripe_standin.deliver_to` (a URL or a callable)."""
    standin = StripeStandin(webhook_secret="whsec_test").start()
    settings.STRIPE_SECRET_KEY = "sk_test_standin"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_standin"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    settings.STRIPE_API_BASE = standin.url
    # Short enough that a hung call fails the test quickly rather than after Stripe's 80 s.
    settings.STRIPE_TIMEOUT = 5
    yield standin
    standin.stop()


# -- billing's own fixtures (added by the billing issue) ----------------------------------------


@pytest.fixture
def webhook_url(live_server, settings):
    """The webhook of a real server (pytest-django's live server); links we send point at it."""
    settings.SITE_URL = live_server.url
    return f"{live_server.url}/billing/stripe/webhook/"


@pytest.fixture
def stripe_live(stripe_standin, webhook_url):
    """The stand-in POSTing every event it makes to the running server, as Stripe would."""
    stripe_standin.deliver_to = webhook_url
    return stripe_standin
