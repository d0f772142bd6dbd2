"""What the order engine answers: typed, immutable results with ``Decimal`` amounts and enum fields.

:func:`taxapi.orders.service.compute_order` returns an :class:`OrderResult`; the HTTP edge writes
it with :mod:`taxapi.orders.wire`, whose schema (generated from these classes) is the documented
response of ``POST /v1/calculate``. Consumers (``/v1/price``, ``/v1/batch``, the OSS ledger) read
the attributes. Every amount is at the currency's minor units; rates are written as the tables
write them (``Decimal("19")``, ``Decimal("5.5")``).
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from decimal import Decimal

from taxapi.categories import RateKind
from taxapi.regimes.base import Collector, Reason, Scheme


@dataclass(frozen=True, slots=True)
class BreakdownEntry:
    """A line's tax at one level of a multi-level rate (Canadian GST + PST, the US state)."""

    jurisdiction: str
    level: str
    rate_percent: Decimal
    tax_amount: Decimal


@dataclass(frozen=True, slots=True)
class ShippingPart:
    """The share of shipping that follows one line's treatment and rate."""

    line_id: str | None
    net_amount: Decimal
    tax_amount: Decimal
    rate_percent: Decimal
    rate_kind: RateKind
    jurisdiction: str
    collected_by: Collector
    scheme: Scheme
    rule: str


@dataclass(frozen=True, slots=True)
class LineResult:
    id: str | None
    category: str  # the line's category, or "shipping"
    net_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal
    rate_percent: Decimal
    rate_kind: RateKind
    jurisdiction: str
    taxability_reason: Reason
    collected_by: Collector
    scheme: Scheme
    rule: str
    source: str
    breakdown: tuple[BreakdownEntry, ...]
    tax_reverse_charged: Decimal
    tax_due_at_import: Decimal


@dataclass(frozen=True, slots=True)
class ApportionedShipping(LineResult):
    """Shipping spread over several treatments or rates: ``rate_percent`` is the effective rate, and
    ``apportioned`` the parts."""

    apportioned: tuple[ShippingPart, ...]


@dataclass(frozen=True, slots=True)
class Totals:
    net_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal
    tax_collected_by_seller: Decimal
    tax_collected_by_marketplace: Decimal
    tax_reverse_charged: Decimal
    tax_due_at_import: Decimal
    seller_proceeds: Decimal


@dataclass(frozen=True, slots=True)
class Note:
    code: str
    text: str
    language: str


@dataclass(frozen=True, slots=True)
class Warning:
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Conversion:
    from_currency: str
    to_currency: str
    rate: Decimal
    date: dt.date
    purpose: str
    source: str


@dataclass(frozen=True, slots=True)
class OrderResult:
    rates_version: str
    date: dt.date
    currency: str
    prices_include_tax: bool
    rounding: str
    lines: tuple[LineResult, ...]
    shipping: ApportionedShipping | LineResult | None
    totals: Totals
    notes: tuple[Note, ...]
    warnings: tuple[Warning, ...]
    conversions: tuple[Conversion, ...]
