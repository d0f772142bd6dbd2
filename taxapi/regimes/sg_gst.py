"""Singapore GST (Goods and Services Tax).

Goods and Services Tax Act 1993, s.14A (overseas vendor registration): low-value goods (S$400 or
less) imported by air or post and sold to Singapore consumers are taxed at the point of sale by
the seller or the electronic marketplace; other goods bear GST at the border. The limit is dated
data in ``rates/parameters/SG.json``.

More information:

* https://sso.agc.gov.sg/Act/GSTA1993
* https://www.iras.gov.sg/taxes/goods-services-tax-(gst)/gst-and-digital-economy

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("sg_gst").scheme.value
'sg_gst'
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from taxapi.categories import Category
from taxapi.regimes.base import Context, RuleId, Scheme
from taxapi.regimes.common import LowValueGoodsRegime

#: The ways of transport the point-of-sale rule covers.
AIR_OR_POST = frozenset({"post", "air", "courier"})


class Rule(RuleId):
    domestic = "sg.domestic"
    import_b2b = "sg.import.b2b"
    import_border = "sg.import.border"
    import_low_value_marketplace = "sg.import.low_value.marketplace"
    import_low_value_seller = "sg.import.low_value.seller"
    services_domestic = "sg.services.domestic"
    services_b2b_domestic = "sg.services.b2b.domestic"
    services_b2b_reverse_charge = "sg.services.b2b.reverse_charge"
    tbe_marketplace = "sg.tbe.marketplace"
    tbe_seller = "sg.tbe.seller"


class SgGst(LowValueGoodsRegime):
    code: ClassVar[str] = "SG"
    table_regimes: ClassVar[tuple[str, ...]] = ("sg_gst",)
    parameters: ClassVar[tuple[str, ...]] = ("low_value_goods_limit",)
    scheme: ClassVar[Scheme] = Scheme.sg_gst
    domestic_scheme: ClassVar[Scheme] = Scheme.sg_gst
    rule_sources: ClassVar[dict[str, str]] = {"sg": "https://www.iras.gov.sg/taxes/goods-services-tax-(gst)/gst-and-digital-economy"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def within_low_value(self, ctx: Context, category: Category, unit_value: Decimal) -> bool:
        value, limit = ctx.compare(unit_value, self, "low_value_goods_limit", "low-value goods limit")
        return limit is not None and value <= limit.amount and ctx.order.transport_mode in AIR_OR_POST


SG_GST = SgGst()
