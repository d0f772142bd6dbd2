"""Australian GST (Goods and Services Tax).

A New Tax System (Goods and Services Tax) Act 1999, Division 84-C: low-value goods (customs value
of A$1,000 or less, per item and per consignment) sold to Australian consumers from abroad are
taxed at the point of sale by the seller or the electronic distribution platform; other goods bear
GST at the border. The limit is dated data in ``rates/parameters/AU.json``.

More information:

* https://www.legislation.gov.au/C2004A00446/latest/text
* https://www.ato.gov.au/law/view/document?DocID=COD/LCR20181/NAT/ATO/00001

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("au_gst").scheme.value
'au_gst'
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from taxapi.categories import Category
from taxapi.regimes.base import Context, RuleId, Scheme
from taxapi.regimes.common import LowValueGoodsRegime


class Rule(RuleId):
    domestic = "au.domestic"
    import_b2b = "au.import.b2b"
    import_border = "au.import.border"
    import_low_value_marketplace = "au.import.low_value.marketplace"
    import_low_value_seller = "au.import.low_value.seller"
    services_domestic = "au.services.domestic"
    services_b2b_domestic = "au.services.b2b.domestic"
    services_b2b_reverse_charge = "au.services.b2b.reverse_charge"
    tbe_marketplace = "au.tbe.marketplace"
    tbe_seller = "au.tbe.seller"


class AuGst(LowValueGoodsRegime):
    code: ClassVar[str] = "AU"
    table_regimes: ClassVar[tuple[str, ...]] = ("au_gst",)
    parameters: ClassVar[tuple[str, ...]] = ("low_value_goods_limit",)
    scheme: ClassVar[Scheme] = Scheme.au_gst
    domestic_scheme: ClassVar[Scheme] = Scheme.au_gst
    rule_sources: ClassVar[dict[str, str]] = {"au": "https://www.ato.gov.au/law/view/document?DocID=COD/LCR20181/NAT/ATO/00001"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def within_low_value(self, ctx: Context, category: Category, unit_value: Decimal) -> bool:
        value, limit = ctx.compare(unit_value, self, "low_value_goods_limit", "low-value goods limit")
        consignment, _ = ctx.compare(ctx.goods_value, self, "low_value_goods_limit", "low-value goods limit")
        return limit is not None and value <= limit.amount and consignment <= limit.amount


AU_GST = AuGst()
