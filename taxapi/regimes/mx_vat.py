"""Mexican VAT (Impuesto al Valor Agregado, IVA).

Ley del Impuesto al Valor Agregado (LIVA): 16 % (art. 1), 0 % for the art. 2-A list. Foreign
providers of digital services (art. 18-B) register and charge IVA from 2020-06-01.

**Border regions.** The incentive decrees (northern region, DOF 2018-12-31, since 2019-01-01;
southern region, DOF 2020-12-30, since 2021-01-01) give a credit of 50 % of the IVA, so 8 %, on
goods a seller in the padrón de beneficiarios sells from its establishment in the region and
delivers there. An address in a listed municipality resolves to ``MX-BORDER`` or
``MX-SOUTHBORDER`` (by postcode, and the municipality in ``ship_to.city`` where a postcode's state
has municipalities outside the region); the 8 % applies when ``seller.registrations`` names that
table (the padrón). Any other sale there, imports, and digital services (outside the credit) are
taxed at the national table.

**Courier imports.** Goods sent from abroad by courier with a customs value (goods and shipping) up
to USD 2,500 pay the customs "global rate" instead of duty and IVA (RGCE rule 3.7.35, from
2025-01-01), collected at import by the courier for customs: 19 % (33.5 % from 2025-08-15) on goods
from countries without a trade agreement with Mexico (China ...); on goods from the United States
and Canada (USMCA) nothing up to USD 50, 17 % up to USD 117 and 19 % above. Goods from the other
trade-agreement partners, larger consignments, business imports and orders before 2025 bear the
IVA at the border (duty not computed). The origin is the ``ship_from`` country.

A platform that collects the price withholds from the seller's payout (LIVA art. 18-J, LISR art.
113-A; for 2026 the Ley de Ingresos art. 25): with an RFC, 50 % of the IVA and 1 % ISR (2.5 % from
2026, and from then also from companies); without an RFC, all the IVA and 20 % ISR; from 2026 all
the IVA of foreign sellers and payouts abroad; all the IVA of foreign digital-service providers
from 2021.

The dated limits, global rates, start dates and withholding rates are in
``rates/parameters/MX.json``; the border municipalities in ``rates/world/MX-BORDER.json`` and
``MX-SOUTHBORDER.json``.

More information:

* https://www.diputados.gob.mx/LeyesBiblio/pdf/LIVA.pdf
* https://www.sat.gob.mx/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("mx_vat").code
'MX'
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from taxapi.regimes.base import Context, SupplyKind, Treatment
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("mx", domestic_border_region="domestic.border_region",
                    import_courier_global_rate="import.courier.global_rate",
                    import_courier_usmca="import.courier.usmca",
                    import_courier_usmca_exempt="import.courier.usmca.exempt")
#: The border-region tables (their address rules are the decrees' municipalities).
BORDER_REGIONS = frozenset({"MX-BORDER", "MX-SOUTHBORDER"})
_COURIER_LIMIT = "lvg_courier_limit"
_NON_FTA = "lvg_courier_global_rate_non_fta"


class MxVat(MarketRegime):
    code: ClassVar[str] = "MX"
    table_regimes: ClassVar[tuple[str, ...]] = ("mx_vat",)
    parameters: ClassVar[tuple[str, ...]] = (
        "digital_services_foreign_provider_start", _COURIER_LIMIT, _NON_FTA, "lvg_usmca_duty_free_limit",
        "lvg_usmca_middle_band_limit", "lvg_usmca_middle_band_rate", "lvg_usmca_upper_band_rate")
    rule_sources: ClassVar[dict[str, str]] = {"mx": "https://www.diputados.gob.mx/LeyesBiblio/pdf/LIVA.pdf"}
    Rule: ClassVar[type[StrEnum]] = Rule
    withholds: ClassVar[bool] = True
    flat_rate_rules: ClassVar[frozenset[StrEnum]] = frozenset({Rule.import_courier_global_rate, Rule.import_courier_usmca})
    digital_services_start: ClassVar[str | None] = "digital_services_foreign_provider_start"

    def goods(self, ctx: Context) -> Treatment:
        dest = ctx.dest.jurisdiction
        assert dest is not None
        if ctx.origin.regime is self:
            if dest.id in BORDER_REGIONS:
                padron = ctx.registered(dest.id)
                if padron:
                    return self.domestic_sale(ctx, dest, Rule.domestic_border_region)
                if padron is None:
                    ctx.warn("border_region_rate_not_applied",
                             f"The address is in {dest.name}: a seller in the padrón de beneficiarios of the border "
                             f"decree charges 8 %. Send seller.registrations (with {dest.id} when the seller is in the "
                             "padrón); the national rate was applied.")
            return self.domestic_sale(ctx, self._national(ctx))
        if not ctx.b2b:
            courier = self._courier(ctx)
            if courier is not None:
                return courier
        return ctx.border(Rule.import_, jurisdiction=self._national(ctx))

    def services(self, ctx: Context, kind: SupplyKind) -> Treatment:
        # The border credit is applied to goods only (digital services supplied remotely are outside it).
        t = super().services(ctx, kind)
        if t.jurisdiction is not None and t.jurisdiction.id in BORDER_REGIONS:
            return t._replace(jurisdiction=self._national(ctx))
        return t

    def _national(self, ctx: Context) -> Any:
        dest = ctx.dest.jurisdiction
        assert dest is not None
        return ctx.book.get(dest.parent) if dest.id in BORDER_REGIONS and dest.parent else dest

    def _courier(self, ctx: Context) -> Treatment | None:
        """The courier global-rate treatment of a consumer's import, or None where the rule does not apply."""
        limit = ctx.limit(self, _COURIER_LIMIT)
        if limit is None:  # before 2025: no conversion to record
            return None
        value = ctx.goods_value + ctx.shipping_value
        if limit.currency != ctx.order.currency:  # in the limit's currency, the conversion recorded
            value, _ = ctx.compare(value, self, _COURIER_LIMIT, "courier limit (customs value)")
        if value > limit.amount:
            return None
        origin = ctx.origin.country
        national = self._national(ctx)
        usmca, partners = self._origins(ctx)
        if origin in usmca:
            free = ctx.limit(self, "lvg_usmca_duty_free_limit")
            middle = ctx.limit(self, "lvg_usmca_middle_band_limit")
            assert free is not None and middle is not None and free.currency == middle.currency == limit.currency
            self._warn_global_rate(ctx)
            if value <= free.amount:
                return self.flat_import(ctx, Rule.import_courier_usmca_exempt, national, exempt=True)
            return self.flat_import(ctx, Rule.import_courier_usmca, national)
        if origin in partners:
            ctx.warn("courier_global_rate_not_computed",
                     f"Courier imports from {origin}, a trade-agreement partner of Mexico, are not given the global rate "
                     "here (the RGCE rates for these origins were not confirmed): IVA at the border is shown.")
            return None
        self._warn_global_rate(ctx)
        return self.flat_import(ctx, Rule.import_courier_global_rate, national)

    def _origins(self, ctx: Context) -> tuple[frozenset[str], frozenset[str]]:
        """The USMCA origins and the trade-agreement partners of the courier parameters' conditions, as sets
        (kept in the rate book)."""
        cache = ctx.book.memo.get("mx_origins") or ctx.book.cache("mx_origins")
        hit = cache.get(None)
        if hit is None:
            hit = cache[None] = (frozenset(ctx.parameter(self, "lvg_usmca_duty_free_limit").conditions["origin"]),
                                 frozenset(ctx.parameter(self, _NON_FTA).conditions["origin_outside"]))
        return hit  # type: ignore[return-value]

    @staticmethod
    def _warn_global_rate(ctx: Context) -> None:
        ctx.warn("courier_global_rate",
                 "Courier imports up to USD 2,500 pay the customs global rate on the customs value (goods and shipping) "
                 "instead of duty and IVA, collected at import by the courier (RGCE rule 3.7.35); the goods' origin is "
                 "taken from ship_from. Whether the rate covers the IVA was not confirmed.")

    def flat_rate_parameter(self, ctx: Context, rule: StrEnum) -> str:
        if rule is Rule.import_courier_global_rate:
            return _NON_FTA
        value, _ = ctx.compare(ctx.goods_value + ctx.shipping_value, self, _COURIER_LIMIT, "courier limit (customs value)")
        middle = ctx.limit(self, "lvg_usmca_middle_band_limit")
        assert middle is not None
        return "lvg_usmca_middle_band_rate" if value <= middle.amount else "lvg_usmca_upper_band_rate"


MX_VAT = MxVat()
