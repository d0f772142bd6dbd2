"""New Zealand GST (Goods and Services Tax; tāke hokohoko).

Goods and Services Tax Act 1985, s.8(3)(c): low-value goods (NZ$1,000 or less per item) sold to
New Zealand consumers from abroad are taxed at the point of sale by the seller or the electronic
marketplace; other goods bear GST at the border. The limit is dated data in
``rates/parameters/NZ.json``.

More information:

* https://www.legislation.govt.nz/act/public/1985/0141/latest/whole.html
* https://www.ird.govt.nz/gst/gst-for-overseas-businesses/gst-on-low-value-imported-goods

>>> from taxapi.regimes import regime_for_table
>>> regime_for_table("nz_gst").scheme.value
'nz_gst'
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from taxapi.categories import Category
from taxapi.regimes.base import Context, RuleId, Scheme
from taxapi.regimes.common import LowValueGoodsRegime


class Rule(RuleId):
    domestic = "nz.domestic"
    import_b2b = "nz.import.b2b"
    import_border = "nz.import.border"
    import_low_value_marketplace = "nz.import.low_value.marketplace"
    import_low_value_seller = "nz.import.low_value.seller"
    services_domestic = "nz.services.domestic"
    services_b2b_domestic = "nz.services.b2b.domestic"
    services_b2b_reverse_charge = "nz.services.b2b.reverse_charge"
    tbe_marketplace = "nz.tbe.marketplace"
    tbe_seller = "nz.tbe.seller"


class NzGst(LowValueGoodsRegime):
    code: ClassVar[str] = "NZ"
    table_regimes: ClassVar[tuple[str, ...]] = ("nz_gst",)
    parameters: ClassVar[tuple[str, ...]] = ("low_value_goods_limit",)
    scheme: ClassVar[Scheme] = Scheme.nz_gst
    domestic_scheme: ClassVar[Scheme] = Scheme.nz_gst
    rule_sources: ClassVar[dict[str, str]] = {"nz": "https://www.ird.govt.nz/gst/gst-for-overseas-businesses/gst-on-low-value-imported-goods"}
    Rule: ClassVar[type[StrEnum]] = Rule

    def within_low_value(self, ctx: Context, category: Category, unit_value: Decimal) -> bool:
        value, limit = ctx.compare(unit_value, self, "low_value_goods_limit", "low-value goods limit")
        return limit is not None and value <= limit.amount


NZ_GST = NzGst()
