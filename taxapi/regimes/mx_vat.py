"""Mexican VAT (Impuesto al Valor Agregado, IVA).

Ley del Impuesto al Valor Agregado (LIVA): 16 % (art. 1), 0 % for the art. 2-A list; the 8 %
border-region rate (MX-BORDER) depends on the seller's establishment, which the request does not
say, so it is not chosen here. Foreign providers of digital services (art. 18-B) register and
charge IVA from 2020-06-01. Imports by courier bear the customs "global rate" (duty and IVA), shown
here as IVA due at import.

A platform that collects the price withholds from the seller's payout (LIVA art. 18-J, LISR art.
113-A; for 2026 the Ley de Ingresos art. 25): with an RFC, 50 % of the IVA and 1 % ISR (2.5 % from
2026, and from then also from companies); without an RFC, all the IVA and 20 % ISR; from 2026 all
the IVA of foreign sellers and payouts abroad; all the IVA of foreign digital-service providers
from 2021.

The dated limits, start dates and withholding rates are in ``rates/parameters/MX.json``.

More information:

* https://www.diputados.gob.mx/LeyesBiblio/pdf/LIVA.pdf
* https://www.sat.gob.mx/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("mx_vat").code
'MX'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("mx")


class MxVat(MarketRegime):
    code: ClassVar[str] = "MX"
    table_regimes: ClassVar[tuple[str, ...]] = ("mx_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("digital_services_foreign_provider_start",)
    rule_sources: ClassVar[dict[str, str]] = {"mx": "https://www.diputados.gob.mx/LeyesBiblio/pdf/LIVA.pdf"}
    Rule: ClassVar[type[StrEnum]] = Rule
    withholds: ClassVar[bool] = True
    digital_services_start: ClassVar[str | None] = "digital_services_foreign_provider_start"


MX_VAT = MxVat()
