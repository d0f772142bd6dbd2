"""Response models of ``GET /v1/price`` (contract: api.md §4). Amounts are decimal strings."""

from __future__ import annotations

from pydantic import BaseModel, Field

from taxapi.orders.results import SELLER_KEEPS, SELLER_PROCEEDS
from taxapi.orders.schemas import CollectedBy, RateKindOut, Reason, Scheme
from taxapi.orders.wire import WarningObject


class PriceLine(BaseModel):
    """One price in one destination: the facts as understood, and the three sides of the price."""

    country: str
    region: str | None
    postal_code: str | None
    city: str | None
    jurisdiction: str = Field(description="Jurisdiction whose rate applies (DE, ES-CN, US-CA), as in /v1/calculate.")
    currency: str
    date: str
    category: str
    prices_include_tax: bool
    amount: str = Field(description="The amount as parsed (net when prices_include_tax=false, gross when true).")
    net_amount: str
    tax_amount: str
    gross_amount: str = Field(description="What the customer pays: the shelf price.")
    rate_percent: str
    rate_kind: RateKindOut
    taxability_reason: Reason
    collected_by: CollectedBy
    scheme: Scheme
    rule: str
    source: str
    tax_collected_by_seller: str
    tax_collected_by_marketplace: str = Field(description="Withheld by the marketplace from the seller's payout.")
    tax_due_at_import: str
    tax_reverse_charged: str
    withheld_by_marketplace: str = Field(description="What the marketplace withholds from the seller's payout (Mexico's IVA and ISR, India's TCS ...).")
    seller_proceeds: str = Field(description=SELLER_PROCEEDS)
    seller_keeps: str = Field(description=SELLER_KEEPS)
    warnings: list[WarningObject]


class PriceAnswer(PriceLine):
    rates_version: str


class PriceTable(BaseModel):
    """The same price in several destinations (``countries=``), one row each, in the order asked."""

    rates_version: str
    date: str
    currency: str
    prices: list[PriceLine]
