"""The contract every tax regime implements, and the vocabulary of its answers.

A regime (EU VAT, UK VAT, Canadian GST/HST ...) decides, for the facts of one order
(:class:`Context`), how each line is taxed: a :class:`Treatment` naming the jurisdiction
whose rate applies, who collects the tax, where it is reported, why, and the id of the rule.
Regimes are found by the ``regime`` of a rate table through :mod:`taxapi.regimes` (the
registry); the order engine (:mod:`taxapi.orders.service`) does the arithmetic and never
asks which regime it is talking to.

Country-code gotchas, written down once: Greece is ``GR`` (ISO) but its VAT prefix is ``EL``;
Northern Ireland has the pseudo-code ``XI`` and is inside the EU VAT area for goods only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol

from taxapi.categories import ADMISSION_CATEGORIES, SERVICE_CATEGORIES, Category, _Vocabulary
from taxapi.ecb import REFRESH_HINT, EcbRates, given_rate
from taxapi.errors import ExchangeRateNotFound, UnsupportedScenario
from taxapi.money import DecimalOut
from taxapi.rate_tables.model import CityDependent, Jurisdiction, RateBook
from taxapi.rate_tables.parameters import Limit, Parameter

if TYPE_CHECKING:
    from taxapi.orders.schemas import CalculateRequest


class Collector(_Vocabulary):
    """Who collects the tax of a line."""

    seller = "seller"
    marketplace = "marketplace"
    customer = "customer"  # reverse charge / acquisition
    customs = "customs"  # at import
    none = "none"


class Scheme(_Vocabulary):
    """Where the tax is reported."""

    domestic = "domestic"
    oss_union = "oss_union"
    oss_non_union = "oss_non_union"
    ioss = "ioss"
    uk_vat = "uk_vat"
    voec = "voec"
    us_sales_tax = "us_sales_tax"
    ca_gst = "ca_gst"
    au_gst = "au_gst"
    nz_gst = "nz_gst"
    sg_gst = "sg_gst"
    jp_ct = "jp_ct"
    ch_vat = "ch_vat"
    none = "none"


class Reason(_Vocabulary):
    """Why a line is taxed as it is (``taxability_reason``)."""

    standard_rated = "standard_rated"
    reduced_rated = "reduced_rated"
    zero_rated = "zero_rated"
    product_exempt = "product_exempt"
    reverse_charge = "reverse_charge"
    intra_community_supply = "intra_community_supply"
    export = "export"
    not_collecting = "not_collecting"
    marketplace_collects = "marketplace_collects"
    import_vat_at_border = "import_vat_at_border"
    customer_exempt = "customer_exempt"
    outside_scope = "outside_scope"


class Info(_Vocabulary):
    """Tax computed for information, not charged on this bill."""

    reverse_charge = "reverse_charge"
    import_ = "import"


class SupplyKind(_Vocabulary):
    goods = "goods"
    tbe = "tbe"  # telecom, broadcasting, electronically supplied services
    services = "services"  # other services (general rule)
    admission = "admission"  # admission to an event: taxed where it takes place (VAT Directive Art. 53, 54(1))


class RuleId(StrEnum):
    """Base of the rule-id enums: stable, documented ids such as ``gb.import.le135.omp``.

    Hashes like its string (as :class:`~taxapi.categories.Category` does), which keeps the
    hash consistent with the ``str`` equality a ``StrEnum`` has, and cheap.
    """

    __hash__ = str.__hash__


class Rule(RuleId):
    """Rule ids that belong to no one regime. Each regime module has its own ``Rule`` enum."""

    export = "export"
    export_territory_import_tax = "export.territory_import_tax"
    outside_scope = "outside_scope"
    services_outside_scope = "services.outside_scope"
    shipping_apportioned = "shipping.apportioned"


def supply_kind(category: Category) -> SupplyKind:
    if category is Category.digital_services:
        return SupplyKind.tbe
    if category in ADMISSION_CATEGORIES:
        return SupplyKind.admission
    if category in SERVICE_CATEGORIES:
        return SupplyKind.services
    return SupplyKind.goods


class Treatment(NamedTuple):
    """How one supply is taxed. ``jurisdiction`` None means no rate applies at all.

    A named tuple: immutable, hashed and compared in C (rate groups are found by its content).
    """

    jurisdiction: Jurisdiction | None
    collected_by: Collector
    scheme: Scheme
    rule: RuleId
    on_bill: bool  # the tax is charged on this bill
    reason: Reason | None = None  # fixed taxability reason; None = derive from the rate kind
    info: Info | None = None  # amount computed, not on the bill
    exempt_import: bool = False  # import tax not levied (de minimis)


class Withholding(NamedTuple):
    """What a party (the marketplace) withholds from the seller's payout for one line (Mexico's IVA and
    ISR, India's TCS ...): ``rate_percent`` of ``base_amount``, by the rule and source of the regime's
    parameter. Set by a regime's ``withhold``; written on a line only when there is one."""

    tax: str  # vat, income_tax, tcs ...
    collected_by: Collector
    jurisdiction: str
    rate_percent: DecimalOut
    base_amount: DecimalOut
    amount: DecimalOut
    rule: str
    source: str


@dataclass(frozen=True, slots=True)
class Place:
    """Where an address is for tax purposes: its jurisdiction and the regime that taxes it there
    (:data:`taxapi.regimes.eu_vat.ELSEWHERE` where no rate table covers it)."""

    jurisdiction: Jurisdiction | None
    country: str
    regime: Regime
    needs_city: CityDependent | None = None  # a shared postcode without the city that decides

    @property
    def in_eu(self) -> bool:
        return self.regime.code == "EU"


@dataclass(slots=True)
class Context:
    """The facts of one order a regime decides on, and what the decision found on the way."""

    order: CalculateRequest
    book: RateBook
    fx: EcbRates
    day: date
    dest: Place
    origin: Place
    seller_country: str
    seller_eu_establishments: frozenset[str]
    b2b: bool
    customer_tax_country: str | None
    facilitated: bool
    registrations: frozenset[str] | None
    warnings: dict[str, str] = field(default_factory=dict)
    conversions: dict[tuple[str, str, str], dict[str, str]] = field(default_factory=dict)
    goods_value: Decimal = Decimal(0)  # net value of the goods lines in order currency (no shipping)
    distance_value: Decimal = Decimal(0)  # net value counting towards the EUR 10,000 threshold
    shipping_value: Decimal = Decimal(0)

    def warn(self, code: str, detail: str) -> None:
        self.warnings.setdefault(code, detail)

    def convert(self, amount: Decimal, to_currency: str, purpose: str) -> Decimal:
        """``amount`` in the order currency expressed in ``to_currency`` at the ECB rate of the order date."""
        src = self.order.currency
        if src == to_currency:
            return amount
        try:
            a = self.fx.on_or_before(src, self.day, strict=False)
            b = self.fx.on_or_before(to_currency, self.day, strict=False)
        except ExchangeRateNotFound as exc:
            return amount * self._given_rate(src, to_currency, purpose, exc)
        published = min(a.date, b.date) if src != "EUR" and to_currency != "EUR" else (a.date if src != "EUR" else b.date)
        if self.day > self.fx.last_date:
            self.warn(
                "exchange_rate_stale",
                f"The shipped ECB rates end on {self.fx.last_date.isoformat()}; the latest published rate was used. "
                + REFRESH_HINT,
            )
        rate = b.rate / a.rate
        key = (src, to_currency, purpose)
        if key not in self.conversions:
            self.conversions[key] = {
                "from_currency": src,
                "to_currency": to_currency,
                "rate": rate.quantize(Decimal("0.000001")),
                "date": published,
                "purpose": purpose,
                "source": "ECB euro reference rates (cross rate via EUR), latest published on or before the order date",
            }
        return amount * rate

    def _given_rate(self, src: str, to_currency: str, purpose: str, exc: ExchangeRateNotFound) -> Decimal:
        """The order's own rate from ``src`` to ``to_currency`` (``exchange_rates``, either direction), for a
        conversion the ECB rates cannot make; none sent is a problem naming the currency pair."""
        match = given_rate(self.order.exchange_rates, src, to_currency, self.day)
        if match is not None:
            given, rate = self.order.exchange_rates[match.index], match.rate
            key = (src, to_currency, purpose)
            if key not in self.conversions:
                self.conversions[key] = {
                    "from_currency": src, "to_currency": to_currency, "rate": rate.quantize(Decimal("0.000001")),
                    "date": given.date or self.day, "purpose": purpose,
                    "source": given.source or "exchange_rates of the order (the ECB publishes no rate for this pair)",
                }
            return rate
        raise ExchangeRateNotFound(
            f"No exchange rate from {src} to {to_currency}: {exc.detail} It is needed to compare the order with the "
            f"{purpose}. Send the rate in exchange_rates.",
            currency=exc.fields.get("currency"), from_currency=src, to_currency=to_currency,
            errors=[{"loc": ["exchange_rates"], "msg": f"no rate from {src} to {to_currency} (needed for the {purpose})"},
                    {"loc": ["currency"], "msg": f"no ECB reference rate from {src} to {to_currency} (needed for the {purpose})"}],
        ) from None

    def registered(self, jurisdiction_id: str, *also: str) -> bool | None:
        if self.registrations is None:
            return None
        return any(j in self.registrations for j in (jurisdiction_id, *also))

    def need_registration(self, jurisdiction: str, why: str, *also: str) -> None:
        if self.registered(jurisdiction, *also) is False:
            self.warn("registration_required", f"The seller must collect {why} but is not registered in {jurisdiction}.")

    # ----- parameters ----------------------------------------------------------------------------
    def parameter(self, regime: Regime, name: str) -> Parameter:
        """The regime's dated parameter ``name`` (``rates/parameters/<code>.json``)."""
        return self.book.parameters[regime.code].parameters[name]

    def limit(self, regime: Regime, name: str) -> Limit | None:
        """The regime's value limit ``name`` in force on the order date (None: the rule does not apply)."""
        return self._limits(regime, name)[0]

    def value(self, regime: Regime, name: str) -> Any:
        """The percent, count, code or flag of the regime's parameter ``name`` in force on the order date (None:
        not in force), kept in the rate book per regime, name and day."""
        key = (regime.code, name, self.day)
        cache = self.book.memo.get("values") or self.book.cache("values")
        try:
            return cache[key]
        except KeyError:
            found = cache[key] = self.book.parameters[regime.code].parameters[name].value(self.day)
            return found

    def _limits(self, regime: Regime, name: str) -> tuple[Limit | None, Limit | None]:
        """The value limit ``name`` in force on the order date, and the one that words a comparison with it (the
        newest, in force or not), kept in the rate book per regime, name and day (a bisect and a scan)."""
        key = (regime.code, name, self.day)
        cache = self.book.memo.get("limits") or self.book.cache("limits")
        hit = cache.get(key)
        if hit is None:
            param = self.book.parameters[regime.code].parameters[name]
            limit = param.limit(self.day)
            hit = (limit, limit or param.nominal)
            if len(cache) < 100_000:
                cache[key] = hit
        return hit  # type: ignore[return-value]

    def compare(self, amount: Decimal, regime: Regime, name: str, what: str) -> tuple[Decimal, Limit | None]:
        """``amount`` converted into the currency of the regime's value limit ``name``, and the limit in
        force on the order date (None: not in force). ``what`` names the limit after its amount
        ("VOEC item limit" gives the conversion purpose "NOK 3,000 VOEC item limit")."""
        limit, nominal = self._limits(regime, name)
        assert nominal is not None, f"{regime.code} {name} has no amount"
        if nominal.currency == self.order.currency:
            return amount, limit
        return self.convert(amount, nominal.currency, f"{nominal.currency} {nominal.amount:,} {what}"), limit

    def in_force(self, regime: Regime, name: str) -> bool:
        return self.book.parameters[regime.code].parameters[name].in_force(self.day)

    def starts_on(self, regime: Regime, name: str) -> date:
        return self.book.parameters[regime.code].parameters[name].starts_on

    def border(self, rule: StrEnum, *, exempt: bool = False, duty_free: bool = False,
               jurisdiction: Jurisdiction | None = None, duty_note: str | None = None) -> Treatment:
        """Import tax collected by customs at the border of ``jurisdiction`` (default: the destination's). Duty is
        not computed: unless ``duty_free`` (the consignment is below the market's duty limit), a warning says so, in
        the regime's words where it gives them (``duty_note``: what else its tax at import leaves out).
        The treatment is built once per jurisdiction, rule and exemption (kept in the rate book)."""
        if not duty_free:
            self.warn("import_duty_not_included", duty_note or "Customs duty and carrier fees at import are not computed.")
        j = jurisdiction or self.dest.jurisdiction
        key = (j.id if j is not None else None, rule, exempt)
        cache = self.book.memo.get("border") or self.book.cache("border")
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = Treatment(j, Collector.customs, Scheme.none, rule, False, reason=Reason.import_vat_at_border,
                                         info=Info.import_, exempt_import=exempt)
        return hit  # type: ignore[return-value]

    def unsupported_before(self, regime: Regime, name: str, detail: str, msg: str) -> None:
        """Refuse an order dated before parameter ``name`` starts: its earlier rules are not computed.

        ``detail`` and ``msg`` say what is refused; ``{start}`` in them is the start date.
        """
        start = self.starts_on(regime, name)
        if self.day < start:
            text = start.isoformat()
            raise UnsupportedScenario(detail.format(start=text),
                                      errors=[{"loc": ["date"], "msg": msg.format(start=text), "type": "unsupported_scenario"}])


class Regime(Protocol):
    """One tax regime: the rules of the jurisdictions whose rate tables name one of its ``table_regimes``.

    A module implementing it has a docstring naming the tax (official and local name), the law,
    and ``More information:`` links; its dated legal parameters are in
    ``rates/parameters/<code>.json``, listed in ``parameters``.
    """

    #: The regime's code: its parameters file (``rates/parameters/<code>.json``), rule-id prefix.
    code: ClassVar[str]
    #: The ``regime`` values of the rate tables it governs.
    table_regimes: ClassVar[tuple[str, ...]]
    #: The parameter names the rules read (checked when the rate book is loaded).
    parameters: ClassVar[tuple[str, ...]]
    #: Whether goods lines are decided item by item (a low-value test per item, not per order).
    per_item_goods: ClassVar[bool]
    #: Whether every line shows its tax by level, even with one level (US: the state).
    always_breakdown: ClassVar[bool]
    #: Rule ids of goods leaving this regime's territory for elsewhere (None: the generic ``export``).
    export_rules: ClassVar[tuple[StrEnum, StrEnum] | None]
    #: Legal source of the rules, by rule-id prefix (cited by a line whose rate has no source).
    rule_sources: ClassVar[dict[str, str]]
    #: Whether a marketplace may withhold from the seller's payout under this regime (``withhold`` is asked).
    withholds: ClassVar[bool]
    #: The rules whose items' tax ``finish`` computes: the engine leaves them at nothing (no tax, raw or import tax).
    own_tax_rules: ClassVar[frozenset[StrEnum]]

    def goods(self, ctx: Context) -> Treatment:
        """The treatment of the order's goods (``per_item_goods`` regimes: of a goods item, see ``goods_item``)."""
        ...

    def goods_item(self, ctx: Context, category: Category, unit_value: Decimal) -> Treatment:
        """The treatment of one goods line, by its unit value (only asked when ``per_item_goods``)."""
        ...

    def services(self, ctx: Context, kind: SupplyKind) -> Treatment:
        """The treatment of services (``tbe``, ``admission`` to an event, or other ``services``) supplied to the
        destination (for an admission, ``ship_to`` is where the event takes place)."""
        ...

    def levels(self, book: RateBook, j: Jurisdiction) -> Sequence[tuple[Jurisdiction, str]]:
        """The jurisdictions whose rates add up to the rate of ``j``, with their level names."""
        ...

    def finish(self, ctx: Context, items: Sequence[Any]) -> None:
        """After the tax of every item is computed: adjust items for rules on the order's total
        (the Swiss CHF 5 de minimis). A regime that withholds per line, or splits the tax by level,
        does it here and in ``levels``; the core does not change. Items under ``own_tax_rules`` come
        here untaxed: their tax is computed here only."""
        ...

    def withhold(self, ctx: Context, items: Sequence[Any], exp: Decimal) -> Decimal:
        """Set what the marketplace withholds from the seller's payout on each item (a line or its share of
        shipping, with its final ``net``, ``tax`` and ``gross``): ``item.withholdings``, a tuple of
        :class:`Withholding` at the currency's minor units ``exp``; the shipping's (computed on each share, summed per
        record over the shares, in the order they first appear) on its first share (``index`` < 0), the other shares
        none. Returns their sum (``totals.withheld_by_marketplace``), in minor units. Only asked when ``withholds`` and a
        marketplace facilitates the sale (``ctx.facilitated``)."""
        ...
