"""Saudi VAT (ضريبة القيمة المضافة, dariibat alqimat almudafa).

VAT Law (Royal Decree M/113) and its Implementing Regulations: 15 % from 2020-07-01 (5 % before).
VAT is due on every import, with no de minimis, on the customs value of goods, shipping and
insurance (and duty and fees); the carrier clears, pays and recovers it from the buyer (collected
by customs here). No customs duty is charged when goods, shipping and insurance are below SAR 1,000
(ZATCA, e-stores customers), so the tax due at import is then complete. Goods sold from a Saudi
warehouse are a domestic sale by the seller (no marketplace rule). Non-resident providers of
services to consumers register from their first supply (Implementing Regulations art. 5).

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
    parameters: ClassVar[tuple[str, ...]] = ("lvg_duty_exemption_limit",)
    import_duty_limit: ClassVar[str | None] = "lvg_duty_exemption_limit"
    duty_limit_inclusive: ClassVar[bool] = False  # "less than SAR 1,000"
    rule_sources: ClassVar[dict[str, str]] = {"sa": "https://zatca.gov.sa/en/"}
    Rule: ClassVar[type[StrEnum]] = Rule


SA_VAT = SaVat()
