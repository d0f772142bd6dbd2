"""Brazilian taxes on consumption (ICMS, Imposto sobre Circulação de Mercadorias e Serviços, a
state tax; II, Imposto de Importação, federal).

Brazil has no national VAT yet (CBS and IBS replace PIS/Cofins, IPI, ICMS and ISS from 2026 to
2033, Lei Complementar 214/2025). Parcels of up to USD 3,000 sent from abroad to consumers fall
under the Regime de Tributação Simplificada: with a seller certified in the Remessa Conforme
programme the platform collects the import tax (20 % up to USD 50, 60 % less USD 20 above, Law
14.902/2024) and the destination state's ICMS on remessas ("por dentro", Convênio ICMS 81/2023)
at checkout. The state ICMS rates are the ``BR-XX`` tables (regime ``br_icms``), the import tax
bands are dated data in ``rates/parameters/BR.json``.

taxapi does not compute these taxes yet, nor the internal ICMS of domestic sales: every order
to Brazil is refused as an unsupported scenario (HTTP 422 ``unsupported_scenario``), never
answered with a guess.

More information:

* https://www.confaz.fazenda.gov.br/legislacao/convenios/2023/CV081_23
* https://www.gov.br/receitafederal/pt-br/assuntos/aduana-e-comercio-exterior/manuais/remessas-postal-e-expressa

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("br_icms") is regime_for_table("br_tax")
True
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, NoReturn

from taxapi.errors import UnsupportedScenario
from taxapi.regimes.base import Context, SupplyKind, Treatment
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("br")


class BrTax(MarketRegime):
    code: ClassVar[str] = "BR"
    table_regimes: ClassVar[tuple[str, ...]] = ("br_tax", "br_icms")
    parameters: ClassVar[tuple[str, ...]] = ("lvg_rts_limit", "icms_method")
    rule_sources: ClassVar[dict[str, str]] = {"br": "https://www.confaz.fazenda.gov.br/legislacao/convenios/2023/CV081_23"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def goods(self, ctx: Context) -> Treatment:
        self.refuse("the Brazilian import tax and ICMS (Remessa Conforme) and the internal ICMS are not computed")

    def services(self, ctx: Context, kind: SupplyKind) -> Treatment:
        self.refuse("the Brazilian taxes on services (ISS, PIS/Cofins) are not computed")

    @staticmethod
    def refuse(msg: str) -> NoReturn:
        raise UnsupportedScenario(f"Orders to Brazil are not supported yet: {msg}.",
                                  errors=[{"loc": ["ship_to", "country"], "msg": msg, "type": "unsupported_scenario"}])


BR_TAX = BrTax()
