"""Thai VAT (ภาษีมูลค่าเพิ่ม, phasi mulkha phoem).

Revenue Code s.77-90: 7 % (10 % reduced by royal decree). Imports at or below THB 1,500 were VAT-
free until 2024-07-05 (Customs Notification 116/2567). Foreign providers of electronic services
register from 2021-09-01 (Revenue Code s.85/1).

The dated limits and start dates are in ``rates/parameters/TH.json``.

More information:

* https://www.rd.go.th/english/
* https://www.customs.go.th/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("th_vat").code
'TH'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("th")


class ThVat(MarketRegime):
    code: ClassVar[str] = "TH"
    table_regimes: ClassVar[tuple[str, ...]] = ("th_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_vat_exemption_limit", "digital_services_foreign_provider_start")
    rule_sources: ClassVar[dict[str, str]] = {"th": "https://www.rd.go.th/english/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    import_de_minimis: ClassVar[str | None] = "lvg_vat_exemption_limit"
    digital_services_start: ClassVar[str | None] = "digital_services_foreign_provider_start"


TH_VAT = ThVat()
