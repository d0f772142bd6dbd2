"""Taiwanese business tax (營業稅, yingye shui; VAT type).

Value-added and Non-value-added Business Tax Act: 5 % (art. 10). Cross-border purchases with a
customs value at or below TWD 2,000 are free of duty, business tax and commodity tax, for at most
six such imports per importer in each half-year (January-June, July-December): from the seventh the
business tax is due at import (Kaohsiung Customs). The count is the order's
``customer.imports_this_half_year``; not sent, the exemption is applied with a warning. Goods sold
from a Taiwanese warehouse are a domestic sale by the seller (no marketplace rule). Foreign
providers of electronic services register from 2017-05-01 (art. 28-1) once their sales to
individuals pass NT$480,000 a year (NT$600,000 from 2025-04-07).

The dated limits and start dates are in ``rates/parameters/TW.json``.

More information:

* https://law.moj.gov.tw/ENG/LawClass/LawAll.aspx?pcode=G0340080
* https://www.etax.nat.gov.tw/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("tw_bt").code
'TW'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.base import Context
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("tw")


class TwBt(MarketRegime):
    code: ClassVar[str] = "TW"
    table_regimes: ClassVar[tuple[str, ...]] = ("tw_bt",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_customs_value_limit", "lvg_max_imports_per_half_year",
                                             "digital_services_foreign_provider_start")
    rule_sources: ClassVar[dict[str, str]] = {"tw": "https://law.moj.gov.tw/ENG/LawClass/LawAll.aspx?pcode=G0340080"}
    Rule: ClassVar[type[StrEnum]] = Rule
    import_de_minimis: ClassVar[str | None] = "lvg_customs_value_limit"
    digital_services_start: ClassVar[str | None] = "digital_services_foreign_provider_start"

    def de_minimis(self, ctx: Context) -> str | None:
        # The exemption covers a limited number of imports per importer and half-year.
        most = ctx.value(self, "lvg_max_imports_per_half_year")
        done = ctx.order.customer.imports_this_half_year
        if most is None:
            return self.import_de_minimis
        if done is None:
            ctx.warn("import_count_not_tested",
                     f"Taiwan's NT$2,000 exemption covers {most} imports per importer and half-year: send "
                     "customer.imports_this_half_year to test it; the exemption was applied.")
            return self.import_de_minimis
        return self.import_de_minimis if done < int(most) else None


TW_BT = TwBt()
