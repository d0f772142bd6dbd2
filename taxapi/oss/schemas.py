"""Wire models of ``POST /v1/oss/summary``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from taxapi.money import DecimalStr
from taxapi.oss.periods import PERIOD_PATTERN
from taxapi.wire import IsoDate

Scheme = Literal["union", "non_union", "ioss"]

_ROW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "LedgerRow",
    "description": (
        "One transaction of the seller's ledger. Every row is accounted for: a row that cannot be used "
        "(unparseable field, outside the period, another scheme, ...) is listed in `rejected` with its "
        "row number and a reason code instead of failing the request, so fields are not type-checked here."
    ),
    "properties": {
        "id": {"description": "Your reference, echoed in `rejected`.", "examples": ["order-1001/1"]},
        "date": {"description": "Tax point (YYYY-MM-DD): date of supply / payment accepted (IOSS).", "examples": ["2026-08-03"]},
        "country_of_consumption": {"description": "ISO 3166-1 alpha-2 Member State of consumption (EL accepted for GR; XI for Northern Ireland goods).", "examples": ["FR"]},
        "ship_from_country": {
            "description": "Goods: where dispatch begins (required in the Union OSS). Services: the Member State of the "
                           "fixed establishment supplying them, empty for the Member State of identification.",
            "examples": ["DE"],
        },
        "supply": {"description": "`goods` or `services`.", "examples": ["goods"]},
        "rate_percent": {"description": "VAT rate charged, in percent (decimal string).", "examples": ["20"]},
        "net_amount": {"description": "Taxable amount, net of VAT (decimal string; negative for refunds/credit notes).", "examples": ["100.00"]},
        "tax_amount": {"description": "VAT charged (decimal string).", "examples": ["20.00"]},
        "currency": {"description": "ISO 4217 currency of the amounts (any currency with an ECB reference rate).", "examples": ["EUR"]},
        "deemed_supplier": {"description": "true when you report the supply as deemed supplier (electronic interface, Art. 14a).", "examples": [False]},
        "original_period": {
            "description": "Period of the original supply for refunds and corrections (2026-Q2 / 2026-05). An earlier "
                           "period makes the row a correction; required for negative rows.",
            "examples": [None],
        },
        "scheme": {"description": "Optional: the scheme the row belongs to (`union`, `non_union`, `ioss`, or the "
                                  "`/v1/calculate` names `oss_union`, ...). Rows of another scheme are rejected.",
                   "examples": ["union"]},
    },
}

LedgerRow = Annotated[dict[str, Any], WithJsonSchema(_ROW_SCHEMA)]


class OssSummaryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scheme: Scheme = Field(description="`union` (Union OSS), `non_union` (non-Union OSS) or `ioss` (import scheme).")
    period: str = Field(pattern=PERIOD_PATTERN, description="`2026-Q3` (OSS) or `2026-07` (IOSS; monthly figures for OSS).",
                        examples=["2026-Q3"])
    member_state_of_identification: str = Field(pattern="^[A-Za-z]{2}$", examples=["DE"])
    establishment_vat_ids: dict[Annotated[str, Field(pattern="^[A-Z]{2}$")], Annotated[str, Field(min_length=2, max_length=40)]] | None = Field(
        None,
        description="VAT number (or tax number) per Member State you dispatch goods from or have a fixed "
                    "establishment in, e.g. `{\"PL\": \"PL5260001246\"}`: needed by `format=bzst` for those lines.",
    )
    transactions: list[LedgerRow] = Field(description="The ledger rows. For large ledgers send a `text/csv` body instead.")


class ExchangeRateUsed(BaseModel):
    currency: str
    rate: DecimalStr = Field(description="Units of currency per 1 EUR (ECB reference rate).")
    date: IsoDate = Field(description="Publication date of the rate: the period's last day or the next day with a publication.")
    period: str = Field(description="The return period the rate converts (the original period for corrections).")


class SummaryLine(BaseModel):
    section: Literal[
        "services_from_msi", "goods_from_msi", "services_from_fixed_establishment", "goods_from_other_ms",
        "deemed_supplier_domestic", "services", "imported_goods",
    ]
    country_of_consumption: str
    supply: Literal["goods", "services"]
    ship_from_country: str | None = Field(description="Dispatch Member State (goods) or fixed establishment (services).")
    deemed_supplier: bool
    rate_kind: str | None = Field(description="From the rate tables; null when no table has this rate (see warnings).")
    rate_percent: DecimalStr
    net_amount: DecimalStr
    tax_amount: DecimalStr
    transactions_count: int


class CorrectionLine(BaseModel):
    period: str
    country_of_consumption: str
    net_amount: DecimalStr
    tax_amount: DecimalStr
    transactions_count: int


class CountryTotal(BaseModel):
    country_of_consumption: str
    tax_amount: DecimalStr = Field(description="VAT due for the country: this period's lines plus corrections.")
    lines_tax_amount: DecimalStr
    corrections_tax_amount: DecimalStr


class RejectedRow(BaseModel):
    row: int = Field(description="JSON: 1-based position of the row in `transactions`. CSV, Parquet and Arrow files: "
                                 "the row a spreadsheet shows for the record (the header is row 1, the first record row 2).")
    id: str | None
    code: str
    detail: str
    partition: str | None = Field(
        default=None, exclude_if=lambda v: v is None,
        description="Partitioned ledgers (a directory or glob of files): the file, relative to the dataset root; "
                    "`row` counts inside it. Absent otherwise.")


class Notice(BaseModel):
    code: str
    detail: str


class OssSummary(BaseModel):
    rates_version: str
    scheme: Scheme
    period: str
    member_state_of_identification: str
    currency: Literal["EUR"]
    conversion_date: IsoDate = Field(description="Last day of the period; rates of this day or the next publication apply.")
    exchange_rates: list[ExchangeRateUsed]
    lines: list[SummaryLine]
    corrections: list[CorrectionLine]
    totals_by_country: list[CountryTotal]
    total_tax_amount: DecimalStr
    transactions_count: int = Field(description="Rows summed (lines and corrections). transactions_count + rejected_count = rows_count.")
    rows_count: int
    rejected_count: int
    rejected: list[RejectedRow] = Field(description="Rejected rows (at most 10,000 are listed; rejected_count counts all).")
    warnings: list[Notice]
