"""Who taxes what, where: the place of each address, and the regime that decides each line.

Given the facts of an order (:class:`~taxapi.regimes.base.Context`), each line gets a
:class:`~taxapi.regimes.base.Treatment` from the destination's regime (:mod:`taxapi.regimes`):
the jurisdiction whose rate applies, whether the tax is on this bill, who collects it, where it
is reported, and the id of the rule. Rule ids are stable and documented per regime module
(``eu.distance_sale.destination``, ``gb.import.le135.omp`` ...); their legal parameters are dated
data in ``rates/parameters/``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from taxapi.categories import Category
from taxapi.errors import UnsupportedScenario, ValidationFailed
from taxapi.rate_tables.model import RateBook, is_northern_ireland_postcode
from taxapi.regimes import ELSEWHERE, regime_of
from taxapi.regimes.base import Context, Place, SupplyKind, Treatment, supply_kind
from taxapi.regimes.eu_vat import EU_VAT
from taxapi.regimes.gb_vat import GB_VAT
from taxapi.regimes.us_sales_tax import state_of_zip

__all__ = ["Context", "Place", "SupplyKind", "Treatment", "decide_line", "place_of", "supply_kind"]

NORTHERN_IRELAND = "XI"


def place_of(book: RateBook, country: str, region: str | None, postal_code: str | None, *, goods: bool,
             day: date, loc: str = "ship_to", city: str | None = None) -> Place:
    """Where an address is (cached in the book: its tables are immutable; errors are not cached).

    Only UK addresses depend on the day (Northern Ireland from the Protocol on), so only theirs
    are cached per day.
    """
    # Where no postcode rule of the tables can decide (a US address with its state: the ZIP code picks the
    # local rates, in the US regime), every postcode of the region is one place.
    pc = postal_code if postal_code is not None and (not region or country in _UK or book.has_postcode_rules(country)) else None
    key = (country, region, pc, goods, loc, day if country in _UK else None, city)
    cache = book.memo.get("place") or book.cache("place")
    hit = cache.get(key)
    if hit is None:
        hit = _place_of(book, country, region, postal_code, goods=goods, day=day, loc=loc, city=city)
        if len(cache) < 100_000:
            cache[key] = hit
    return hit  # type: ignore[return-value]


_UK = frozenset({"GB", NORTHERN_IRELAND})  # codes arrive upper-cased by the request models


def _place_of(book: RateBook, country: str, region: str | None, postal_code: str | None, *, goods: bool,
              day: date, loc: str, city: str | None = None) -> Place:
    cc = country.upper()
    if cc == NORTHERN_IRELAND or (cc == "GB" and is_northern_ireland_postcode(postal_code)):
        xi = book.jurisdictions.get(NORTHERN_IRELAND)
        if xi is not None and day >= xi.starts_on:
            # Windsor Framework: inside the EU VAT area for goods, the UK's for services.
            return Place(xi, "GB", EU_VAT if goods else GB_VAT)
        cc, postal_code = "GB", None  # before the Protocol, Northern Ireland was simply UK
    if book.has_regions(cc) and not book.knows_country(cc):
        if loc == "ship_from" and (not region or not book.knows_region(cc, region)):
            return Place(None, cc, regime_of(next(j for j in book.jurisdictions.values() if j.country == cc)))
        if not region and cc == "US":
            region = state_of_zip(book, postal_code, loc)  # the state a ZIP code belongs to, where the tables know it
        if not region:
            raise ValidationFailed.at([loc, "region"], f"a state or province code is required for {cc} addresses")
        if not book.knows_region(cc, region):
            raise ValidationFailed.at([loc, "region"], f"unknown region '{region}' of {cc}")
    if not book.knows_country(cc) and not book.has_regions(cc):
        if cc in book.eu_members.on(day):  # pragma: no cover - every Member State has a table
            raise UnsupportedScenario(f"No rate table for EU Member State {cc}.")
        return Place(None, cc, ELSEWHERE)
    found = book.locate(cc, region, postal_code, city)
    j = found.jurisdiction
    return Place(j, j.country, regime_of(j), found.needs_city)


_GOODS = SupplyKind.goods  # read once: an enum member looked up on its class costs ~0.2 us


def decide_line(ctx: Context, kind: SupplyKind, category: Category, unit_value: Decimal,
                order_level: dict[SupplyKind, Treatment]) -> Treatment:
    """Treatment of one line. Regimes with per-item goods rules (NO, AU, NZ, SG) look at its unit value;
    otherwise every line of a kind shares the order's treatment (decided once, kept in ``order_level``)."""
    regime = ctx.dest.regime
    if kind is _GOODS and regime.per_item_goods:
        return regime.goods_item(ctx, category, unit_value)
    hit = order_level.get(kind)
    if hit is None:
        hit = order_level[kind] = regime.goods(ctx) if kind is _GOODS else regime.services(ctx, kind)
    return hit
