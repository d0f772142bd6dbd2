"""Malaysian Sales and Service Tax (SST: Cukai Jualan dan Cukai Perkhidmatan).

Sales Tax Act 2018 (10 % / 5 % on goods) and Service Tax Act 2018 (8 %; digital services by foreign
registered persons since 2020-01-01).

The dated limits and start dates are in ``rates/parameters/MY.json``.

More information:

* https://mysst.customs.gov.my/
* https://www.customs.gov.my/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("my_sst").code
'MY'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("my")


class MySst(MarketRegime):
    code: ClassVar[str] = "MY"
    table_regimes: ClassVar[tuple[str, ...]] = ("my_sst",)
    parameters: ClassVar[tuple[str, ...]] = ()
    rule_sources: ClassVar[dict[str, str]] = {"my": "https://mysst.customs.gov.my/"}
    Rule: ClassVar[type[StrEnum]] = Rule


MY_SST = MySst()
