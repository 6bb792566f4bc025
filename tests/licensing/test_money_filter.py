"""The `money` template filter: every amount a template prints reads as format_money writes it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.template import Context, Template

TEMPLATE = Template("{% load money %}[{{ amount|money:currency }}]")


def render(amount, currency):
    return TEMPLATE.render(Context({"amount": amount, "currency": currency}))


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (D("100"), "GBP", "[£100.00]"),
        (D("1250"), "USD", "[$1,250.00]"),
        (D("80"), "EUR", "[€80.00]"),
        (D("12000"), "JPY", "[¥12,000]"),
        (D("499.5"), "JPY", "[¥500]"),
        (D("12"), "CHF", "[12.00 CHF]"),
        (25, "GBP", "[£25.00]"),
        # Audit event data and payment_info hold amounts as text.
        ("120.00", "GBP", "[£120.00]"),
        ("1250.5", "USD", "[$1,250.50]"),
    ],
)
def test_an_amount_is_shown_with_its_currency_symbol(amount, currency, shown):
    assert render(amount, currency) == shown


@pytest.mark.parametrize("amount", [None, ""])
def test_a_missing_amount_shows_nothing(amount):
    assert render(amount, "GBP") == "[]"


def test_an_amount_without_a_currency_is_shown_bare():
    # A Stripe dispute without a currency: no symbol to give, and no trailing space either.
    assert render(D("1234.5"), "") == "[1,234.50]"
    assert render(D("5"), None) == "[5.00]"


def test_a_blocktranslate_gets_the_formatted_amount_as_one_placeholder():
    template = Template(
        "{% load i18n money %}{% blocktranslate with amount=total|money:currency %}"
        "Pay {{ amount }} by card{% endblocktranslate %}"
    )

    assert template.render(Context({"total": D("100"), "currency": "GBP"})) == "Pay £100.00 by card"
