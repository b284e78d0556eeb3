"""Amounts of money as the reader's language writes them."""

from __future__ import annotations

import re
from decimal import Decimal

from babel import Locale
from flask_babel import format_currency, get_locale

# the fraction digits of a currency pattern, dropped for whole amounts
_CENTS = re.compile(r"\.0+")


def amount(value: Decimal | int | None, currency: str) -> str:
    """``value`` in ``currency`` and the reader's locale, without cents when whole ("" for None)."""
    if value is None:
        return ""
    number = Decimal(value)
    if number != number.to_integral_value():
        return format_currency(number, currency)
    # a whole amount without cents, in the locale's own pattern: "250.000 €" in es, "€250,000" in en
    pattern = (get_locale() or Locale("en")).currency_formats["standard"].pattern
    return format_currency(number, currency, format=_CENTS.sub("", pattern), currency_digits=False)
