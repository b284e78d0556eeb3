"""Money, numbers and dates are written the way the user's language writes them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from babel.dates import format_datetime

from realty_crm.web.formatting import day, money, number, when
from realty_crm.web.reports import percent

MARCH_FIRST = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def _plain(text: str) -> str:
    """``text`` with the (narrow) no-break spaces CLDR uses turned into plain spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


@pytest.mark.parametrize(
    ("lang", "amount", "currency", "shown"),
    [
        ("es", Decimal("250000"), "EUR", "250.000 €"),
        ("en", Decimal("250000"), "EUR", "€250,000"),
        ("es", Decimal("1250.50"), "EUR", "1.250,50 €"),
        ("en", Decimal("1250.50"), "EUR", "€1,250.50"),
        ("es", 0, "EUR", "0 €"),
        ("en", 1500, "USD", "$1,500"),
        ("es", Decimal("1500.00"), "GBP", "1.500 GBP"),
    ],
)
def test_money_is_written_per_locale(speaking, lang, amount, currency, shown):
    with speaking(lang):
        assert _plain(money(amount, currency)) == shown


def test_money_of_nothing_is_blank(speaking):
    with speaking("es"):
        assert money(None, "EUR") == ""


def test_numbers_group_digits_per_locale(speaking):
    with speaking("es"):
        assert number(1234567) == "1.234.567"
    with speaking("en"):
        assert number(1234567) == "1,234,567"


def test_dates_are_written_per_locale(speaking):
    with speaking("es"):
        assert day(MARCH_FIRST) == "1 mar 2025"
        assert day(MARCH_FIRST, "long") == "1 de marzo de 2025"
        assert _plain(when(MARCH_FIRST)) == "1/3/25, 10:00"
    with speaking("en"):
        assert day(MARCH_FIRST) == "Mar 1, 2025"
        assert day(MARCH_FIRST, "long") == "March 1, 2025"
        assert _plain(when(MARCH_FIRST)) == "3/1/25, 10:00 AM"


def test_a_spanish_users_property_pages_show_spanish_prices(people, login, make):
    make.property(people.agente, reference="TRI-0001", price="250000", title="Piso en Triana")
    client = login(people.agente)
    listing = _plain(client.get("/properties").get_data(as_text=True))
    assert "250.000 €" in listing and "€250,000" not in listing


def test_an_english_users_property_pages_show_english_prices(people, login, make):
    make.property(people.agent, reference="KEN-0001", price="250000", title="Flat in Kensington")
    listing = _plain(login(people.agent).get("/properties").get_data(as_text=True))
    assert "€250,000" in listing and "250.000 €" not in listing


def test_a_spanish_users_prospect_page_shows_dates_in_spanish_in_the_agency_zone(people, login, make):
    prospect = make.prospect(people.agente, first_name="Rocío")
    page = _plain(login(people.agente).get(f"/prospects/{prospect.id}").get_data(as_text=True))
    local = format_datetime(prospect.created_at, "short", tzinfo="Europe/Madrid", locale="es")
    assert _plain(local) in page
    assert "AM" not in page and "PM" not in page


@pytest.mark.parametrize(
    ("lang", "value", "shown"),
    [
        ("es", 93.9, "93,9 %"),
        ("en", 93.9, "93.9%"),
        ("es", 33.3, "33,3 %"),
        ("en", 14.3, "14.3%"),
        ("en", 57.1, "57.1%"),
        ("es", 100.0, "100 %"),
        ("en", 0.0, "0%"),
        ("en", 66.66666666666667, "66.7%"),
        ("es", 0.04, "0 %"),
        ("en", None, "—"),
    ],
)
def test_report_percentages_are_rounded_and_written_per_locale(speaking, lang, value, shown):
    with speaking(lang):
        assert _plain(percent(value)) == shown
