"""Money: Decimal from the wire to the response, never binary floating point.

* :data:`DecimalStr` is the one annotated type used for every amount and rate on
  the wire. It accepts decimal strings (``"19.99"``) and JSON numbers with at
  most 15 significant digits (which a binary double represents exactly enough
  to recover the decimal the client wrote); anything else is refused, never
  rounded silently.
* :func:`minor_units` is the one place currency precision comes from: ISO 4217
  (List One, pinned here so that a CLDR update in babel cannot change rounding);
  babel's CLDR data only for historic codes ISO no longer lists (HRK, BGN, ...).
* :func:`quantize` always takes an explicit rounding mode.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any

from babel.numbers import get_currency_precision, list_currencies
from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

DECIMAL_PATTERN = r"^-?[0-9]{1,15}(\.[0-9]{1,12})?$"
_DECIMAL_RE = re.compile(DECIMAL_PATTERN)
_FAST_RE = re.compile(r"^(?!-0+(\.0+)?$)" + DECIMAL_PATTERN[1:])  # a decimal string that is not -0
MAX_SIGNIFICANT_NUMBER_DIGITS = 15
HUNDRED = Decimal(100)
MAX_MAGNITUDE = Decimal(10) ** 15


def parse_decimal(value: Any) -> Decimal:
    """Turn a wire value into an exact Decimal or raise ValueError saying why. ``-0`` is read as 0."""
    if type(value) is str and _FAST_RE.match(value):  # the common case first
        return Decimal(value)
    return _no_negative_zero(_parse_decimal(value))


def _no_negative_zero(value: Decimal) -> Decimal:
    return value.copy_abs() if not value and value.is_signed() else value


def _parse_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("must be a finite decimal number")
        return value
    if isinstance(value, bool):
        raise ValueError("must be a decimal string such as \"19.99\", not a boolean")
    if isinstance(value, int):
        if len(str(abs(value))) > MAX_SIGNIFICANT_NUMBER_DIGITS:
            raise ValueError("JSON numbers may have at most 15 significant digits; send a decimal string")
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("must be a finite decimal number")
        exact = Decimal(repr(value))
        if len(exact.as_tuple().digits) > MAX_SIGNIFICANT_NUMBER_DIGITS or abs(exact) >= MAX_MAGNITUDE:
            raise ValueError(
                "JSON number cannot be represented exactly; send the amount as a decimal string"
            )
        if exact.as_tuple().exponent < -12:  # type: ignore[operator]
            raise ValueError("more than 12 fraction digits")
        return exact
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_RE.match(text):
            raise ValueError(
                "must be a decimal string with at most 15 integer and 12 fraction digits, "
                "dot as decimal separator, no exponent (e.g. \"19.99\")"
            )
        return Decimal(text)
    raise ValueError("must be a decimal string such as \"19.99\"")


def _serialize(value: Decimal) -> str:
    return format(value, "f")


DecimalStr = Annotated[
    Decimal,
    PlainValidator(parse_decimal),
    PlainSerializer(_serialize, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN, "examples": ["19.99"]}),
]
"""Every amount and rate in the API: a decimal string on the wire, Decimal inside."""

DecimalOut = Annotated[Decimal, WithJsonSchema({"type": "string"})]
"""An amount or rate in a result the API writes (as ``str`` of the ``Decimal``). Its JSON Schema is
stated here rather than left to pydantic, whose schema for a bare ``Decimal`` differs between
releases (2.12 and 2.13 add a ``pattern``, 2.11 and 2.14 do not), so that ``openapi.yaml`` is the
same whichever release an install resolves."""


# ISO 4217 List One (current currencies and funds), minor units of every code whose minor unit
# is not 2; every other code on the list has 2. Source: ISO 4217 maintenance agency (SIX),
# https://www.six-group.com/en/products-services/financial-information/data-standards.html,
# list published 2024-06-25, plus XCG (Caribbean guilder, in use since 2025-03-31). CLDR (babel)
# departs from ISO for some codes (CLDR 48 gives HUF, COP and IDR 0 digits), so it is not the
# source for current currencies.
ISO_4217_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
                     "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
ISO_4217_CODES: frozenset[str] = frozenset("""
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD
    CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD
    OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP
    SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XOF XPF
    XCG YER ZAR ZMW ZWG
""".split())
"""Codes on ISO 4217 List One that have minor units (funds included; gold, SDR, test codes excluded)."""


@lru_cache(maxsize=None)
def supported_currencies() -> frozenset[str]:
    """ISO 4217 codes with minor units, plus the historic ones babel knows (HRK for a 2022 Croatian order).

    Other X-codes (precious metals, SDR, units of account, test and no-currency codes) have no
    minor units in ISO 4217 and are not currencies an order can be priced in.
    """
    historic = (c for c in list_currencies() if len(c) == 3 and c.isalpha() and c.isupper() and c[0] != "X")
    return ISO_4217_CODES | frozenset(historic)


@lru_cache(maxsize=None)
def minor_units(currency: str) -> int:
    """Number of fraction digits of ``currency`` (EUR 2, JPY 0, KWD 3, HUF 2) per ISO 4217."""
    if currency not in supported_currencies():
        raise KeyError(currency)
    if currency in ISO_4217_CODES:
        return ISO_4217_MINOR_UNITS.get(currency, 2)
    return int(get_currency_precision(currency))


@lru_cache(maxsize=None)
def exponent(places: int) -> Decimal:
    """``Decimal('0.01')`` for 2 places (cached)."""
    return Decimal(1).scaleb(-places)


def quantize(amount: Decimal, places: int, *, rounding: str) -> Decimal:
    """Round ``amount`` to ``places`` fraction digits with an explicit rounding mode."""
    return amount.quantize(exponent(places), rounding=rounding)


def round_money(amount: Decimal, currency: str, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    return quantize(amount, minor_units(currency), rounding=rounding)


def fmt_percent(rate: Decimal) -> str:
    """Render a percentage without trailing zeros: 19, 5.5, 9.975."""
    text = format(rate.normalize(), "f")
    return text


def is_exact_decimal(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True
