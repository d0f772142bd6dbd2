"""Chilean VAT (Impuesto al Valor Agregado, IVA).

Decreto Ley 825 (Ley sobre Impuesto a las Ventas y Servicios): 19 % (art. 14). Non-resident
providers of digital services pay VAT under the simplified regime from 2020-06-01 (Law 21.210).

The dated limits and start dates are in ``rates/parameters/CL.json``.

More information:

* https://www.bcn.cl/leychile/navegar?idNorma=6369
* https://www.sii.cl/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("cl_vat").code
'CL'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.base import Collector, Context, Reason, Treatment
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("cl", import_low_value_marketplace="import.low_value.marketplace",
                    import_low_value_seller="import.low_value.seller")


class ClVat(MarketRegime):
    code: ClassVar[str] = "CL"
    table_regimes: ClassVar[tuple[str, ...]] = ("cl_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_platform_limit", "lvg_import_exemption", "digital_services_foreign_provider_start")
    rule_sources: ClassVar[dict[str, str]] = {"cl": "https://www.bcn.cl/leychile/navegar?idNorma=6369"}
    Rule: ClassVar[type[StrEnum]] = Rule
    digital_services_start: ClassVar[str | None] = "digital_services_foreign_provider_start"
    import_de_minimis: ClassVar[str | None] = "lvg_import_exemption"

    def goods(self, ctx: Context) -> Treatment:
        if ctx.origin.regime is not self and not ctx.b2b:
            value, limit = ctx.compare(ctx.goods_value + ctx.shipping_value, self, "lvg_platform_limit", "platform limit (CIF)")
            if limit is not None and value <= limit.amount:
                if ctx.facilitated:
                    return Treatment(ctx.dest.jurisdiction, Collector.marketplace, self.scheme, Rule.import_low_value_marketplace,
                                     True, reason=Reason.marketplace_collects)
                ctx.need_registration("CL", "Chilean VAT at the sale on low-value goods from abroad")
                return Treatment(ctx.dest.jurisdiction, Collector.seller, self.scheme, Rule.import_low_value_seller, True)
        return super().goods(ctx)


CL_VAT = ClVat()
