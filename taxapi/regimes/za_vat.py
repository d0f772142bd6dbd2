"""South African VAT (Value-Added Tax).

Value-Added Tax Act 89 of 1991: 15 % (s.7(1); the rise to 15.5 % was withdrawn). Parcels at or below
ZAR 500 pay a 20 % flat rate instead of duty and, until 2024-08-31, no VAT; from 2024-09-01 VAT is
added, due at import (the flat rate itself is customs duty and not computed: a warning says so, and
the VAT base under the reconfigured flat rate from 2024-11-01 is not confirmed). Goods sold from a
South African warehouse are a domestic sale by the seller (registration above R1 million; no
marketplace rule). Foreign suppliers of electronic services register once their supplies pass R1
million in 12 months (s.23; R50,000 before 2019-04-01).

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
    parameters: ClassVar[tuple[str, ...]] = ("lvg_flat_rate_limit", "lvg_flat_rate", "lvg_vat_on_flat_rate_parcels")
    rule_sources: ClassVar[dict[str, str]] = {"za": "https://www.sars.gov.za/types-of-tax/value-added-tax/"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def goods(self, ctx: Context) -> Treatment:
        if ctx.origin.regime is not self:
            value, limit = ctx.compare(ctx.goods_value, self, "lvg_flat_rate_limit", "flat-rate parcel limit")
            if limit is not None and value <= limit.amount:
                rate = ctx.value(self, "lvg_flat_rate")
                ctx.warn("flat_rate_duty_not_included",
                         f"Parcels up to ZAR 500 pay a {rate} % flat rate in lieu of customs duty; it is not included in "
                         "tax_due_at_import.")
                if ctx.value(self, "lvg_vat_on_flat_rate_parcels") is False:
                    # Before 2024-09-01 the flat rate replaced duty and VAT on parcels up to ZAR 500.
                    return ctx.border(Rule.import_de_minimis, exempt=True, duty_free=True)
                return ctx.border(Rule.import_, duty_free=True)
        return super().goods(ctx)


ZA_VAT = ZaVat()
