"""The `money` template filter: amounts in emails and pages read as the quote tables do ("£100.00"),
because the formatting lives in licensing.money and nowhere else."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from licensing.money import format_money, quantize

register = template.Library()


@register.filter
def money(amount: Decimal | int | str | None, currency: str | None) -> str:
    """`{{ request.total|money:request.currency }}`. Amounts kept as text (audit event data holds
    "120.00") are read as Decimal; a missing amount shows nothing rather than "None"."""
    if amount is None or amount == "":
        return ""
    if isinstance(amount, str):
        try:
            value: Decimal | int = Decimal(amount)
        except InvalidOperation:
            return amount
    else:
        value = amount
    if not currency:
        # No code to show (a Stripe object without one): the bare amount, not "12.00 " with a gap.
        return f"{quantize(value, ''):,f}"
    return format_money(value, currency)
