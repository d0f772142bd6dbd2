"""Philippine VAT (Value-Added Tax).

National Internal Revenue Code s.106-108: 12 %. Imports at or below the de minimis of PHP 10,000
pay no duty and no VAT (Customs Modernization and Tariff Act s.423). Nonresident digital service
providers charge VAT (RA 12023).

The dated limits and start dates are in ``rates/parameters/PH.json``.

More information:

* https://www.bir.gov.ph/
* https://customs.gov.ph/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("ph_vat").code
'PH'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("ph")


class PhVat(MarketRegime):
    code: ClassVar[str] = "PH"
    table_regimes: ClassVar[tuple[str, ...]] = ("ph_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_de_minimis",)
    rule_sources: ClassVar[dict[str, str]] = {"ph": "https://www.bir.gov.ph/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    import_de_minimis: ClassVar[str | None] = "lvg_de_minimis"


PH_VAT = PhVat()
