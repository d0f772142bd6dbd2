"""UAE VAT (ضريبة القيمة المضافة).

Federal Decree-Law No. 8 of 2017: 5 % from 2018-01-01. Imports bear VAT at the border, collected by
the courier on low-value consignments. Non-resident providers of services to consumers register
with no threshold.

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

from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("ae")


class AeVat(MarketRegime):
    code: ClassVar[str] = "AE"
    table_regimes: ClassVar[tuple[str, ...]] = ("ae_vat",)
    parameters: ClassVar[tuple[str, ...]] = ()
    rule_sources: ClassVar[dict[str, str]] = {"ae": "https://tax.gov.ae/en/"}
    Rule: ClassVar[type[StrEnum]] = Rule


AE_VAT = AeVat()
