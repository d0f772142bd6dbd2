"""South African VAT (Value-Added Tax).

Value-Added Tax Act 89 of 1991: 15 % (s.7(1); the rise to 15.5 % was withdrawn). VAT on imported goods is
levied on the added tax value of s.13(2)(a): the customs value, which in South Africa is FOB (the shipping
charged is not part of it), + any duty levied + 10 % of the customs value; goods from Botswana, Lesotho,
Namibia and Eswatini (the other SACU members) are not increased by the 10 % (s.13(2)(b); the origin is the
``ship_from`` country). Parcels at or below ZAR 500 (goods value) pay a 20 % flat rate instead of duty (rule
``za.import.flat_rate``), on the customs value. Until 2024-08-31 the flat rate was all; from 2024-09-01 VAT
is added, on the added tax value with the flat rate as the duty. Above ZAR 500 (``za.import``) the duty is
by tariff heading and not computed: the VAT shown is on the customs value + 10 %, without the VAT on the
duty (the ``import_duty_not_included`` warning says so). All of it is due at import (collected by customs),
shown in ``tax_due_at_import`` with the line's ``breakdown`` (``import_duty`` and ``vat``); the line's rate
is their share of its value (39.5 % for a parcel, 16.5 % above the limit); the shipping bears none of it.
The flat-rate parcels' computation is kept after the flat rate's reconfiguration of 2024-11-01, for which
no other rate or base was found (the parameters' note says so). Goods sold from a South African warehouse
are a domestic sale by the seller (registration above R1 million; no marketplace rule). Foreign suppliers
of electronic services register once their supplies pass R1 million in 12 months (s.23; R50,000 before
2019-04-01).

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
# Read once: an enum member looked up on its class costs ~0.2 us.
_FLAT_RATE = Rule.import_flat_rate
_IMPORT = Rule.import_

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_NOT_TAXED = frozenset({RateKind.exempt, RateKind.none})
_NAME = "South Africa"
_CODE = "ZA"  # the regime's code, written in every breakdown record
_UPLIFT = "lvg_vat_uplift"
_new_tuple = tuple.__new__  # a named tuple without its Python-level __new__
#: Above the flat-rate limit the duty is by tariff heading: neither it nor the VAT on it is computed.
#: The rates, the uplift and the countries without it are data (the line's breakdown and source show them), not written here.
_DUTY_NOT_COMPUTED = ("Customs duty (by tariff heading) and carrier fees at import are not computed, nor the VAT on the "
                      "duty (VAT Act 89 of 1991 s.13(2)(a)): the VAT shown is on the customs value (FOB, without the "
                      "shipping) and its uplift, which goods from the other SACU members do not bear (s.13(2)(b)).")


class ZaVat(MarketRegime):
    code: ClassVar[str] = _CODE
    table_regimes: ClassVar[tuple[str, ...]] = ("za_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_flat_rate_limit", "lvg_flat_rate", "lvg_vat_on_flat_rate_parcels", _UPLIFT)
    rule_sources: ClassVar[dict[str, str]] = {"za": "https://www.sars.gov.za/types-of-tax/value-added-tax/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    #: A flat-rate parcel's duty and VAT, and an import's VAT on the added tax value: :meth:`finish`.
    own_tax_rules: ClassVar[frozenset[StrEnum]] = frozenset({_FLAT_RATE, _IMPORT})
    import_duty_note: ClassVar[str | None] = _DUTY_NOT_COMPUTED

    def goods(self, ctx: Context) -> Treatment:
        if ctx.origin.regime is not self:
            value, limit = ctx.compare(ctx.goods_value, self, "lvg_flat_rate_limit", "flat-rate parcel limit")
            if limit is not None and value <= limit.amount:
                return ctx.border(_FLAT_RATE, duty_free=True)
        return super().goods(ctx)

    def finish(self, ctx: Context, items: Sequence[Any]) -> None:
        """The tax due at import, each amount rounded per line. A flat-rate parcel: its duty (the flat rate of the FOB
        value) and, from 2024-09-01, its VAT on the added tax value (value + 10 % + the duty); the line's rate is the
        two as a share of the value, flat + VAT x (1 + uplift + flat): 39.5 % (the amounts within a cent of it). Above
        the limit (``za.import``): the VAT on the value + 10 % (the duty, by tariff heading, is not known), the rate
        VAT x (1 + uplift): 16.5 %. Goods from Botswana, Lesotho, Namibia or Eswatini bear no uplift (:meth:`uplifted`).
        The shipping bears nothing (not in the FOB customs value); zero-rated and exempt lines above the limit no VAT.

        The order's import lines share the destination, the day, the currency and the origin: what those decide is read
        once per order (:meth:`layout`), and what a line of one category bears once per rule and table rate
        (:meth:`plan`, kept in the layout); per line only the amounts and their breakdown records are computed."""
        layout = None
        rule_of_plans = None  # the rule whose plans ``plans`` holds (the order's goods have one)
        quantize = _HALF_UP.quantize
        for it in items:
            rule = it.treatment.rule
            if rule is not _FLAT_RATE and rule is not _IMPORT:
                continue
            if rule is not rule_of_plans:
                if layout is None:
                    layout = self.layout(ctx, it.rate)
                    freight, flat, uplift, exp, flat_percent, entry, parcels, imports, _, _ = layout
                rule_of_plans = rule
                parcel = rule is _FLAT_RATE
                plans = parcels if parcel else imports
            if it.index < 0:  # a share of the shipping (after the lines it follows): not in the FOB customs value
                it.rate = freight
                it.info_tax = it.tax  # nothing, at the minor unit (the engine computes no tax of the rule)
                continue
            plan = plans.get(it.category)
            if plan is None or plan[0] is not it.rate:
                plan = self.plan(ctx, layout, rule, it.category, it.rate)
            it.rate = plan[1]
            base = it.base
            vat = plan[2]
            if parcel:
                duty = quantize(base * flat, exp)
                if vat:
                    tax = quantize((base * uplift + duty) * vat, exp)
                    it.breakdown = (_new_tuple(entry, (_CODE, "import_duty", flat_percent, duty, _NAME)),
                                    _new_tuple(entry, (_CODE, "vat", plan[3], tax, _NAME)))
                    it.info_tax = duty + tax
                else:
                    it.breakdown = (_new_tuple(entry, (_CODE, "import_duty", flat_percent, duty, _NAME)),)
                    it.info_tax = duty
            elif vat:  # above the limit: the VAT on the value and its uplift
                tax = quantize(base * uplift * vat, exp)
                it.breakdown = (_new_tuple(entry, (_CODE, "vat", plan[3], tax, _NAME)),)
                it.info_tax = tax
            else:  # above the limit, zero-rated or exempt: no VAT (the table's rate, as the plan keeps it)
                it.info_tax = it.tax

    def layout(self, ctx: Context, table: CombinedRate) -> tuple[Any, ...]:
        """What an import bears on the order date in the jurisdiction of the table rate ``table`` (kept in the rate
        book by jurisdiction, day, currency and origin country: the origin decides the uplift, and keying by it costs
        less than testing it on every order): the shipping's rate, the duty fraction, the value factor of the VAT base
        (1 + the uplift, :meth:`uplifted`), the currency's minor unit, the duty percent, the breakdown record, the plans
        of the categories met so far (:meth:`plan`), by category, of the flat-rate parcels and of the imports above the
        limit, then the uplift percent and the VAT base's source."""
        key = (table.jurisdiction, ctx.day, ctx.order.currency, ctx.origin.country)
        cache = ctx.book.memo.get("za_imports") or ctx.book.cache("za_imports")
        hit = cache.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        uplifted = self.uplifted(ctx)
        # Imported on a miss only: the results read the regimes' vocabulary (imported late), and an import statement
        # runs the import machinery each time it is reached.
        from taxapi.orders.results import BreakdownEntry

        flat = ctx.value(self, "lvg_flat_rate")
        if flat is None:  # before the flat rate: no parcel bears it
            flat = _ZERO
        uplift, uplift_source = self.percent(ctx, _UPLIFT)
        freight = CombinedRate(self.code, _ZERO, _ZERO, RateKind.zero, f"{uplift_source} (the customs value is FOB: the "
                               "shipping charged is not part of it)", None, (), False)
        base_source = uplift_source
        if not uplifted:
            uplift = _ZERO
            sacu = ", ".join(ctx.parameter(self, _UPLIFT).conditions["origin_outside"])
            base_source = f"{uplift_source}; VAT Act 89 of 1991 s.13(2)(b) (goods from {sacu}: no 10 %)"
        hit = (freight, flat / _HUNDRED, _ONE + uplift / _HUNDRED, exponent(minor_units(ctx.order.currency)), flat,
               BreakdownEntry, {}, {}, uplift, base_source)
        if len(cache) < 10_000:
            cache[key] = hit
        return hit

    def plan(self, ctx: Context, layout: tuple[Any, ...], rule: StrEnum, category: Any, table: CombinedRate) -> tuple[Any, ...]:
        """What the lines of ``category`` at the table rate ``table`` bear under ``rule`` (a flat-rate parcel, or an
        import above the limit) in ``layout`` (:meth:`layout`), kept there (at most one a rule and category, for the
        table rate the book gives it that day): the table rate, the line's rate, the VAT fraction (zero when no VAT is
        added) and the VAT percent the breakdown shows. Above the limit a line without VAT keeps the table's rate."""
        uplift, base_source = layout[8], layout[9]
        taxed = table.rate_kind not in _NOT_TAXED
        if rule is _FLAT_RATE:
            flat, flat_source = self.percent(ctx, "lvg_flat_rate")
            combined = [Level(self.code, "import_duty", RateKind.standard, flat, flat_source, _NAME)]
            taxed = taxed and ctx.value(self, "lvg_vat_on_flat_rate_parcels") is True
            kind, plans = RateKind.standard, layout[6]
        else:
            flat, combined, kind, plans = _ZERO, [], table.rate_kind, layout[7]
        vat = table.rate_percent if taxed else _ZERO
        if vat:
            combined.append(Level(self.code, "vat", table.rate_kind, vat, f"{table.source}; {base_source}", _NAME))
        rate = table
        if combined:
            effective = Decimal(fmt_percent(flat + vat * (_HUNDRED + uplift + flat) / _HUNDRED))
            rate = CombinedRate(self.code, effective, effective / _HUNDRED, kind, "; ".join(lv.source for lv in combined),
                                table.own, tuple(combined), True)
        plan = plans[category] = (table, rate, vat / _HUNDRED, vat)
        return plan

    def uplifted(self, ctx: Context) -> bool:
        """Whether the VAT base of the order's goods has the uplift: not for goods from the other SACU members (the
        uplift's ``conditions.origin_outside``; VAT Act s.13(2)(b)), the origin being the ``ship_from`` country."""
        return ctx.origin.country not in ctx.parameter(self, _UPLIFT).conditions["origin_outside"]

    def percent(self, ctx: Context, name: str) -> tuple[Decimal, str]:
        """The percent parameter ``name`` in force on the order date, and its source."""
        rate = ctx.value(self, name)
        period = ctx.parameter(self, name).on(ctx.day)
        assert period is not None and isinstance(rate, Decimal), name
        return rate, period.source


ZA_VAT = ZaVat()
