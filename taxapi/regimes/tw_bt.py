"""Taiwanese business tax (營業稅, yingye shui; VAT type).

Value-added and Non-value-added Business Tax Act: 5 % (art. 10). Cross-border purchases with a
customs value at or below TWD 2,000 are free of duty and business tax. Foreign providers of
electronic services register from 2017-05-01 (art. 28-1) once their sales to individuals pass the
threshold.

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

from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("tw")


class TwBt(MarketRegime):
    code: ClassVar[str] = "TW"
    table_regimes: ClassVar[tuple[str, ...]] = ("tw_bt",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_customs_value_limit", "digital_services_foreign_provider_start")
    rule_sources: ClassVar[dict[str, str]] = {"tw": "https://law.moj.gov.tw/ENG/LawClass/LawAll.aspx?pcode=G0340080"}
    Rule: ClassVar[type[StrEnum]] = Rule
    import_de_minimis: ClassVar[str | None] = "lvg_customs_value_limit"
    digital_services_start: ClassVar[str | None] = "digital_services_foreign_provider_start"


TW_BT = TwBt()
