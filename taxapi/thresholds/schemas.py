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

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from taxapi.errors import ValidationFailed
from taxapi.orders.schemas import ExchangeRate as GivenExchangeRate
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


MAX_EXCHANGE_RATES = 20000


def check_exchange_rates(rates: list[GivenExchangeRate]) -> list[GivenExchangeRate]:
    """Two rates for the same pair (either way round) and the same first day would leave the choice open."""
    seen: dict[tuple[frozenset[str], date | None], int] = {}
    for i, r in enumerate(rates):
        key = (frozenset((r.from_currency, r.to_currency)), r.date)
        if r.from_currency == r.to_currency:
            raise ValueError(f"rate {i}: from_currency and to_currency are the same")
        if key in seen:
            raise ValueError(f"rates {seen[key]} and {i} are both for {r.from_currency}/{r.to_currency} "
                             f"from {r.date.isoformat() if r.date else 'every day'}")
        seen[key] = i
    return rates


EXCHANGE_RATE_TEXT = "FROM:TO:RATE or FROM:TO:RATE:YYYY-MM-DD (e.g. USD:TWD:32.5:2025-04-07)"
_RATES = TypeAdapter(list[GivenExchangeRate])


def parse_exchange_rates(texts: list[str], loc: list[str | int]) -> list[GivenExchangeRate]:
    """``exchange_rates`` of a CSV, Parquet or Arrow upload (repeated query parameter) or of ``taxapi
    thresholds`` (``--exchange-rate``), one rate per text (:data:`EXCHANGE_RATE_TEXT`), validated by the
    model the JSON body uses; a bad one is a 422 naming its position."""
    if len(texts) > MAX_EXCHANGE_RATES:
        raise ValidationFailed.at(loc, f"at most {MAX_EXCHANGE_RATES} rates")
    docs: list[dict[str, str]] = []
    for i, text in enumerate(texts):
        parts = text.split(":")
        if len(parts) not in (3, 4):
            raise ValidationFailed.at([*loc, i], f"must be {EXCHANGE_RATE_TEXT}, not {text[:40]!r}")
        docs.append(dict(zip(("from_currency", "to_currency", "rate", "date"), parts)))
    try:
        rates = _RATES.validate_python(docs)
    except ValidationError as exc:
        errors = [{"loc": [*loc, *e["loc"]], "msg": str(e["msg"]).removeprefix("Value error, "), "type": e["type"]}
                  for e in exc.errors()]
        raise ValidationFailed.listing(errors) from None
    try:
        return check_exchange_rates(rates)
    except ValueError as exc:
        raise ValidationFailed.at(loc, str(exc)) from None


class ThresholdsHead(BaseModel):
    """Everything in the request but ``sales``."""

    model_config = ConfigDict(extra="forbid")

    seller: ThresholdSeller
    as_of: IsoDate = Field(description="Evaluation date. Sales after it are rejected rows; no server clock is used.")
    eu_destination_option: bool = Field(
        False, description="The seller opted for destination taxation below the EU threshold (Art. 59c(3))."
    )
    exchange_rates: list[GivenExchangeRate] = Field(
        default_factory=list, max_length=MAX_EXCHANGE_RATES,
        description="Rates for the conversions the ECB reference rates cannot make on a sale's day (a threshold in "
        "TWD, CLP, COP, VND, SAR, AED ..., or a day after the shipped ECB data), in the shape `/v1/calculate` takes; "
        "used only for those, the pair given either way round. A threshold whose test needs a conversion no rate "
        "makes is not evaluated (its entry's `error` names the currency pair); the other jurisdictions are.",
    )

    @field_validator("as_of")
    @classmethod
    def _supported(cls, value: date) -> date:
        return check_as_of(value)

    @field_validator("exchange_rates")
    @classmethod
    def _one_rate_per_pair_and_day(cls, rates: list[GivenExchangeRate]) -> list[GivenExchangeRate]:
        return check_exchange_rates(rates)



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
    amount: str | None = Field(description="Null when a sale counted here has no rate into the threshold's currency "
                               "(the entry's `error`, or a `total_not_converted` warning where the test needs no rate).")
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


class MissingExchangeRate(BaseModel):
    from_currency: str = Field(description="The sales' currency.")
    to_currency: str = Field(description="The threshold's currency.")
    first_date: str
    last_date: str
    rows: int = Field(description="Ledger rows counted for this threshold in from_currency that cannot be converted.")


class ThresholdError(BaseModel):
    code: str = Field(description="exchange_rate_not_found")
    detail: str
    missing_exchange_rates: list[MissingExchangeRate]


class JurisdictionResult(BaseModel):
    jurisdiction: str = Field(description="EU, a country code, US-XX for a state, CA-XX for a province.")
    name: str
    applicable: bool = Field(description="False when the seller is established there (the non-resident test does not apply).")
    threshold: ThresholdSpec
    total: Money = Field(description="Sales counted in the measurement window that ends on as_of.")
    previous_total: Money | None = Field(None, description="Annual tests: the previous year's total.")
    exceeded: bool | None = Field(description="Null only when the threshold could not be evaluated (see `error`).")
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
    error: ThresholdError | None = Field(
        None, exclude_if=lambda v: v is None,
        description="Present only when this threshold is not evaluated: its test needs a conversion neither the ECB "
        "rates nor `exchange_rates` can make. `exceeded`, the amounts and `remaining` are then null; no other "
        "jurisdiction is affected.")



class Rejected(BaseModel):
    row: int
    code: str
    detail: str
    partition: str | None = Field(
        None, exclude_if=lambda v: v is None,
        description="Partitioned ledgers: the file, relative to the dataset root; `row` counts inside it. Absent otherwise.")


class EcbRateUsed(BaseModel):
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
    exchange_rates: list[EcbRateUsed]
    given_exchange_rates: list[GivenExchangeRate] = Field(
        default_factory=list, description="The request's `exchange_rates` that were used, as sent.")
    warnings: list[Notice] = Field(default_factory=list)
