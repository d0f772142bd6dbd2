"""Request and response models of ``POST /v1/calculate`` (contract: api.md §1)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from taxapi.categories import Category, RateKind
from taxapi.money import MAX_MAGNITUDE, DecimalStr
from taxapi.orders.results import Warning
from taxapi.regimes.base import Collector, Reason, Scheme
from taxapi.wire import IsoDate

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True, strip_whitespace=True)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$", to_upper=True, strip_whitespace=True)]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,3}$", to_upper=True, strip_whitespace=True)]
Registration = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,12})?$", to_upper=True, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(max_length=200)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Address(_Model):
    country: CountryCode
    region: RegionCode | None = None
    postal_code: Annotated[str, StringConstraints(max_length=16)] | None = None
    city: Text | None = Field(
        None, description="The town (in Mexico the municipio): it decides where a postcode is shared by places taxed "
        "differently, such as the towns around Livigno or Mexico's border-region municipalities.",
    )


class Origin(_Model):
    country: CountryCode
    region: RegionCode | None = None
    postal_code: Annotated[str, StringConstraints(max_length=16)] | None = None


class DistanceSales(_Model):
    previous_year: DecimalStr = Field(description="EUR, net, intra-EU B2C distance sales + TBE services of the previous calendar year")
    current_year: DecimalStr = Field(description="EUR, net, the same for the current calendar year before this order")


class Seller(_Model):
    country: CountryCode
    type: Literal["business", "individual"] = Field(
        "business", description="A business (a company or a sole trader trading as one), or a private individual: "
        "marketplace withholdings differ (Mexico, Vietnam, Indonesia).",
    )
    payout_country: CountryCode | None = Field(
        None, description="Where the marketplace pays the seller (the country of the payout account); default `country`. "
        "Mexico withholds all the IVA from payouts abroad from 2026.",
    )
    payouts_this_year: DecimalStr | None = Field(
        None, description="In the order currency: what the marketplace has paid the seller this calendar year before this "
        "order, for withholdings that start above a threshold (the Philippines' PHP 500,000; Indonesia's IDR 500 million "
        "for individuals). Not sent: the withholding is applied and a warning says the threshold was not tested.",
    )
    region: RegionCode | None = None
    other_establishments: list[CountryCode] = Field(default_factory=list, max_length=50)
    registrations: list[Registration] | None = Field(
        None, max_length=300,
        description="Jurisdictions where the seller is registered to collect. When sent, a missing registration is warned about.",
    )
    oss: Literal["union", "non_union"] | None = None
    ioss: bool = False
    eu_distance_sales: DistanceSales | None = None
    eu_destination_option: bool = False
    us_nexus: list[RegionCode] = Field(default_factory=list, max_length=60)


class Marketplace(_Model):
    name: Text
    facilitates: bool = True
    remessa_conforme: bool = Field(
        False, description="The marketplace is certified in Brazil's Remessa Conforme programme (Receita Federal): it "
        "collects the import tax and the state's ICMS at checkout on parcels up to USD 3,000.",
    )


class Customer(_Model):
    type: Literal["consumer", "business"] = "consumer"
    tax_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    exemption: Literal["resale", "government", "nonprofit", "other"] | None = None
    imports_this_half_year: int | None = Field(
        None,
        description="Cross-border purchases the customer (as importer) has already cleared this half-year (January-June or "
        "July-December), 0 to 100,000, for limits on the number of duty-free imports (Taiwan: the NT$2,000 exemption covers "
        "six per half-year). Not sent: the exemption is applied and a warning says the count was not tested.",
    )

    @field_validator("imports_this_half_year")
    @classmethod
    def _a_count(cls, value: int | None) -> int | None:
        # Checked here rather than with ge/le: the OpenAPI writer would print the bounds as floats.
        if value is not None and not 0 <= value <= 100_000:
            raise PydanticCustomError("value_error", "must be between 0 and 100,000")
        return value


class Line(_Model):
    id: Annotated[str, StringConstraints(max_length=100)] | None = None
    quantity: DecimalStr = Field(default=Decimal(1), description="Positive, at most 6 decimals.")
    unit_price: DecimalStr | None = Field(None, description="Price of one unit; give this or `amount`.")
    amount: DecimalStr | None = Field(None, description="Line total before discount; give this or `unit_price`.")
    discount: DecimalStr | None = Field(None, description="Discount on the line total.")
    category: Category = Category.general
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    excise_goods: bool = Field(False, description="Alcohol, tobacco or energy products: refused (not computed).")

    @field_validator("unit_price")
    @classmethod
    def _product_fits(cls, price: Decimal | None, info: ValidationInfo) -> Decimal | None:
        quantity = info.data.get("quantity")
        if price is not None and quantity is not None and abs(price * quantity) >= MAX_MAGNITUDE:
            raise _too_large("quantity × unit_price")
        return price

    def total(self) -> Decimal:
        """The line's amount before discount, for the size check of the order."""
        if self.amount is not None:
            return abs(self.amount)
        return abs((self.unit_price or Decimal(0)) * self.quantity)


def _too_large(what: str) -> PydanticCustomError:
    return PydanticCustomError("amount_too_large", "{what} must stay below 10^15 (what an amount on the wire can carry)",
                               {"what": what})


class Shipping(_Model):
    amount: DecimalStr


class ExchangeRate(_Model):
    from_currency: CurrencyCode
    to_currency: CurrencyCode
    rate: DecimalStr = Field(description="Units of `to_currency` for one unit of `from_currency`; positive.")
    source: Text | None = Field(None, description="Where the rate comes from (a central bank's rate of the order date ...).")
    date: IsoDate | None = Field(
        None, description="The first day the rate applies: of the rates given for a pair, the latest dated on or before "
        "the day of the conversion (the order date, a sale's date) is used. Without a date the rate applies on every day.",
    )

    @field_validator("rate")
    @classmethod
    def _positive(cls, rate: Decimal) -> Decimal:
        if rate <= 0:
            raise ValueError("must be positive")
        return rate


class CalculateRequest(_Model):
    date: IsoDate
    currency: CurrencyCode
    prices_include_tax: bool = False
    rounding: Literal["per_line", "per_document"] = "per_line"
    seller: Seller
    marketplace: Marketplace | None = None
    customer: Customer = Customer()
    ship_from: Origin
    ship_to: Address
    transport_mode: Literal["post", "courier", "air", "sea", "road", "rail"] = Field(
        "post", description="How imported goods travel (Singapore's point-of-sale rule covers air and post only)."
    )
    lines: list[Line] = Field(min_length=1, max_length=1000)
    shipping: Shipping | None = None
    exchange_rates: list[ExchangeRate] = Field(
        default_factory=list, max_length=20,
        description="Rates for the conversions the shipped ECB rates cannot make (CLP, COP, VND, TWD, SAR, AED ...), "
        "used only for those: a limit in such a currency is otherwise a problem naming the currency pair.",
    )

    @field_validator("lines")
    @classmethod
    def _total_fits(cls, lines: list[Line]) -> list[Line]:
        if sum((line.total() for line in lines), Decimal(0)) >= MAX_MAGNITUDE:
            raise _too_large("the sum of the lines")
        return lines


# The response of POST /v1/calculate is :class:`taxapi.orders.results.OrderResult` (schema and
# serializer in :mod:`taxapi.orders.wire`); its vocabularies are the engine's enums.
RateKindOut = RateKind
CollectedBy = Collector
__all__ = ["CalculateRequest", "CollectedBy", "RateKindOut", "Reason", "Scheme", "Warning"]
