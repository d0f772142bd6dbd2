"""Wire models of ``POST /v1/thresholds`` (api.md section 2).

The ledger rows themselves are not pydantic models: a ledger may hold 100,000+
rows, and a row with a bad date or an unknown country is reported in
``rejected`` with its row number instead of failing the request. Only JSON type
errors (a row that is not an object, a date that is not a string) refuse the
request, naming each field.
"""

from __future__ import annotations

from typing import Annotated, Any

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from taxapi.wire import IsoDate

COUNTRY = r"^[A-Z]{2}$"
REGION = r"^[A-Z0-9]{1,3}$"


class ThresholdSeller(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: str = Field(pattern=COUNTRY, description="Where the seller is established (ISO 3166-1 alpha-2).")
    region: str | None = Field(None, pattern=REGION, description="US state / Canadian province of establishment.")
    other_establishments: list[Annotated[str, Field(pattern=COUNTRY)]] = Field(
        default_factory=list,
        max_length=300,
        description="Further countries where the seller has a fixed establishment (one in another Member State "
        "rules out the EU threshold).",
    )


class ThresholdsHead(BaseModel):
    """Everything in the request but ``sales``."""

    model_config = ConfigDict(extra="forbid")

    seller: ThresholdSeller
    as_of: IsoDate = Field(description="Evaluation date. Sales after it are rejected rows; no server clock is used.")
    eu_destination_option: bool = Field(
        False, description="The seller opted for destination taxation below the EU threshold (Art. 59c(3))."
    )

    @field_validator("as_of")
    @classmethod
    def _supported(cls, value: date) -> date:
        return check_as_of(value)


EARLIEST = date(1990, 1, 1)
LATEST = date(2999, 12, 31)


def check_as_of(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
    return value


SALE_ROW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "One sale (or credit note, with a negative net_amount). Values are checked row by row: a row whose date, "
        "country, amount or currency cannot be read is listed in `rejected` with its index, never skipped silently."
    ),
    "required": ["date", "ship_to", "net_amount", "currency"],
    "properties": {
        "date": {"type": "string", "description": "Date of the sale, YYYY-MM-DD, not after as_of.", "examples": ["2026-07-10"]},
        "ship_to": {
            "type": "object",
            "required": ["country"],
            "properties": {
                "country": {"type": "string", "description": "ISO 3166-1 alpha-2 (XI or GB with a BT postcode: Northern Ireland)."},
                "region": {"type": ["string", "null"], "description": "US state (required for the US) or Canadian province."},
                "postal_code": {"type": ["string", "null"], "description": "Decides special territories (Canary Islands ...)."},
                "city": {"type": ["string", "null"]},
            },
        },
        "ship_from": {
            "type": ["object", "null"],
            "description": "Where goods start their journey; defaults to seller.country.",
            "properties": {"country": {"type": ["string", "null"]}},
        },
        "net_amount": {
            "type": ["string", "number"],
            "description": "Net of VAT/sales tax, decimal string (JSON numbers up to 15 significant digits).",
            "examples": ["800.00"],
        },
        "currency": {"type": "string", "description": "ISO 4217; converted at the ECB rate on or before the sale date."},
        "customer_type": {"type": ["string", "null"], "description": "consumer (default) or business."},
        "category": {"type": ["string", "null"], "description": "Product tax category (default general); digital_services and ebooks are e-services."},
        "channel": {"type": ["string", "null"], "description": "direct (default) or marketplace (facilitated by an electronic interface)."},
        "transactions": {"type": ["integer", "null"], "description": "Number of transactions this row stands for (default 1)."},
        "exemption": {"type": ["string", "null"], "description": "US exemption: resale, government, nonprofit or other."},
    },
}


class Money(BaseModel):
    amount: str | None
    currency: str
    transactions: int | None = None
    worldwide_amount: str | None = None


class ThresholdSpec(BaseModel):
    amount: str | None = Field(description="The amount in the threshold's currency (worldwide amount for CH).")
    currency: str
    transactions: int | None = Field(description="Transaction-count test, if any.")
    period: str = Field(description="Measurement period in words.")
    test: str
    basis: str = Field(description="Which sales count.")
    effective_from: str
    source: str
    worldwide_amount: str | None = None
    unverified: list[str] | None = Field(None, description="Parameters not confirmed by a primary or reliable secondary source.")


class Notice(BaseModel):
    code: str
    detail: str


class JurisdictionResult(BaseModel):
    jurisdiction: str = Field(description="EU, a country code, US-XX for a state, CA-XX for a province.")
    name: str
    applicable: bool = Field(description="False when the seller is established there (the non-resident test does not apply).")
    threshold: ThresholdSpec
    total: Money = Field(description="Sales counted in the measurement window that ends on as_of.")
    previous_total: Money | None = Field(None, description="Annual tests: the previous year's total.")
    exceeded: bool
    exceeded_on: str | None = Field(description="Date of the crossing sale (of the first year of an unbroken run of exceeded years).")
    crossing_sale: int | None = Field(description="Row of the crossing sale: its index in `sales` (0-based; CSV body: data "
                                                   "rows after the header); a Parquet or Arrow upload, or a ledger file "
                                                   "read by `taxapi thresholds`: the row a spreadsheet shows (header row 1).")
    crossing_sale_partition: str | None = Field(
        None, exclude_if=lambda v: v is None,
        description="Partitioned ledgers: the file of the crossing sale, relative to the dataset root. Absent otherwise.")
    obligation_from: str | None = Field(None, description="From when the consequence applies.")
    remaining: str | None = Field(description="Amount left in the current window before the threshold (0 once exceeded).")
    reason: str | None = None
    consequence: str
    warnings: list[Notice] = Field(default_factory=list)


class Rejected(BaseModel):
    row: int
    code: str
    detail: str
    partition: str | None = Field(
        None, exclude_if=lambda v: v is None,
        description="Partitioned ledgers: the file, relative to the dataset root; `row` counts inside it. Absent otherwise.")


class ExchangeRate(BaseModel):
    currency: str
    rate: str = Field(description="Units of currency per 1 EUR (ECB reference rate).")
    date: str = Field(description="Publication date of the rate used.")


class ThresholdsResponse(BaseModel):
    rates_version: str
    as_of: str
    jurisdictions: list[JurisdictionResult]
    rows_in: int
    rows_counted: int
    rejected: list[Rejected]
    exchange_rates: list[ExchangeRate]
    warnings: list[Notice] = Field(default_factory=list)
