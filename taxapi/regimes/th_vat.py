"""Thai VAT (ภาษีมูลค่าเพิ่ม, phasi mulkha phoem).

Revenue Code s.77-90: 7 % (10 % reduced by royal decree, extended to 2026-09-30). Imports at or
below THB 1,500 were VAT-free until 2024-07-04; from 2024-07-05 VAT is due on every import
(Customs Notification 116/2567), collected by customs (the duty waiver up to THB 1,500 is not
computed). Goods sold from a Thai warehouse are a domestic sale by the seller (registration above
THB 1.8 million a year; no marketplace deemed-supplier or withholding rule). Foreign providers of
electronic services and electronic platforms register from 2021-09-01 once their sales to Thai
non-VAT customers pass THB 1.8 million a year (Revenue Code s.85/1-85/2): a platform collects the
VAT on the services it sells for foreign providers.

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
    marketplace_tbe: ClassVar[bool] = True


TH_VAT = ThVat()
