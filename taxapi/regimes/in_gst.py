"""Indian GST (Goods and Services Tax, वस्तु एवं सेवा कर).

Central GST Act 2017 and Integrated GST Act 2017: the rate tables hold the full GST (IGST). Non-
resident providers of online information and database access or retrieval services (OIDAR) register
and charge IGST, with no threshold (IGST Act s.14). There is no low-value import relief: customs
collects IGST at import.

An e-commerce operator that collects the consideration collects tax at source (TCS, CGST Act s.52)
on the net value of the taxable supplies made through it: 1 %, 0.5 % from 2024-07-10.

The dated limits, start dates and withholding rates are in ``rates/parameters/IN.json``.

More information:

* https://cbic-gst.gov.in/
* https://www.gst.gov.in/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("in_gst").code
'IN'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("in")


class InGst(MarketRegime):
    code: ClassVar[str] = "IN"
    table_regimes: ClassVar[tuple[str, ...]] = ("in_gst",)
    parameters: ClassVar[tuple[str, ...]] = ()
    rule_sources: ClassVar[dict[str, str]] = {"in": "https://cbic-gst.gov.in/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    withholds: ClassVar[bool] = True


IN_GST = InGst()
