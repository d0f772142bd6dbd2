"""Vietnamese VAT (Thuế giá trị gia tăng, GTGT).

Law on VAT 48/2024/QH15 (from 2025-07-01; before it Law 13/2008/QH12): 10 %, 5 %, 0 %. The VND
1,000,000 express de minimis was repealed on 2025-02-18 (Decision 01/2025/QD-TTg). Foreign
suppliers of digital services register on the eTax portal.

A platform with a payment function withholds VAT (1 % on goods) and personal income tax (0.5 % for
residents, 1 % for non-residents, on goods) from households and individuals selling through it,
from 2025-07-01 (Decree 117/2025/ND-CP); they charge no VAT of their own on those sales.

The dated limits, start dates and withholding rates are in ``rates/parameters/VN.json``.

More information:

* https://vanban.chinhphu.vn/
* https://www.gdt.gov.vn/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("vn_vat").code
'VN'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.base import Collector, Context, Reason, Treatment
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("vn", domestic_individual_platform="domestic.individual.platform")


class VnVat(MarketRegime):
    code: ClassVar[str] = "VN"
    table_regimes: ClassVar[tuple[str, ...]] = ("vn_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_express_de_minimis",)
    rule_sources: ClassVar[dict[str, str]] = {"vn": "https://vanban.chinhphu.vn/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    withholds: ClassVar[bool] = True

    def goods(self, ctx: Context) -> Treatment:
        if ctx.origin.regime is self and ctx.facilitated and ctx.order.seller.type == "individual":
            # A household or individual selling through a platform charges no VAT: the platform withholds it.
            return Treatment(ctx.dest.jurisdiction, Collector.marketplace, self.domestic_scheme,
                             Rule.domestic_individual_platform, False, reason=Reason.marketplace_collects)
        return super().goods(ctx)
    import_de_minimis: ClassVar[str | None] = "lvg_express_de_minimis"


VN_VAT = VnVat()
