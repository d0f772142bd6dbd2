"""Saudi VAT (ضريبة القيمة المضافة, dariibat alqimat almudafa).

VAT Law (Royal Decree M/113) and its Implementing Regulations: 15 % from 2020-07-01 (5 % before).
VAT is due on every import, with no de minimis. Non-resident providers of services to consumers
register with no threshold.

The dated limits and start dates are in ``rates/parameters/SA.json``.

More information:

* https://zatca.gov.sa/en/
* https://www.mof.gov.sa/en/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("sa_vat").code
'SA'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("sa")


class SaVat(MarketRegime):
    code: ClassVar[str] = "SA"
    table_regimes: ClassVar[tuple[str, ...]] = ("sa_vat",)
    parameters: ClassVar[tuple[str, ...]] = ()
    rule_sources: ClassVar[dict[str, str]] = {"sa": "https://zatca.gov.sa/en/"}
    Rule: ClassVar[type[StrEnum]] = Rule


SA_VAT = SaVat()
