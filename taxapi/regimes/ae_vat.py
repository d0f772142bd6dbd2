"""UAE VAT (ضريبة القيمة المضافة).

Federal Decree-Law No. 8 of 2017: 5 % from 2018-01-01. Consignments up to AED 1,000 bear VAT of 5 %
on their CIF value (goods and shipping), collected by the courier at import (rule
``ae.import.courier``); larger ones bear it at the border on CIF, excise, duty and fees (duty not
computed). No customs duty up to AED 300 from 2023-01-01 (Dubai Customs Notice 5/2022; AED 1,000
before). Goods sold from a UAE warehouse are a domestic sale by the seller (no marketplace rule).
Non-resident providers of services to consumers register with no threshold.

The dated limits and start dates are in ``rates/parameters/AE.json``.

More information:

* https://tax.gov.ae/en/
* https://www.dubaicustoms.gov.ae/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("ae_vat").code
'AE'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.base import Context, Treatment
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("ae", import_courier="import.courier")


class AeVat(MarketRegime):
    code: ClassVar[str] = "AE"
    table_regimes: ClassVar[tuple[str, ...]] = ("ae_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_courier_vat_limit", "lvg_duty_exemption_limit")
    rule_sources: ClassVar[dict[str, str]] = {"ae": "https://tax.gov.ae/en/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    import_duty_limit: ClassVar[str | None] = "lvg_duty_exemption_limit"

    def goods(self, ctx: Context) -> Treatment:
        if ctx.origin.regime is not self and not ctx.b2b:
            # The limit says who collects and on which base, not whether VAT is due: not testable without an
            # AED rate, the general import rule (VAT on the value at the border) is given.
            if self.within_if_known(ctx, ctx.goods_value + ctx.shipping_value, "lvg_courier_vat_limit", "courier VAT limit (CIF)"):
                return ctx.border(Rule.import_courier, duty_free=self.duty_free(ctx))
        return super().goods(ctx)


AE_VAT = AeVat()
