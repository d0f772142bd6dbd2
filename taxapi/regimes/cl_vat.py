"""Chilean VAT (Impuesto al Valor Agregado, IVA).

Decreto Ley 825 (Ley sobre Impuesto a las Ventas y Servicios): 19 % (art. 14). Non-resident
providers of digital services pay VAT under the simplified regime from 2020-06-01 (Law 21.210).

The dated limits and start dates are in ``rates/parameters/CL.json``.

More information:

* https://www.bcn.cl/leychile/navegar?idNorma=6369
* https://www.sii.cl/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("cl_vat").code
'CL'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("cl")


class ClVat(MarketRegime):
    code: ClassVar[str] = "CL"
    table_regimes: ClassVar[tuple[str, ...]] = ("cl_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("digital_services_foreign_provider_start",)
    rule_sources: ClassVar[dict[str, str]] = {"cl": "https://www.bcn.cl/leychile/navegar?idNorma=6369"}
    Rule: ClassVar[type[StrEnum]] = Rule
    digital_services_start: ClassVar[str | None] = "digital_services_foreign_provider_start"


CL_VAT = ClVat()
