"""Colombian VAT (Impuesto sobre las Ventas, IVA).

Estatuto Tributario art. 468 (19 %) and 468-1 (5 %). Courier and postal imports (heading 98.07) pay
no duty up to USD 200 FOB (Decree 1090/2020); they are VAT-exempt up to the limit of art. 428 lit. j
(USD 200; USD 50 from 2026 by Decree 1474/2025) only from origins whose trade agreement provides it
(in practice the United States); otherwise VAT is due at import on value, freight and insurance,
collected by customs. Goods sold from a Colombian warehouse are a domestic sale by the seller (no
marketplace rule found). Foreign providers of digital services charge VAT to consumers (Law
1819/2016, art. 437 par. 2; simplified registration, no threshold); from 2024 a non-resident with a
significant economic presence also owes income tax on its gross income from Colombian customers
(ET art. 20-3), which is the seller's own tax and is not computed (a warning says so). Colombia's
VAT-free days (Laws 2010/2019 and 2155/2021) are not modelled.

The dated limits and start dates are in ``rates/parameters/CO.json``.

More information:

* https://www.secretariasenado.gov.co/senado/basedoc/estatuto_tributario.html
* https://www.dian.gov.co/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("co_vat").code
'CO'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.base import Context, SupplyKind, Treatment
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("co")


class CoVat(MarketRegime):
    code: ClassVar[str] = "CO"
    table_regimes: ClassVar[tuple[str, ...]] = ("co_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_courier_vat_exempt_limit", "lvg_courier_duty_free_limit",
                                             "digital_services_sep_income_tax_rate")
    import_duty_limit: ClassVar[str | None] = "lvg_courier_duty_free_limit"
    duty_limit_on_goods_only: ClassVar[bool] = True  # FOB
    rule_sources: ClassVar[dict[str, str]] = {"co": "https://www.secretariasenado.gov.co/senado/basedoc/estatuto_tributario.html"}
    Rule: ClassVar[type[StrEnum]] = Rule
    import_de_minimis: ClassVar[str | None] = "lvg_courier_vat_exempt_limit"
    de_minimis_origins: ClassVar[frozenset[str] | None] = frozenset({"US"})

    def services(self, ctx: Context, kind: SupplyKind) -> Treatment:
        t = super().services(ctx, kind)
        if kind is SupplyKind.tbe and not ctx.b2b and ctx.seller_country != "CO":
            rate = ctx.value(self, "digital_services_sep_income_tax_rate")
            if rate is not None:
                ctx.warn("significant_economic_presence",
                         f"A non-resident with gross income from Colombian customers of 31,300 UVT or more owes {rate} % "
                         "income tax on it (ET art. 20-3, significant economic presence); it is the seller's own tax "
                         "and is not computed.")
        return t


CO_VAT = CoVat()
