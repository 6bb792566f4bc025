"""Money: currency facts, and the only rounding in the project. Amounts are Decimal, never float;
every function here runs in a fixed decimal context so a caller's context cannot change a price."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

# Minor-unit exponent per currency: GBP has pence (2 places), JPY has no minor unit.
CURRENCIES: dict[str, int] = {"GBP": 2, "USD": 2, "EUR": 2, "JPY": 0}
SYMBOLS: dict[str, str] = {"GBP": "£", "USD": "$", "EUR": "€", "JPY": "¥"}
# An unlisted currency is still shown sensibly ("12.00 CHF"); rate cards may not use one.
DEFAULT_EXPONENT = 2

# Wide enough that a fee times a dozen four-place factors is exact; rounding is always explicit.
CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)
_UNITS = {currency: Decimal(1).scaleb(-places) for currency, places in CURRENCIES.items()}


def _decimal(amount: Decimal | int) -> Decimal:
    if isinstance(amount, Decimal):
        return amount
    # A float here is a bug upstream (0.1 is not a tenth); refuse it rather than guess.
    if isinstance(amount, int) and not isinstance(amount, bool):
        return Decimal(amount)
    raise TypeError(f"money must be Decimal or int, not {type(amount).__name__}")


def exponent(currency: str) -> int:
    return CURRENCIES.get(currency, DEFAULT_EXPONENT)


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of the currency: Decimal("0.01") for GBP, Decimal("1") for JPY."""
    unit = _UNITS.get(currency)
    return unit if unit is not None else Decimal(1).scaleb(-exponent(currency), context=CONTEXT)


def quantize(amount: Decimal | int, currency: str) -> Decimal:
    """Round half up to the currency's minor unit."""
    return _decimal(amount).quantize(minor_unit(currency), rounding=ROUND_HALF_UP, context=CONTEXT)


def round_to_increment(amount: Decimal | int, increment: Decimal) -> Decimal:
    """Round half up to a multiple of increment (e.g. 0.50 or 5); an increment of 0 leaves the
    amount as it is. Callers still quantize to the currency afterwards."""
    amount, increment = _decimal(amount), _decimal(increment)
    if increment == 0:
        return amount
    if increment < 0:
        raise ValueError("rounding increment must not be negative")
    with localcontext(CONTEXT):
        steps = (amount / increment).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return steps * increment


def format_money(amount: Decimal | int, currency: str) -> str:
    """With the currency's symbol: "£1,200.00", "-$5.00", "¥500"; else "12.00 CHF"."""
    q = quantize(amount, currency)
    sign = "-" if q < 0 else ""
    body = f"{q.copy_abs():,.{exponent(currency)}f}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency}"
