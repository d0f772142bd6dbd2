"""What most regimes share: services under the general B2B/B2C rules, single-level rates, exports.

A national VAT/GST regime subclasses :class:`NationalRegime`, sets its code, schemes and rule
enum, and writes its goods rules; the services rules below follow the OECD International VAT/GST
Guidelines that GB, NO, CH, IS, AU, NZ, SG, JP and CA apply (B2B: reverse charge by the customer;
B2C digital services: taxed where the customer is, collected by the platform where it is liable).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from taxapi.categories import Category
from taxapi.errors import UnsupportedScenario
from taxapi.rate_tables.model import Jurisdiction, RateBook
from taxapi.regimes.base import Collector, Context, Info, Reason, Rule, Scheme, SupplyKind, Treatment


def single_level(book: RateBook, j: Jurisdiction) -> list[tuple[Jurisdiction, str]]:
    return [(j, "national" if j.parent is None else "territory")]


class NationalRegime(ABC):
    """A regime with one tax territory (the ``Regime`` protocol's defaults for most markets).

    ``Rule`` must define ``services_domestic``, ``services_b2b_domestic``,
    ``services_b2b_reverse_charge`` and ``tbe_seller`` (and ``tbe_marketplace`` when
    ``marketplace_tbe``).
    """

    code: ClassVar[str]
    table_regimes: ClassVar[tuple[str, ...]]
    parameters: ClassVar[tuple[str, ...]] = ()
    per_item_goods: ClassVar[bool] = False
    always_breakdown: ClassVar[bool] = False
    #: Scheme of supplies by non-resident sellers and marketplaces, and by resident sellers.
    scheme: ClassVar[Scheme]
    domestic_scheme: ClassVar[Scheme]
    #: Whether marketplaces collect the tax on digital services of the sellers they facilitate.
    marketplace_tbe: ClassVar[bool] = True
    #: Rule ids of goods leaving this regime's territory (None: the generic ``export``).
    export_rules: ClassVar[tuple[StrEnum, StrEnum] | None] = None
    #: Legal source of this regime's rules, by rule-id prefix (a rate without a source cites it).
    rule_sources: ClassVar[dict[str, str]] = {}
    withholds: ClassVar[bool] = False
    own_tax_rules: ClassVar[frozenset[StrEnum]] = frozenset()
    Rule: ClassVar[type[StrEnum]]

    @abstractmethod
    def goods(self, ctx: Context) -> Treatment:
        """The treatment of the order's goods (every regime defines it)."""

    def goods_item(self, ctx: Context, category: Category, unit_value: Decimal) -> Treatment:
        return self.goods(ctx)

    def levels(self, book: RateBook, j: Jurisdiction) -> Sequence[tuple[Jurisdiction, str]]:
        return single_level(book, j)

    def finish(self, ctx: Context, items: Sequence[Any]) -> None:
        return None

    def withhold(self, ctx: Context, items: Sequence[Any], exp: Decimal) -> Decimal:
        return exp * 0

    def services(self, ctx: Context, kind: SupplyKind) -> Treatment:
        if kind is SupplyKind.admission:
            # Only the French tables map an admission category, and the EU regime decides it; a table that maps
            # one under another regime needs that regime's rule for the place of the event first.
            raise UnsupportedScenario(
                f"Admissions to events are not supported under the {self.code or 'destination'} regime.",
                errors=[{"loc": ["ship_to", "country"], "msg": "admissions to events are decided only under EU VAT",
                         "type": "unsupported_scenario"}],
            )
        dest = ctx.dest
        seller_in_dest = ctx.seller_country == dest.country
        R = self.Rule
        if kind is SupplyKind.services and not ctx.b2b:
            # General B2C rule: where the supplier is established.
            if seller_in_dest:
                return Treatment(dest.jurisdiction, Collector.seller, self.domestic_scheme, R["services_domestic"], True)
            return Treatment(None, Collector.none, Scheme.none, Rule.services_outside_scope, False, reason=Reason.outside_scope)
        if ctx.b2b:
            return self.b2b_services(ctx, seller_in_dest)
        return self.tbe_to_consumer(ctx, seller_in_dest)

    def b2b_services(self, ctx: Context, seller_in_dest: bool) -> Treatment:
        R = self.Rule
        if seller_in_dest:
            return Treatment(ctx.dest.jurisdiction, Collector.seller, self.domestic_scheme, R["services_b2b_domestic"], True)
        # B2B general rule (VAT Directive Art. 44 / 196 and national equivalents): the customer accounts for the tax.
        return Treatment(ctx.dest.jurisdiction, Collector.customer, Scheme.none, R["services_b2b_reverse_charge"], False,
                         reason=Reason.reverse_charge, info=Info.reverse_charge)

    def tbe_to_consumer(self, ctx: Context, seller_in_dest: bool) -> Treatment:
        """Digital services to consumers: taxed where the customer is."""
        dest = ctx.dest
        if ctx.facilitated and self.marketplace_tbe:
            return Treatment(dest.jurisdiction, Collector.marketplace, self.scheme, self.Rule["tbe_marketplace"], True,
                             reason=Reason.marketplace_collects)
        if not seller_in_dest:
            ctx.need_registration(dest.jurisdiction.id if dest.jurisdiction else dest.country, "tax on digital services", dest.country)
        return Treatment(dest.jurisdiction, Collector.seller, self.domestic_scheme if seller_in_dest else self.scheme,
                         self.Rule["tbe_seller"], True)

    def domestic_or_border(self, ctx: Context, domestic: StrEnum, border: StrEnum) -> Treatment:
        """Goods: a domestic sale by the seller when they start inside, else import tax at the border."""
        if ctx.origin.regime is self:
            return Treatment(ctx.dest.jurisdiction, Collector.seller, self.domestic_scheme, domestic, True)
        return ctx.border(border)


class LowValueGoodsRegime(NationalRegime):
    """A regime that taxes imported goods of low value at the point of sale, item by item (NO, AU, NZ, SG):
    the seller, or the marketplace that facilitates the sale, collects; other goods bear the tax at
    the border. ``Rule`` also defines ``domestic``, ``import_b2b``, ``import_border``,
    ``import_low_value_marketplace`` and ``import_low_value_seller``."""

    per_item_goods: ClassVar[bool] = True

    @abstractmethod
    def within_low_value(self, ctx: Context, category: Category, unit_value: Decimal) -> bool:
        """Whether an item of ``unit_value`` falls under the regime's low-value rule."""

    def goods(self, ctx: Context) -> Treatment:  # pragma: no cover - the engine asks goods_item (per_item_goods)
        raise TypeError(f"{type(self).__name__} decides goods item by item: call goods_item")

    def goods_item(self, ctx: Context, category: Category, unit_value: Decimal) -> Treatment:
        dest, R = ctx.dest, self.Rule
        if ctx.origin.regime is self:
            return Treatment(dest.jurisdiction, Collector.seller, self.domestic_scheme, R["domestic"], True)
        if ctx.b2b:
            return ctx.border(R["import_b2b"])
        if not self.within_low_value(ctx, category, unit_value):
            return ctx.border(R["import_border"])
        if ctx.facilitated:
            return self.low_value_treatment(ctx, True)
        ctx.need_registration(self.code, f"{self.code} tax at the point of sale on low-value goods")
        return self.low_value_treatment(ctx, False)

    def low_value_treatment(self, ctx: Context, marketplace: bool) -> Treatment:
        """The treatment of a low-value item collected at the sale, by the marketplace or the seller: built once
        per destination (it is asked for every item) and kept in the rate book."""
        dest = ctx.dest.jurisdiction
        key = (self.code, dest.id if dest is not None else None, marketplace)
        cache = ctx.book.memo.get("low_value_treatment") or ctx.book.cache("low_value_treatment")
        hit = cache.get(key)
        if hit is None:
            R = self.Rule
            hit = cache[key] = (
                Treatment(dest, Collector.marketplace, self.scheme, R["import_low_value_marketplace"], True,
                          reason=Reason.marketplace_collects) if marketplace
                else Treatment(dest, Collector.seller, self.scheme, R["import_low_value_seller"], True))
        return hit  # type: ignore[return-value]
