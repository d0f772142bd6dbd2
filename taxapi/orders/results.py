"""What the order engine answers: typed, immutable results with ``Decimal`` amounts and enum fields.

The records are named tuples: immutable like frozen dataclasses, and built in C: a checkout
answer has about ten of them, and a frozen dataclass of 16 fields takes eight times as long to
build (one ``object.__setattr__`` per field), which was a fifth of the engine's time on the
benchmark order.

:func:`taxapi.orders.service.compute_order` returns an :class:`OrderResult`; the HTTP edge writes
it with :mod:`taxapi.orders.wire`, whose schema (generated from these classes) is the documented
response of ``POST /v1/calculate``. Consumers (``/v1/price``, ``/v1/batch``, the OSS ledger) read
the attributes. Every amount is at the currency's minor units; rates are written as the tables
write them (``Decimal("19")``, ``Decimal("5.5")``).
"""

from __future__ import annotations

from typing import NamedTuple
import datetime as dt
from decimal import Decimal

from taxapi.categories import RateKind
from taxapi.money import DecimalOut
from taxapi.regimes.base import Collector, Reason, Scheme, Withholding


# Withholding (imported above) is defined with the regimes' vocabulary: a regime returns it.


class BreakdownEntry(NamedTuple):
    """A line's tax at one level of a multi-level rate (Canadian GST + PST, the US state)."""

    jurisdiction: str
    level: str
    rate_percent: DecimalOut
    tax_amount: DecimalOut
    name: str = ""  # the jurisdiction's name


class ShippingPart(NamedTuple):
    """The share of shipping that follows one line's treatment and rate."""

    line_id: str | None
    net_amount: DecimalOut
    tax_amount: DecimalOut
    rate_percent: DecimalOut
    rate_kind: RateKind
    jurisdiction: str
    collected_by: Collector
    scheme: Scheme
    rule: str


#: Fields written only when they hold something (the wire of lines without them stays as it was).
OPTIONAL_FIELDS = frozenset({"withholdings", "address"})


class AddressResolution(NamedTuple):
    """How a US line's address was matched to its local jurisdictions, and by which table."""

    resolved_by: str  # zip4, zip5, or state (no local table answered: the state rate table's rate)
    local_table: str | None  # the id of the local table that answered
    effective_from: dt.date | None  # that table's effective date
    source: str | None  # that table's source


class LineResult(NamedTuple):
    """One line of the order (or the shipping): its amounts, the rate applied and who collects the tax, and why."""

    id: str | None
    category: str  # the line's category, or "shipping"
    net_amount: DecimalOut
    tax_amount: DecimalOut
    gross_amount: DecimalOut
    rate_percent: DecimalOut
    rate_kind: RateKind
    jurisdiction: str
    taxability_reason: Reason
    collected_by: Collector
    scheme: Scheme
    rule: str
    source: str
    breakdown: tuple[BreakdownEntry, ...]
    tax_reverse_charged: DecimalOut
    tax_due_at_import: DecimalOut
    withholdings: tuple[Withholding, ...] = ()
    address: AddressResolution | None = None  # US lines: how the address was resolved (written when set)


#: Shipping spread over several treatments or rates: the fields of a :class:`LineResult` (``rate_percent``
#: the effective rate), then ``apportioned``, the parts.
ApportionedShipping = NamedTuple(  # type: ignore[misc]
    "ApportionedShipping",
    [*((name, LineResult.__annotations__[name]) for name in LineResult._fields), ("apportioned", "tuple[ShippingPart, ...]")],
)
ApportionedShipping.__doc__ = ("Shipping spread over several treatments or rates: the fields of a line (rate_percent the "
                               "effective rate), then the parts it was apportioned into.")


#: What the two seller figures of the totals mean (also the descriptions of /v1/price's fields).
SELLER_PROCEEDS = (
    "What the seller is paid for the order: gross_amount - tax_collected_by_marketplace - withheld_by_marketplace "
    "(before marketplace fees). "
    "On a direct sale it is the gross, VAT included: the seller still owes tax_collected_by_seller."
)
SELLER_KEEPS = (
    "What the seller keeps after remitting the tax it owes: seller_proceeds - tax_collected_by_seller "
    "(before marketplace fees and the seller's own input-tax deductions)."
)


class Totals(NamedTuple):
    net_amount: DecimalOut
    tax_amount: DecimalOut
    gross_amount: DecimalOut
    tax_collected_by_seller: DecimalOut
    tax_collected_by_marketplace: DecimalOut
    tax_reverse_charged: DecimalOut
    tax_due_at_import: DecimalOut
    withheld_by_marketplace: DecimalOut  # the sum of the lines' withholdings
    seller_proceeds: DecimalOut
    seller_keeps: DecimalOut


Totals.__doc__ = (
    "The order's totals: net + tax = gross, the tax by who collects it, what the marketplace withholds from the "
    "seller's payout (withheld_by_marketplace, the sum of the lines' withholdings), and what the seller is paid and keeps. "
    f"seller_proceeds: {SELLER_PROCEEDS} seller_keeps: {SELLER_KEEPS}"
)


class Note(NamedTuple):
    """Invoice wording the law requires, in one language."""

    code: str
    text: str
    language: str


class Warning(NamedTuple):
    """Something the seller must act on (a registration, an unknown threshold position ...)."""

    code: str
    detail: str


class Conversion(NamedTuple):
    """An exchange rate used to test a threshold in another currency (ECB reference rate)."""

    from_currency: str
    to_currency: str
    rate: DecimalOut
    date: dt.date
    purpose: str
    source: str


class OrderResult(NamedTuple):
    """The tax of one order: per line, for the shipping, in total, with notes, warnings and conversions."""

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
