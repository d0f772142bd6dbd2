"""Money parsing and minor units (golden: a CLDR upgrade must not change rounding silently)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxapi.money import minor_units, parse_decimal, quantize


@pytest.mark.parametrize(("code", "digits"), [("EUR", 2), ("USD", 2), ("GBP", 2), ("JPY", 0), ("KWD", 3), ("HUF", 2), ("CZK", 2), ("SEK", 2), ("CHF", 2), ("ISK", 0), ("BHD", 3), ("CLP", 0), ("COP", 2), ("IDR", 2), ("IQD", 3), ("CLF", 4), ("HRK", 2)])
def test_minor_units_golden(code, digits):
    assert minor_units(code) == digits


def test_current_currencies_follow_iso_4217_whatever_cldr_says(monkeypatch):
    """CLDR 48 gives HUF 0 digits; ISO 4217 gives 2, and the rounding must not move with a babel upgrade."""
    import taxapi.money as money

    monkeypatch.setattr(money, "get_currency_precision", lambda code: 7)
    assert money.minor_units.__wrapped__("HUF") == 2
    assert money.minor_units.__wrapped__("JPY") == 0
    assert money.minor_units.__wrapped__("HRK") == 7  # historic codes only come from CLDR


@pytest.mark.parametrize("code", ["XAU", "XTS", "XXX", "EURO", "eur"])
def test_codes_without_minor_units_are_not_currencies(code):
    with pytest.raises(KeyError):
        minor_units(code)


@pytest.mark.parametrize(("raw", "expected"), [("19.99", "19.99"), ("0", "0"), ("-5.5", "-5.5"), (12, "12"), (19.99, "19.99"), (0.1, "0.1"), (" 7 ", "7")])
def test_parse_decimal_accepts_exact_values(raw, expected):
    assert parse_decimal(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["1e3", "1,50", "", "abc", "NaN", "Infinity", True, None, 1e20, 12345678901234567.0, 1234567890123456, "1.2.3", [1]])
def test_parse_decimal_refuses_inexact_or_malformed(raw):
    with pytest.raises(ValueError):
        parse_decimal(raw)


@given(st.decimals(min_value=Decimal("-999999999999.99"), max_value=Decimal("999999999999.99"), places=2, allow_nan=False, allow_infinity=False))
def test_json_numbers_with_15_digits_round_trip(value):
    assert parse_decimal(float(str(value))) == value
    assert parse_decimal(str(value)) == value


def test_quantize_is_half_up_regardless_of_context():
    assert quantize(Decimal("0.125"), 2, rounding=ROUND_HALF_UP) == Decimal("0.13")
    assert quantize(Decimal("2.5"), 0, rounding=ROUND_HALF_UP) == Decimal("3")
