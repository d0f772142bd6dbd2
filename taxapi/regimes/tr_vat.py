"""Turkish VAT (Katma Değer Vergisi, KDV).

KDV Law 3065: 20 % from 2023-07-10 (Presidential Decree 7346), 10 % and 1 %. Foreign providers of
electronic services register from 2018-01-01 (art. 9). Postal and express imports up to the postal
limit pay a flat single tax instead of duty and VAT; that tax is not computed here, so such orders
are refused.

The dated limits and start dates are in ``rates/parameters/TR.json``.

More information:

* https://www.gib.gov.tr/
* https://www.resmigazete.gov.tr/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("tr_vat").code
'TR'
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from taxapi.errors import UnsupportedScenario
from taxapi.regimes.base import Context, Treatment
from taxapi.regimes.market import MarketRegime, market_rules

Rule = market_rules("tr")


class TrVat(MarketRegime):
    code: ClassVar[str] = "TR"
    table_regimes: ClassVar[tuple[str, ...]] = ("tr_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("lvg_postal_limit", "digital_services_foreign_provider_start")
    rule_sources: ClassVar[dict[str, str]] = {"tr": "https://www.gib.gov.tr/"}
    Rule: ClassVar[type[StrEnum]] = Rule
    digital_services_start: ClassVar[str | None] = "digital_services_foreign_provider_start"

    def goods(self, ctx: Context) -> Treatment:
        if ctx.origin.regime is not self and not ctx.b2b:
            value, limit = ctx.compare(ctx.goods_value + ctx.shipping_value, self, "lvg_postal_limit", "postal single-tax limit")
            if limit is not None and value <= limit.amount:
                raise UnsupportedScenario(
                    "Postal and express imports into Turkey up to the single-tax limit pay a flat single tax "
                    "instead of duty and VAT; taxapi does not compute it.",
                    errors=[{"loc": ["ship_to", "country"], "msg": "the Turkish single tax on postal imports is not computed",
                             "type": "unsupported_scenario"}],
                )
        return super().goods(ctx)


TR_VAT = TrVat()
