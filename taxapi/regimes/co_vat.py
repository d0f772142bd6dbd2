"""Colombian VAT (Impuesto sobre las Ventas, IVA).

Estatuto Tributario art. 468 (19 %) and 468-1 (5 %). Foreign providers of digital services charge
VAT to consumers (Law 1819/2016, art. 437 par. 2). Courier imports from origins whose trade
agreement provides it (in practice the United States) are VAT-exempt up to the limit of art. 428
lit. j.

The dated limits and start dates are in ``rates/parameters/CO.json``.

More information:

* https://www.secretariasenado.gov.co/senado/basedoc/estatuto_tributario.html
* https://www.dian.gov.co/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("co_vat").code
'CO'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("co")


class CoVat(MarketRegime):
    code: ClassVar[str] = "CO"
    table_regimes: ClassVar[tuple[str, ...]] = ("co_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_courier_vat_exempt_limit",)
    rule_sources: ClassVar[dict[str, str]] = {"co": "https://www.secretariasenado.gov.co/senado/basedoc/estatuto_tributario.html"}
    Rule: ClassVar[type[StrEnum]] = Rule
    import_de_minimis: ClassVar[str | None] = "lvg_courier_vat_exempt_limit"
    de_minimis_origins: ClassVar[frozenset[str] | None] = frozenset({"US"})


CO_VAT = CoVat()
