"""Who taxes what, where: the place-of-supply and liability rules per destination.

Given the facts of an order (seller establishment, where goods start and end,
marketplace, customer status, consignment value) each line gets a
:class:`Treatment`: the jurisdiction whose rate applies, whether the tax is on
this bill, who collects it, where it is reported, and the id of the rule.

Rule ids are stable and documented (``eu.distance_sale.destination``,
``gb.import.le135.omp`` ...). The legal basis of each is in the comments and in
the ``source`` of the parameters in :mod:`taxapi.orders.parameters`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from taxapi.categories import SERVICE_CATEGORIES, Category
from taxapi.ecb import REFRESH_HINT, EcbRates
from taxapi.errors import ExchangeRateNotFound, UnsupportedScenario, ValidationFailed
from taxapi.orders import parameters as P
from taxapi.orders.schemas import CalculateRequest
from taxapi.rate_tables.model import CityDependent, Jurisdiction, RateBook, keep_alive, normalise_postcode

GOODS = "goods"
#: Destinations whose low-value rules test each item's value rather than the consignment's.
ITEM_VALUE_AREAS = frozenset({"NO", "AU", "NZ", "SG"})
TBE = "tbe"  # telecom, broadcasting, electronically supplied services
SERVICES = "services"  # other services (general rule)

COUNTRY_AREAS = {
    "gb_vat": "GB", "no_vat": "NO", "ch_vat": "CH", "is_vat": "IS", "au_gst": "AU", "nz_gst": "NZ",
    "sg_gst": "SG", "jp_ct": "JP", "ca_gst": "CA", "ca_provincial": "CA", "us_sales_tax": "US",
}


@dataclass(slots=True)
class Treatment:
    """How one supply is taxed. ``jurisdiction`` None means no rate applies at all.

    Treat as immutable (not ``frozen``: a frozen dataclass costs a microsecond per instance,
    and one is made for every order).
    """

    jurisdiction: Jurisdiction | None
    collected_by: str  # seller | marketplace | customer | customs | none
    scheme: str
    rule: str
    on_bill: bool  # the tax is charged on this bill
    reason: str | None = None  # fixed taxability reason; None = derive from the rate kind
    info: str | None = None  # "reverse_charge" | "import": amount computed, not on the bill
    exempt_import: bool = False  # import tax not levied (de minimis)


@dataclass(frozen=True, slots=True)
class Place:
    """Where an address is for tax purposes."""

    jurisdiction: Jurisdiction | None
    country: str
    area: str  # EU, GB, NO, CH, ..., OUT:<territory id>, OTHER
    needs_city: CityDependent | None = None  # a shared postcode without the city that decides

    @property
    def in_eu(self) -> bool:
        return self.area == "EU"


@dataclass(slots=True)
class Context:
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

    # ----- helpers -------------------------------------------------------------------------
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
            raise ExchangeRateNotFound(
                f"{exc.detail} It is needed to compare the order with the {purpose}.",
                currency=exc.fields.get("currency"),
            ) from None
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
                "rate": format(rate.quantize(Decimal("0.000001")), "f"),
                "date": published.isoformat(),
                "purpose": purpose,
                "source": "ECB euro reference rates (cross rate via EUR), latest published on or before the order date",
            }
        return amount * rate

    def registered(self, jurisdiction_id: str, *also: str) -> bool | None:
        if self.registrations is None:
            return None
        return any(j in self.registrations for j in (jurisdiction_id, *also))

    def need_registration(self, jurisdiction: str, why: str, *also: str) -> None:
        if self.registered(jurisdiction, *also) is False:
            self.warn("registration_required", f"The seller must collect {why} but is not registered in {jurisdiction}.")


def supply_kind(category: Category) -> str:
    if category is Category.digital_services:
        return TBE
    if category in SERVICE_CATEGORIES:
        return SERVICES
    return GOODS


_PLACE_CACHE: dict[tuple[Any, ...], Place] = {}


def place_of(book: RateBook, country: str, region: str | None, postal_code: str | None, *, goods: bool,
             day: date, loc: str = "ship_to", city: str | None = None) -> Place:
    """Where an address is (cached: the rate book is immutable; errors are not cached)."""
    key = (id(book), country, region, postal_code, goods, day >= P.XI_START, loc, city)
    hit = _PLACE_CACHE.get(key)
    if hit is None:
        hit = _place_of(book, country, region, postal_code, goods=goods, day=day, loc=loc, city=city)
        if len(_PLACE_CACHE) < 100_000:
            keep_alive(book)
            _PLACE_CACHE[key] = hit
    return hit


def _place_of(book: RateBook, country: str, region: str | None, postal_code: str | None, *, goods: bool,
              day: date, loc: str, city: str | None = None) -> Place:
    cc = country.upper()
    if cc == "XI" or (cc == "GB" and postal_code and normalise_postcode(postal_code, cc).startswith("BT")):
        xi = book.jurisdictions.get("XI")
        if xi is not None and day >= xi.starts_on:
            return Place(xi, "GB", "EU" if goods else "GB")
        cc, postal_code = "GB", None  # before the Protocol, Northern Ireland was simply UK
    if book.has_regions(cc) and not book.knows_country(cc):
        if loc == "ship_from" and (not region or not book.knows_region(cc, region)):
            regime = next(j.regime for j in book.jurisdictions.values() if j.country == cc)
            return Place(None, cc, COUNTRY_AREAS.get(regime, "OTHER"))
        if not region:
            raise ValidationFailed.at(["body", loc, "region"], f"a state or province code is required for {cc} addresses")
        if not book.knows_region(cc, region):
            raise ValidationFailed.at(["body", loc, "region"], f"unknown region '{region}' of {cc}")
    if not book.knows_country(cc) and not book.has_regions(cc):
        if cc in P.EU_MEMBER_STATES:  # pragma: no cover - every Member State has a table
            raise UnsupportedScenario(f"No rate table for EU Member State {cc}.")
        return Place(None, cc, "OTHER")
    found = book.locate(cc, region, postal_code, city)
    j = found.jurisdiction
    if j.regime == "eu_vat":
        return Place(j, j.country, "EU", found.needs_city)
    if j.regime == "outside_eu_vat":
        return Place(j, j.country, "OUT:" + j.id, found.needs_city)
    return Place(j, j.country, COUNTRY_AREAS.get(j.regime, "OTHER"), found.needs_city)


def member_state(place: Place) -> str:
    """The Member State an EU place belongs to for goods (Northern Ireland counts as XI)."""
    if place.jurisdiction is not None and place.jurisdiction.id == "XI":
        return "XI"
    return place.country


# ===== rule sets per destination ============================================================


def decide(ctx: Context, kind: str) -> Treatment:
    if kind == GOODS:
        return _goods(ctx)
    return _services(ctx, kind)


# ----- goods ---------------------------------------------------------------------------------


def _goods(ctx: Context) -> Treatment:
    dest, origin = ctx.dest, ctx.origin
    area = dest.area
    if area == "EU":
        return _eu_goods(ctx)
    if area == "GB":
        return _gb_goods(ctx)
    if area == "CH":
        return _ch_goods(ctx)
    if area == "JP":
        return _jp_goods(ctx)
    if area == "CA":
        return _ca_goods(ctx)
    if area == "US":
        return _us(ctx, GOODS)
    if area == "IS":
        if origin.area == "IS":
            return Treatment(dest.jurisdiction, "seller", "domestic", "is.domestic", True)
        return _border(ctx, "is.import")
    # Destination outside every supported tax territory (or an excluded EU territory).
    return _export(ctx)


def _export(ctx: Context) -> Treatment:
    origin, dest = ctx.origin, ctx.dest
    rule = {"EU": "eu.export", "GB": "gb.export"}.get(origin.area, "export")
    if origin.area == "OTHER" and dest.area == "OTHER":
        raise ValidationFailed.at(
            ["body", "ship_to", "country"],
            f"no rate table covers {dest.country} or the origin {origin.country}: the order is outside every supported jurisdiction",
        )
    if dest.area.startswith("OUT:") and dest.jurisdiction is not None and dest.jurisdiction.periods[-1].rates_percent:
        # Goods leave the EU VAT territory; the territory's own import tax (IGIC, IPSI, octroi) is due at its border.
        return Treatment(dest.jurisdiction, "customs", "none", rule + ".territory_import_tax", False, reason="export", info="import")
    if origin.area == "OTHER":
        return Treatment(None, "none", "none", "outside_scope", False, reason="outside_scope")
    return Treatment(None, "none", "none", rule, False, reason="export")


def _border(ctx: Context, rule: str, *, exempt: bool = False) -> Treatment:
    ctx.warn("import_duty_not_included", "Customs duty and carrier fees at import are not computed.")
    return Treatment(ctx.dest.jurisdiction, "customs", "none", rule, False, reason="import_vat_at_border", info="import", exempt_import=exempt)


def _eu_seller_established(ctx: Context) -> bool:
    return bool(ctx.seller_eu_establishments)


def _eu_goods(ctx: Context) -> Treatment:
    dest, origin = ctx.dest, ctx.origin
    dest_ms, facilitated = member_state(dest), ctx.facilitated
    if ctx.day < P.EU_ECOMMERCE_START and origin.area != "EU":
        raise UnsupportedScenario(
            "Imports into the EU before 2021-07-01 (pre-IOSS low-value consignment rules) are not supported.",
            errors=[{"loc": ["body", "date"], "msg": "imports are supported from 2021-07-01"}],
        )
    if dest_ms == "XI" and origin.area == "GB" or (dest_ms == "XI" and origin.jurisdiction is not None and origin.jurisdiction.id == "XI"):
        # Goods moving within the UK (GB -> NI or NI -> NI) stay UK domestic supplies.
        return _seller_or_omp_domestic(ctx, "xi.domestic", "uk_vat")
    if origin.area == "EU":
        origin_ms = member_state(origin)
        if ctx.b2b:
            if origin_ms != dest_ms and ctx.customer_tax_country not in {None, origin_ms}:
                # Exempt intra-Community supply, Art. 138(1); the customer accounts for the acquisition (Art. 2(1)(b), 40).
                return Treatment(dest.jurisdiction, "customer", "none", "eu.b2b.intra_community_supply", False,
                                 reason="intra_community_supply", info="reverse_charge")
            return Treatment(origin.jurisdiction if origin_ms != dest_ms else dest.jurisdiction, "seller", "domestic", "eu.b2b.domestic", True)
        non_eu_seller = not _eu_seller_established(ctx)
        if facilitated and non_eu_seller and ctx.day >= P.EU_ECOMMERCE_START:
            # Art. 14a(2): the interface is deemed supplier for goods already in the EU sold by a non-EU seller;
            # the seller's supply to the interface is exempt (Art. 136a).
            rule = "eu.deemed_supplier.domestic" if origin_ms == dest_ms else "eu.deemed_supplier.distance_sale"
            return Treatment(dest.jurisdiction, "marketplace", "oss_union", rule, True, reason="marketplace_collects")
        if origin_ms == dest_ms:
            ctx.need_registration(dest.jurisdiction.id if dest.jurisdiction else dest_ms, "domestic VAT", dest_ms)
            return Treatment(dest.jurisdiction, "seller", "domestic", "eu.domestic", True)
        return _distance_sale(ctx, origin, GOODS)
    # Import from outside the EU VAT territory.
    value_eur = ctx.convert(ctx.goods_value, "EUR", "EUR 150 consignment limit (IOSS, Art. 369l)")
    if value_eur <= P.EU_IOSS_LIMIT.amount:
        if ctx.b2b:
            return _border(ctx, "eu.import.b2b")
        if facilitated:
            # Art. 14a(1): the interface is deemed supplier of imported consignments up to EUR 150 and
            # charges destination VAT at the point of sale under the IOSS (Art. 33(c), 369l).
            return Treatment(dest.jurisdiction, "marketplace", "ioss", "eu.import.ioss.deemed_supplier", True, reason="marketplace_collects")
        if ctx.order.seller.ioss:
            return Treatment(dest.jurisdiction, "seller", "ioss", "eu.import.ioss", True)
        return _border(ctx, "eu.import.le150.no_ioss")
    return _border(ctx, "eu.import.over150")


def _threshold_exceeded(ctx: Context, counted_value: Decimal) -> tuple[bool, str]:
    """Art. 59c: does the EUR 10,000 origin rule still apply to this order? Returns (destination?, rule)."""
    seller = ctx.order.seller
    totals = seller.eu_distance_sales
    if seller.eu_destination_option:
        return True, "eu.distance_sale.destination_option"
    if totals is None:
        if seller.oss == "union":
            return True, "eu.distance_sale.destination"
        ctx.warn(
            "threshold_position_unknown",
            "seller.eu_distance_sales was not sent: destination taxation is assumed, which is right above the EUR 10,000 threshold.",
        )
        return True, "eu.distance_sale.destination"
    if totals.previous_year > P.EU_DISTANCE_THRESHOLD.amount:
        return True, "eu.distance_sale.destination_previous_year"
    if totals.current_year > P.EU_DISTANCE_THRESHOLD.amount:
        return True, "eu.distance_sale.destination"
    order_eur = ctx.convert(counted_value, "EUR", "EUR 10,000 distance-sales threshold (Art. 59c)")
    if totals.current_year + order_eur > P.EU_DISTANCE_THRESHOLD.amount:
        # Art. 59c(2): the supply by which the threshold is exceeded is already taxed at destination.
        return True, "eu.distance_sale.threshold_crossed"
    return False, "eu.distance_sale.origin"


def _distance_sale(ctx: Context, origin: Place, kind: str) -> Treatment:
    dest = ctx.dest
    seller = ctx.order.seller
    one_ms = len(ctx.seller_eu_establishments) == 1
    qualifies = one_ms and (kind != GOODS or member_state(origin) in ctx.seller_eu_establishments)
    if ctx.day < P.EU_ECOMMERCE_START:
        raise UnsupportedScenario(
            "Intra-EU distance sales before 2021-07-01 (per-country thresholds) are not supported.",
            errors=[{"loc": ["body", "date"], "msg": "distance sales are supported from 2021-07-01"}],
        )
    if qualifies:
        destination, rule = _threshold_exceeded(ctx, ctx.distance_value)
    else:
        destination, rule = True, ("eu.distance_sale.destination" if one_ms or ctx.seller_eu_establishments
                                   else "eu.distance_sale.destination_non_eu_seller")
        if kind == GOODS and one_ms and member_state(origin) not in ctx.seller_eu_establishments:
            rule = "eu.distance_sale.destination_other_dispatch_state"
    if not destination:
        origin_j = origin.jurisdiction
        return Treatment(origin_j, "seller", "domestic", rule, True)
    dest_id = dest.jurisdiction.id if dest.jurisdiction else member_state(dest)
    if kind == TBE and not ctx.seller_eu_establishments:
        scheme = "oss_non_union" if seller.oss == "non_union" else "domestic"
    else:
        scheme = "oss_union" if seller.oss == "union" else "domestic"
    if scheme == "domestic":
        ctx.need_registration(dest_id, "destination VAT (or register for the OSS)", member_state(dest))
    return Treatment(dest.jurisdiction, "seller", scheme, rule, True)


def _seller_or_omp_domestic(ctx: Context, rule: str, scheme: str) -> Treatment:
    dest = ctx.dest
    overseas = ctx.seller_country not in {"GB", "XI"}
    if ctx.facilitated and overseas and not ctx.b2b:
        # VATA 1994 s.5A: online marketplace is deemed supplier of goods in the UK sold by overseas sellers.
        return Treatment(dest.jurisdiction, "marketplace", "uk_vat", rule.replace("domestic", "omp"), True, reason="marketplace_collects")
    ctx.need_registration(dest.jurisdiction.id if dest.jurisdiction else "GB", "UK VAT", "GB", "XI")
    return Treatment(dest.jurisdiction, "seller", "uk_vat", rule, True)


def _gb_goods(ctx: Context) -> Treatment:
    origin = ctx.origin
    if ctx.day < P.GB_CONSIGNMENT_LIMIT.since and origin.area != "GB":
        raise UnsupportedScenario("UK imports before 2021-01-01 are not supported.",
                                  errors=[{"loc": ["body", "date"], "msg": "UK imports are supported from 2021-01-01"}])
    if origin.area == "GB" or (origin.jurisdiction is not None and origin.jurisdiction.id == "XI"):
        return _seller_or_omp_domestic(ctx, "gb.domestic", "uk_vat")
    value = ctx.convert(ctx.goods_value, "GBP", "GBP 135 consignment limit (VATA 1994 s.7)")
    if value <= P.GB_CONSIGNMENT_LIMIT.amount:
        if ctx.b2b:
            # Business customer with a UK VAT number accounts for the VAT (reverse charge).
            return Treatment(ctx.dest.jurisdiction, "customer", "none", "gb.import.le135.b2b_reverse_charge", False,
                             reason="reverse_charge", info="reverse_charge")
        if ctx.facilitated:
            return Treatment(ctx.dest.jurisdiction, "marketplace", "uk_vat", "gb.import.le135.omp", True, reason="marketplace_collects")
        ctx.need_registration("GB", "UK VAT at the point of sale on consignments of GBP 135 or less")
        return Treatment(ctx.dest.jurisdiction, "seller", "uk_vat", "gb.import.le135.seller", True)
    return _border(ctx, "gb.import.over135")


def _ch_goods(ctx: Context) -> Treatment:
    dest, origin = ctx.dest, ctx.origin
    if origin.area == "CH":
        return Treatment(dest.jurisdiction, "seller", "ch_vat", "ch.domestic", True)
    if ctx.b2b:
        return _border(ctx, "ch.import.b2b")
    if ctx.facilitated and ctx.day >= P.CH_PLATFORM_START:
        # Art. 20a MWSTG: platforms are deemed suppliers from 2025-01-01.
        return Treatment(dest.jurisdiction, "marketplace", "ch_vat", "ch.platform", True, reason="marketplace_collects")
    if ctx.registered("CH", "LI"):
        # Mail-order rule (Art. 4a MWSTV): a registered mail-order business supplies domestically.
        return Treatment(dest.jurisdiction, "seller", "ch_vat", "ch.mail_order.registered", True)
    return Treatment(dest.jurisdiction, "customs", "none", "ch.import", False, reason="import_vat_at_border", info="import")


def _jp_goods(ctx: Context) -> Treatment:
    dest, origin = ctx.dest, ctx.origin
    if origin.area == "JP":
        return Treatment(dest.jurisdiction, "seller", "jp_ct", "jp.domestic", True)
    value = ctx.convert(ctx.goods_value + ctx.shipping_value, "JPY", "JPY 10,000 small-import exemption")
    if value <= P.JP_SMALL_IMPORT_LIMIT.amount and ctx.day < P.JP_SMALL_IMPORT_END:
        return Treatment(dest.jurisdiction, "none", "none", "jp.import.small_consignment_exempt", False,
                         reason="outside_scope", info="import", exempt_import=True)
    return _border(ctx, "jp.import")


def _ca_goods(ctx: Context) -> Treatment:
    dest, origin = ctx.dest, ctx.origin
    if ctx.order.customer.exemption is not None:
        return Treatment(dest.jurisdiction, "none", "none", "ca.customer_exempt", False, reason="customer_exempt")
    if origin.area != "CA":
        # Goods mailed or couriered from abroad: GST/HST collected by the CBSA at the border.
        return _border(ctx, "ca.import")
    if ctx.facilitated and ctx.seller_country != "CA" and not ctx.b2b:
        # Excise Tax Act s.211.1 ff.: distribution platform operators collect on qualifying goods in Canada.
        return Treatment(dest.jurisdiction, "marketplace", "ca_gst", "ca.platform.fulfilment_warehouse", True, reason="marketplace_collects")
    ctx.need_registration("CA", "GST/HST", "CA")
    return Treatment(dest.jurisdiction, "seller", "ca_gst", "ca.domestic", True)


def _us(ctx: Context, kind: str) -> Treatment:
    dest = ctx.dest
    j = dest.jurisdiction
    if j is None:
        raise ValidationFailed.at(["body", "ship_to", "region"], "a US state (e.g. \"CA\") is required for US addresses")
    state = j.id.split("-", 1)[1]
    ctx.warn("local_rate_unknown", "Only the state rate is applied: county, city and district rates are not included.")
    if ctx.order.customer.exemption is not None:
        return Treatment(j, "none", "none", "us.customer_exempt", False, reason="customer_exempt")
    if ctx.facilitated:
        return Treatment(j, "marketplace", "us_sales_tax", "us.marketplace_facilitator", True, reason="marketplace_collects")
    seller = ctx.order.seller
    has_nexus = state in seller.us_nexus or ctx.registered(j.id) or (ctx.seller_country == "US" and seller.region == state)
    if has_nexus:
        return Treatment(j, "seller", "us_sales_tax", "us.seller_nexus", True)
    return Treatment(j, "none", "none", "us.no_nexus", False, reason="not_collecting")


# ----- services ------------------------------------------------------------------------------


def _services(ctx: Context, kind: str) -> Treatment:
    dest = ctx.dest
    area = dest.area
    if area == "US":
        return _us(ctx, kind)
    if area == "OTHER" or area.startswith("OUT:"):
        if ctx.seller_eu_establishments and kind == SERVICES and not ctx.b2b:
            j = _seller_home(ctx)
            return Treatment(j, "seller", "domestic", "eu.services.supplier_establishment", True)
        return Treatment(None, "none", "none", "services.outside_scope", False, reason="outside_scope")
    seller_in_dest = (ctx.seller_country == dest.country) or (area == "EU" and dest.country in ctx.seller_eu_establishments)
    if kind == SERVICES and not ctx.b2b:
        # General B2C rule (Art. 45): where the supplier is established.
        if area == "EU" and ctx.seller_eu_establishments:
            j = _seller_home(ctx)
            return Treatment(j, "seller", "domestic", "eu.services.supplier_establishment", True)
        if seller_in_dest:
            return Treatment(dest.jurisdiction, "seller", _scheme_for(area, domestic=True), f"{area.lower()}.services.domestic", True)
        return Treatment(None, "none", "none", "services.outside_scope", False, reason="outside_scope")
    if ctx.b2b:
        if seller_in_dest:
            return Treatment(dest.jurisdiction, "seller", _scheme_for(area, domestic=True), f"{area.lower()}.services.b2b.domestic", True)
        # B2B general rule (Art. 44 / 196 and national equivalents): the customer accounts for the tax.
        return Treatment(dest.jurisdiction, "customer", "none", f"{area.lower()}.services.b2b.reverse_charge", False,
                         reason="reverse_charge", info="reverse_charge")
    # TBE services to consumers: taxed where the customer is.
    if area == "EU":
        if ctx.facilitated:
            # CIR 282/2011 Art. 9a: the platform is presumed to supply e-services in its own name.
            return Treatment(dest.jurisdiction, "marketplace", "oss_union" if _eu_seller_established(ctx) else "oss_non_union",
                             "eu.tbe.platform_art9a", True, reason="marketplace_collects")
        if ctx.seller_eu_establishments and dest.country in ctx.seller_eu_establishments and len(ctx.seller_eu_establishments) == 1:
            return Treatment(dest.jurisdiction, "seller", "domestic", "eu.tbe.domestic", True)
        return _distance_sale(ctx, Place(_seller_home(ctx), ctx.seller_country, "EU"), TBE)
    if area == "JP" and ctx.facilitated and ctx.day >= P.JP_PLATFORM_START and ctx.seller_country != "JP":
        return Treatment(dest.jurisdiction, "marketplace", "jp_ct", "jp.tbe.platform", True, reason="marketplace_collects")
    if ctx.facilitated and area in {"GB", "NO", "AU", "NZ", "SG", "CA", "CH"}:
        return Treatment(dest.jurisdiction, "marketplace", _scheme_for(area), f"{area.lower()}.tbe.marketplace", True,
                         reason="marketplace_collects")
    if not seller_in_dest:
        ctx.need_registration(dest.jurisdiction.id if dest.jurisdiction else dest.country, "tax on digital services", dest.country)
    return Treatment(dest.jurisdiction, "seller", _scheme_for(area, domestic=seller_in_dest), f"{area.lower()}.tbe.seller", True)


def _seller_home(ctx: Context) -> Jurisdiction | None:
    """The seller's home jurisdiction (its EU establishment for EU sellers)."""
    if ctx.seller_country in ctx.seller_eu_establishments or not ctx.seller_eu_establishments:
        cc = ctx.seller_country
    else:
        cc = sorted(ctx.seller_eu_establishments)[0]
    if not ctx.book.knows_country(cc):
        return None
    return ctx.book.resolve(cc)


def _scheme_for(area: str, domestic: bool = False) -> str:
    if area == "EU":
        return "domestic"
    if area == "NO" and not domestic:
        return "voec"
    return {
        "GB": "uk_vat", "NO": "domestic", "CH": "ch_vat", "AU": "au_gst", "NZ": "nz_gst", "SG": "sg_gst",
        "JP": "jp_ct", "CA": "ca_gst", "US": "us_sales_tax", "IS": "domestic",
    }.get(area, "domestic")


# ----- per-line rules (item-value tests) -----------------------------------------------------


def decide_line(ctx: Context, kind: str, category: Category, unit_value: Decimal, order_level: dict[str, Treatment]) -> Treatment:
    """Treatment of one line; the item-value regimes (NO, AU, NZ, SG) look at the unit value."""
    if kind != GOODS:
        key = kind
        if key not in order_level:
            order_level[key] = interned(decide(ctx, kind))
        return order_level[key]
    area = ctx.dest.area
    if area in ITEM_VALUE_AREAS:
        return interned(_item_rule(ctx, area, category, unit_value))
    if GOODS not in order_level:
        order_level[GOODS] = interned(decide(ctx, GOODS))
    return order_level[GOODS]


_INTERNED: dict[tuple[Any, ...], Treatment] = {}


def interned(t: Treatment) -> Treatment:
    """One object per distinct treatment, so that what is derived from it can be cached by identity.

    The cached object keeps its jurisdiction alive, so ``id(t.jurisdiction)`` in the key stays unique.
    """
    key = (id(t.jurisdiction), t.collected_by, t.scheme, t.rule, t.on_bill, t.reason, t.info, t.exempt_import)
    hit = _INTERNED.get(key)
    if hit is None:
        if len(_INTERNED) >= 100_000:
            return t
        _INTERNED[key] = hit = t
    return hit


def _item_rule(ctx: Context, area: str, category: Category, unit_value: Decimal) -> Treatment:
    dest, origin = ctx.dest, ctx.origin
    scheme = _scheme_for(area)
    if origin.area == area:
        return Treatment(dest.jurisdiction, "seller", "domestic" if area == "NO" else scheme, f"{area.lower()}.domestic", True)
    if ctx.b2b:
        return _border(ctx, f"{area.lower()}.import.b2b")
    if area == "NO":
        limit, ok_category = P.NO_VOEC_ITEM_LIMIT, category is not Category.food
        value = ctx.convert(unit_value, "NOK", "NOK 3,000 VOEC item limit")
        within = value < limit.amount and ok_category
        if ctx.day < limit.since:
            within = False
    elif area == "AU":
        limit = P.AU_LVG_LIMIT
        value = ctx.convert(unit_value, "AUD", "AUD 1,000 low-value goods limit")
        consignment = ctx.convert(ctx.goods_value, "AUD", "AUD 1,000 low-value goods limit")
        within = value <= limit.amount and consignment <= limit.amount and ctx.day >= limit.since
    elif area == "NZ":
        limit = P.NZ_LVG_LIMIT
        value = ctx.convert(unit_value, "NZD", "NZD 1,000 low-value goods limit")
        within = value <= limit.amount and ctx.day >= limit.since
    else:  # SG
        limit = P.SG_LVG_LIMIT
        value = ctx.convert(unit_value, "SGD", "SGD 400 low-value goods limit")
        within = value <= limit.amount and ctx.day >= limit.since and ctx.order.transport_mode in {"post", "air", "courier"}
    if not within:
        return _border(ctx, f"{area.lower()}.import.border")
    if ctx.facilitated:
        return Treatment(dest.jurisdiction, "marketplace", scheme, f"{area.lower()}.import.low_value.marketplace", True,
                         reason="marketplace_collects")
    ctx.need_registration(area, f"{area} tax at the point of sale on low-value goods")
    return Treatment(dest.jurisdiction, "seller", scheme, f"{area.lower()}.import.low_value.seller", True)
