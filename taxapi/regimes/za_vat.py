"""South African VAT (Value-Added Tax).

Value-Added Tax Act 89 of 1991: 15 % (s.7(1)). Foreign suppliers of electronic services register
once their supplies pass the threshold (s.23). Parcels at or below ZAR 500 pay a 20 % flat rate
instead of duty, with VAT added since 2024-09-01.

The dated limits and start dates are in ``rates/parameters/ZA.json``.

More information:

* https://www.sars.gov.za/types-of-tax/value-added-tax/
* https://www.gov.za/documents/value-added-tax-act

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("za_vat").code
'ZA'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.base import Context, Treatment
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("za")


class ZaVat(MarketRegime):
    code: ClassVar[str] = "ZA"
    table_regimes: ClassVar[tuple[str, ...]] = ("za_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_flat_rate_limit", "lvg_vat_on_flat_rate_parcels")
    rule_sources: ClassVar[dict[str, str]] = {"za": "https://www.sars.gov.za/types-of-tax/value-added-tax/"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def goods(self, ctx: Context) -> Treatment:
        if ctx.origin.regime is not self and ctx.parameter(self, "lvg_vat_on_flat_rate_parcels").value(ctx.day) is False:
            value, limit = ctx.compare(ctx.goods_value, self, "lvg_flat_rate_limit", "flat-rate parcel limit")
            if limit is not None and value <= limit.amount:
                # Before 2024-09-01 the 20 % flat rate replaced duty and VAT on parcels up to ZAR 500.
                return ctx.border(self.Rule["import_de_minimis"], exempt=True)
        return super().goods(ctx)


ZA_VAT = ZaVat()
