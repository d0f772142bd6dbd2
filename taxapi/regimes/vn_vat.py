"""Vietnamese VAT (Thuế giá trị gia tăng, GTGT).

Law on VAT 48/2024/QH15 (from 2025-07-01; before it Law 13/2008/QH12): 10 %, 5 %, 0 %. The VND
1,000,000 express de minimis was repealed on 2025-02-18 (Decision 01/2025/QD-TTg). Foreign
suppliers of digital services register on the eTax portal.

The dated limits and start dates are in ``rates/parameters/VN.json``.

More information:

* https://vanban.chinhphu.vn/
* https://www.gdt.gov.vn/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("vn_vat").code
'VN'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("vn")


class VnVat(MarketRegime):
    code: ClassVar[str] = "VN"
    table_regimes: ClassVar[tuple[str, ...]] = ("vn_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_express_de_minimis",)
    rule_sources: ClassVar[dict[str, str]] = {"vn": "https://vanban.chinhphu.vn/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    import_de_minimis: ClassVar[str | None] = "lvg_express_de_minimis"


VN_VAT = VnVat()
