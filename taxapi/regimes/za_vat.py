"""South African VAT (Value-Added Tax).

Value-Added Tax Act 89 of 1991: 15 % (s.7(1); the rise to 15.5 % was withdrawn). Parcels at or below
ZAR 500 (goods value) pay a 20 % flat rate instead of duty (rule ``za.import.flat_rate``), on the
customs value, which in South Africa is FOB (the shipping charged is not part of it). Until
2024-08-31 the flat rate was all; from 2024-09-01 VAT is added, on the added tax value of s.13(2):
customs value + the flat-rate duty + 10 % of the customs value. Both are due at import (collected by
customs), shown in ``tax_due_at_import`` with the line's ``breakdown`` (``import_duty`` and
``vat``). The same computation is kept after the flat rate's reconfiguration of 2024-11-01, for
which no other rate or base was found (the parameters' note says so). Goods sold from a South
African warehouse are a domestic sale by the seller (registration above R1 million; no marketplace
rule). Foreign suppliers of electronic services register once their supplies pass R1 million in 12
months (s.23; R50,000 before 2019-04-01).

The dated limits, rates and start dates are in ``rates/parameters/ZA.json``.

More information:

* https://www.sars.gov.za/types-of-tax/value-added-tax/
* https://www.gov.za/documents/value-added-tax-act

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("za_vat").code
'ZA'
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from taxapi.categories import RateKind
from taxapi.money import exponent, fmt_percent, minor_units
from taxapi.rate_tables.combined import CombinedRate, Level
from taxapi.regimes.base import Context, Treatment
from taxapi.regimes.market import _HALF_UP, MarketRegime, market_rules

Rule = market_rules("za", import_flat_rate="import.flat_rate")
_FLAT_RATE = Rule.import_flat_rate  # read once: an enum member looked up on its class costs ~0.2 us

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_NOT_TAXED = frozenset({RateKind.exempt, RateKind.none})
_NAME = "South Africa"
_CODE = "ZA"  # the regime's code, written in every breakdown record
_new_tuple = tuple.__new__  # a named tuple without its Python-level __new__


class ZaVat(MarketRegime):
    code: ClassVar[str] = _CODE
    table_regimes: ClassVar[tuple[str, ...]] = ("za_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_flat_rate_limit", "lvg_flat_rate", "lvg_vat_on_flat_rate_parcels", "lvg_vat_uplift")
    rule_sources: ClassVar[dict[str, str]] = {"za": "https://www.sars.gov.za/types-of-tax/value-added-tax/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    own_tax_rules: ClassVar[frozenset[StrEnum]] = frozenset({_FLAT_RATE})  # the duty and VAT: :meth:`finish`

    def goods(self, ctx: Context) -> Treatment:
        if ctx.origin.regime is not self:
            value, limit = ctx.compare(ctx.goods_value, self, "lvg_flat_rate_limit", "flat-rate parcel limit")
            if limit is not None and value <= limit.amount:
                return ctx.border(Rule.import_flat_rate, duty_free=True)
        return super().goods(ctx)

    def finish(self, ctx: Context, items: Sequence[Any]) -> None:
        """A flat-rate parcel's duty (the flat rate of the FOB value) and, from 2024-09-01, its VAT on the added tax
        value, each rounded per line; its shipping bears neither (not in the FOB customs value). The line's rate is
        the two as a share of the value, flat + VAT x (1 + uplift + flat): 39.5 % (the amounts within a cent of it).

        The order's flat-rate lines share the destination, the day and the currency: what those decide is read once
        per order (:meth:`layout`), and what a line of one category bears once per table rate (:meth:`plan`, kept in
        the layout); per line only the two amounts and their breakdown records are computed."""
        layout = None
        quantize = _HALF_UP.quantize
        for it in items:
            if it.treatment.rule is not _FLAT_RATE:
                continue
            if layout is None:
                layout = self.layout(ctx, it.rate)
                freight, flat, uplift, exp, flat_percent, entry, plans = layout
            if it.index < 0:  # a share of the shipping (after the lines it follows): not in the FOB customs value
                it.rate = freight
                it.info_tax = it.tax  # nothing, at the minor unit (the engine computes no tax of the rule)
                continue
            plan = plans.get(it.category)
            if plan is None or plan[0] is not it.rate:
                plan = self.plan(ctx, layout, it.category, it.rate)
            it.rate = plan[1]
            base = it.base
            duty = quantize(base * flat, exp)
            vat = plan[2]
            if vat:
                tax = quantize((base * uplift + duty) * vat, exp)
                it.breakdown = (_new_tuple(entry, (_CODE, "import_duty", flat_percent, duty, _NAME)),
                                _new_tuple(entry, (_CODE, "vat", plan[3], tax, _NAME)))
                it.info_tax = duty + tax
            else:
                it.breakdown = (_new_tuple(entry, (_CODE, "import_duty", flat_percent, duty, _NAME)),)
                it.info_tax = duty

    def layout(self, ctx: Context, table: CombinedRate) -> tuple[Any, ...]:
        """What a flat-rate parcel bears on the order date in the jurisdiction of the table rate ``table`` (kept in the
        rate book by jurisdiction, day and currency): the shipping's rate, the duty fraction, the uplifted value
        factor, the currency's minor unit, the duty percent, the breakdown record, and the plans of the categories met
        so far (:meth:`plan`), by category."""
        key = (table.jurisdiction, ctx.day, ctx.order.currency)
        cache = ctx.book.memo.get("za_flat_rate") or ctx.book.cache("za_flat_rate")
        hit = cache.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        # Imported on a miss only: the results read the regimes' vocabulary (imported late), and an import statement
        # runs the import machinery each time it is reached.
        from taxapi.orders.results import BreakdownEntry

        flat, _ = self.percent(ctx, "lvg_flat_rate")
        uplift, uplift_source = self.percent(ctx, "lvg_vat_uplift")
        freight = CombinedRate(self.code, _ZERO, _ZERO, RateKind.zero, f"{uplift_source} (the customs value is FOB: the "
                               "shipping charged is not part of it)", None, (), False)
        hit = (freight, flat / _HUNDRED, _ONE + uplift / _HUNDRED, exponent(minor_units(ctx.order.currency)), flat,
               BreakdownEntry, {})
        if len(cache) < 10_000:
            cache[key] = hit
        return hit

    def plan(self, ctx: Context, layout: tuple[Any, ...], category: Any, table: CombinedRate) -> tuple[Any, ...]:
        """What the flat-rate lines of ``category`` at the table rate ``table`` bear in ``layout`` (:meth:`layout`),
        kept there (at most one a category, for the table rate the book gives it that day): the table rate, the
        line's rate, the VAT fraction (zero when no VAT is added) and the VAT percent the breakdown shows."""
        flat, flat_source = self.percent(ctx, "lvg_flat_rate")
        uplift, uplift_source = self.percent(ctx, "lvg_vat_uplift")
        with_vat = ctx.value(self, "lvg_vat_on_flat_rate_parcels") is True and table.rate_kind not in _NOT_TAXED
        vat = table.rate_percent if with_vat else _ZERO
        combined = [Level(self.code, "import_duty", RateKind.standard, flat, flat_source, _NAME)]
        if vat:
            combined.append(Level(self.code, "vat", table.rate_kind, vat, f"{table.source}; {uplift_source}", _NAME))
        effective = Decimal(fmt_percent(flat + vat * (_HUNDRED + uplift + flat) / _HUNDRED))
        rate = CombinedRate(self.code, effective, effective / _HUNDRED, RateKind.standard,
                            "; ".join(lv.source for lv in combined), table.own, tuple(combined), True)
        plan = layout[6][category] = (table, rate, vat / _HUNDRED, vat)
        return plan

    def percent(self, ctx: Context, name: str) -> tuple[Decimal, str]:
        """The percent parameter ``name`` in force on the order date, and its source."""
        rate = ctx.value(self, name)
        period = ctx.parameter(self, name).on(ctx.day)
        assert period is not None and isinstance(rate, Decimal), name
        return rate, period.source


ZA_VAT = ZaVat()
