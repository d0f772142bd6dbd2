"""Indian GST (Goods and Services Tax, वस्तु एवं सेवा कर).

Central GST Act 2017 and Integrated GST Act 2017: the rate tables hold the full GST (IGST). Non-
resident providers of online information and database access or retrieval services (OIDAR) register
and charge IGST, with no threshold (IGST Act s.14). There is no low-value import relief: customs
collects IGST at import.

The dated limits and start dates are in ``rates/parameters/IN.json``.

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


IN_GST = InGst()
