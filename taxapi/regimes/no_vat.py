"""Norwegian VAT (merverdiavgift, MVA), with the VOEC scheme for low-value goods.

Merverdiavgiftsloven: items below NOK 3,000 (shipping excluded from the test, included in the
VAT) sold to Norwegian consumers from abroad are taxed at the point of sale under VOEC (VAT on
E-Commerce), by the seller or the marketplace that facilitates the sale; food is excluded and
other goods bear VAT at the border. The limit is dated data in ``rates/parameters/NO.json``.

More information:

* https://lovdata.no/dokument/NL/lov/2009-06-19-58
* https://www.skatteetaten.no/en/business-and-organisation/vat-and-duties/vat/foreign/e-commerce-voec/

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("no_vat").scheme.value, regime_for_table("no_vat").per_item_goods
('voec', True)
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from taxapi.categories import Category
from taxapi.regimes.base import Context, RuleId, Scheme
from taxapi.regimes.common import LowValueGoodsRegime


class Rule(RuleId):
    domestic = "no.domestic"
    import_b2b = "no.import.b2b"
    import_border = "no.import.border"
    import_low_value_marketplace = "no.import.low_value.marketplace"
    import_low_value_seller = "no.import.low_value.seller"
    services_domestic = "no.services.domestic"
    services_b2b_domestic = "no.services.b2b.domestic"
    services_b2b_reverse_charge = "no.services.b2b.reverse_charge"
    tbe_marketplace = "no.tbe.marketplace"
    tbe_seller = "no.tbe.seller"


class NoVat(LowValueGoodsRegime):
    code: ClassVar[str] = "NO"
    table_regimes: ClassVar[tuple[str, ...]] = ("no_vat",)
    parameters: ClassVar[tuple[str, ...]] = ("voec_item_limit",)
    scheme: ClassVar[Scheme] = Scheme.voec
    domestic_scheme: ClassVar[Scheme] = Scheme.domestic
    rule_sources: ClassVar[dict[str, str]] = {
        "no": "https://www.skatteetaten.no/en/business-and-organisation/vat-and-duties/vat/foreign/e-commerce-voec/"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def within_low_value(self, ctx: Context, category: Category, unit_value: Decimal) -> bool:
        value, limit = ctx.compare(unit_value, self, "voec_item_limit", "VOEC item limit")
        return limit is not None and value < limit.amount and category is not Category.food


NO_VAT = NoVat()
