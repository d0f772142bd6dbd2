"""South Korean VAT (부가가치세, bugagachise).

Value-Added Tax Act: 10 % (art. 30). Personal-use imports at or below USD 150 (USD 200 from the
United States) are free of duty and VAT (list clearance). Foreign providers of electronic services
register since 2015-07-01 (art. 53-2), unless a marketplace charges the VAT.

The dated limits and start dates are in ``rates/parameters/KR.json``.

More information:

* https://www.law.go.kr/
* https://www.nts.go.kr/english/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("kr_vat").code
'KR'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.base import Context
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("kr")


class KrVat(MarketRegime):
    code: ClassVar[str] = "KR"
    table_regimes: ClassVar[tuple[str, ...]] = ("kr_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_de_minimis", "lvg_de_minimis_us_origin", "digital_services_foreign_provider_start")
    rule_sources: ClassVar[dict[str, str]] = {"kr": "https://www.law.go.kr/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    import_de_minimis: ClassVar[str | None] = "lvg_de_minimis"
    digital_services_start: ClassVar[str | None] = "digital_services_foreign_provider_start"
    marketplace_tbe: ClassVar[bool] = True

    def de_minimis(self, ctx: Context) -> str | None:
        # Korea-US FTA: list clearance up to USD 200 for goods from the United States.
        return "lvg_de_minimis_us_origin" if ctx.origin.country == "US" else "lvg_de_minimis"


KR_VAT = KrVat()
