"""Spreadsheet number, date and yes/no parsing per locale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from taxapi.sheets.numbers import WIRE, number_format, parse_bool, parse_day


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        ("de_DE", "1.234,56", "1234.56"),
        ("de_DE", "1234,56", "1234.56"),
        ("de_DE", "12,3", "12.3"),
        ("de_DE", "10", "10"),
        ("de-DE", " 0,99 ", "0.99"),
        ("fr_FR", "1 234,56", "1234.56"),  # typed with a plain space
        ("fr_FR", "1\u202f234,56", "1234.56"),  # CLDR's narrow no-break space
        ("fr_FR", "1\u00a0234,56", "1234.56"),
        ("de_CH", "1’234.56", "1234.56"),
        ("de_CH", "1'234.56", "1234.56"),  # ASCII apostrophe (CLDR 48's symbol) and the typographic one
        ("en_US", "1,234.56", "1234.56"),
        (None, "1234.56", "1234.56"),
    ],
)
def test_amounts_in_the_sellers_locale(locale, text, expected):
    assert number_format(locale).parse(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("de_DE", "1.23"),  # a dot is a group separator in de_DE: refused, not guessed
        ("de_DE", "1,2,3"),
        ("de_DE", "1e3"),
        ("de_DE", "NaN"),
        ("de_DE", "Infinity"),
        ("de_DE", "zehn"),
        ("de_DE", "1234567890123456,00"),  # beyond the wire's 15 integer digits
        ("en_US", "1234,56"),
        (None, "1.234,56"),
        (None, "1,5"),
        (None, "1e3"),
    ],
)
def test_ambiguous_or_malformed_amounts_are_refused(locale, text):
    with pytest.raises(ValueError):
        number_format(locale).parse(text)


def test_unknown_locale_is_refused():
    with pytest.raises(ValueError, match="unknown locale"):
        number_format("xx_YY")
    with pytest.raises(ValueError):
        number_format("de_DE; drop")


@pytest.mark.parametrize(
    ("locale", "value", "text"),
    [
        ("de_DE", "12.30", "12,30"),  # minor units kept, never 12,3
        ("de_DE", "1234.50", "1234,50"),  # no group separators: a bare number for the cell
        ("fr_FR", "0.05", "0,05"),
        ("en_US", "12.30", "12.30"),
        ("de_DE", "1357", "1357"),  # JPY: no minor units, none added
        ("de_DE", "1.901", "1,901"),  # KWD: three
        (None, "12.30", "12.30"),
    ],
)
def test_text_answers_keep_the_computed_digits(locale, value, text):
    assert number_format(locale).format(Decimal(value)) == text


def test_yes_no_and_dates():
    assert parse_bool("TRUE") is True and parse_bool("wahr") is True and parse_bool("0") is False
    with pytest.raises(ValueError):
        parse_bool("maybe")
    assert parse_day("2026-03-10", None) == date(2026, 3, 10)
    assert parse_day("10.03.2026", "de_DE") == date(2026, 3, 10)
    with pytest.raises(ValueError):
        parse_day("10.03.2026", None)
    with pytest.raises(ValueError):
        parse_day("2026-02-30", None)
    assert WIRE.locale is None
